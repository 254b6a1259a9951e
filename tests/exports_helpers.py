"""Shared test data for the export tests: one article with claims in every interesting state."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.contrib.auth.models import User
from django.utils import timezone

from annotations.models import AnchorState, Claim, ClaimCorrection, ClaimEvent, ClaimStatus
from articles.models import Article
from tests import factories

#: Text that only unpublished claims carry: no published-only export may contain it.
SECRET = "SECRET-DRAFT"


@dataclass
class CheckedArticle:
    article: Article
    published: Claim
    in_review: Claim
    overlapping: Claim
    orphaned: Claim
    checker: User
    editor: User
    corrector: User


def checked_article(**article_fields: object) -> CheckedArticle:
    """An article with a published claim (sources, correction), two overlapping unpublished
    claims, and an orphaned unpublished claim.

    The published claim's history says Casey Checker researched and submitted it and Erin
    Editor published it; Dana Corrector later published a correction Casey proposed. The
    ``verdict_by``/``reviewed_by`` fields say otherwise on purpose: credits must come from
    the history.
    """
    editor = factories.EditorFactory(first_name="Erin", last_name="Editor")
    checker = factories.FactCheckerFactory(first_name="Casey", last_name="Checker")
    corrector = factories.EditorFactory(first_name="Dana", last_name="Corrector")
    article = factories.ArticleFactory(published_on=date(2024, 3, 5), **article_fields)
    now = timezone.now()
    published = factories.ClaimFactory(
        article=article, phrase="a budget of 4.2 million euros", statement="The budget is 4.2 million euros.",
        claimant="The mayor", status=ClaimStatus.PUBLISHED, verdict=factories.rating("false"),
        rationale="The adopted budget is 3.9 million euros.\n\nSee the council minutes.",
        verdict_by=corrector, reviewed_by=corrector, assignee=checker, created_by=checker,
        submitted_at=now - timedelta(days=1), published_at=now,
    )
    history = [
        (checker, {"kind": ClaimEvent.Kind.EDITED, "field": "verdict", "new_value": "False"}),
        (checker, {"kind": ClaimEvent.Kind.EDITED, "field": "rationale", "new_value": "Was 3.8"}),
        (checker, {"kind": ClaimEvent.Kind.SOURCE_ADDED, "field": "source", "new_value": "https://council.example.org/minutes"}),
        (checker, {"kind": ClaimEvent.Kind.TRANSITION, "from_status": "researching", "to_status": "in_review"}),
        (editor, {"kind": ClaimEvent.Kind.TRANSITION, "from_status": "in_review", "to_status": "published"}),
    ]
    for actor, fields in history:
        factories.ClaimEventFactory(claim=published, actor=actor, **fields)
    factories.SourceFactory(
        claim=published, url="https://council.example.org/minutes", title="Council minutes",
        publisher="City council", stance="refutes", excerpt="Budget adopted: 3.9 million euros.",
    )
    factories.SourceFactory(claim=published, url="https://news.example.org/budget", title="", stance="context")
    ClaimCorrection.objects.create(
        claim=published, status=ClaimCorrection.Status.PUBLISHED, note="We misread the table.", base_version=1,
        changes={"rationale": {"old": "Was 3.8", "new": "Is 3.9"}},
        proposed_by=checker, reviewed_by=corrector, reviewed_at=now,
    )
    factories.ClaimEventFactory(
        claim=published, kind=ClaimEvent.Kind.CORRECTED, is_public=True, field="rationale",
        old_value="Was 3.8", new_value="Is 3.9", note="We misread the table.", actor=corrector,
    )
    factories.ClaimEventFactory(
        claim=published, kind=ClaimEvent.Kind.CORRECTED, is_public=False, note=f"{SECRET} internal correction",
    )
    ClaimCorrection.objects.create(
        claim=published, note=f"{SECRET} proposal under review", base_version=2,
        changes={"verdict": {"old": "False", "new": f"{SECRET} verdict"}}, proposed_by=checker,
    )
    in_review = factories.ClaimFactory(
        article=article, phrase="unemployment fell to 6 percent", statement=f"{SECRET} statement",
        claimant=f"{SECRET} claimant", status=ClaimStatus.IN_REVIEW, verdict=factories.rating("mostly-true"),
        rationale=f"{SECRET} rationale", assignee=checker, created_by=checker,
    )
    factories.SourceFactory(claim=in_review, url="https://secret.example.org/SECRET-DRAFT", title=f"{SECRET} source")
    overlapping = factories.ClaimFactory(
        article=article, phrase="6 percent, the lowest level since 2009", statement=f"{SECRET} lowest level",
        claimant="", status=ClaimStatus.NEW, created_by=checker,
    )
    orphaned = factories.ClaimFactory(
        article=article, phrase="Residents gathered", statement=f"{SECRET} orphan",
        status=ClaimStatus.RESEARCHING, anchor_state=AnchorState.ORPHANED, created_by=checker,
    )
    return CheckedArticle(article, published, in_review, overlapping, orphaned, checker, editor, corrector)
