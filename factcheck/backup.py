"""Logical backups of the desk: every row that matters, in Django's JSON fixture format.

A backup is database-neutral (take it on PostgreSQL, restore it on SQLite or the other way
round) and readable by ``manage.py loaddata``. It holds users, groups and their
permissions, articles and their revisions, claims with their anchors, sources, comments,
history, notifications and everything else the project's apps store, with primary keys
kept, so URLs and history references stay valid. Foreign keys to content types and
permissions are written as natural keys because those tables are rebuilt by ``migrate``
with different ids.

Left out on purpose: sessions (everyone logs in again), content types and permissions
(recreated by ``migrate``), login-throttling records (django-axes), background-task
results (django-tasks) and background jobs (``factcheck.Job``, whose files live in the
storage, not the database), which are transient.
"""

from __future__ import annotations

import datetime
import gzip
import os
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.apps import apps
from django.contrib.auth.models import Group
from django.core import serializers
from django.core.management.color import no_style
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connections, models, transaction

#: App labels whose rows are never backed up (rebuilt by migrate, or transient).
EXCLUDED_APPS = frozenset({"contenttypes", "sessions", "axes", "django_tasks_db", "django_tasks"})
#: Single models that are never backed up.
EXCLUDED_MODELS = frozenset({"auth.permission", "factcheck.job"})


def seed_models() -> list[type[models.Model]]:
    """Models whose rows the migrations install: a fresh database already has them, so restore
    replaces them with the backup's rows. Role groups, plus what each app declares in its
    AppConfig's ``seed_models`` (annotations: the default rating scale); declared by the apps
    above so this bottom layer names none of them."""
    declared = [
        app_config.get_model(name)
        for app_config in apps.get_app_configs()
        for name in getattr(app_config, "seed_models", ())
    ]
    return [Group, *declared]

GZIP_MAGIC = b"\x1f\x8b"


class RestoreError(Exception):
    """The backup cannot be restored here; the message says why and what to do."""


class PreciseJSONEncoder(DjangoJSONEncoder):
    """Django's encoder, but keeping microseconds: it cuts times to milliseconds, and a
    restored history must carry exactly the timestamps it had."""

    def default(self, o: object) -> object:
        if isinstance(o, datetime.datetime | datetime.time):
            text = o.isoformat()
            return text[:-6] + "Z" if text.endswith("+00:00") else text
        return super().default(o)


def model_label(model: type[models.Model]) -> str:
    return model._meta.label_lower


def backup_models() -> list[type[models.Model]]:
    """Every concrete model a backup holds, sorted so that referenced rows come first."""
    app_list = []
    for app_config in apps.get_app_configs():
        if app_config.label in EXCLUDED_APPS:
            continue
        chosen = [
            model
            for model in app_config.get_models()
            if model._meta.managed and not model._meta.proxy and model_label(model) not in EXCLUDED_MODELS
        ]
        if chosen:
            app_list.append((app_config, chosen))
    return serializers.sort_dependencies(app_list, allow_cycles=True)


def _rows(model_list: Iterable[type[models.Model]], using: str) -> Iterator[models.Model]:
    for model in model_list:
        yield from model._base_manager.using(using).order_by(model._meta.pk.name).iterator(chunk_size=500)


@dataclass
class BackupSummary:
    """How many rows of each model a backup wrote or a restore loaded."""

    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def lines(self) -> list[str]:
        return [f"{label}: {count}" for label, count in sorted(self.counts.items()) if count]


def write_backup(path: str | Path, *, using: str = DEFAULT_DB_ALIAS) -> BackupSummary:
    """Write a backup of database ``using`` to ``path`` (gzip-compressed if it ends in ``.gz``).

    The rows are read inside one transaction (REPEATABLE READ on PostgreSQL), so a backup
    taken while people work is a consistent snapshot. The file is written under a temporary
    name and renamed at the end: a failed backup never leaves a truncated file behind.
    """
    path = Path(path)
    model_list = backup_models()
    summary = BackupSummary()
    connection = connections[using]
    directory = path.parent if str(path.parent) else Path(".")
    handle, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=directory)
    os.close(handle)
    try:
        opener = gzip.open if path.name.endswith(".gz") else open
        with opener(temp_name, "wt", encoding="utf-8") as stream, transaction.atomic(using=using):
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            summary.counts = {model_label(m): m._base_manager.using(using).count() for m in model_list}
            serializers.serialize(
                "json", _rows(model_list, using), stream=stream, indent=None, use_natural_foreign_keys=True,
                cls=PreciseJSONEncoder,
            )
            stream.write("\n")
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    return summary


def read_backup_text(path: str | Path) -> str:
    """The JSON text of a backup file, gunzipped if it is compressed (whatever its name)."""
    data = Path(path).read_bytes()
    if data[:2] == GZIP_MAGIC:
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as error:
            raise RestoreError(f"The backup file is a damaged gzip file: {error}.") from error
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise RestoreError("The backup file is not a Factdesk backup (it is not UTF-8 JSON).") from error


def rows_in_the_way(using: str = DEFAULT_DB_ALIAS) -> dict[str, int]:
    """Rows already in the database (other than migration-installed ones) that a restore would clash with."""
    found = {}
    seeded = set(seed_models())
    for model in backup_models():
        if model in seeded:
            continue
        count = model._base_manager.using(using).count()
        if count:
            found[model_label(model)] = count
    return found


def _reset_sequences(model_list: Iterable[type[models.Model]], using: str) -> None:
    """Move PostgreSQL's id sequences past the restored ids, so new rows do not collide."""
    connection = connections[using]
    statements = connection.ops.sequence_reset_sql(no_style(), list(model_list))
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


def restore_backup(path: str | Path, *, using: str = DEFAULT_DB_ALIAS) -> BackupSummary:
    """Load a backup into an empty, migrated database, all or nothing.

    Refuses a database that already holds users, articles or claims (a restore is not a
    merge). The role groups and rating labels that ``migrate`` installed are replaced by the
    backup's own, so renamed labels or changed permissions come back as they were. Rows are
    saved raw (``Model.save_base``), bypassing ``save()`` overrides: the append-only claim
    history is inserted exactly as it was, and article bodies are not re-canonicalised.
    """
    text = read_backup_text(path)
    occupied = rows_in_the_way(using)
    if occupied:
        listing = ", ".join(f"{count} {label}" for label, count in sorted(occupied.items()))
        raise RestoreError(
            f"The database is not empty ({listing}). Restore only into a new database on which "
            "`manage.py migrate` has run (or empty this one with `manage.py flush`)."
        )
    connection = connections[using]
    summary = BackupSummary()
    loaded_models: set[type[models.Model]] = set()
    try:
        with transaction.atomic(using=using):
            for model in seed_models():
                model._base_manager.using(using).all().delete()
            with connection.constraint_checks_disabled():
                deferred = []
                for wrapped in serializers.deserialize("json", text, using=using, handle_forward_references=True):
                    wrapped.save(using=using)
                    if wrapped.deferred_fields:
                        deferred.append(wrapped)
                    label = model_label(type(wrapped.object))
                    loaded_models.add(type(wrapped.object))
                    summary.counts[label] = summary.counts.get(label, 0) + 1
                for wrapped in deferred:
                    wrapped.save_deferred_fields(using=using)
            if not summary.counts:
                raise RestoreError("The backup file holds no rows: nothing was restored.")
            connection.check_constraints(table_names=[m._meta.db_table for m in loaded_models])
            _reset_sequences(loaded_models | set(backup_models()), using)
    except serializers.base.DeserializationError as error:
        raise RestoreError(f"The backup file cannot be read: {error}") from error
    except IntegrityError as error:
        raise RestoreError(f"The backup's rows do not fit together, nothing was restored: {error}") from error
    return summary
