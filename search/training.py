"""Check-worthiness models on the desk: which one scores an article, and how the desk's own
decisions retrain it.

The pure model (vectorising, training, explaining, file format) is
:mod:`annotations.checkworthiness_model`; this module adds what needs the database:

* **Which scorer.** :func:`scorer_for` answers per language: the active
  :class:`~search.models.CheckworthinessModel` version, else the model shipped in
  ``search/data/`` for that language, else the hand-written features alone. Model files are
  loaded once per process (checked against their SHA-256, cached by it); a missing or damaged
  file is logged and skipped, never a 500.
* **What the desk taught.** :func:`desk_sentences`: every claim's sentences are check-worthy;
  every dismissed suggestion is not; in a fully checked article (it has claims, all published
  or dismissed) the sentences nobody marked are weak negatives (weight
  :data:`WEAK_NEGATIVE_WEIGHT`): someone read the article and left them, but may just have
  had no time.
* **Retraining.** :func:`train_and_compare` holds out part of the sentences, trains on the
  rest (alone, or on top of the shipped default), compares with the current scorer on the
  held-out part, then refits on everything. :func:`store` keeps the result as a new version
  and activates it only if it was better, or if the editor forces it. :func:`activate` is
  also the rollback.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from django.contrib.auth.models import AbstractBaseUser
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max, Q

from annotations.checkworthiness import Scorer, feature_scorer_for, split_sentences
from annotations.checkworthiness_model import (
    MAX_MODEL_BYTES,
    Evaluation,
    LabelledSentence,
    ModelFileError,
    TrainedModel,
    TrainingDataError,
    TrainingSettings,
    check_training_data,
    describe,
    evaluate,
    split_held_out,
    train,
)
from annotations.models import AnchorState, Claim, ClaimStatus, SuggestionDismissal
from articles.models import Article
from search.models import CheckworthinessModel

logger = logging.getLogger(__name__)

DATA_DIR = Path(__file__).resolve().parent / "data"
#: The models that ship with Factdesk, per language (docs/checkworthiness.md: how they were made).
DEFAULT_MODEL_FILES: dict[str, Path] = {"en": DATA_DIR / "checkworthiness-en.npz"}
#: What a sentence nobody marked in a fully checked article counts for, against 1 for a decision.
WEAK_NEGATIVE_WEIGHT = 0.3
#: Share of the sentences held out to compare a new model with the current one.
HELD_OUT = 0.2
#: An article whose claims are all in these states has been fully checked.
FINAL_STATUSES = (ClaimStatus.PUBLISHED, ClaimStatus.DISMISSED)


def language_key(language: str) -> str:
    """The primary language subtag in lower case ("en-GB" → "en"): models are kept per language."""
    return language.strip().replace("_", "-").split("-")[0].lower()


# --------------------------------------------------------------------------------------
# Which scorer: loading once per process
# --------------------------------------------------------------------------------------

_CACHE_SIZE = 4  # about 32 MB each
_cache_lock = threading.Lock()
_cache: OrderedDict[str, TrainedModel] = OrderedDict()


def _cached(key: str, load: Callable[[], TrainedModel]) -> TrainedModel:
    """The model cached under ``key``, loading it on first use (a few most recent are kept)."""
    with _cache_lock:
        model = _cache.get(key)
        if model is not None:
            _cache.move_to_end(key)
            return model
    model = load()  # outside the lock: reading and unpacking a file takes a moment
    with _cache_lock:
        _cache[key] = model
        _cache.move_to_end(key)
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return model


def default_model(language: str) -> TrainedModel | None:
    """The model shipped for ``language``, or None where Factdesk ships none."""
    key = language_key(language)
    path = DEFAULT_MODEL_FILES.get(key)
    if path is None or not path.is_file():
        return None
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    return _cached(digest, lambda: TrainedModel.from_bytes(data).with_label(f"{key} default"))


def load_version(version: CheckworthinessModel) -> TrainedModel:
    """The stored model of ``version``; :class:`ModelFileError` if its file is gone or altered."""

    def load() -> TrainedModel:
        try:
            with version.file.open("rb") as handle:
                data = handle.read(MAX_MODEL_BYTES + 1)
        except (OSError, ValueError) as error:
            raise ModelFileError(f"The file of model {version.label} cannot be read: {error}") from error
        if hashlib.sha256(data).hexdigest() != version.sha256:
            raise ModelFileError(f"The file of model {version.label} has changed since it was trained.")
        return TrainedModel.from_bytes(data).with_label(version.label)

    return _cached(version.sha256, load)


def scorer_for(language: str) -> Scorer:
    """What scores sentences in ``language``: active version, shipped default, or the features.

    One query. A version whose file cannot be loaded is logged and skipped, so a storage
    problem degrades suggestions instead of breaking the article page.
    """
    key = language_key(language)
    version = CheckworthinessModel.objects.filter(language=key, is_active=True).first()
    if version is not None:
        try:
            return load_version(version)
        except ModelFileError:
            logger.exception("Check-worthiness model %s could not be loaded; using the fallback", version.label)
    try:
        model = default_model(key)
    except (ModelFileError, OSError):
        logger.exception("The shipped check-worthiness model for %r could not be loaded", key)
        model = None
    return model if model is not None else feature_scorer_for(key)


def current_label(scorer: Scorer) -> str:
    """How a scorer is named in comparisons and notes."""
    return scorer.label if isinstance(scorer, TrainedModel) else "the features alone"


# --------------------------------------------------------------------------------------
# What the desk taught
# --------------------------------------------------------------------------------------


def _overlaps(start: int, end: int, spans: Sequence[tuple[int, int]]) -> bool:
    return any(start < span_end and span_start < end for span_start, span_end in spans)


def desk_sentences(language: str) -> list[LabelledSentence]:
    """Labelled sentences from the desk's decisions on articles in ``language``.

    Check-worthy: each sentence a claim covers (an orphaned claim: its quote). Not
    check-worthy: each dismissed suggestion, unless the same sentence later got a claim.
    Weakly not check-worthy: the unmarked sentences of fully checked articles. Grouped by
    article, so MAP ranks each article on its own. Three queries.
    """
    key = language_key(language)
    claims: dict[int, list[tuple[int, int, str, str, str]]] = {}
    for article_id, start, end, exact, status, anchor in Claim.objects.values_list(
        "article_id", "start", "end", "exact", "status", "anchor_state"
    ):
        claims.setdefault(article_id, []).append((start, end, exact, status, anchor))
    dismissed: dict[int, list[str]] = {}
    for article_id, sentence in SuggestionDismissal.objects.values_list("article_id", "sentence"):
        dismissed.setdefault(article_id, []).append(sentence)
    articles = Article.objects.filter(Q(pk__in=claims.keys()) | Q(pk__in=dismissed.keys())).only(
        "pk", "body", "language"
    )

    sentences: list[LabelledSentence] = []
    for article in articles.order_by("pk").iterator():
        if language_key(article.language) != key:
            continue
        group = f"article {article.pk}"
        article_claims = claims.get(article.pk, [])
        spans = [(start, end) for start, end, _, _, anchor in article_claims if anchor != AnchorState.ORPHANED]
        positives = {text for _, _, text, _, anchor in article_claims if anchor == AnchorState.ORPHANED}
        negatives: set[str] = set(dismissed.get(article.pk, []))
        unmarked: set[str] = set()
        for sentence in split_sentences(article.body, article.language):
            if _overlaps(sentence.start, sentence.end, spans):
                positives.add(sentence.text)
            else:
                unmarked.add(sentence.text)
        fully_checked = bool(article_claims) and all(status in FINAL_STATUSES for _, _, _, status, _ in article_claims)
        weak = (unmarked - positives - negatives) if fully_checked else set()
        sentences += [LabelledSentence(text, 1, 1.0, group) for text in sorted(positives)]
        sentences += [LabelledSentence(text, 0, 1.0, group) for text in sorted(negatives - positives) if text.strip()]
        sentences += [LabelledSentence(text, 0, WEAK_NEGATIVE_WEIGHT, group) for text in sorted(weak)]
    return sentences


# --------------------------------------------------------------------------------------
# Training, comparing, keeping
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrainingOutcome:
    """A trained model and how it compares with the current scorer on held-out sentences."""

    model: TrainedModel  # refitted on all sentences: what is kept
    held_out: Evaluation  # the same training without the held-out part, measured on it
    current: Evaluation  # the current scorer on the same held-out part
    current_label: str
    language: str

    @property
    def better(self) -> bool:
        """Better ranking (AP) on the held-out part; at equal AP, better F1."""
        return (self.held_out.average_precision, self.held_out.f1) > (
            self.current.average_precision,
            self.current.f1,
        )

    def metrics(self) -> dict[str, object]:
        """What the version row and the model file's header record about the comparison."""
        return {
            "held_out": self.held_out.as_dict(),
            "current": self.current.as_dict(),
            "compared_with": self.current_label,
            "better": self.better,
        }

    def comparison(self) -> str:
        verb = "better than" if self.better else "not better than"
        return (
            f"{verb} {self.current_label} on {self.held_out.n} held-out sentences "
            f"(AP {self.held_out.average_precision:.3f} vs {self.current.average_precision:.3f}, "
            f"F1 {self.held_out.f1:.3f} vs {self.current.f1:.3f})"
        )


def train_and_compare(
    sentences: Sequence[LabelledSentence],
    language: str,
    *,
    base: TrainedModel | None = None,
    settings: TrainingSettings | None = None,
    description: str = "",
    seed: int = 0,
    compare_with: Scorer | None = None,
) -> TrainingOutcome:
    """Hold out :data:`HELD_OUT` of ``sentences`` (same share per class), train on the rest,
    measure the new model and the current scorer (or ``compare_with``) on the held-out
    part, then refit on all.

    Raises :class:`TrainingDataError` (nothing trained) when the data cannot support this.
    """
    key = language_key(language)
    check_training_data(sentences)
    training_part, held_out = split_held_out(sentences, HELD_OUT, seed)
    held_positives = sum(sentence.label for sentence in held_out)
    if not held_positives or held_positives == len(held_out):
        raise TrainingDataError(
            f"Too few examples to hold some out for the comparison ({describe(sentences)}): "
            "at least 3 check-worthy and 3 other sentences are needed."
        )
    check_training_data(training_part)
    texts = [sentence.text for sentence in held_out]
    trial = train(training_part, settings, base=base, language=key)
    current = compare_with if compare_with is not None else scorer_for(key)
    held_eval = evaluate(trial.values(texts), held_out, trial.threshold)
    current_eval = evaluate(current.values(texts), held_out, current.threshold)
    model = train(sentences, settings, base=base, language=key, description=description)
    outcome = TrainingOutcome(model, held_eval, current_eval, current_label(current), key)
    return TrainingOutcome(
        model.with_label(model.label, metrics=outcome.metrics()), held_eval, current_eval, outcome.current_label, key
    )


def store(outcome: TrainingOutcome, *, user: AbstractBaseUser | None, force: bool = False) -> CheckworthinessModel:
    """Keep ``outcome`` as the language's next version; active if it was better, or ``force``.

    The file is written to the default storage first and removed again if the row cannot
    be saved, so a failure leaves neither a row without a file nor the active model changed.
    """
    activate_it = force or outcome.better
    if outcome.better:
        note = f"Activated: {outcome.comparison()}."
    elif force:
        note = f"Activated on request although {outcome.comparison()}."
    else:
        note = f"Not activated: {outcome.comparison()}. Activate it from the admin to use it anyway."
    data = outcome.model.to_bytes()
    key = outcome.language
    with transaction.atomic():
        versions = CheckworthinessModel.objects.select_for_update().filter(language=key)
        number = (versions.aggregate(Max("version"))["version__max"] or 0) + 1
        row = CheckworthinessModel(
            language=key,
            version=number,
            metrics=outcome.metrics(),
            training=dict(outcome.model.header.get("training", {})),
            note=note[:500],
            trained_by=user,
            sha256=hashlib.sha256(data).hexdigest(),
        )
        row.file.save(f"{key}-v{number}.npz", ContentFile(data), save=False)
        try:
            if activate_it:
                versions.filter(is_active=True).update(is_active=False)
                row.is_active = True
            row.save()
        except Exception:
            row.file.delete(save=False)
            raise
    return row


def activate(version: CheckworthinessModel) -> CheckworthinessModel:
    """Make ``version`` the active model of its language (also how to roll back).

    Its file is loaded first: a version whose file is gone or altered is refused with a
    :class:`ModelFileError` and the active model stays as it was.
    """
    load_version(version)
    with transaction.atomic():
        CheckworthinessModel.objects.select_for_update().filter(language=version.language, is_active=True).exclude(
            pk=version.pk
        ).update(is_active=False)
        CheckworthinessModel.objects.filter(pk=version.pk).update(is_active=True)
    version.is_active = True
    return version


def deactivate(language: str) -> int:
    """No active version for ``language``: it falls back to the shipped model or the features."""
    return CheckworthinessModel.objects.filter(language=language_key(language), is_active=True).update(
        is_active=False
    )


def retrain_from_desk(
    language: str,
    *,
    user: AbstractBaseUser | None,
    on_top_of_default: bool = False,
    force: bool = False,
    extra: Sequence[LabelledSentence] = (),
) -> tuple[CheckworthinessModel, TrainingOutcome]:
    """Train on the desk's decisions (plus ``extra`` labelled sentences), compare, keep.

    ``on_top_of_default``: start from the shipped model's weights instead of from nothing,
    so a few hundred decisions adjust it rather than replace it.
    """
    key = language_key(language)
    sentences = desk_sentences(key) + list(extra)
    if not sentences:
        raise TrainingDataError(
            f"There are no desk decisions on “{key}” articles yet: create claims and dismiss suggestions first."
        )
    base = None
    if on_top_of_default:
        base = default_model(key)
        if base is None:
            raise TrainingDataError(f"Factdesk ships no default model for “{key}” to train on top of.")
    where = "the desk's decisions" + (" and a labelled file" if extra else "")
    description = f"{describe(sentences)} from {where}" + (f", on top of {base.label}" if base else "")
    outcome = train_and_compare(sentences, key, base=base, description=description)
    return store(outcome, user=user, force=force), outcome
