"""References typed into comments: ``@username`` tells that person, ``#128`` points at claim 128.

Both are found with the same small parser, so the comment that notifies someone and the
comment that is shown agree on what was mentioned. Mentions are resolved when the comment
is saved (:func:`notify_mentioned`, called from :func:`annotations.services.add_comment`):
each mentioned person who may see the claim gets one MENTIONED notification. Claim numbers
are resolved when the comment is shown, for the reader looking at it (a claim they may not
see stays plain text; see ``annotations.templatetags.claim_tags.comment_text``).

The parsing functions are pure; only :func:`notify_mentioned` touches the database.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser

from annotations import notifications
from annotations.models import Comment, Notification
from annotations.notification_texts import actor_name, notice
from factcheck.display import one_line

#: ``@`` + a Django username (letters, digits and ``@ . + - _``), not inside a word or an email
#: address: "ask @erin" mentions erin, "erin@example.org" mentions nobody.
MENTION = re.compile(r"(?<![\w@.+-])@(\w[\w.@+-]{0,149})")
#: ``#`` + a claim's number, not inside a word or a URL fragment ("page#12" is not a claim).
CLAIM_REFERENCE = re.compile(r"(?<![\w/&#])#(\d{1,12})(?!\w)")
#: Trailing punctuation that ends a sentence rather than a username ("thanks @erin.").
_TRAILING = ".-+@"
#: A comment notifies at most this many people: a pasted list of names is not a broadcast tool.
MAX_MENTIONS = 20


def mentioned_usernames(text: str) -> list[str]:
    """Candidate usernames mentioned in ``text``, in order, each once.

    A mention may end with punctuation that belongs to the sentence ("@erin."); both the
    word as typed and the word without that tail are candidates, and :func:`mentioned_users`
    keeps whichever is a real username (the longer one when both are).
    """
    found: dict[str, None] = {}
    for match in MENTION.finditer(text):
        word = match.group(1)
        found.setdefault(word, None)
        trimmed = word.rstrip(_TRAILING)
        if trimmed and trimmed != word:
            found.setdefault(trimmed, None)
    return list(found)


def claim_references(texts: Iterable[str]) -> set[int]:
    """Every claim number (``#128``) typed in ``texts``."""
    return {int(match.group(1)) for text in texts for match in CLAIM_REFERENCE.finditer(text)}


def mentioned_users(text: str) -> list[AbstractBaseUser]:
    """The active users mentioned in ``text`` (one query; none when nobody is mentioned).

    Of "@erin.x" and its trimmed form "erin" only the longest existing username counts, so
    one mention never notifies two people.
    """
    candidates = mentioned_usernames(text)
    if not candidates:
        return []
    users = {
        user.get_username(): user
        for user in get_user_model().objects.filter(is_active=True, username__in=candidates[: MAX_MENTIONS * 2])
    }
    chosen: dict[int, AbstractBaseUser] = {}
    for match in MENTION.finditer(text):
        word = match.group(1)
        user = users.get(word) or users.get(word.rstrip(_TRAILING))
        if user is not None:
            chosen.setdefault(user.pk, user)
    return list(chosen.values())[:MAX_MENTIONS]


def notify_mentioned(comment: Comment, author: AbstractBaseUser | None) -> list[Notification]:
    """Tell everyone ``@mentioned`` in the comment who may see its claim (never its author).

    :func:`annotations.notifications.notify` checks that each person may see the claim, so
    mentioning a reader in a comment on unpublished work tells them nothing.
    """
    claim = comment.claim
    text = notice("mentioned", actor=actor_name(author), number=claim.pk, comment=one_line(comment.body, 160))
    sent = []
    for user in mentioned_users(comment.body):
        if author is not None and user.pk == author.pk:
            continue
        notification = notifications.notify(user, claim, Notification.Kind.MENTIONED, text)
        if notification is not None:
            sent.append(notification)
    return sent
