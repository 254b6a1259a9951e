"""Review pages over real HTTP: the role × transition matrix, the claim actions partial, queues and nav."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from annotations.models import Claim, ClaimEvent, ClaimStatus, Notification
from tests import factories
from tests.factories import rating

pytestmark = pytest.mark.django_db

S = ClaimStatus
HTMX = {"HTTP_HX_REQUEST": "true"}


def transition_url(claim: Claim, name: str) -> str:
    return reverse("review:transition", args=[claim.pk, name])


# --- the permission matrix ------------------------------------------------------------------

ROLES = ["anonymous", "reader", "fact_checker", "other_fact_checker", "editor", "editor_who_set_verdict", "admin"]

#: For each transition: the claim's starting status, the POST data, the status it ends in, and who may do it.
TRANSITION_SETUPS = {
    "take": (S.NEW, {}, S.RESEARCHING),
    "assign": (S.NEW, {"assignee": "<fact_checker>"}, S.RESEARCHING),
    "submit": (S.RESEARCHING, {"note": "Ready for review."}, S.IN_REVIEW),
    "request_changes": (S.IN_REVIEW, {"note": "Cite the Q3 table."}, S.RESEARCHING),
    "publish": (S.IN_REVIEW, {}, S.PUBLISHED),
    "dismiss": (S.NEW, {"note": "Opinion, not checkable."}, S.DISMISSED),
    "reopen": (S.DISMISSED, {}, S.RESEARCHING),
    "withdraw": (S.IN_REVIEW, {}, S.RESEARCHING),
}

EDITORS = {"editor", "editor_who_set_verdict", "admin"}
ALLOWED = {
    # take: a New claim with no assignee is open to every fact-checker and editor.
    "take": {"fact_checker", "other_fact_checker", *EDITORS},
    "assign": EDITORS,
    # submit: the assignee (fact_checker) or any editor; another fact-checker may not.
    "submit": {"fact_checker", *EDITORS},
    "request_changes": EDITORS,
    # publish: editors, except the one who set the verdict (two-person rule).
    "publish": {"editor", "admin"},
    "dismiss": EDITORS,
    "reopen": EDITORS,
    # withdraw: the assignee (fact_checker) or an editor; another fact-checker may not.
    "withdraw": {"fact_checker", *EDITORS},
}


@pytest.fixture
def people(db):
    return {
        "reader": factories.UserFactory(),
        "fact_checker": factories.FactCheckerFactory(),
        "other_fact_checker": factories.FactCheckerFactory(),
        "editor": factories.EditorFactory(),
        "editor_who_set_verdict": factories.EditorFactory(),
        "admin": factories.AdminFactory(),
    }


def prepared_claim(name: str, role: str, people) -> Claim:
    """A claim where everything but the user's role is in order for ``name``."""
    status = TRANSITION_SETUPS[name][0]
    verdict_by = people["editor_who_set_verdict"] if role == "editor_who_set_verdict" else people["fact_checker"]
    claim = factories.ClaimFactory(
        status=status,
        assignee=None if name in ("take", "assign") else people["fact_checker"],
        verdict=rating("false"),
        rationale="The statistics office reports 7.1 percent.",
        verdict_by=verdict_by,
    )
    factories.SourceFactory(claim=claim)
    return claim


def post_data(name: str, claim: Claim, people) -> dict[str, str]:
    data = {"version": str(claim.version)}
    for key, value in TRANSITION_SETUPS[name][1].items():
        if value == "<fact_checker>":
            value = str(people["fact_checker"].pk)
        elif value == "<true>":
            value = str(rating("true").pk)
        data[key] = value
    return data


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", list(TRANSITION_SETUPS))
def test_permission_matrix_over_http(client, people, role, name):
    claim = prepared_claim(name, role, people)
    if role != "anonymous":
        client.force_login(people[role])
    response = client.post(transition_url(claim, name), post_data(name, claim, people), **HTMX)
    claim.refresh_from_db()
    start, _, end = TRANSITION_SETUPS[name]

    if role == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
        assert claim.status == start
    elif role in ALLOWED[name]:
        assert response.status_code == 200, response.content.decode()
        assert claim.status == end
        assert json.loads(response["HX-Trigger"]) == {"claim-changed": {"id": claim.pk}}
    elif role == "reader" and start != S.PUBLISHED:
        # Readers see published work only: for them an unpublished claim does not exist.
        assert response.status_code == 404
        assert claim.status == start
        assert claim.rationale not in response.content.decode()
    else:
        assert response.status_code == 403
        assert claim.status == start
        assert claim.version == 1
        assert 'role="alert"' in response.content.decode()


#: A role refused each step (readers only where the claim is published: other claims are 404 to them).
REFUSED_ROLE = {name: "fact_checker" if "fact_checker" not in allowed else "other_fact_checker"
                for name, allowed in ALLOWED.items()}


@pytest.mark.parametrize("name", list(TRANSITION_SETUPS))
def test_forbidden_direct_posts_without_htmx_get_a_403_page_with_the_reason(client, people, name):
    role = REFUSED_ROLE[name]
    if role in ALLOWED[name]:
        pytest.skip(f"every desk role may {name}; readers cannot see the unpublished claim (404)")
    claim = prepared_claim(name, role, people)
    client.force_login(people[role])
    response = client.post(transition_url(claim, name), post_data(name, claim, people))
    assert response.status_code == 403
    assert "That step was not taken" in response.content.decode()
    claim.refresh_from_db()
    assert claim.status == TRANSITION_SETUPS[name][0]


def test_a_fact_checker_posting_publish_directly_is_told_why(client, people):
    claim = prepared_claim("publish", "fact_checker", people)
    client.force_login(people["fact_checker"])
    response = client.post(transition_url(claim, "publish"))
    assert response.status_code == 403
    assert "Only editors can publish claims" in response.content.decode()


def test_the_editor_who_set_the_verdict_is_told_about_the_two_person_rule(client, people):
    claim = prepared_claim("publish", "editor_who_set_verdict", people)
    client.force_login(people["editor_who_set_verdict"])
    response = client.post(transition_url(claim, "publish"), **HTMX)
    assert response.status_code == 403
    assert "another editor must publish it (two-person rule)" in response.content.decode()


# --- the transition endpoint ----------------------------------------------------------------


def test_missing_preconditions_answer_400_with_every_reason(checker_client, fact_checker):
    claim = factories.ClaimFactory(status=S.RESEARCHING, assignee=fact_checker)
    response = checker_client.post(transition_url(claim, "submit"), {"version": claim.version}, **HTMX)
    assert response.status_code == 400
    content = response.content.decode()
    assert 'role="alert"' in content
    for reason in ("Choose a verdict", "Write a rationale", "Add at least one source"):
        assert reason in content
    assert "HX-Trigger" not in response


def test_plain_post_success_redirects_back_with_a_message(editor_client, fact_checker):
    claim = factories.ClaimFactory(status=S.NEW)
    data = {"note": "Opinion.", "version": claim.version}
    response = editor_client.post(transition_url(claim, "dismiss"), data, follow=True)
    assert response.redirect_chain[0][0] == f"/articles/{claim.article_id}/?claim={claim.pk}#claim-{claim.pk}"
    assert "Dismiss: done. The claim is now Dismissed." in response.content.decode()


def test_plain_post_honours_a_safe_next_url_only(editor_client):
    claim = factories.ClaimFactory(status=S.NEW)
    response = editor_client.post(transition_url(claim, "take"), {"next": "/review/my-claims/", "version": 1})
    assert response["Location"] == "/review/my-claims/"
    claim = factories.ClaimFactory(status=S.NEW)
    response = editor_client.post(transition_url(claim, "take"), {"next": "https://evil.example/", "version": 1})
    assert response["Location"] == f"/articles/{claim.article_id}/?claim={claim.pk}#claim-{claim.pk}"


def test_get_is_not_allowed(editor_client):
    claim = factories.ClaimFactory()
    assert editor_client.get(transition_url(claim, "take")).status_code == 405


def test_unknown_step_is_a_404(editor_client):
    claim = factories.ClaimFactory()
    assert editor_client.post(transition_url(claim, "launch"), **HTMX).status_code == 404


def test_a_stale_page_gets_409_and_the_current_state(checker_client, fact_checker):
    claim = factories.ClaimFactory(status=S.NEW, version=3)
    response = checker_client.post(transition_url(claim, "take"), {"version": "2"}, **HTMX)
    assert response.status_code == 409
    assert "changed by someone else" in response.content.decode()
    claim.refresh_from_db()
    assert claim.status == S.NEW


def test_an_unknown_assignee_is_a_clear_400(editor_client):
    claim = factories.ClaimFactory(status=S.NEW)
    response = editor_client.post(transition_url(claim, "assign"), {"assignee": "999999", "version": 1}, **HTMX)
    assert response.status_code == 400
    assert "Choose someone from the list to assign this claim to." in response.content.decode()


def test_a_bad_form_from_a_forbidden_user_is_still_403(checker_client):
    claim = factories.ClaimFactory(status=S.NEW)
    response = checker_client.post(transition_url(claim, "assign"), {"assignee": "nope"}, **HTMX)
    assert response.status_code == 403


def test_success_rerenders_the_partial_with_the_next_steps(editor_client, fact_checker):
    claim = factories.ClaimFactory(status=S.IN_REVIEW, verdict=rating("false"), rationale="R.", verdict_by=fact_checker)
    factories.SourceFactory(claim=claim)
    response = editor_client.post(transition_url(claim, "publish"), {"version": claim.version}, **HTMX)
    content = response.content.decode()
    assert response.status_code == 200
    assert f'id="claim-actions-{claim.pk}"' in content
    assert "Status: Published" in content
    assert "No review steps are open to you" in content  # published: it changes only through a correction
    assert "In review → Published" in content  # the timeline


# --- the claim actions partial --------------------------------------------------------------


def render_partial(claim, user) -> str:
    from django.template.loader import render_to_string
    from django.test import RequestFactory

    from annotations.review_context import review_actions_for

    request = RequestFactory().get("/")
    request.user = user
    context = {"claim": claim, "user": user, "review": review_actions_for(claim, user)}
    return render_to_string("review/_claim_actions.html", context, request=request)


BUTTONS = {
    "take": ">Take this claim</button>",
    "submit": ">Submit for review</button>",
    "publish": ">Publish</button>",
    "request_changes": ">Request changes</button>",
    "dismiss": ">Dismiss</button>",
    "assign": ">Assign</button>",
    "reopen": ">Reopen</button>",
    "withdraw": ">Withdraw from review</button>",
}


def offered(html: str) -> set[str]:
    return {name for name, button in BUTTONS.items() if button in html}


def test_partial_offers_a_fact_checker_only_their_allowed_steps(fact_checker):
    claim = factories.ClaimFactory(status=S.RESEARCHING, assignee=fact_checker)
    assert offered(render_partial(claim, fact_checker)) == {"submit"}
    claim = factories.ClaimFactory(status=S.IN_REVIEW, assignee=fact_checker, verdict=rating("true"))
    assert offered(render_partial(claim, fact_checker)) == {"withdraw"}  # review is a handover


def test_partial_offers_an_editor_review_steps(editor, fact_checker):
    claim = factories.ClaimFactory(status=S.IN_REVIEW, verdict=rating("true"), verdict_by=fact_checker)
    assert offered(render_partial(claim, editor)) == {"publish", "request_changes", "withdraw"}


def test_partial_hides_publish_from_the_editor_who_set_the_verdict_and_says_why(editor):
    claim = factories.ClaimFactory(status=S.IN_REVIEW, verdict=rating("true"), verdict_by=editor)
    html = render_partial(claim, editor)
    assert offered(html) == {"request_changes", "withdraw"}
    assert "two-person rule" in html


def test_partial_lists_what_is_missing_before_submitting(fact_checker):
    claim = factories.ClaimFactory(status=S.RESEARCHING, assignee=fact_checker, verdict=rating("true"))
    html = render_partial(claim, fact_checker)
    assert "Still missing:" in html
    assert "Add at least one source before submitting for review." in html
    assert "Choose a verdict" not in html


def test_partial_shows_the_timeline_and_the_verdict_history(editor, fact_checker):
    from annotations import claim_corrections, workflow

    claim = factories.ClaimFactory(status=S.NEW, verdict_by=fact_checker)
    claim = workflow.apply(claim, editor, "assign", assignee=fact_checker, note="Yours.")
    Claim.objects.filter(pk=claim.pk).update(verdict=rating("false"), rationale="Wrong figure.")
    factories.SourceFactory(claim=claim)
    claim = workflow.apply(claim, fact_checker, "submit")
    claim = workflow.apply(claim, factories.EditorFactory(), "publish")
    correction = claim_corrections.propose_correction(
        claim, user=fact_checker, changes={"verdict": rating("half-true")}, note="New data from the office.",
        expected_version=claim.version,
    )
    claim = claim_corrections.publish_correction(correction, user=editor)
    html = render_partial(claim, editor)
    assert "New → Researching" in html
    assert "Researching → In review" in html
    assert "In review → Published" in html
    assert "Yours." in html
    assert "Corrections" in html
    assert "Public note: New data from the office." in html
    assert "<strong>False</strong> to <strong>Half true</strong>" in html


def test_partial_escapes_user_text(editor, fact_checker):
    from annotations import workflow

    claim = factories.ClaimFactory(status=S.NEW)
    workflow.apply(claim, editor, "dismiss", note="<script>alert(1)</script>")
    claim.refresh_from_db()
    html = render_partial(claim, editor)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_partial_renders_with_a_constant_number_of_queries(editor, fact_checker, django_assert_max_num_queries):
    from annotations import workflow

    claim = factories.ClaimFactory(status=S.NEW)
    claim = workflow.apply(claim, editor, "assign", assignee=fact_checker)
    with CaptureQueriesContext(connection) as few:
        render_partial(claim, editor)
    for index in range(10):
        workflow.apply(claim, editor, "assign", assignee=fact_checker if index % 2 else editor)
    claim.refresh_from_db()
    with django_assert_max_num_queries(len(few.captured_queries)):
        render_partial(claim, editor)


# --- queues ---------------------------------------------------------------------------------


def in_review(verdict_by, *, submitted_days_ago: int, **fields) -> Claim:
    from datetime import timedelta

    from django.utils import timezone

    claim = factories.ClaimFactory(
        status=S.IN_REVIEW, verdict=rating("false"), rationale="R.", verdict_by=verdict_by,
        submitted_at=timezone.now() - timedelta(days=submitted_days_ago), **fields,
    )
    factories.SourceFactory(claim=claim)
    return claim


def test_review_queue_lists_claims_oldest_first_and_sets_aside_my_own_verdicts(editor_client, editor, fact_checker):
    newer = in_review(fact_checker, submitted_days_ago=1, statement="Newer claim")
    older = in_review(fact_checker, submitted_days_ago=5, statement="Older claim")
    mine = in_review(editor, submitted_days_ago=9, statement="Claim I checked myself")
    factories.ClaimFactory(status=S.RESEARCHING, statement="Still researching")
    response = editor_client.get(reverse("review:queue"))
    assert response.status_code == 200
    assert [c.pk for c in response.context["claims"]] == [older.pk, newer.pk]
    assert [c.pk for c in response.context["needs_other_editor"]] == [mine.pk]
    content = response.content.decode()
    assert "Needs another editor" in content
    assert "Still researching" not in content
    assert f'href="/articles/{older.article_id}/?claim={older.pk}#claim-{older.pk}"' in content


def test_an_editor_who_rewrote_a_submitted_claim_finds_it_set_aside_for_another_editor(
    editor_client, editor, fact_checker
):
    claim = in_review(fact_checker, submitted_days_ago=2, statement="Rewritten in review")
    untouched = in_review(fact_checker, submitted_days_ago=1, statement="Untouched")
    factories.ClaimEventFactory(
        claim=claim, actor=editor, kind=ClaimEvent.Kind.EDITED, field="rationale", old_value="a", new_value="b"
    )
    response = editor_client.get(reverse("review:queue"))
    assert [c.pk for c in response.context["claims"]] == [untouched.pk]
    assert [c.pk for c in response.context["needs_other_editor"]] == [claim.pk]


def test_review_queue_is_for_editors(checker_client):
    assert checker_client.get(reverse("review:queue")).status_code == 403


def test_my_claims_groups_my_assigned_claims_by_status(checker_client, fact_checker):
    researching = factories.ClaimFactory(status=S.RESEARCHING, assignee=fact_checker, statement="Researching one")
    waiting = factories.ClaimFactory(
        status=S.IN_REVIEW, assignee=fact_checker, verdict=rating("true"), statement="Waiting one"
    )
    published = factories.ClaimFactory(
        status=S.PUBLISHED, assignee=fact_checker, verdict=rating("true"), statement="Published one"
    )
    factories.ClaimFactory(status=S.RESEARCHING, assignee=factories.FactCheckerFactory(), statement="Not mine")
    response = checker_client.get(reverse("review:my_claims"))
    assert response.status_code == 200
    groups = {g["status"]: [c.pk for c in g["claims"]] for g in response.context["groups"]}
    assert groups == {S.RESEARCHING: [researching.pk], S.NEW: [], S.IN_REVIEW: [waiting.pk]}
    assert [c.pk for c in response.context["finished"]] == [published.pk]
    assert "Not mine" not in response.content.decode()


def test_desk_counts_claims_per_status_and_assignee(checker_client, fact_checker):
    other = factories.FactCheckerFactory(first_name="Olga", last_name="Other")
    factories.ClaimFactory(status=S.NEW)
    factories.ClaimFactory(status=S.RESEARCHING, assignee=fact_checker)
    factories.ClaimFactory(status=S.RESEARCHING, assignee=fact_checker)
    factories.ClaimFactory(status=S.PUBLISHED, assignee=other, verdict=rating("true"))
    response = checker_client.get(reverse("review:desk"))
    assert response.status_code == 200
    by_status = {row["status"]: row["count"] for row in response.context["status_rows"]}
    assert by_status == {S.NEW: 1, S.RESEARCHING: 2, S.IN_REVIEW: 0, S.PUBLISHED: 1, S.DISMISSED: 0}
    by_person = {row["name"]: (row["total"], row["n_researching"]) for row in response.context["assignee_rows"]}
    assert by_person == {fact_checker.username: (2, 2), "Olga Other": (1, 0), "Unassigned": (1, 0)}
    assert response.context["totals"]["unassigned_open"] == 1


def test_readers_have_no_desk_or_claims(client):
    client.force_login(factories.UserFactory())
    assert client.get(reverse("review:desk")).status_code == 403
    assert client.get(reverse("review:my_claims")).status_code == 403


def _populate(count: int, fact_checker, editor) -> None:
    for index in range(count):
        article = factories.ArticleFactory()
        owner = fact_checker if index % 2 else factories.FactCheckerFactory()
        in_review(owner, submitted_days_ago=index, article=article, assignee=owner)
        factories.ClaimFactory(article=article, status=S.RESEARCHING, assignee=fact_checker)
        factories.ClaimFactory(article=article, status=S.PUBLISHED, assignee=fact_checker, verdict=rating("true"))
        factories.NotificationFactory(recipient=editor, claim=factories.ClaimFactory(article=article))


@pytest.mark.parametrize("url_name", ["review:queue", "review:my_claims", "review:desk", "review:notifications"])
def test_review_pages_cost_constant_queries(client, editor, fact_checker, url_name, django_assert_max_num_queries):
    viewer = fact_checker if url_name == "review:my_claims" else editor
    client.force_login(viewer)
    _populate(2, fact_checker, editor)
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse(url_name)).status_code == 200
    _populate(12, fact_checker, editor)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(reverse(url_name)).status_code == 200


#: Exact queries per review page, whatever the number of claims and notifications (session,
#: user, role, the page's selectors, the navigation's unread count).
PAGE_QUERIES = {"review:queue": 6, "review:my_claims": 4, "review:desk": 6, "review:notifications": 3}


@pytest.mark.parametrize("url_name", sorted(PAGE_QUERIES))
def test_review_pages_cost_an_exact_number_of_queries(client, editor, fact_checker, url_name,
                                                       django_assert_num_queries):
    client.force_login(fact_checker if url_name == "review:my_claims" else editor)
    _populate(1, fact_checker, editor)
    with django_assert_num_queries(PAGE_QUERIES[url_name]):
        assert client.get(reverse(url_name)).status_code == 200
    _populate(15, fact_checker, editor)
    with django_assert_num_queries(PAGE_QUERIES[url_name]):
        assert client.get(reverse(url_name)).status_code == 200


def test_the_partial_after_a_step_costs_the_same_queries_however_long_the_history(
    editor_client, editor, fact_checker, django_assert_max_num_queries
):
    from annotations import workflow

    claim = factories.ClaimFactory(status=S.NEW)
    url = reverse("review:transition", args=[claim.pk, "assign"])
    claim = workflow.apply(claim, editor, "assign", assignee=editor)
    with CaptureQueriesContext(connection) as few:
        response = editor_client.post(url, {"assignee": fact_checker.pk, "version": claim.version}, **HTMX)
    assert response.status_code == 200
    claim.refresh_from_db()
    for index in range(9):  # ends assigned to the editor, so the step below is allowed again
        claim = workflow.apply(claim, editor, "assign", assignee=fact_checker if index % 2 else editor)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = editor_client.post(url, {"assignee": fact_checker.pk, "version": claim.version}, **HTMX)
    assert response.status_code == 200


# --- navigation and notifications -----------------------------------------------------------


def test_the_notifications_page_shows_an_admin_only_their_own(client, admin_user):
    factories.NotificationFactory(recipient=admin_user, message="For the admin")
    factories.NotificationFactory(message="For a fact-checker")
    client.force_login(admin_user)
    content = client.get(reverse("review:notifications")).content.decode()
    assert "For the admin" in content and "For a fact-checker" not in content


def test_nav_links_follow_the_role(client, editor, fact_checker):
    client.force_login(fact_checker)
    content = client.get(reverse("review:my_claims")).content.decode()
    assert 'href="/review/my-claims/"' in content and 'href="/review/desk/"' in content
    assert 'href="/review/queue/"' not in content
    client.force_login(editor)
    content = client.get(reverse("review:my_claims")).content.decode()
    assert 'href="/review/queue/"' in content


def test_nav_shows_the_unread_notification_count(editor_client, editor):
    factories.NotificationFactory(recipient=editor)
    factories.NotificationFactory(recipient=editor)
    factories.NotificationFactory(recipient=editor, read_at="2024-01-01T00:00:00Z")
    content = editor_client.get(reverse("review:notifications")).content.decode()
    assert 'aria-label="Notifications (2 unread)"' in content
    assert '<span class="badge" data-unread="2">2</span>' in content


def test_notifications_page_lists_mine_and_marks_them_read(editor_client, editor):
    mine = factories.NotificationFactory(recipient=editor, message="Please review the bridge claim")
    factories.NotificationFactory(message="Someone else's news")
    content = editor_client.get(reverse("review:notifications")).content.decode()
    assert "Please review the bridge claim" in content
    assert "Someone else&#x27;s news" not in content and "Someone else's news" not in content
    response = editor_client.post(reverse("review:notification_read", args=[mine.pk]))
    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.read_at is not None


def test_cannot_mark_someone_elses_notification(editor_client):
    theirs = factories.NotificationFactory()
    assert editor_client.post(reverse("review:notification_read", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_all_read_only_touches_mine(editor_client, editor):
    factories.NotificationFactory(recipient=editor)
    factories.NotificationFactory(recipient=editor)
    theirs = factories.NotificationFactory()
    editor_client.post(reverse("review:notifications_read_all"))
    assert not Notification.objects.filter(recipient=editor, read_at__isnull=True).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_review_history_is_recorded_through_http(client, people):
    """The demo path: submit, get refused as the verdict's own editor, publish as another editor."""
    checker, editor = people["fact_checker"], people["editor"]
    claim = factories.ClaimFactory(
        status=S.RESEARCHING, assignee=checker, verdict=rating("false"), rationale="R.", verdict_by=checker
    )
    factories.SourceFactory(claim=claim)
    client.force_login(checker)
    assert client.post(transition_url(claim, "submit"), {"version": claim.version}, **HTMX).status_code == 200
    assert Notification.objects.filter(recipient=editor, kind=Notification.Kind.SUBMITTED).exists()
    client.force_login(editor)
    claim.refresh_from_db()
    assert client.post(transition_url(claim, "publish"), {"version": claim.version}, **HTMX).status_code == 200
    steps = list(
        ClaimEvent.objects.filter(claim_ref=claim.pk, kind="transition")
        .values_list("from_status", "to_status", "actor")
    )
    assert steps == [(S.RESEARCHING, S.IN_REVIEW, checker.pk), (S.IN_REVIEW, S.PUBLISHED, editor.pk)]


def test_review_queue_pages_a_long_queue(editor_client):
    from django.utils import timezone

    from annotations.review_views import GROUP_LIMIT

    article = factories.ArticleFactory()
    factories.ClaimFactory.create_batch(
        GROUP_LIMIT + 3, article=article, status=ClaimStatus.IN_REVIEW, submitted_at=timezone.now()
    )
    first = editor_client.get("/review/queue/")
    assert first.status_code == 200
    assert len(first.context["claims"]) == GROUP_LIMIT
    assert f"Waiting for your review ({GROUP_LIMIT + 3})" in first.content.decode()
    second = editor_client.get("/review/queue/?page=2")
    assert len(second.context["claims"]) == 3


def test_my_claims_shows_the_oldest_of_a_long_group_and_the_full_count(client, fact_checker):
    from annotations.review_views import MY_CLAIMS_GROUP_LIMIT as LIMIT

    factories.ClaimFactory.create_batch(LIMIT + 2, assignee=fact_checker, status=ClaimStatus.RESEARCHING)
    client.force_login(fact_checker)
    response = client.get("/review/my-claims/")
    group = next(g for g in response.context["groups"] if g["status"] == ClaimStatus.RESEARCHING)
    assert (len(group["claims"]), group["count"]) == (LIMIT, LIMIT + 2)
    assert f"of {LIMIT + 2}." in response.content.decode()


# --- notifications close the loop (issue 14) ------------------------------------------------------


def unread_about(user, claim) -> list[str]:
    return sorted(Notification.objects.filter(recipient=user, claim=claim, read_at__isnull=True)
                  .values_list("kind", flat=True))


def test_opening_a_claim_from_its_notification_marks_all_of_mine_about_it_read(editor_client, editor):
    claim = factories.ClaimFactory()
    first = factories.NotificationFactory(recipient=editor, claim=claim, kind=Notification.Kind.SUBMITTED)
    factories.NotificationFactory(recipient=editor, claim=claim, kind=Notification.Kind.CHANGED_IN_REVIEW)
    elsewhere = factories.NotificationFactory(recipient=editor)
    theirs = factories.NotificationFactory(claim=claim)
    response = editor_client.get(reverse("review:notification_open", args=[first.pk]))
    assert response.status_code == 302
    assert response["Location"] == f"/articles/{claim.article_id}/?claim={claim.pk}#claim-{claim.pk}"
    assert unread_about(editor, claim) == []
    elsewhere.refresh_from_db()
    theirs.refresh_from_db()
    assert elsewhere.read_at is None and theirs.read_at is None


def test_opening_someone_elses_notification_is_not_found(editor_client):
    theirs = factories.NotificationFactory()
    assert editor_client.get(reverse("review:notification_open", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_a_summary_notification_opens_my_claims(checker_client, fact_checker):
    summary = Notification.objects.create(
        recipient=fact_checker, kind=Notification.Kind.ASSIGNED_SUMMARY, message="You were assigned 3 claims."
    )
    response = checker_client.get(reverse("review:notification_open", args=[summary.pk]))
    assert response["Location"] == reverse("review:my_claims")
    summary.refresh_from_db()
    assert summary.read_at is not None


def test_the_notifications_page_numbers_claims_and_links_through_the_open_step(editor_client, editor):
    claim = factories.ClaimFactory()
    item = factories.NotificationFactory(recipient=editor, claim=claim, kind=Notification.Kind.CORRECTED,
                                         message="Erin published a correction to <b>this</b>")
    content = editor_client.get(reverse("review:notifications")).content.decode()
    assert f'<span class="claim-ref-number">#{claim.pk}</span>' in content
    assert f'href="/review/notifications/{item.pk}/open/"' in content
    assert "Verdict corrected" in content and "&lt;b&gt;this&lt;/b&gt;" in content
    assert 'href="/review/notifications/settings/"' in content


@pytest.mark.parametrize(("name", "actor", "start"), [
    ("take", "fact_checker", S.NEW),
    ("submit", "fact_checker", S.RESEARCHING),
    ("withdraw", "fact_checker", S.IN_REVIEW),
    ("publish", "editor", S.IN_REVIEW),
])
def test_acting_on_a_claim_marks_my_notifications_about_it_read(client, people, name, actor, start):
    user = people[actor]
    claim = factories.ClaimFactory(
        status=start, assignee=None if name == "take" else people["fact_checker"], verdict=rating("false"),
        rationale="R.", verdict_by=people["fact_checker"],
    )
    factories.SourceFactory(claim=claim)
    factories.NotificationFactory(recipient=user, claim=claim, kind=Notification.Kind.CHANGES_REQUESTED)
    other = factories.NotificationFactory(recipient=user, kind=Notification.Kind.ASSIGNED)
    client.force_login(user)
    response = client.post(transition_url(claim, name), {"version": claim.version}, **HTMX)
    assert response.status_code == 200, response.content.decode()
    assert unread_about(user, claim) == []
    other.refresh_from_db()
    assert other.read_at is None


def test_a_refused_step_leaves_my_notifications_unread(checker_client, fact_checker):
    claim = factories.ClaimFactory(status=S.RESEARCHING, assignee=fact_checker)  # no verdict: cannot submit
    factories.NotificationFactory(recipient=fact_checker, claim=claim)
    assert checker_client.post(transition_url(claim, "submit"), {"version": claim.version}, **HTMX).status_code == 400
    assert unread_about(fact_checker, claim) == [Notification.Kind.ASSIGNED]


def test_email_settings_show_the_defaults_and_save_a_choice(checker_client, fact_checker):
    from annotations.models import NotificationPreference

    response = checker_client.get(reverse("review:notification_settings"))
    assert response.status_code == 200
    checked = set(response.context["form"]["email_kinds"].value())
    assert checked == set(NotificationPreference.DEFAULT_EMAIL_KINDS)
    response = checker_client.post(
        reverse("review:notification_settings"), {"email_kinds": ["mentioned", "corrected"]}
    )
    assert response.status_code == 302
    assert NotificationPreference.objects.get(user=fact_checker).email_kinds == ["corrected", "mentioned"]
    shown = checker_client.get(reverse("review:notification_settings")).context["form"]["email_kinds"].value()
    assert set(shown) == {"corrected", "mentioned"}


def test_email_settings_refuse_an_unknown_kind_and_change_nothing(checker_client, fact_checker):
    from annotations.models import NotificationPreference

    response = checker_client.post(reverse("review:notification_settings"), {"email_kinds": ["spam"]})
    assert response.status_code == 400
    assert "Choose notification kinds from the list." in response.content.decode()
    assert not NotificationPreference.objects.exists()


def test_email_settings_cost_a_fixed_number_of_queries(checker_client, django_assert_num_queries):
    checker_client.get(reverse("review:notification_settings"))
    # signing in (session, user and role in one), the preference, the navigation's unread count
    with django_assert_num_queries(3):
        assert checker_client.get(reverse("review:notification_settings")).status_code == 200


# --- "changes requested" stands out -------------------------------------------------------------


def sent_back(checker, editor, **fields) -> Claim:
    from annotations import workflow

    claim = factories.ClaimFactory(
        status=S.IN_REVIEW, assignee=checker, verdict=rating("false"), rationale="R.", verdict_by=checker, **fields
    )
    factories.SourceFactory(claim=claim)
    return workflow.apply(claim, editor, "request_changes", note="Cite the Q3 table.")


def test_my_claims_badges_the_claims_an_editor_sent_back(checker_client, fact_checker, editor):
    from annotations import workflow

    back = sent_back(fact_checker, editor, statement="Sent back")
    plain = factories.ClaimFactory(status=S.RESEARCHING, assignee=fact_checker, statement="Plain research")
    withdrawn = factories.ClaimFactory(
        status=S.IN_REVIEW, assignee=fact_checker, verdict=rating("false"), statement="Withdrawn by me"
    )
    workflow.apply(withdrawn, fact_checker, "withdraw", note="One more source.")
    response = checker_client.get(reverse("review:my_claims"))
    [researching] = [g for g in response.context["groups"] if g["status"] == S.RESEARCHING]
    assert {c.pk: c.changes_requested for c in researching["claims"]} == {
        back.pk: True, plain.pk: False, withdrawn.pk: False,
    }
    content = response.content.decode()
    assert content.count('<span class="changes-badge">Changes requested</span>') == 1


def test_the_queue_badges_a_claim_resubmitted_after_changes_were_requested(editor_client, fact_checker, editor):
    from annotations import workflow

    other_editor = factories.EditorFactory()
    back = sent_back(fact_checker, other_editor, statement="Resubmitted one")
    workflow.apply(back, fact_checker, "submit")
    fresh = in_review(fact_checker, submitted_days_ago=1, statement="First submission")
    response = editor_client.get(reverse("review:queue"))
    assert {c.pk: c.changes_requested for c in response.context["claims"]} == {back.pk: True, fresh.pk: False}
    assert "Resubmitted after changes requested" in response.content.decode()


def test_queues_show_claims_by_their_permanent_number(editor_client, fact_checker):
    claim = in_review(fact_checker, submitted_days_ago=1, statement="Numbered claim")
    content = editor_client.get(reverse("review:queue")).content.decode()
    assert f'<span class="claim-ref-number">#{claim.pk}</span> Numbered claim' in content


def test_opening_a_notification_costs_a_fixed_number_of_queries(editor_client, editor, django_assert_num_queries):
    claim = factories.ClaimFactory()
    items = factories.NotificationFactory.create_batch(5, recipient=editor, claim=claim)
    # signing in (session, user and role), the notification with its claim, mark it read, mark the
    # claim's others read
    with django_assert_num_queries(4):
        assert editor_client.get(reverse("review:notification_open", args=[items[0].pk])).status_code == 302


# --- the desk overview at desk size: counts cached per desk version ------------------------------


def test_the_desk_counts_follow_every_claim_change_at_once(checker_client, fact_checker, editor):
    from annotations import workflow

    claim = factories.ClaimFactory(status=S.NEW)
    factories.ClaimFactory(status=S.RESEARCHING, assignee=fact_checker)

    def counts() -> dict:
        response = checker_client.get(reverse("review:desk"))
        return {row["status"]: row["count"] for row in response.context["status_rows"]}

    assert counts()[S.NEW] == 1
    workflow.apply(claim, editor, "assign", assignee=fact_checker)  # a change through the services
    assert (counts()[S.NEW], counts()[S.RESEARCHING]) == (0, 2)
    factories.ClaimFactory(status=S.DISMISSED)  # a new claim
    assert counts()[S.DISMISSED] == 1


def test_an_unchanged_desk_is_counted_once(checker_client, django_assert_max_num_queries):
    factories.ClaimFactory(status=S.NEW)
    with CaptureQueriesContext(connection) as first:
        assert checker_client.get(reverse("review:desk")).status_code == 200
    with django_assert_max_num_queries(len(first.captured_queries) - 2):  # no grouped count, no oldest
        assert checker_client.get(reverse("review:desk")).status_code == 200
