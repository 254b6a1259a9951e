"""``manage.py claim``: change a claim from the command line, through the same services as every other door.

    manage.py claim edit 128 --user carl --statement "…" --verdict false --rationale "…" --add-source URL
    manage.py claim transition 128 submit --user carl --note "Ready for review."
    manage.py claim propose-correction 128 --user carl --note "…" --verdict mostly-false
    manage.py claim publish-correction 7 --user erin
    manage.py claim reject-correction 7 --user erin --note "…"
    manage.py claim withdraw-correction 7 --user carl

Every change is made as ``--user`` (their role and the claim's rules apply: a published
claim is locked, a correction needs a second person, the two-person rule...) and is
recorded in the claim's history with the entry point "command". Each run is one
transaction: a refusal leaves nothing behind and ends with the reason (a CommandError).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from annotations import claim_corrections, services, workflow
from annotations.anchoring import AnchorError
from annotations.models import Claim, ClaimCorrection, RatingLabel, Source
from factcheck.entry_points import COMMAND, entry_point

#: What the services refuse with; each becomes a CommandError carrying the sentence.
REFUSALS = (PermissionDenied, ValidationError, services.EditConflict, workflow.TransitionRefused, AnchorError)


def _claim_argument(parser: CommandParser) -> None:
    parser.add_argument("claim_id", type=int, help="The claim's number (#128 → 128).")


def _user_argument(parser: CommandParser) -> None:
    parser.add_argument("--user", required=True, help="Username of the person making the change.")


def _field_arguments(parser: CommandParser) -> None:
    parser.add_argument("--statement", help="The claim in the desk's words.")
    parser.add_argument("--claimant", help="Who made the claim.")
    parser.add_argument("--verdict", help="Slug of a verdict label (e.g. mostly-false).")
    parser.add_argument("--rationale", help="Why the verdict is what it is.")
    parser.add_argument("--add-source", action="append", default=[], metavar="URL", help="Add a source (repeatable).")
    parser.add_argument(
        "--remove-source", action="append", default=[], type=int, metavar="SOURCE_ID",
        help="Remove one of the claim's sources by id (repeatable).",
    )
    parser.add_argument(
        "--expected-version", type=int,
        help="The claim's version you based the change on; refused if someone changed it since.",
    )


class Command(BaseCommand):
    help = "Edit a claim, move it through the workflow, or propose and review corrections of published claims."

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="subcommand", required=True, metavar="SUBCOMMAND")

        edit = commands.add_parser("edit", help="Change a claim's statement, claimant, verdict, rationale, sources.")
        _claim_argument(edit)
        _user_argument(edit)
        _field_arguments(edit)

        step = commands.add_parser("transition", help="Take a workflow step (take, submit, publish, withdraw...).")
        _claim_argument(step)
        step.add_argument("step", help=f"One of: {', '.join(workflow.TRANSITIONS)}.")
        _user_argument(step)
        step.add_argument("--note", default="", help="The step's note (required for some steps).")
        step.add_argument("--assignee", help="Username to assign the claim to (assign).")
        step.add_argument("--status", choices=["new", "researching"], help="Reopen as this status (reopen).")
        step.add_argument("--expected-version", type=int, help="Refuse if the claim changed since this version.")

        propose = commands.add_parser("propose-correction", help="Propose a correction of a published claim.")
        _claim_argument(propose)
        _user_argument(propose)
        propose.add_argument("--note", required=True, help="The public correction note: what changed and why.")
        _field_arguments(propose)

        for name, helptext in (
            ("publish-correction", "Publish a proposed correction (an editor who did not propose it)."),
            ("reject-correction", "Reject a proposed correction, saying why (--note)."),
            ("withdraw-correction", "Withdraw your own proposed correction."),
        ):
            review = commands.add_parser(name, help=helptext)
            review.add_argument("correction_id", type=int, help="The correction's id.")
            _user_argument(review)
            review.add_argument("--note", default="", help="Your note (required when rejecting).")

    def handle(self, *args: Any, subcommand: str, **options: Any) -> None:
        handler = {
            "edit": self.edit,
            "transition": self.transition,
            "propose-correction": self.propose_correction,
            "publish-correction": self.publish_correction,
            "reject-correction": self.reject_correction,
            "withdraw-correction": self.withdraw_correction,
        }[subcommand]
        user = _user(options["user"])
        try:
            with entry_point(COMMAND), transaction.atomic():
                message = handler(user, options)
        except REFUSALS as refusal:
            raise CommandError(f"Nothing was changed. {_reason(refusal)}") from refusal
        self.stdout.write(message)

    # --- subcommands -------------------------------------------------------------------

    def edit(self, user: AbstractBaseUser, options: dict[str, Any]) -> str:
        claim = _claim(options["claim_id"])
        version = options["expected_version"] or claim.version
        fields = _field_changes(options)
        if not fields and not options["add_source"] and not options["remove_source"]:
            raise CommandError("Nothing to change: give --statement, --claimant, --verdict, --rationale or a source.")
        if fields:
            claim = services.update_claim(claim, user=user, expected_version=version, changes=fields)
            version = claim.version
        for source_id in options["remove_source"]:
            services.remove_source(_source(claim, source_id), user=user, expected_version=version)
            version = _version(claim)
        for url in options["add_source"]:
            services.add_source(claim, user=user, expected_version=version, url=url)
            version = _version(claim)
        return f"Claim #{claim.pk} saved (now version {version})."

    def transition(self, user: AbstractBaseUser, options: dict[str, Any]) -> str:
        claim = _claim(options["claim_id"])
        params: dict[str, Any] = {}
        if options["assignee"]:
            params["assignee"] = _user(options["assignee"])
        if options["status"]:
            params["status"] = options["status"]
        claim = workflow.apply(
            claim, user, options["step"], note=options["note"], expected_version=options["expected_version"], **params
        )
        return f"Claim #{claim.pk} is now {claim.get_status_display()} (version {claim.version})."

    def propose_correction(self, user: AbstractBaseUser, options: dict[str, Any]) -> str:
        claim = _claim(options["claim_id"])
        changes: dict[str, Any] = _field_changes(options)
        if options["add_source"]:
            changes["sources_added"] = [{"url": url} for url in options["add_source"]]
        if options["remove_source"]:
            changes["sources_removed"] = options["remove_source"]
        correction = claim_corrections.propose_correction(
            claim, user=user, changes=changes, note=options["note"],
            expected_version=options["expected_version"] or claim.version,
        )
        return f"Correction #{correction.pk} of claim #{claim.pk} proposed: another editor reviews it."

    def publish_correction(self, user: AbstractBaseUser, options: dict[str, Any]) -> str:
        claim = claim_corrections.publish_correction(_correction(options["correction_id"]), user=user,
                                                     note=options["note"])
        return f"Correction #{options['correction_id']} published; claim #{claim.pk} is now version {claim.version}."

    def reject_correction(self, user: AbstractBaseUser, options: dict[str, Any]) -> str:
        correction = claim_corrections.reject_correction(_correction(options["correction_id"]), user=user,
                                                         note=options["note"])
        return f"Correction #{correction.pk} of claim #{correction.claim_id} rejected."

    def withdraw_correction(self, user: AbstractBaseUser, options: dict[str, Any]) -> str:
        correction = claim_corrections.withdraw_correction(_correction(options["correction_id"]), user=user)
        return f"Correction #{correction.pk} of claim #{correction.claim_id} withdrawn."


# --- look-ups: a clear sentence for every bad argument ---------------------------------


def _reason(refusal: Exception) -> str:
    if isinstance(refusal, ValidationError):
        return " ".join(refusal.messages)
    if isinstance(refusal, workflow.TransitionRefused):
        return " ".join(refusal.reasons)
    return str(refusal)


def _user(username: str) -> AbstractBaseUser:
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise CommandError(f"There is no user called “{username}”.")
    return user


def _claim(claim_id: int) -> Claim:
    claim = Claim.objects.filter(pk=claim_id).first()
    if claim is None:
        raise CommandError(f"There is no claim #{claim_id}.")
    return claim


def _correction(correction_id: int) -> ClaimCorrection:
    correction = ClaimCorrection.objects.filter(pk=correction_id).first()
    if correction is None:
        raise CommandError(f"There is no correction #{correction_id}.")
    return correction


def _source(claim: Claim, source_id: int) -> Source:
    source = Source.objects.filter(pk=source_id, claim=claim).first()
    if source is None:
        raise CommandError(f"Claim #{claim.pk} has no source with id {source_id}.")
    return source


def _version(claim: Claim) -> int:
    return Claim.objects.values_list("version", flat=True).get(pk=claim.pk)


def _verdict(slug: str) -> RatingLabel:
    label = RatingLabel.objects.filter(slug=slug).first()
    if label is None:
        choices = ", ".join(RatingLabel.objects.filter(is_active=True).values_list("slug", flat=True))
        raise CommandError(f"There is no verdict “{slug}”. Choose one of: {choices}.")
    return label


def _field_changes(options: dict[str, Any]) -> dict[str, Any]:
    changes: dict[str, Any] = {
        name: options[name] for name in ("statement", "claimant", "rationale") if options.get(name) is not None
    }
    if options.get("verdict"):
        changes["verdict"] = _verdict(options["verdict"])
    return changes
