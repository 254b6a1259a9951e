"""Similar claims: ranking on near duplicates, paraphrases and unrelated claims; the panel partial."""

from __future__ import annotations

import pytest
from django.urls import reverse

from annotations.models import Claim, ClaimGroup, ClaimStatus
from search import similarity as similarity_module
from search.similarity import candidate_query, similar_claims, similarity, text_similarity
from tests.factories import ArticleFactory, ClaimFactory, UserFactory, rating

BASE = "Unemployment in the region fell to 6 percent"


def claim_in_new_article(text: str, *, status: str = ClaimStatus.NEW, verdict: str | None = None,
                         statement: str = "", title: str = "") -> Claim:
    """A claim on the whole first sentence of a fresh article (quote = ``text``)."""
    article = ArticleFactory(body=f"{text}.\n\nOther matters were discussed.", **({"title": title} if title else {}))
    extra = {"verdict": rating(verdict or "true")} if status == ClaimStatus.PUBLISHED or verdict else {}
    return ClaimFactory(article=article, phrase=text, statement=statement or text, status=status, **extra)


@pytest.fixture
def corpus(db):
    home = ArticleFactory(body=f"{BASE}.\n\nAgain, {BASE.lower()}.")
    base = ClaimFactory(article=home, phrase=BASE, statement=BASE)
    same_article_twin = ClaimFactory(article=home, phrase=BASE.lower(), statement=BASE.lower())
    claims = {
        "base": base,
        "duplicate": claim_in_new_article("Unemployment fell to 6 percent in the region"),
        "paraphrase": claim_in_new_article("The region's unemployment rate has fallen to 6%"),
        "elaboration": claim_in_new_article("unemployment fell to 6 percent in the third quarter",
                                            status=ClaimStatus.PUBLISHED, verdict="true"),
        "other_topic": claim_in_new_article("Inflation in the region rose to 6 percent"),
        "shares_a_word": claim_in_new_article("Unemployment doubled in the capital since 2010"),
        "unrelated": claim_in_new_article("The harbour bridge repairs will cost 38 million euros"),
    }
    claims["same_article"] = same_article_twin
    return claims


def names(corpus: dict[str, Claim], results) -> list[str]:
    by_pk = {claim.pk: name for name, claim in corpus.items()}
    return [by_pk[result.claim.pk] for result in results]


# --- Scoring (pure) -------------------------------------------------------------------------


def test_identical_wording_scores_100_whatever_the_order_case_or_punctuation():
    assert text_similarity(BASE, "unemployment fell to 6 PERCENT, in the region.") == 100


def test_paraphrases_score_between_duplicates_and_unrelated_claims():
    duplicate = text_similarity(BASE, "Unemployment fell to 6 percent in the region")
    paraphrase = text_similarity(BASE, "The region's unemployment rate has fallen to 6%")
    unrelated = text_similarity(BASE, "The harbour bridge repairs will cost 38 million euros")
    assert duplicate > paraphrase > 70 > unrelated


def test_stop_words_alone_do_not_make_claims_similar():
    assert text_similarity("It was in the north of the city", "It was the end of the road for us") < 40


def test_similarity_takes_the_best_of_statement_and_quote():
    mine = ("Jobless figures improved", BASE)
    theirs = ("A union claim about jobs", "unemployment in the region fell to 6 percent")
    assert similarity(mine, theirs) == 100


# --- Ranking on the fixture ------------------------------------------------------------------


def test_similar_claims_rank_duplicates_then_paraphrases_and_leave_out_unrelated(corpus):
    found = names(corpus, similar_claims(corpus["base"]))
    assert found[0] == "duplicate"
    assert set(found[1:]) == {"elaboration", "paraphrase"}
    assert not {"other_topic", "shares_a_word", "unrelated"} & set(found)


def test_scores_are_best_first(corpus):
    scores = [result.score for result in similar_claims(corpus["base"])]
    assert scores == sorted(scores, reverse=True)
    assert scores[0] == 100


def test_claims_of_the_same_article_are_never_similar(corpus):
    assert "same_article" not in names(corpus, similar_claims(corpus["base"]))
    assert "base" not in names(corpus, similar_claims(corpus["duplicate"]))[1:]


def test_published_only_hides_unpublished_claims(corpus):
    assert names(corpus, similar_claims(corpus["base"], published_only=True)) == ["elaboration"]


def test_published_only_filters_before_the_candidate_cut(corpus, monkeypatch):
    monkeypatch.setattr(similarity_module, "CANDIDATES", 1)
    assert names(corpus, similar_claims(corpus["base"], published_only=True)) == ["elaboration"]


def test_rare_words_weigh_most_in_finding_candidates(corpus):
    weighted, require_all = candidate_query(corpus["shares_a_word"])
    weights = dict(weighted)
    assert not require_all
    assert weights["capital"] > weights["unemployment"]


def test_a_claim_of_only_very_common_words_needs_all_of_them(corpus, monkeypatch):
    monkeypatch.setattr(similarity_module, "MIN_COMMON", 0)
    monkeypatch.setattr(similarity_module, "COMMON_SHARE", 0)
    weighted, require_all = candidate_query(corpus["base"])
    assert require_all
    assert {word for word, _ in weighted} == {"unemployment", "region", "fell", "6", "percent"}
    assert names(corpus, similar_claims(corpus["base"])) == ["duplicate"]


def test_already_linked_claims_are_not_listed_as_similar(corpus):
    group = ClaimGroup.objects.create()
    Claim.objects.filter(pk__in=[corpus["base"].pk, corpus["duplicate"].pk]).update(group=group)
    corpus["base"].refresh_from_db()
    assert "duplicate" not in names(corpus, similar_claims(corpus["base"]))


def test_limit_caps_the_list(corpus):
    assert len(similar_claims(corpus["base"], limit=1)) == 1


def test_a_claim_of_only_stop_words_has_no_similar_claims(db):
    lonely = claim_in_new_article("It was what it was")
    assert similar_claims(lonely) == []


# --- The claim panel partial ----------------------------------------------------------------


def test_the_similar_partial_lists_verdict_and_status_as_text(corpus, checker_client):
    response = checker_client.get(reverse("search:similar", args=[corpus["base"].pk]))
    assert response.status_code == 200
    content = response.content.decode()
    assert "Similar claims" in content
    assert "unemployment fell to 6 percent in the third quarter" in content
    assert 'class="verdict-label"' in content and ">True</span>" in content
    assert ">Published</span>" in content and ">New</span>" in content
    assert "% match" in content
    assert "harbour bridge" not in content


def test_only_editors_get_the_link_button(corpus, client, fact_checker, editor):
    url = reverse("search:similar", args=[corpus["base"].pk])
    client.force_login(fact_checker)
    assert "Link as same claim" not in client.get(url).content.decode()
    client.force_login(editor)
    assert "Link as same claim" in client.get(url).content.decode()


def test_readers_cannot_open_an_unpublished_claims_similar_list(corpus, client):
    client.force_login(UserFactory())
    assert client.get(reverse("search:similar", args=[corpus["base"].pk])).status_code == 404
    response = client.get(reverse("search:similar", args=[corpus["elaboration"].pk]))
    assert response.status_code == 200
    assert "Link as same claim" not in response.content.decode()


def test_the_stub_lazy_loads_the_partial(corpus, rf):
    from django.template.loader import render_to_string

    html = render_to_string("annotations/_similar_claims.html", {"claim": corpus["base"]})
    assert f'hx-get="{reverse("search:similar", args=[corpus["base"].pk])}"' in html
    assert 'hx-trigger="load"' in html


def test_the_similar_partial_costs_constant_queries(corpus, editor_client, django_assert_max_num_queries):
    url = reverse("search:similar", args=[corpus["base"].pk])
    with django_assert_max_num_queries(20) as few:
        editor_client.get(url)
    for n in range(10):
        claim_in_new_article(f"Unemployment in the region fell to 6 percent, said official {n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = editor_client.get(url)
    assert len(response.context["similar"]) == 10


def test_the_selector_gives_readers_similar_claims_among_published_ones_only(corpus, fact_checker):
    from search import selectors

    reader = UserFactory()
    assert names(corpus, selectors.similar_claims(reader, corpus["base"])) == ["elaboration"]
    assert set(names(corpus, selectors.similar_claims(fact_checker, corpus["base"]))) == {
        "duplicate", "paraphrase", "elaboration"
    }


def test_similar_claims_are_loaded_only_from_the_claims_the_caller_passes(corpus):
    among = Claim.objects.filter(pk=corpus["paraphrase"].pk)
    assert names(corpus, similar_claims(corpus["base"], among=among)) == ["paraphrase"]


def test_a_reader_opening_a_published_claims_partial_sees_no_unpublished_similar_or_linked_claim(corpus, client):
    elaboration = corpus["elaboration"]
    group = ClaimGroup.objects.create()
    Claim.objects.filter(pk__in=[elaboration.pk, corpus["paraphrase"].pk]).update(group=group)
    client.force_login(UserFactory())
    response = client.get(reverse("search:similar", args=[elaboration.pk]))
    assert response.status_code == 200
    assert response.context["similar"] == [] and response.context["linked"] == []
    assert corpus["duplicate"].statement not in response.content.decode()


#: Exact queries of the similar-claims partial (signing in: session, user and role; the claim, linked claims,
#: and the four of :func:`search.similarity.similar_claims`), whatever the number of hits.
#: PostgreSQL reads the planner's word statistics first: one more.
SIMILAR_QUERIES = {"sqlite": 7, "postgresql": 8}


def test_the_similar_partial_costs_an_exact_number_of_queries(corpus, editor_client, django_assert_num_queries):
    from django.db import connection

    expected = SIMILAR_QUERIES[connection.vendor]
    url = reverse("search:similar", args=[corpus["base"].pk])
    group = ClaimGroup.objects.create()
    Claim.objects.filter(pk__in=[corpus["base"].pk, corpus["other_topic"].pk]).update(group=group)
    with django_assert_num_queries(expected):
        editor_client.get(url)
    for n in range(10):
        claim_in_new_article(f"Unemployment in the region fell to 6 percent, said official {n}")
    with django_assert_num_queries(expected):
        response = editor_client.get(url)
    assert len(response.context["similar"]) == 10
    assert [claim.pk for claim in response.context["linked"]] == [corpus["other_topic"].pk]


@pytest.mark.postgres
def test_postgres_takes_word_frequencies_from_planner_statistics(corpus):
    from django.db import connection

    from search import index

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only: SQLite counts every word")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE search_claim_doc")
    backend = index.backend()
    total = Claim.objects.count()
    assert "unemployment" in backend._known_frequencies(["unemployment", "zzyzx"])
    counts = backend.claim_word_counts(["unemployment", "harbour"], cap=1000, total=total)
    assert counts["unemployment"] >= counts["harbour"] >= 1
    assert abs(counts["unemployment"] - 6) <= 1  # six claims' statements or quotes say it
