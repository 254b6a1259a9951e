"""What the review partial shows for one claim and one user, computed in one place.

Kept out of the template (which cannot call functions with arguments) and out of the
template tags (which run no queries): every view that renders the partial, directly or
inside the claim panel, puts :func:`review_actions_for`'s answer in the context as ``review``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from annotations import selectors, workflow
from annotations.models import Claim, ClaimEvent, ClaimStatus, RatingLabel
from annotations.selectors import assignable_users

__all__ = ["ReviewActions", "assignable_users", "review_actions_for"]


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


def review_actions_for(claim: Claim, user: AbstractBaseUser | AnonymousUser) -> ReviewActions:
    """Build the partial's context; a fixed handful of queries whatever the history's length."""
    transitions = workflow.available_transitions(claim, user)
    names = {t.name for t in transitions}
    events = selectors.review_timeline(claim)
    return ReviewActions(
        transitions=transitions,
        explanations=workflow.blocked_explanations(claim, user),
        missing=workflow.next_step_problems(claim, user),
        history=events,
        corrections=[e for e in events if e.kind == ClaimEvent.Kind.CORRECTED],
        assignees=list(assignable_users()) if "assign" in names else [],
        reopen_choices=[(s.value, s.label) for s in (ClaimStatus.NEW, ClaimStatus.RESEARCHING)]
        if "reopen" in names
        else [],
    )
