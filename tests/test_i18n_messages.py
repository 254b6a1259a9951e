"""Python messages and the report's fixed words are marked for translation (issue 21, part B).

Three kinds of check, each about behaviour a translator or a reader depends on:

* what is defined at import time (model labels and choices, form labels, workflow steps,
  admin actions) is *lazy*, so it is translated when shown, in the reader's language,
  not frozen in whatever language the module happened to be imported in;
* the messages and the templates' fixed words are found by ``xgettext``, the extractor
  ``makemessages`` runs, so they reach the translators' catalogues (skipped without gettext);
* export jobs remember the language of the person who asked and render in it.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation.template import templatize

from annotations import workflow
from annotations.exports import jobs as export_jobs
from annotations.forms import CommentForm
from annotations.models import Claim, ClaimStatus, Source
from annotations.tasks import in_job_language
from articles.forms import AddByUrlForm
from factcheck import jobs
from factcheck.models import Job, UserPreference
from search.forms import SearchForm
from tests.factories import ArticleFactory, FactCheckerFactory

ROOT = Path(settings.BASE_DIR)


def test_model_labels_and_choices_are_lazy_translations() -> None:
    assert isinstance(Claim._meta.get_field("claimant").help_text, Promise)
    assert isinstance(ClaimStatus.PUBLISHED.label, Promise)
    assert isinstance(Source.Stance.REFUTES.label, Promise)
    assert str(ClaimStatus.IN_REVIEW.label) == "In review"  # English stays word for word


def test_form_labels_help_and_errors_are_lazy_translations() -> None:
    search = SearchForm(labels=[], published_only=False)
    assert isinstance(search.fields["verdict"].label, Promise)
    assert isinstance(CommentForm.base_fields["body"].help_text, Promise)
    assert isinstance(AddByUrlForm.base_fields["watch"].label, Promise)
    assert isinstance(AddByUrlForm.base_fields["urls"].help_text, Promise)
    assert "(at most 50)" in str(AddByUrlForm.base_fields["urls"].help_text)


def test_workflow_steps_are_lazy_and_their_refusals_are_plain_sentences() -> None:
    publish = workflow.TRANSITIONS["publish"]
    assert isinstance(publish.label, Promise)
    assert isinstance(publish.role_refusal, Promise)
    assert str(publish.label) == "Publish"


XGETTEXT = shutil.which("xgettext")
needs_gettext = pytest.mark.skipif(XGETTEXT is None, reason="GNU gettext (xgettext) is not installed")


def _extract(paths: list[Path], tmp_path: Path) -> str:
    """The msgids ``makemessages`` would collect from ``paths`` (the same xgettext keywords)."""
    out = tmp_path / "django.po"
    subprocess.run(
        [
            XGETTEXT, "--language=Python", "--from-code=UTF-8", "--no-wrap", "--keyword=gettext_noop",
            "--keyword=gettext_lazy", "--keyword=ngettext_lazy:1,2", "--keyword=pgettext:1c,2",
            "--keyword=npgettext:1c,2,3", "--keyword=pgettext_lazy:1c,2", "--keyword=ngettext:1,2",
            f"--output={out}", *map(str, paths),
        ],
        check=True,
    )
    return out.read_text(encoding="utf-8")


@needs_gettext
def test_service_messages_reach_the_catalogue(tmp_path: Path) -> None:
    catalogue = _extract(
        [ROOT / "annotations" / name for name in ("services.py", "workflow.py", "limits.py", "claim_corrections.py")]
        + [ROOT / "api" / "problems.py", ROOT / "search" / "forms.py"],
        tmp_path,
    )
    for msgid in (
        'msgid "This claim is published: propose a correction."',
        'msgid "You set this verdict yourself: another editor must publish it (two-person rule)."',
        'msgid "The %(what)s is %(length)s characters; the limit is %(limit)s."',
        'msgid "This article already has %(count)s claim; one article may have at most %(limit)s."',
        'msgid_plural "This article already has %(count)s claims; one article may have at most %(limit)s."',
        'msgid "Say why the correction is rejected: its proposer reads it."',
        'msgid "The claim changed since you read it: read it again and re-apply your change."',
        'msgctxt "HTTP status phrase"',
        'msgid "Unknown verdict: choose one from the list."',
    ):
        assert msgid in catalogue, msgid


@needs_gettext
def test_report_and_public_templates_words_reach_the_catalogue(tmp_path: Path) -> None:
    sources = []
    for index, name in enumerate(("exports/report.html", "public/claim.html", "search/search.html")):
        python = tmp_path / f"template{index}.py"
        python.write_text(templatize((ROOT / "templates" / name).read_text(encoding="utf-8")), encoding="utf-8")
        sources.append(python)
    catalogue = _extract(sources, tmp_path)
    for msgid in ('msgid "Sources"', 'msgid "Verdict:"', 'msgid "No verdict yet"', 'msgid "Checked by"',
                  'msgid "%(counter)s claim checked."', 'msgid "Many searches are running right now; '):
        assert msgid in catalogue, msgid


@pytest.mark.django_db
def test_an_export_job_keeps_the_language_it_was_asked_in_and_runs_in_it() -> None:
    user = FactCheckerFactory()
    article = ArticleFactory()
    with translation.override("fr"):
        job = export_jobs.create_report(
            owner=user, article=article, fmt="pdf", published_only=True,
            fingerprint=export_jobs.report_fingerprint(article.pk, published_only=True) or "",
        )
    assert job.params["language"] == "fr"
    assert export_jobs.language(job) == "fr"
    seen = in_job_language(lambda running: jobs.Outcome(result={"language": translation.get_language()}))(job)
    assert seen.result == {"language": "fr"}


@pytest.mark.django_db
def test_a_report_in_another_language_is_another_file() -> None:
    article = ArticleFactory()
    english = export_jobs.report_fingerprint(article.pk, published_only=True)
    with translation.override("es"):
        spanish = export_jobs.report_fingerprint(article.pk, published_only=True)
    assert english and spanish and english != spanish


@pytest.mark.django_db
def test_a_job_without_a_language_falls_back_to_its_owners_saved_choice() -> None:
    user = FactCheckerFactory()
    UserPreference.objects.create(user=user, language="ar")
    job = jobs.create(Job.Kind.EXPORT, owner=user, title="old job", params={"article_ids": []})
    assert export_jobs.language(job) == "ar"
    job.owner = None
    job.owner_id = None
    assert export_jobs.language(job) == settings.LANGUAGE_CODE
