"""Fact-check data: claims anchored in articles, their sources, verdicts, history and discussion.

Integrity rules that the database can enforce are declared as constraints here; rules that
need the article body (the quote must equal ``body[start:end]``) live in
:mod:`annotations.anchoring` and are checked by ``Claim.clean`` and the claim services.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from annotations import notification_texts
from annotations.anchoring import AnchorError, validate_anchor
from articles.models import Article, http_url_validator
from factcheck.display import one_line, truncate

User = settings.AUTH_USER_MODEL


class RatingLabel(models.Model):
    """One verdict on the desk's rating scale (True, Mostly false, ...)."""

    name = models.CharField(max_length=80, unique=True)
    slug = models.SlugField(max_length=80, unique=True)
    value = models.SmallIntegerField(
        null=True,
        blank=True,
        help_text=_("ClaimReview ratingValue (higher is more true). Leave empty for labels off the numeric "
        "scale, such as Unverifiable."),
    )
    colour = models.CharField(
        max_length=7,
        default="#888888",
        validators=[RegexValidator(r"^#[0-9a-fA-F]{6}$", "Use a hex colour such as #1a7f37.")],
    )
    order = models.PositiveSmallIntegerField(default=0, help_text=_("Position in menus, lowest first."))
    description = models.CharField(max_length=300, blank=True)
    is_active = models.BooleanField(
        default=True, help_text=_("Inactive labels stay on old claims but are not offered.")
    )

    class Meta:
        ordering = ["order", "name"]
        verbose_name = _("verdict label")
        constraints = [
            models.CheckConstraint(condition=Q(colour__regex=r"^#[0-9a-fA-F]{6}$"), name="ratinglabel_colour_hex"),
        ]

    def __str__(self) -> str:
        return self.name


class ClaimGroup(models.Model):
    """Claims an editor linked as "the same claim" across articles."""

    created_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Claim group {self.pk}"


class ClaimStatus(models.TextChoices):
    """Where a claim is in the review workflow (transitions: annotations.workflow)."""

    NEW = "new", _("New")
    RESEARCHING = "researching", _("Researching")
    IN_REVIEW = "in_review", _("In review")
    PUBLISHED = "published", _("Published")
    DISMISSED = "dismissed", _("Dismissed")

class AnchorState(models.TextChoices):
    """How well a claim's anchor survived the last article edit."""

    ANCHORED = "anchored", _("Anchored")
    MOVED = "moved", _("Moved (check it)")
    ORPHANED = "orphaned", _("Orphaned")


class Claim(models.Model):
    """A span of an article's body that is being fact-checked.

    The anchor follows the W3C Web Annotation selectors: ``start``/``end`` are code point
    offsets into ``article.body`` (TextPositionSelector) and ``exact``/``prefix``/``suffix``
    are the TextQuoteSelector used to find the span again after the article is corrected.
    """

    Status = ClaimStatus
    AnchorState = AnchorState

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="claims")
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    exact = models.TextField("quote")
    prefix = models.CharField(max_length=32, blank=True)
    suffix = models.CharField(max_length=32, blank=True)
    anchor_state = models.CharField(max_length=12, choices=AnchorState.choices, default=AnchorState.ANCHORED)
    # Where an annotation made elsewhere came from (W3C Web Annotation Protocol, section 6.1):
    # its ``canonical`` IRI is kept without change, and the id its client gave it becomes ``via``.
    canonical_iri = models.CharField(max_length=2000, blank=True)
    via_iri = models.CharField(max_length=2000, blank=True)

    statement = models.TextField(blank=True, help_text=_("The claim in the editor's words."))
    claimant = models.CharField(max_length=300, blank=True, help_text=_("Who made the claim."))
    status = models.CharField(max_length=16, choices=ClaimStatus.choices, default=ClaimStatus.NEW)
    verdict = models.ForeignKey(RatingLabel, null=True, blank=True, on_delete=models.PROTECT, related_name="claims")
    rationale = models.TextField(blank=True)
    dismissal_reason = models.CharField(max_length=500, blank=True)

    assignee = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="assigned_claims")
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="created_claims"
    )
    verdict_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text=_("Who last set the verdict."),
    )
    reviewed_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text=_("The editor who published."),
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    group = models.ForeignKey(ClaimGroup, null=True, blank=True, on_delete=models.SET_NULL, related_name="claims")

    version = models.PositiveIntegerField(default=1, help_text=_("Optimistic lock: bumped on every change."))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["article", "start", "end", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="claim_span_not_empty",
                                   violation_error_message=_("A claim must cover at least one character.")),
            models.CheckConstraint(condition=~Q(exact=""), name="claim_quote_not_empty"),
            models.CheckConstraint(condition=Q(status__in=ClaimStatus.values), name="claim_status_valid"),
            models.CheckConstraint(
                condition=Q(anchor_state__in=AnchorState.values), name="claim_anchor_state_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status="published") | Q(verdict__isnull=False), name="claim_published_has_verdict",
                violation_error_message=_("A published claim needs a verdict."),
            ),
        ]
        indexes = [
            models.Index(fields=["article", "start"], name="claim_article_start"),
            # The review queue: claims in review by submission, the verdict's author read from the index.
            models.Index(fields=["status", "submitted_at", "verdict_by"], name="claim_review_queue"),
            # The article list's status filter: the articles of the claims in one status.
            models.Index(fields=["status", "article"], name="claim_status_article"),
            # ... and its assignee filter (someone's claims, or nobody's).
            models.Index(fields=["assignee", "article"], name="claim_assignee_article"),
            models.Index(fields=["assignee", "status", "updated_at"], name="claim_assignee_status_updated"),
            models.Index(fields=["updated_at"], name="claim_updated"),
        ]

    def __str__(self) -> str:
        return truncate(self.statement or self.exact, 80)

    def clean(self) -> None:
        """Reject an anchor that does not match the article body (see annotations.anchoring)."""
        if self.article_id is None:
            return
        try:
            validate_anchor(self.article.body, self.start, self.end, self.exact)
        except AnchorError as error:
            raise ValidationError({"exact": str(error)}) from error

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED


class Stance(models.TextChoices):
    """How a source bears on the claim."""

    SUPPORTS = "supports", _("Supports")
    REFUTES = "refutes", _("Refutes")
    CONTEXT = "context", _("Context")


class Source(models.Model):
    """A piece of evidence attached to a claim."""

    Stance = Stance

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="sources")
    url = models.URLField("URL", max_length=1000, validators=[http_url_validator])
    title = models.CharField(max_length=500, blank=True)
    publisher = models.CharField(max_length=200, blank=True)
    excerpt = models.TextField(blank=True)
    stance = models.CharField(max_length=12, choices=Stance.choices, default=Stance.CONTEXT)
    accessed_on = models.DateField("date accessed", null=True, blank=True)
    archive_url = models.URLField("archived copy URL", max_length=1000, blank=True, validators=[http_url_validator])
    added_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["claim", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(url__startswith="http://") | Q(url__startswith="https://"),
                name="source_url_http",
                violation_error_message=_("Source URLs must start with http:// or https://."),
            ),
            models.CheckConstraint(
                condition=Q(archive_url="")
                | Q(archive_url__startswith="http://")
                | Q(archive_url__startswith="https://"),
                name="source_archive_url_http",
                violation_error_message=_("Archive URLs must start with http:// or https://."),
            ),
            models.CheckConstraint(condition=Q(stance__in=Stance.values), name="source_stance_valid"),
        ]

    def __str__(self) -> str:
        return self.title or self.url


class ClaimEvent(models.Model):
    """Append-only history of a claim: every edit, transition, source change and comment.

    Rows are never updated or deleted by the application (``save``/``delete`` refuse it);
    when a claim is deleted its events stay, attached to the article, with ``claim`` empty.
    """

    class Kind(models.TextChoices):
        CREATED = "created", _("Created")
        EDITED = "edited", _("Edited")
        TRANSITION = "transition", _("Status change")
        ASSIGNED = "assigned", _("Assigned")
        SOURCE_ADDED = "source_added", _("Source added")
        SOURCE_CHANGED = "source_changed", _("Source changed")
        SOURCE_REMOVED = "source_removed", _("Source removed")
        COMMENTED = "commented", _("Comment")
        CORRECTED = "corrected", _("Correction")
        REANCHORED = "reanchored", _("Re-anchored")
        LINKED = "linked", _("Linked")
        DELETED = "deleted", _("Deleted")
        CORRECTION_PROPOSED = "correction_proposed", _("Correction proposed")
        CORRECTION_REJECTED = "correction_rejected", _("Correction rejected")

    class Via(models.TextChoices):
        """The door a change came through (see annotations.entry_points)."""

        BROWSER = "browser", _("Browser")
        ADMIN = "admin", _("Admin")
        API = "api", _("API")
        COMMAND = "command", _("Command")
        IMPORT = "import", _("Import")
        SYSTEM = "system", _("System")

    claim = models.ForeignKey(Claim, null=True, blank=True, on_delete=models.SET_NULL, related_name="events")
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="claim_events")
    claim_ref = models.PositiveBigIntegerField(help_text=_("The claim's id, kept after the claim is deleted."))
    actor = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(max_length=24, choices=Kind.choices)
    via = models.CharField(
        max_length=12, choices=Via.choices, blank=True, help_text=_("The entry point the change came through.")
    )
    field = models.CharField(max_length=40, blank=True)
    old_value = models.TextField(blank=True)
    new_value = models.TextField(blank=True)
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16, blank=True)
    note = models.TextField(blank=True)
    is_public = models.BooleanField(default=False, help_text=_("Public notes (corrections) appear in reports."))
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("claim history entry")
        verbose_name_plural = _("claim history")
        indexes = [
            models.Index(fields=["claim_ref", "created_at"], name="claimevent_claim_created"),
            # Which claims a person researched (the two-person rule, annotations.credits.researched_by),
            # answered from the index alone: the review queue asks it for every editor's page.
            models.Index(fields=["actor", "kind", "to_status", "field", "claim_ref"], name="claimevent_research"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on claim {self.claim_ref}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not kwargs.pop("_allow_update", False):
            raise ValueError("Claim history is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise ValueError("Claim history is append-only.")


class Comment(models.Model):
    """A discussion entry on a claim."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.CheckConstraint(condition=~Q(body=""), name="comment_body_not_empty")]

    def __str__(self) -> str:
        return self.body[:80]


class Notification(models.Model):
    """Something a user should know about: an assignment, requested changes, a publication."""

    class Kind(models.TextChoices):
        ASSIGNED = "assigned", _("Assigned to you")
        ASSIGNED_SUMMARY = "assigned_summary", _("Claims assigned to you")
        CHANGES_REQUESTED = "changes_requested", _("Changes requested")
        PUBLISHED = "published", _("Published")
        SUBMITTED = "submitted", _("Submitted for review")
        WITHDRAWN = "withdrawn", _("Withdrawn from review")
        CHANGED_IN_REVIEW = "changed_in_review", _("Changed while in review")
        CORRECTION_PROPOSED = "correction_proposed", _("Correction proposed")
        CORRECTED = "corrected", _("Verdict corrected")
        MENTIONED = "mentioned", _("Mentioned in a comment")
        OUTLET_CHANGED = "outlet_changed", _("Quote changed by the outlet")

    recipient = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    claim = models.ForeignKey(Claim, null=True, blank=True, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=24, choices=Kind.choices)
    #: Longest text shown (one line; notes and comments are cut with an ellipsis).
    MAX_TEXT_LENGTH = 500

    #: The text in English, as written (the admin searches it; older rows have nothing else).
    message = models.CharField(max_length=500)
    #: What the text says, kept to be put into the reader's language: a key of
    #: annotations.notification_texts.TEMPLATES and its parameters (blank on older rows).
    template = models.CharField(max_length=40, blank=True, default="")
    params = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notification_unread"),
            # The notifications page: a user's latest first, read from the index end (no sort).
            models.Index(fields=["recipient", "created_at", "id"], name="notification_latest"),
        ]

    def __str__(self) -> str:
        return self.text

    @property
    def text(self) -> str:
        """The text in the active language (the reader's), or the stored English one for older rows."""
        if not self.template:
            return self.message
        text = notification_texts.render(self.template, self.params, self.message)
        return one_line(text, self.MAX_TEXT_LENGTH) or self.message


class NotificationPreference(models.Model):
    """Which notifications a user also receives by email (every notification shows in the app)."""

    #: Kinds mailed unless the user chooses otherwise: the ones that ask the user to act.
    DEFAULT_EMAIL_KINDS = (
        Notification.Kind.ASSIGNED,
        Notification.Kind.ASSIGNED_SUMMARY,
        Notification.Kind.CHANGES_REQUESTED,
        Notification.Kind.PUBLISHED,
        Notification.Kind.CORRECTED,
        Notification.Kind.CORRECTION_PROPOSED,
        Notification.Kind.MENTIONED,
        Notification.Kind.OUTLET_CHANGED,
    )

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="notification_preference")
    email_kinds = models.JSONField(default=list, blank=True, help_text=_("Notification kinds also sent by email."))
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Notification preferences of {self.user}"


class ClaimCorrection(models.Model):
    """A proposed change to a published claim: reviewed by a second person, then public.

    Published claims are locked: their statement, claimant, sources, verdict and rationale
    change only through a correction. Anyone on the desk proposes one (``changes`` holds, per
    field, the old and new values, plus sources added and removed) with a public note; an
    editor who did not propose it publishes or rejects it (annotations.claim_corrections).
    """

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        PUBLISHED = "published", _("Published")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="corrections")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PROPOSED)
    changes = models.JSONField(default=dict, help_text=_("Per field: old and new values; sources added and removed."))
    note = models.TextField(help_text=_("The public correction note: what changed and why."))
    base_version = models.PositiveIntegerField(help_text=_("The claim's version the proposal was written against."))
    proposed_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    proposed_at = models.DateTimeField(auto_now_add=True)
    reviewed_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.TextField(blank=True)

    class Meta:
        ordering = ["claim", "proposed_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["proposed", "published", "rejected", "withdrawn"]),
                name="claimcorrection_status_valid",
            ),
            models.CheckConstraint(condition=~Q(note=""), name="claimcorrection_note_not_empty"),
            models.UniqueConstraint(
                fields=["claim"], condition=Q(status="proposed"), name="claimcorrection_one_open_per_claim",
                violation_error_message=_("This claim already has a correction waiting for review."),
            ),
        ]
        indexes = [models.Index(fields=["status", "proposed_at"], name="claimcorrection_status")]

    def __str__(self) -> str:
        return f"Correction of claim #{self.claim_id} ({self.get_status_display()})"


class SuggestionDismissal(models.Model):
    """A check-worthiness suggestion someone dismissed: hidden for everyone on that article."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="suggestion_dismissals")
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    sentence = models.TextField()
    dismissed_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["article", "start", "end"], name="suggestion_dismissal_unique"),
        ]

    def __str__(self) -> str:
        return self.sentence[:80]
