"""Forms of the claim panel: they parse and validate input, the services do the work.

Each form only turns request data into Python values with clear, field-level messages;
rules that hold whichever door a change comes through (anchors, optimistic locking,
http(s)-only URLs, who may delete, length caps) stay in :mod:`annotations.services`.
The length caps (:mod:`annotations.limits`) are also shown here: the inputs get a
``maxlength`` and an over-long value the services' own sentence next to its field.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.validators import MaxLengthValidator
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from annotations import limits
from annotations.anchoring import AnchorError
from annotations.highlight import selection_to_range
from annotations.models import Claim, RatingLabel, Source
from annotations.services import EDITABLE_FIELDS
from articles.models import Article
from factcheck.validators import HttpURLField


class PanelFormMixin:
    """Labels without a trailing colon: they sit above their fields in the panel."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class LimitedTextMixin:
    """Text fields capped as the services cap them (:mod:`annotations.limits`).

    ``limited_fields`` maps a form field to its kind of text. The input gets a ``maxlength``
    (the browser stops the typing there) and ``clean`` refuses a longer value with the
    services' sentence ("The rationale is 25,000 characters; the limit is 20,000."), after
    the field's own cleaning, so line breaks count once, as they are stored. Django's
    generic max-length check is dropped for those fields: one message, not two.
    """

    limited_fields: dict[str, str] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, kind in self.limited_fields.items():
            field = self.fields.get(name)
            if field is None:
                continue
            field.validators = [v for v in field.validators if not isinstance(v, MaxLengthValidator)]
            field.max_length = None
            field.widget.attrs["maxlength"] = str(limits.max_chars(kind))

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        for name, kind in self.limited_fields.items():
            message = limits.length_error(kind, data.get(name))
            if message is not None:
                self.add_error(name, forms.ValidationError(message, code="too_long"))
        return data


def _unix_newlines(text: str) -> str:
    """Browsers submit textarea line breaks as CRLF; store them as the body does, as LF."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


class NewClaimForm(PanelFormMixin, forms.Form):
    """A text selection sent by the article page: UTF-16 offsets plus the text the browser saw.

    ``clean`` converts the offsets to code points, orders a backwards selection, checks the
    quote against the body and trims surrounding whitespace (see
    :func:`annotations.highlight.selection_to_range`); afterwards ``start``/``end``/``exact``
    are ready for :func:`annotations.services.create_claim`.
    """

    start = forms.IntegerField(min_value=0, error_messages={"required": _("Select some text in the article first.")})
    end = forms.IntegerField(min_value=0, error_messages={"required": _("Select some text in the article first.")})
    exact = forms.CharField(strip=False, error_messages={"required": _("Select some text in the article first.")})

    def __init__(self, *args: Any, article: Article, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.article = article

    def clean_exact(self) -> str:
        # A form submission may turn the "\n\n" between paragraphs into CRLFs; the body has none.
        return _unix_newlines(self.cleaned_data["exact"])

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.errors:
            return data
        body = self.article.body
        try:
            start, end = selection_to_range(body, data["start"], data["end"], data["exact"])
        except AnchorError as error:
            raise forms.ValidationError(str(error), code="anchor") from error
        message = limits.length_error("quote", body[start:end])
        if message is not None:
            raise forms.ValidationError(message, code="too_long")
        data.update(start=start, end=end, exact=body[start:end])
        return data

    def first_error(self) -> str:
        """One sentence for the page's alert region."""
        for errors in self.errors.values():
            for error in errors:
                return str(error)
        return "The selection could not be read."


class ClaimEditForm(LimitedTextMixin, PanelFormMixin, forms.Form):
    """Panel edits of a claim, always with the version the user started from.

    The statement form and the verdict form are both this form restricted to their
    fields (``fields=``); whatever subset is posted, ``changes()`` returns only those, so
    one form never blanks the other's fields.
    """

    limited_fields = limits.CLAIM_KINDS

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, error_messages={
        "required": _("The page did not send the claim's version: reload the page and try again."),
        "invalid": _("The page sent a broken claim version: reload the page and try again."),
    })
    statement = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The claim in your own words."),
        error_messages={"required": _("Write the claim in your own words.")},
    )
    claimant = forms.CharField(required=False, help_text=_("Who made the claim."))
    verdict = forms.ModelChoiceField(
        queryset=RatingLabel.objects.none(),
        required=False,
        empty_label=_("Unrated"),
        error_messages={"invalid_choice": _("Choose a verdict from the rating scale.")},
    )
    rationale = forms.CharField(widget=forms.Textarea(attrs={"rows": 5}), required=False)

    def __init__(self, *args: Any, claim: Claim, fields: tuple[str, ...] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Inactive labels are not offered, except the one the claim already has.
        self.fields["verdict"].queryset = RatingLabel.objects.filter(Q(is_active=True) | Q(pk=claim.verdict_id))
        if fields is not None:
            for name in EDITABLE_FIELDS:
                if name not in fields:
                    del self.fields[name]

    @classmethod
    def for_claim(cls, claim: Claim, fields: tuple[str, ...], **kwargs: Any) -> ClaimEditForm:
        """An unbound form showing the claim's stored values."""
        initial = {name: getattr(claim, name) for name in fields}
        initial["version"] = claim.version
        return cls(claim=claim, fields=fields, initial=initial, **kwargs)

    @staticmethod
    def posted_fields(data: Any) -> tuple[str, ...]:
        """Which editable fields a request carries (the statement form or the verdict form)."""
        return tuple(name for name in EDITABLE_FIELDS if name in data)

    def clean_statement(self) -> str:
        return _unix_newlines(self.cleaned_data["statement"])

    def clean_rationale(self) -> str:
        return _unix_newlines(self.cleaned_data["rationale"])

    def changes(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in EDITABLE_FIELDS if name in self.fields}


class SourceForm(LimitedTextMixin, PanelFormMixin, forms.ModelForm):
    """A source's fields; the URL must be http(s) (checked here for the message and again by the model)."""

    limited_fields = limits.SOURCE_KINDS

    # "example.com/a" is read as https://example.com/a; other schemes are refused by name.
    url = HttpURLField(label=_("URL"))
    archive_url = HttpURLField(label=_("Archived copy URL"), required=False)

    class Meta:
        model = Source
        fields = ("url", "title", "publisher", "stance", "accessed_on", "archive_url", "excerpt")
        widgets = {
            "accessed_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "excerpt": forms.Textarea(attrs={"rows": 3}),
        }

    def clean_excerpt(self) -> str:
        return _unix_newlines(self.cleaned_data["excerpt"])

    def service_fields(self) -> dict[str, Any]:
        """Keyword arguments for services.add_source / update_source."""
        return {name: self.cleaned_data[name] for name in self.Meta.fields}

    def posted_values(self) -> dict[str, str]:
        """The source as typed (valid or not), to carry it into a correction form instead of losing it."""
        return {name: str(self.data.get(self.add_prefix(name), "")) for name in CorrectionForm.SOURCE_FIELDS}


class CorrectionForm(LimitedTextMixin, PanelFormMixin, forms.Form):
    """A proposed correction of a published claim: the corrected values, sources to add or remove, a public note.

    The form starts from the claim's stored values; :meth:`changes` hands every field to
    :func:`annotations.claim_corrections.propose_correction`, which keeps only what differs
    and records old → new. One new source per proposal (URL, title, publisher, stance);
    the claim's sources are offered as checkboxes to remove, from the list the panel
    already loaded (no query of its own).
    """

    #: The new source's fields, named ``source_<field>`` in the form.
    SOURCE_FIELDS = ("url", "title", "publisher", "stance")
    limited_fields = {
        **limits.CLAIM_KINDS, "source_title": "source_title", "source_publisher": "source_publisher", "note": "note",
    }

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, error_messages={
        "required": _("The page did not send the claim's version: reload the claim and try again."),
        "invalid": _("The page sent a broken claim version: reload the claim and try again."),
    })
    statement = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("A published claim needs a statement: write the corrected statement.")},
    )
    claimant = forms.CharField(required=False)
    verdict = forms.ModelChoiceField(
        queryset=RatingLabel.objects.none(), empty_label=None,
        error_messages={"invalid_choice": _("Choose a verdict from the rating scale.")},
    )
    rationale = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": _("A published claim needs a rationale: write the corrected rationale.")},
    )
    remove_sources = forms.TypedMultipleChoiceField(
        label=_("Remove sources"), required=False, coerce=int, widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("Choose sources of this claim to remove.")},
    )
    source_url = HttpURLField(label=_("URL of a source to add"), required=False)
    source_title = forms.CharField(label=_("Its title"), required=False)
    source_publisher = forms.CharField(label=_("Its publisher"), required=False)
    source_stance = forms.ChoiceField(
        label=_("Its stance"), required=False, choices=Source.Stance.choices, initial=Source.Stance.CONTEXT
    )
    note = forms.CharField(
        label=_("Public correction note"), widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Readers see it with the correction: say what changed and why."),
        error_messages={"required": _("Write a public correction note that tells readers what changed and why.")},
    )

    def __init__(self, *args: Any, claim: Claim, sources: list[Source], **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "corr-%s")
        super().__init__(*args, **kwargs)
        self.fields["verdict"].queryset = RatingLabel.objects.filter(Q(is_active=True) | Q(pk=claim.verdict_id))
        self.fields["remove_sources"].choices = [(source.pk, source.title or source.url) for source in sources]

    @classmethod
    def for_claim(
        cls,
        claim: Claim,
        sources: list[Source],
        *,
        changes: dict[str, Any] | None = None,
        add_source: dict[str, Any] | None = None,
        remove_source: Source | None = None,
    ) -> CorrectionForm:
        """An unbound form holding the claim's values, with what the user already tried to change on top."""
        initial: dict[str, Any] = {name: getattr(claim, name) for name in EDITABLE_FIELDS}
        initial["version"] = claim.version
        initial.update(changes or {})
        for name, value in (add_source or {}).items():
            if value:
                initial[f"source_{name}"] = value
        if remove_source is not None:
            initial["remove_sources"] = [remove_source.pk]
        return cls(claim=claim, sources=sources, initial=initial)

    def clean_statement(self) -> str:
        return _unix_newlines(self.cleaned_data["statement"])

    def clean_rationale(self) -> str:
        return _unix_newlines(self.cleaned_data["rationale"])

    def clean_note(self) -> str:
        return _unix_newlines(self.cleaned_data["note"])

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not data.get("source_url") and (data.get("source_title") or data.get("source_publisher")):
            self.add_error("source_url", _("Give the URL of the source to add (or clear its title and publisher)."))
        return data

    def changes(self) -> dict[str, Any]:
        """The proposal for ``propose_correction``: every field (unchanged ones are ignored there)."""
        data = self.cleaned_data
        changes: dict[str, Any] = {name: data[name] for name in EDITABLE_FIELDS}
        if data.get("remove_sources"):
            changes["sources_removed"] = list(data["remove_sources"])
        if data.get("source_url"):
            source = {name: data[f"source_{name}"] for name in self.SOURCE_FIELDS}
            changes["sources_added"] = [{name: value for name, value in source.items() if value}]
        return changes


class CorrectionReviewForm(LimitedTextMixin, PanelFormMixin, forms.Form):
    """The editor's note when publishing (optional) or rejecting (required by the service) a correction."""

    limited_fields = {"note": "note"}

    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def clean_note(self) -> str:
        return _unix_newlines(self.cleaned_data["note"])


class CommentForm(LimitedTextMixin, PanelFormMixin, forms.Form):
    limited_fields = {"body": "comment"}

    body = forms.CharField(
        label=_("Comment"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Type @username to notify someone on the desk, #128 to point at claim 128."),
        error_messages={"required": _("Write something before adding a comment.")},
    )

    def clean_body(self) -> str:
        return _unix_newlines(self.cleaned_data["body"])


class DeleteClaimForm(LimitedTextMixin, PanelFormMixin, forms.Form):
    limited_fields = {"note": "note"}

    note = forms.CharField(label=_("Reason (optional)"), required=False)


class ReattachForm(forms.Form):
    """A new place for a claim: browser offsets (UTF-16 units) and the selected text.

    Without JavaScript the offsets stay empty and the editor types or pastes the words
    instead; the view then looks for them in the article.
    """

    start = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)
    end = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)
    exact = forms.CharField(
        label=_("Text to attach the claim to"),
        strip=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Select the words in the article above, or paste them here."),
    )

    def clean_exact(self) -> str:
        # Browsers submit textarea and hidden-field line breaks as CRLF; the body uses LF.
        return self.cleaned_data["exact"].replace("\r\n", "\n").replace("\r", "\n")
