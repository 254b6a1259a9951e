"""Models of the search layer: versions of the trained check-worthiness model.

The search index itself lives outside the model state (see ``search/migrations/0001``).
A :class:`CheckworthinessModel` row is one trained model for one language: its weights sit
in a small ``.npz`` file in Django's default storage (a disk or S3, like job files), the row
keeps how it was trained and how it measured. At most one version per language is active;
with none, the language uses the model shipped in ``search/data/`` or, failing that, the
hand-written features alone. Rows are written by :mod:`search.training` only.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

#: Storage folder of the model files.
MODEL_FOLDER = "checkworthiness"


class CheckworthinessModel(models.Model):
    """One trained version of the check-worthiness model for one language."""

    language = models.CharField(max_length=16, help_text=_("Primary language subtag, e.g. “en”."))
    version = models.PositiveIntegerField(help_text=_("1, 2, 3… per language, in training order."))
    file = models.FileField(upload_to=f"{MODEL_FOLDER}/", max_length=300)
    sha256 = models.CharField(
        max_length=64, help_text=_("Checksum of the file: checked on loading, and the cache key.")
    )
    metrics = models.JSONField(
        default=dict,
        blank=True,
        help_text=_("Held-out precision, recall, F1, AP, MAP of this model and of the one it was compared with."),
    )
    training = models.JSONField(default=dict, blank=True, help_text=_("What it was trained on."))
    note = models.CharField(max_length=500, blank=True, help_text=_("Why it was or was not activated."))
    trained_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    is_active = models.BooleanField(default=False)

    class Meta:
        ordering = ["language", "-version"]
        verbose_name = _("check-worthiness model")
        constraints = [
            models.UniqueConstraint(fields=["language", "version"], name="checkworthiness_model_version_unique"),
            models.UniqueConstraint(
                fields=["language"],
                condition=Q(is_active=True),
                name="checkworthiness_model_one_active",
                violation_error_message="Only one check-worthiness model can be active per language.",
            ),
            models.CheckConstraint(condition=~Q(language=""), name="checkworthiness_model_language_set"),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """How suggestions name the model: "en v3"."""
        return f"{self.language} v{self.version}"
