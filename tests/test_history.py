"""A claim's history: one timeline of who changed what, when and through which door (issue 14, item 8)."""

from __future__ import annotations

import csv
import datetime
import io
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from selectolax.lexbor import LexborHTMLParser as HTMLParser

from annotations import services
from annotations.history_views import CSV_COLUMNS
from annotations.models import Claim, ClaimEvent, ClaimStatus
from tests import factories

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def history_url(claim: Claim) -> str:
    return reverse("annotations:history", args=[claim.pk])


def csv_url(claim: Claim) -> str:
    return reverse("annotations:history_csv", args=[claim.pk])


def table_rows(response) -> list[dict[str, str]]:
    """The timeline as the page shows it: one dict per entry, keyed by column heading."""
    assert response.status_code == 200
    tree = HTMLParser(response.content.decode())
    table = tree.css_first("table.history-table")
    if table is None:
        return []
    headings = [th.text(strip=True) for th in table.css("thead th")]
    return [
        dict(zip(headings, (td.text(strip=True) for td in row.css("td")), strict=True))
        for row in table.css("tbody tr")
    ]


def csv_rows(response) -> list[dict[str, str]]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    data = response.content
    assert data.startswith("\ufeff".encode()), "UTF-8 with BOM, as every CSV export"
    reader = csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline=""))
    assert tuple(reader.fieldnames) == CSV_COLUMNS
    return list(reader)


def _value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value.pk if hasattr(value, "pk") else value


def admin_form_data(client, claim: Claim) -> dict[str, Any]:
    """What the browser posts back, unchanged, from the claim's admin change page (form and inlines)."""
    response = client.get(reverse("admin:annotations_claim_change", args=[claim.pk]))
    assert response.status_code == 200
    form = response.context["adminform"].form
    data = {name: _value(form.initial.get(name, field.initial)) for name, field in form.fields.items()}
    for inline in response.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        data.update({management.add_prefix(name): management.initial[name] for name in management.fields})
        for inline_form in inline.formset.initial_forms:
            for name, field in inline_form.fields.items():
                data[inline_form.add_prefix(name)] = _value(inline_form.initial.get(name, field.initial))
    return {key: value for key, value in data.items() if value != ""}


@pytest.fixture
def changed_three_ways(client):
    """A claim changed from the browser (a fact-checker), the admin (an admin) and a command (an editor).

    Returns the claim and, in that order, the three people.
    """
    checker = factories.FactCheckerFactory(first_name="Casey", last_name="Checker")
    admin = factories.AdminFactory(first_name="Ada", last_name="Admin")
    editor = factories.EditorFactory(first_name="Erin", last_name="Editor")
    claim = factories.ClaimFactory(statement="Unemployment fell", claimant="City officials")

    client.force_login(checker)
    response = client.post(
        reverse("annotations:edit", args=[claim.pk]),
        {"version": 1, "statement": "Unemployment fell to 6%", "claimant": "City officials"}, headers=HTMX,
    )
    assert response.status_code == 200, response.content.decode()[:500]

    client.force_login(admin)
    claim.refresh_from_db()
    data = admin_form_data(client, claim)
    data["claimant"] = "The mayor"
    response = client.post(reverse("admin:annotations_claim_change", args=[claim.pk]), data)
    assert response.status_code == 302, response.context["adminform"].form.errors

    call_command("claim", "edit", str(claim.pk), "--user", editor.username, "--rationale", "=The office says 7.1%")
    claim.refresh_from_db()
    return claim, checker, admin, editor


def test_the_timeline_says_who_changed_which_field_from_what_to_what_and_through_which_door(
    client, changed_three_ways
):
    claim = changed_three_ways[0]
    client.force_login(factories.FactCheckerFactory())
    rows = table_rows(client.get(history_url(claim)))
    changes = [(r["Who"], r["Entry point"], r["Field"], r["Old value"], r["New value"]) for r in rows]
    assert ("Casey Checker", "Browser", "Statement", "Unemployment fell", "Unemployment fell to 6%") in changes
    assert ("Ada Admin", "Admin", "Claimant", "City officials", "The mayor") in changes
    assert ("Erin Editor", "Command", "Rationale", "", "=The office says 7.1%") in changes
    # Oldest first, each entry dated.
    assert [row["Entry point"] for row in rows if row["Change"] == "Edited"] == ["Browser", "Admin", "Command"]
    assert all(row["When"] for row in rows)


def test_the_csv_download_holds_the_same_timeline_with_formulas_defused(client, changed_three_ways):
    claim, *_ = changed_three_ways
    client.force_login(factories.EditorFactory())
    response = client.get(csv_url(claim))
    assert response["Content-Disposition"] == f'attachment; filename="claim-{claim.pk}-history.csv"'
    rows = csv_rows(response)
    edits = [(r["who"], r["entry_point"], r["field"], r["old_value"], r["new_value"]) for r in rows
             if r["change"] == "Edited"]
    assert edits == [
        ("Casey Checker", "Browser", "Statement", "Unemployment fell", "Unemployment fell to 6%"),
        ("Ada Admin", "Admin", "Claimant", "City officials", "The mayor"),
        ("Erin Editor", "Command", "Rationale", "", "'=The office says 7.1%"),
    ]
    assert all(datetime.datetime.fromisoformat(row["when"]).tzinfo is not None for row in rows)
    assert len(rows) == len(table_rows(client.get(history_url(claim))))


def test_status_changes_show_their_labels_and_notes(client):
    editor = factories.EditorFactory()
    claim = factories.ClaimFactory(status=ClaimStatus.RESEARCHING)
    services.record_event(
        claim, ClaimEvent.Kind.TRANSITION, editor, from_status="in_review", to_status="researching",
        note="Add the Q3 figure.",
    )
    client.force_login(factories.FactCheckerFactory())
    [row] = [r for r in table_rows(client.get(history_url(claim))) if r["Change"] == "Status change"]
    assert (row["Field"], row["Old value"], row["New value"], row["Note"]) == (
        "Status", "In review", "Researching", "Add the Q3 figure.",
    )


# --- who sees what ----------------------------------------------------------------------------


@pytest.fixture
def published_with_history():
    """A published claim with internal entries (edits, a request for changes) and a public correction."""
    checker, editor = factories.FactCheckerFactory(), factories.EditorFactory()
    claim = factories.ClaimFactory(status=ClaimStatus.PUBLISHED, verdict=factories.rating("false"), rationale="R")
    services.record_event(claim, ClaimEvent.Kind.EDITED, checker, field="rationale", new_value="INTERNAL draft")
    services.record_event(
        claim, ClaimEvent.Kind.TRANSITION, editor, from_status="in_review", to_status="researching",
        note="INTERNAL request for changes",
    )
    services.record_event(
        claim, ClaimEvent.Kind.CORRECTED, editor, field="verdict", old_value="False", new_value="Mostly false",
        note="We misread the table.", is_public=True,
    )
    return claim


def test_readers_see_only_the_public_entries_of_a_published_claim(client, published_with_history):
    client.force_login(factories.UserFactory())
    page = client.get(history_url(published_with_history))
    assert "INTERNAL" not in page.content.decode()
    [row] = table_rows(page)
    assert (row["Field"], row["Old value"], row["New value"], row["Note"]) == (
        "Verdict", "False", "Mostly false", "We misread the table.",
    )
    download = client.get(csv_url(published_with_history))
    assert b"INTERNAL" not in download.content
    assert [r["note"] for r in csv_rows(download)] == ["We misread the table."]


def test_the_desk_sees_every_entry(client, published_with_history):
    client.force_login(factories.FactCheckerFactory())
    notes = [row["Note"] for row in table_rows(client.get(history_url(published_with_history)))]
    assert notes == ["", "INTERNAL request for changes", "We misread the table."]


@pytest.mark.parametrize("url", [history_url, csv_url])
def test_an_unpublished_claim_does_not_exist_for_readers(client, url):
    claim = factories.ClaimFactory(status=ClaimStatus.RESEARCHING, statement="SECRET draft")
    client.force_login(factories.UserFactory())
    response = client.get(url(claim))
    assert response.status_code == 404
    assert b"SECRET" not in response.content


@pytest.mark.parametrize("url", [history_url, csv_url])
def test_anonymous_visitors_are_sent_to_log_in(client, url, published_with_history):
    response = client.get(url(published_with_history))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_an_unknown_claim_is_not_found(client):
    client.force_login(factories.EditorFactory())
    assert client.get(reverse("annotations:history", args=[987654])).status_code == 404


# --- the page -----------------------------------------------------------------------------------


def test_the_page_is_a_table_with_headers_that_stacks_on_a_phone(client, published_with_history):
    client.force_login(factories.EditorFactory())
    html = client.get(history_url(published_with_history)).content.decode()
    tree = HTMLParser(html)
    table = tree.css_first("table.history-table")
    assert table.css_first("caption") is not None
    assert all(th.attributes.get("scope") == "col" for th in table.css("thead th"))
    # Each cell carries its heading, shown when the rows stack into cards on narrow screens.
    assert all(td.attributes.get("data-label") for td in table.css("tbody td"))
    assert "@media (max-width: 700px)" in html
    links = {a.attributes["href"] for a in tree.css("main a[href]")}
    assert csv_url(published_with_history) in links
    assert f"#{published_with_history.pk}" in tree.css_first("h1").text()


def test_the_page_costs_the_same_queries_however_long_the_history(client):
    editor = factories.EditorFactory()
    client.force_login(editor)
    short, long = factories.ClaimFactory(), factories.ClaimFactory()
    for claim, n in ((short, 2), (long, 30)):
        for index in range(n):
            services.record_event(claim, ClaimEvent.Kind.EDITED, editor, field="statement", new_value=f"v{index}")
    counts = []
    for claim in (short, long):
        for url in (history_url, csv_url):
            client.get(url(claim))  # warm the session and caches
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url(claim)).status_code == 200
            counts.append(len(queries))
    assert counts[0] == counts[2] and counts[1] == counts[3], counts


def test_the_claim_panel_links_to_the_history_and_its_csv(client, published_with_history):
    client.force_login(factories.UserFactory())
    response = client.get(reverse("annotations:panel", args=[published_with_history.pk]))
    links = {a.attributes["href"] for a in HTMLParser(response.content.decode()).css("a[href]")}
    assert {history_url(published_with_history), csv_url(published_with_history)} <= links
