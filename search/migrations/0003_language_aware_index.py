"""Re-create the full-text index: folded text (search.normalize), a configuration per
document on PostgreSQL, Latin accents folded by FTS5 on SQLite (see search/index.py)."""

from django.db import migrations


def forwards(apps, schema_editor):
    from search import index

    index.uninstall(schema_editor.connection)
    index.install(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0002_checkworthiness_model"),
        ("articles", "0004_article_language_help"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop, elidable=False)]
