"""Admin bulk actions on claims: the same workflow rules, with skipped claims reported."""

from __future__ import annotations

import csv
import io

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from annotations.models import Claim, ClaimEvent, ClaimStatus, Notification
from tests import factories
from tests.factories import rating

pytestmark = pytest.mark.django_db

S = ClaimStatus
CHANGELIST = "admin:annotations_claim_changelist"


def act(client, action: str, claims: list[Claim], **data):
    payload = {"action": action, "_selected_action": [c.pk for c in claims], "index": "0", **data}
    return client.post(reverse(CHANGELIST), payload)


def messages_of(response) -> list[tuple[str, str]]:
    return [(m.level_tag, m.message) for m in get_messages(response.wsgi_request)]


def ready_claim(status: str, **fields) -> Claim:
    fields.setdefault("verdict", rating("false"))
    fields.setdefault("rationale", "The office reports 7.1 percent.")
    claim = factories.ClaimFactory(status=status, **fields)
    factories.SourceFactory(claim=claim)
    return claim


def test_assign_action_shows_an_intermediate_form_first(admin_client):
    claims = [factories.ClaimFactory(statement="Bridge cost claim")]
    response = act(admin_client, "assign_to_user", claims)
    assert response.status_code == 200
    content = response.content.decode()
    assert "Assign claims to a user" in content
    assert "Bridge cost claim" in content
    assert f'name="_selected_action" value="{claims[0].pk}"' in content
    assert not ClaimEvent.objects.filter(kind="assigned").exists()


def test_assign_action_assigns_what_it_may_and_reports_the_rest(admin_client, fact_checker):
    new = factories.ClaimFactory(status=S.NEW)
    researching = factories.ClaimFactory(status=S.RESEARCHING, assignee=factories.FactCheckerFactory())
    published = ready_claim(S.PUBLISHED)
    response = act(admin_client, "assign_to_user", [new, researching, published],
                   apply="Apply", assignee=fact_checker.pk, note="Bulk assignment.")
    assert response.status_code == 302
    new.refresh_from_db()
    researching.refresh_from_db()
    published.refresh_from_db()
    assert (new.status, new.assignee) == (S.RESEARCHING, fact_checker)
    assert researching.assignee == fact_checker
    assert published.assignee is None
    found = messages_of(response)
    assert ("success", f"Assigned 2 claims: #{new.pk}, #{researching.pk}.") in found
    skipped = [text for level, text in found if level == "warning"]
    assert len(skipped) == 1
    assert skipped[0].startswith(f"Skipped claim #{published.pk}")
    assert "only possible for claims that are New or Researching" in skipped[0]
    # A bulk assignment tells each person once: one summary listing both claims.
    [summary] = Notification.objects.filter(recipient=fact_checker)
    assert summary.kind == "assigned_summary" and f"#{new.pk}, #{researching.pk}" in summary.message


def test_assign_form_errors_are_shown_again(admin_client):
    claim = factories.ClaimFactory()
    response = act(admin_client, "assign_to_user", [claim], apply="Apply", assignee="")
    assert response.status_code == 200
    assert "This field is required" in response.content.decode()


def test_move_to_published_follows_the_two_person_rule_and_the_checklist(admin_client, admin_user, fact_checker):
    ok = ready_claim(S.IN_REVIEW, verdict_by=fact_checker)
    own_verdict = ready_claim(S.IN_REVIEW, verdict_by=admin_user)
    no_source = factories.ClaimFactory(
        status=S.IN_REVIEW, verdict=rating("true"), rationale="R.", verdict_by=fact_checker
    )
    still_new = factories.ClaimFactory(status=S.NEW)
    response = act(admin_client, "move_to_state", [ok, own_verdict, no_source, still_new],
                   apply="Apply", status=S.PUBLISHED)
    assert response.status_code == 302
    statuses = dict(Claim.objects.values_list("pk", "status"))
    assert statuses == {ok.pk: S.PUBLISHED, own_verdict.pk: S.IN_REVIEW, no_source.pk: S.IN_REVIEW, still_new.pk: S.NEW}
    found = dict((text.split(" ", 3)[2], text) for level, text in messages_of(response) if level == "warning")
    assert "two-person rule" in found[f"#{own_verdict.pk}"]
    assert "Add at least one source before publishing." in found[f"#{no_source.pk}"]
    assert "No workflow step leads from New to Published." in found[f"#{still_new.pk}"]
    assert ("success", f"Moved 1 claim: #{ok.pk}.") in messages_of(response)


def test_move_to_researching_requires_the_note_for_requested_changes(admin_client, fact_checker):
    claim = ready_claim(S.IN_REVIEW, verdict_by=fact_checker)
    response = act(admin_client, "move_to_state", [claim], apply="Apply", status=S.RESEARCHING)
    claim.refresh_from_db()
    assert claim.status == S.IN_REVIEW
    assert any("Write a note saying what needs to change." in text for _, text in messages_of(response))
    act(admin_client, "move_to_state", [claim], apply="Apply", status=S.RESEARCHING, note="Check Q3.")
    claim.refresh_from_db()
    assert claim.status == S.RESEARCHING


def test_move_refuses_a_state_no_step_leads_to(admin_client):
    claim = ready_claim(S.PUBLISHED)
    response = act(admin_client, "move_to_state", [claim], apply="Apply", status=S.NEW)
    assert any("No workflow step leads from Published to New." in text for _, text in messages_of(response))


def test_a_staff_fact_checker_is_refused_editor_steps_by_the_workflow(client):
    staff = factories.FactCheckerFactory(is_staff=True)
    client.force_login(staff)
    claim = factories.ClaimFactory(status=S.NEW)
    response = act(client, "dismiss_with_reason", [claim], apply="Apply", note="Opinion.")
    claim.refresh_from_db()
    assert claim.status == S.NEW
    assert any("Only editors can dismiss claims." in text for _, text in messages_of(response))


def test_dismiss_action_needs_a_reason_and_stores_it(admin_client):
    new = factories.ClaimFactory(status=S.NEW)
    in_review = ready_claim(S.IN_REVIEW)
    response = act(admin_client, "dismiss_with_reason", [new, in_review], apply="Apply", note="")
    assert response.status_code == 200  # the form asks for the reason
    response = act(admin_client, "dismiss_with_reason", [new, in_review], apply="Apply", note="Duplicate of #1.")
    new.refresh_from_db()
    in_review.refresh_from_db()
    assert (new.status, new.dismissal_reason) == (S.DISMISSED, "Duplicate of #1.")
    assert in_review.status == S.IN_REVIEW
    assert ("success", f"Dismissed 1 claim: #{new.pk}.") in messages_of(response)


def test_csv_export_of_the_selection(admin_client, fact_checker):
    claim = ready_claim(S.PUBLISHED, statement="=HYPERLINK(\"http://evil.example\")", claimant="Café owner",
                        assignee=fact_checker)
    other = factories.ClaimFactory(statement="-5 percent")
    factories.ClaimFactory(statement="Not selected")
    response = act(admin_client, "export_csv", [claim, other])
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    raw = b"".join(response.streaming_content)
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert [int(r["claim_id"]) for r in rows] == [claim.pk, other.pk]
    first = rows[0]
    assert first["statement"] == "'=HYPERLINK(\"http://evil.example\")"
    assert first["claimant"] == "Café owner"
    assert first["verdict"] == "False" and first["status"] == "Published"
    assert first["assignee"] == fact_checker.username
    source = claim.sources.get()
    assert first["sources"] == f"{source.url} [{source.stance}]"
    assert rows[1]["statement"] == "'-5 percent"


def test_csv_export_costs_constant_queries(admin_client, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    few = [ready_claim(S.PUBLISHED) for _ in range(2)]
    with CaptureQueriesContext(connection) as baseline:
        act(admin_client, "export_csv", few)
    many = [ready_claim(S.PUBLISHED) for _ in range(15)]
    with django_assert_max_num_queries(len(baseline.captured_queries)):
        act(admin_client, "export_csv", many)


def test_workflow_fields_are_read_only_in_the_change_form(admin_client):
    claim = ready_claim(S.PUBLISHED)
    response = admin_client.get(reverse("admin:annotations_claim_change", args=[claim.pk]))
    form = response.context["adminform"].form
    for name in ("status", "assignee", "verdict_by", "reviewed_by", "verdict", "rationale"):
        assert name not in form.fields, name


def test_editing_a_verdict_in_the_admin_records_who_set_it(admin_client, admin_user):
    claim = factories.ClaimFactory(status=S.RESEARCHING)
    url = reverse("admin:annotations_claim_change", args=[claim.pk])
    form = admin_client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k in form.fields}
    data.update({
        "verdict": rating("true").pk, "rationale": "Confirmed.",
        "sources-TOTAL_FORMS": "0", "sources-INITIAL_FORMS": "0",
        "comments-TOTAL_FORMS": "0", "comments-INITIAL_FORMS": "0",
        "events-TOTAL_FORMS": "0", "events-INITIAL_FORMS": "0",
    })
    data["article"] = claim.article_id
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    claim.refresh_from_db()
    assert claim.verdict == rating("true") and claim.verdict_by == admin_user
    assert ClaimEvent.objects.filter(claim_ref=claim.pk, kind="edited", field="verdict", new_value="True").exists()


def test_changelist_filters_by_status_verdict_assignee_outlet_and_date():
    from django.contrib import admin

    from annotations.models import Claim as ClaimModel

    model_admin = admin.site._registry[ClaimModel]
    flat = [f if isinstance(f, str) else f[0] for f in model_admin.list_filter]
    for name in ("status", "verdict", "assignee", "article__outlet", "created_at", "published_at"):
        assert name in flat
