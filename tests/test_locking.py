"""Locked claims at every door: who may change a claim's research, in each review state (issue 14).

A claim's research (statement, claimant, verdict, rationale, sources) is locked once it is
published (it changes only through a correction) and while it is dismissed; a claim in
review belongs to the editors (its checker withdraws it first); a claim assigned to a
fact-checker is read-only to other fact-checkers. Each rule is checked at each door:
the service itself, the claim panel over HTTP (the browser's path), the admin's change
form and inline, the admin's bulk actions and ``manage.py claim``. Every refusal names
the way out and leaves no trace: no change, no new version, no history entry, nobody told.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.urls import reverse

from annotations import services, workflow
from annotations.models import Claim, ClaimEvent, ClaimStatus, Notification, Source
from annotations.permissions import claim_policy
from tests import factories
from tests.factories import rating
from tests.test_write_paths import form_data, messages_of

pytestmark = pytest.mark.django_db

S = ClaimStatus
HTMX = {"HX-Request": "true"}
NEW_STATEMENT = "Unemployment fell to six percent, the council said."
NEW_SOURCE = "https://stats.example.org/locking-test"


@dataclass(frozen=True)
class Case:
    """Someone tries to change the research of a claim in ``status``; ``refusal`` is what they read (None: allowed)."""

    status: str
    assignee: str | None  # "checker" or None
    actor: str  # "checker", "other_checker", "editor" or "admin"
    refusal: str | None


CASES = {
    "new, a fact-checker": Case(S.NEW, None, "checker", None),
    "researching, its assignee": Case(S.RESEARCHING, "checker", "checker", None),
    "researching, another fact-checker": Case(
        S.RESEARCHING, "checker", "other_checker", "only they or an editor can change it"
    ),
    "researching, an editor": Case(S.RESEARCHING, "checker", "editor", None),
    "in review, its assignee": Case(S.IN_REVIEW, "checker", "checker", "withdraw it from review to change it"),
    "in review, another fact-checker": Case(S.IN_REVIEW, "checker", "other_checker", "only an editor can change it"),
    "in review, an editor": Case(S.IN_REVIEW, "checker", "editor", None),
    "published, its checker": Case(S.PUBLISHED, "checker", "checker", "This claim is published: propose a correction."),
    "published, an editor": Case(S.PUBLISHED, "checker", "editor", "This claim is published: propose a correction."),
    "published, an admin": Case(S.PUBLISHED, "checker", "admin", "This claim is published: propose a correction."),
    "dismissed, an editor": Case(S.DISMISSED, None, "editor", "This claim is dismissed: reopen it to change it."),
    "dismissed, an admin": Case(S.DISMISSED, None, "admin", "This claim is dismissed: reopen it to change it."),
}


@pytest.fixture
def people(db) -> dict[str, User]:
    """Everyone is staff, so every door (the admin included) is open to them as far as their role goes."""
    return {
        "checker": factories.FactCheckerFactory(is_staff=True),
        "other_checker": factories.FactCheckerFactory(is_staff=True),
        "editor": factories.EditorFactory(is_staff=True),
        "admin": factories.AdminFactory(),
    }


def claim_in(status: str, assignee: User | None = None, **fields) -> Claim:
    """A claim in ``status`` with complete research (verdict, rationale, one source)."""
    fields.setdefault("verdict", rating("false"))
    fields.setdefault("rationale", "The statistics office reports 7.1 percent.")
    claim = factories.ClaimFactory(status=status, assignee=assignee, verdict_by=assignee, **fields)
    factories.SourceFactory(claim=claim)
    return claim


def trace(claim: Claim) -> tuple:
    """Everything a refused change must leave as it was."""
    stored = Claim.objects.get(pk=claim.pk)
    return (
        stored.statement, stored.verdict_id, stored.rationale, stored.version,
        sorted(Source.objects.filter(claim=claim).values_list("url", flat=True)),
        ClaimEvent.objects.filter(claim_ref=claim.pk).count(), Notification.objects.count(),
    )


# --- the doors: each tries to set the statement and returns what the user read ----------------


def via_service(client, claim: Claim, user: User) -> str:
    try:
        services.update_claim(claim, user=user, expected_version=claim.version, changes={"statement": NEW_STATEMENT})
    except services.ClaimLocked as refusal:
        return str(refusal)
    return ""


def via_browser(client, claim: Claim, user: User) -> str:
    client.force_login(user)
    response = client.post(
        reverse("annotations:edit", args=[claim.pk]),
        {"statement": NEW_STATEMENT, "claimant": claim.claimant, "version": claim.version}, headers=HTMX,
    )
    assert response.status_code in (200, 403), response.content.decode()[:500]
    return "" if response.status_code == 200 else response.content.decode()


def via_admin_form(client, claim: Claim, user: User) -> str:
    client.force_login(user)
    url = reverse("admin:annotations_claim_change", args=[claim.pk])
    opened = client.get(url)
    assert opened.status_code == 200
    data = form_data(opened)
    data["statement"] = NEW_STATEMENT
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    return " ".join(messages_of(opened) + messages_of(response))


def via_command(client, claim: Claim, user: User) -> str:
    try:
        call_command("claim", "edit", str(claim.pk), "--user", user.username, "--statement", NEW_STATEMENT,
                     stdout=io.StringIO())
    except CommandError as refusal:
        return str(refusal)
    return ""


DOORS: dict[str, Callable[..., str]] = {
    "service": via_service,
    "browser": via_browser,
    "admin change form": via_admin_form,
    "command": via_command,
}


@pytest.mark.parametrize("door", list(DOORS))
@pytest.mark.parametrize("case", list(CASES))
def test_who_may_change_a_claims_research_in_each_state_at_each_door(client, people, case, door):
    rule = CASES[case]
    claim = claim_in(rule.status, people[rule.assignee] if rule.assignee else None)
    before = trace(claim)

    shown = DOORS[door](client, claim, people[rule.actor])

    stored = Claim.objects.get(pk=claim.pk)
    if rule.refusal is None:
        assert stored.statement == NEW_STATEMENT
        assert stored.version == claim.version + 1
        [event] = ClaimEvent.objects.filter(claim_ref=claim.pk, kind=ClaimEvent.Kind.EDITED)
        assert (event.field, event.actor) == ("statement", people[rule.actor])
    else:
        assert trace(claim) == before
        if door != "admin change form" or rule.actor in ("editor", "admin") or rule.status != S.IN_REVIEW:
            assert rule.refusal in shown.replace("&#x27;", "'")
        else:  # a staff fact-checker's form is read-only (the policy's "change" rule); a save is refused
            assert "Nothing was saved" in shown


# --- sources are research too -------------------------------------------------------------------


def source_of(claim: Claim) -> Source:
    return Source.objects.filter(claim=claim).select_related("claim").first()


SOURCE_DOORS: dict[str, Callable[[object, Claim, User], None]] = {
    "service add": lambda client, claim, user: services.add_source(claim, user=user, url=NEW_SOURCE),
    "service change": lambda client, claim, user: services.update_source(source_of(claim), user=user, title="New"),
    "service remove": lambda client, claim, user: services.remove_source(source_of(claim), user=user),
    "browser add": lambda client, claim, user: client.post(
        reverse("annotations:source_add", args=[claim.pk]),
        {"version": claim.version, "new-source-url": NEW_SOURCE, "new-source-stance": "context"}, headers=HTMX,
    ),
    "browser remove": lambda client, claim, user: client.post(
        reverse("annotations:source_remove", args=[claim.pk, source_of(claim).pk]), {"version": claim.version},
        headers=HTMX,
    ),
    "source admin change": lambda client, claim, user: client.post(
        reverse("admin:annotations_source_change", args=[source_of(claim).pk]),
        {**form_data(client.get(reverse("admin:annotations_source_change", args=[source_of(claim).pk]))),
         "title": "Changed in the source admin"},
    ),
    "source admin delete": lambda client, claim, user: client.post(
        reverse("admin:annotations_source_delete", args=[source_of(claim).pk]),
        {"post": "yes", "expected_version": claim.version},
    ),
    "source admin bulk delete": lambda client, claim, user: client.post(
        reverse("admin:annotations_source_changelist"),
        {"action": "delete_selected", "_selected_action": [source_of(claim).pk], "index": "0", "post": "yes"},
    ),
    "command add": lambda client, claim, user: call_command(
        "claim", "edit", str(claim.pk), "--user", user.username, "--add-source", NEW_SOURCE, stdout=io.StringIO()
    ),
    "command remove": lambda client, claim, user: call_command(
        "claim", "edit", str(claim.pk), "--user", user.username, "--remove-source", str(source_of(claim).pk),
        stdout=io.StringIO(),
    ),
}


@pytest.mark.parametrize("door", list(SOURCE_DOORS))
@pytest.mark.parametrize("status", [S.PUBLISHED, S.DISMISSED])
def test_sources_of_a_locked_claim_cannot_change_at_any_door(client, people, status, door):
    admin = people["admin"]
    claim = claim_in(status)
    before = trace(claim)
    client.force_login(admin)
    try:
        response = SOURCE_DOORS[door](client, claim, admin)
    except (services.ClaimLocked, CommandError) as refusal:
        assert services.LOCKED_STATES[status] in str(refusal)
    else:
        assert response.status_code in (302, 403)
    assert trace(claim) == before


def test_the_admin_inline_of_a_locked_claim_is_read_only_and_refuses_a_save(admin_client):
    claim = claim_in(S.PUBLISHED)
    url = reverse("admin:annotations_claim_change", args=[claim.pk])
    opened = admin_client.get(url)
    [sources] = [i for i in opened.context["inline_admin_formsets"] if i.formset.model is Source]
    assert not (sources.has_add_permission or sources.has_change_permission or sources.has_delete_permission)
    form = opened.context["adminform"].form
    for name in services.EDITABLE_FIELDS:
        assert name not in form.fields, name
    page = opened.content.decode()
    assert "This claim is published: propose a correction." in page
    assert f"{reverse('admin:annotations_claimcorrection_add')}?claim={claim.pk}" in page

    before = trace(claim)
    data = form_data(opened)
    data.update({"statement": NEW_STATEMENT, "sources-0-DELETE": "on"})
    response = admin_client.post(url, data)
    assert response.status_code == 302
    assert any(text.startswith("Nothing was saved. This claim is published") for text in messages_of(response))
    assert trace(claim) == before


# --- bulk actions -------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [S.NEW, S.RESEARCHING, S.IN_REVIEW, S.PUBLISHED, S.DISMISSED])
def test_bulk_assignment_changes_open_claims_only_and_reports_each_refusal(admin_client, people, status):
    claim = claim_in(status, people["checker"] if status != S.NEW else None)
    before = trace(claim)
    response = admin_client.post(reverse("admin:annotations_claim_changelist"), {
        "action": "assign_to_user", "_selected_action": [claim.pk], "index": "0", "apply": "Apply",
        "assignee": people["other_checker"].pk,
    })
    assert response.status_code == 302
    stored = Claim.objects.get(pk=claim.pk)
    if status in (S.NEW, S.RESEARCHING):
        assert stored.assignee == people["other_checker"]
    else:
        assert trace(claim) == before
        [skipped] = messages_of(response)
        assert skipped.startswith(f"Skipped claim #{claim.pk}")
        assert "only possible for claims that are New or Researching" in skipped


def test_no_bulk_move_leads_out_of_published(admin_client):
    claim = claim_in(S.PUBLISHED)
    before = trace(claim)
    for target in (S.NEW, S.RESEARCHING, S.IN_REVIEW, S.DISMISSED):
        response = admin_client.post(reverse("admin:annotations_claim_changelist"), {
            "action": "move_to_state", "_selected_action": [claim.pk], "index": "0", "apply": "Apply",
            "status": target, "note": "Trying.",
        })
        assert any("No workflow step leads from Published" in text for text in messages_of(response))
    assert trace(claim) == before


def test_a_dismissed_claim_is_reopened_in_bulk_and_then_open_to_change(admin_client, admin_user):
    claim = claim_in(S.DISMISSED)
    admin_client.post(reverse("admin:annotations_claim_changelist"), {
        "action": "move_to_state", "_selected_action": [claim.pk], "index": "0", "apply": "Apply", "status": S.NEW,
    })
    claim.refresh_from_db()
    assert claim.status == S.NEW
    services.update_claim(claim, user=admin_user, expected_version=claim.version, changes={"statement": NEW_STATEMENT})
    assert Claim.objects.get(pk=claim.pk).statement == NEW_STATEMENT


# --- the handover: in review, withdraw, and who is told ------------------------------------------


def test_withdrawing_at_each_door_hands_the_claim_back_to_its_checker(client, people):
    checker, editor = people["checker"], people["editor"]
    for door in ("browser", "command", "service"):
        claim = workflow.apply(claim_in(S.RESEARCHING, checker), checker, "submit")
        if door == "browser":
            client.force_login(checker)
            response = client.post(reverse("review:transition", args=[claim.pk, "withdraw"]),
                                   {"version": claim.version}, headers=HTMX)
            assert response.status_code == 200
        elif door == "command":
            call_command("claim", "transition", str(claim.pk), "withdraw", "--user", checker.username,
                         stdout=io.StringIO())
        else:
            workflow.apply(claim, checker, "withdraw")
        claim.refresh_from_db()
        assert claim.status == S.RESEARCHING
        assert Notification.objects.filter(claim=claim, recipient=editor, kind=Notification.Kind.WITHDRAWN).exists()
        via = ClaimEvent.objects.filter(claim_ref=claim.pk, to_status=S.RESEARCHING).get().via
        assert via == {"browser": "browser", "command": "command", "service": "system"}[door]
        assert via_service(client, claim, checker) == ""  # theirs to change again


def test_a_change_in_review_by_an_editor_tells_the_editors_told_of_the_submission_at_each_door(client, people):
    checker, editor = people["checker"], people["editor"]
    reviewer = factories.EditorFactory()
    for door, attempt in DOORS.items():
        claim = workflow.apply(claim_in(S.RESEARCHING, checker), checker, "submit")
        assert attempt(client, claim, editor) == "" or door == "admin change form"
        assert Claim.objects.get(pk=claim.pk).statement == NEW_STATEMENT, door
        told = Notification.objects.filter(claim=claim, kind=Notification.Kind.CHANGED_IN_REVIEW)
        assert {n.recipient for n in told} == {reviewer, people["admin"]}, door  # not the editor who changed it
        # The editor is now a researcher of this round: another editor must publish.
        assert workflow.forbidden_reasons(Claim.objects.get(pk=claim.pk), editor, "publish"), door
        assert workflow.forbidden_reasons(Claim.objects.get(pk=claim.pk), reviewer, "publish") == [], door


def test_the_whole_verdict_two_person_rule_at_the_bulk_action_and_command_doors(admin_client, admin_user, people):
    checker = people["checker"]
    rewritten = workflow.apply(claim_in(S.RESEARCHING, checker), checker, "submit")
    services.update_claim(rewritten, user=admin_user, expected_version=rewritten.version,
                          changes={"rationale": "Rewritten by the admin; the label is kept."})
    untouched = workflow.apply(claim_in(S.RESEARCHING, checker), checker, "submit")
    response = admin_client.post(reverse("admin:annotations_claim_changelist"), {
        "action": "move_to_state", "_selected_action": [rewritten.pk, untouched.pk], "index": "0",
        "apply": "Apply", "status": S.PUBLISHED,
    })
    assert Claim.objects.get(pk=rewritten.pk).status == S.IN_REVIEW
    assert Claim.objects.get(pk=untouched.pk).status == S.PUBLISHED
    assert any(f"#{rewritten.pk}" in text and "two-person rule" in text for text in messages_of(response))

    with pytest.raises(CommandError, match="two-person rule"):
        call_command("claim", "transition", str(rewritten.pk), "publish", "--user", admin_user.username)
    call_command("claim", "transition", str(rewritten.pk), "publish", "--user", people["editor"].username,
                 stdout=io.StringIO())
    assert Claim.objects.get(pk=rewritten.pk).status == S.PUBLISHED


# --- the claim policy's "change" rule, three ways --------------------------------------------------


def test_the_change_rule_answers_the_three_questions_alike(people):
    checker, other, editor = people["checker"], people["other_checker"], people["editor"]
    claims = {
        "new": claim_in(S.NEW),
        "mine": claim_in(S.RESEARCHING, checker),
        "others": claim_in(S.RESEARCHING, other),
        "mine in review": claim_in(S.IN_REVIEW, checker),
        "editors in review": claim_in(S.IN_REVIEW, editor),
        "published": claim_in(S.PUBLISHED),  # the policy asks who; the lock is the services'
    }
    expected = {
        checker: {"new", "mine", "published"},
        editor: {"new", "mine", "others", "mine in review", "published"},
    }
    for user, allowed in expected.items():
        may = claim_policy.user_has_permission_for_instance
        per_claim = {name for name, claim in claims.items() if may(user, "change", claim)}
        queryset = set(claim_policy.instances_user_has_permission_for(user, "change").values_list("pk", flat=True))
        assert per_claim == allowed
        assert queryset == {claims[name].pk for name in allowed}
    who = set(claim_policy.users_with_permission_for_instance("change", claims["mine"]))
    assert checker in who and editor in who and other not in who


def test_comments_stay_open_in_every_state(people):
    for status in (S.IN_REVIEW, S.PUBLISHED, S.DISMISSED):
        claim = claim_in(status, people["checker"])
        services.add_comment(claim, user=people["other_checker"], body="A question for the desk.")
        assert claim.comments.count() == 1
