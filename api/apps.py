from django.apps import AppConfig


class ApiConfig(AppConfig):
    """The REST API: the top layer next to search and benchmarks (nothing imports it)."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "api"
    verbose_name = "API"

    def ready(self) -> None:
        from api import webhooks  # noqa: F401 - connects the webhook receivers to the lower layers' signals
