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
from django.utils.text import format_lazy
from django.utils.translation import get_language_info
from django.utils.translation import gettext_lazy as _

from articles.importing.formats import human_size
from articles.importing.parsers import PARSERS, SUPPORTED_EXTENSIONS_TEXT
from articles.language import KNOWN_LANGUAGES, detect_language
from articles.models import Article, ArticleRevision, Feed, http_url_validator
from articles.values import normalize_language

#: The empty choice of a language field that may be left to detection.
DETECT_CHOICE = ("", _("Detect from the text"))


def language_name(code: str, english: str) -> str:
    """The language's name in the interface language (Django's own catalogue), else its English name."""
    for known in (code.lower(), f"{code.lower()}-hans"):  # Django files Chinese as zh-hans
        try:
            return str(get_language_info(known)["name_translated"])
        except KeyError:
            continue
    return english


class LanguageField(forms.CharField):
    """An article's language: picked from the known languages, checked as a BCP 47 tag.

    The widget offers :data:`articles.language.KNOWN_LANGUAGES` (plus the current value when it
    is another tag such as "pt-PT", so editing never silently changes it); the value is checked
    and normalised by :func:`articles.values.normalize_language`, the rule imports follow, so a
    hand-made POST with "xx-!!" is a form error, never a 500.
    """

    def __init__(self, *, detect: bool = False, **kwargs: Any) -> None:
        self.detect = detect
        kwargs.setdefault("max_length", 16)
        kwargs.setdefault("required", not detect)
        kwargs.setdefault(
            "help_text",
            _("Leave on “Detect from the text” to let Factdesk guess it.") if detect
            else _("The article's language: it picks the text direction, sentence splitting and search stemming."),
        )
        super().__init__(**kwargs)
        self.widget = forms.Select(choices=self.language_choices())

    def language_choices(self, current: str = "") -> list[tuple[str, str]]:
        choices = [DETECT_CHOICE] if self.detect else []
        choices += [(code, f"{language_name(code, name)} ({code})") for code, name in KNOWN_LANGUAGES]
        if current and current not in {code for code, _label in choices}:
            choices.append((current, current))
        return choices

    def show_current(self, current: str) -> None:
        """Offer ``current`` in the list even when it is not a known language."""
        self.widget.choices = self.language_choices(current)

    def clean(self, value: Any) -> str:
        text = super().clean(value)
        if not text:
            return ""
        try:
            return normalize_language(text)
        except ValueError as error:
            raise forms.ValidationError(str(error)[:1].upper() + str(error)[1:] + ".", code="language") from error


class ArticleForm(forms.Form):
    """Paste an article: metadata fields plus the body text."""

    title = forms.CharField(max_length=Article._meta.get_field("title").max_length)
    outlet = forms.CharField(
        label=_("Outlet / publisher"), max_length=Article._meta.get_field("outlet").max_length, required=False
    )
    byline = forms.CharField(max_length=Article._meta.get_field("byline").max_length, required=False)
    # A CharField with the model's validator, not a URLField: one clear message for
    # "javascript:" or "ftp:" instead of URLField's generic one (twice).
    url = forms.CharField(
        label=_("URL"),
        max_length=Article._meta.get_field("url").max_length,
        required=False,
        validators=[http_url_validator],
        widget=forms.URLInput,
        help_text=_("The article's address at the outlet (http:// or https://)."),
    )
    # ISO only, as in imports: "03/04/2024" is a different day in different newsrooms.
    published_on = forms.DateField(
        label=_("Published"), required=False, input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("The day the outlet published it (pick it from the date picker, shown in your browser's format)."),
    )
    language = LanguageField(detect=True, initial="")
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 18}),
        strip=False,
        help_text=_("Paste the article text; separate paragraphs with a blank line."),
    )


class ArticleEditForm(forms.Form):
    """Correct an article: title and body, the version the edit is based on, and a note."""

    title = forms.CharField(max_length=Article._meta.get_field("title").max_length)
    language = LanguageField(required=False)
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 24}), strip=False)
    note = forms.CharField(
        label=_("Note for the revision history"),
        max_length=ArticleRevision._meta.get_field("note").max_length,
        required=False,
        help_text=_("What changed and why, e.g. “Outlet corrected the unemployment figure”."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        current = self.data.get("language") if self.is_bound else self.initial.get("language", "")
        self.fields["language"].show_current(str(current or ""))


class ArticleAdminForm(forms.ModelForm):
    """The admin's article form: the language from the same list, detected when left empty on add."""

    language = LanguageField(detect=True, required=False)

    class Meta:
        model = Article
        fields = ("title", "body", "outlet", "byline", "url", "published_on", "language", "added_by")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        current = self.data.get("language") if self.is_bound else (self.instance.language if self.instance.pk else "")
        self.fields["language"].show_current(str(current or ""))

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not data.get("language"):
            body = data.get("body") or (self.instance.body if self.instance.pk else "")
            data["language"] = detect_language(body)
        return data


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

    file = forms.FileField(label=_("File"))

    def __init__(self, *args: Any, allowed_types: Sequence[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.allowed_types = tuple(allowed_types) if allowed_types is not None else tuple(PARSERS)
        self.types_text = _types_text(self.allowed_types) if allowed_types is not None else SUPPORTED_EXTENSIONS_TEXT
        limit = human_size(settings.FACTDESK_MAX_UPLOAD_BYTES)
        field = self.fields["file"]
        field.help_text = _("A %(types)s file of at most %(limit)s.") % {"types": self.types_text, "limit": limit}
        field.widget.attrs["accept"] = ",".join(self.allowed_types)

    def clean_file(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["file"]
        name = upload.name or ""
        stem, dot, suffix = name.replace("\\", "/").rsplit("/", 1)[-1].rpartition(".")
        extension = f".{suffix.lower()}" if dot and stem else ""
        if extension not in self.allowed_types:
            shown = f"'{extension}'" if extension else _("(no extension)")
            raise forms.ValidationError(
                _("Unsupported file type %(shown)s: use %(types)s.") % {"shown": shown, "types": self.types_text},
                code="file_type",
            )
        limit = settings.FACTDESK_MAX_UPLOAD_BYTES
        if upload.size is not None and upload.size > limit:
            raise forms.ValidationError(
                _("The file is %(size)s; the limit is %(limit)s.")
                % {"size": human_size(upload.size), "limit": human_size(limit)},
                code="too_large",
            )
        if not upload.size:
            raise forms.ValidationError(_("The file is empty."), code="empty")
        return upload


#: How many addresses one "Add by URL" or "Watch these pages" form takes.
MAX_URLS_PER_FORM = 50


def _url_lines(text: str) -> list[str]:
    """Non-empty lines, each an http(s) URL, duplicates dropped; ``ValidationError`` naming the bad ones."""
    lines = list(dict.fromkeys(line.strip() for line in text.splitlines() if line.strip()))
    if not lines:
        raise forms.ValidationError(_("Enter at least one web address."), code="required")
    if len(lines) > MAX_URLS_PER_FORM:
        raise forms.ValidationError(
            _("That is %(count)s addresses; at most %(max)s at a time.")
            % {"count": len(lines), "max": MAX_URLS_PER_FORM},
            code="too_many",
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
            _("Not an http:// or https:// address: %(addresses)s.")
            % {"addresses": shown + (" …" if len(bad) > 3 else "")},
            code="invalid",
        )
    return lines


class AddByUrlForm(forms.Form):
    """One address (fetched at once) or several, one per line (fetched in the background)."""

    urls = forms.CharField(
        label=_("Web address(es)"),
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "https://news.example/2024/05/story"}),
        help_text=format_lazy(
            _("The article's address at the outlet; several, one per line (at most {max})."), max=MAX_URLS_PER_FORM
        ),
    )
    watch = forms.BooleanField(
        label=_("Watch for silent edits"), required=False, initial=True,
        help_text=_("Fetch the page again regularly and record every change the outlet makes."),
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
            raise forms.ValidationError(_("Poll at most every 5 minutes: be polite to the outlet."))
        return minutes
