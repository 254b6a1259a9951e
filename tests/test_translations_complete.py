"""Every shipped interface language is complete: no marked string without a translation.

Two checks over ``locale/<lang>/LC_MESSAGES/django.po`` (templates, Python) and
``djangojs.po`` (static/js), for every language of ``settings.LANGUAGES`` but English (the
source language):

* each entry is translated and none is fuzzy (a guess by ``msgmerge`` that nobody checked);
* the catalogues are up to date: ``makemessages`` run over the code now (into a temporary
  folder, so the work tree is untouched) finds no string that the catalogues lack. After
  marking new strings, run ``make messages`` and translate what it adds.

Until the first catalogues exist (``locale/`` has no .po file) the checks are skipped.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings

BASE_DIR = Path(settings.BASE_DIR)
LOCALE = BASE_DIR / "locale"
DOMAINS = ("django", "djangojs")
SHIPPED = [code for code, _name in settings.LANGUAGES if not code.startswith("en")]
#: What `make messages` leaves out, besides Django's defaults (hidden files, *.pyc).
IGNORED = [
    ".venv",
    "venv",
    "staticfiles",
    "node_modules",
    "benchmarks/data",
    "tests",
    "docs",
    "media",
    "locale",
    "build",
]

HAS_CATALOGUES = any(LOCALE.glob("*/LC_MESSAGES/*.po"))
pytestmark = pytest.mark.skipif(
    not HAS_CATALOGUES, reason="locale/ holds no .po file yet: run `make messages` and translate"
)


def catalogue(code: str, domain: str) -> Path:
    return LOCALE / code / "LC_MESSAGES" / f"{domain}.po"


def key(entry: polib.POEntry) -> tuple[str | None, str]:
    return (entry.msgctxt, entry.msgid)


@pytest.mark.parametrize("domain", DOMAINS)
@pytest.mark.parametrize("code", SHIPPED)
def test_every_shipped_language_has_its_catalogue(code, domain):
    assert catalogue(code, domain).is_file(), f"{catalogue(code, domain).relative_to(BASE_DIR)} is missing"


@pytest.mark.parametrize("domain", DOMAINS)
@pytest.mark.parametrize("code", SHIPPED)
def test_every_marked_string_is_translated_and_none_is_fuzzy(code, domain):
    path = catalogue(code, domain)
    if not path.is_file():
        pytest.fail(f"{path.relative_to(BASE_DIR)} is missing")
    po = polib.pofile(str(path))
    untranslated = [entry.msgid for entry in po.untranslated_entries()]
    fuzzy = [entry.msgid for entry in po.fuzzy_entries()]
    plural_gaps = [
        entry.msgid
        for entry in po.translated_entries()
        if entry.msgid_plural and not all(text for text in entry.msgstr_plural.values())
    ]
    header = (
        ["the header is marked fuzzy (msgfmt would ignore its charset and Plural-Forms): remove '#, fuzzy'"]
        if po.metadata_is_fuzzy
        else []
    )
    problems = (
        header
        + [f"untranslated: {msgid!r}" for msgid in untranslated]
        + [f"fuzzy: {msgid!r}" for msgid in fuzzy]
        + [f"plural form missing: {msgid!r}" for msgid in plural_gaps]
    )
    assert not problems, f"{path.relative_to(BASE_DIR)}: {len(problems)} problems:\n" + "\n".join(problems[:50])


@pytest.fixture(scope="module")
def fresh_catalogues(tmp_path_factory) -> Path:
    """``makemessages`` over the code as it is now, into a temporary copy's ``locale/``."""
    if shutil.which("xgettext") is None:
        pytest.skip("xgettext (gettext) is not installed: run scripts/system-deps.sh gettext")
    root = tmp_path_factory.mktemp("messages")
    for entry in BASE_DIR.iterdir():
        if entry.name.startswith(".") or entry.name in IGNORED:
            continue
        (root / entry.name).symlink_to(entry, target_is_directory=entry.is_dir())
    (root / "locale").mkdir()
    monkeypatch = pytest.MonkeyPatch()
    monkeypatch.chdir(root)
    try:
        with override_settings(LOCALE_PATHS=[root / "locale"]):
            for domain in DOMAINS:
                call_command(
                    "makemessages",
                    locale=SHIPPED[:1],
                    domain=domain,
                    symlinks=True,
                    ignore_patterns=IGNORED,
                    verbosity=0,
                )
    finally:
        monkeypatch.undo()
    return root / "locale" / SHIPPED[0] / "LC_MESSAGES"


@pytest.mark.parametrize("domain", DOMAINS)
@pytest.mark.parametrize("code", SHIPPED)
def test_the_catalogues_hold_every_string_marked_in_the_code(fresh_catalogues, code, domain):
    fresh_path = fresh_catalogues / f"{domain}.po"
    marked = {key(entry) for entry in polib.pofile(str(fresh_path))} if fresh_path.is_file() else set()
    path = catalogue(code, domain)
    shipped = {key(entry) for entry in polib.pofile(str(path)) if not entry.obsolete} if path.is_file() else set()
    missing = sorted(marked - shipped, key=lambda item: (item[0] or "", item[1]))
    assert not missing, (
        f"{len(missing)} marked strings are not in locale/{code}/LC_MESSAGES/{domain}.po (run `make messages`):\n"
        + "\n".join(repr(msgid) for _context, msgid in missing[:50])
    )
