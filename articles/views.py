"""Article pages."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from annotations.models import Claim
from articles.models import Article
from articles.text import split_paragraphs


def article_list(request: HttpRequest) -> HttpResponse:
    """The desk's articles, newest first, with claim counts per review status."""
    counts = {
        f"n_{status.value}": Count("claims", filter=Q(claims__status=status.value)) for status in Claim.Status
    }
    articles = Article.objects.only("id", "title", "outlet", "published_on", "created_at").order_by("-created_at", "-id").annotate(
        n_claims=Count("claims"), **counts
    )
    page = Paginator(articles, 25).get_page(request.GET.get("page"))
    return render(request, "articles/article_list.html", {"page": page, "statuses": Claim.Status})


def article_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One article, paragraph by paragraph, with its claims listed."""
    article = get_object_or_404(Article, pk=pk)
    claims = article.claims.select_related("verdict", "assignee")
    return render(
        request,
        "articles/article_detail.html",
        {"article": article, "paragraphs": split_paragraphs(article.body), "claims": claims},
    )
