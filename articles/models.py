"""Articles: the canonical texts that claims are anchored in.

``Article.body`` is the one string every claim offset points into, so it is only ever
written through :func:`articles.text.canonicalize_body` (see ``Article.save``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse

from articles.text import canonicalize_body, canonicalize_line, content_hash
from factcheck.validators import http_url_validator

#: Database-level guard for every URL column: empty, or http(s). ``javascript:`` never gets in.
HTTP_URL_CHECK = Q(url="") | Q(url__startswith="http://") | Q(url__startswith="https://")


class Article(models.Model):
    """A news article whose body claims are anchored in."""

    title = models.CharField(max_length=500)
    body = models.TextField(help_text="Canonical plain text: NFC, \\n newlines, blank line between paragraphs.")
    outlet = models.CharField("outlet / publisher", max_length=200, blank=True, db_index=True)
    byline = models.CharField(max_length=300, blank=True)
    url = models.URLField("URL", max_length=1000, blank=True, validators=[http_url_validator])
    published_on = models.DateField("published", null=True, blank=True, db_index=True)
    language = models.CharField(max_length=16, default="en")
    content_hash = models.CharField(max_length=64, editable=False, db_index=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="articles_added"
    )
    version = models.PositiveIntegerField(default=1, help_text="Bumped on every body edit (optimistic locking).")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=HTTP_URL_CHECK,
                name="article_url_http",
                violation_error_message="Article URLs must start with http:// or https://.",
            ),
            models.CheckConstraint(
                condition=~Q(body=""),
                name="article_body_not_empty",
                violation_error_message="An article needs a body.",
            ),
            models.UniqueConstraint(
                fields=["url"], condition=~Q(url=""), name="article_url_unique",
                violation_error_message="An article with this URL already exists.",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs) -> None:
        """Canonicalise text fields and refresh the de-duplication hash on every save."""
        self.body = canonicalize_body(self.body)
        self.title = canonicalize_line(self.title)
        self.outlet = canonicalize_line(self.outlet)
        self.byline = canonicalize_line(self.byline)
        self.content_hash = content_hash(self.body)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "body" in update_fields:
            kwargs["update_fields"] = {*update_fields, "content_hash"}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("articles:detail", args=[self.pk])


class ArticleRevision(models.Model):
    """A past version of an article, written before every body edit (corrections keep history)."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=500)
    body = models.TextField()
    edited_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    note = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["article", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["article", "number"], name="article_revision_number_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.article} (revision {self.number})"
