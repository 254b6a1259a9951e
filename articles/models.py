"""Articles: the canonical texts that claims are anchored in.

``Article.body`` is the one string every claim offset points into, so it is only ever
written through :func:`articles.text.canonicalize_body` (see ``Article.save``).
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from articles.text import canonicalize_body, canonicalize_line, content_hash
from articles.values import normalize_language
from factcheck.validators import http_url_validator


def validate_language_tag(value: str) -> None:
    """Refuse what is not a BCP 47-ish tag ("en", "pt-BR", "ku-Arab"): the rule imports follow."""
    try:
        normalize_language(value)
    except ValueError as error:
        raise ValidationError(str(error)[:1].upper() + str(error)[1:] + ".", code="language") from error


#: Database-level guard for every URL column: empty, or http(s). ``javascript:`` never gets in.
HTTP_URL_CHECK = Q(url="") | Q(url__startswith="http://") | Q(url__startswith="https://")


class Article(models.Model):
    """A news article whose body claims are anchored in."""

    title = models.CharField(max_length=500)
    body = models.TextField(help_text=_("Canonical plain text: NFC, \\n newlines, blank line between paragraphs."))
    outlet = models.CharField("outlet / publisher", max_length=200, blank=True)
    byline = models.CharField(max_length=300, blank=True)
    url = models.URLField("URL", max_length=1000, blank=True, validators=[http_url_validator])
    published_on = models.DateField("published", null=True, blank=True, db_index=True)
    language = models.CharField(
        max_length=16, default="en", validators=[validate_language_tag],
        help_text=_("BCP 47 tag (en, ar, pt-BR): picks the text direction, sentence splitting and search stemming. "
        "Guessed from the text on import when not given (articles.language)."),
    )
    content_hash = models.CharField(max_length=64, editable=False, db_index=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="articles_added"
    )
    version = models.PositiveIntegerField(default=1, help_text=_("Bumped on every body edit (optimistic locking)."))
    in_inbox = models.BooleanField(
        "in the inbox", default=False, db_index=True,
        help_text=_("Came in from a watched outlet and nobody has taken it up yet (see articles.inbox)."),
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=HTTP_URL_CHECK,
                name="article_url_http",
                violation_error_message=_("Article URLs must start with http:// or https://."),
            ),
            models.CheckConstraint(
                condition=~Q(body=""),
                name="article_body_not_empty",
                violation_error_message=_("An article needs a body."),
            ),
            models.UniqueConstraint(
                fields=["url"], condition=~Q(url=""), name="article_url_unique",
                violation_error_message=_("An article with this URL already exists."),
            ),
        ]
        indexes = [
            # The outlet filter and the outlets' list: with the id in the index, "articles of
            # this outlet that have a claim in review" is a merge of two index-only scans in id
            # order (0.3 ms at 100,000 claims, against 8 ms reading the outlet off every row).
            models.Index(fields=["outlet", "id"], name="article_outlet_id"),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs) -> None:
        """Canonicalise text fields and refresh the de-duplication hash on every save."""
        self.canonicalize()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "body" in update_fields:
            kwargs["update_fields"] = {*update_fields, "content_hash"}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("articles:detail", args=[self.pk])

    def canonicalize(self, body_hash: str | None = None) -> None:
        """Canonicalise the text fields and refresh the de-duplication hash, as every write must.

        :meth:`save` calls it; so does the import's multi-row INSERT, which bypasses ``save``.
        ``body_hash``: the hash already computed for this body string, reused only when
        canonicalising left the body unchanged.
        """
        body = canonicalize_body(self.body)
        same_body = body == self.body
        self.body = body
        self.title = canonicalize_line(self.title)
        self.outlet = canonicalize_line(self.outlet)
        self.byline = canonicalize_line(self.byline)
        self.content_hash = body_hash if body_hash and same_body else content_hash(body)


class ArticleRevision(models.Model):
    """A past version of an article, written before every body edit (corrections keep history)."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=500)
    body = models.TextField()
    edited_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    note = models.CharField(max_length=500, blank=True)
    #: True when the text was replaced because the outlet changed its page (a silent edit
    #: caught by a watch), not because someone on the desk corrected it.
    changed_by_outlet = models.BooleanField(default=False, db_index=True)
    #: The fetch that saw the outlet's new text (its WARC record is the evidence).
    snapshot = models.ForeignKey(
        "Snapshot", null=True, blank=True, on_delete=models.SET_NULL, related_name="revisions"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["article", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["article", "number"], name="article_revision_number_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.article} (revision {self.number})"


#: Where snapshot WARC files are kept in ``default_storage``.
SNAPSHOT_FOLDER = "snapshots"


class Snapshot(models.Model):
    """One fetch of a web page, kept as evidence: a WARC file plus what a list needs to show.

    Written by :func:`articles.snapshots.store_snapshot` for every fetch that brought a page
    back (adding an article by URL, each watch check, "archive this source"). The WARC file
    (in ``default_storage``) holds the final URL, the HTTP status and headers, the body and
    the fetch time; ``sha256`` is the body's digest, so a copy can be checked against it.
    """

    requested_url = models.URLField("requested URL", max_length=1000, validators=[http_url_validator])
    url = models.URLField("final URL", max_length=1000, validators=[http_url_validator], db_index=True)
    status = models.PositiveSmallIntegerField()
    content_type = models.CharField(max_length=100, blank=True)
    charset = models.CharField(max_length=40, blank=True)
    sha256 = models.CharField("SHA-256 of the body", max_length=64, db_index=True)
    size = models.PositiveIntegerField(help_text=_("Body size in bytes."))
    fetched_at = models.DateTimeField(db_index=True)
    warc_file = models.FileField(upload_to=f"{SNAPSHOT_FOLDER}/%Y/%m/", max_length=500)
    article = models.ForeignKey(
        Article, null=True, blank=True, on_delete=models.SET_NULL, related_name="snapshots"
    )
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="snapshots_taken"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-fetched_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(url__startswith="http://") | Q(url__startswith="https://"), name="snapshot_url_http"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.url} at {self.fetched_at:%Y-%m-%d %H:%M} UTC"

    def get_absolute_url(self) -> str:
        return reverse("editing:snapshot", args=[self.pk])

    @property
    def is_html(self) -> bool:
        return self.content_type in ("text/html", "application/xhtml+xml")


class PollState(models.Model):
    """What a watched feed or article shares: when to look next, and how the last look went.

    Polling is polite: a conditional GET (``etag``/``last_modified``) each time, and after a
    failure the next look is pushed back further each time (see ``articles.watching``).
    """

    class Outcome(models.TextChoices):
        NEVER = "never", _("not checked yet")
        OK = "ok", _("fetched")
        NOT_MODIFIED = "not_modified", _("unchanged (304)")
        ERROR = "error", _("failed")

    interval_minutes = models.PositiveIntegerField(default=60, help_text=_("How often to look, in minutes."))
    active = models.BooleanField(default=True, db_index=True)
    next_check_at = models.DateTimeField(null=True, blank=True, db_index=True)
    last_checked_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_outcome = models.CharField(max_length=16, choices=Outcome.choices, default=Outcome.NEVER)
    last_error = models.TextField(blank=True, help_text=_("Why the last look failed, for the page that shows it."))
    failures = models.PositiveIntegerField(default=0, help_text=_("Failures in a row (back-off grows with them)."))
    etag = models.CharField(max_length=500, blank=True)
    last_modified = models.CharField(max_length=100, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True


class Feed(PollState):
    """An outlet's RSS or Atom feed: its new items come in as articles in the inbox."""

    url = models.URLField("feed URL", max_length=1000, unique=True, validators=[http_url_validator])
    title = models.CharField(max_length=300, blank=True)
    outlet = models.CharField(max_length=200, blank=True, help_text=_("Used for items whose page does not name it."))
    watch_items = models.BooleanField(
        default=True, help_text=_("Also watch each new item for silent edits.")
    )
    items_imported = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["title", "url"]
        constraints = [
            models.CheckConstraint(
                condition=Q(url__startswith="http://") | Q(url__startswith="https://"), name="feed_url_http"
            ),
        ]

    def __str__(self) -> str:
        return self.title or self.url

    def get_absolute_url(self) -> str:
        return reverse("editing:feed", args=[self.pk])


class FeedItem(models.Model):
    """An item a feed listed: remembered so each item is fetched once, and why it failed if it did."""

    feed = models.ForeignKey(Feed, on_delete=models.CASCADE, related_name="items")
    guid = models.CharField(max_length=1000, help_text=_("The item's id in the feed (its link when it has none)."))
    url = models.URLField(max_length=1000, blank=True)
    title = models.CharField(max_length=500, blank=True)
    article = models.ForeignKey(Article, null=True, blank=True, on_delete=models.SET_NULL, related_name="feed_items")
    error = models.TextField(blank=True)
    first_seen_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-first_seen_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["feed", "guid"], name="feed_item_guid_unique")]

    def __str__(self) -> str:
        return self.title or self.url or self.guid


class Watch(PollState):
    """An article whose page is fetched again on a schedule to catch the outlet's silent edits."""

    article = models.OneToOneField(Article, on_delete=models.CASCADE, related_name="watch")
    url = models.URLField(max_length=1000, validators=[http_url_validator])
    feed = models.ForeignKey(Feed, null=True, blank=True, on_delete=models.SET_NULL, related_name="watches")
    text_hash = models.CharField(
        max_length=64, blank=True, help_text=_("SHA-256 of the title and text the outlet showed at the last look.")
    )
    changes = models.PositiveIntegerField(default=0, help_text=_("Times the outlet's text was found changed."))
    last_changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["next_check_at", "id"]
        verbose_name_plural = _("watches")
        constraints = [
            models.CheckConstraint(
                condition=Q(url__startswith="http://") | Q(url__startswith="https://"), name="watch_url_http"
            ),
        ]

    def __str__(self) -> str:
        return f"Watch on {self.url}"
