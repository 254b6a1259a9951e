"""An article's language: detecting it when an import does not say, and the direction it is written in.

Pure (no Django): the import parsers (``articles.importing.formats.build_article``), the
editing forms, the pages and the exports all ask the same two questions here.

* :func:`detect_language` guesses the language of a body with py3langid (offline, small, MIT).
  **Confident or default**: a guess is used only when the text has at least
  :data:`MIN_LETTERS` letters and the normalised probability is at least
  :data:`MIN_CONFIDENCE`; otherwise the answer is :data:`DEFAULT_LANGUAGE`. A wrong language
  is worse than the default (it picks the wrong sentence splitter, stemmer and text
  direction), and an editor can always correct it on the article's edit page.
* :func:`text_direction` says whether a language is written right to left, so every article
  is shown with its own ``dir`` whatever the interface language.
"""

from __future__ import annotations

import threading
from typing import Any

__all__ = [
    "DEFAULT_LANGUAGE",
    "KNOWN_LANGUAGES",
    "MIN_CONFIDENCE",
    "MIN_LETTERS",
    "RTL_LANGUAGES",
    "detect_language",
    "primary_subtag",
    "text_direction",
]

#: What an article is when nothing better is known (the model's default too).
DEFAULT_LANGUAGE = "en"
#: Fewer letters than this say too little about a language: the default is kept.
MIN_LETTERS = 20
#: The lowest normalised probability (0..1) a guess needs to be used.
MIN_CONFIDENCE = 0.5
#: How much of a body is read to guess: the start of an article says as much as all of it.
SAMPLE_CHARS = 1000  # ~0.35 ms a guess (5,000 took ~2 ms and dominated a bulk import)

#: Primary subtags written right to left (Arabic script, Hebrew script, Thaana, Syriac, N'Ko ...).
RTL_LANGUAGES = frozenset({
    "ar", "arc", "ckb", "dv", "fa", "he", "iw", "ks", "ku-arab", "mzn", "nqo", "pnb", "ps", "sd", "syr",
    "ug", "ur", "yi",
})
#: Script subtags that are right to left whatever the language ("ku-Arab", "pa-Arab").
_RTL_SCRIPTS = frozenset({"arab", "hebr", "thaa", "syrc", "nkoo", "adlm", "rohg"})
#: Script subtags that override a usually right-to-left language ("ku-Latn", "az-Latn").
_LTR_SCRIPTS = frozenset({"latn", "cyrl", "deva", "grek"})

#: The languages editors pick from (code, English name); any other BCP 47 tag is accepted too.
KNOWN_LANGUAGES: tuple[tuple[str, str], ...] = (
    ("ar", "Arabic"), ("bn", "Bengali"), ("ckb", "Central Kurdish"), ("de", "German"), ("el", "Greek"),
    ("en", "English"), ("es", "Spanish"), ("fa", "Persian"), ("fr", "French"), ("he", "Hebrew"),
    ("hi", "Hindi"), ("id", "Indonesian"), ("it", "Italian"), ("ja", "Japanese"), ("ko", "Korean"),
    ("nl", "Dutch"), ("pl", "Polish"), ("ps", "Pashto"), ("pt", "Portuguese"), ("pt-BR", "Portuguese (Brazil)"),
    ("ru", "Russian"), ("sw", "Swahili"), ("tr", "Turkish"), ("uk", "Ukrainian"), ("ur", "Urdu"),
    ("zh", "Chinese"),
)

#: py3langid labels that are not ISO 639-1, mapped to the 639-1 code a desk would file them under.
_LABEL_TO_ISO1 = {
    "ary": "ar", "arz": "ar", "hbo": "he", "uzs": "uz", "gug": "gn", "wuu": "zh", "yue": "zh", "sdh": "ku",
}

_identifier: Any = None
_identifier_lock = threading.Lock()


def _get_identifier() -> Any:
    """The py3langid identifier with normalised probabilities, loaded once (about 0.2 s)."""
    global _identifier
    with _identifier_lock:
        if _identifier is None:
            from py3langid.langid import MODEL_FILE

            _identifier = _identifier_class().from_model_file(MODEL_FILE, norm_probs=True)
        return _identifier


def _identifier_class() -> Any:
    """py3langid's ``LanguageIdentifier``, scoring from float32 copies of the feature rows it meets.

    The model stores its feature table (100,053 features × 142 classes) as float16, and each
    guess converted the rows of the text's features (~500 for 1,000 characters) to float32
    before the product: 0.25-0.45 ms, half of a guess. The rows are converted here once, the
    first time a text has that feature, into a float32 table of the same shape allocated
    untouched (the memory is taken only for the rows met, at most 57 MB); the product is the
    same float32 computation on the same values, so the scores are identical
    (``tests/test_import_pipeline.py`` compares them with py3langid's own).
    """
    import numpy as np
    from py3langid.langid import LanguageIdentifier

    class ConvertedRowsIdentifier(LanguageIdentifier):
        __slots__ = ("_converted", "_rows32")

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._rows32 = np.empty(self.nb_ptc.shape, dtype=np.float32)
            self._converted = np.zeros(self.nb_ptc.shape[0], dtype=bool)

        def _sparse_score(self, visits: Any, table: Any) -> Any:
            if table is not self.nb_ptc or table.shape != self._rows32.shape:  # set_languages() narrowed it
                return super()._sparse_score(visits, table)
            idx = np.fromiter(visits.keys(), dtype=np.intp, count=len(visits))
            counts = np.fromiter(visits.values(), dtype=np.float32, count=len(visits))
            new = idx[~self._converted[idx]]
            if new.size:
                # Rows first, then the flags: another thread sees a row as converted only once it is.
                self._rows32[new] = table[new]
                self._converted[new] = True
            return np.log1p(counts) @ self._rows32[idx] + self.nb_pc

    return ConvertedRowsIdentifier


def _has_letters(text: str, wanted: int) -> bool:
    """Whether ``text`` holds at least ``wanted`` letters (stops counting there: imports ask per article)."""
    found = 0
    for char in text:
        if char.isalpha():
            found += 1
            if found >= wanted:
                return True
    return False


def detect_language(text: str, default: str = DEFAULT_LANGUAGE) -> str:
    """The ISO 639-1 code of ``text``'s language, or ``default`` unless the guess is confident.

    See the module docstring for the confident-or-default rule. Only the first
    :data:`SAMPLE_CHARS` characters are read, so a 500,000-character body costs no more
    than an ordinary article.
    """
    sample = (text or "")[:SAMPLE_CHARS]
    if not _has_letters(sample, MIN_LETTERS):
        return default
    label, probability = _get_identifier().classify(sample)
    code = _LABEL_TO_ISO1.get(label, label)
    if probability < MIN_CONFIDENCE or len(code) != 2 or not code.isalpha():
        return default
    return code


def primary_subtag(language: str) -> str:
    """The primary language subtag in lower case ("pt-BR" -> "pt", "AR" -> "ar")."""
    return (language or "").strip().replace("_", "-").split("-")[0].lower()


def text_direction(language: str) -> str:
    """``"rtl"`` for languages (or script subtags) written right to left, else ``"ltr"``."""
    tag = (language or "").strip().replace("_", "-").lower()
    subtags = tag.split("-")
    if any(part in _LTR_SCRIPTS for part in subtags[1:]):
        return "ltr"
    if subtags[0] in RTL_LANGUAGES or tag in RTL_LANGUAGES:
        return "rtl"
    if any(part in _RTL_SCRIPTS for part in subtags[1:]):
        return "rtl"
    return "ltr"
