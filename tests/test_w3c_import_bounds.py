"""W3C import within bounds: look-ups deduplicated, time budgets, and a wrong article said once.

Service-level tests of :func:`annotations.exports.w3c.import_annotations` (the views and the
background job that call it are tested in ``test_exports_w3c.py`` and ``test_export_jobs.py``).
"""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from annotations.exports import w3c
from annotations.exports.w3c import ImportFormatError, import_annotations
from annotations.models import Claim
from tests import factories

pytestmark = pytest.mark.django_db

BODY = (
    "The harbour council met on Tuesday evening to discuss the dredging budget for next year.\n\n"
    "Council chair Mirela Quaye said the northern basin would be closed for at least eight months.\n\n"
    "Fishing crews who moor in the basin want the council to pay for new berths elsewhere in the harbour.\n\n"
    "The port authority admitted that the cost had risen to forty million pounds since the spring survey."
)


@pytest.fixture
def article(db):
    return factories.ArticleFactory(body=BODY, url="https://harbour.example/news/dredging")


def annotation(
    exact: str,
    *,
    start: int | None = None,
    end: int | None = None,
    source: str | None = "https://harbour.example/news/dredging",
    statement: str = "",
    prefix: str = "",
    suffix: str = "",
) -> dict:
    """An annotation with a quote and (when given) a position, on ``source``."""
    selectors: list[dict] = [{"type": "TextQuoteSelector", "exact": exact, "prefix": prefix, "suffix": suffix}]
    if start is not None and end is not None:
        selectors.append({"type": "TextPositionSelector", "start": start, "end": end})
    target: dict = {"selector": selectors}
    if source is not None:
        target["source"] = source
    item: dict = {"type": "Annotation", "target": target}
    if statement:
        item["body"] = [{"type": "TextualBody", "purpose": "describing", "value": statement}]
    return item


def at(exact: str, **kwargs: object) -> dict:
    """An annotation whose position holds its quote in :data:`BODY` (no search needed)."""
    start = BODY.index(exact)
    return annotation(exact, start=start, end=start + len(exact), **kwargs)


def stale(exact: str, **kwargs: object) -> dict:
    """An annotation whose position no longer fits: its quote must be searched for."""
    return annotation(exact, start=0, end=len(exact), **kwargs)


@pytest.fixture
def count_searches(monkeypatch):
    """Count the quote searches (``reanchor`` calls) an import makes."""
    calls: list[str] = []
    real = w3c.reanchor

    def counting(body, anchor, **kwargs):
        calls.append(anchor.exact)
        return real(body, anchor, **kwargs)

    monkeypatch.setattr(w3c, "reanchor", counting)
    return calls


# --- look-ups deduplicated -------------------------------------------------------------------------


def test_identical_selectors_are_searched_for_once_per_import(article, editor, count_searches):
    items = [stale("northern basin would be closed")] * 30 + [stale("new berths elsewhere")] * 20

    result = import_annotations(article, items, editor)

    assert sorted(count_searches) == ["new berths elsewhere", "northern basin would be closed"]
    assert len(result.created) == 2 and len(result.skipped) == 48 and result.failed == []
    assert article.claims.count() == 2


def test_a_quote_not_found_is_searched_for_once_and_reported_for_each_copy(article, editor, count_searches):
    items = [at("harbour council met"), *[stale("the mayor resigned on the spot")] * 5]

    result = import_annotations(article, items, editor)

    assert count_searches == ["the mayor resigned on the spot"]
    assert [row.status for row in result.rows] == ["created"] + ["failed"] * 5
    assert {row.reason for row in result.failed} == {w3c.NOT_FOUND}


# --- time budgets ----------------------------------------------------------------------------------


def test_an_annotation_whose_search_runs_out_of_time_is_reported_and_the_others_are_kept(article, editor):
    edited = "the cost had risen to fourty million pounds"  # one letter off: only a fuzzy search finds it
    items = [at("harbour council met"), stale(edited), stale("Council chair Mirela Quaye")]

    result = import_annotations(article, items, editor, anchor_budget_ms=0)

    assert [row.status for row in result.rows] == ["created", "failed", "created"]
    over = result.rows[1]
    assert over.reason == w3c.OVER_BUDGET
    assert over.message.startswith("Could not be placed within the time budget (0 ms per annotation)")
    kept = sorted(article.claims.values_list("exact", flat=True))
    assert kept == ["Council chair Mirela Quaye", "harbour council met"]
    assert not result.budget_exhausted


def test_the_same_search_with_a_budget_finds_the_edited_quote(article, editor):
    edited = stale(
        "the cost had risen to fourty million pounds", prefix="The port authority admitted that ",
        suffix=" since the spring survey.",
    )

    result = import_annotations(article, [edited], editor)

    [row] = result.created
    assert Claim.objects.get(pk=row.claim_id).exact == "the cost had risen to forty million pounds"


def test_a_slow_matcher_is_stopped_by_the_budget(article, editor, monkeypatch):
    def slow(body, anchor, *, deadline=None, **kwargs):
        while w3c.time.monotonic() <= deadline:
            pass  # a search that never finishes on its own
        raise w3c.AnchorTimeout("out of time")

    monkeypatch.setattr(w3c, "reanchor", slow)
    items = [at("harbour council met"), stale("a passage that takes forever to find")]

    result = import_annotations(article, items, editor, anchor_budget_ms=20)

    assert [row.status for row in result.rows] == ["created", "failed"]
    assert "could not be placed within the time budget" in result.rows[1].message.casefold()


def test_when_the_import_budget_runs_out_the_rest_are_not_attempted_and_placed_claims_are_kept(
    article, editor, monkeypatch
):
    clock = SimpleNamespace(now=0.0)
    monkeypatch.setattr(w3c, "time", SimpleNamespace(monotonic=lambda: clock.now))
    real_import_one = w3c._import_one

    def ten_seconds_each(*args, **kwargs):
        real_import_one(*args, **kwargs)
        clock.now += 10

    monkeypatch.setattr(w3c, "_import_one", ten_seconds_each)
    quotes = ["harbour council met", "dredging budget", "Council chair", "northern basin", "Fishing crews"]
    progress: list[tuple[int, int]] = []

    result = import_annotations(
        article, [at(q) for q in quotes], editor, import_budget_s=25,
        progress=lambda done, total: progress.append((done, total)),
    )

    assert [row.status for row in result.rows] == ["created"] * 3 + ["failed"] * 2
    assert [row.index for row in result.not_attempted] == [4, 5]
    assert result.rows[3].message == "Not attempted: the import's time budget (25 s) ran out."
    assert result.budget_exhausted
    assert result.notices == [
        "The import stopped when its time budget of 25 s ran out: 2 of 5 annotations were not attempted. "
        "What was placed is kept; import the same file again to place the rest (claims already placed are skipped)."
    ]
    assert article.claims.count() == 3
    assert progress == [(1, 5), (2, 5), (3, 5), (5, 5)]


def test_progress_is_reported_after_each_annotation(article, editor):
    progress: list[tuple[int, int]] = []

    import_annotations(
        article, [at("harbour council met"), at("dredging budget")], editor,
        progress=lambda done, total: progress.append((done, total)),
    )

    assert progress == [(1, 2), (2, 2)]


def test_budgets_come_from_settings(article, editor, settings):
    settings.FACTDESK_W3C_ANCHOR_BUDGET_MS = 0

    result = import_annotations(article, [stale("the cost had risen to fourty million pounds")], editor)

    assert result.rows[0].reason == w3c.OVER_BUDGET


# --- the wrong article, said once ----------------------------------------------------------------


def test_annotations_made_on_another_page_are_refused_once_without_searching(article, editor, count_searches):
    items = [stale(f"The minister opened bridge number {n} over the river", source="https://elsewhere.example/bridges")
             for n in range(40)]

    with pytest.raises(ImportFormatError) as refusal:
        import_annotations(article, items, editor)

    assert str(refusal.value) == (
        "These annotations were made on another page (“https://elsewhere.example/bridges”), and none of their "
        "40 quoted passages is in this article's text. Nothing was imported: open the article they belong to "
        "and import them there."
    )
    assert count_searches == []
    assert article.claims.count() == 0


def test_annotations_without_a_page_stop_after_a_run_of_quotes_not_found(article, editor, count_searches):
    items = [stale(f"The minister opened bridge number {n} over the river", source=None) for n in range(40)]

    with pytest.raises(ImportFormatError) as refusal:
        import_annotations(article, items, editor)

    message = str(refusal.value)
    assert message.startswith(
        f"None of the {w3c.WRONG_ARTICLE_STREAK} annotations tried could be placed on this article: "
        "not one of their quoted passages is in its text (for example “The minister opened bridge number 0"
    )
    assert "They seem to belong to another article. Nothing was imported" in message
    assert len(count_searches) == w3c.WRONG_ARTICLE_STREAK
    assert article.claims.count() == 0


def test_annotations_without_a_page_that_all_run_out_of_time_are_refused_once(article, editor, count_searches):
    edited = [stale(f"the cost had risen to fourty million pounds, part {n}", source=None) for n in range(40)]

    with pytest.raises(ImportFormatError) as refusal:
        import_annotations(article, edited, editor, anchor_budget_ms=0)

    assert str(refusal.value).startswith(
        f"None of the {w3c.WRONG_ARTICLE_STREAK} annotations tried could be placed on this article: "
        f"{w3c.WRONG_ARTICLE_STREAK} could not be found within the time budget (0 ms each)"
    )
    assert len(count_searches) == w3c.WRONG_ARTICLE_STREAK


def test_a_few_annotations_from_nowhere_are_refused_once_too(article, editor):
    items = [stale("The minister opened the bridge", source=None), stale("Traffic flowed at noon", source=None)]

    with pytest.raises(ImportFormatError, match="None of the 2 annotations tried could be placed on this article"):
        import_annotations(article, items, editor)


def test_annotations_that_name_this_article_are_never_refused_as_another_articles(article, editor):
    items = [stale("The minister opened bridge number {n}") for n in range(12)]  # source: this article's URL

    result = import_annotations(article, items, editor)

    assert len(result.failed) == 12
    assert result.notices == [
        "12 of 12 annotations quote passages that are not in this article's text: were they made on another article?"
    ]


def test_mostly_missing_quotes_are_summed_up_once_above_the_rows(article, editor):
    missing = [stale(f"a passage about the airport, part {n}", source=None) for n in range(4)]
    items = [at("harbour council met", source=None), *missing, at("Fishing crews", source=None)]

    result = import_annotations(article, items, editor)

    assert len(result.created) == 2 and len(result.failed) == 4
    assert result.notices == [
        "4 of 6 annotations quote passages that are not in this article's text: were they made on another article?"
    ]


def test_an_export_imported_into_a_copy_at_another_address_is_placed_by_its_quotes(article, editor):
    items = [at("harbour council met"), at("northern basin")]  # made on the original's address
    copy = factories.ArticleFactory(body=BODY, url="https://mirror.example/dredging")

    result = import_annotations(copy, items, editor)

    assert len(result.created) == 2 and result.notices == []


def test_the_comparison_of_addresses_ignores_scheme_www_query_and_trailing_slash(article, editor):
    items = [stale(f"A passage about trams, part {n}", source="http://www.harbour.example/news/dredging/?utm=x")
             for n in range(12)]

    result = import_annotations(article, items, editor)  # names this article: rows, not a refusal

    assert len(result.failed) == 12


# --- text that cannot be stored --------------------------------------------------------------------


def test_an_annotation_with_a_lone_surrogate_fails_alone(article, editor):
    document = (
        '[{"type": "Annotation", "target": {"selector": {"type": "TextQuoteSelector", "exact": "harbour council met"}},'
        ' "body": [{"type": "TextualBody", "purpose": "describing", "value": "Broken \\ud800 emoji"}]},'
        ' {"type": "Annotation", "target": {"selector": {"type": "TextQuoteSelector", "exact": "Fishing crews"}}}]'
    )

    result = import_annotations(article, json.loads(document), editor)

    assert [row.status for row in result.rows] == ["failed", "created"]
    assert result.rows[0].message.startswith(
        "The annotation contains an unpaired surrogate \\ud800 (in “Broken \\ud800 emoji”): half of a character"
    )
    assert list(article.claims.values_list("exact", flat=True)) == ["Fishing crews"]
    json.dumps([row.message for row in result.rows]).encode("utf-8")  # storable in a job's JSON
