"""Template helpers for the article page, the claim panel and the desk's lists.

Formatting only: what they show comes from the view (selectors), never from a query here.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Collection, Iterable
from html import escape as _escape
from typing import Any

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.dates import MONTHS_3
from django.utils.formats import date_format, localize
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.timesince import timesince
from django.utils.translation import gettext, pgettext

from annotations.highlight import STATUS_SYMBOLS, Segment
from annotations.mentions import CLAIM_REFERENCE
from annotations.verdict_palette import NO_VERDICT, symbol_for
from factcheck.display import display_name
from factcheck.validators import is_http_url

register = template.Library()

_HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


@register.simple_tag
def timestamp(value: datetime.datetime | None) -> SafeString:
    """``<time datetime="(ISO 8601)">3 Dec 2026, 15:45</time>`` in the current time zone and language.

    The same markup as ``{{ value|date:'c' }}`` and ``{{ value|date:"j M Y, H:i" }}`` side by
    side, for the long lists (My claims, the review queue): one conversion to local time per row
    instead of two passes through Django's general date formatter, which were a fifth of My
    claims' time (120 rows).
    """
    return mark_safe(_RowWords().timestamp(value))  # every piece escaped by _RowWords


@register.simple_tag
def claim_link(claim: Any) -> SafeString:
    """A claim in a list (My claims, the review queue): its link, number and statement, a
    "changes requested" badge, and the article it is in.

    One string per row rather than an ``{% include %}``: the lists show up to 50 rows, and the
    include's context and URL tag per row were a fifth of My claims' time.
    """
    return mark_safe(_RowWords().claim_line(claim))  # every piece escaped by _RowWords


#: A primary key nothing has: where the real one goes in a URL reversed once per list.
_PK_MARK = 918_273_645_546_372_819


def _url_around_pk(name: str) -> tuple[str, str]:
    """URL ``name`` reversed once, escaped, as the text before and after its one ``pk`` argument.

    A row then writes ``head + str(pk) + tail``: what ``{% url name pk %}`` writes, without a
    ``reverse()`` per row.
    """
    head, _, tail = reverse(name, args=[_PK_MARK]).partition(str(_PK_MARK))
    return _escape(head), _escape(tail)


class _RowWords:
    """What every row of a long list repeats, worked out once per list: the article link's
    pattern, the translated words, month names and verdict pills.

    The rows are built as plain strings with :func:`html.escape`, which is what Django's
    ``escape`` (and so ``format_html``) applies to each value: the same markup, byte for byte,
    without the lazy-object checks and ``SafeString`` wrapping per value (the rows' tags were
    most of My claims' rendering time). Reads attributes of rows already loaded: no query.
    """

    def __init__(self) -> None:
        self.url_head, self.url_tail = _url_around_pk("articles:detail")
        self.in_article = _escape(pgettext("in an article", "in"))
        self.zone = timezone.get_current_timezone()
        self._badges: dict[bool, str] = {}
        self._months: dict[int, str] = {}
        self._pills: dict[Any, str] = {}

    def claim_line(self, claim: Any) -> str:
        """:func:`claim_link`'s markup for ``claim``."""
        pk = claim.pk
        number = _escape(claim_number(claim))
        link = (
            f'<a href="{self.url_head}{claim.article_id}{self.url_tail}?claim={pk}#claim-{pk}" class="claim-link">'
            f'<span class="claim-ref-number">{number}</span> {_escape(str(claim))}</a>'
        )
        badge = self.badge(claim.status == "in_review") if getattr(claim, "changes_requested", False) else ""
        article = claim.article
        outlet = f" · {_escape(article.outlet)}" if article.outlet else ""
        where = f'\n<div class="muted">{self.in_article} <cite>{_escape(str(article.title))}</cite>{outlet}</div>\n'
        return f"{link}{badge}{where}"

    def badge(self, in_review: bool) -> str:
        if in_review not in self._badges:
            words = gettext("Resubmitted after changes requested") if in_review else gettext("Changes requested")
            self._badges[in_review] = f' <span class="changes-badge">{_escape(words)}</span>'
        return self._badges[in_review]

    def timestamp(self, value: datetime.datetime | None) -> str:
        """:func:`timestamp`'s markup for ``value``."""
        if value is None:
            return ""
        # timezone.localtime(value), with the current time zone looked up once per list.
        local = value.astimezone(self.zone) if timezone.is_aware(value) else value
        month = self._months.get(local.month)
        if month is None:
            month = self._months[local.month] = str(MONTHS_3[local.month]).title()
        shown = f"{local.day} {month} {local.year}, {local.hour:02d}:{local.minute:02d}"
        return f'<time datetime="{_escape(local.isoformat())}">{_escape(shown)}</time>'

    def verdict_pill(self, label: Any) -> str:
        """:func:`verdict_pill`'s markup (the default "no verdict" words), once per label of the list."""
        key = getattr(label, "pk", None)
        pill = self._pills.get(key)
        if pill is None:
            pill = self._pills[key] = str(verdict_pill(label))
        return pill


def _row(cells: list[str], indent: str, after: str) -> str:
    """One ``<tr>`` as the lists' templates laid it out (one cell a line), then the loop's indent."""
    inner = "".join(f"{indent}  <td>{cell}</td>\n" for cell in cells)
    return f"\n{indent}<tr>\n{inner}{indent}</tr>\n{after}"


@register.simple_tag
def my_claims_rows(claims: Iterable[Any], *, finished: bool = False) -> SafeString:
    """My claims' table rows: each claim's line, claimant (open) or status (finished), verdict and last change.

    The markup the template's row loop wrote, byte for byte, built in one pass (the loop's
    per-row tags and variable look-ups were most of the page's time).
    """
    words = _RowWords()
    statuses: dict[str, str] = {}
    rows = []
    for claim in claims:
        if finished:
            status = statuses.get(claim.status)
            if status is None:
                status = statuses[claim.status] = (
                    f'<span class="status-pill status-{_escape(claim.status)}">'
                    f"{_escape(str(claim.get_status_display()))}</span>"
                )
            second = status
        else:
            second = _escape(claim.claimant) if claim.claimant else "—"
        cells = [words.claim_line(claim), second, words.verdict_pill(claim.verdict), words.timestamp(claim.updated_at)]
        rows.append(_row(cells, "      ", "    "))
    return mark_safe("".join(rows))  # every value escaped above


@register.simple_tag
def queue_rows(claims: Iterable[Any]) -> SafeString:
    """The review queue's table rows: claim line, verdict, its author, sources, submission time.

    As :func:`my_claims_rows`: the markup of the template's row loop, byte for byte, in one pass.
    """
    words = _RowWords()
    none = f' <span class="muted">{_escape(gettext("(none)"))}</span>'
    rows = []
    for claim in claims:
        author = claim.verdict_by.get_username() if claim.verdict_by is not None else ""
        sources = f"{_escape(str(localize(claim.n_sources)))}{'' if claim.n_sources else none}"
        submitted = (
            f'{words.timestamp(claim.submitted_at)} <span class="muted">({_escape(ago(claim.submitted_at))})</span>'
            if claim.submitted_at else "—"
        )
        cells = [
            words.claim_line(claim), words.verdict_pill(claim.verdict), _escape(author) if author else "—",
            sources, submitted,
        ]
        rows.append(_row(cells, "    ", "  "))
    return mark_safe("".join(rows))  # every value escaped above


@register.simple_tag
def article_rows(articles: Iterable[Any]) -> SafeString:
    """The article list's table rows: title link, outlet, date, and the claims per review status.

    As :func:`my_claims_rows`: the markup of the template's row loop, byte for byte, in one pass.
    The loop's per-row variable look-ups, ``date`` filters and translations were a third of
    the list's time at 25 rows. Dates repeat down a list, so each day is formatted once.
    """
    words = _RowWords()
    day_format = gettext("j M Y")
    added = gettext("added %(date)s")
    by_status = f'<ul class="status-counts" aria-label="{_escape(gettext("Claims by status"))}">'
    days: dict[Any, str] = {}
    rows = []
    for article in articles:
        if article.published_on:
            day = article.published_on
            shown = days.get(day) or days.setdefault(day, _escape(date_format(day, day_format)))
            when = f'<time datetime="{day.isoformat()}">{shown}</time>'
        else:
            created = article.created_at
            if timezone.is_aware(created):
                created = timezone.localtime(created)
            key = ("added", created.date())
            shown = days.get(key) or days.setdefault(key, _escape(date_format(created, day_format)))
            when = f'<span class="muted">{added % {"date": shown}}</span>'
        counts = ""
        if article.status_counts:
            pills = "".join(
                f'<li><span class="status-pill status-{_escape(item["status"])}">'
                f'{_escape(str(localize(item["count"])))} {_escape(str(item["label"]))}</span></li>'
                for item in article.status_counts
            )
            counts = f"\n        {by_status}\n          {pills}\n        </ul>\n        "
        link = f'<a href="{words.url_head}{article.pk}{words.url_tail}">{_escape(str(article.title))}</a>'
        cells = [
            link,
            _escape(article.outlet) if article.outlet else "—",
            when,
            f'\n        <span class="claim-total">{_escape(str(localize(article.n_claims)))}</span>'
            f"\n        {counts}\n      ",
        ]
        rows.append(_row(cells, "    ", "  "))
    return mark_safe("".join(rows))  # every value escaped above


@register.simple_tag(takes_context=True)
def notification_items(context: template.Context, notifications: Iterable[Any]) -> SafeString:
    """The notifications page's list items: kind, claim number, text, when, and a mark-as-read form.

    As :func:`my_claims_rows`: the markup of the template's loop, byte for byte, in one pass
    (two ``{% url %}`` tags, a ``{% csrf_token %}`` and a ``date`` filter per item were most of
    the page's time at 50 items). The form's token is the page's own, as ``{% csrf_token %}``
    writes it.
    """
    open_head, open_tail = _url_around_pk("review:notification_open")
    read_head, read_tail = _url_around_pk("review:notification_read")
    token = context.get("csrf_token")
    csrf = (
        f'<input type="hidden" name="csrfmiddlewaretoken" value="{_escape(str(token))}">'
        if token and token != "NOTPROVIDED" else ""  # noqa: S105 (Django's "no token" marker, no secret)
    )
    unread_label = f'<span class="unread-label">{_escape(gettext("Unread:"))}</span>'
    button = f'<button type="submit" class="link-button">{_escape(gettext("Mark as read"))}</button>'
    kinds: dict[str, str] = {}
    items = []
    for item in notifications:
        pk = _escape(str(localize(item.pk)))
        kind = kinds.get(item.kind)
        if kind is None:
            kind = kinds[item.kind] = _escape(str(item.get_kind_display()))
        number = _escape(claim_number(item.claim_id))
        claim = f' <span class="claim-ref-number">{number}</span>' if item.claim_id else ""
        created = item.created_at
        if timezone.is_aware(created):
            created = timezone.localtime(created)
        unread = not item.read_at
        form = (
            f'\n    <form method="post" action="{read_head}{item.pk}{read_tail}" class="inline-form">'
            f"{csrf}{button}</form>\n    "
            if unread else ""
        )
        items.append(
            f'\n  <li class="notification notification-{_escape(item.kind)}{" notification-unread" if unread else ""}"'
            f' data-notification="{pk}">\n    {unread_label if unread else ""}\n'
            f'    <span class="notification-kind">{kind}</span>{claim} —\n'
            f'    <a href="{open_head}{item.pk}{open_tail}">{_escape(str(item.text))}</a>\n'
            f'    <time class="muted" datetime="{_escape(created.isoformat())}">'
            f"{_escape(ago(item.created_at))}</time>\n"
            f"    {form}\n  </li>\n  "
        )
    return mark_safe("".join(items))  # every value escaped above


@register.filter
def claim_number(claim: Any) -> str:
    """A claim's permanent number on the desk, as every page shows it: ``#128`` (its id).

    Takes a claim or its id (``{{ notification.claim_id|claim_number }}`` costs no query);
    nothing for no claim. Positions in a list are never shown as numbers: they change when a
    claim is added above.
    """
    pk = getattr(claim, "pk", claim)
    if pk is None or pk == "":
        return ""
    return f"#{pk}"


@register.filter
def claim_markers(segment: Segment) -> str:
    """The markers after a highlight: each claim ending here as its number and status symbol (``#12◔ #15○``)."""
    ending = sorted(segment.ending, key=lambda span: (span.start, span.end, span.id))
    return " ".join(f"#{span.id}{STATUS_SYMBOLS.get(span.status, '')}" for span in ending)


@register.filter
def comment_text(body: str, linkable: Collection[int] | None) -> SafeString:
    """A comment, escaped, with each ``#128`` the reader may see linked to that claim's permalink.

    ``linkable`` holds the numbers the reader may open (resolved for all comments on show in
    one query: :func:`annotations.selectors.visible_claim_ids`); any other number stays text,
    so a link never reveals a claim the reader cannot see. Everything the author typed is
    escaped: only the links are markup.
    """
    text = str(body or "")
    allowed = linkable or ()
    pieces: list[str] = []
    position = 0
    for match in CLAIM_REFERENCE.finditer(text):
        number = int(match.group(1))
        if number not in allowed:
            continue
        pieces.append(format_html("{}", text[position:match.start()]))
        pieces.append(format_html(
            '<a href="{}" class="claim-ref">{}</a>', reverse("annotations:permalink", args=[number]), match.group(0)
        ))
        position = match.end()
    pieces.append(format_html("{}", text[position:]))
    return mark_safe("".join(pieces))  # every piece above was escaped by format_html


@register.filter
def status_symbol(status: str) -> str:
    """The symbol that goes with a review status everywhere (so colour is never the only cue)."""
    return STATUS_SYMBOLS.get(status, "")


@register.filter
def verdict_symbol(label: Any) -> str:
    """The symbol that goes with a verdict (``✗`` for False), "…" for no verdict yet."""
    return symbol_for(label)


@register.simple_tag
def verdict_pill(label: Any, no_verdict: str = "No verdict yet") -> SafeString:
    """A verdict as a pill: its symbol and colour in a swatch, then its name (so colour is never the only cue).

    ``<span class="verdict-pill verdict-3" data-symbol="✗" style="--hl: #d55e00">False</span>``;
    without a verdict, the dashed grey pill saying ``no_verdict``. The symbol is drawn from
    ``data-symbol`` by static/css/verdicts.css, so the text stays the verdict's name.
    """
    if label is None:
        return format_html(
            '<span class="verdict-pill unrated" data-symbol="{}">{}</span>', NO_VERDICT.symbol, no_verdict
        )
    colour = label.colour if _HEX_COLOUR.match(getattr(label, "colour", "") or "") else NO_VERDICT.colour
    return format_html(
        '<span class="verdict-pill verdict-{}" data-symbol="{}" style="--hl: {}">{}</span>',
        label.pk, symbol_for(label), colour, label.name,
    )


@register.filter
def ago(value: datetime.datetime | None) -> str:
    """How long ago ``value`` was: "just now" under a minute, else "3 hours, 5 minutes ago".

    Django's ``timesince`` says "0 minutes" for the last minute (and for a clock slightly
    ahead), which reads like a fault; every "… ago" on the desk goes through here.
    """
    if not value:
        return ""
    now = timezone.now() if timezone.is_aware(value) else datetime.datetime.now()
    if now - value < datetime.timedelta(minutes=1):
        return "just now"
    return f"{timesince(value, now)} ago"


@register.filter
def http_url(value: str) -> str:
    """``value`` if it is an http(s) URL, else an empty string.

    Source URLs are validated on the way in; this is the second lock on the way out, so
    a ``javascript:`` URL that slipped into the database never becomes a live link.
    """
    text = str(value or "").strip()
    return text if is_http_url(text) else ""


#: A user's full name, else their username; "someone" for a deleted account (one rule: factcheck.display).
person = register.filter("person", display_name)
