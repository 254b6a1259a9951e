"""The article list filtered by assignee finds the articles of that person's claims (or of
the unassigned ones) from the index alone, without reading thousands of claim rows."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("annotations", "0007_desk_list_indexes"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="claim",
            index=models.Index(fields=["assignee", "article"], name="claim_assignee_article"),
        ),
    ]
