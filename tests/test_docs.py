"""The documentation tells the truth: every setting documented, README commands real."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = ROOT / "src" / "trustledger" / "settings.py"
SETTINGS_DOC = ROOT / "docs" / "settings.md"
README = ROOT / "README.md"
MAKEFILE = ROOT / "Makefile"


def variables_read_by_settings() -> set[str]:
    """``_env("NAME", …)``, ``_env_bool("NAME", …)`` and friends → ``TRUSTLEDGER_NAME``."""
    source = SETTINGS.read_text(encoding="utf-8")
    return {f"TRUSTLEDGER_{name}" for name in re.findall(r"_env\w*\(\s*\"([A-Z0-9_]+)\"", source)}


def variables_documented() -> set[str]:
    """Rows of the tables in docs/settings.md: ``| `TRUSTLEDGER_NAME` | default | …``."""
    text = SETTINGS_DOC.read_text(encoding="utf-8")
    return set(re.findall(r"^\|\s*`(TRUSTLEDGER_[A-Z0-9_]+)`\s*\|", text, re.MULTILINE))


def test_the_settings_parser_finds_the_variables():
    found = variables_read_by_settings()
    assert {"TRUSTLEDGER_MODE", "TRUSTLEDGER_SECRET_KEY", "TRUSTLEDGER_DATABASE_URL"} <= found
    assert {"TRUSTLEDGER_DEBUG", "TRUSTLEDGER_EMAIL_PORT", "TRUSTLEDGER_ALLOWED_HOSTS"} <= found


def test_every_setting_is_documented():
    undocumented = variables_read_by_settings() - variables_documented()
    assert not undocumented, f"add these to docs/settings.md: {', '.join(sorted(undocumented))}"


def test_every_documented_setting_exists():
    stale = variables_documented() - variables_read_by_settings()
    assert not stale, (
        f"docs/settings.md documents settings nobody reads: {', '.join(sorted(stale))}"
    )


def test_each_documented_setting_has_a_default_a_meaning_and_an_example():
    rows = [
        line
        for line in SETTINGS_DOC.read_text(encoding="utf-8").splitlines()
        if line.startswith("| `TRUSTLEDGER_")
    ]
    for row in rows:
        cells = [cell.strip() for cell in row.strip().strip("|").split("|")]
        assert len(cells) == 4, f"expected name | default | meaning | example: {row}"
        assert all(cells), f"empty cell in: {row}"


def test_the_readme_quick_start_commands_are_makefile_targets():
    readme = README.read_text(encoding="utf-8")
    commands = set(re.findall(r"^\s*make ([a-z][\w-]*)\s*$", readme, re.MULTILINE))
    assert {"demo", "test"} <= commands, "the README's quick start is `make demo` and `make test`"
    targets = set(
        re.findall(r"^([a-z][\w-]*):", MAKEFILE.read_text(encoding="utf-8"), re.MULTILINE)
    )
    assert commands <= targets, f"README names missing Makefile targets: {commands - targets}"


def test_the_readme_links_to_documents_that_exist():
    readme = README.read_text(encoding="utf-8")
    links = re.findall(r"\]\((docs/[^)#]+)", readme)
    assert links
    missing = [link for link in links if not (ROOT / link).exists()]
    assert not missing, f"README links to missing files: {missing}"


def _start_django(tmp_path: Path, **variables: str) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("TRUSTLEDGER_")}
    env.update(
        DJANGO_SETTINGS_MODULE="trustledger.settings",
        TRUSTLEDGER_DATA_DIR=str(tmp_path),
        **variables,
    )
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); print('started')"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.slow
def test_production_refuses_to_start_with_the_built_in_secret_key(tmp_path):
    refused = _start_django(tmp_path, TRUSTLEDGER_MODE="production")
    assert refused.returncode != 0
    assert "TRUSTLEDGER_SECRET_KEY must be set" in refused.stderr

    started = _start_django(
        tmp_path, TRUSTLEDGER_MODE="production", TRUSTLEDGER_SECRET_KEY="x" * 50 + "-a-real-key"
    )
    assert started.returncode == 0, started.stderr
    assert "started" in started.stdout


@pytest.mark.slow
def test_demo_mode_starts_with_the_built_in_secret_key(tmp_path):
    started = _start_django(tmp_path, TRUSTLEDGER_MODE="demo")
    assert started.returncode == 0, started.stderr
