from django.apps import AppConfig


class AnnotationsConfig(AppConfig):
    name = "annotations"
    verbose_name = "Fact-checks"
    #: Rows the migrations install (the default rating scale): a restore replaces them (factcheck.backup).
    seed_models = ("RatingLabel",)

    def ready(self) -> None:
        # Importing these registers the claim policies, connects re-anchoring to
        # articles.signals.article_body_changed, the public pages' cache version and CDN purge to
        # claim_published / claim_corrected, and registers the deploy check of the published
        # addresses (the standard place for Django wiring).
        from annotations import checks, outlet_changes, permissions, public_cache, reanchoring  # noqa: F401
