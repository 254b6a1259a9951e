"""PostgreSQL: the index triggers fold text through one function, ``factdesk_fold``, which skips
the two whole-text ``normalize`` calls when the text needs neither (search.normalize).

The index it builds is the same text for text as before, so nothing is re-indexed either way.
Reversible: backwards writes the fold out in the triggers again and drops the function.
SQLite: nothing to do.
"""

from django.db import migrations


def forwards(apps, schema_editor):
    from search import index

    if schema_editor.connection.vendor == "postgresql":
        index.install_postgres_triggers(schema_editor.connection)


def backwards(apps, schema_editor):
    from search import index

    if schema_editor.connection.vendor == "postgresql":
        index.install_postgres_triggers(schema_editor.connection, inline_fold=True)


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0003_language_aware_index"),
    ]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
