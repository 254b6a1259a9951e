"""Indexes for the desk's lists at 100,000 claims (docs/benchmarks.md).

* (assignee, status, updated_at): My claims reads each status group of one assignee in
  ``updated_at`` order, and the desk overview counts claims per (assignee, status), both
  without a sort or a read of the claim rows. Replaces (assignee, status), its prefix.
* (status, submitted_at, verdict_by): the review queue walks the claims in review in
  submission order and skips those whose verdict the editor set, from the index alone.
  Replaces (status, submitted_at), its prefix.
* (status, article): the article list filtered by claim status finds the articles of the
  claims in that status without reading those claims.
"""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("annotations", "0006_claim_canonical_and_via_iri"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="claim",
            index=models.Index(fields=["assignee", "status", "updated_at"], name="claim_assignee_status_updated"),
        ),
        migrations.RemoveIndex(
            model_name="claim",
            name="claim_assignee_status",
        ),
        migrations.AddIndex(
            model_name="claim",
            index=models.Index(fields=["status", "submitted_at", "verdict_by"], name="claim_review_queue"),
        ),
        migrations.RemoveIndex(
            model_name="claim",
            name="claim_status_submitted",
        ),
        migrations.AddIndex(
            model_name="claim",
            index=models.Index(fields=["status", "article"], name="claim_status_article"),
        ),
    ]
