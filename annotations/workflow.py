"""The review workflow: the one place that says how a claim moves between statuses.

A claim goes New → Researching (someone takes it or is assigned) → In review (the
fact-checker submits a verdict) → Published (a second person, an editor, approves it), or
back to Researching with a note when the editor requests changes, or when the fact-checker
withdraws it to change something (review is a handover: while a claim is in review its
researchers cannot edit it). Editors may dismiss a claim that is not worth checking and
reopen it later. A published claim is locked: it changes only through a correction
(:mod:`annotations.claim_corrections`), never through a step of this table.

The two-person rule covers the whole verdict: nobody who researched the claim in this
round (changed its statement, claimant, verdict, rationale or sources, or submitted it:
:func:`annotations.credits.researchers`, the same definition the credits use) may publish it.

Every door (the claim panel, the Django admin, management commands, a later API) calls
:func:`available_transitions`, :func:`check` and :func:`apply`, so a rule such as the
two-person rule holds whichever way a change comes in. The transitions are a declarative
table (:data:`TRANSITIONS`): each row says where it may start, where it leads, who may use
it and what must be true first.

Refusals come in two flavours, because the desk reacts to them differently:

* *forbidden*: the user's role or relation to the claim rules the step out (HTTP 403);
* *not ready*: the claim is in another status, or something is missing such as a source
  or a note (HTTP 400). Every missing thing is listed, in plain sentences, so the user can
  fix them all at once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from annotations import limits, notifications, signals
from annotations.credits import researchers
from annotations.models import Claim, ClaimEvent, ClaimStatus, Notification
from annotations.notification_texts import NoticeText, actor_name, notice
from annotations.permissions import claim_policy
from annotations.services import EditConflict, field_text, record_event, submission_recipients
from articles.text import strip_control_chars
from factcheck.display import display_name, one_line

AnyUser = AbstractBaseUser | AnonymousUser
Params = dict[str, Any]

#: Longest dismissal reason the claim can store (Claim.dismissal_reason).
MAX_REASON_LENGTH = Claim._meta.get_field("dismissal_reason").max_length


class TransitionRefused(Exception):
    """A workflow step was refused; ``reasons`` says, in sentences, everything that stands in the way.

    ``forbidden`` is true when the user may not take this step at all (their role, or
    their relation to the claim, rules it out); otherwise the claim is not ready yet.
    """

    def __init__(self, reasons: list[str], *, forbidden: bool) -> None:
        super().__init__(" ".join(reasons))
        self.reasons = reasons
        self.forbidden = forbidden

    @property
    def status_code(self) -> int:
        """The HTTP status a view answers with: 403 for forbidden, 400 for not ready."""
        return 403 if self.forbidden else 400


@dataclass(frozen=True)
class Transition:
    """One row of the workflow table.

    ``permission`` is the claim policy's action that the step needs (``take``, ``assign``,
    ``submit`` or ``review``: see :mod:`factcheck.permissions`); ``rule`` a finer one that
    depends on the claim (the two-person rule, "only the assignee submits"). Both make the
    step *forbidden*; ``preconditions`` list what is *missing* (verdict, source, note...).
    """

    name: str
    label: str
    sources: frozenset[str]
    target: str
    permission: str
    role_refusal: str
    perform: Callable[[Claim, AnyUser, str, Params], list[PendingNotice]]
    description: str = ""
    rule: Callable[[Claim, AnyUser], str | None] | None = None
    preconditions: Callable[[Claim, AnyUser, str, Params], list[str]] | None = None
    note: str = ""  # "", "optional" or "required": whether the step shows a note field
    note_label: str = "Note"
    #: A shorter limit the step's own preconditions enforce on its note (the dismissal reason's
    #: column); None: the desk's note limit (``FACTDESK_MAX_NOTE_CHARS``), checked for every step.
    note_max: int | None = None
    style: str = ""
    #: Whether a ``rule`` refusal is worth showing next to the buttons (the two-person rule is;
    #: "this claim is already yours" is not).
    explain_rule: bool = True

    @property
    def note_required(self) -> bool:
        return self.note == "required"

    @property
    def note_limit(self) -> int:
        """The most characters the step's note may have (the form's ``maxlength``)."""
        return self.note_max if self.note_max is not None else limits.max_chars("note")

    def permitted(self, user: AnyUser) -> bool:
        """Whether the user's role allows this step at all (the claim policy decides)."""
        return claim_policy.user_has_permission(user, self.permission)

    def targets(self) -> frozenset[str]:
        """Statuses this step can lead to (reopen may lead to New or Researching)."""
        if self.name == "reopen":
            return frozenset({ClaimStatus.NEW, ClaimStatus.RESEARCHING})
        return frozenset({self.target})


@dataclass(frozen=True)
class PendingNotice:
    """A notification to send once the transition is saved."""

    recipients: tuple[AbstractBaseUser, ...]
    kind: str
    text: NoticeText
    email: bool = True


# --- helpers -------------------------------------------------------------------------


def status_label(value: str) -> str:
    """"in_review" -> "In review" (unknown values are shown as they are)."""
    try:
        return str(ClaimStatus(value).label)
    except ValueError:
        return value


#: How a user is named in messages: their full name, else their username ("someone" for nobody).


def short(claim: Claim, limit: int = 80) -> str:
    """The claim as one short line, for messages and email subjects."""
    return one_line(claim.statement or claim.exact, limit)


def clean_text(value: object) -> str:
    """Notes and reasons arrive from forms: drop NUL and other control characters, and surrounding blanks."""
    if value is None:
        return ""
    return strip_control_chars(str(value)).strip()


def _has_sources(claim: Claim) -> bool:
    return claim.sources.exists()


def _is(user: AnyUser, other_id: int | None) -> bool:
    return other_id is not None and getattr(user, "pk", None) == other_id


def _others(users: Iterable[AbstractBaseUser | None], actor: AnyUser) -> tuple[AbstractBaseUser, ...]:
    """Distinct users except the actor (nobody is notified of their own action)."""
    seen: dict[int, AbstractBaseUser] = {}
    for user in users:
        if user is not None and user.pk != getattr(actor, "pk", None):
            seen.setdefault(user.pk, user)
    return tuple(seen.values())


def _research_complete(claim: Claim, before: str) -> list[str]:
    """What a verdict needs before it can be reviewed or published."""
    missing = []
    # Whole sentences per step, so each language can word them its own way.
    if before == "publishing":
        verdict, rationale, source = (
            _("Choose a verdict before publishing."),
            _("Write a rationale before publishing."),
            _("Add at least one source before publishing."),
        )
    else:
        verdict, rationale, source = (
            _("Choose a verdict before submitting for review."),
            _("Write a rationale before submitting for review."),
            _("Add at least one source before submitting for review."),
        )
    if claim.verdict_id is None:
        missing.append(verdict)
    if not claim.rationale.strip():
        missing.append(rationale)
    if not _has_sources(claim):
        missing.append(source)
    return missing


def _log_transition(claim: Claim, user: AnyUser, from_status: str, note: str) -> None:
    record_event(
        claim, ClaimEvent.Kind.TRANSITION, user, from_status=from_status, to_status=claim.status, note=note
    )


def _set_assignee(claim: Claim, user: AnyUser, assignee: AbstractBaseUser, note: str) -> None:
    record_event(
        claim, ClaimEvent.Kind.ASSIGNED, user,
        field="assignee", old_value=field_text(claim.assignee), new_value=field_text(assignee), note=note,
    )
    claim.assignee = assignee


def _assignment_notice(claim: Claim, user: AnyUser, assignee: AbstractBaseUser) -> list[PendingNotice]:
    recipients = _others([assignee], user)
    if not recipients:
        return []
    text = notice("assigned", actor=actor_name(user), claim=short(claim))
    return [PendingNotice(recipients, Notification.Kind.ASSIGNED, text)]


# --- take ----------------------------------------------------------------------------


def _take_rule(claim: Claim, user: AnyUser) -> str | None:
    if _is(user, claim.assignee_id):
        return _("This claim is already assigned to you.")
    if claim.assignee_id is not None:
        return _("This claim is assigned to %(name)s: ask an editor to reassign it.") % {
            "name": display_name(claim.assignee)
        }
    return None


def _take(claim: Claim, user: AnyUser, note: str, params: Params) -> list[PendingNotice]:
    from_status = claim.status
    _set_assignee(claim, user, user, note)
    claim.status = ClaimStatus.RESEARCHING
    if from_status != claim.status:
        _log_transition(claim, user, from_status, note)
    return []


# --- assign --------------------------------------------------------------------------


def _assign_preconditions(claim: Claim, user: AnyUser, note: str, params: Params) -> list[str]:
    assignee = params.get("assignee")
    if assignee is None:
        return [_("Choose who to assign this claim to.")]
    if not claim_policy.user_has_permission(assignee, "change"):
        return [
            _("%(name)s is not a fact-checker or editor, so they cannot be assigned claims.")
            % {"name": display_name(assignee)}
        ]
    if claim.assignee_id == assignee.pk:
        return [_("This claim is already assigned to %(name)s.") % {"name": display_name(assignee)}]
    return []


def _assign(claim: Claim, user: AnyUser, note: str, params: Params) -> list[PendingNotice]:
    assignee = params["assignee"]
    from_status = claim.status
    _set_assignee(claim, user, assignee, note)
    claim.status = ClaimStatus.RESEARCHING
    if from_status != claim.status:
        _log_transition(claim, user, from_status, "")
    return _assignment_notice(claim, user, assignee)


# --- submit --------------------------------------------------------------------------


def _submit_rule(claim: Claim, user: AnyUser) -> str | None:
    if claim.assignee_id is None or _is(user, claim.assignee_id) or claim_policy.user_has_permission(user, "assign"):
        return None
    return _("This claim is assigned to %(name)s: only they or an editor can submit it for review.") % {
        "name": display_name(claim.assignee)
    }


def _submit_preconditions(claim: Claim, user: AnyUser, note: str, params: Params) -> list[str]:
    return _research_complete(claim, "submitting for review")


def _submit(claim: Claim, user: AnyUser, note: str, params: Params) -> list[PendingNotice]:
    from_status = claim.status
    claim.status = ClaimStatus.IN_REVIEW
    claim.submitted_at = timezone.now()
    if claim.verdict_by_id is None:
        # A verdict set outside the panel (admin, import) has no recorded author: the person
        # submitting vouches for it, so the two-person rule still has someone to compare with.
        claim.verdict_by = user
    _log_transition(claim, user, from_status, note)
    editors = _others(_editors_to_tell(claim), user)
    if not editors:
        return []
    return [
        PendingNotice(
            editors, Notification.Kind.SUBMITTED,
            notice("submitted", actor=actor_name(user), claim=short(claim)), email=False,
        )
    ]


def _editors_to_tell(claim: Claim) -> list[AbstractBaseUser]:
    """Editors (admins included) who could publish the claim: none of its researchers, nor who set its verdict."""
    excluded = {user.pk for user in researchers(claim)}
    if claim.verdict_by_id is not None:
        excluded.add(claim.verdict_by_id)
    return list(claim_policy.users_with_permission("review").exclude(pk__in=excluded))


# --- withdraw ------------------------------------------------------------------------


def _submitter_id(claim: Claim) -> int | None:
    """Who submitted the claim for its current review (from the history)."""
    return (
        ClaimEvent.objects.filter(claim_ref=claim.pk, kind=ClaimEvent.Kind.TRANSITION, to_status=ClaimStatus.IN_REVIEW)
        .order_by("-created_at", "-id")
        .values_list("actor_id", flat=True)
        .first()
    )


def _withdraw_rule(claim: Claim, user: AnyUser) -> str | None:
    if _is(user, claim.assignee_id) or claim_policy.user_has_permission(user, "review"):
        return None
    if _is(user, _submitter_id(claim)):
        return None
    return _("Only the fact-checker who submitted this claim, its assignee or an editor can withdraw it from review.")


def _withdraw(claim: Claim, user: AnyUser, note: str, params: Params) -> list[PendingNotice]:
    told = submission_recipients(claim)  # read before the status changes: the review being withdrawn
    from_status = claim.status
    claim.status = ClaimStatus.RESEARCHING
    _log_transition(claim, user, from_status, note)
    recipients = _others(told, user)
    if not recipients:
        return []
    text = (
        notice("withdrawn_with_reason", actor=actor_name(user), claim=short(claim), note=note)
        if note
        else notice("withdrawn", actor=actor_name(user), claim=short(claim))
    )
    return [PendingNotice(recipients, Notification.Kind.WITHDRAWN, text)]


# --- request changes -----------------------------------------------------------------


def _request_changes_preconditions(claim: Claim, user: AnyUser, note: str, params: Params) -> list[str]:
    return [] if note else [_("Write a note saying what needs to change.")]


def _request_changes(claim: Claim, user: AnyUser, note: str, params: Params) -> list[PendingNotice]:
    from_status = claim.status
    claim.status = ClaimStatus.RESEARCHING
    _log_transition(claim, user, from_status, note)
    recipients = _others([claim.assignee, claim.verdict_by], user)
    if not recipients:
        return []
    return [
        PendingNotice(
            recipients, Notification.Kind.CHANGES_REQUESTED,
            notice("changes_requested", actor=actor_name(user), claim=short(claim), note=note),
        )
    ]


# --- publish -------------------------------------------------------------------------


def _publish_rule(claim: Claim, user: AnyUser) -> str | None:
    if _is(user, claim.verdict_by_id):
        return _("You set this verdict yourself: another editor must publish it (two-person rule).")
    if any(_is(user, researcher.pk) for researcher in researchers(claim)):
        return _(
            "You worked on this verdict (its statement, claimant, verdict, rationale or sources, or you submitted it): "
            "another editor must publish it (two-person rule)."
        )
    return None


def _publish_preconditions(claim: Claim, user: AnyUser, note: str, params: Params) -> list[str]:
    missing = _research_complete(claim, "publishing")
    if claim.verdict_id is not None and claim.verdict_by_id is None:
        missing.append(
            _(
                "Nobody is on record as having set this verdict, so the two-person rule cannot be checked: "
                "request changes and have the fact-checker set it again."
            )
        )
    return missing


def _publish(claim: Claim, user: AnyUser, note: str, params: Params) -> list[PendingNotice]:
    from_status = claim.status
    claim.status = ClaimStatus.PUBLISHED
    claim.reviewed_by = user
    claim.published_at = timezone.now()
    # The researchers of this round, read before the publish entry starts a new round.
    team = researchers(claim)
    _log_transition(claim, user, from_status, note)
    recipients = _others([claim.assignee, claim.verdict_by, *team], user)
    if not recipients:
        return []
    text = (
        notice("published_with_verdict", actor=actor_name(user), claim=short(claim), verdict=claim.verdict.name)
        if claim.verdict_id
        else notice("published", actor=actor_name(user), claim=short(claim))
    )
    return [PendingNotice(recipients, Notification.Kind.PUBLISHED, text)]


# --- dismiss and reopen --------------------------------------------------------------


def _dismiss_preconditions(claim: Claim, user: AnyUser, note: str, params: Params) -> list[str]:
    if not note:
        return [_("Give a reason for dismissing this claim (for example: opinion, not check-worthy, duplicate).")]
    if len(note) > MAX_REASON_LENGTH:
        return [
            _("Keep the reason to %(max)s characters (it has %(length)s).")
            % {"max": MAX_REASON_LENGTH, "length": len(note)}
        ]
    return []


def _dismiss(claim: Claim, user: AnyUser, note: str, params: Params) -> list[PendingNotice]:
    from_status = claim.status
    claim.status = ClaimStatus.DISMISSED
    claim.dismissal_reason = note
    _log_transition(claim, user, from_status, note)
    return []


def _reopen_target(claim: Claim, params: Params) -> str:
    wanted = params.get("status")
    if wanted:
        return str(wanted)
    return ClaimStatus.RESEARCHING if claim.assignee_id else ClaimStatus.NEW


def _reopen_preconditions(claim: Claim, user: AnyUser, note: str, params: Params) -> list[str]:
    target = _reopen_target(claim, params)
    if target not in (ClaimStatus.NEW, ClaimStatus.RESEARCHING):
        return [_("A dismissed claim can be reopened as New or as Researching.")]
    if target == ClaimStatus.RESEARCHING and claim.assignee_id is None:
        return [_("Assign someone before reopening this claim into Researching, or reopen it as New.")]
    return []


def _reopen(claim: Claim, user: AnyUser, note: str, params: Params) -> list[PendingNotice]:
    from_status = claim.status
    claim.status = _reopen_target(claim, params)
    claim.dismissal_reason = ""
    _log_transition(claim, user, from_status, note)
    return []


# --- the table -----------------------------------------------------------------------

S = ClaimStatus

TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in (
        Transition(
            name="take", label=gettext_lazy("Take this claim"),
            description=gettext_lazy("Assign the claim to yourself and start researching."),
            sources=frozenset({S.NEW, S.RESEARCHING}), target=S.RESEARCHING,
            permission="take", role_refusal=gettext_lazy("Only fact-checkers and editors can take claims."),
            rule=_take_rule, explain_rule=False, perform=_take, style="primary",
        ),
        Transition(
            name="assign", label=gettext_lazy("Assign"), description=gettext_lazy("Give the claim to a fact-checker."),
            sources=frozenset({S.NEW, S.RESEARCHING}), target=S.RESEARCHING,
            permission="assign", role_refusal=gettext_lazy("Only editors can assign claims to someone else."),
            preconditions=_assign_preconditions, perform=_assign, note="optional",
        ),
        Transition(
            name="submit", label=gettext_lazy("Submit for review"),
            description=gettext_lazy("Send your verdict to an editor for review."),
            sources=frozenset({S.RESEARCHING}), target=S.IN_REVIEW,
            permission="submit",
            role_refusal=gettext_lazy("Only fact-checkers and editors can submit claims for review."),
            rule=_submit_rule, preconditions=_submit_preconditions, perform=_submit, style="primary",
        ),
        Transition(
            name="request_changes", label=gettext_lazy("Request changes"),
            description=gettext_lazy("Send the claim back for more research."),
            sources=frozenset({S.IN_REVIEW}), target=S.RESEARCHING,
            permission="review", role_refusal=gettext_lazy("Only editors can request changes."),
            preconditions=_request_changes_preconditions, perform=_request_changes,
            note="required", note_label=gettext_lazy("What needs to change"),
        ),
        Transition(
            name="publish", label=gettext_lazy("Publish"),
            description=gettext_lazy("Approve the verdict and publish the fact-check."),
            sources=frozenset({S.IN_REVIEW}), target=S.PUBLISHED,
            permission="review",
            role_refusal=gettext_lazy("Only editors can publish claims; fact-checkers submit them for review."),
            rule=_publish_rule, preconditions=_publish_preconditions, perform=_publish, style="primary",
        ),
        Transition(
            name="dismiss", label=gettext_lazy("Dismiss"),
            description=gettext_lazy("Mark the claim as not worth checking."),
            sources=frozenset({S.NEW, S.RESEARCHING}), target=S.DISMISSED,
            permission="review", role_refusal=gettext_lazy("Only editors can dismiss claims."),
            preconditions=_dismiss_preconditions, perform=_dismiss,
            note="required", note_label=gettext_lazy("Reason for dismissing"),
            note_max=MAX_REASON_LENGTH, style="danger",
        ),
        Transition(
            name="reopen", label=gettext_lazy("Reopen"),
            description=gettext_lazy("Bring a dismissed claim back into the workflow."),
            sources=frozenset({S.DISMISSED}), target=S.NEW,
            permission="review", role_refusal=gettext_lazy("Only editors can reopen dismissed claims."),
            preconditions=_reopen_preconditions, perform=_reopen, note="optional",
        ),
        Transition(
            name="withdraw", label=gettext_lazy("Withdraw from review"),
            description=gettext_lazy("Take the claim back from review to change it; the editors are told."),
            sources=frozenset({S.IN_REVIEW}), target=S.RESEARCHING,
            permission="submit",
            role_refusal=gettext_lazy("Only fact-checkers and editors can withdraw claims from review."),
            rule=_withdraw_rule, explain_rule=False, perform=_withdraw, note="optional",
        ),
    )
}


# --- public API ----------------------------------------------------------------------


def get_transition(name: str) -> Transition:
    """The transition called ``name``; TransitionRefused (not ready) if there is none."""
    try:
        return TRANSITIONS[name]
    except KeyError:
        raise TransitionRefused(
            [_("There is no workflow step called “%(name)s”.") % {"name": name}], forbidden=False
        ) from None


def _forbidden(claim: Claim, user: AnyUser, transition: Transition) -> list[str]:
    if not transition.permitted(user):
        return [str(transition.role_refusal)]
    if transition.rule is not None:
        refusal = transition.rule(claim, user)
        if refusal:
            return [refusal]
    return []


def _state_problem(claim: Claim, transition: Transition) -> str | None:
    if claim.status in transition.sources:
        return None
    allowed = _(" or ").join(status_label(s) for s in sorted(transition.sources, key=list(S.values).index))
    return _("This claim is %(status)s: “%(step)s” is only possible for claims that are %(allowed)s.") % {
        "status": status_label(claim.status), "step": transition.label, "allowed": allowed,
    }


def _not_ready(claim: Claim, user: AnyUser, transition: Transition, note: str, params: Params) -> list[str]:
    state = _state_problem(claim, transition)
    if state:
        return [state]
    too_long = limits.length_error("note", note) if transition.note_max is None else None
    if too_long:
        return [too_long]
    if transition.preconditions is None:
        return []
    return transition.preconditions(claim, user, note, params)


def forbidden_reasons(claim: Claim, user: AnyUser, name: str) -> list[str]:
    """Why the user may not take step ``name`` on this claim at all (empty: they may)."""
    return _forbidden(claim, user, get_transition(name))


def check(claim: Claim, user: AnyUser, name: str, *, note: str = "", **params: Any) -> list[str]:
    """Everything that stands in the way of ``name`` for this user, as sentences (empty: allowed).

    Forbidden reasons (role, two-person rule) come first, then what is missing. Nothing
    is written; :func:`apply` runs the same checks under a row lock.
    """
    transition = get_transition(name)
    note = clean_text(note)
    return _forbidden(claim, user, transition) + _not_ready(claim, user, transition, note, params)


def is_permitted(claim: Claim, user: AnyUser, transition: Transition) -> bool:
    """Whether the user may take this step from the claim's current status (data aside)."""
    return _state_problem(claim, transition) is None and not _forbidden(claim, user, transition)


def available_transitions(claim: Claim, user: AnyUser) -> list[Transition]:
    """The steps to offer this user as buttons: right status, right role, rules satisfied.

    Missing data (a source, a note) does not hide a step: the button stays and the refusal
    explains what to add, which is more useful than a button that silently never appears.
    """
    return [t for t in TRANSITIONS.values() if is_permitted(claim, user, t)]


def blocked_explanations(claim: Claim, user: AnyUser) -> list[str]:
    """Why a step the user would normally have is withheld here (e.g. the two-person rule)."""
    notes = []
    for transition in TRANSITIONS.values():
        if not transition.explain_rule or transition.rule is None:
            continue
        if _state_problem(claim, transition) is None and transition.permitted(user):
            refusal = transition.rule(claim, user)
            if refusal:
                notes.append(refusal)
    return notes


def next_step_problems(claim: Claim, user: AnyUser) -> list[str]:
    """What is missing before the obvious next step (submit or publish) of an offered button."""
    for name in ("submit", "publish"):
        transition = TRANSITIONS[name]
        if is_permitted(claim, user, transition) and transition.preconditions is not None:
            return transition.preconditions(claim, user, "", {})
    return []


def step_towards(claim: Claim, target: str) -> tuple[Transition, Params]:
    """The transition that moves the claim to ``target`` (for "move to a state" in bulk).

    Assignment is not a state move: New claims reach Researching through take or assign.
    Raises TransitionRefused (not ready) when no single step leads there.
    """
    if claim.status == target:
        raise TransitionRefused(
            [_("This claim is already %(status)s.") % {"status": status_label(target)}], forbidden=False
        )
    for transition in TRANSITIONS.values():
        if transition.name in ("take", "assign", "withdraw"):
            continue
        if claim.status in transition.sources and target in transition.targets():
            params: Params = {"status": target} if transition.name == "reopen" else {}
            return transition, params
    if claim.status == S.NEW and target == S.RESEARCHING:
        reason = _("A New claim moves to Researching when someone takes it or is assigned: use “Assign to a user…”.")
    else:
        reason = _("No workflow step leads from %(status)s to %(target)s.") % {
            "status": status_label(claim.status), "target": status_label(target)
        }
    raise TransitionRefused([reason], forbidden=False)


def apply(
    claim: Claim,
    user: AnyUser,
    name: str,
    *,
    note: str = "",
    expected_version: int | None = None,
    **params: Any,
) -> Claim:
    """Move the claim through workflow step ``name`` and return the updated claim.

    Runs in one transaction with the claim row locked, so two editors clicking Publish at
    once cannot both succeed. Order of checks: forbidden (TransitionRefused, 403), stale
    page (services.EditConflict when ``expected_version`` is given and outdated), then
    everything missing (TransitionRefused, 400). On success the step is written to the
    claim's history, the version is bumped, and the people concerned are notified
    (emails leave only after the transaction commits).
    """
    transition = get_transition(name)
    note = clean_text(note)
    with transaction.atomic():
        current = (
            Claim.objects.select_for_update(of=("self",))
            .select_related("verdict", "assignee", "verdict_by", "article")
            .get(pk=claim.pk)
        )
        forbidden = _forbidden(current, user, transition)
        if forbidden:
            raise TransitionRefused(forbidden, forbidden=True)
        if expected_version is not None and current.version != expected_version:
            raise EditConflict(current)
        missing = _not_ready(current, user, transition, note, params)
        if missing:
            raise TransitionRefused(missing, forbidden=False)
        notices = transition.perform(current, user, note, params)
        current.version = F("version") + 1
        current.save()
        current.refresh_from_db()
        for pending in notices:
            for recipient in pending.recipients:
                notifications.notify(recipient, current, pending.kind, pending.text, email=pending.email)
        if transition.target == ClaimStatus.PUBLISHED:
            signals.claim_published.send(sender=Claim, claim=current, user=user)
        elif transition.target == ClaimStatus.DISMISSED:
            signals.claim_dismissed.send(sender=Claim, claim=current, user=user, reason=note)
    return current
