"""Reads: the queries behind the desk's pages, so views read top to bottom.

Every function here answers one question a page asks ("which claims does this user see on
this article?", "what is in the review queue?") with a queryset or a list built in a fixed
number of queries. Permission filtering is part of the question: every claim a selector
returns passes through the claim policy (:meth:`factcheck.permissions.ClaimPolicy.visible`),
so a reader (no desk role) sees published work only, on every page alike. Template tags and
templates run no queries of their own: what they show comes from here, through the view.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Count, Exists, IntegerField, Min, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from annotations.credits import researched_by
from annotations.models import (
    AnchorState,
    Claim,
    ClaimCorrection,
    ClaimEvent,
    ClaimStatus,
    Comment,
    Notification,
    RatingLabel,
    Source,
)
from annotations.permissions import claim_policy
from articles.models import Article

AnyUser = AbstractBaseUser | AnonymousUser

#: Statuses a fact-checker still has work to do in, in the order My claims lists them.
OPEN_STATUSES = (ClaimStatus.RESEARCHING, ClaimStatus.NEW, ClaimStatus.IN_REVIEW)
FINISHED_STATUSES = (ClaimStatus.PUBLISHED, ClaimStatus.DISMISSED)
#: History entries that belong to the review timeline.
REVIEW_EVENT_KINDS = (ClaimEvent.Kind.TRANSITION, ClaimEvent.Kind.ASSIGNED, ClaimEvent.Kind.CORRECTED)


def visible_claims(user: AnyUser | None) -> QuerySet[Claim]:
    """Every claim the user may see: the start of each claim question below."""
    return claim_policy.visible(user, Claim.objects.all())


def assignable_users() -> QuerySet:
    """Active users who can be assigned claims (fact-checkers, editors, admins), by username.

    "Who may research a claim" is the claim policy's question, so a new role or a change in
    what a superuser is shows up here without a second definition.
    """
    return claim_policy.users_with_permission("take").order_by("username")


# --- the article list -----------------------------------------------------------------


@dataclass(frozen=True)
class ArticleFilters:
    """The article list's filters, already validated (empty: not filtered)."""

    text: str = ""
    outlet: str = ""
    status: str = ""
    assignee_id: int | None = None
    #: Only articles with a claim nobody is assigned to (the desk's "Unassigned" row links here).
    unassigned: bool = False


def article_outlets() -> list[str]:
    """The outlets the list can be filtered by, alphabetically."""
    return list(Article.objects.exclude(outlet="").order_by("outlet").values_list("outlet", flat=True).distinct())


def article_list(user: AnyUser | None, filters: ArticleFilters) -> QuerySet[Article]:
    """The desk's articles, newest first, narrowed by ``filters``.

    The claim filters (status, assignee) look only at claims the user may see: a reader
    filtering by "In review" finds nothing rather than learning which articles have
    unpublished claims. Together they ask for one claim with both ("in review, assigned to
    Casey"), as the desk overview counts them.
    """
    articles = Article.objects.only("id", "title", "outlet", "published_on", "created_at")
    if filters.text:
        articles = articles.filter(Q(title__icontains=filters.text) | Q(body__icontains=filters.text))
    if filters.outlet:
        articles = articles.filter(outlet=filters.outlet)
    claims = claim_policy.visible(user, Claim.objects.filter(article=OuterRef("pk")))
    wanted = Q()
    if filters.status:
        wanted &= Q(status=filters.status)
    if filters.assignee_id is not None:
        wanted &= Q(assignee_id=filters.assignee_id)
    elif filters.unassigned:
        wanted &= Q(assignee__isnull=True)
    if wanted:
        articles = articles.filter(Exists(claims.filter(wanted)))
    return articles.order_by("-created_at", "-id")


def add_claim_counts(user: AnyUser | None, articles: list[Article]) -> list[Article]:
    """Set ``n_claims`` and ``status_counts`` (visible claims per review status) on ``articles``.

    One aggregate query over these articles only: counting the whole desk before the page's
    LIMIT would cost time in proportion to every claim ever made.
    """
    counts: dict[int, dict[str, int]] = {}
    claims = claim_policy.visible(user, Claim.objects.filter(article_id__in=[article.pk for article in articles]))
    for article_id, status, count in (
        claims.order_by().values_list("article_id", "status").annotate(n=Count("id"))
    ):
        counts.setdefault(article_id, {})[status] = count
    for article in articles:
        by_status = counts.get(article.pk, {})
        article.n_claims = sum(by_status.values())
        article.status_counts = [
            {"status": s.value, "label": s.label, "count": by_status[s.value]}
            for s in ClaimStatus
            if s.value in by_status
        ]
    return articles


# --- the article page -----------------------------------------------------------------


def article_claims(user: AnyUser | None, article: Article) -> list[Claim]:
    """The article's claims the user may see, in text order.

    One query (verdict and assignee joined) feeds the highlights, the claim list, the
    orphans and the corrections panel. A claim is named by its permanent number, its id
    (``#128``: the ``claim_number`` template filter), never by its position in this list,
    which changes when someone adds a claim above it.
    """
    return list(claim_policy.visible(user, article.claims.select_related("verdict", "assignee")))


def corrections_state(claims: list[Claim]) -> dict[str, list[Claim]]:
    """Moved and orphaned claims among ``claims`` (no query), for the corrections panel."""
    ordered = sorted(claims, key=lambda claim: (claim.start, claim.pk))
    return {
        "moved": [claim for claim in ordered if claim.anchor_state == AnchorState.MOVED],
        "orphans": [claim for claim in ordered if claim.anchor_state == AnchorState.ORPHANED],
    }


def rating_labels() -> list[RatingLabel]:
    """The whole rating scale (inactive labels too: old verdicts still need their colour)."""
    return list(RatingLabel.objects.only("pk", "name", "slug", "value", "colour", "is_active", "order"))


# --- the claim panel ------------------------------------------------------------------


def panel_claims(user: AnyUser | None) -> QuerySet[Claim]:
    """Claims whose panel the user may open, with what the panel shows joined in."""
    claims = Claim.objects.select_related("article", "verdict", "assignee", "created_by", "verdict_by")
    return claim_policy.visible(user, claims)


def claim_sources(claim: Claim) -> list[Source]:
    return list(claim.sources.all())


def claim_comments(claim: Claim) -> list[Comment]:
    return list(claim.comments.select_related("author"))


def claim_history(claim: Claim, *, public_only: bool = False) -> list[ClaimEvent]:
    """Every history entry of the claim, oldest first (entries outlive their claim, hence ``claim_ref``).

    ``public_only`` keeps the entries marked public (published corrections and their notes).
    """
    events = ClaimEvent.objects.filter(claim_ref=claim.pk)
    if public_only:
        events = events.filter(is_public=True)
    return list(events.select_related("actor").order_by("created_at", "id"))


def claim_timeline(user: AnyUser | None, claim: Claim) -> list[ClaimEvent]:
    """The claim's history as ``user`` may read it ("who changed what, when, through which door").

    Whoever may see the desk's unpublished work reads every entry; a reader (who can only
    reach published claims) reads the public ones, the corrections, as in the reports.
    One query.
    """
    return claim_history(claim, public_only=not claim_policy.user_has_permission(user, "view_unpublished"))


def claim_version(user: AnyUser | None, claim_id: int) -> int | None:
    """The version of a claim the user may see (None: no such claim for them): one primary-key query.

    What an open panel asks every 15 s, so it reads one column of one row.
    """
    return visible_claims(user).filter(pk=claim_id).values_list("version", flat=True).first()


#: How many missed history entries a stale panel lists (the newest ones).
STALE_CHANGES_SHOWN = 20


def changes_after(claim_id: int, event_id: int) -> list[ClaimEvent]:
    """The claim's history entries newer than entry ``event_id``, oldest first (the newest 20 at most).

    What an open panel missed since it was rendered: ``event_id`` is the newest entry it
    showed. Uses the (claim_ref, created_at) index.
    """
    newest = (
        ClaimEvent.objects.filter(claim_ref=claim_id, pk__gt=event_id)
        .select_related("actor")
        .order_by("-created_at", "-id")[:STALE_CHANGES_SHOWN]
    )
    return list(reversed(newest))


def open_correction(claim: Claim) -> ClaimCorrection | None:
    """The claim's correction waiting for review, with its proposer (a claim has at most one)."""
    return (
        ClaimCorrection.objects.filter(claim_id=claim.pk, status=ClaimCorrection.Status.PROPOSED)
        .select_related("proposed_by")
        .first()
    )


def visible_claim_ids(user: AnyUser | None, ids: Iterable[int]) -> set[int]:
    """Which of the claim numbers ``ids`` name claims the user may see (one query; none when ``ids`` is empty).

    ``#128`` in a comment becomes a link only for readers who may open claim 128; every
    number in the comments on show is resolved at once.
    """
    wanted = set(ids)
    if not wanted:
        return set()
    return set(visible_claims(user).filter(pk__in=wanted).values_list("pk", flat=True))


def last_change(claim: Claim) -> ClaimEvent | None:
    """The claim's latest history entry: who saved the version an edit conflicted with."""
    return ClaimEvent.objects.filter(claim_ref=claim.pk).select_related("actor").order_by("-created_at", "-id").first()


def review_timeline(claim: Claim) -> list[ClaimEvent]:
    """The review steps, assignments and corrections of the claim, oldest first."""
    return list(
        ClaimEvent.objects.filter(claim_ref=claim.pk, kind__in=REVIEW_EVENT_KINDS)
        .select_related("actor")
        .order_by("created_at", "id")
    )


def correction_labels(claim: Claim) -> list[RatingLabel]:
    """Verdicts a correction may choose: the active scale plus the claim's current verdict."""
    return list(RatingLabel.objects.filter(Q(is_active=True) | Q(pk=claim.verdict_id)))


# --- "changes requested" -------------------------------------------------------------------
# An editor sends a claim back from review with a note (workflow step request_changes). The
# history records it as a transition In review → Researching, like a withdrawal (the checker
# taking the claim back): a request is the one with a note made by someone other than the
# claim's assignee (the assignee withdrawing their own claim is not a request for changes).


def is_changes_request(event: ClaimEvent, claim: Claim) -> bool:
    """Whether history entry ``event`` is an editor sending ``claim`` back for changes."""
    return (
        event.kind == ClaimEvent.Kind.TRANSITION
        and event.from_status == ClaimStatus.IN_REVIEW
        and event.to_status == ClaimStatus.RESEARCHING
        and bool(event.note)
        and event.actor_id != claim.assignee_id
    )


def changes_request_in(claim: Claim, events: list[ClaimEvent]) -> ClaimEvent | None:
    """The request for changes the claim is still answering (its latest step, while Researching), or None.

    Works on the panel's history, already loaded oldest first: no query.
    """
    if claim.status != ClaimStatus.RESEARCHING:
        return None
    steps = [event for event in events if event.kind == ClaimEvent.Kind.TRANSITION]
    return steps[-1] if steps and is_changes_request(steps[-1], claim) else None


def _latest_event_id(events: QuerySet[ClaimEvent]) -> Subquery:
    return Subquery(events.order_by("-created_at", "-id").values("id")[:1], output_field=IntegerField())


def with_changes_requested(claims: QuerySet[Claim]) -> QuerySet[Claim]:
    """Annotate ``last_request_id`` (the latest request for changes) and ``last_step_id`` (the latest step).

    The SQL twin of :func:`is_changes_request`, two subqueries on the history's claim index,
    so a list shows its "Changes requested" badges at no extra query.
    """
    steps = ClaimEvent.objects.filter(claim_ref=OuterRef("pk"), kind=ClaimEvent.Kind.TRANSITION)
    requests = (
        steps.filter(from_status=ClaimStatus.IN_REVIEW, to_status=ClaimStatus.RESEARCHING)
        .exclude(note="")
        .exclude(actor_id=Coalesce(OuterRef("assignee_id"), Value(0)))
    )
    return claims.annotate(last_request_id=_latest_event_id(requests), last_step_id=_latest_event_id(steps))


def mark_changes_requested(claims: Iterable[Claim]) -> list[Claim]:
    """Set ``changes_requested`` on claims annotated by :func:`with_changes_requested`.

    Researching: an editor sent it back and that is still its latest step. In review:
    resubmitted after changes were requested (the editor checks the requested changes).
    """
    claims = list(claims)
    for claim in claims:
        if claim.status == ClaimStatus.IN_REVIEW:
            claim.changes_requested = claim.last_request_id is not None
        else:
            claim.changes_requested = claim.last_request_id is not None and claim.last_request_id == claim.last_step_id
    return claims


# --- queues -----------------------------------------------------------------------------


def queue_claims(user: AnyUser | None) -> QuerySet[Claim]:
    """Visible claims with what the queue tables show (article, verdict, people) joined in."""
    return claim_policy.visible(user, Claim.objects.select_related("article", "verdict", "assignee", "verdict_by"))


@dataclass
class MyClaims:
    """My claims: open ones grouped by status (capped), then the latest finished ones."""

    groups: list[dict[str, Any]] = field(default_factory=list)
    finished: list[Claim] = field(default_factory=list)
    finished_count: int = 0


def my_claims(user: AnyUser, *, group_limit: int, finished_limit: int) -> MyClaims:
    """Claims assigned to ``user``; each group holds at most ``group_limit`` rows (the counts say how many)."""
    mine = queue_claims(user).filter(assignee_id=user.pk)
    counts = dict(mine.order_by().values_list("status").annotate(n=Count("id")))
    badged = with_changes_requested(mine)
    groups = [
        {
            "status": status,
            "label": status.label,
            "claims": mark_changes_requested(
                list(badged.filter(status=status).order_by("updated_at", "id")[:group_limit])
            ),
            "count": counts.get(status.value, 0),
        }
        for status in OPEN_STATUSES
    ]
    finished = list(mine.filter(status__in=FINISHED_STATUSES).order_by("-updated_at", "-id")[:finished_limit])
    return MyClaims(groups, finished, sum(counts.get(s.value, 0) for s in FINISHED_STATUSES))


def in_review(user: AnyUser) -> QuerySet[Claim]:
    """Claims in review, oldest submission first, each with its number of sources (``n_sources``).

    Annotated for :func:`mark_changes_requested` (resubmitted after changes were requested).
    """
    source_count = (
        Source.objects.filter(claim=OuterRef("pk")).order_by().values("claim").annotate(n=Count("id")).values("n")
    )
    claims = (
        queue_claims(user)
        .filter(status=ClaimStatus.IN_REVIEW)
        .annotate(n_sources=Coalesce(Subquery(source_count, output_field=IntegerField()), 0))
        .order_by("submitted_at", "id")
    )
    return with_changes_requested(claims)


def review_queue(user: AnyUser) -> QuerySet[Claim]:
    """Claims in review that ``user`` may publish: none they researched or set the verdict of."""
    return in_review(user).exclude(verdict_by_id=user.pk).exclude(researched_by(user))


def needs_other_editor(user: AnyUser, *, limit: int) -> tuple[list[Claim], int]:
    """Claims in review that ``user`` researched (two-person rule): the first ``limit`` and the count."""
    mine_all = in_review(user).filter(Q(verdict_by_id=user.pk) | researched_by(user))
    mine = mark_changes_requested(mine_all[:limit])
    return mine, len(mine) if len(mine) < limit else mine_all.count()


def desk_overview(user: AnyUser) -> dict[str, Any]:
    """Counts per status and per assignee: two aggregate queries for the whole desk."""
    claims = queue_claims(user).order_by()
    per_status = {f"n_{s.value}": Count("id", filter=Q(status=s.value)) for s in ClaimStatus}
    totals = claims.aggregate(
        total=Count("id"),
        oldest_in_review=Min("submitted_at", filter=Q(status=ClaimStatus.IN_REVIEW)),
        unassigned_open=Count("id", filter=Q(assignee__isnull=True, status__in=OPEN_STATUSES)),
        **per_status,
    )
    status_rows = [{"status": s, "label": s.label, "count": totals[f"n_{s.value}"]} for s in ClaimStatus]
    assignee_rows = list(
        claims.values("assignee", "assignee__username", "assignee__first_name", "assignee__last_name")
        .annotate(total=Count("id"), **per_status)
        .order_by("assignee__username")
    )
    for row in assignee_rows:
        full = f"{row['assignee__first_name'] or ''} {row['assignee__last_name'] or ''}".strip()
        row["name"] = full or row["assignee__username"] or "Unassigned"
        row["counts"] = [row[f"n_{s.value}"] for s in ClaimStatus]
    return {"totals": totals, "status_rows": status_rows, "assignee_rows": assignee_rows}


# --- notifications ----------------------------------------------------------------------


def own_notifications(user: AnyUser) -> QuerySet[Notification]:
    """The user's own notifications, newest first.

    Only the recipient's: an admin may open anyone's in the admin site, but the
    notifications page is a personal inbox, not an audit view.
    """
    return Notification.objects.filter(recipient_id=user.pk).order_by("-created_at", "-id")


def latest_notifications(user: AnyUser, *, limit: int) -> list[Notification]:
    """The user's latest ``limit`` notifications with their claim (for its article link)."""
    return list(own_notifications(user).select_related("claim")[:limit])
