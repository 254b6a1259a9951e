"""The project's own app: the shared bottom layer (roles and permission policies, background
jobs, backups) under ``articles``, ``annotations`` and ``search``.

It also holds the composition root (settings, URLs, WSGI), which alone may import every app.
"""

from django.apps import AppConfig


class FactcheckConfig(AppConfig):
    name = "factcheck"
    verbose_name = "Factdesk"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Connects the login receiver that brings back a person's saved interface language.
        # Connects the receivers that drop a cached user when the user or their groups change.
        from factcheck import (
            i18n,  # noqa: F401
            user_cache,  # noqa: F401
        )
