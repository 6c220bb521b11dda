"""HR creates a leader assessment in chromium, adds a rater by search, launches, sees the links."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests import factories
from tests.assessments.conftest import people as people  # the fixture
from trustledger.assessments.models import Campaign, CampaignStatus, Invitation
from trustledger.assessments.services import invitation_for_token

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]

#: Set to a directory (e.g. docs/img) to keep the screenshots there.
SCREENSHOT_DIR = os.environ.get("TRUSTLEDGER_SCREENSHOT_DIR")


def test_hr_creates_a_campaign_adds_a_rater_by_search_and_launches(
    browser: Browser, live_server, people, settings, tmp_path: Path
):
    settings.WEBHOOK_URL = ""
    # Zed has no e-mail address: the one link HR must hand over (the others are e-mailed).
    factories.person("Zed Outsider", title="Staff Engineer", email="")
    shots = Path(SCREENSHOT_DIR or tmp_path)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=live_server.url)
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        page.goto("/login/")
        page.get_by_label("E-mail").fill("hr@example.com")
        page.get_by_label("Password", exact=True).fill(factories.PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        expect(page).to_have_url(re.compile(r"/me/$"))

        page.get_by_role("navigation", name="Main").get_by_role("link", name="Surveys").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Survey campaigns")
        page.get_by_role("link", name="New campaign", exact=True).click()

        page.get_by_label("Title").fill("Leaders, autumn 2026")
        page.get_by_label("Instrument").select_option("abcd-leader")
        page.get_by_label("Find by name").fill("Lea")
        page.get_by_label(re.compile("^Lea Leader")).check()  # a search match, live
        expect(page.get_by_role("group", name=re.compile("Chosen people"))).to_contain_text(
            "Lea Leader"
        )
        expect(page.get_by_label("Anonymity threshold (k)")).to_have_value("5")
        page.screenshot(path=str(shots / "campaign-new.png"), full_page=True)
        page.get_by_role("button", name="Create draft").click()

        expect(page.get_by_role("heading", level=1)).to_have_text("Leaders, autumn 2026")
        peers = page.locator('[data-group="peers"]')
        expect(peers.get_by_role("listitem")).to_have_count(5)
        page.get_by_label("Rater group").select_option("peers")
        page.get_by_label("Find a person").fill("Outsider")
        page.get_by_role("button", name="Add Zed Outsider").click()  # htmx swaps the card
        expect(peers.get_by_role("listitem")).to_have_count(6)
        expect(peers).to_contain_text("Zed Outsider")
        page.screenshot(path=str(shots / "campaign-raters.png"), full_page=True)

        page.get_by_role("link", name="Launch…").click()
        expect(page.get_by_text("13 invitations: one single-use link per rater.")).to_be_visible()
        page.get_by_role("button", name="Launch now").click()

        expect(page.get_by_role("heading", level=1)).to_have_text("“Leaders, autumn 2026” is live")
        expect(page.locator("#links-sent")).to_contain_text("12 links were sent")
        expect(page.locator("#links-once")).to_contain_text(
            "Copy them now, they are not shown again"
        )
        rows = page.locator("table.links tbody tr")
        expect(rows).to_have_count(1)
        zed = page.get_by_label("Link for Zed Outsider about Lea Leader")
        url = zed.input_value()
        assert "/survey/" in url
        invitation = invitation_for_token(url.rstrip("/").rsplit("/", 1)[1])
        assert (invitation.person.name, invitation.group) == ("Zed Outsider", "peers")
        campaign = Campaign.objects.get()
        assert campaign.status == CampaignStatus.LIVE
        assert Invitation.objects.filter(campaign=campaign).count() == 13

        page.get_by_role("link", name="Go to the campaign's progress").click()
        expect(page.get_by_role("heading", name="Progress")).to_be_visible()
        expect(page.locator("body")).not_to_contain_text(url)
    finally:
        context.close()
