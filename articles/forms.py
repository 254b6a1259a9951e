"""Forms for adding, uploading and correcting articles.

Forms only check the shape of the input (types, sizes, file types); the rules about
article content live in the import parsers (``articles.importing.formats.build_article``)
and in ``articles.corrections``, which the views call, so the browser, the admin and the
management command agree on what a valid article is.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

from articles.importing.formats import human_size
from articles.importing.parsers import PARSERS, SUPPORTED_EXTENSIONS_TEXT
from articles.models import Article, ArticleRevision, Feed, http_url_validator


class ArticleForm(forms.Form):
    """Paste an article: metadata fields plus the body text."""

    title = forms.CharField(max_length=Article._meta.get_field("title").max_length)
    outlet = forms.CharField(
        label="Outlet / publisher", max_length=Article._meta.get_field("outlet").max_length, required=False
    )
    byline = forms.CharField(max_length=Article._meta.get_field("byline").max_length, required=False)
    # A CharField with the model's validator, not a URLField: one clear message for
    # "javascript:" or "ftp:" instead of URLField's generic one (twice).
    url = forms.CharField(
        label="URL",
        max_length=Article._meta.get_field("url").max_length,
        required=False,
        validators=[http_url_validator],
        widget=forms.URLInput,
        help_text="The article's address at the outlet (http:// or https://).",
    )
    # ISO only, as in imports: "03/04/2024" is a different day in different newsrooms.
    published_on = forms.DateField(
        label="Published", required=False, input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="The day the outlet published it (pick it from the date picker, shown in your browser's format).",
    )
    language = forms.CharField(max_length=16, initial="en", help_text="A language code such as en or pt-BR.")
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 18}),
        strip=False,
        help_text="Paste the article text; separate paragraphs with a blank line.",
    )


class ArticleEditForm(forms.Form):
    """Correct an article: title and body, the version the edit is based on, and a note."""

    title = forms.CharField(max_length=Article._meta.get_field("title").max_length)
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 24}), strip=False)
    note = forms.CharField(
        label="Note for the revision history",
        max_length=ArticleRevision._meta.get_field("note").max_length,
        required=False,
        help_text="What changed and why, e.g. \u201cOutlet corrected the unemployment figure\u201d.",
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


def _types_text(extensions: Sequence[str]) -> str:
    """".txt, .md or .html" for messages, leaving out alternative spellings (.htm, .markdown)."""
    shown = [ext for ext in extensions if ext not in (".htm", ".markdown", ".ndjson")]
    return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " or " + shown[-1]


class ImportFileForm(forms.Form):
    """One file to import; the size limit and the file type are checked before it is read.

    ``allowed_types`` narrows the accepted extensions (default: every format the import
    parsers read). The parsers check type, size and encoding again, so this is about
    giving the clearest message early, not about safety.
    """

    file = forms.FileField(label="File")

    def __init__(self, *args: Any, allowed_types: Sequence[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.allowed_types = tuple(allowed_types) if allowed_types is not None else tuple(PARSERS)
        self.types_text = _types_text(self.allowed_types) if allowed_types is not None else SUPPORTED_EXTENSIONS_TEXT
        limit = human_size(settings.FACTDESK_MAX_UPLOAD_BYTES)
        field = self.fields["file"]
        field.help_text = f"A {self.types_text} file of at most {limit}."
        field.widget.attrs["accept"] = ",".join(self.allowed_types)

    def clean_file(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["file"]
        name = upload.name or ""
        stem, dot, suffix = name.replace("\\", "/").rsplit("/", 1)[-1].rpartition(".")
        extension = f".{suffix.lower()}" if dot and stem else ""
        if extension not in self.allowed_types:
            shown = f"'{extension}'" if extension else "(no extension)"
            raise forms.ValidationError(
                f"Unsupported file type {shown}: use {self.types_text}.", code="file_type"
            )
        limit = settings.FACTDESK_MAX_UPLOAD_BYTES
        if upload.size is not None and upload.size > limit:
            raise forms.ValidationError(
                f"The file is {human_size(upload.size)}; the limit is {human_size(limit)}.", code="too_large"
            )
        if not upload.size:
            raise forms.ValidationError("The file is empty.", code="empty")
        return upload


#: How many addresses one "Add by URL" or "Watch these pages" form takes.
MAX_URLS_PER_FORM = 50


def _url_lines(text: str) -> list[str]:
    """Non-empty lines, each an http(s) URL, duplicates dropped; ``ValidationError`` naming the bad ones."""
    lines = list(dict.fromkeys(line.strip() for line in text.splitlines() if line.strip()))
    if not lines:
        raise forms.ValidationError("Enter at least one web address.", code="required")
    if len(lines) > MAX_URLS_PER_FORM:
        raise forms.ValidationError(
            f"That is {len(lines)} addresses; at most {MAX_URLS_PER_FORM} at a time.", code="too_many"
        )
    bad = []
    for line in lines:
        try:
            http_url_validator(line)
        except forms.ValidationError:
            bad.append(line)
    if bad:
        shown = ", ".join(repr(line[:80]) for line in bad[:3])
        raise forms.ValidationError(
            f"Not an http:// or https:// address: {shown}{' …' if len(bad) > 3 else ''}.", code="invalid"
        )
    return lines


class AddByUrlForm(forms.Form):
    """One address (fetched at once) or several, one per line (fetched in the background)."""

    urls = forms.CharField(
        label="Web address(es)",
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "https://news.example/2024/05/story"}),
        help_text=f"The article's address at the outlet; several, one per line (at most {MAX_URLS_PER_FORM}).",
    )
    watch = forms.BooleanField(
        label="Watch for silent edits", required=False, initial=True,
        help_text="Fetch the page again regularly and record every change the outlet makes.",
    )

    def clean_urls(self) -> list[str]:
        return _url_lines(self.cleaned_data["urls"])


class FeedForm(forms.ModelForm):
    """An outlet's RSS or Atom feed to poll."""

    class Meta:
        model = Feed
        fields = ("url", "title", "outlet", "interval_minutes", "watch_items")
        widgets = {"url": forms.URLInput(attrs={"placeholder": "https://news.example/rss.xml"})}
        help_texts = {"title": "Optional: the feed's own title is used when left empty."}

    def clean_interval_minutes(self) -> int:
        minutes = self.cleaned_data["interval_minutes"]
        if minutes < 5:
            raise forms.ValidationError("Poll at most every 5 minutes: be polite to the outlet.")
        return minutes
