"""What the API shows and accepts; reads only, writes are the services' (see api/views.py)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from rest_framework import serializers

from annotations.models import Claim, ClaimStatus, RatingLabel, Source
from articles.models import Article


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
    assignee = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.filter(is_active=True), required=False,
        help_text="For “assign”: the user's id.",
    )
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
