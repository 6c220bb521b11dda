"""Two people, two browsers: a promise is made, renegotiated in time, delivered and confirmed."""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]

#: Set to a directory (e.g. docs/img) to keep the commitment page screenshot there.
SCREENSHOT_DIR = os.environ.get("TRUSTLEDGER_SCREENSHOT_DIR")


@pytest.fixture
def open_tab(browser: Browser, live_server) -> Iterator[object]:
    """``open_tab()``: a page in a new browser context (its own cookies: its own person)."""
    contexts = []

    def make() -> Page:
        context = browser.new_context(
            viewport={"width": 1280, "height": 900}, base_url=live_server.url
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def sign_in(page: Page, username: str) -> None:
    page.goto("/login/")
    page.get_by_label("E-mail").fill(username)
    page.get_by_label("Password", exact=True).fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/me/$"))


def take(page: Page, button: str, status: str) -> None:
    """Click a step's button and wait until htmx has swapped in the new state."""
    page.get_by_role("button", name=button, exact=True).click()
    expect(page.locator(".lead .status")).to_have_text(status)


def test_a_promise_is_accepted_renegotiated_in_time_delivered_and_confirmed(
    open_tab, org, tmp_path: Path
):
    performer, requester = open_tab(), open_tab()
    sign_in(performer, org["ben_user"].get_username())
    sign_in(requester, org["ana_user"].get_username())

    # Ben promises Ana something from her person page (the form loads inline with htmx).
    performer.goto(f"/people/{org['ana'].pk}/")
    quick = performer.locator(".quick-create")
    expect(quick.get_by_role("heading")).to_have_text("Promise something / ask for something")
    quick.get_by_label("promise them").check()
    quick.get_by_label("What", exact=True).fill("Write the release notes for 4.2")
    quick.get_by_label("Done means").fill("Merged, and linked from the release page")
    due = timezone.localtime(timezone.now() + dt.timedelta(days=3))
    quick.get_by_label("Due", exact=True).fill(due.strftime("%Y-%m-%dT%H:%M"))
    quick.get_by_label("Stakes").select_option("significant")
    quick.get_by_role("button", name="Propose").click()
    expect(quick.get_by_role("status")).to_contain_text("Proposed: Write the release notes for 4.2")
    expect(performer).to_have_url(re.compile(rf"/people/{org['ana'].pk}/$"))  # stayed put
    quick.get_by_role("link", name="Write the release notes for 4.2").click()
    expect(performer.get_by_role("heading", level=1)).to_have_text(
        "Write the release notes for 4.2"
    )
    commitment_url = performer.url

    # Ana finds it among the proposals waiting for her answer, and accepts.
    requester.get_by_role("navigation", name="Main").get_by_role(
        "link", name="My commitments"
    ).click()
    requester.get_by_role("link", name=re.compile(r"^To answer")).click()
    expect(requester).to_have_url(re.compile(r"\?tab=to_answer$"))
    requester.get_by_role("link", name="Write the release notes for 4.2").click()
    expect(requester.get_by_role("button", name="Mark delivered")).to_have_count(0)
    take(requester, "Accept", "accepted")
    expect(requester.get_by_role("button", name="Accept", exact=True)).to_have_count(0)

    # Ben sees he is short of time and renegotiates before the due date.
    performer.reload()
    performer.get_by_text("Renegotiate", exact=True).click()
    expect(
        performer.get_by_text("Renegotiate now, before the due date: it keeps trust.")
    ).to_be_visible()
    new_due = due + dt.timedelta(days=4)
    performer.get_by_label("New due date").fill(new_due.strftime("%Y-%m-%dT%H:%M"))
    performer.get_by_label("Why").fill("the API freeze moved")
    performer.get_by_role("button", name="Propose the new terms").click()
    expect(performer.locator(".pending")).to_contain_text(new_due.strftime("%-d %b %Y"))

    # Ana accepts the new terms.
    requester.goto(commitment_url)
    requester.get_by_role("button", name="Accept the new terms").click()
    expect(requester.locator(".pending")).to_have_count(0)
    expect(requester.locator(".facts").first).to_contain_text(new_due.strftime("%-d %b %Y"))

    # Ben delivers; Ana confirms.
    performer.reload()
    take(performer, "Mark delivered", "delivered")
    requester.reload()
    take(requester, "Confirm delivery", "confirmed")
    expect(requester.locator(".steps")).to_have_count(0)  # nothing left to do

    timeline = requester.locator(".timeline > li")
    expect(timeline).to_have_count(6)
    expected = [
        "Ben Report proposed it",
        "Ana Manager accepted",
        "Ben Report proposed new terms",
        "Ana Manager accepted the new terms",
        "Ben Report delivered",
        "Ana Manager confirmed the delivery",
    ]
    for index, line in enumerate(expected):
        expect(timeline.nth(index).locator(".event-line")).to_have_text(line)
    renegotiation = timeline.nth(2)
    expect(renegotiation.locator(".changes")).to_contain_text(
        f"{due.strftime('%-d %b %Y')}, {due.strftime('%H:%M')} → {new_due.strftime('%-d %b %Y')}"
    )
    expect(renegotiation).to_contain_text("the API freeze moved")

    shot = requester.screenshot(path=tmp_path / "commitment.png", full_page=True)
    assert len(shot) > 10_000
    if SCREENSHOT_DIR:
        Path(SCREENSHOT_DIR).mkdir(parents=True, exist_ok=True)
        (Path(SCREENSHOT_DIR) / "commitment.png").write_bytes(shot)
