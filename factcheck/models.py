"""Models of the shared bottom layer: background jobs (see :mod:`factcheck.jobs`).

One :class:`Job` row describes every piece of background work, whatever it does: an
article import, a ZIP or PDF export, an import of Web Annotations, later a fetch. The row
is the job's whole state, shared by the web process that shows its progress page and the
worker that runs it; its files (the uploaded input, the produced result) live in
``default_storage`` so they can sit on S3 as easily as on a disk. Only
:mod:`factcheck.jobs` changes a job, and the constraints below hold its rules in the
database as well.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

#: Storage folders for a job's files; ``cleanup_jobs`` deletes them with the job.
INPUT_FOLDER = "jobs/input"
RESULT_FOLDER = "jobs/result"


class Job(models.Model):
    """One piece of background work: who asked for it, how far it got, what came out."""

    class Kind(models.TextChoices):
        IMPORT = "import", "Import"
        EXPORT = "export", "Export"
        #: Web Annotations imported as claims on one article (``annotations.tasks``); not an
        #: article import, so it has its own page (kinds are registered with one page each).
        ANNOTATION_IMPORT = "w3c_import", "Annotation import"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    #: States a job never leaves: only these are removed by retention.
    FINISHED = (Status.DONE, Status.FAILED)
    #: States that count against a user's limit of jobs at once (``FACTDESK_MAX_ACTIVE_JOBS_PER_USER``).
    ACTIVE = (Status.PENDING, Status.RUNNING)

    kind = models.CharField(max_length=16, choices=Kind.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="jobs"
    )
    title = models.CharField(max_length=300, help_text="What a person sees in lists, e.g. “Import of feed.jsonl”.")
    params = models.JSONField(default=dict, blank=True, help_text="What the task needs to know to run the job.")
    fingerprint = models.CharField(
        max_length=64,
        blank=True,
        help_text="Hash of the job's input when its result can be reused: a done job of the same kind and "
        "fingerprint already holds the result.",
    )
    input_file = models.FileField(upload_to=f"{INPUT_FOLDER}/%Y/%m/", max_length=500, blank=True)
    total = models.PositiveIntegerField(default=0, help_text="Items to process; 0 while unknown.")
    processed = models.PositiveIntegerField(default=0)
    errors = models.JSONField(
        default=list, blank=True, help_text="Per-item problems: [{“item”: which record, “message”: why}, …]."
    )
    error = models.TextField(blank=True, help_text="Why the whole job failed.")
    result = models.JSONField(default=dict, blank=True, help_text="Summary of what the job did.")
    result_file = models.FileField(max_length=500, blank=True)
    task_result_id = models.CharField(max_length=64, blank=True, help_text="The django-tasks result running the job.")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["owner", "-created_at"], name="job_owner_recent_idx"),
            models.Index(fields=["status", "finished_at"], name="job_retention_idx"),
            models.Index(fields=["kind", "fingerprint", "status"], name="job_fingerprint_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=["import", "export", "w3c_import"]), name="job_kind_valid"),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "running", "done", "failed"]), name="job_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(total=0) | Q(processed__lte=F("total")), name="job_processed_within_total"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["done", "failed"], finished_at__isnull=False)
                | Q(status__in=["pending", "running"], finished_at__isnull=True),
                name="job_finished_at_iff_finished",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "failed"]) | Q(started_at__isnull=False),
                name="job_started_at_once_running",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.get_status_display()})"

    @property
    def is_finished(self) -> bool:
        return self.status in self.FINISHED

    @property
    def percent(self) -> int:
        """Progress for the progress bar: 100 once done, else processed of total (0 while unknown)."""
        if self.status == self.Status.DONE:
            return 100
        return int(100 * self.processed / self.total) if self.total else 0


class UserPreference(models.Model):
    """A person's own settings that follow them from browser to browser: the interface language.

    The language cookie holds the choice for one browser; this row brings it back on every
    new login (see :mod:`factcheck.i18n`). An empty ``language`` means "as the browser asks".
    """

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="preference")
    language = models.CharField(
        max_length=16,
        blank=True,
        choices=settings.LANGUAGES,
        help_text="Interface language; empty: the browser's choice.",
    )

    def __str__(self) -> str:
        return f"Preferences of {self.user}"
