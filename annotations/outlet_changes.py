"""Telling people when the outlet changed words they are checking.

A watch (``articles.watching``) that finds an outlet's page changed saves the new text as a
revision through :func:`articles.corrections.edit_article` with ``source="outlet"``; the
text layer announces it with :data:`articles.signals.article_body_changed`, and
:mod:`annotations.reanchoring` re-anchors the claims. This receiver runs after it (importing
it here connects it first) and, for an outlet change only, notifies everyone working on a
claim whose quoted words changed or vanished: the claim's author, assignee, the person who
set its verdict and the editor who published it.

"Changed or vanished" is read off the re-anchored claims: an *orphaned* claim whose quote was
in the old text (it vanished now, not earlier), or a *moved* claim whose quote is not in
the old text (re-anchoring took the outlet's new wording).

The notification kind is ``Notification.Kind.OUTLET_CHANGED``; people choose whether it also
comes by email on their notification settings page.
"""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from annotations import reanchoring  # noqa: F401 - connects re-anchoring before this receiver
from annotations.models import AnchorState, Claim, Notification
from annotations.notification_texts import notice
from annotations.notifications import notify
from articles.models import Article
from articles.signals import article_body_changed
from factcheck.display import one_line

__all__ = ["OUTLET_CHANGED", "changed_quotes", "notify_outlet_change"]

#: ``Notification.kind`` of "the outlet changed words you are checking".
OUTLET_CHANGED = Notification.Kind.OUTLET_CHANGED


def changed_quotes(article: Article, old_body: str) -> list[Claim]:
    """The article's claims whose quoted words the last (already re-anchored) change altered or removed."""
    claims = Claim.objects.filter(article=article, anchor_state__in=[AnchorState.MOVED, AnchorState.ORPHANED])
    return [
        claim
        for claim in claims.select_related("assignee", "created_by", "verdict_by", "reviewed_by")
        if (claim.anchor_state == AnchorState.ORPHANED) == (claim.exact in old_body)
    ]


def _people(claim: Claim) -> list[Any]:
    people = (claim.created_by, claim.assignee, claim.verdict_by, claim.reviewed_by)
    return list({person.pk: person for person in people if person is not None}.values())


@receiver(article_body_changed, dispatch_uid="annotations.outlet_changes")
def notify_outlet_change(
    sender: type[Article], *, article: Article, old_body: str, source: str = "desk", **kwargs: object
) -> None:
    """On an outlet change, notify the people working on each claim whose quote changed or vanished."""
    if source != "outlet":
        return
    for claim in changed_quotes(article, old_body):
        key = "outlet_removed_words" if claim.anchor_state == AnchorState.ORPHANED else "outlet_changed_words"
        text = notice(key, number=claim.pk, article=one_line(article.title, 120))
        for person in _people(claim):
            notify(person, claim, OUTLET_CHANGED, text)
