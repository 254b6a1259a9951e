"""Admin for check-worthiness model versions: retrain from the desk, activate, roll back.

Versions are made only by training (:mod:`search.training`), so they cannot be added or
edited by hand. The list shows how each version measured on held-out sentences against the
model it was compared with. Actions: *activate* the selected version (also the rollback to
an earlier one) and *use the shipped model* again (no version active for that language).
The “Retrain from the desk” page trains a new version from the desk's claims and dismissed
suggestions, optionally with a labelled file and on top of the shipped model; it becomes
active only if it ranks the held-out sentences better than the current model, or if the
editor ticks “activate even if not better”. Models without a permission policy are the
admins' only (:class:`factcheck.permissions.PolicyBackend`).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from annotations.checkworthiness_model import ModelFileError, TrainingDataError, read_labelled
from search import training
from search.models import CheckworthinessModel

#: Largest labelled file the retrain page accepts.
MAX_LABELLED_UPLOAD = 20 * 1024 * 1024


class RetrainForm(forms.Form):
    language = forms.CharField(
        max_length=16, initial="en", label=gettext_lazy("Language"),
        help_text=gettext_lazy("The articles' language, e.g. “en”."),
    )
    on_top_of_default = forms.BooleanField(
        required=False,
        initial=True,
        label=gettext_lazy("On top of the shipped model"),
        help_text=gettext_lazy(
            "Adjust the model that ships with Factdesk instead of learning from the desk's decisions alone."
        ),
    )
    labelled_file = forms.FileField(
        required=False,
        label=gettext_lazy("Labelled sentences (optional)"),
        help_text=gettext_lazy("A .json, .jsonl or .csv file with text and label (1 = check-worthy, 0 = not) columns."),
    )
    force = forms.BooleanField(
        required=False, label=gettext_lazy("Activate even if not better"),
        help_text=gettext_lazy("Otherwise it is kept but not used."),
    )

    def clean_language(self) -> str:
        language = training.language_key(self.cleaned_data["language"])
        if not language.isalpha():
            raise forms.ValidationError("Enter a language code such as “en”.")
        return language

    def clean_labelled_file(self) -> Any:
        upload = self.cleaned_data.get("labelled_file")
        if upload is None:
            return []
        if upload.size > MAX_LABELLED_UPLOAD:
            raise forms.ValidationError(f"The file is larger than {MAX_LABELLED_UPLOAD // (1024 * 1024)} MB.")
        try:
            return read_labelled(upload.read(), upload.name)
        except TrainingDataError as error:
            raise forms.ValidationError(str(error)) from error


@admin.register(CheckworthinessModel)
class CheckworthinessModelAdmin(admin.ModelAdmin):
    list_display = ("label", "is_active", "held_out_ap", "held_out_f1", "compared_with", "trained_by", "created_at")
    list_filter = ("language", "is_active")
    list_select_related = ("trained_by",)
    ordering = ("language", "-version")
    actions = ("activate_version", "use_shipped_model")
    fields = ("language", "version", "is_active", "note", "metrics", "training", "file", "sha256", "trained_by",
              "created_at")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: CheckworthinessModel | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: CheckworthinessModel | None = None) -> bool:
        return False

    def may_train(self, request: HttpRequest) -> bool:
        """Training writes versions: the same people who could add one (admins)."""
        return request.user.has_perm("search.add_checkworthinessmodel")

    # --- Columns -------------------------------------------------------------------

    @admin.display(description=gettext_lazy("model"), ordering="version")
    def label(self, version: CheckworthinessModel) -> str:
        return version.label

    @admin.display(description=gettext_lazy("held-out AP"))
    def held_out_ap(self, version: CheckworthinessModel) -> str:
        return _metric(version, "held_out", "average_precision")

    @admin.display(description=gettext_lazy("held-out F1"))
    def held_out_f1(self, version: CheckworthinessModel) -> str:
        return _metric(version, "held_out", "f1")

    @admin.display(description=gettext_lazy("compared with"))
    def compared_with(self, version: CheckworthinessModel) -> str:
        compared = version.metrics.get("compared_with", "")
        if not compared:
            return "–"
        return f"{compared} (AP {_metric(version, 'current', 'average_precision')})"

    # --- Actions -------------------------------------------------------------------

    @admin.action(
        description=gettext_lazy("Activate the selected version (roll back or forward)"), permissions=["train"]
    )
    def activate_version(self, request: HttpRequest, queryset: QuerySet[CheckworthinessModel]) -> None:
        chosen: dict[str, CheckworthinessModel] = {}
        for version in queryset:
            if version.language in chosen:
                self.message_user(
                    request,
                    _("Select one version per language: two “%(language)s” versions were selected.")
                    % {"language": version.language},
                    messages.ERROR,
                )
                return
            chosen[version.language] = version
        for version in chosen.values():
            try:
                training.activate(version)
            except ModelFileError as error:
                self.message_user(
                    request, _("%(model)s was not activated: %(error)s") % {"model": version.label, "error": error},
                    messages.ERROR,
                )
                continue
            self.message_user(
                request,
                _("%(model)s is now the active model for “%(language)s”.")
                % {"model": version.label, "language": version.language},
            )

    @admin.action(description=gettext_lazy("Use the shipped model again for these languages"), permissions=["train"])
    def use_shipped_model(self, request: HttpRequest, queryset: QuerySet[CheckworthinessModel]) -> None:
        for language in sorted(set(queryset.values_list("language", flat=True))):
            training.deactivate(language)
            fallback = training.current_label(training.scorer_for(language))
            self.message_user(
                request,
                _("“%(language)s” articles are now scored by %(model)s.") % {"language": language, "model": fallback},
            )

    def has_train_permission(self, request: HttpRequest) -> bool:
        return self.may_train(request)

    # --- Retrain page --------------------------------------------------------------

    def get_urls(self) -> list[URLPattern]:
        retrain = self.admin_site.admin_view(self.retrain_view)
        return [path("retrain/", retrain, name="search_checkworthinessmodel_retrain"), *super().get_urls()]

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        return super().changelist_view(request, {**(extra_context or {}), "may_train": self.may_train(request)})

    def retrain_view(self, request: HttpRequest) -> HttpResponse:
        """Train a new version from the desk's decisions; the result and the comparison are
        reported as a message, and a bad file or too little data changes nothing."""
        if not self.may_train(request):
            self.message_user(request, _("Only admins can retrain the check-worthiness model."), messages.ERROR)
            return HttpResponseRedirect(reverse("admin:search_checkworthinessmodel_changelist"))
        form = RetrainForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                version, _result = training.retrain_from_desk(
                    data["language"],
                    user=request.user,
                    on_top_of_default=data["on_top_of_default"],
                    force=data["force"],
                    extra=data["labelled_file"],
                )
            except TrainingDataError as error:
                form.add_error(None, str(error))
            else:
                level = messages.SUCCESS if version.is_active else messages.WARNING
                self.message_user(
                    request, _("Trained %(model)s. %(note)s") % {"model": version.label, "note": version.note}, level
                )
                return HttpResponseRedirect(reverse("admin:search_checkworthinessmodel_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Retrain the check-worthiness model",
            "form": form,
            "weak_weight": training.WEAK_NEGATIVE_WEIGHT,
            "held_out": round(training.HELD_OUT * 100),
        }
        status = 400 if request.method == "POST" else 200
        return TemplateResponse(request, "admin/search/checkworthinessmodel/retrain.html", context, status=status)


def _metric(version: CheckworthinessModel, part: str, name: str) -> str:
    value = version.metrics.get(part, {}).get(name)
    return f"{value:.3f}" if isinstance(value, int | float) else "–"
