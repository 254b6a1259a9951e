"""Corrections: changing an article's text without losing its history.

A body edit is never a plain ``save()``: whatever points into ``Article.body`` by offsets
(claims, in the layer above) must follow the text. :func:`edit_article`, in one transaction,

1. checks that nobody saved the article since the editor opened it (optimistic lock),
2. keeps the old text as an :class:`~articles.models.ArticleRevision`,
3. saves the new canonical text and bumps ``Article.version``,
4. announces the change (:data:`articles.signals.article_body_changed`); ``annotations``
   re-anchors its claims in the same transaction and reports back what it did; then who
   changed it (:data:`~articles.signals.article_corrected` for the desk,
   :data:`~articles.signals.article_changed_by_outlet` for a watch), for the API's webhooks.

The browser edit page, the admin and tests all call :func:`edit_article`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from articles.models import Article, ArticleRevision
from articles.permissions import article_policy
from articles.signals import article_body_changed, article_changed_by_outlet, article_corrected
from articles.text import canonicalize_body, canonicalize_line, strip_control_chars
from articles.values import normalize_language

__all__ = ["ArticleEditConflict", "CorrectionReport", "FollowUp", "change_language", "edit_article"]

AnyUser = AbstractBaseUser | AnonymousUser


class ArticleEditConflict(Exception):
    """Someone saved the article after the editor opened it; ``current`` is what is stored now."""

    def __init__(self, current: Article) -> None:
        super().__init__(
            _(
                "This article was changed by someone else since you opened it (it is now version "
                "%(version)s). Your text is kept below: compare it with the current version "
                "and save again."
            )
            % {"version": current.version}
        )
        self.current = current


def _actor(user: AnyUser | None) -> AbstractBaseUser | None:
    return user if user is not None and getattr(user, "is_authenticated", False) else None


class FollowUp(Protocol):
    """What a receiver of :data:`~articles.signals.article_body_changed` reports back."""

    needs_attention: bool

    def summary(self) -> str: ...


@dataclass
class CorrectionReport:
    """What a correction did: the revision it kept, and what the layers above did about it."""

    article: Article
    revision: ArticleRevision | None = None
    follow_ups: list[FollowUp] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.revision is not None

    @property
    def needs_attention(self) -> bool:
        """Whether something the correction touched wants a person's second look."""
        return any(follow_up.needs_attention for follow_up in self.follow_ups)

    def summary(self) -> str:
        """One line for the message shown after saving, e.g. "Saved version 2. 3 claims anchored, ..."."""
        if not self.changed:
            return _("No changes: the text is the same as the current version.")
        saved = _("Saved version %(version)s.") % {"version": self.article.version}
        return " ".join([saved, *(f.summary() for f in self.follow_ups)])


def _validated_text(title: str, body: str) -> tuple[str, str]:
    """Canonical title and body, or a ValidationError naming the field and the limit."""
    title = canonicalize_line(title)
    body = canonicalize_body(body)
    errors: dict[str, str] = {}
    title_limit = Article._meta.get_field("title").max_length or 500
    if not title:
        errors["title"] = _("An article needs a title.")
    elif len(title) > title_limit:
        errors["title"] = _("The title is %(length)s characters; the limit is %(limit)s.") % {
            "length": f"{len(title):,}", "limit": f"{title_limit:,}"
        }
    if not body:
        errors["body"] = _("The body is empty. To retire an article, delete it instead.")
    elif len(body) > settings.FACTDESK_MAX_BODY_CHARS:
        errors["body"] = _("The body is %(length)s characters; the limit is %(limit)s.") % {
            "length": f"{len(body):,}", "limit": f"{settings.FACTDESK_MAX_BODY_CHARS:,}"
        }
    if errors:
        raise ValidationError(errors)
    return title, body


@transaction.atomic
def edit_article(
    article: Article,
    *,
    user: AnyUser | None,
    title: str,
    body: str,
    expected_version: int,
    note: str = "",
    check_permission: bool = True,
    source: str = "desk",
) -> CorrectionReport:
    """Correct an article's title and body, keeping the old text; the layers above follow it.

    ``expected_version`` is the ``Article.version`` the editor's form was built from; if
    the article changed since, :class:`ArticleEditConflict` is raised and nothing is
    written. Text is canonicalised first, so an edit that only changes line endings or
    trailing spaces is no change at all (no revision, nothing re-anchored). Raises
    ``PermissionDenied`` (not an editor) and ``ValidationError`` (empty or too long).
    ``source`` is ``"outlet"`` when a watch found the outlet's page changed
    (``articles.watching``): the revision is marked so, and receivers are told.
    """
    if check_permission:
        article_policy.require(user, "correct")
    title, body = _validated_text(title, body)
    note = strip_control_chars(note).strip()  # PostgreSQL refuses NUL in text
    note_limit = ArticleRevision._meta.get_field("note").max_length or 500
    if len(note) > note_limit:
        raise ValidationError({"note": f"The note is {len(note):,} characters; the limit is {note_limit:,}."})
    current = Article.objects.select_for_update().get(pk=article.pk)
    if current.version != expected_version:
        raise ArticleEditConflict(current)
    report = CorrectionReport(article=current)
    if title == current.title and body == current.body:
        return report
    number = (current.revisions.aggregate(last=Max("number"))["last"] or 0) + 1
    report.revision = ArticleRevision.objects.create(
        article=current, number=number, title=current.title, body=current.body, edited_by=_actor(user), note=note,
        changed_by_outlet=source == "outlet",
    )
    old_body = current.body
    current.title, current.body = title, body
    current.version += 1
    current.save(update_fields=["title", "body", "version", "updated_at"])
    responses = article_body_changed.send(Article, article=current, old_body=old_body, user=user, source=source)
    for _receiver, follow_up in responses:
        if follow_up is not None:
            report.follow_ups.append(follow_up)
    announced = article_changed_by_outlet if source == "outlet" else article_corrected
    announced.send(Article, article=current, revision=report.revision, user=user)
    return report


@transaction.atomic
def change_language(article: Article, *, user: AnyUser | None, language: str, check_permission: bool = True) -> bool:
    """Set an article's language (an editor correcting a wrong guess); True when it changed.

    The language is metadata, not text: no revision is kept and no claim moves, but it picks
    the text direction, the sentence splitter and the search configuration, so it is changed
    by the same people who may correct the article. ``language`` must already be a normalised
    BCP 47 tag (``articles.values.normalize_language``); a bad one is a ``ValidationError``.
    """
    if check_permission:
        article_policy.require(user, "correct")
    try:
        language = normalize_language(language)
    except ValueError as error:
        raise ValidationError({"language": str(error)}) from error
    current = Article.objects.select_for_update().get(pk=article.pk)
    if current.language == language:
        return False
    current.language = language
    current.save(update_fields=["language", "updated_at"])
    article.language = language
    return True
