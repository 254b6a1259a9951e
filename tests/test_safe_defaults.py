"""Safe defaults: no start on the public key with DEBUG off; the demo never touches real accounts."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.test import override_settings

from tests import factories

REPO_ROOT = Path(__file__).resolve().parent.parent


def start(**env: str) -> subprocess.CompletedProcess[str]:
    environment = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "DJANGO_SETTINGS_MODULE": "factcheck.settings", **env,
    }
    return subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=REPO_ROOT, env=environment,
        capture_output=True, text=True, timeout=120, check=False,
    )


def test_the_app_refuses_to_start_without_a_secret_key_when_debug_is_off():
    result = start(DEBUG="0")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_the_public_development_key_is_refused_too():
    result = start(DEBUG="0", SECRET_KEY="django-insecure-factdesk-local-development-only")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_a_laptop_with_debug_on_starts_on_the_development_key():
    assert start(DEBUG="1").returncode == 0


@pytest.mark.django_db
def test_load_demo_refuses_to_run_with_debug_off():
    with pytest.raises(CommandError, match="DEBUG is off"):
        call_command("load_demo")
    assert not User.objects.filter(username="editor").exists()


@pytest.mark.django_db
def test_load_demo_never_resets_an_existing_password(capsys):
    real = factories.EditorFactory(username="editor", password="a-real-editors-own-passphrase")
    with override_settings(DEBUG=True):
        call_command("load_demo")
    real.refresh_from_db()
    assert real.check_password("a-real-editors-own-passphrase")
    assert not real.is_superuser
    out = capsys.readouterr().out
    assert "demo-editor-pass" not in out
    assert "kept: this account already had one" in out
    # The other demo accounts were created, two editors among them (the two-person rule needs them).
    assert User.objects.filter(username__in=["editor2", "checker", "admin"]).count() == 3


@pytest.mark.django_db
def test_load_demo_will_not_act_through_an_account_without_the_role():
    User.objects.create_user("checker", password="someone-elses-passphrase")
    with override_settings(DEBUG=True), pytest.raises(CommandError, match="exists but is not a fact-checker"):
        call_command("load_demo")
