"""A rater answers a survey on a phone from a one-time link; the link then stops working."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.assessments.conftest import new_campaign
from tests.assessments.conftest import people as people  # the fixture
from trustledger.assessments import services
from trustledger.assessments.models import Response

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]

#: Set to a directory (e.g. docs/img) to keep the phone screenshot there as survey-phone.png.
SCREENSHOT_DIR = os.environ.get("TRUSTLEDGER_SCREENSHOT_DIR")
PHONE = {"width": 360, "height": 740}


def _no_horizontal_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_a_peer_answers_on_a_phone_and_the_link_then_refuses_a_second_use(
    browser: Browser, live_server, people, tmp_path: Path
):
    campaign = new_campaign(people["hr"], [people["lea"].pk])
    links = services.launch(people["hr"], campaign.pk)
    link = next(link for link in links if link.group == "peers")
    form = services.find_instrument("abcd-leader", 1).form("others")

    context = browser.new_context(viewport=PHONE, base_url=live_server.url, is_mobile=True)
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        page.goto(f"/survey/{link.token}/")
        expect(page.get_by_role("heading", level=1)).to_have_text("ABCD leader assessment")
        expect(page.get_by_role("heading", name="Your answers are anonymous")).to_be_visible()
        _no_horizontal_scroll(page)

        # Sending with one item left out names it and keeps the other answers.
        first = page.get_by_role("group", name=re.compile(re.escape(form.items[0].text)))
        first.get_by_role("radio", name="Agree", exact=True).check()
        page.evaluate("document.querySelector('.survey-form').scrollIntoView()")
        page.mouse.move(0, 0)
        page.screenshot(path=str(Path(SCREENSHOT_DIR or tmp_path) / "survey-phone.png"))
        page.get_by_role("button", name="Send my answers").click()
        expect(page.get_by_role("alert")).to_contain_text("Item 2: answer this item or skip it")
        expect(
            page.get_by_role("group", name=re.compile(re.escape(form.items[0].text))).get_by_role(
                "radio", name="Agree", exact=True
            )
        ).to_be_checked()
        _no_horizontal_scroll(page)

        for n, item in enumerate(form.items):
            group = page.get_by_role("group", name=re.compile(re.escape(item.text)))
            choice = "Cannot say" if n == 3 else "Slightly agree"
            group.get_by_role("radio", name=choice, exact=True).check()
        page.get_by_label("What is one thing this person could do").fill("Share plans earlier.")
        page.get_by_role("button", name="Send my answers").click()

        expect(page.get_by_role("heading", level=1)).to_have_text(
            "Thank you — your answers are recorded"
        )
        _no_horizontal_scroll(page)
        stored = Response.objects.get()
        assert stored.answers[3] is None
        assert stored.answers[0] == 5
        assert stored.comment == "Share plans earlier."

        # Opening the link again finds it used up.
        reopened = page.goto(f"/survey/{link.token}/")
        assert reopened is not None
        assert reopened.status == 410
        expect(page.get_by_role("heading", level=1)).to_have_text("This link has already been used")
        _no_horizontal_scroll(page)
        assert Response.objects.count() == 1
    finally:
        context.close()
