"""Factdesk settings, read from the environment (12-factor).

Every value that differs between a laptop and production comes from an environment
variable; the defaults are the safe local-development ones. See README.md for the list.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    """Read a boolean environment variable ("1", "true", "yes", "on" are true)."""
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    """Read a comma-separated environment variable into a list, dropping blanks."""
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
#: The development key is public (it is in this file): with DEBUG off the app refuses to start
#: without a real SECRET_KEY rather than sign sessions and password-reset links with it.
DEVELOPMENT_SECRET_KEY = "django-insecure-factdesk-local-development-only"  # noqa: S105 - public on purpose
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY or SECRET_KEY == DEVELOPMENT_SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. With DEBUG off Factdesk refuses to start on the public development key: "
            "set SECRET_KEY to a long random value (python -c 'import secrets; print(secrets.token_urlsafe(50))'), "
            "or DEBUG=1 on a laptop."
        )
    SECRET_KEY = DEVELOPMENT_SECRET_KEY

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "csp",
    "axes",
    "template_partials",
    "django_tasks",
    "django_tasks_db",
    "factcheck",
    "articles",
    "annotations",
    "search",
    "benchmarks",
    "rest_framework",
    "corsheaders",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "factcheck.middleware.DatabaseUnavailableMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # CORS for /api/ only (see FACTDESK_API_CORS_ORIGINS): before anything that may answer.
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The interface language: the language cookie, else the browser's Accept-Language.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # With a shared cache (Redis), the signed-in user and their role from the cache (factcheck/user_cache.py).
    "factcheck.user_cache.CachedUserMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    # A signed-in user's saved interface language wins over the cookie and the browser.
    "factcheck.middleware.UserLanguageMiddleware",
    "factcheck.ratelimit.RateLimitMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "factcheck.entry_points.EntryPointMiddleware",
    # Last, as django-axes requires: turns a lockout into the "too many attempts" page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "factcheck.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "annotations.context_processors.navigation",
            ],
        },
    },
]

WSGI_APPLICATION = "factcheck.wsgi.application"

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'factdesk.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers proceed while a writer commits; IMMEDIATE avoids upgrade deadlocks.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# django-axes checks every login first (lockout), then Django's own backend checks the password.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Django's password check, with has_perm() answered by the permission policies.
    "factcheck.permissions.PolicyBackend",
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/articles/"
LOGOUT_REDIRECT_URL = "login"

# The desk's own language: what a visitor without a choice (no cookie, no saved preference,
# no Accept-Language Django understands) sees, and the language of texts the workers write
# (webhook errors, watch failures). One of LANGUAGES below: FACTDESK_LANGUAGE=es, ar or fr.
LANGUAGE_CODE = os.environ.get("FACTDESK_LANGUAGE", "").strip() or "en-gb"
# Interface languages: English is the source language; translations live in
# locale/<code>/LC_MESSAGES (django.po for templates and Python, djangojs.po for static/js),
# compiled by `make install`/`make install-runtime`. Arabic is written right to left: the
# pages take `dir` from get_current_language_bidi and the CSS uses logical properties.
LANGUAGES = [
    ("en-gb", "English"),
    ("ar", "العربية"),
    ("es", "Español"),
    ("fr", "Français"),
]
if LANGUAGE_CODE not in {code for code, _name in LANGUAGES}:
    raise ImproperlyConfigured(
        f"FACTDESK_LANGUAGE={LANGUAGE_CODE!r} is not a language Factdesk ships: use one of "
        + ", ".join(code for code, _name in LANGUAGES) + "."
    )
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "factcheck.storage.StaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))


def s3_media_storage() -> dict[str, object]:
    """STORAGES["default"] for an S3-compatible bucket (django-storages), from AWS_* variables.

    django-storages is an optional extra (``pip install 'factdesk[s3]'``): choosing S3 without
    it stops the app at startup with the reason, rather than at the first export. The keys
    (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN) are not copied into the
    settings: django-storages and boto3 read them from the environment (or an instance role).
    """
    import importlib.util

    if importlib.util.find_spec("storages") is None or importlib.util.find_spec("boto3") is None:
        raise ImproperlyConfigured(
            "FACTDESK_STORAGE=s3 needs django-storages with its S3 support, which is not installed: "
            "pip install 'factdesk[s3]' (or pip install 'django-storages[s3]'), or unset FACTDESK_STORAGE "
            "to keep files in MEDIA_ROOT."
        )
    bucket = os.environ.get("AWS_STORAGE_BUCKET_NAME", "").strip()
    if not bucket:
        raise ImproperlyConfigured("FACTDESK_STORAGE=s3 needs AWS_STORAGE_BUCKET_NAME: the bucket for media files.")
    options: dict[str, object] = {
        "bucket_name": bucket,
        "location": os.environ.get("AWS_LOCATION", "").strip("/"),  # a folder inside the bucket
        # Names are unique already (job id + random part); never replace another file silently.
        "file_overwrite": False,
        # Private objects: downloads go through Factdesk's permission checks, never a public URL.
        "default_acl": None,
        "querystring_auth": True,
        "querystring_expire": int(os.environ.get("AWS_QUERYSTRING_EXPIRE", "3600")),
    }
    for option, variable in (
        ("endpoint_url", "AWS_S3_ENDPOINT_URL"),  # MinIO, Ceph, Garage, R2...: their address
        ("region_name", "AWS_S3_REGION_NAME"),
        ("custom_domain", "AWS_S3_CUSTOM_DOMAIN"),
        ("addressing_style", "AWS_S3_ADDRESSING_STYLE"),  # "path" for most self-hosted stores
        ("signature_version", "AWS_S3_SIGNATURE_VERSION"),
    ):
        value = os.environ.get(variable, "").strip()
        if value:
            options[option] = value
    return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}


# Media (export files, WARC snapshots, check-worthiness models) go through Django's storage API:
# the filesystem under MEDIA_ROOT by default (shared by every app server and worker: one volume),
# or an S3-compatible object store with FACTDESK_STORAGE=s3 (docs/deploy.md).
FACTDESK_STORAGE = (os.environ.get("FACTDESK_STORAGE") or os.environ.get("STORAGE_BACKEND") or "filesystem")
FACTDESK_STORAGE = FACTDESK_STORAGE.strip().lower()
if FACTDESK_STORAGE == "s3":
    STORAGES["default"] = s3_media_storage()
elif FACTDESK_STORAGE not in {"filesystem", "file", "local"}:
    raise ImproperlyConfigured(
        f"FACTDESK_STORAGE={FACTDESK_STORAGE!r} is not a storage Factdesk knows: use 'filesystem' (the default, "
        "files under MEDIA_ROOT) or 's3' (an S3-compatible bucket, see docs/deploy.md)."
    )

# Sessions live in the database so several stateless app servers can share them.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# Content Security Policy (django-csp 4): scripts only from our own static files, never inline,
# never eval (htmx is configured with allowEval=false in base.html). Styles may be inline
# because verdict colours are passed as style custom properties; that cannot run code.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, "'unsafe-inline'"],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}

# Login throttling (django-axes): after AXES_FAILURE_LIMIT failures for one username, or from
# one address, further logins are refused for AXES_COOLOFF_TIME. Attempts are stored in the
# database, so every app server sees the same counts. Unlock: delete the "access attempt" in the
# admin, or `manage.py axes_reset_username NAME` / `axes_reset_ip ADDRESS` / `axes_reset`.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "15")))
# Locked per username *and* address together, so nobody can lock a known account out from
# another address; plus a per-address limit against password spraying across many accounts.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
# Failures are not reset by a success: that would let one valid account clear the per-address count.
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_CLIENT_IP_CALLABLE = "factcheck.client_ip.client_ip"
# Behind N reverse proxies that append to X-Forwarded-For, the client is the Nth address from
# the right; 0 means "use the socket address" (REMOTE_ADDR). Never trust the header otherwise.
FACTDESK_TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))

if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    if env_bool("BEHIND_PROXY", False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
if os.environ.get("EMAIL_HOST"):
    EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
    EMAIL_HOST = os.environ["EMAIL_HOST"]
    EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "factdesk@localhost")

TASKS = {
    "default": {
        "BACKEND": os.environ.get("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

# Per-process cache for rendered article fragments ("fragments"). Keys are fingerprints of
# the data they show (article text hash, every claim's version), so nothing needs
# invalidating and several app servers each keeping their own copy stay correct. Memory is
# bounded in bytes, not only in entries: the cache holds at most
# FACTDESK_FRAGMENT_CACHE_BYTES per process (least recently used fragments go first), and a
# fragment larger than FACTDESK_FRAGMENT_MAX_BYTES is rendered every time, never cached
# (see annotations/fragment_cache.py and annotations/article_views.py).
FACTDESK_FRAGMENT_MAX_BYTES = int(os.environ.get("FACTDESK_FRAGMENT_MAX_BYTES", str(2 * 1024 * 1024)))
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "factdesk",
    },
    "fragments": {
        "BACKEND": "annotations.fragment_cache.ByteBudgetCache",
        "LOCATION": "article-fragments",
        "TIMEOUT": 24 * 3600,
        "OPTIONS": {
            "MAX_BYTES": int(os.environ.get("FACTDESK_FRAGMENT_CACHE_BYTES", str(64 * 1024 * 1024))),
            "MAX_ENTRIES": int(os.environ.get("FACTDESK_FRAGMENT_CACHE_ENTRIES", "2000")),
        },
    },
}

# With REDIS_URL set, Redis holds the cache (fragments, counts, rate-limit windows) and the
# sessions (cached_db: Redis in front of the database), so several app servers share them.
# django-redis rather than Django's own backend for one reason: IGNORE_EXCEPTIONS, which
# turns a Redis outage into cache misses (uncached pages, database sessions) instead of
# errors. Short socket timeouts keep an unreachable Redis from holding a request.
REDIS_URL = os.environ.get("REDIS_URL", "").strip()
if REDIS_URL:
    _REDIS_OPTIONS = {
        "IGNORE_EXCEPTIONS": True,
        "SOCKET_CONNECT_TIMEOUT": float(os.environ.get("FACTDESK_REDIS_CONNECT_TIMEOUT", "0.5")),
        "SOCKET_TIMEOUT": float(os.environ.get("FACTDESK_REDIS_TIMEOUT", "0.5")),
    }
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "factdesk",
            "OPTIONS": _REDIS_OPTIONS,
        },
        "fragments": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "factdesk-fragments",
            "TIMEOUT": 24 * 3600,
            "OPTIONS": _REDIS_OPTIONS,
        },
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True

# The signed-in user and their role, cached per user id in the *shared* cache only (a per-process
# cache could not learn that another process changed a user); invalidated on every change by
# signals (factcheck/user_cache.py), the timeout is a backstop. 0 turns it off.
FACTDESK_USER_CACHE_SECONDS = int(os.environ.get("FACTDESK_USER_CACHE_SECONDS", "300" if REDIS_URL else "0"))
# Signing in in one round trip: the session, the user and their role in one SQL statement (database
# sessions) or one cache get_many (Redis), read fresh on every request (factcheck/user_cache.py).
FACTDESK_ONE_TRIP_SIGN_IN = env_bool("FACTDESK_ONE_TRIP_SIGN_IN", True)
# On PostgreSQL a few hot statements compiled once per process are prepared once per connection
# (planning them cost more than running them): the sign-in's two and the article page's one
# (factcheck/user_cache.py, prepared_cursor). FACTDESK_PREPARED_STATEMENTS=0 turns all of them off
# (behind a transaction-pooling PgBouncer older than 1.21); the other two switch one use each.
FACTDESK_PREPARED_STATEMENTS = env_bool("FACTDESK_PREPARED_STATEMENTS", True)
FACTDESK_PREPARED_SIGN_IN = env_bool("FACTDESK_PREPARED_SIGN_IN", FACTDESK_PREPARED_STATEMENTS)
FACTDESK_PREPARED_ARTICLE_PAGE = env_bool("FACTDESK_PREPARED_ARTICLE_PAGE", FACTDESK_PREPARED_STATEMENTS)
# With a shared cache, each process also keeps the article pages it serves, bounded in bytes (least
# recently used go first): their keys are versions, so a local copy is never stale
# (annotations/article_views.py, page_caches). 0 turns it off.
FACTDESK_LOCAL_PAGE_CACHE_BYTES = int(os.environ.get("FACTDESK_LOCAL_PAGE_CACHE_BYTES", str(32 * 1024 * 1024)))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# Factdesk's own settings.
FACTDESK_ORGANIZATION_NAME = os.environ.get("FACTDESK_ORGANIZATION_NAME", "Factdesk")
FACTDESK_ORGANIZATION_URL = os.environ.get("FACTDESK_ORGANIZATION_URL", "https://factdesk.example")
FACTDESK_SITE_URL = os.environ.get("FACTDESK_SITE_URL", "http://127.0.0.1:8000")
FACTDESK_MAX_UPLOAD_BYTES = int(os.environ.get("FACTDESK_MAX_UPLOAD_BYTES", str(5 * 1024 * 1024)))
FACTDESK_MAX_BODY_CHARS = int(os.environ.get("FACTDESK_MAX_BODY_CHARS", "500000"))
# Bounded parsing and matching (issue 15): HTML nested deeper than this is refused before any
# parser reads it (articles.html_limits); a W3C import searches each annotation's quote for at
# most ..._ANCHOR_BUDGET_MS and stops trying new annotations after ..._IMPORT_BUDGET_S.
FACTDESK_MAX_HTML_DEPTH = int(os.environ.get("FACTDESK_MAX_HTML_DEPTH", "512"))
FACTDESK_W3C_ANCHOR_BUDGET_MS = int(os.environ.get("FACTDESK_W3C_ANCHOR_BUDGET_MS", "1000"))
FACTDESK_W3C_IMPORT_BUDGET_S = float(os.environ.get("FACTDESK_W3C_IMPORT_BUDGET_S", "300"))
# Length caps on what the desk types, in characters (annotations.limits; every door refuses more
# with a clear message). A new claim's statement starts as its quote: keep STATEMENT >= QUOTE.
# CLAIMANT and SOURCE_TITLE can only lower their database columns' lengths (300 and 500).
FACTDESK_MAX_QUOTE_CHARS = int(os.environ.get("FACTDESK_MAX_QUOTE_CHARS", "5000"))
FACTDESK_MAX_STATEMENT_CHARS = int(os.environ.get("FACTDESK_MAX_STATEMENT_CHARS", "5000"))
FACTDESK_MAX_CLAIMANT_CHARS = int(os.environ.get("FACTDESK_MAX_CLAIMANT_CHARS", "300"))
FACTDESK_MAX_RATIONALE_CHARS = int(os.environ.get("FACTDESK_MAX_RATIONALE_CHARS", "20000"))
FACTDESK_MAX_COMMENT_CHARS = int(os.environ.get("FACTDESK_MAX_COMMENT_CHARS", "10000"))
FACTDESK_MAX_SOURCE_TITLE_CHARS = int(os.environ.get("FACTDESK_MAX_SOURCE_TITLE_CHARS", "500"))
FACTDESK_MAX_SOURCE_EXCERPT_CHARS = int(os.environ.get("FACTDESK_MAX_SOURCE_EXCERPT_CHARS", "10000"))
FACTDESK_MAX_NOTE_CHARS = int(os.environ.get("FACTDESK_MAX_NOTE_CHARS", "5000"))  # workflow and correction notes
FACTDESK_MAX_CLAIMS_PER_ARTICLE = int(os.environ.get("FACTDESK_MAX_CLAIMS_PER_ARTICLE", "1000"))
# Admin uploads up to this size run inline; larger ones become a background import job.
FACTDESK_IMPORT_INLINE_MAX_RECORDS = int(os.environ.get("FACTDESK_IMPORT_INLINE_MAX_RECORDS", "200"))
FACTDESK_IMPORT_INLINE_MAX_BYTES = int(os.environ.get("FACTDESK_IMPORT_INLINE_MAX_BYTES", str(256 * 1024)))
FACTDESK_JOB_RETENTION_DAYS = int(os.environ.get("FACTDESK_JOB_RETENTION_DAYS", "14"))  # then cleanup_jobs
# Pending + running background jobs one user may have at once (PDF/ZIP exports, imports); more is a 429.
FACTDESK_MAX_ACTIVE_JOBS_PER_USER = int(os.environ.get("FACTDESK_MAX_ACTIVE_JOBS_PER_USER", "3"))
# Fetching pages by URL and watching outlets (articles.fetching, articles.watching; README).
FACTDESK_FETCH_ALLOWED_HOSTS = env_list("FACTDESK_FETCH_ALLOWED_HOSTS")  # may resolve to non-public addresses
FACTDESK_FETCH_CONNECT_TIMEOUT = float(os.environ.get("FACTDESK_FETCH_CONNECT_TIMEOUT", "5"))
FACTDESK_FETCH_READ_TIMEOUT = float(os.environ.get("FACTDESK_FETCH_READ_TIMEOUT", "10"))
FACTDESK_FETCH_DEADLINE = float(os.environ.get("FACTDESK_FETCH_DEADLINE", "20"))
FACTDESK_FETCH_MAX_BYTES = int(os.environ.get("FACTDESK_FETCH_MAX_BYTES", str(5 * 1024 * 1024)))
FACTDESK_FETCH_MAX_REDIRECTS = int(os.environ.get("FACTDESK_FETCH_MAX_REDIRECTS", "5"))
FACTDESK_FETCH_HOST_INTERVAL = float(os.environ.get("FACTDESK_FETCH_HOST_INTERVAL", "1"))
FACTDESK_FEED_MAX_NEW_ITEMS = int(os.environ.get("FACTDESK_FEED_MAX_NEW_ITEMS", "30"))
FACTDESK_SEARCH_SNIPPET_WINDOW = int(os.environ.get("FACTDESK_SEARCH_SNIPPET_WINDOW", "600"))  # chars per snippet
FACTDESK_SEARCH_TIMEOUT_MS = int(os.environ.get("FACTDESK_SEARCH_TIMEOUT_MS", "3000"))  # per search statement
# Searches run at once per app server process; more wait (up to the time budget), then 503.
FACTDESK_SEARCH_CONCURRENCY = int(os.environ.get("FACTDESK_SEARCH_CONCURRENCY", "2"))
DATA_UPLOAD_MAX_MEMORY_SIZE = FACTDESK_MAX_UPLOAD_BYTES + 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = FACTDESK_MAX_UPLOAD_BYTES + 1024 * 1024

# Rate limits per URL name (factcheck.ratelimit): "COUNT/PERIOD" for POST, or (rate, methods).
# Counted per user and per address; over the limit the answer is 429 with Retry-After.
FACTDESK_RATE_LIMITS_ENABLED = env_bool("FACTDESK_RATE_LIMITS_ENABLED", True)
FACTDESK_RATE_LIMITS = {
    "password_reset": os.environ.get("FACTDESK_RATE_PASSWORD_RESET", "5/h"),
    "articles:add_claim": os.environ.get("FACTDESK_RATE_CLAIMS", "120/m"),
    "search:search": (os.environ.get("FACTDESK_RATE_SEARCH", "60/m"), ("GET",)),
    "exports:article": (os.environ.get("FACTDESK_RATE_EXPORTS", "30/m"), ("GET",)),
    "exports:w3c_import": os.environ.get("FACTDESK_RATE_IMPORTS", "20/h"),
    "editing:upload": os.environ.get("FACTDESK_RATE_IMPORTS", "20/h"),
    "editing:new": os.environ.get("FACTDESK_RATE_IMPORTS", "60/h"),
    "admin:articles_article_import": os.environ.get("FACTDESK_RATE_IMPORTS", "20/h"),
}

# Public fact-check pages (/fact-checks/, /oembed, /sitemap.xml; annotations/public_views.py): no login,
# published claims only. On by default; FACTDESK_PUBLIC_PAGES=False makes every public URL a 404 (and
# exports then name claims by their internal desk address). Answers are cacheable by a CDN for
# FACTDESK_PUBLIC_MAX_AGE seconds; with FACTDESK_CDN_PURGE_URL set, the addresses a publication or
# correction changes are POSTed there as JSON {"urls": [...]} (Bearer FACTDESK_CDN_PURGE_TOKEN when set).
FACTDESK_PUBLIC_PAGES = env_bool("FACTDESK_PUBLIC_PAGES", True)
FACTDESK_PUBLIC_MAX_AGE = int(os.environ.get("FACTDESK_PUBLIC_MAX_AGE", "300"))
FACTDESK_CDN_PURGE_URL = os.environ.get("FACTDESK_CDN_PURGE_URL", "").strip()
FACTDESK_CDN_PURGE_TOKEN = os.environ.get("FACTDESK_CDN_PURGE_TOKEN", "")
FACTDESK_CDN_PURGE_TIMEOUT = float(os.environ.get("FACTDESK_CDN_PURGE_TIMEOUT", "5"))
FACTDESK_RATE_LIMITS["public:search"] = (os.environ.get("FACTDESK_RATE_PUBLIC_SEARCH", "60/m"), ("GET",))

# The REST API (api/, /api/): token (api.ApiToken) or session authentication, the policies' answers,
# errors as problem+json, 100 per page at most, throttled per token at FACTDESK_API_RATE.
FACTDESK_API_RATE = os.environ.get("FACTDESK_API_RATE", "600/hour")
FACTDESK_API_THROTTLE_ENABLED = env_bool("FACTDESK_API_THROTTLE_ENABLED", True)
# Cross-origin reads and writes of /api/ (django-cors-headers), so an annotation client running on
# another site (a Hypothesis-style sidebar, a CMS plug-in) can use the W3C Protocol and the API with
# a token. Never with credentials: cookies are not accepted cross-origin, so a session cannot be
# ridden from another site. FACTDESK_API_CORS_ORIGINS lists the allowed origins; "*" allows any.
FACTDESK_API_CORS_ORIGINS = env_list("FACTDESK_API_CORS_ORIGINS", "*")
CORS_URLS_REGEX = r"^/api/(?!tokens/).*$"
CORS_ALLOW_ALL_ORIGINS = FACTDESK_API_CORS_ORIGINS == ["*"]
CORS_ALLOWED_ORIGINS = [] if CORS_ALLOW_ALL_ORIGINS else FACTDESK_API_CORS_ORIGINS
CORS_ALLOW_CREDENTIALS = False
CORS_ALLOW_HEADERS = ("accept", "authorization", "content-type", "if-match", "if-none-match", "prefer", "slug")
CORS_EXPOSE_HEADERS = ("etag", "location", "link", "content-location", "allow", "accept-post", "retry-after")

# Webhooks (api/webhooks.py, docs/webhooks.md): endpoints registered in the admin get signed POSTs
# from the background worker. A failed attempt is retried after BACKOFF_BASE * 2^(n-1) seconds (at
# most BACKOFF_MAX), up to MAX_ATTEMPTS attempts; DISABLE_AFTER failed deliveries in a row switch the
# endpoint off and the admins are emailed. Addresses are checked like fetches (no private networks)
# unless the host is in FACTDESK_WEBHOOK_ALLOWED_HOSTS; redirects are never followed; at most
# RESPONSE_MAX_BYTES of an answer are read. `manage.py retry_webhooks` (cron) sends retries that are due.
FACTDESK_WEBHOOK_ALLOWED_HOSTS = env_list("FACTDESK_WEBHOOK_ALLOWED_HOSTS")
FACTDESK_WEBHOOK_MAX_ATTEMPTS = int(os.environ.get("FACTDESK_WEBHOOK_MAX_ATTEMPTS", "8"))
FACTDESK_WEBHOOK_BACKOFF_BASE = float(os.environ.get("FACTDESK_WEBHOOK_BACKOFF_BASE", "60"))
FACTDESK_WEBHOOK_BACKOFF_MAX = float(os.environ.get("FACTDESK_WEBHOOK_BACKOFF_MAX", str(6 * 3600)))
FACTDESK_WEBHOOK_DISABLE_AFTER = int(os.environ.get("FACTDESK_WEBHOOK_DISABLE_AFTER", "5"))
FACTDESK_WEBHOOK_CONNECT_TIMEOUT = float(os.environ.get("FACTDESK_WEBHOOK_CONNECT_TIMEOUT", "5"))
FACTDESK_WEBHOOK_READ_TIMEOUT = float(os.environ.get("FACTDESK_WEBHOOK_READ_TIMEOUT", "10"))
FACTDESK_WEBHOOK_RESPONSE_MAX_BYTES = int(os.environ.get("FACTDESK_WEBHOOK_RESPONSE_MAX_BYTES", str(64 * 1024)))
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.ApiPagination",
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.TokenRateThrottle"],
    "EXCEPTION_HANDLER": "api.problems.problem_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Factdesk API",
    "DESCRIPTION": "Articles and claims, through the desk's permission rules and write path.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI from the bundled drf-spectacular-sidecar static files: no CDN (CSP: scripts from 'self').
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "ClaimStatusEnum": "annotations.models.ClaimStatus",
        "ReopenStatusEnum": ["new", "researching"],
    },
}
