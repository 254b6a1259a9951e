"""Settings for benchmark runs: production settings, served over plain HTTP on loopback.

The app runs exactly as configured for production (``DEBUG`` off, same middleware, cache,
sessions and database options) except for HTTPS-only behaviour, which would redirect every
request on a loopback benchmark, and one extra URL: the trivial view in
:mod:`benchmarks.urls` that measures the server's floor.
"""

import os
import warnings

# Loopback benchmarks only: a fixed key (production refuses to start without SECRET_KEY).
os.environ.setdefault("SECRET_KEY", "factdesk-benchmark-key-loopback-only")

from factcheck.settings import *  # noqa: F403

DEBUG = False
ROOT_URLCONF = "benchmarks.urls"
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
# The load generator hammers a few pages from one address on purpose.
FACTDESK_RATE_LIMITS_ENABLED = False
# The hashed-name manifest needs `collectstatic`; plain static URLs cost the same to render.
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# WhiteNoise warns once per process that STATIC_ROOT does not exist (no `collectstatic` here).
warnings.filterwarnings("ignore", message="No directory at")
