"""Notifications read in the reader's language, whatever language the person who caused them used."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from annotations import notifications, workflow
from annotations.models import ClaimStatus, Notification
from annotations.notification_texts import TEMPLATES, NoticeText, notice, render, spoken_list
from factcheck.models import UserPreference
from tests import factories
from tests.factories import rating
from tests.test_api import Api

pytestmark = pytest.mark.django_db

SHIPPED = [code for code, _name in settings.LANGUAGES if not code.startswith("en")]
VALUE = re.compile(r"<\w+>")


ASSIGNED = notice("assigned", actor="Ed", claim="x")


def in_language(code: str, text: NoticeText) -> str:
    with translation.override(code):
        return text.render()


@pytest.mark.parametrize("key", sorted(TEMPLATES))
@pytest.mark.parametrize("language", SHIPPED)
def test_every_template_is_translated_and_keeps_its_placeholders(key, language):
    names = ("actor", "claim", "note", "verdict", "new", "old", "number", "comment", "article", "numbers")
    params = {name: f"<{name}>" for name in names} | {"count": 3, "more": 2, "fields": ["statement", "verdict"]}
    text = NoticeText(key, params)
    english, translated = text.english(), in_language(language, text)
    assert translated != english
    assert "%(" not in translated
    shown = VALUE.findall(english)
    assert shown and sorted(VALUE.findall(translated)) == sorted(shown)  # every value still shown, once


def test_an_unknown_template_is_refused_when_written():
    with pytest.raises(KeyError):
        notice("no-such-template", actor="Ana")


def test_a_template_that_no_longer_fits_its_parameters_falls_back_to_the_stored_text():
    assert render("assigned", {"actor": "Ana"}, "Ana assigned you a claim") == "Ana assigned you a claim"
    assert render("removed-since", {}, "stored text") == "stored text"


def test_rows_written_before_templates_show_their_stored_message(fact_checker):
    old = factories.NotificationFactory(recipient=fact_checker, message="Old words.", template="", params={})
    with translation.override("es"):
        assert old.text == "Old words." and str(old) == "Old words."


def test_a_missing_actor_reads_as_someone_in_the_readers_language():
    text = notice("submitted", actor="", claim="Taxes rose")
    assert text.english() == "someone submitted a claim for review: “Taxes rose”"
    assert in_language("es", text).startswith("alguien ")


def test_changed_fields_are_named_in_the_readers_language():
    text = notice("changed_in_review", actor="Ana", claim="Taxes rose", fields=["statement", "verdict"])
    assert "statement and verdict" in text.english()
    assert "la afirmación y el veredicto" in in_language("es", text)
    assert "l’affirmation et le verdict" in in_language("fr", text)
    with translation.override("fr"):
        assert spoken_list(["a", "b", "c"]) == "a, b et c"


def test_the_bulk_summary_takes_the_plural_of_the_readers_language():
    three = notice("assigned_summary", actor="Ana", count=3, numbers="#1, #2, #3")
    assert three.english() == "Ana assigned you 3 claims: #1, #2, #3."
    assert in_language("es", three) == "Ana te asignó 3 afirmaciones: #1, #2, #3."
    few, many = (notice("assigned_summary", actor="Ana", count=count, numbers="#1") for count in (3, 11))
    assert "ادعاءات" in in_language("ar", few) and "ادعاءً" in in_language("ar", many)  # Arabic: few, many


def test_a_request_for_changes_is_stored_in_english_and_mailed_in_each_recipients_language(
    editor, mailoutbox, django_capture_on_commit_callbacks
):
    spanish, arabic = factories.FactCheckerFactory(), factories.FactCheckerFactory()
    UserPreference.objects.create(user=spanish, language="es")
    UserPreference.objects.create(user=arabic, language="ar")
    claim = factories.ClaimFactory(
        status=ClaimStatus.IN_REVIEW, assignee=spanish, verdict_by=arabic, verdict=rating("true"), rationale="R.",
        statement="Taxes rose",
    )
    with django_capture_on_commit_callbacks(execute=True):
        workflow.apply(claim, editor, "request_changes", note="More sources.")
    stored = Notification.objects.filter(claim=claim)
    assert {n.message for n in stored} == {f"{editor.get_full_name() or editor.username} requested changes on "
                                           "“Taxes rose”: More sources."}
    mail_to = {mail.to[0]: mail for mail in mailoutbox}
    assert "pidió cambios en «Taxes rose»: More sources." in mail_to[spanish.email].body
    assert "طلب" in mail_to[arabic.email].body and "«Taxes rose»" in mail_to[arabic.email].subject


def test_the_notifications_page_shows_each_text_in_the_viewers_language(client, editor, fact_checker):
    claim = factories.ClaimFactory(status=ClaimStatus.RESEARCHING, assignee=None, statement="Taxes rose")
    workflow.apply(claim, editor, "assign", assignee=fact_checker)
    client.force_login(fact_checker)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    page = client.get(reverse("review:notifications")).content.decode()
    assert "vous a attribué une affirmation : « Taxes rose »" in page
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert "assigned you a claim: “Taxes rose”" in client.get(reverse("review:notifications")).content.decode()


def test_the_api_gives_the_text_in_the_requested_language(fact_checker):
    factories.NotificationFactory(
        recipient=fact_checker, message="Ana published the fact-check of “Taxes rose”.",
        template="published", params={"actor": "Ana", "claim": "Taxes rose"},
    )
    api = Api(fact_checker)
    api.headers["HTTP_ACCEPT_LANGUAGE"] = "es"
    [item] = api.get("/api/notifications/").json()["results"]
    assert item["message"] == "Ana publicó la verificación de «Taxes rose»."


def test_a_comment_mention_and_a_correction_are_translated_too(editor, fact_checker):
    mention = notice("mentioned", actor="Ana", number=12, comment="@bo look")
    assert in_language("ar", mention).startswith("أشار إليك Ana")
    first = notice("corrected_first_verdict", actor="Ana", claim="x", new="False", note="n")
    assert "(verdict now False, there was none)" in first.english()
    assert "il n’y en avait pas" in in_language("fr", first)


def test_a_summary_of_many_assignments_counts_the_rest(editor, fact_checker):
    claims = factories.ClaimFactory.create_batch(notifications.SUMMARY_NUMBERS + 2)
    with notifications.summarise_assignments(editor):
        for claim in claims:
            notifications.notify(fact_checker, claim, Notification.Kind.ASSIGNED, ASSIGNED)
    [summary] = Notification.objects.filter(recipient=fact_checker)
    assert summary.template == "assigned_summary_more" and summary.params["more"] == 2
    assert summary.message.endswith(" and 2 more.")
    with translation.override("es"):
        assert summary.text.endswith(" y 2 más.")


def test_a_recipient_without_a_saved_language_is_mailed_in_the_desks_not_the_actors(
    settings, fact_checker, mailoutbox, django_capture_on_commit_callbacks
):
    settings.LANGUAGE_CODE = "fr"  # FACTDESK_LANGUAGE=fr
    claim = factories.ClaimFactory()
    with translation.override("ar"), django_capture_on_commit_callbacks(execute=True):  # the actor reads Arabic
        notifications.notify(fact_checker, claim, Notification.Kind.ASSIGNED, ASSIGNED)
    [mail] = mailoutbox
    assert "Ed vous a attribué une affirmation : « x »" in mail.body
