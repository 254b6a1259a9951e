"""What the review partial shows for one claim and one user, computed in one place.

Kept out of the template (which cannot call functions with arguments) and out of the
views (the claim panel includes the partial without going through them).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Q, QuerySet

from annotations import workflow
from annotations.models import Claim, ClaimEvent, ClaimStatus, RatingLabel
from annotations.roles import EDITOR, FACT_CHECKER

#: History entries that belong to the review timeline.
REVIEW_EVENT_KINDS = (ClaimEvent.Kind.TRANSITION, ClaimEvent.Kind.ASSIGNED, ClaimEvent.Kind.CORRECTED)


@dataclass
class ReviewActions:
    """Everything the partial needs: offered steps, why others are withheld, and the timeline."""

    transitions: list[workflow.Transition]
    explanations: list[str]
    missing: list[str]
    history: list[ClaimEvent]
    corrections: list[ClaimEvent]
    labels: list[RatingLabel] = field(default_factory=list)
    assignees: list[AbstractBaseUser] = field(default_factory=list)
    reopen_choices: list[tuple[str, str]] = field(default_factory=list)

    @property
    def names(self) -> set[str]:
        return {t.name for t in self.transitions}


def assignable_users() -> QuerySet:
    """Active users who can be assigned claims (fact-checkers, editors, admins)."""
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Q(groups__name__in=[FACT_CHECKER, EDITOR]) | Q(is_superuser=True))
        .distinct()
        .order_by("username")
    )


def review_actions_for(claim: Claim, user: AbstractBaseUser | AnonymousUser) -> ReviewActions:
    """Build the partial's context; a fixed handful of queries whatever the history's length."""
    transitions = workflow.available_transitions(claim, user)
    names = {t.name for t in transitions}
    labels = RatingLabel.objects.filter(Q(is_active=True) | Q(pk=claim.verdict_id))
    events = list(
        ClaimEvent.objects.filter(claim_ref=claim.pk, kind__in=REVIEW_EVENT_KINDS)
        .select_related("actor")
        .order_by("created_at", "id")
    )
    return ReviewActions(
        transitions=transitions,
        explanations=workflow.blocked_explanations(claim, user),
        missing=workflow.next_step_problems(claim, user),
        history=events,
        corrections=[e for e in events if e.kind == ClaimEvent.Kind.CORRECTED],
        labels=list(labels) if "correct" in names else [],
        assignees=list(assignable_users()) if "assign" in names else [],
        reopen_choices=[(s.value, s.label) for s in (ClaimStatus.NEW, ClaimStatus.RESEARCHING)]
        if "reopen" in names
        else [],
    )
