"""The trained check-worthiness model (annotations.checkworthiness_model): it learns from a small
labelled file, explains itself with features and words the sentence really has, round-trips
through its file exactly and safely, and refuses bad training files with clear errors."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import numpy as np
import pytest

from annotations import checkworthiness as cw
from annotations.checkworthiness import FEATURES, present_features, suggest
from annotations.checkworthiness_model import (
    LabelledSentence,
    ModelFileError,
    TrainedModel,
    TrainingDataError,
    average_precision,
    evaluate,
    read_labelled,
    split_held_out,
    train,
)

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "checkworthiness.jsonl"
CONFORMANCE = Path(__file__).resolve().parents[1].parent / "shared" / "conformance" / "checkworthiness"

# A small labelled file, written for these tests: local-news claims (1) and other sentences (0).
SMALL = [
    ("The council spent $4.5 million resurfacing roads in 2023, twice the previous year's budget.", 1),
    ("Unemployment in the county fell to 3.9% in June, the lowest rate since 2001.", 1),
    ("Mayor Ann Cole said crime dropped by 12 percent after the new patrols began.", 1),
    ("The hospital treated 41,000 patients last winter, according to health board figures.", 1),
    ("Bus fares rose 18% in January while wages grew by only 2%.", 1),
    ("The school closed two libraries and cut 30 teaching posts, the union said.", 1),
    ("Recycling rates doubled compared with 2015, the environment agency reported.", 1),
    ("Housing prices in the city have risen 40 percent in five years.", 1),
    ("The bridge repairs cost £2.1 million, more than the council had promised.", 1),
    ("Senator Maria Lopez voted against the water bill in March.", 1),
    ("What a lovely afternoon it was at the summer fair.", 0),
    ("Sign up for our newsletter to get the latest stories.", 0),
    ("I think we should all try to be a little kinder.", 0),
    ("What does this mean for families in the area?", 0),
    ("Thank you to everyone who came along tonight.", 0),
    ("She smiled, waved, and walked back to her car.", 0),
    ("The band played until the sun went down.", 0),
    ("Many residents hope the park will be tidier next spring.", 0),
    ("Click here to read more about the festival.", 0),
    ("It felt like a special evening for the whole town.", 0),
]


def small() -> list[LabelledSentence]:
    return [LabelledSentence(text, label) for text, label in SMALL]


@pytest.fixture(scope="module")
def small_model() -> TrainedModel:
    return train(small(), language="en", label="small")


def team_fixture() -> list[LabelledSentence]:
    return read_labelled(FIXTURE.read_bytes(), FIXTURE.name)


@pytest.fixture(scope="module")
def fixture_model() -> TrainedModel:
    """Trained on the team fixture and the small file: enough data for words to matter."""
    return train(team_fixture() + small(), label="team")


# --- Training -------------------------------------------------------------------------------


def test_training_on_a_small_labelled_file_ranks_its_positives_first(tmp_path):
    file = tmp_path / "desk-examples.csv"
    with file.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "label"])
        writer.writerows(SMALL)
    sentences = read_labelled(file.read_bytes(), file.name)
    model = train(sentences)
    scores = model.values([sentence.text for sentence in sentences])
    ranked = [sentences[index].label for index in np.argsort(-scores, kind="stable")]
    assert ranked == [1] * 10 + [0] * 10
    assert average_precision(scores, [sentence.label for sentence in sentences]) == 1.0


def test_a_model_trained_on_part_of_the_team_fixture_ranks_the_unseen_part_well():
    training_part, held_out = split_held_out(team_fixture(), 0.3, seed=1)
    model = train(training_part)
    result = evaluate(model.values([s.text for s in held_out]), held_out, model.threshold)
    assert result.positives >= 10
    assert result.average_precision >= 0.85
    assert result.f1 >= 0.75


def test_unseen_sentences_like_the_positives_outscore_those_like_the_negatives(small_model):
    claim, chatter = small_model.values(
        [
            "Council tax rose by 6% in April, the biggest rise since 2010.",
            "It was a lovely evening and everyone had a wonderful time.",
        ]
    )
    assert claim > small_model.threshold > chatter


def test_the_threshold_is_chosen_on_the_training_rows_and_is_a_probability(small_model):
    assert 0.0 < small_model.threshold < 1.0


def test_training_on_top_of_a_model_adds_to_what_it_knew(small_model):
    bins = [
        ("Bin collections were reduced to once a fortnight in 2022, saving £300,000.", 1),
        ("The new bin lorries run on electricity and cost £400,000 each.", 1),
        ("Bins are now collected from 14 villages that had no service before.", 1),
        ("The ward has 1,200 households without a green bin, the council said.", 1),
        ("Nobody likes to think about bins on a sunny day.", 0),
        ("Put your bin out the night before, please.", 0),
        ("The bins were painted a cheerful green.", 0),
        ("Who remembers the old metal bins?", 0),
    ]
    on_top = train([LabelledSentence(t, label) for t, label in bins], base=small_model)
    probe = ["Missed bin collections rose to 5,400 last year, up from 3,100."]
    assert on_top.values(probe)[0] > small_model.values(probe)[0]
    scores = on_top.values([text for text, _ in SMALL])
    assert average_precision(scores, [label for _, label in SMALL]) >= 0.95  # still knows the old examples
    assert on_top.header["training"]["on_top_of"] == "small"


# --- Explanations ---------------------------------------------------------------------------


EXPLAINED = [
    "Unemployment in the county fell to 3.9% in June, the lowest rate since 2001.",
    "Mayor Ann Cole said crime dropped by 12 percent after the new patrols began.",
    "The bridge repairs cost £2.1 million, more than the council had promised.",
    "Council tax rose by 6% in April, the biggest rise since 2010.",
]


@pytest.mark.parametrize("text", EXPLAINED)
def test_explanations_name_features_and_words_the_sentence_really_has(small_model, text):
    explanation = small_model.explain(text)
    present = {FEATURES[name].reason for name in present_features(text)}
    assert explanation.features, "a strong claim is explained by its features"
    for reason, contribution in explanation.features:
        assert reason in present
        assert contribution > 0
    for phrase, contribution in explanation.phrases:
        assert phrase in text
        assert contribution > 0
    assert explanation.reasons[: len(explanation.features)] == tuple(reason for reason, _ in explanation.features)


def test_explanations_quote_the_words_that_pushed_the_score_up(fixture_model):
    text = "Council tax rose by 6% in April, the biggest rise since 2010."
    reasons = fixture_model.reasons(text)
    assert "contains a percentage" in reasons
    wording = [reason for reason in reasons if reason.startswith("wording often found in checkable claims: ")]
    assert len(wording) == 1
    quoted = re.findall(r"“([^”]+)”", wording[0])
    assert quoted and all(phrase in text for phrase in quoted)


def test_explanations_never_cite_a_question_an_opinion_or_promotion(small_model):
    negative = {feature.reason for feature in FEATURES.values() if feature.weight < 0}
    for text in ("What does the 5% rise mean for you?", "I think the £3 million plan should go ahead.",
                 "Subscribe now and save 20%."):
        assert not negative & set(small_model.reasons(text))


def test_the_parts_of_an_explanation_add_up_to_the_score(small_model):
    text = EXPLAINED[0]
    words = small_model._word_contributions(text.split())
    weights = dict(zip(cw.FEATURES, small_model.feature_weights.tolist(), strict=True))
    features = sum(weights[name] for name in present_features(text)) * small_model.settings.feature_scale
    logit = small_model.logits([text])[0]
    assert words.sum() + features + small_model.intercept == pytest.approx(logit, abs=1e-4)


def test_scoring_word_by_word_gives_the_same_character_scores_as_every_n_gram(small_model):
    from annotations import checkworthiness_model as model_module

    texts = [text for text, _ in SMALL] + ["", "   ", "Ünïcödé İstanbul ΟΔΟΣ \x00 tab\tand\nnewline"]
    normalised = [model_module._normalise(text) for text in texts]
    settings = small_model.settings
    every_ngram = small_model.char.logits(
        *model_module._char_ngrams(normalised, *settings.char_ngrams, settings.hash_bits), len(texts)
    )
    assert np.allclose(small_model._char_logits(normalised), every_ngram, rtol=0, atol=1e-9)


def test_suggest_with_a_model_explains_and_never_offers_a_claimed_sentence(small_model):
    body = (
        "Bus fares rose 18% in January while wages grew by only 2%.\n\n"
        "It felt like a special evening for the whole town.\n\n"
        "The council spent $4.5 million resurfacing roads in 2023."
    )
    claimed = body.index("The council")
    found = suggest(body, covered=[(claimed + 4, claimed + 11)], scorer=small_model)
    assert [s.text for s in found] == ["Bus fares rose 18% in January while wages grew by only 2%."]
    assert found[0].basis == "probability, small"
    assert 0 < found[0].score <= 1 and "contains a percentage" in found[0].reasons


# --- Files ----------------------------------------------------------------------------------


def test_a_saved_model_loads_with_exactly_the_same_scores(small_model):
    data = small_model.to_bytes()
    loaded = TrainedModel.from_bytes(data)
    texts = [text for text, _ in SMALL] + EXPLAINED
    assert np.array_equal(loaded.values(texts), small_model.values(texts))
    assert loaded.threshold == small_model.threshold
    assert loaded.explain(EXPLAINED[1]) == small_model.explain(EXPLAINED[1])
    assert len(data) < 5 * 1024 * 1024


def test_the_model_file_is_numbers_and_json_only(small_model):
    with np.load(io.BytesIO(small_model.to_bytes()), allow_pickle=False) as archive:
        assert all(archive[name].dtype != object for name in archive.files)
        header = json.loads(str(archive["header"]))
    assert header["format"] == "factdesk-checkworthiness"
    assert header["language"] == "en"
    assert header["training"]["sentences"] == 20 and header["training"]["check_worthy"] == 10
    assert header["feature_names"] == list(FEATURES)


def _npz(**arrays) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def _arrays(model: TrainedModel) -> dict[str, np.ndarray]:
    with np.load(io.BytesIO(model.to_bytes()), allow_pickle=False) as archive:
        return {name: archive[name] for name in archive.files}


def test_a_file_with_pickled_objects_is_refused_without_running_them():
    data = _npz(header=np.array([{"format": "factdesk-checkworthiness"}], dtype=object))
    with pytest.raises(ModelFileError):
        TrainedModel.from_bytes(data)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda a: a.pop("char_idf"), "missing char_idf"),
        (lambda a: a.update(header=np.array("not json")), "not valid JSON"),
        (lambda a: a.update(header=np.array(json.dumps({"format": "other"}))), "Not a Factdesk"),
        (lambda a: a.update(word_index=a["word_index"] + 2**30), "index out of range"),
        (lambda a: a.update(feature_weight=a["feature_weight"] * np.nan), "bad feature weights"),
    ],
)
def test_damaged_model_files_get_a_clear_error(small_model, change, message):
    arrays = _arrays(small_model)
    change(arrays)
    with pytest.raises(ModelFileError, match=message):
        TrainedModel.from_bytes(_npz(**arrays))


def test_bytes_that_are_not_a_model_get_a_clear_error():
    with pytest.raises(ModelFileError, match=r"not a readable \.npz"):
        TrainedModel.from_bytes(b"PK\x03\x04 definitely not a zip")


# --- Labelled files -------------------------------------------------------------------------


def test_claimbuster_and_clef_layouts_are_read():
    claimbuster = json.dumps([{"sentence_id": 7, "label": 1, "text": "Taxes rose 5%."},
                              {"sentence_id": 8, "label": 0, "text": "Thank you."}] * 2)
    assert [s.label for s in read_labelled(claimbuster, "train.json")] == [1, 0, 1, 0]
    clef = "line_number,speaker,text,label,file_name\n1,A,Taxes rose 5%.,1,d1.tsv\n2,B,Thanks.,0,d1.tsv\n" \
           "3,A,Jobs fell.,1,d2.tsv\n4,B,Hello.,0,d2.tsv\n"
    sentences = read_labelled(clef.encode(), "CT19-T1-Test.csv")
    assert [s.group for s in sentences] == ["d1.tsv", "d1.tsv", "d2.tsv", "d2.tsv"]


def test_jsonl_with_true_and_false_labels_is_read():
    rows = [{"text": "Taxes rose 5%.", "label": True}, {"text": "Hi.", "label": "false"}] * 2
    data = "\n".join(json.dumps(row) for row in rows)
    assert [s.label for s in read_labelled(data, "x.jsonl")] == [1, 0, 1, 0]


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("empty.csv", b"", "holds no labelled sentences"),
        ("empty.json", b"[]", "holds no labelled sentences"),
        ("empty.jsonl", b"\n\n", "holds no labelled sentences"),
        ("one-class.jsonl", b'{"text": "Taxes rose 5%.", "label": 1}\n{"text": "Jobs fell 2%.", "label": 1}\n',
         "training needs examples of both classes"),
        ("columns.csv", b"sentence,class\nTaxes rose 5%.,1\n", "row 1: missing column text and label"),
        ("columns.json", b'[{"text": "Taxes rose 5%."}]', "row 1: missing column label"),
        ("surrogate.json", b'[{"text": "Taxes \\ud800 rose", "label": 1}]', "lone surrogate"),
        ("latin1.csv", "text,label\nCaf\xe9 prices rose 5%,1\n".encode("latin-1"), "not UTF-8"),
        ("label.csv", b"text,label\nTaxes rose 5%.,maybe\n", "row 1: the label must be 1"),
        ("blank.csv", b"text,label\n ,1\n", "row 1: the text is empty"),
        ("broken.json", b'[{"text": "x", ', "not valid JSON"),
        ("notes.txt", b"Taxes rose 5%.", "unknown file type"),
        ("object.json", b'{"text": "x", "label": 1}', "must hold a list"),
    ],
)
def test_bad_training_files_are_refused_with_the_reason(name, data, message):
    with pytest.raises(TrainingDataError, match=message):
        read_labelled(data, name)


def test_training_refuses_too_few_examples_of_a_class():
    with pytest.raises(TrainingDataError, match="at least 2 sentences of each class"):
        train([LabelledSentence("Taxes rose 5%.", 1), LabelledSentence("Hi.", 0), LabelledSentence("Hello.", 0)])


# --- Evaluation -----------------------------------------------------------------------------


def test_mean_average_precision_ranks_each_group_on_its_own():
    sentences = [LabelledSentence("a", 1, group="x"), LabelledSentence("b", 0, group="x"),
                 LabelledSentence("c", 0, group="y"), LabelledSentence("d", 1, group="y")]
    result = evaluate([0.9, 0.1, 0.8, 0.2], sentences, 0.5)
    assert result.mean_average_precision == pytest.approx((1.0 + 0.5) / 2)
    assert result.groups == 2
    assert (result.precision, result.recall) == (0.5, 0.5)


def test_average_precision_agrees_with_the_feature_scorers_measure():
    labelled = [(s.text, s.label) for s in team_fixture()]
    scores = [cw.score_sentence(text).value for text, _ in labelled]
    assert average_precision(scores, [label for _, label in labelled]) == pytest.approx(cw.average_precision(labelled))


def test_design_comparison_cross_validates_on_training_rows_only():
    # annotations.checkworthiness_cv: how the shipped design was chosen (docs/checkworthiness.md).
    from annotations.checkworthiness_cv import compare, grouped_folds, low_prevalence_ap

    sentences = team_fixture()
    results = compare(sentences, [("shipped", {}), ("plain", None)])
    assert [result.name for result in results] == ["shipped", "plain"]
    for result in results:
        assert 0.5 < result.average_precision <= 1.0
        assert 0.0 <= result.low_prevalence_ap <= 1.0 and 0.0 < result.balanced_f1 <= 1.0
    assert grouped_folds([5, 1, 4, 2, 3, 6], folds=3).tolist() == [2, 0, 1, 0, 1, 2]
    labels = np.array([1, 1, 0, 0, 0, 0])
    assert low_prevalence_ap(np.array([6.0, 5, 4, 3, 2, 1]), labels, rate=0.2) == 1.0


# --- The features' fast path ----------------------------------------------------------------


def _sentences() -> list[str]:
    texts = [s.text for s in team_fixture()] + [text for text, _ in SMALL] + EXPLAINED + [
        "MORE THAN 40% VOTED, ACCORDING TO OFFICIALS.",
        "Since May, prices have TRIPLED; the highest in Europe.",
        "We Expect growth. Two-Thirds of voters SAID so in the past year.",
        "Good Morning! Don't miss our newsletter; it could be the best yet.",
        "One in 5 children, a majority of them girls, fell behind.",
    ]
    claimbuster = CONFORMANCE / "claimbuster" / "test.json"
    if claimbuster.is_file():
        texts += [row["text"] for row in json.loads(claimbuster.read_text(encoding="utf-8"))]
    clef = CONFORMANCE / "clef2019" / "CT19-T1-Test.csv"
    if clef.is_file():
        with clef.open(encoding="utf-8", newline="") as handle:
            texts += [row["text"] for row in csv.DictReader(handle)]
    return texts


def test_caseless_patterns_match_exactly_what_ignorecase_would():
    patterns = [value for name, value in vars(cw).items() if isinstance(value, re.Pattern) and name.isupper()
                and not re.search(r"[A-Z]", re.sub(r"\\.", "", value.pattern)) and name not in ("_MAY",)]
    assert len(patterns) >= 10
    for text in _sentences():
        lowered = text.translate(cw._ASCII_LOWER)
        for pattern in patterns:
            slow = re.compile(pattern.pattern, re.IGNORECASE)
            assert [m.span() for m in pattern.finditer(lowered)] == [m.span() for m in slow.finditer(text)]


def test_triggers_never_skip_a_pattern_that_would_match():
    # (trigger, pattern, runs on the lowered text, a digit lets the pattern run anyway)
    pairs = [
        (cw._COMPARISON_TRIGGER, cw._COMPARISON, True, False),
        (cw._RECORD_TRIGGER, cw._RECORD, True, False),
        (cw._ATTRIBUTION_TRIGGER, cw._ATTRIBUTION, True, False),
        (cw._OPINION_TRIGGER, cw._OPINION, True, False),
        (cw._SPECULATION_TRIGGER, cw._SPECULATION, True, False),
        (cw._SPECULATION_TRIGGER, cw._MAY, False, False),
        (cw._PROMOTION_TRIGGER, cw._PROMOTION, True, False),
        (cw._DATE_TRIGGER, cw._DATE, False, True),
        (cw._FIGURE_TRIGGER, cw._FIGURE_WORDS, True, True),
    ]
    checked = 0
    for text in _sentences():
        stripped = text.strip()
        lowered = stripped.translate(cw._ASCII_LOWER)
        tokens = set(cw._TOKEN.findall(lowered))
        spaced = " " + " ".join(tokens) + " "
        has_digit = cw._ANY_DIGIT.search(stripped) is not None
        for trigger, pattern, on_lowered, digit_runs_it in pairs:
            if pattern.search(lowered if on_lowered else stripped) and not (digit_runs_it and has_digit):
                assert trigger.fires(tokens, spaced), (pattern.pattern[:40], text)
                checked += 1
        if cw._PERCENT.search(lowered):
            assert has_digit or not cw._PERCENT_WORDS.isdisjoint(tokens)
        if cw._MONEY.search(lowered):
            assert has_digit or not cw._MONEY_WORDS.isdisjoint(tokens)
    assert checked > 100
