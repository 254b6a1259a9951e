"""Corrections: changing an article's text without losing its history.

A body edit is never a plain ``save()``: whatever points into ``Article.body`` by offsets
(claims, in the layer above) must follow the text. :func:`edit_article`, in one transaction,

1. checks that nobody saved the article since the editor opened it (optimistic lock),
2. keeps the old text as an :class:`~articles.models.ArticleRevision`,
3. saves the new canonical text and bumps ``Article.version``,
4. announces the change (:data:`articles.signals.article_body_changed`); ``annotations``
   re-anchors its claims in the same transaction and reports back what it did.

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

from articles.models import Article, ArticleRevision
from articles.permissions import article_policy
from articles.signals import article_body_changed
from articles.text import canonicalize_body, canonicalize_line, strip_control_chars

__all__ = ["ArticleEditConflict", "CorrectionReport", "FollowUp", "edit_article"]

AnyUser = AbstractBaseUser | AnonymousUser


class ArticleEditConflict(Exception):
    """Someone saved the article after the editor opened it; ``current`` is what is stored now."""

    def __init__(self, current: Article) -> None:
        super().__init__(
            f"This article was changed by someone else since you opened it (it is now version "
            f"{current.version}). Your text is kept below: compare it with the current version "
            "and save again."
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
            return "No changes: the text is the same as the current version."
        return " ".join([f"Saved version {self.article.version}.", *(f.summary() for f in self.follow_ups)])


def _validated_text(title: str, body: str) -> tuple[str, str]:
    """Canonical title and body, or a ValidationError naming the field and the limit."""
    title = canonicalize_line(title)
    body = canonicalize_body(body)
    errors: dict[str, str] = {}
    title_limit = Article._meta.get_field("title").max_length or 500
    if not title:
        errors["title"] = "An article needs a title."
    elif len(title) > title_limit:
        errors["title"] = f"The title is {len(title):,} characters; the limit is {title_limit:,}."
    if not body:
        errors["body"] = "The body is empty. To retire an article, delete it instead."
    elif len(body) > settings.FACTDESK_MAX_BODY_CHARS:
        errors["body"] = (
            f"The body is {len(body):,} characters; the limit is {settings.FACTDESK_MAX_BODY_CHARS:,}."
        )
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
    return report


