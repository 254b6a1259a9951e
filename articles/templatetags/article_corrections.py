"""Template tags for the corrections panel on the article page."""

from __future__ import annotations

from typing import Any

from django import template

from annotations.models import AnchorState, Claim
from articles.corrections import claims_needing_attention
from articles.models import Article

register = template.Library()


@register.simple_tag(takes_context=True)
def corrections_state(context: template.Context, article: Article) -> dict[str, list[Claim]]:
    """Moved and orphaned claims of ``article``, as ``{"moved": [...], "orphans": [...]}``.

    The article page already holds all its claims in a list (context ``claims``); they are
    reused, so the panel adds no query there. Anywhere else the tag costs one query.
    """
    claims: Any = context.get("claims")
    if isinstance(claims, list) and all(
        isinstance(claim, Claim) and claim.article_id == article.pk for claim in claims
    ):
        ordered = sorted(claims, key=lambda claim: (claim.start, claim.pk))
        return {
            "moved": [claim for claim in ordered if claim.anchor_state == AnchorState.MOVED],
            "orphans": [claim for claim in ordered if claim.anchor_state == AnchorState.ORPHANED],
        }
    moved, orphans = claims_needing_attention(article)
    return {"moved": moved, "orphans": orphans}
