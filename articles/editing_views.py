"""Pages for adding articles and correcting them: thin views over the import and correction services.

* ``new/`` and ``upload/`` add articles (``articles.add_article``: editors and admins),
  through ``articles.importing`` so duplicates and limits are handled as in bulk imports.
* ``<pk>/edit/`` corrects the text (``articles.change_article``) through
  ``articles.corrections.edit_article``, which keeps a revision and re-anchors claims.
* ``<pk>/revisions/`` lists the history and shows what each correction changed.
* ``<pk>/claims/<id>/reattach/`` and ``.../checked/`` settle claims a correction displaced.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Max
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django_htmx.http import trigger_client_event
from rapidfuzz import fuzz

from annotations.anchoring import AnchorError, index_to_utf16, trim_to_text
from annotations.highlight import selection_to_range
from annotations.models import Claim
from articles import corrections
from articles.forms import ArticleEditForm, ArticleForm, ImportFileForm, ReattachForm
from articles.importing import service
from articles.importing.formats import ParseError, build_article
from articles.models import Article, ArticleRevision
from articles.textdiff import diff_bodies

#: File types offered on the browser upload page; bulk formats (CSV, JSON Lines) go
#: through the admin import page or ``manage.py import_articles``, which run in the background.
BROWSER_UPLOAD_TYPES = (".txt", ".md", ".markdown", ".html", ".htm", ".json")

#: Which form field a message from ``build_article`` belongs to, by its first word.
_FIELD_OF_MESSAGE = {
    "missing": "title",
    "title": "title",
    "body": "body",
    "article": "body",  # "article 'X' has an empty body"
    "outlet": "outlet",
    "byline": "byline",
    "url": "url",
    "language": "language",
}

#: An approximate match for an orphan's quote is offered as a suggestion from this score (0..100).
SUGGESTION_MIN_SCORE = 60


def _require_perm(request: HttpRequest, perm: str, message: str) -> None:
    if not request.user.has_perm(perm):
        raise PermissionDenied(message)


def _sentence(message: str) -> str:
    return message[:1].upper() + message[1:] + ("" if message.endswith(".") else ".")


@require_http_methods(["GET", "POST"])
def article_new(request: HttpRequest) -> HttpResponse:
    """Paste an article's text and metadata; duplicates are refused with a link to the existing one."""
    _require_perm(request, "articles.add_article", "Only editors can add articles.")
    form = ArticleForm(request.POST or None)
    duplicate: Article | None = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        record = build_article(
            origin="the form",
            title=data["title"],
            body=data["body"],
            outlet=data["outlet"],
            byline=data["byline"],
            url=data["url"],
            published_on=data["published_on"],
            language=data["language"],
            limits=service.configured_limits(),
        )
        if isinstance(record, ParseError):
            field = _FIELD_OF_MESSAGE.get(record.message.split(" ", 1)[0])
            form.add_error(field, _sentence(record.message))
        elif (duplicate := service.find_duplicate(record)) is not None:
            same = "URL" if record.url and duplicate.url == record.url else "text"
            form.add_error(None, f"This article is already on the desk (same {same}).")
        else:
            report = service.ImportReport()
            article = service.save_article(record, request.user, report)
            if article is not None:
                messages.success(request, f"Added \u201c{article.title}\u201d.")
                return redirect(article)
            for _origin, reason in report.failed + report.skipped:
                form.add_error(None, _sentence(reason))
    return render(request, "articles/article_form.html", {"form": form, "duplicate": duplicate})


@require_http_methods(["GET", "POST"])
def article_upload(request: HttpRequest) -> HttpResponse:
    """Upload one file; an aggregator page yields several articles. Shows the per-record summary."""
    _require_perm(request, "articles.add_article", "Only editors can add articles.")
    form = ImportFileForm(request.POST or None, request.FILES or None, allowed_types=BROWSER_UPLOAD_TYPES)
    report = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        result = service.import_upload(upload.name, upload.read(), request.user)
        report = result.as_dict()
        form = ImportFileForm(allowed_types=BROWSER_UPLOAD_TYPES)
    return render(request, "articles/article_upload.html", {"form": form, "report": report})


@require_http_methods(["GET", "POST"])
def article_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Correct an article's text; claims are re-anchored and the old text kept as a revision."""
    article = get_object_or_404(Article, pk=pk)
    if not corrections.can_correct(request.user):
        raise PermissionDenied("Only editors can correct article text.")
    conflict: Article | None = None
    if request.method == "POST":
        form = ArticleEditForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                report = corrections.edit_article(
                    article,
                    user=request.user,
                    title=data["title"],
                    body=data["body"],
                    expected_version=data["version"],
                    note=data["note"],
                )
            except corrections.ArticleEditConflict as error:
                conflict = error.current
                # Keep the editor's text; saving again now knowingly replaces the newer version.
                resubmit = request.POST.copy()
                resubmit["version"] = str(conflict.version)
                form = ArticleEditForm(resubmit)
                form.is_valid()
                form.add_error(None, str(error))
            except ValidationError as error:
                for field, errors in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                if not report.changed:
                    messages.info(request, report.summary())
                elif report.moved or report.orphaned:
                    messages.warning(request, f"{report.summary()} See the corrections panel.")
                else:
                    messages.success(request, report.summary())
                return redirect(report.article)
    else:
        form = ArticleEditForm(initial={"title": article.title, "body": article.body, "version": article.version})
    return render(
        request,
        "articles/article_edit.html",
        {"article": article, "form": form, "conflict": conflict, "claim_count": article.claims.count()},
    )


def _require_revision_access(request: HttpRequest) -> None:
    _require_perm(request, "articles.view_articlerevision", "Only the desk's staff can see revisions.")


@require_safe
def revision_list(request: HttpRequest, pk: int) -> HttpResponse:
    """Every kept version of the article: who replaced it, when, and why."""
    _require_revision_access(request)
    article = get_object_or_404(Article.objects.select_related("added_by"), pk=pk)
    revisions = article.revisions.select_related("edited_by").order_by("-number")
    return render(
        request,
        "articles/revision_list.html",
        {"article": article, "revisions": revisions, "can_edit": corrections.can_correct(request.user)},
    )


@require_safe
def revision_detail(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    """What the correction that replaced revision ``number`` changed (compared with the next version)."""
    _require_revision_access(request)
    article = get_object_or_404(Article, pk=pk)
    revision = get_object_or_404(ArticleRevision.objects.select_related("edited_by"), article=article, number=number)
    newer = ArticleRevision.objects.filter(article=article, number__gt=number).order_by("number").first()
    older = ArticleRevision.objects.filter(article=article, number__lt=number).order_by("-number").first()
    after_title, after_body = (newer.title, newer.body) if newer else (article.title, article.body)
    return render(
        request,
        "articles/revision_detail.html",
        {
            "article": article,
            "revision": revision,
            "newer": newer,
            "older": older,
            "title_changed": revision.title != after_title,
            "after_title": after_title,
            "diff": diff_bodies(revision.body, after_body),
            "last_number": article.revisions.aggregate(last=Max("number"))["last"],
        },
    )


def _suggestion(article: Article, claim: Claim) -> dict[str, object] | None:
    """The passage that looks most like the lost quote, offered as a one-click re-attach."""
    body = article.body
    if not claim.exact or not body:
        return None
    match = fuzz.partial_ratio_alignment(claim.exact, body, score_cutoff=SUGGESTION_MIN_SCORE)
    if match is None or match.dest_end <= match.dest_start:
        return None
    start, end = match.dest_start, match.dest_end
    # Widen to whole words: the alignment happily starts or ends mid-word ("hey were").
    while start > 0 and body[start - 1].isalnum() and body[start].isalnum():
        start -= 1
    while end < len(body) and body[end - 1].isalnum() and body[end].isalnum():
        end += 1
    try:
        start, end = trim_to_text(body, start, end)
    except AnchorError:
        return None
    text = body[start:end]
    return {
        "start": index_to_utf16(body, start),
        "end": index_to_utf16(body, end),
        "exact": text,
        "score": round(match.score),
    }


def _resolve_selection(body: str, form: ReattachForm) -> tuple[int, int]:
    """Code point range for the reattach form: from browser offsets, or by finding the pasted words."""
    data = form.cleaned_data
    if data["start"] is not None and data["end"] is not None:
        return selection_to_range(body, data["start"], data["end"], data["exact"])
    words = data["exact"].strip()
    if not words:
        raise AnchorError("The selection contains only whitespace.")
    first = body.find(words)
    if first == -1:
        raise AnchorError("Those words are not in the article. Select them in the text above or paste them exactly.")
    if body.find(words, first + 1) != -1:
        raise AnchorError(
            f"\u201c{words[:60]}\u201d appears {body.count(words)} times in the article: select the right one "
            "in the text above."
        )
    return first, first + len(words)


@require_http_methods(["GET", "POST"])
def claim_reattach(request: HttpRequest, pk: int, claim_id: int) -> HttpResponse:
    """Attach an orphaned (or moved) claim to a new selection in the corrected text."""
    article = get_object_or_404(Article, pk=pk)
    claim = get_object_or_404(Claim, pk=claim_id, article=article)
    if not corrections.can_correct(request.user):
        raise PermissionDenied("Only editors can re-attach claims.")
    form = ReattachForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            start, end = _resolve_selection(article.body, form)
            corrections.reattach_claim(claim, user=request.user, start=start, end=end, exact=article.body[start:end])
        except AnchorError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Claim re-attached to \u201c{article.body[start:end][:80]}\u201d.")
            return redirect(article)
    return render(
        request,
        "articles/claim_reattach.html",
        {"article": article, "claim": claim, "form": form, "suggestion": _suggestion(article, claim)},
    )


@require_POST
def claim_checked(request: HttpRequest, pk: int, claim_id: int) -> HttpResponse:
    """Clear a claim's "moved" flag after an editor checked it (htmx: re-renders the corrections panel)."""
    article = get_object_or_404(Article, pk=pk)
    claim = get_object_or_404(Claim, pk=claim_id, article=article)
    try:
        corrections.mark_checked(claim, user=request.user)
    except ValidationError as error:
        message = " ".join(error.messages)
        if request.htmx:
            return HttpResponse(message, status=400)
        messages.error(request, message)
        return redirect(article)
    if request.htmx:
        response = render(request, "articles/_corrections_panel.html", {"article": article})
        return trigger_client_event(response, "claim-changed", {"id": claim.pk})
    messages.success(request, "Claim marked as checked.")
    return redirect(article)
