"""Static files in production: every script, and every module it imports, under a hashed name."""

from __future__ import annotations

import re
from pathlib import Path

from django.core.management import call_command
from django.test import override_settings


def test_collectstatic_hashes_the_modules_that_scripts_import(tmp_path: Path) -> None:
    storages = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "factcheck.storage.StaticFilesStorage"},
    }
    with override_settings(STATIC_ROOT=tmp_path, STORAGES=storages):
        call_command("collectstatic", interactive=False, verbosity=0)
    [annotate] = [p for p in (tmp_path / "js").glob("annotate.*.js") if not p.name.endswith(".gz")]
    imports = re.findall(r'from\s*"([^"]+)"', annotate.read_text())
    assert imports, "annotate.js imports its shared modules"
    assert all(re.search(r"\.[0-9a-f]{12}\.js$", path) for path in imports), imports
    # Third-party modules that import bare specifiers are left as written, not refused.
    assert list((tmp_path / "django_htmx").rglob("*.js"))
