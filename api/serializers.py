"""What the API shows and accepts; reads only, writes are the services' (see api/views.py)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from annotations.models import Claim, ClaimStatus, Comment, Notification, RatingLabel, Source
from api.filters import MAX_ID
from articles.forms import MAX_URLS_PER_FORM
from articles.models import Article
from factcheck import jobs
from factcheck.models import Job
from factcheck.validators import http_url_validator


class UserIdField(serializers.PrimaryKeyRelatedField):
    """An active user by id; an id beyond the database's integers is "not found", never an overflow (500)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("queryset", get_user_model().objects.filter(is_active=True))
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, bool) or (isinstance(data, int) and not 0 < data <= MAX_ID):
            self.fail("does_not_exist", pk_value=data)
        if isinstance(data, str) and (not data.isascii() or not data.isdigit() or int(data) > MAX_ID):
            self.fail("incorrect_type", data_type="string")
        return super().to_internal_value(data)


class ArticleSerializer(serializers.ModelSerializer):
    class Meta:
        model = Article
        fields = ["id", "title", "outlet", "byline", "url", "published_on", "language", "version",
                  "created_at", "updated_at"]


class ArticleDetailSerializer(ArticleSerializer):
    claims = serializers.SerializerMethodField(help_text="Ids of the article's claims the user may see.")

    class Meta(ArticleSerializer.Meta):
        fields = [*ArticleSerializer.Meta.fields, "body", "claims"]

    def get_claims(self, article: Article) -> list[int]:
        return list(self.context.get("claim_ids", []))


class SourceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Source
        fields = ["id", "url", "title", "publisher", "excerpt", "stance", "accessed_on", "archive_url", "created_at"]


class ClaimSerializer(serializers.ModelSerializer):
    verdict = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    assignee = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Claim
        fields = ["id", "article", "status", "statement", "claimant", "exact", "start", "end", "anchor_state",
                  "verdict", "rationale", "assignee", "version", "created_at", "updated_at", "published_at"]


class ClaimDetailSerializer(ClaimSerializer):
    sources = SourceSerializer(many=True, read_only=True)

    class Meta(ClaimSerializer.Meta):
        fields = [*ClaimSerializer.Meta.fields, "sources"]


class ClaimUpdateSerializer(serializers.Serializer):
    """The claim panel's fields (``annotations.services.EDITABLE_FIELDS``); send only those you change."""

    statement = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    claimant = serializers.CharField(required=False, allow_blank=True)
    verdict = serializers.SlugRelatedField(
        slug_field="slug", queryset=RatingLabel.objects.all(), required=False, allow_null=True,
        help_text="A rating label's slug, or null to clear the verdict.",
    )
    rationale = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)


class SourceCreateSerializer(serializers.Serializer):
    """A source for a claim; the service validates the URLs (http/https) and the length caps."""

    url = serializers.CharField()
    title = serializers.CharField(required=False, allow_blank=True)
    publisher = serializers.CharField(required=False, allow_blank=True)
    excerpt = serializers.CharField(required=False, allow_blank=True)
    stance = serializers.ChoiceField(choices=Source.Stance.choices, required=False)
    accessed_on = serializers.DateField(required=False, allow_null=True)
    archive_url = serializers.CharField(required=False, allow_blank=True)


class TransitionSerializer(serializers.Serializer):
    """The inputs a workflow step may carry: a note, the assignee (assign), the status (reopen)."""

    note = serializers.CharField(required=False, allow_blank=True, default="")
    assignee = UserIdField(required=False, help_text="For “assign”: the user's id.")
    status = serializers.ChoiceField(
        choices=[ClaimStatus.NEW.value, ClaimStatus.RESEARCHING.value], required=False,
        help_text="For “reopen”: new or researching.",
    )

    def params_for(self, name: str) -> dict[str, object]:
        """The keyword arguments ``workflow.apply`` takes for step ``name``."""
        data = self.validated_data
        if name == "assign":
            return {"assignee": data.get("assignee")}
        if name == "reopen" and data.get("status"):
            return {"status": data["status"]}
        return {}


# --- articles: create, add by URL, correct ---------------------------------------------------------


class ArticleCreateSerializer(serializers.Serializer):
    """A pasted article, checked by the import service (canonical text, http(s) URL, length caps)."""

    title = serializers.CharField(trim_whitespace=False)
    body = serializers.CharField(trim_whitespace=False)
    outlet = serializers.CharField(required=False, allow_blank=True, default="")
    byline = serializers.CharField(required=False, allow_blank=True, default="")
    url = serializers.CharField(required=False, allow_blank=True, default="", help_text="An http(s) URL.")
    published_on = serializers.DateField(required=False, allow_null=True, default=None)
    language = serializers.CharField(required=False, allow_blank=True, default="", max_length=16)


class ArticleByUrlSerializer(serializers.Serializer):
    """Web addresses to fetch in a background job (the desk's "Add by URL")."""

    urls = serializers.ListField(
        child=serializers.CharField(validators=[http_url_validator], max_length=1000),
        min_length=1, max_length=MAX_URLS_PER_FORM,
        help_text=f"One to {MAX_URLS_PER_FORM} http(s) addresses of articles.",
    )
    watch = serializers.BooleanField(required=False, default=False,
                                     help_text="Watch each page for silent edits by the outlet.")


class ArticleCorrectionSerializer(serializers.Serializer):
    """A correction of the article's text; the fields you leave out keep their current value."""

    title = serializers.CharField(required=False, trim_whitespace=False)
    body = serializers.CharField(required=False, trim_whitespace=False)
    note = serializers.CharField(required=False, allow_blank=True, default="",
                                 help_text="What changed and why (kept with the revision).")


class CorrectionResultSerializer(serializers.Serializer):
    article = ArticleDetailSerializer()
    changed = serializers.BooleanField()
    summary = serializers.CharField(help_text="What the correction did, including re-anchored claims.")


# --- sources, comments, assignment -----------------------------------------------------------------


class SourceUpdateSerializer(SourceCreateSerializer):
    """Send only the fields you change."""

    url = serializers.CharField(required=False)


class CommentSerializer(serializers.ModelSerializer):
    author = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Comment
        fields = ["id", "claim", "author", "body", "created_at"]


class CommentCreateSerializer(serializers.Serializer):
    body = serializers.CharField(trim_whitespace=False, help_text="The comment; @username tells that person.")


class AssignmentSerializer(serializers.Serializer):
    """Who researches the claim."""

    claim = serializers.IntegerField(read_only=True)
    assignee = UserIdField(help_text="The user's id (a fact-checker or editor; yourself to take the claim).")
    note = serializers.CharField(required=False, allow_blank=True, default="", write_only=True)
    version = serializers.IntegerField(read_only=True, help_text="The claim's version (also its ETag).")


class AssignmentReadSerializer(serializers.Serializer):
    claim = serializers.IntegerField()
    assignee = serializers.CharField(allow_null=True, help_text="The assignee's username, or null.")
    assignee_id = serializers.IntegerField(allow_null=True)
    version = serializers.IntegerField()


# --- notifications and jobs ------------------------------------------------------------------------


class NotificationSerializer(serializers.ModelSerializer):
    message = serializers.CharField(
        source="text", read_only=True,
        help_text="The text in the request's language (Accept-Language, else the user's saved language).",
    )
    read = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "kind", "message", "claim", "created_at", "read_at", "read"]

    def get_read(self, notification: Notification) -> bool:
        return notification.read_at is not None


class MarkReadSerializer(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID), required=False, allow_empty=True,
        max_length=1000, help_text="The notifications to mark read; leave out to mark all of yours read.",
    )


class MarkedSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text="How many notifications were unread and are now read.")


class JobSerializer(serializers.ModelSerializer):
    progress = serializers.SerializerMethodField(help_text="Percent done (null while the total is unknown).")
    articles = serializers.SerializerMethodField(help_text="Ids of the articles an import created.")
    page_url = serializers.SerializerMethodField(help_text="The job's page on the desk.")
    result_url = serializers.SerializerMethodField(help_text="The job's file, when it made one (and is done).")

    class Meta:
        model = Job
        fields = ["id", "kind", "status", "title", "total", "processed", "progress", "errors", "error", "result",
                  "articles", "page_url", "result_url", "created_at", "started_at", "finished_at", "updated_at"]

    def get_progress(self, job: Job) -> float | None:
        if job.status == Job.Status.DONE:
            return 100.0
        return round(100 * min(job.processed, job.total) / job.total, 1) if job.total else None

    def get_articles(self, job: Job) -> list[int]:
        created = job.result.get("created", []) if isinstance(job.result, dict) else []
        return [row[1] for row in created if isinstance(row, list | tuple) and len(row) > 1]

    def get_page_url(self, job: Job) -> str:
        return jobs.page_url(job)

    @extend_schema_field(OpenApiTypes.STR)
    def get_result_url(self, job: Job) -> str | None:
        if job.status != Job.Status.DONE or not job.result_file or job.kind == Job.Kind.IMPORT:
            return None
        return reverse("exports:job_download", args=[job.pk])


# --- search ----------------------------------------------------------------------------------------


class ArticleHitSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="article.pk")
    title = serializers.CharField(source="article.title")
    outlet = serializers.CharField(source="article.outlet")
    score = serializers.FloatField()
    title_html = serializers.CharField(help_text="The title, escaped, with <mark> around the matches.")
    snippet_html = serializers.CharField(help_text="Text around the matches, escaped, with <mark> around them.")


class ClaimHitSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="claim.pk")
    article = serializers.IntegerField(source="claim.article_id")
    status = serializers.CharField(source="claim.status")
    score = serializers.FloatField()
    statement_html = serializers.CharField()
    quote_html = serializers.CharField()
    rationale_html = serializers.CharField(allow_null=True)


class ArticleHitPageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    results = ArticleHitSerializer(many=True)


class ClaimHitPageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    results = ClaimHitSerializer(many=True)


class SearchResultSerializer(serializers.Serializer):
    q = serializers.CharField()
    page = serializers.IntegerField()
    articles = ArticleHitPageSerializer()
    claims = ClaimHitPageSerializer()
