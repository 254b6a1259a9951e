"""The layers hold (``lint-imports``), and the contract really fails a branch that breaks them."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
PACKAGES = ("factcheck", "articles", "annotations", "search", "benchmarks", "api")

pytestmark = pytest.mark.skipif(
    not LINT_IMPORTS.exists(), reason="import-linter is not installed (make test installs it)"
)


def lint_imports(tree: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(tree / "pyproject.toml")],
        cwd=tree, capture_output=True, text=True, timeout=120, check=False,
    )


def copy_of_the_project(tmp_path: Path) -> Path:
    tree = tmp_path / "tree"
    tree.mkdir()
    shutil.copy(ROOT / "pyproject.toml", tree / "pyproject.toml")
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tree / package, ignore=shutil.ignore_patterns("__pycache__", "data"))
    return tree


def test_the_project_keeps_its_layers():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_text_layer_that_imports_claims_fails_the_lint(tmp_path):
    tree = copy_of_the_project(tmp_path)
    with (tree / "articles" / "corrections.py").open("a") as module:
        module.write("\nfrom annotations.models import Claim  # noqa\n")
    result = lint_imports(tree)
    assert result.returncode != 0
    assert "articles.corrections -> annotations.models" in result.stdout


def test_a_bottom_layer_that_reaches_up_fails_the_lint(tmp_path):
    tree = copy_of_the_project(tmp_path)
    with (tree / "factcheck" / "jobs.py").open("a") as module:
        module.write("\nimport articles.models  # noqa\n")
    result = lint_imports(tree)
    assert result.returncode != 0
    assert "factcheck.jobs -> articles.models" in result.stdout
