"""My trust profile and my team in real chromium: the charts draw, with their tables, and the
pages fit a phone."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, expect

from tests import factories
from tests.web.test_browser import sign_in
from trustledger.ledger import services as ledger

from .conftest import promise

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]

#: Set to a directory (e.g. docs/img) to keep screenshots there (my-trust.png, my-team.png).
SCREENSHOT_DIR = os.environ.get("TRUSTLEDGER_SCREENSHOT_DIR")


@pytest.fixture
def story(people, settings):
    """Ana manages Ben, Wes and Tia; over five months she keeps promises to all three, and
    Ben keeps promises to Ana, Wes and Tia."""
    settings.ANONYMITY_K = 3
    tia = factories.person("Tia Third", behaviour_style="amiable")
    tia_actor = factories.actor(factories.user(tia))
    people["ben"].behaviour_style = "driving"
    people["ben"].save()
    for report in (people["ben"], people["wes"], tia):
        factories.reports_to(report, people["ana"])
    reports = [people["ben_actor"], people["wes_actor"], tia_actor]
    start = timezone.now() - dt.timedelta(days=150)
    for week in range(0, 20, 2):
        at = start + dt.timedelta(days=7 * week)
        for i, report in enumerate(reports):
            pk = promise(people["ana_actor"], report, at=at + dt.timedelta(hours=i))
            ledger.take_step(people["ana_actor"], pk, "deliver", at=at + dt.timedelta(days=2))
        for i, other in enumerate([people["ana_actor"], people["wes_actor"], tia_actor]):
            pk = promise(people["ben_actor"], other, at=at + dt.timedelta(hours=5 + i))
            step = "deliver" if week % 6 else "withdraw"
            ledger.take_step(people["ben_actor"], pk, step, at=at + dt.timedelta(days=3))
    promise(people["ana_actor"], people["ben_actor"], at=timezone.now() - dt.timedelta(days=1))
    return people


@pytest.mark.parametrize(
    ("who", "address", "name", "viewport"),
    [
        ("ben_user", "/me/trust/", "my-trust", {"width": 1100, "height": 900}),
        ("ana_user", "/me/team/", "my-team", {"width": 1100, "height": 900}),
        ("ben_user", "/me/trust/", None, {"width": 360, "height": 740}),
        ("ana_user", "/me/team/", None, {"width": 360, "height": 740}),
    ],
)
def test_the_page_draws_its_charts_and_fits_the_screen(
    browser: Browser, live_server, story, who, address, name, viewport
):
    context = browser.new_context(viewport=viewport, base_url=live_server.url)
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        sign_in(page, story[who].username)
        page.goto(address)
        chart = page.locator("figure.trend-chart svg[role=img]")
        expect(chart).to_be_visible()
        assert page.locator("figure.trend-chart polyline").count() >= 1
        page.get_by_text("The figures as a table").first.click()
        expect(page.locator("details.chart-table table").first).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        if SCREENSHOT_DIR and name:
            page.screenshot(path=str(Path(SCREENSHOT_DIR) / f"{name}.png"), full_page=True)
    finally:
        context.close()
