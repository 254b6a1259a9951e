"""`manage.py backup` / `manage.py restore`: a full desk round-trips into an empty database."""

from __future__ import annotations

import gzip
import json
from datetime import date
from importlib import import_module
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.auth.models import Group, Permission, User
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import models

from annotations import services, workflow
from annotations.models import Claim, ClaimEvent, ClaimStatus, RatingLabel
from articles.models import Article
from factcheck.backup import backup_models
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)


def install_migration_rows() -> None:
    """What `migrate` leaves in a new database: the role groups and the default rating scale."""
    import_module("annotations.migrations.0002_default_rating_scale_and_roles").install(apps, None)


def build_desk() -> dict[str, object]:
    """A small but complete desk: every kind of row a backup must carry."""
    checker = factories.FactCheckerFactory(first_name="Chloé", last_name="Checker")
    editor = factories.EditorFactory()
    admin = factories.AdminFactory()
    reader = factories.UserFactory(is_active=False)
    reader.user_permissions.add(Permission.objects.get(codename="view_article"))
    custom_label = RatingLabel.objects.create(name="Satire", slug="satire", value=None, colour="#336699", order=90)
    Group.objects.get(name="Editor").permissions.add(Permission.objects.get(codename="delete_source"))

    article = factories.ArticleFactory(
        title="Budget vote — “quotes” and ünïcödé", published_on=date(2024, 5, 1), added_by=editor
    )
    second = factories.ArticleFactory(body="A second article.\n\nWith 😀 astral characters, 4.2 million of them.")
    factories.ArticleRevisionFactory(article=article, number=1, edited_by=editor, note="typo")
    factories.JobFactory(owner=editor, result={"created": [["a", 1, "t"]]})  # transient: not backed up

    body = article.body
    start = body.index("unemployment fell")
    claim = services.create_claim(article, start, start + len("unemployment fell to 6 percent"), None, user=checker)
    claim = workflow.apply(claim, checker, "take")
    services.add_source(
        claim, user=checker, url="https://stats.example.org/q2", title="Q2 labour report", publisher="Stats",
        excerpt="6.4 %", stance="refutes", accessed_on=date(2024, 5, 2),
    )
    claim.refresh_from_db()
    claim = services.update_claim(
        claim, user=checker, expected_version=claim.version,
        changes={"verdict": factories.rating("mostly-false"), "rationale": "The figure is for Q2 only."},
    )
    services.add_comment(claim, user=editor, body="Good catch — check the seasonal adjustment.")
    claim = workflow.apply(claim, checker, "submit")
    claim = workflow.apply(claim, editor, "publish")

    astral_start = second.body.index("😀")
    other = services.create_claim(second, astral_start, astral_start + 1, "😀", user=checker, claimant="Nobody")
    other.verdict = custom_label
    other.save()
    doomed = services.create_claim(second, 0, 8, "A second", user=checker)
    services.delete_claim(doomed, user=editor, note="duplicate")
    group = factories.ClaimGroupFactory(created_by=editor)
    Claim.objects.filter(pk__in=[claim.pk, other.pk]).update(group=group)
    factories.SuggestionDismissalFactory(article=article, dismissed_by=checker)
    factories.NotificationFactory(recipient=checker, claim=claim)
    LogEntry.objects.create(
        user=admin, content_type=ContentType.objects.get_for_model(Article),
        object_id=str(article.pk), object_repr=str(article), action_flag=ADDITION, change_message="Added.",
    )
    return {"claim": claim, "checker": checker}


def natural(value: models.Model) -> object:
    return value.natural_key() if hasattr(value, "natural_key") else value.pk


def snapshot() -> dict[str, list[dict[str, object]]]:
    """Every backed-up row, field by field; content types and permissions by natural key (their ids change)."""
    rows = {}
    for model in backup_models():
        table = []
        for obj in model._base_manager.order_by("pk"):
            row: dict[str, object] = {}
            for field in model._meta.concrete_fields:
                value = getattr(obj, field.attname)
                if field.is_relation and field.related_model in (ContentType, Permission) and value is not None:
                    value = natural(getattr(obj, field.name))
                if isinstance(value, memoryview):
                    value = bytes(value)
                row[field.attname] = value
            for field in model._meta.many_to_many:
                row[field.name] = sorted(natural(related) for related in getattr(obj, field.name).all())
            table.append(row)
        rows[model._meta.label] = table
    return rows


def wipe_to_a_new_database() -> None:
    """Empty every table (content types and permissions get new ids), then what migrate installs."""
    call_command("flush", interactive=False, verbosity=0)
    install_migration_rows()


@pytest.mark.parametrize("name", ["desk.json", "desk.json.gz"])
def test_backup_and_restore_round_trip_every_row(tmp_path: Path, name: str):
    build_desk()
    before = snapshot()
    assert all(before[label] for label in ("auth.User", "articles.Article", "annotations.Claim",
                                          "annotations.ClaimEvent", "annotations.Source", "annotations.Comment",
                                          "annotations.Notification", "articles.ArticleRevision"))
    path = tmp_path / name
    call_command("backup", str(path), verbosity=0)
    wipe_to_a_new_database()
    assert not User.objects.exists() and not Claim.objects.exists()

    call_command("restore", str(path), verbosity=0)

    after = snapshot()
    for label in before:
        assert after[label] == before[label], f"{label} differs after restore"
    claim = Claim.objects.get(status=ClaimStatus.PUBLISHED)
    history = list(claim.events.order_by("created_at", "id").values_list("kind", flat=True))
    assert history[0] == ClaimEvent.Kind.CREATED and history[-1] == ClaimEvent.Kind.TRANSITION
    assert claim.exact == claim.article.body[claim.start:claim.end]


def test_the_backup_file_is_gzip_when_asked_and_a_loaddata_fixture(tmp_path: Path):
    build_desk()
    call_command("backup", str(tmp_path / "desk.json.gz"), verbosity=0)
    rows = json.loads(gzip.decompress((tmp_path / "desk.json.gz").read_bytes()))
    kinds = {row["model"] for row in rows}
    assert {"auth.user", "auth.group", "articles.article", "annotations.claim", "annotations.claimevent"} <= kinds
    assert not kinds & {"sessions.session", "contenttypes.contenttype", "auth.permission", "axes.accessattempt"}
    # Times keep their microseconds (Django's own encoder would cut them to milliseconds).
    event = next(row for row in rows if row["model"] == "annotations.claimevent")
    assert len(event["fields"]["created_at"].split(".")[1].rstrip("Z")) == 6


def test_restored_database_accepts_new_rows(tmp_path: Path):
    made = build_desk()
    highest = Claim.objects.order_by("-pk").first().pk
    call_command("backup", str(tmp_path / "desk.json"), verbosity=0)
    wipe_to_a_new_database()
    call_command("restore", str(tmp_path / "desk.json"), verbosity=0)

    checker = User.objects.get(pk=made["checker"].pk)
    article = Article.objects.filter(claims__isnull=False).first()
    claim = services.create_claim(article, 0, 3, article.body[:3], user=checker)
    assert claim.pk > highest
    new_user = factories.UserFactory()
    new_user.groups.add(Group.objects.get(name="Editor"))
    assert factories.ArticleFactory().pk > 0
    assert checker.check_password(factories.PASSWORD)


def test_restore_refuses_a_database_that_is_not_empty(tmp_path: Path):
    build_desk()
    call_command("backup", str(tmp_path / "desk.json"), verbosity=0)
    before = snapshot()
    with pytest.raises(CommandError, match="The database is not empty"):
        call_command("restore", str(tmp_path / "desk.json"), verbosity=0)
    assert snapshot() == before


def test_restore_of_a_damaged_file_changes_nothing(tmp_path: Path):
    build_desk()
    call_command("backup", str(tmp_path / "desk.json"), verbosity=0)
    wipe_to_a_new_database()
    labels_before = list(RatingLabel.objects.values_list("slug", flat=True))
    text = (tmp_path / "desk.json").read_text()
    (tmp_path / "broken.json").write_text(text[: len(text) // 2])
    with pytest.raises(CommandError, match="cannot be read"):
        call_command("restore", str(tmp_path / "broken.json"), verbosity=0)
    assert list(RatingLabel.objects.values_list("slug", flat=True)) == labels_before
    assert Group.objects.filter(name__in=["Editor", "Fact-checker"]).count() == 2
    assert not User.objects.exists()


def test_restore_names_a_missing_file(tmp_path: Path):
    with pytest.raises(CommandError, match="No backup file"):
        call_command("restore", str(tmp_path / "nothing-here.json"), verbosity=0)


def test_a_failed_backup_leaves_no_file(tmp_path: Path, monkeypatch):
    build_desk()

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("factcheck.backup.serializers.serialize", broken)
    with pytest.raises(RuntimeError):
        call_command("backup", str(tmp_path / "desk.json"), verbosity=0)
    assert list(tmp_path.iterdir()) == []
