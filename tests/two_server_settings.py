"""Settings for the app servers and the worker of tests/test_two_servers.py.

Production settings (``factcheck.settings``: DEBUG off, Redis cache and cached_db sessions
from ``REDIS_URL``, the database task backend, media in ``FileSystemStorage`` under
``MEDIA_ROOT``, all from the environment the test passes) served over plain HTTP on
loopback. Only what a loopback test cannot have differs:

* no HTTPS: no SSL redirect, no secure-only cookies, no HSTS (as benchmarks/settings.py);
* the suite's fast password hasher, because the test's users are created by the suite
  (factcheck/settings_test.py hashes with MD5);
* plain static files (the hashed-name manifest needs ``collectstatic``);
* the cache keys get a per-run prefix (``FACTDESK_TEST_KEY_PREFIX``), so a test run shares
  Redis between its own servers only, even when another suite uses the same database.
"""

import os
import warnings

from factcheck.settings import *  # noqa: F403

DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

_KEY_PREFIX = os.environ.get("FACTDESK_TEST_KEY_PREFIX", "")
if _KEY_PREFIX:
    for _alias in CACHES.values():  # noqa: F405
        _alias["KEY_PREFIX"] = f"{_KEY_PREFIX}-{_alias.get('KEY_PREFIX', '')}"

# WhiteNoise warns once per process that STATIC_ROOT does not exist (no `collectstatic` here).
warnings.filterwarnings("ignore", message="No directory at")
