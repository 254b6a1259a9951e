"""Move the default rating scale to the colour-blind-safe Okabe–Ito palette (issue 16).

The old greens, ochre, orange and red ran together for protanopes and deuteranopes, and
"Unverifiable" was the same grey as "no verdict yet". Only labels still wearing their old
default colour change: a colour an admin chose is kept.
"""

from django.db import migrations

# slug: (old default, new colour): frozen here, as a migration must be.
CHANGES = {
    "true": ("#1a7f37", "#009e73"),
    "mostly-true": ("#4c9a2a", "#56b4e9"),
    "half-true": ("#b08800", "#f0e442"),
    "mostly-false": ("#d4640f", "#e69f00"),
    "false": ("#b42318", "#d55e00"),
    "misleading": ("#8e44ad", "#cc79a7"),
    "unverifiable": ("#6e7781", "#0072b2"),
}


def forwards(apps, schema_editor):
    RatingLabel = apps.get_model("annotations", "RatingLabel")
    for slug, (old, new) in CHANGES.items():
        RatingLabel.objects.filter(slug=slug, colour__iexact=old).update(colour=new)


def backwards(apps, schema_editor):
    RatingLabel = apps.get_model("annotations", "RatingLabel")
    for slug, (old, new) in CHANGES.items():
        RatingLabel.objects.filter(slug=slug, colour__iexact=new).update(colour=old)


class Migration(migrations.Migration):
    dependencies = [("annotations", "0004_notification_outlet_changed")]

    operations = [migrations.RunPython(forwards, backwards)]
