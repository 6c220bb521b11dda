"""In chromium: a peer answers from a one-time link (a second use is refused), HR closes the
campaign and reads the overview — the manager group is below k — and the leader opens her
report, sees her blind spots, commits to an action and prints the report."""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
import pytest
from playwright.sync_api import Browser, FloatRect, Locator, Page, expect

from tests import factories
from tests.assessments.conftest import new_campaign
from tests.assessments.conftest import people as people  # the fixture
from tests.assessments.test_results_pages import leader_wave
from trustledger.assessments import services
from trustledger.assessments.models import CampaignAction

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]

#: Set to a directory (e.g. docs/img) to keep the screenshots there.
SCREENSHOT_DIR = os.environ.get("TRUSTLEDGER_SCREENSHOT_DIR")
NOT_ENOUGH = "Not enough responses: results are shown only where at least 5 people answered."


def _sign_in(page: Page, login: str) -> None:
    page.goto("/login/")
    page.get_by_label("E-mail").fill(login)
    page.get_by_label("Password", exact=True).fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/me/$"))


def test_answer_close_and_the_leader_reads_her_blind_spots(
    browser: Browser, live_server, people, tmp_path: Path
):
    shots = Path(SCREENSHOT_DIR or tmp_path)
    campaign = new_campaign(people["hr"], [people["lea"].pk])
    links = services.launch(people["hr"], campaign.pk)
    instrument = services.find_instrument("abcd-leader", 1)
    in_browser = next(link for link in links if link.group == "peers")
    comments = iter(["Share plans earlier.", "Say no sooner.", "Be around on Fridays."] * 4)
    levels = iter([3, 4, 5, 6, 4, 5, 2, 5, 4, 6, 5])  # each rater's general view of Lea
    for link in links:
        if link is in_browser:
            continue
        if link.group == "self":
            answers = {i.id: 1 if i.reverse else 7 for i in instrument.form("self").items}
            services.respond(link.token, answers)
        else:
            level = next(levels)
            form = instrument.form("others")
            answers = {}
            for n, item in enumerate(form.items):
                point = min(7, max(1, level + n % 3 - 1))
                answers[item.id] = 8 - point if item.reverse else point  # consistent once keyed
            services.respond(link.token, answers, next(comments))

    desk = {"width": 1280, "height": 900}
    rater = browser.new_context(viewport=desk, base_url=live_server.url)
    hr = browser.new_context(viewport=desk, base_url=live_server.url)
    lea = browser.new_context(viewport=desk, base_url=live_server.url)
    for context in (rater, hr, lea):
        context.set_default_timeout(10_000)
    try:
        # A peer answers from the one-time link; the link then refuses a second use.
        page = rater.new_page()
        page.goto(f"/survey/{in_browser.token}/")
        for item in instrument.form("others").items:
            group = page.get_by_role("group", name=re.compile(re.escape(item.text)))
            group.get_by_role("radio", name="Neither agree nor disagree", exact=True).check()
        page.get_by_role("button", name="Send my answers").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "Thank you — your answers are recorded"
        )
        again = page.goto(f"/survey/{in_browser.token}/")
        assert again is not None
        assert again.status == 410
        expect(page.get_by_role("heading", level=1)).to_have_text("This link has already been used")

        # The leader finds nothing yet: results wait for the end of the campaign.
        leader = lea.new_page()
        _sign_in(leader, people["lea"].email)
        early = leader.goto(f"/surveys/campaigns/{campaign.pk}/results/")
        assert early is not None
        assert early.status == 409
        expect(leader.get_by_role("heading", level=1)).to_have_text(
            "Results appear once the campaign ends"
        )

        # HR closes the campaign and reads the overview: the manager group is below k.
        admin = hr.new_page()
        _sign_in(admin, "hr@example.com")
        admin.goto(f"/surveys/campaigns/{campaign.pk}/")
        admin.get_by_role("button", name="Close the campaign now").click()
        admin.get_by_role("link", name="See the results").click()
        expect(admin.get_by_role("heading", level=1)).to_have_text("Results: Autumn 2026")
        manager_cell = admin.locator("[data-cell$=':manager']").filter(has_text="Lea Leader")
        expect(manager_cell).to_contain_text(NOT_ENOUGH)
        expect(admin.get_by_role("link", name="Download CSV")).to_be_visible()
        admin.screenshot(path=str(shots / "results-overview.png"), full_page=True)

        # The leader opens her report from "Survey results".
        leader.get_by_role("navigation", name="Main").get_by_role(
            "link", name="Survey results"
        ).click()
        expect(leader.get_by_role("heading", level=1)).to_have_text("My survey results")
        leader.get_by_role("link", name="Autumn 2026").click()
        leader.get_by_role("link", name="Open the report").click()
        expect(leader.get_by_role("heading", level=1)).to_have_text("Your leader report")
        gaps = leader.get_by_role("region", name="Blind spots and hidden strengths")
        expect(gaps.get_by_role("listitem")).to_have_count(10)  # overall and one group
        expect(gaps).to_contain_text("You rate yourself higher than the others who rated you by")
        manager = leader.locator("[data-cell$=':manager']")
        expect(manager).to_contain_text(NOT_ENOUGH)
        chart = leader.get_by_role("img", name=re.compile(r"^Able: You 7\.0; Everyone but you"))
        expect(chart).to_be_visible()
        leader.screenshot(
            path=str(shots / "results-report.png"),
            full_page=True,
            clip=_around(leader, leader.locator(".report-head"), gaps),
        )

        # She commits to an action; htmx swaps the actions section in place.
        actions = leader.get_by_role("region", name="Actions on these results")
        actions.get_by_label("What I will do").fill("Share the quarterly plan before it is final")
        actions.get_by_label("Done means").fill("Draft reviewed in a team meeting")
        actions.get_by_label("About").select_option(label="Connected")
        actions.get_by_role("button", name="Commit publicly").click()
        expect(actions.get_by_role("status")).to_contain_text("Your action is recorded")
        expect(actions.get_by_role("row")).to_have_count(2)
        expect(actions).to_contain_text("proposed")
        assert CampaignAction.objects.get().dimension == "connected"

        # The print layout: no navigation, no form, the same sections.
        leader.get_by_role("link", name="Print / save as PDF").click()
        expect(leader.get_by_role("button", name="Print / save as PDF")).to_be_visible()
        expect(leader.get_by_role("navigation", name="Main")).to_have_count(0)
        leader.emulate_media(media="print")
        leader.set_viewport_size({"width": 794, "height": 1123})  # A4 at 96 dpi
        expect(leader.get_by_role("button", name="Print / save as PDF")).to_be_hidden()
        expect(
            leader.get_by_role("heading", name="Blind spots and hidden strengths")
        ).to_be_visible()
        leader.screenshot(path=str(shots / "results-print.png"))
        leader.pdf(path=str(tmp_path / "report.pdf"))
        assert (tmp_path / "report.pdf").stat().st_size > 10_000
    finally:
        for context in (rater, hr, lea):
            context.close()


def test_a_second_wave_shows_the_trend_and_what_drives_trust(
    browser: Browser, live_server, people, tmp_path: Path
):
    shots = Path(SCREENSHOT_DIR or tmp_path)
    colleagues = [factories.person(f"Colleague {i}") for i in range(25)]
    rng = np.random.default_rng(11)
    leader_wave(people, colleagues, rng)
    second = leader_wave(people, colleagues, rng, shift=0.9)
    subject = second.subjects.get()

    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=live_server.url)
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        _sign_in(page, people["lea"].email)
        page.goto(f"/surveys/campaigns/{second.pk}/subjects/{subject.pk}/")
        drivers = page.get_by_role("region", name="What drives overall trust")
        expect(drivers.get_by_role("img", name=re.compile("^Relative weight"))).to_be_visible()
        expect(drivers.get_by_role("row")).to_have_count(5)  # header + four dimensions
        trend = page.get_by_role("region", name="Since the previous wave")
        expect(trend.get_by_role("img", name=re.compile("^Change since"))).to_be_visible()
        expect(trend.get_by_role("row")).to_have_count(6)  # header + five dimensions
        page.screenshot(
            path=str(shots / "results-trend.png"),
            full_page=True,
            clip=_around(page, drivers, trend),
        )
        # On a phone the page itself never scrolls sideways (wide tables scroll in place).
        page.set_viewport_size({"width": 360, "height": 740})
        page.reload()
        expect(page.get_by_role("heading", level=1)).to_have_text("Your leader report")
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
    finally:
        context.close()


def _around(page: Page, first: Locator, last: Locator) -> FloatRect:
    """The page area from the top of ``first`` to the bottom of ``last`` (page coordinates)."""
    scroll = page.evaluate("window.scrollY")
    top, bottom = first.bounding_box(), last.bounding_box()
    assert top is not None
    assert bottom is not None
    return {
        "x": top["x"] - 8,
        "y": top["y"] + scroll - 8,
        "width": top["width"] + 16,
        "height": bottom["y"] + bottom["height"] - top["y"] + 16,
    }
