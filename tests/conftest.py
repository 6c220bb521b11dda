"""Fixtures shared by the whole suite: real databases, real HTTP, a real browser."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest
from django.db import connection
from hypothesis import settings as hypothesis_settings

from tests import factories

if TYPE_CHECKING:
    from playwright.sync_api import Browser

# Deterministic property tests (scipy's conftest pattern): same examples on every run.
hypothesis_settings.register_profile("deterministic", derandomize=True, deadline=None)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "deterministic"))

CHROMIUM = os.environ.get("TRUSTLEDGER_TEST_CHROMIUM", "/usr/bin/chromium")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Run ``postgres``-marked tests only on PostgreSQL."""
    del config
    on_postgres = connection.vendor == "postgresql"
    skip = pytest.mark.skip(reason="needs PostgreSQL (set TRUSTLEDGER_DATABASE_URL)")
    for item in items:
        if "postgres" in item.keywords and not on_postgres:
            item.add_marker(skip)


@pytest.fixture
def org(db: None) -> dict[str, object]:
    """A small organisation: a CEO, a manager with two reports, HR and an admin account."""
    eng = factories.team("Engineering")
    ceo = factories.person("Cora CEO", title="Chief Executive")
    ana = factories.person("Ana Manager", title="Engineering Manager", team=eng)
    ben = factories.person("Ben Report", title="Engineer", team=eng)
    cai = factories.person("Cai Report", title="Engineer", team=eng)
    factories.reports_to(ana, ceo)
    factories.reports_to(ben, ana)
    factories.reports_to(cai, ana)
    return {
        "team": eng,
        "ceo": ceo,
        "ana": ana,
        "ben": ben,
        "cai": cai,
        "ana_user": factories.user(ana),
        "ben_user": factories.user(ben),
        "hr_user": factories.user(None, role="hr", username="hr@example.com"),
        "admin_user": factories.user(None, role="admin", username="admin@example.com"),
    }


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's headless chromium driven by Playwright (never a downloaded browser)."""
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail(f"chromium not found at {CHROMIUM}; CI must install Debian's chromium")
        pytest.skip(f"chromium not found at {CHROMIUM} (apt-get install chromium)")
    # Playwright's sync API runs an event loop in this thread; Django's ORM calls in the same
    # test thread are still synchronous and safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield chromium
        chromium.close()
