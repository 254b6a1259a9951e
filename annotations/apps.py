from django.apps import AppConfig


class AnnotationsConfig(AppConfig):
    name = "annotations"
    verbose_name = "Fact-checks"
    #: Rows the migrations install (the default rating scale): a restore replaces them (factcheck.backup).
    seed_models = ("RatingLabel",)

    def ready(self) -> None:
        # Importing these registers the claim policies and connects re-anchoring to
        # articles.signals.article_body_changed (the standard place for Django wiring).
        from annotations import outlet_changes, permissions, reanchoring  # noqa: F401
