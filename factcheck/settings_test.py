"""Settings for the test suite: production settings minus HTTPS-only behaviour and slow hashing."""

import os

# A fixed key for the suite (production refuses to start without one when DEBUG is off).
os.environ.setdefault("SECRET_KEY", "factdesk-test-suite-key-not-for-production-use")

from factcheck.settings import *  # noqa: F403

SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
# Counters would carry across tests in one process; tests/test_ratelimit.py turns them on.
FACTDESK_RATE_LIMITS_ENABLED = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file, not shared-cache memory: browser tests write from the live server's thread
    # while the test thread reads, and shared-cache SQLite answers that with "table is
    # locked" instead of waiting; a file database in WAL mode waits (busy timeout).
    import tempfile

    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": os.path.join(tempfile.gettempdir(), f"factdesk-test-{os.getpid()}.sqlite3")
    }
