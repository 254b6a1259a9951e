"""The project's own app: the shared bottom layer (roles and permission policies, background
jobs, backups) under ``articles``, ``annotations`` and ``search``.

It also holds the composition root (settings, URLs, WSGI), which alone may import every app.
"""

from django.apps import AppConfig


class FactcheckConfig(AppConfig):
    name = "factcheck"
    verbose_name = "Factdesk"
    default_auto_field = "django.db.models.BigAutoField"
