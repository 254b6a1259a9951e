"""The search page's form: the query and the claim filters."""

from __future__ import annotations

from collections.abc import Sequence

from django import forms
from django.utils.translation import gettext_lazy as _

from annotations.models import ClaimStatus, RatingLabel
from search.query import MAX_QUERY_CHARS


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Search articles and claims"), required=False, max_length=MAX_QUERY_CHARS, strip=True)
    status = forms.ChoiceField(label=_("Claim status"), required=False)
    verdict = forms.ChoiceField(label=_("Verdict"), required=False)

    def __init__(self, *args: object, labels: Sequence[RatingLabel], published_only: bool, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        statuses = ClaimStatus.choices
        if published_only:
            statuses = [(ClaimStatus.PUBLISHED.value, ClaimStatus.PUBLISHED.label)]
        self.fields["status"].choices = [("", _("Any status")), *statuses]
        self.fields["verdict"].choices = [("", _("Any verdict")), *((label.slug, label.name) for label in labels)]
        self.labels = {label.slug: label for label in labels}
        self.fields["q"].widget.attrs.update({"type": "search", "autocomplete": "off"})
        self.fields["q"].error_messages["max_length"] = _(
            "Search for at most %(max)s characters; shorten the query."
        ) % {"max": MAX_QUERY_CHARS}
        self.fields["status"].error_messages["invalid_choice"] = _("Unknown claim status: choose one from the list.")
        self.fields["verdict"].error_messages["invalid_choice"] = _("Unknown verdict: choose one from the list.")

    def verdict_ids(self) -> list[int]:
        slug = self.cleaned_data.get("verdict")
        return [self.labels[slug].pk] if slug else []

    def statuses(self) -> list[str]:
        status = self.cleaned_data.get("status")
        return [status] if status else []
