"""Install the default rating scale and the desk's role groups with their model permissions."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

DEFAULT_SCALE = [
    # name, slug, ClaimReview value, colour, order, description. Colours: the colour-blind-safe
    # Okabe–Ito palette (annotations/verdict_palette.py; 0005 moves older installs to it).
    ("True", "true", 5, "#009e73", 10, "Accurate, nothing significant missing."),
    ("Mostly true", "mostly-true", 4, "#56b4e9", 20, "Accurate but needs clarification or context."),
    ("Half true", "half-true", 3, "#f0e442", 30, "Partially accurate; leaves out important details."),
    ("Mostly false", "mostly-false", 2, "#e69f00", 40, "Contains some truth but ignores critical facts."),
    ("False", "false", 1, "#d55e00", 50, "Not accurate."),
    ("Misleading", "misleading", 2, "#cc79a7", 60, "Accurate facts used to give a false impression."),
    ("Unverifiable", "unverifiable", None, "#0072b2", 70, "Cannot be proven or disproven with available evidence."),
]

FACT_CHECKER_PERMS = {
    "articles": {"article": ["view"], "articlerevision": ["view"]},
    "annotations": {
        "claim": ["view", "add", "change"],
        "source": ["view", "add", "change", "delete"],
        "comment": ["view", "add"],
        "claimevent": ["view"],
        "ratinglabel": ["view"],
        "notification": ["view"],
        "suggestiondismissal": ["view", "add"],
        "claimgroup": ["view"],
    },
}
EDITOR_EXTRA_PERMS = {
    # (Import jobs had their own model and permissions here; jobs are now ``factcheck.Job``.)
    "articles": {"article": ["add", "change", "delete"]},
    "annotations": {"claim": ["delete"], "comment": ["change", "delete"], "claimgroup": ["add", "change"]},
}


def _grant(apps, group, spec):
    Permission = apps.get_model("auth", "Permission")
    for app_label, models in spec.items():
        for model, actions in models.items():
            for action in actions:
                perm = Permission.objects.get(content_type__app_label=app_label, codename=f"{action}_{model}")
                group.permissions.add(perm)


def install(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    RatingLabel = apps.get_model("annotations", "RatingLabel")
    for name, slug, value, colour, order, description in DEFAULT_SCALE:
        RatingLabel.objects.get_or_create(
            slug=slug,
            defaults={"name": name, "value": value, "colour": colour, "order": order, "description": description},
        )

    Group = apps.get_model("auth", "Group")
    fact_checker, _ = Group.objects.get_or_create(name="Fact-checker")
    editor, _ = Group.objects.get_or_create(name="Editor")
    _grant(apps, fact_checker, FACT_CHECKER_PERMS)
    _grant(apps, editor, FACT_CHECKER_PERMS)
    _grant(apps, editor, EDITOR_EXTRA_PERMS)


def uninstall(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=["Fact-checker", "Editor"]).delete()
    apps.get_model("annotations", "RatingLabel").objects.filter(slug__in=[row[1] for row in DEFAULT_SCALE]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("annotations", "0001_initial"),
        ("articles", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(install, uninstall)]
