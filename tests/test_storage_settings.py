"""Media storage a setting away (issue 19): the filesystem by default, an S3 bucket with FACTDESK_STORAGE=s3.

Production settings are computed in a subprocess under a given environment, as
tests/test_redis_cache.py does for the cache. Nothing here contacts S3: the settings only
name the backend and its options, and building the storage object opens no connection.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]

#: Variables of this machine that would change what the settings compute.
STORAGE_VARIABLES = ("FACTDESK_STORAGE", "STORAGE_BACKEND", "REDIS_URL", "FACTDESK_LANGUAGE")

PRINT_STORAGES = (
    "import json, django; from django.conf import settings; "
    "print(json.dumps({'default': settings.STORAGES['default'], 'media_root': str(settings.MEDIA_ROOT)}))"
)


def run_settings(env: dict[str, str], code: str = PRINT_STORAGES, *, prelude: str = "",
                 pythonpath: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``code`` with production settings (factcheck.settings) under ``env``."""
    base = {k: v for k, v in os.environ.items() if k not in STORAGE_VARIABLES and not k.startswith("AWS_")}
    if pythonpath:
        base["PYTHONPATH"] = os.pathsep.join(filter(None, [pythonpath, base.get("PYTHONPATH", "")]))
    return subprocess.run(
        [sys.executable, "-c", prelude + code],
        env={**base, "DJANGO_SETTINGS_MODULE": "factcheck.settings", "SECRET_KEY": "x" * 50, **env},
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def storages_with(env: dict[str, str], **kwargs: str) -> dict[str, object]:
    completed = run_settings(env, **kwargs)
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout)


@pytest.fixture
def fake_django_storages(tmp_path: Path) -> str:
    """A stand-in ``storages`` and ``boto3`` on the path: the settings only look for them.

    The settings switch is tested whether or not the optional extra is installed here.
    """
    for package in ("storages", "boto3"):
        (tmp_path / package).mkdir()
        (tmp_path / package / "__init__.py").write_text("")
    return str(tmp_path)


def test_without_a_storage_setting_media_are_files_under_media_root(tmp_path):
    configured = storages_with({"MEDIA_ROOT": str(tmp_path)})
    assert configured["default"] == {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    assert configured["media_root"] == str(tmp_path)


def test_filesystem_can_be_named_explicitly():
    configured = storages_with({"FACTDESK_STORAGE": "filesystem"})
    assert configured["default"]["BACKEND"] == "django.core.files.storage.FileSystemStorage"


def test_factdesk_storage_s3_puts_media_in_the_named_bucket_with_private_unique_files(fake_django_storages):
    configured = storages_with(
        {
            "FACTDESK_STORAGE": "s3",
            "AWS_STORAGE_BUCKET_NAME": "newsroom-media",
            "AWS_S3_ENDPOINT_URL": "http://minio.internal:9000",
            "AWS_S3_REGION_NAME": "eu-central-1",
            "AWS_S3_ADDRESSING_STYLE": "path",
            "AWS_LOCATION": "/factdesk/",
            "AWS_ACCESS_KEY_ID": "AKIAEXAMPLE",
            "AWS_SECRET_ACCESS_KEY": "secret-example",
        },
        pythonpath=fake_django_storages,
    )
    default = configured["default"]
    assert default["BACKEND"] == "storages.backends.s3.S3Storage"
    assert default["OPTIONS"] == {
        "bucket_name": "newsroom-media",
        "location": "factdesk",
        "file_overwrite": False,
        "default_acl": None,
        "querystring_auth": True,
        "querystring_expire": 3600,
        "endpoint_url": "http://minio.internal:9000",
        "region_name": "eu-central-1",
        "addressing_style": "path",
    }
    # The keys stay in the environment (django-storages and boto3 read them there).
    assert "secret-example" not in json.dumps(configured)


def test_storage_backend_is_an_alias_of_factdesk_storage(fake_django_storages):
    configured = storages_with(
        {"STORAGE_BACKEND": "S3", "AWS_STORAGE_BUCKET_NAME": "media"}, pythonpath=fake_django_storages
    )
    assert configured["default"]["BACKEND"] == "storages.backends.s3.S3Storage"


def test_s3_chosen_without_django_storages_installed_stops_startup_with_the_install_command():
    # Hide the packages whether or not they are installed here: an import of a None module fails.
    hide = "import sys; sys.modules['storages'] = None; sys.modules['boto3'] = None; "
    completed = run_settings({"FACTDESK_STORAGE": "s3", "AWS_STORAGE_BUCKET_NAME": "media"}, prelude=hide)
    assert completed.returncode != 0
    assert "ImproperlyConfigured" in completed.stderr
    assert "pip install 'factdesk[s3]'" in completed.stderr


def test_s3_without_a_bucket_name_stops_startup_and_says_which_variable(fake_django_storages):
    completed = run_settings({"FACTDESK_STORAGE": "s3"}, pythonpath=fake_django_storages)
    assert completed.returncode != 0
    assert "AWS_STORAGE_BUCKET_NAME" in completed.stderr


def test_an_unknown_storage_name_stops_startup_and_lists_the_choices():
    completed = run_settings({"FACTDESK_STORAGE": "ftp"})
    assert completed.returncode != 0
    assert "'ftp' is not a storage Factdesk knows" in completed.stderr
    assert "'filesystem'" in completed.stderr and "'s3'" in completed.stderr


@pytest.mark.skipif(
    importlib.util.find_spec("storages") is None or importlib.util.find_spec("boto3") is None,
    reason="django-storages[s3] (the optional 's3' extra) is not installed here",
)
def test_with_django_storages_installed_default_storage_is_an_s3_storage_on_that_bucket():
    code = (
        "import json, django; django.setup(); from django.core.files.storage import storages; s = storages['default']; "
        "print(json.dumps({'class': type(s).__name__, 'bucket': s.bucket_name, 'endpoint': s.endpoint_url, "
        "'location': s.location, 'overwrite': s.file_overwrite, 'key': s.access_key}))"
    )
    configured = storages_with(
        {
            "FACTDESK_STORAGE": "s3",
            "AWS_STORAGE_BUCKET_NAME": "newsroom-media",
            "AWS_S3_ENDPOINT_URL": "http://127.0.0.1:9",  # never contacted: no file is read or written
            "AWS_LOCATION": "factdesk",
            "AWS_ACCESS_KEY_ID": "AKIAEXAMPLE",
            "AWS_SECRET_ACCESS_KEY": "secret-example",
        },
        code=code,
    )
    assert configured == {
        "class": "S3Storage",
        "bucket": "newsroom-media",
        "endpoint": "http://127.0.0.1:9",
        "location": "factdesk",
        "overwrite": False,
        "key": "AKIAEXAMPLE",
    }


# --- the desk's own language (issue 21) ------------------------------------------------------------

PRINT_LANGUAGE = "import django; from django.conf import settings; print(settings.LANGUAGE_CODE)"


def test_the_desk_language_is_english_unless_set():
    assert run_settings({}, PRINT_LANGUAGE).stdout.strip() == "en-gb"
    assert run_settings({"FACTDESK_LANGUAGE": "es"}, PRINT_LANGUAGE).stdout.strip() == "es"


def test_an_unshipped_desk_language_is_refused_at_start_with_the_choices():
    completed = run_settings({"FACTDESK_LANGUAGE": "xx"}, PRINT_LANGUAGE)
    assert completed.returncode != 0
    assert "FACTDESK_LANGUAGE='xx' is not a language Factdesk ships: use one of en-gb, ar, es, fr." in completed.stderr
