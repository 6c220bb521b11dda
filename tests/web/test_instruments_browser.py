"""HR uploads a custom instrument in chromium: a broken file shows every problem in place
(htmx), a good one lands in the list with its items."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests import factories
from tests.assessments.conftest import people as people  # the fixture
from tests.assessments.test_custom_instruments import BROKEN, ONBOARDING
from trustledger.assessments.models import CustomInstrument

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]


def test_hr_fixes_a_broken_instrument_file_and_imports_it(
    browser: Browser, live_server, people, tmp_path: Path
):
    broken = tmp_path / "onboarding.toml"
    broken.write_text(BROKEN, encoding="utf-8")
    good = tmp_path / "onboarding-fixed.toml"
    good.write_text(ONBOARDING, encoding="utf-8")
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=live_server.url)
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        page.goto("/login/")
        page.get_by_label("E-mail").fill("hr@example.com")
        page.get_by_label("Password", exact=True).fill(factories.PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        expect(page).to_have_url(re.compile(r"/me/$"))

        page.goto("/surveys/instruments/")
        expect(page.get_by_role("heading", level=1)).to_have_text("Survey instruments")
        page.get_by_text("Team trust pulse", exact=True).click()  # open the built-in one
        expect(page.get_by_text("I trust this team.")).to_be_visible()

        page.get_by_label("Instrument file").set_input_files(str(broken))
        page.get_by_role("button", name="Import").click()
        problems = page.get_by_role("alert")
        expect(problems).to_contain_text("onboarding.toml has 3 problems")
        expect(problems).to_contain_text("form team, item buddy")
        expect(problems).to_contain_text("unknown dimension 'kindness'")
        assert page.url.endswith("/surveys/instruments/")  # swapped in place
        page.screenshot(path=str(tmp_path / "instruments-problems.png"))
        assert not CustomInstrument.objects.exists()

        page.get_by_label("Instrument file").set_input_files(str(good))
        page.get_by_role("button", name="Import").click()
        expect(page).to_have_url(re.compile(r"#instrument-onboarding-pulse-v1$"))
        expect(page.get_by_role("status")).to_contain_text("is available for new campaigns")
        expect(
            page.get_by_text("Someone on the team showed me how things really work here.")
        ).to_be_visible()
        assert CustomInstrument.objects.get().source_name == "onboarding-fixed.toml"
        page.screenshot(path=str(tmp_path / "instruments-imported.png"))
    finally:
        context.close()
