"""WSGI entry for benchmark runs: the app with ``benchmarks.settings`` (adds the trivial view)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.settings")

application = get_wsgi_application()
