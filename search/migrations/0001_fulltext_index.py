"""Full-text index for articles and claims (vendor-specific, outside the model state).

SQLite: FTS5 external-content tables with sync triggers. PostgreSQL: weighted tsvector side
tables with GIN indexes and sync triggers. Existing rows are indexed here (back-fill).
See search/index.py for the schema and why it looks like this.
"""

from django.db import migrations


def forwards(apps, schema_editor):
    from search import index

    index.install(schema_editor.connection)


def backwards(apps, schema_editor):
    from search import index

    index.uninstall(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0001_initial"),
        ("annotations", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
