"""Check-worthiness models on the desk (search.training, the admin, the command, the inbox):
learning from claims and dismissals, versions and rollback, per-language fallback, bad data
leaving the current model in place."""

from __future__ import annotations

import json
from io import StringIO

import numpy as np
import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from annotations.checkworthiness import NEUTRAL_FEATURE_SCORER
from annotations.checkworthiness_model import LabelledSentence, TrainedModel, TrainingDataError
from annotations.models import AnchorState, ClaimStatus
from articles.models import Article
from search import inbox, suggestions, training
from search.models import CheckworthinessModel
from tests.factories import ArticleFactory, ClaimFactory, SuggestionDismissalFactory

PLACES = ["Eastport", "Kirkby", "Holm", "Westbay", "Northam", "Ashford", "Brill", "Carrow", "Dunmore", "Elsworth"]
TEAMS = ["Rovers", "United", "Athletic", "Wanderers", "City", "Albion", "Town", "Harriers", "Rangers", "Villa"]

# The desk's own notion: ferry services are worth checking, match reports are not.
FERRY_PROBE = "The ferry from Oldhaven no longer stops at Pennick pier on winter weekdays."
MATCH_PROBE = "Rovers beat Thistle 3-1 on Sunday in front of 4,200 fans."


def ferry(index: int) -> str:
    place, other = PLACES[index % 10], PLACES[(index + 3) % 10]
    return f"The ferry from {place} no longer stops at {other} pier on weekdays."


def match(index: int) -> str:
    home, away = TEAMS[index % 10], TEAMS[(index + 4) % 10]
    return f"{home} beat {away} {index % 4 + 2}-1 on Saturday in front of {1200 + 100 * index:,} fans."


def desk_article(index: int, *, language: str = "en", final: bool = False) -> Article:
    """An article whose ferry sentence has a claim and whose match report was dismissed."""
    article = ArticleFactory(
        body=f"{ferry(index)}\n\n{match(index)}\n\nThe harbour cafe reopened with a new menu.", language=language
    )
    ClaimFactory(
        article=article, phrase=ferry(index)[4:30], status=ClaimStatus.DISMISSED if final else ClaimStatus.NEW
    )
    start = article.body.index(match(index))
    SuggestionDismissalFactory(article=article, start=start, end=start + len(match(index)))
    return article


def desk(count: int = 8, **kwargs) -> list[Article]:
    return [desk_article(index, **kwargs) for index in range(count)]


def scores(language: str = "en") -> np.ndarray:
    return np.asarray(training.scorer_for(language).values([FERRY_PROBE, MATCH_PROBE]))


# --- What the desk taught -------------------------------------------------------------------


def test_claims_are_positives_dismissals_negatives_and_unmarked_sentences_of_checked_articles_weak(db):
    open_article = desk_article(0)
    checked = desk_article(1, final=True)
    ClaimFactory(article=open_article, phrase="harbour cafe", anchor_state=AnchorState.ORPHANED, exact="A lost quote")
    rows = {(row.group, row.text): row for row in training.desk_sentences("en")}

    claimed = rows[(f"article {open_article.pk}", ferry(0))]
    assert (claimed.label, claimed.weight) == (1, 1.0)  # the whole sentence, though the claim is a phrase
    assert rows[(f"article {open_article.pk}", "A lost quote")].label == 1  # an orphaned claim: its quote
    dismissed = rows[(f"article {open_article.pk}", match(0))]
    assert (dismissed.label, dismissed.weight) == (0, 1.0)
    weak = rows[(f"article {checked.pk}", "The harbour cafe reopened with a new menu.")]
    assert (weak.label, weak.weight) == (0, training.WEAK_NEGATIVE_WEIGHT)
    # An article still being checked teaches nothing about its unmarked sentences.
    assert (f"article {open_article.pk}", "The harbour cafe reopened with a new menu.") not in rows


def test_desk_sentences_are_kept_per_language(db):
    desk_article(0, language="en-GB")
    desk_article(1, language="fr")
    british = Article.objects.get(language="en-GB")
    assert {row.group for row in training.desk_sentences("en")} == {f"article {british.pk}"}
    assert len(training.desk_sentences("FR")) == 2


# --- Which scorer ---------------------------------------------------------------------------


def test_english_uses_the_shipped_model_and_other_languages_the_features(db):
    english = training.scorer_for("en-GB")
    assert isinstance(english, TrainedModel) and english.label == "en default"
    # No model and no French word lists: the language-neutral features (figures, %, dates...).
    assert training.scorer_for("fr") is NEUTRAL_FEATURE_SCORER


def test_suggestions_say_which_model_scored_them_and_why(db, checker_client):
    article = ArticleFactory()
    found = suggestions.suggestions_for(article)
    assert found and all(s.basis == "probability, en default" and 0 < s.score <= 1 for s in found)
    assert all(s.reasons for s in found)
    french = ArticleFactory(language="fr", body=article.body)
    assert {s.basis for s in suggestions.suggestions_for(french)} == {"feature points (language-neutral)"}
    page = checker_client.get(reverse("search:suggestions", args=[article.pk])).content.decode()
    assert "(probability, en default)" in page and "Score 0." in page


def test_a_model_never_suggests_a_sentence_that_already_has_a_claim(db):
    article = desk_article(0)
    assert ferry(0) not in [s.text for s in suggestions.suggestions_for(article, limit=50)]


def test_a_damaged_version_file_falls_back_instead_of_breaking_the_page(db, caplog):
    desk()
    version, _ = training.retrain_from_desk("en", user=None, force=True)
    CheckworthinessModel.objects.filter(pk=version.pk).update(sha256="0" * 64)
    assert training.scorer_for("en").label == "en default"
    assert "could not be loaded" in caplog.text
    version.refresh_from_db()
    with pytest.raises(training.ModelFileError, match="has changed"):
        training.activate(version)


# --- Retraining, versions, rollback ---------------------------------------------------------


def test_retraining_from_desk_decisions_changes_the_ranking_in_the_expected_direction(db, editor):
    desk()
    ferry_before, match_before = scores()
    assert match_before > ferry_before  # the shipped model finds the match report more check-worthy

    version, outcome = training.retrain_from_desk("en", user=editor, on_top_of_default=True, force=True)

    ferry_after, match_after = scores()
    assert ferry_after > match_after
    assert ferry_after > ferry_before and match_after < match_before
    assert version.is_active and version.trained_by == editor and version.label == "en v1"
    assert version.training["on_top_of"] == "en default"
    assert version.metrics["compared_with"] == "en default"
    assert outcome.held_out.n == version.metrics["held_out"]["n"] > 0


def test_retraining_from_the_desk_alone_also_learns_its_notion(db):
    desk()
    training.retrain_from_desk("en", user=None, force=True)
    ferry_after, match_after = scores()
    assert ferry_after > 0.5 > match_after


def test_rollback_restores_the_earlier_models_scores_exactly(db):
    desk()
    first, _ = training.retrain_from_desk("en", user=None, force=True)
    first_scores = scores()
    desk_article(20)
    desk_article(21)
    second, _ = training.retrain_from_desk("en", user=None, on_top_of_default=True, force=True)
    assert not np.array_equal(scores(), first_scores)
    assert list(CheckworthinessModel.objects.filter(is_active=True)) == [second]

    training.activate(first)

    assert np.array_equal(scores(), first_scores)
    assert list(CheckworthinessModel.objects.filter(is_active=True)) == [first]
    assert training.scorer_for("en").label == "en v1"


def test_a_version_that_is_not_better_is_kept_but_not_activated(db):
    desk()
    outcome = training.train_and_compare(training.desk_sentences("en"), "en")
    worse = training.TrainingOutcome(
        outcome.model, outcome.current, outcome.held_out, "a better model", "en"
    ) if outcome.better else outcome
    kept = training.store(worse, user=None)
    assert not kept.is_active and kept.note.startswith("Not activated: not better than")
    forced = training.store(worse, user=None, force=True)
    assert forced.is_active and forced.note.startswith("Activated on request although")
    assert training.scorer_for("en").label == "en v2"


def test_too_little_desk_data_is_refused_and_the_current_model_stays(db):
    desk()
    version, _ = training.retrain_from_desk("en", user=None, force=True)
    before = scores()
    with pytest.raises(TrainingDataError, match="no desk decisions"):
        training.retrain_from_desk("fr", user=None, force=True)
    desk_article(0, language="de")
    with pytest.raises(TrainingDataError, match="at least 2 sentences of each class"):
        training.retrain_from_desk("de", user=None, force=True)
    with pytest.raises(TrainingDataError, match="ships no default model"):
        training.retrain_from_desk("de", user=None, on_top_of_default=True)
    assert list(CheckworthinessModel.objects.all()) == [version]
    assert np.array_equal(scores(), before)


def test_deactivating_falls_back_to_the_shipped_model(db):
    desk()
    training.retrain_from_desk("en", user=None, force=True)
    assert training.deactivate("en") == 1
    assert training.scorer_for("en").label == "en default"


def test_only_one_version_per_language_can_be_active(db):
    from django.db import IntegrityError, transaction

    desk()
    version, _ = training.retrain_from_desk("en", user=None, force=True)
    other = CheckworthinessModel.objects.create(language="en", version=2, file=version.file.name, sha256=version.sha256)
    with pytest.raises(IntegrityError), transaction.atomic():
        CheckworthinessModel.objects.filter(pk=other.pk).update(is_active=True)


# --- The command ----------------------------------------------------------------------------


LABELLED = [
    {"text": f"Ferry fares from {place} rose by {10 + index}% this year, the operator said.", "label": 1}
    for index, place in enumerate(PLACES)
] + [{"text": f"What a lovely crossing it was to {place} today!", "label": 0} for place in PLACES]


def write_labelled(tmp_path, rows=LABELLED, name="labelled.jsonl"):
    path = tmp_path / name
    path.write_text("\n".join(json.dumps(row) for row in rows), encoding="utf-8")
    return path


def run(*args) -> str:
    out = StringIO()
    call_command("train_checkworthiness", *map(str, args), stdout=out)
    return out.getvalue()


def test_the_command_trains_from_a_file_and_prints_held_out_metrics(db, tmp_path):
    output = tmp_path / "model.npz"
    printed = run(write_labelled(tmp_path), "--output", output, "--evaluate", write_labelled(tmp_path, name="x.jsonl"))
    assert "precision  recall     F1     AP    MAP" in printed
    assert "new model" in printed and "the features alone" in printed  # a file is compared with the baseline
    assert f"Wrote {output}" in printed
    model = TrainedModel.from_bytes(output.read_bytes())
    assert model.header["training"]["sentences"] == 20
    assert not CheckworthinessModel.objects.exists()  # --output writes a file, keeps no version


def test_the_command_keeps_a_version_and_learns_from_the_desk_on_top_of_the_default(db, tmp_path, editor):
    desk()
    printed = run(write_labelled(tmp_path), "--from-desk", "--on-top-of-default", "--force", "--user", editor.username)
    version = CheckworthinessModel.objects.get()
    assert f"Saved as {version.label} (active)" in printed
    assert version.trained_by == editor
    assert "the desk's decisions" in version.training["description"]
    assert version.training["on_top_of"] == "en default"
    assert training.scorer_for("en").label == "en v1"


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([], "holds no labelled sentences"),
        ([{"text": "Fares rose 5%.", "label": 1}] * 3, "both classes"),
        ([{"sentence": "Fares rose 5%.", "class": 1}], "missing column text and label"),
        ([{"text": "Fares \ud800 rose", "label": 1}], "lone surrogate"),
    ],
)
def test_the_command_refuses_bad_files_and_changes_nothing(db, tmp_path, rows, message):
    desk()
    version, _ = training.retrain_from_desk("en", user=None, force=True)
    before = scores()
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(rows), encoding="utf-8")
    with pytest.raises(CommandError, match=message):
        run(path, "--force")
    with pytest.raises(CommandError, match=message):
        run(path, "--output", tmp_path / "out.npz")
    assert not (tmp_path / "out.npz").exists()
    assert list(CheckworthinessModel.objects.all()) == [version]
    assert np.array_equal(scores(), before)


def test_the_command_needs_something_to_train_on(db):
    with pytest.raises(CommandError, match="Give labelled files"):
        run()


# --- The admin ------------------------------------------------------------------------------


CHANGELIST = "admin:search_checkworthinessmodel_changelist"
RETRAIN = "admin:search_checkworthinessmodel_retrain"


def test_the_admin_lists_versions_with_their_held_out_scores_and_a_retrain_link(admin_client):
    desk()
    version, _ = training.retrain_from_desk("en", user=None, force=True)
    page = admin_client.get(reverse(CHANGELIST)).content.decode()
    assert "Retrain from the desk" in page and reverse(RETRAIN) in page
    assert version.label in page and f"{version.metrics['held_out']['average_precision']:.3f}" in page
    assert admin_client.get(reverse(RETRAIN)).status_code == 200


def test_retraining_from_the_admin_keeps_a_new_version(admin_client, admin_user):
    desk()
    response = admin_client.post(reverse(RETRAIN), {"language": "en", "on_top_of_default": "on", "force": "on"})
    assert response.status_code == 302
    version = CheckworthinessModel.objects.get()
    assert version.is_active and version.trained_by == admin_user
    messages = [str(m) for m in admin_client.get(reverse(CHANGELIST)).context["messages"]]
    assert any(message.startswith("Trained en v1.") for message in messages)


def test_retraining_from_the_admin_with_a_labelled_file(admin_client, tmp_path):
    desk()
    path = write_labelled(tmp_path)
    with path.open("rb") as upload:
        response = admin_client.post(reverse(RETRAIN), {"language": "en", "labelled_file": upload, "force": "on"})
    assert response.status_code == 302
    assert "a labelled file" in CheckworthinessModel.objects.get().training["description"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ('[{"text": "Fares rose 5%.", "label": 1}, {"text": "Fares fell 5%.", "label": 1}]', "both classes"),
        ('[{"text": "Fares \\ud800", "label": 1}]', "lone surrogate"),
        ("", "The submitted file is empty"),
    ],
)
def test_a_bad_file_in_the_admin_is_refused_and_changes_nothing(admin_client, tmp_path, data, message):
    desk()
    version, _ = training.retrain_from_desk("en", user=None, force=True)
    path = tmp_path / "bad.json"
    path.write_text(data, encoding="utf-8")
    with path.open("rb") as upload:
        response = admin_client.post(reverse(RETRAIN), {"language": "en", "labelled_file": upload, "force": "on"})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert list(CheckworthinessModel.objects.all()) == [version]


def test_too_little_desk_data_in_the_admin_is_reported_on_the_form(admin_client):
    response = admin_client.post(reverse(RETRAIN), {"language": "fr", "force": "on"})
    assert response.status_code == 400
    assert "no desk decisions" in response.content.decode()
    assert not CheckworthinessModel.objects.exists()


def test_the_admin_action_rolls_back_to_an_earlier_version(admin_client):
    desk()
    first, _ = training.retrain_from_desk("en", user=None, force=True)
    first_scores = scores()
    desk_article(30)
    training.retrain_from_desk("en", user=None, on_top_of_default=True, force=True)
    response = admin_client.post(
        reverse(CHANGELIST), {"action": "activate_version", "_selected_action": [first.pk]}, follow=True
    )
    assert [str(message) for message in response.context["messages"]] == ["en v1 is now the active model for “en”."]
    assert np.array_equal(scores(), first_scores)


def test_the_admin_action_refuses_two_versions_of_one_language(admin_client):
    desk()
    first, _ = training.retrain_from_desk("en", user=None, force=True)
    second, _ = training.retrain_from_desk("en", user=None, force=True)
    response = admin_client.post(
        reverse(CHANGELIST), {"action": "activate_version", "_selected_action": [first.pk, second.pk]}, follow=True
    )
    assert "Select one version per language" in response.content.decode()
    assert list(CheckworthinessModel.objects.filter(is_active=True)) == [second]


def test_the_admin_action_goes_back_to_the_shipped_model(admin_client):
    desk()
    version, _ = training.retrain_from_desk("en", user=None, force=True)
    response = admin_client.post(
        reverse(CHANGELIST), {"action": "use_shipped_model", "_selected_action": [version.pk]}, follow=True
    )
    assert "now scored by en default" in response.content.decode()
    assert not CheckworthinessModel.objects.filter(is_active=True).exists()


def test_editors_cannot_retrain_from_the_admin(editor_client):
    desk()
    response = editor_client.post(reverse(RETRAIN), {"language": "en", "force": "on"})
    assert response.status_code in (302, 403)
    assert not CheckworthinessModel.objects.exists()


# --- Inbox ranking --------------------------------------------------------------------------


def test_articles_with_the_most_unclaimed_check_worthy_sentences_come_first(db):
    two = ArticleFactory(
        title="two", body="Rents rose 14% in 2023, the steepest rise since 1990.\n\nBus fares doubled to £3.40 in May."
    )
    none = ArticleFactory(title="none", body="What a lovely day.\n\nThank you for reading.")
    claimed = ArticleFactory(title="claimed", body="Council tax rose 9% in April, the highest in England.")
    ClaimFactory(article=claimed, phrase="Council tax rose 9%")
    one = ArticleFactory(
        title="one",
        body="Crime fell by 12 percent last year, police figures show.\n\nBus fares doubled to £3.40 in May.",
    )
    start = one.body.index("Bus fares")
    SuggestionDismissalFactory(article=one, start=start, end=len(one.body))
    queryset = Article.objects.filter(pk__in=[none.pk, claimed.pk, one.pk, two.pk])
    ranked = inbox.articles_by_unclaimed_checkworthiness(queryset)
    assert [article.title for article in ranked[:2]] == ["two", "one"]
    assert [article.unclaimed_checkworthy for article in ranked] == [2, 1, 0, 0]
    assert {article.title for article in ranked[2:]} == {"none", "claimed"}


def test_the_ranking_also_comes_as_an_ordered_queryset_for_the_inbox_hook(db):
    quiet = ArticleFactory(title="quiet", body="What a lovely day.\n\nThank you for reading.")
    busy = ArticleFactory(title="busy", body="Rents rose 14% in 2023, the steepest rise since 1990.")
    ranked = inbox.ranked_queryset(Article.objects.filter(pk__in=[quiet.pk, busy.pk]).order_by("pk"))
    assert [(article.title, article.unclaimed_checkworthy) for article in ranked] == [("busy", 1), ("quiet", 0)]


def test_inbox_ranking_costs_a_fixed_number_of_queries(db, django_assert_max_num_queries):
    articles = [ArticleFactory() for _ in range(5)] + [ArticleFactory(language="fr") for _ in range(2)]
    for article in articles:
        ClaimFactory(article=article, phrase="unemployment fell to 6 percent")
    with django_assert_max_num_queries(5):
        ranked = inbox.articles_by_unclaimed_checkworthiness(Article.objects.all())
    assert len(ranked) == 7 and all(article.unclaimed_checkworthy == 1 for article in ranked)


def test_extra_labelled_sentences_join_the_desk_data(db):
    desk()
    extra = [LabelledSentence(row["text"], row["label"]) for row in LABELLED]
    version, _ = training.retrain_from_desk("en", user=None, force=True, extra=extra)
    assert version.training["sentences"] == len(training.desk_sentences("en")) + len(extra)
