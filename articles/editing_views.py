"""Pages for adding articles and correcting them: thin views over the import and correction services.

* ``new/`` and ``upload/`` add articles (``articles.add_article``: editors and admins),
  through ``articles.importing`` so duplicates and limits are handled as in bulk imports.
* ``<pk>/edit/`` corrects the text (``articles.change_article``) through
  ``articles.corrections.edit_article``, which keeps a revision (the desk re-anchors its claims).
* ``<pk>/revisions/`` lists the history and shows what each correction changed.

Settling the claims a correction displaced (re-attach, mark checked) is the desk's job:
``annotations.reattach_views``.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Max
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from articles import corrections
from articles.forms import ArticleEditForm, ArticleForm, ImportFileForm
from articles.importing import service
from articles.importing.formats import ParseError, build_article
from articles.models import Article, ArticleRevision
from articles.permissions import article_policy, revision_policy
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

def _sentence(message: str) -> str:
    return message[:1].upper() + message[1:] + ("" if message.endswith(".") else ".")


@require_http_methods(["GET", "POST"])
def article_new(request: HttpRequest) -> HttpResponse:
    """Paste an article's text and metadata; duplicates are refused with a link to the existing one."""
    article_policy.require(request.user, "add")
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
            field = record.field_name or _FIELD_OF_MESSAGE.get(record.message.split(" ", 1)[0])
            form.add_error(field, _sentence(record.message))
        elif (duplicate := service.find_duplicate(record)) is not None:
            if record.url and duplicate.url == record.url:
                form.add_error(None, _("This article is already on the desk (same URL)."))
            else:
                form.add_error(None, _("This article is already on the desk (same text)."))
        else:
            report = service.ImportReport()
            article = service.save_article(record, request.user, report)
            if article is not None:
                messages.success(request, _("Added “%(title)s”.") % {"title": article.title})
                return redirect(article)
            for _origin, reason in report.failed + report.skipped:
                form.add_error(None, _sentence(reason))
    return render(request, "articles/article_form.html", {"form": form, "duplicate": duplicate})


@require_http_methods(["GET", "POST"])
def article_upload(request: HttpRequest) -> HttpResponse:
    """Upload one file; an aggregator page yields several articles. Shows the per-record summary."""
    article_policy.require(request.user, "add")
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
    article_policy.require(request.user, "correct")
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
                # An old form without the field keeps the language as it is.
                language_changed = bool(data["language"]) and corrections.change_language(
                    article, user=request.user, language=data["language"]
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
                if language_changed:
                    messages.success(request, _("Language set to %(language)s.") % {"language": article.language})
                if not report.changed:
                    if not language_changed:
                        messages.info(request, report.summary())
                elif report.needs_attention:
                    messages.warning(
                        request, _("%(summary)s See the corrections panel.") % {"summary": report.summary()}
                    )
                else:
                    messages.success(request, report.summary())
                return redirect(report.article)
    else:
        form = ArticleEditForm(initial={
            "title": article.title, "language": article.language, "body": article.body, "version": article.version,
        })
    return render(
        request,
        "articles/article_edit.html",
        {"article": article, "form": form, "conflict": conflict},
    )


def _require_revision_access(request: HttpRequest) -> None:
    revision_policy.require(request.user, "view")


@require_safe
def revision_list(request: HttpRequest, pk: int) -> HttpResponse:
    """Every kept version of the article: who replaced it, when, and why."""
    _require_revision_access(request)
    article = get_object_or_404(Article.objects.select_related("added_by"), pk=pk)
    revisions = article.revisions.select_related("edited_by").order_by("-number")
    return render(
        request,
        "articles/revision_list.html",
        {
            "article": article,
            "revisions": revisions,
            "can_edit": article_policy.user_has_permission(request.user, "correct"),
        },
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
