"""One write path: whichever door a change comes through, the claim services' rules hold.

One section per entry point (the admin's change form, its source inline, its add form,
its delete view and bulk delete, the bulk workflow actions, the source and group admins,
``manage.py load_demo``, search's linking): each shows that a stale form is refused with
nothing saved, that the workflow rules apply, that the change is in the claim's history,
and that anchors cannot be moved by hand.
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.urls import reverse

from annotations import services
from annotations.models import Claim, ClaimEvent, ClaimGroup, ClaimStatus, Comment, Source
from search import linking
from tests import factories
from tests.factories import rating

pytestmark = pytest.mark.django_db

S = ClaimStatus
CHANGELIST = "admin:annotations_claim_changelist"


def change_url(claim: Claim) -> str:
    return reverse("admin:annotations_claim_change", args=[claim.pk])


def _value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, datetime.date):
        return value.isoformat()
    if hasattr(value, "pk"):
        return value.pk
    return value


def form_data(response) -> dict[str, Any]:
    """What the browser would post back, unchanged, from an admin change page (form and inlines)."""
    form = response.context["adminform"].form
    data = {name: _value(form.initial.get(name, field.initial)) for name, field in form.fields.items()}
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        data.update({management.add_prefix(name): management.initial[name] for name in management.fields})
        for inline_form in formset.initial_forms:
            for name, field in inline_form.fields.items():
                data[inline_form.add_prefix(name)] = _value(inline_form.initial.get(name, field.initial))
    return {key: value for key, value in data.items() if value != ""}


def open_change_form(client, claim: Claim) -> dict[str, Any]:
    response = client.get(change_url(claim))
    assert response.status_code == 200
    return form_data(response)


def messages_of(response) -> list[str]:
    return [message.message for message in get_messages(response.wsgi_request)]


def history(claim_pk: int, **filters: Any) -> list[ClaimEvent]:
    return list(ClaimEvent.objects.filter(claim_ref=claim_pk, **filters).order_by("id"))


def add_source_form(data: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """Append one new source form to the posted inline formset."""
    index = int(data["sources-TOTAL_FORMS"])
    data["sources-TOTAL_FORMS"] = index + 1
    data.update({f"sources-{index}-{name}": value for name, value in fields.items()})
    return data


def ready_claim(status: str = S.RESEARCHING, **fields: Any) -> Claim:
    fields.setdefault("verdict", rating("false"))
    fields.setdefault("rationale", "The office reports 7.1 percent.")
    claim = factories.ClaimFactory(status=status, **fields)
    factories.SourceFactory(claim=claim)
    return claim


# --- admin change form --------------------------------------------------------------------


def test_admin_change_form_saves_through_the_service_with_history_and_a_new_version(admin_client, admin_user):
    claim = factories.ClaimFactory(status=S.RESEARCHING)
    data = open_change_form(admin_client, claim)
    data["statement"] = "Unemployment fell to six percent in the third quarter."
    response = admin_client.post(change_url(claim), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    claim.refresh_from_db()
    assert claim.statement == "Unemployment fell to six percent in the third quarter."
    assert claim.version == 2
    [event] = history(claim.pk, kind=ClaimEvent.Kind.EDITED)
    assert (event.field, event.actor) == ("statement", admin_user)
    assert event.new_value == claim.statement


def test_a_stale_admin_change_form_is_refused_and_lists_what_changed(admin_client, editor):
    claim = factories.ClaimFactory(status=S.RESEARCHING)
    data = open_change_form(admin_client, claim)
    services.update_claim(claim, user=editor, expected_version=claim.version, changes={"claimant": "The mayor"})
    events_before = ClaimEvent.objects.count()

    data["statement"] = "My stale edit."
    response = admin_client.post(change_url(claim), data)

    assert response.status_code == 200
    errors = " ".join(response.context["adminform"].form.non_field_errors())
    assert "This claim was changed by someone else since you opened it (now version 2)" in errors
    assert f"{editor.username}: edited, claimant" in errors
    assert "Nothing was saved" in errors
    assert "changed by someone else since you opened it" in response.content.decode()
    claim.refresh_from_db()
    assert claim.statement != "My stale edit."
    assert claim.claimant == "The mayor" and claim.version == 2
    assert ClaimEvent.objects.count() == events_before


def test_a_change_form_without_the_version_is_refused(admin_client):
    claim = factories.ClaimFactory()
    data = open_change_form(admin_client, claim)
    del data["expected_version"]
    data["statement"] = "Edited without a version."
    response = admin_client.post(change_url(claim), data)
    assert response.status_code == 200
    errors = " ".join(response.context["adminform"].form.non_field_errors())
    assert "did not send a valid version of the claim" in errors
    claim.refresh_from_db()
    assert claim.statement != "Edited without a version."


def test_anchor_fields_posted_to_the_change_form_are_ignored(admin_client):
    claim = factories.ClaimFactory()
    other_article = factories.ArticleFactory()
    anchor = (claim.article_id, claim.start, claim.end, claim.exact, claim.prefix, claim.suffix, claim.anchor_state)
    response = admin_client.get(change_url(claim))
    form = response.context["adminform"].form
    for name in ("article", "start", "end", "exact", "prefix", "suffix", "anchor_state", "created_by", "group"):
        assert name not in form.fields, name
    data = form_data(response)
    data.update(article=other_article.pk, start=0, end=3, exact="The", prefix="", suffix="x", anchor_state="orphaned")
    assert admin_client.post(change_url(claim), data).status_code == 302
    claim.refresh_from_db()
    assert (
        claim.article_id, claim.start, claim.end, claim.exact, claim.prefix, claim.suffix, claim.anchor_state
    ) == anchor


def test_the_change_form_cannot_publish_or_change_a_published_verdict(admin_client, admin_user):
    in_review = ready_claim(S.IN_REVIEW, verdict_by=admin_user)
    data = open_change_form(admin_client, in_review)
    data.update(status=S.PUBLISHED, reviewed_by=admin_user.pk)
    assert admin_client.post(change_url(in_review), data).status_code == 302
    in_review.refresh_from_db()
    assert in_review.status == S.IN_REVIEW and in_review.reviewed_by is None

    published = ready_claim(S.PUBLISHED, verdict_by=factories.FactCheckerFactory())
    data = open_change_form(admin_client, published)
    data.update(verdict=rating("true").pk, rationale="Rewritten without a correction.")
    assert admin_client.post(change_url(published), data).status_code == 302
    published.refresh_from_db()
    assert published.verdict == rating("false")
    assert published.rationale == "The office reports 7.1 percent."
    assert not history(published.pk, kind=ClaimEvent.Kind.EDITED)


def test_a_late_conflict_from_the_service_is_an_error_message_not_a_server_error(admin_client, monkeypatch):
    claim = factories.ClaimFactory()
    data = open_change_form(admin_client, claim)
    data["statement"] = "Raced."

    def someone_saved_first(claim: Claim, **kwargs: Any) -> Claim:
        raise services.EditConflict(Claim.objects.get(pk=claim.pk))

    monkeypatch.setattr(services, "update_claim", someone_saved_first)
    response = admin_client.post(change_url(claim), data)
    assert response.status_code == 302
    assert any("Nothing was saved" in text and "changed by someone else" in text for text in messages_of(response))
    claim.refresh_from_db()
    assert claim.statement != "Raced."


# --- admin add form -----------------------------------------------------------------------


def add_claim(client, article, **fields: Any):
    data = {"article": article.pk, "statement": "", "claimant": "The mayor",
            "sources-TOTAL_FORMS": 0, "sources-INITIAL_FORMS": 0, **fields}
    return client.post(reverse("admin:annotations_claim_add"), data)


def test_adding_a_claim_in_the_admin_goes_through_create_claim(admin_client, admin_user, article):
    phrase = "unemployment fell to 6 percent"
    start = article.body.index(phrase)
    new_source = add_source_form({"sources-TOTAL_FORMS": 0}, url="https://stats.example.org/q3", stance="refutes")
    response = add_claim(admin_client, article, start=start, end=start + len(phrase), exact=phrase, **new_source)
    assert response.status_code == 302
    claim = Claim.objects.get()
    assert (claim.exact, claim.created_by, claim.statement) == (phrase, admin_user, phrase)
    assert claim.prefix == article.body[start - 32:start]
    assert [e.kind for e in history(claim.pk)] == [ClaimEvent.Kind.CREATED, ClaimEvent.Kind.SOURCE_ADDED]
    assert claim.sources.get().added_by == admin_user
    assert claim.version == 2


def test_adding_a_claim_whose_quote_does_not_match_the_article_is_refused(admin_client, article):
    response = add_claim(admin_client, article, start=0, end=10, exact="Not there!")
    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    assert not Claim.objects.exists() and not ClaimEvent.objects.exists()


# --- admin source inline ------------------------------------------------------------------


def test_inline_source_add_change_and_remove_go_through_the_services(admin_client, admin_user):
    claim = factories.ClaimFactory(status=S.RESEARCHING)
    kept = factories.SourceFactory(claim=claim, title="Old title")
    dropped = factories.SourceFactory(claim=claim)
    data = open_change_form(admin_client, claim)
    data["sources-0-title"] = "New title"
    data["sources-1-DELETE"] = "on"
    add_source_form(data, url="https://stats.example.org/new", stance="supports", title="Added")
    response = admin_client.post(change_url(claim), data)
    assert response.status_code == 302, response.context["adminform"].form.errors

    claim.refresh_from_db()
    assert claim.version == 4  # one checked write each: change, removal, addition
    kept.refresh_from_db()
    assert kept.title == "New title"
    assert not Source.objects.filter(pk=dropped.pk).exists()
    added = Source.objects.get(url="https://stats.example.org/new")
    assert added.added_by == admin_user
    kinds = [(e.kind, e.field, e.actor) for e in history(claim.pk)]
    assert kinds == [
        (ClaimEvent.Kind.SOURCE_CHANGED, "source.title", admin_user),
        (ClaimEvent.Kind.SOURCE_REMOVED, "source", admin_user),
        (ClaimEvent.Kind.SOURCE_ADDED, "source", admin_user),
    ]


def test_a_stale_inline_source_edit_is_refused_and_saves_nothing(admin_client, fact_checker):
    claim = factories.ClaimFactory(status=S.RESEARCHING)
    source = factories.SourceFactory(claim=claim, title="Original")
    data = open_change_form(admin_client, claim)
    fresh = Source.objects.select_related("claim").get(pk=source.pk)
    services.update_source(fresh, user=fact_checker, expected_version=claim.version, title="Theirs")
    events_before = ClaimEvent.objects.count()

    data["sources-0-title"] = "Mine"
    add_source_form(data, url="https://stats.example.org/mine", stance="context")
    response = admin_client.post(change_url(claim), data)

    assert response.status_code == 200
    assert "changed by someone else" in " ".join(response.context["adminform"].form.non_field_errors())
    source.refresh_from_db()
    assert source.title == "Theirs"
    assert not Source.objects.filter(url="https://stats.example.org/mine").exists()
    assert ClaimEvent.objects.count() == events_before


def test_an_inline_source_with_a_non_http_url_is_refused(admin_client):
    claim = factories.ClaimFactory()
    data = add_source_form(open_change_form(admin_client, claim), url="javascript:alert(1)", stance="context")
    response = admin_client.post(change_url(claim), data)
    assert response.status_code == 200
    assert not Source.objects.exists() and not ClaimEvent.objects.exists()


def test_comments_are_read_only_in_the_claim_form(admin_client):
    comment = factories.CommentFactory(body="The figure is for Q2 only.")
    response = admin_client.get(change_url(comment.claim))
    [comments] = [i for i in response.context["inline_admin_formsets"] if i.formset.model is Comment]
    assert not comments.has_add_permission and not comments.has_change_permission
    assert not comments.has_delete_permission
    assert "The figure is for Q2 only." in response.content.decode()


# --- admin delete view and bulk delete ---------------------------------------------------


def test_the_admin_delete_view_deletes_through_the_service_with_history(admin_client, admin_user):
    claim = ready_claim(S.PUBLISHED)
    pk, quote = claim.pk, claim.exact
    response = admin_client.post(
        reverse("admin:annotations_claim_delete", args=[pk]), {"post": "yes", "expected_version": claim.version}
    )
    assert response.status_code == 302
    assert not Claim.objects.filter(pk=pk).exists()
    [event] = history(pk, kind=ClaimEvent.Kind.DELETED)
    assert event.actor == admin_user and event.from_status == S.PUBLISHED
    assert event.old_value.startswith(quote)


def test_a_staff_fact_checker_may_delete_only_their_own_unpublished_claims_in_the_admin(client):
    checker = factories.FactCheckerFactory(is_staff=True)
    client.force_login(checker)
    own = factories.ClaimFactory(created_by=checker)
    others = factories.ClaimFactory()
    assert "deletelink" not in client.get(change_url(others)).content.decode()
    assert client.post(reverse("admin:annotations_claim_delete", args=[others.pk]), {"post": "yes"}).status_code == 403
    assert Claim.objects.filter(pk=others.pk).exists()
    confirmed = {"post": "yes", "expected_version": own.version}
    assert client.post(reverse("admin:annotations_claim_delete", args=[own.pk]), confirmed).status_code == 302
    assert history(own.pk, kind=ClaimEvent.Kind.DELETED)[0].actor == checker


def bulk_delete(client, claims: list[Claim], confirm: bool = True):
    payload = {"action": "delete_selected", "_selected_action": [c.pk for c in claims], "index": "0"}
    if confirm:
        payload["post"] = "yes"
    return client.post(reverse(CHANGELIST), payload)


def test_bulk_delete_asks_first_then_deletes_each_claim_through_the_service(admin_client, admin_user):
    claims = [factories.ClaimFactory(), ready_claim(S.PUBLISHED)]
    confirmation = bulk_delete(admin_client, claims, confirm=False)
    assert confirmation.status_code == 200
    assert "Are you sure" in confirmation.content.decode()
    assert Claim.objects.count() == 2

    response = bulk_delete(admin_client, claims)
    assert response.status_code == 302
    assert not Claim.objects.exists()
    for claim in claims:
        assert [e.actor for e in history(claim.pk, kind=ClaimEvent.Kind.DELETED)] == [admin_user]
    assert f"Deleted 2 claims: #{claims[0].pk}, #{claims[1].pk}." in messages_of(response)


def test_bulk_delete_reports_each_claim_the_user_may_not_delete(client):
    checker = factories.FactCheckerFactory(is_staff=True)
    client.force_login(checker)
    own = factories.ClaimFactory(created_by=checker)
    own_published = ready_claim(S.PUBLISHED, created_by=checker)
    others = factories.ClaimFactory()
    response = bulk_delete(client, [own, own_published, others])
    assert set(Claim.objects.values_list("pk", flat=True)) == {own_published.pk, others.pk}
    found = messages_of(response)
    assert f"Deleted 1 claim: #{own.pk}." in found
    for refused in (own_published, others):
        assert any(
            text.startswith(f"Skipped claim #{refused.pk}") and "only your own claims that are not published" in text
            for text in found
        )
        assert not history(refused.pk, kind=ClaimEvent.Kind.DELETED)


# --- admin bulk workflow actions ----------------------------------------------------------


def test_bulk_actions_write_history_and_keep_the_two_person_rule(admin_client, admin_user, fact_checker):
    by_checker = ready_claim(S.IN_REVIEW, verdict_by=fact_checker)
    by_me = ready_claim(S.IN_REVIEW, verdict_by=admin_user)
    admin_client.post(reverse(CHANGELIST), {
        "action": "move_to_state", "_selected_action": [by_checker.pk, by_me.pk], "index": "0",
        "apply": "Apply", "status": S.PUBLISHED,
    })
    by_checker.refresh_from_db()
    by_me.refresh_from_db()
    assert (by_checker.status, by_me.status) == (S.PUBLISHED, S.IN_REVIEW)
    [event] = history(by_checker.pk, kind=ClaimEvent.Kind.TRANSITION)
    assert (event.actor, event.from_status, event.to_status) == (admin_user, S.IN_REVIEW, S.PUBLISHED)
    assert not history(by_me.pk)


def test_a_staff_user_without_a_desk_role_gets_no_claim_actions(client):
    staff = factories.UserFactory(is_staff=True)
    client.force_login(staff)
    claim = factories.ClaimFactory(status=S.NEW)
    client.post(reverse(CHANGELIST), {
        "action": "dismiss_with_reason", "_selected_action": [claim.pk], "index": "0",
        "apply": "Apply", "note": "Opinion.",
    })
    claim.refresh_from_db()
    assert claim.status == S.NEW and not history(claim.pk)


# --- the source, comment and group admins -------------------------------------------------


def source_change_url(source: Source) -> str:
    return reverse("admin:annotations_source_change", args=[source.pk])


def test_the_source_admin_checks_the_claims_version_and_writes_history(admin_client, admin_user, fact_checker):
    source = factories.SourceFactory(title="Original")
    data = form_data(admin_client.get(source_change_url(source)))
    data["title"] = "Edited in the source admin"
    assert admin_client.post(source_change_url(source), data).status_code == 302
    source.refresh_from_db()
    assert source.title == "Edited in the source admin"
    [event] = history(source.claim_id, kind=ClaimEvent.Kind.SOURCE_CHANGED)
    assert (event.field, event.actor) == ("source.title", admin_user)

    stale = form_data(admin_client.get(source_change_url(source)))
    services.add_source(source.claim, user=fact_checker, url="https://stats.example.org/theirs")
    stale["title"] = "Stale"
    response = admin_client.post(source_change_url(source), stale)
    assert response.status_code == 200
    assert "changed by someone else" in " ".join(response.context["adminform"].form.non_field_errors())
    source.refresh_from_db()
    assert source.title == "Edited in the source admin"


def test_deleting_sources_in_the_source_admin_is_recorded(admin_client, admin_user):
    one, two = factories.SourceFactory(), factories.SourceFactory()
    confirmed = {"post": "yes", "expected_version": one.claim.version}
    response = admin_client.post(reverse("admin:annotations_source_delete", args=[one.pk]), confirmed)
    assert response.status_code == 302
    admin_client.post(reverse("admin:annotations_source_changelist"), {
        "action": "delete_selected", "_selected_action": [two.pk], "index": "0", "post": "yes",
    })
    assert not Source.objects.exists()
    for source in (one, two):
        [event] = history(source.claim_id, kind=ClaimEvent.Kind.SOURCE_REMOVED)
        assert event.actor == admin_user and event.old_value == source.url


def test_the_comment_admin_is_read_only(admin_client):
    comment = factories.CommentFactory()
    url = reverse("admin:annotations_comment_change", args=[comment.pk])
    assert admin_client.get(url).status_code == 200
    assert admin_client.post(url, {"body": "Rewritten."}).status_code == 403
    assert admin_client.post(reverse("admin:annotations_comment_delete", args=[comment.pk]),
                             {"post": "yes"}).status_code == 403
    comment.refresh_from_db()
    assert comment.body != "Rewritten."


def test_deleting_a_claim_group_in_the_admin_unlinks_its_claims_with_history(admin_client, admin_user, editor):
    first, second = (factories.ClaimFactory(article=factories.ArticleFactory()) for _ in range(2))
    group = services.link_claims(first, second, user=editor)
    response = admin_client.post(reverse("admin:annotations_claimgroup_delete", args=[group.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not ClaimGroup.objects.exists()
    for claim in (first, second):
        claim.refresh_from_db()
        assert claim.group_id is None and claim.version == 3
        assert history(claim.pk, kind=ClaimEvent.Kind.LINKED)[-1].actor == admin_user
    assert admin_client.get(reverse("admin:annotations_claimgroup_add")).status_code == 403


# --- manage.py load_demo --------------------------------------------------------------------


def test_load_demo_moves_claims_through_the_workflow_as_the_demo_users(capsys):
    call_command("load_demo", force=True)
    claims = Claim.objects.select_related("verdict_by", "reviewed_by", "assignee")
    assert {claim.status for claim in claims} == set(S.values)
    for claim in claims:
        transitions = history(claim.pk, kind=ClaimEvent.Kind.TRANSITION)
        if claim.status == S.NEW:
            assert transitions == []
        else:
            assert transitions[-1].to_status == claim.status
        assert claim.version > 1 or claim.status == S.NEW
    for claim in claims.filter(status=S.PUBLISHED):
        assert claim.verdict_by.username == "checker" and claim.reviewed_by.username == "editor"
        path = [(e.actor.username, e.to_status) for e in history(claim.pk, kind=ClaimEvent.Kind.TRANSITION)]
        assert path == [("checker", S.RESEARCHING), ("checker", S.IN_REVIEW), ("editor", S.PUBLISHED)]
    dismissed = claims.get(status=S.DISMISSED)
    assert history(dismissed.pk, kind=ClaimEvent.Kind.TRANSITION)[0].actor.username == "editor"
    assert dismissed.dismissal_reason

    counts = (Claim.objects.count(), ClaimEvent.objects.count())
    call_command("load_demo", force=True)
    assert (Claim.objects.count(), ClaimEvent.objects.count()) == counts


# --- search: linking claims -----------------------------------------------------------------


def two_claims() -> tuple[Claim, Claim]:
    return factories.ClaimFactory(article=factories.ArticleFactory()), factories.ClaimFactory(
        article=factories.ArticleFactory()
    )


def test_linking_from_search_writes_through_the_services_with_history(editor_client, editor):
    first, second = two_claims()
    response = editor_client.post(reverse("search:link", args=[first.pk]), {"other": second.pk, "version": 1},
                                  HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    for claim in (first, second):
        [event] = history(claim.pk, kind=ClaimEvent.Kind.LINKED)
        assert event.actor == editor
        assert Claim.objects.get(pk=claim.pk).version == 2
    editor_client.post(reverse("search:unlink", args=[first.pk]), {"version": 2}, HTTP_HX_REQUEST="true")
    assert [len(history(c.pk, kind=ClaimEvent.Kind.LINKED)) for c in (first, second)] == [2, 2]
    assert not ClaimGroup.objects.exists()


def test_linking_checks_the_version_the_user_saw(editor, fact_checker):
    first, second = two_claims()
    seen = first.version
    services.update_claim(first, user=fact_checker, expected_version=seen, changes={"claimant": "Someone else"})
    with pytest.raises(services.EditConflict):
        services.link_claims(first, second, user=editor, expected_version=seen)
    assert not ClaimGroup.objects.exists()
    assert not ClaimEvent.objects.filter(kind=ClaimEvent.Kind.LINKED).exists()


def test_fact_checkers_cannot_link_through_any_door(fact_checker, editor):
    first, second = two_claims()
    with pytest.raises(PermissionDenied):
        linking.link_claims(first, second, fact_checker)
    with pytest.raises(PermissionDenied):
        services.link_claims(first, second, user=fact_checker)
    group = services.link_claims(first, second, user=editor)
    for attempt in (lambda: services.unlink_claim(first, user=fact_checker),
                    lambda: services.dissolve_group(group, user=fact_checker)):
        with pytest.raises(PermissionDenied):
            attempt()
    assert ClaimGroup.objects.get().claims.count() == 2


# --- the services themselves ------------------------------------------------------------------


def test_source_services_refuse_a_stale_claim_version(fact_checker):
    claim = factories.ClaimFactory()
    source = factories.SourceFactory(claim=claim)
    stale = claim.version
    services.add_source(claim, user=fact_checker, expected_version=stale, url="https://stats.example.org/first")
    for write in (
        lambda: services.add_source(claim, user=fact_checker, expected_version=stale, url="https://example.org/x"),
        lambda: services.update_source(source, user=fact_checker, expected_version=stale, title="Stale"),
        lambda: services.remove_source(source, user=fact_checker, expected_version=stale),
    ):
        with pytest.raises(services.EditConflict):
            write()
    assert claim.sources.count() == 2
    assert len(history(claim.pk)) == 1



def test_the_admin_source_inline_takes_an_address_without_a_scheme_as_https(admin_client, admin_user, article):
    phrase = "unemployment fell to 6 percent"
    start = article.body.index(phrase)
    new_source = add_source_form({"sources-TOTAL_FORMS": 0}, url="stats.example.org/q3", stance="refutes")
    response = add_claim(admin_client, article, start=start, end=start + len(phrase), exact=phrase, **new_source)
    assert response.status_code == 302
    assert Claim.objects.get().sources.get().url == "https://stats.example.org/q3"


def test_the_admin_source_inline_refuses_other_schemes_by_name(admin_client, article):
    phrase = "unemployment fell to 6 percent"
    start = article.body.index(phrase)
    new_source = add_source_form({"sources-TOTAL_FORMS": 0}, url="javascript:alert(1)", stance="refutes")
    response = add_claim(admin_client, article, start=start, end=start + len(phrase), exact=phrase, **new_source)
    assert response.status_code == 200
    assert "javascript: addresses are not accepted" in response.content.decode()
    assert not Claim.objects.exists()
