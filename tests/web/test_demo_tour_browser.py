"""Someone trying the demo opens the guided tour in a real browser and follows a story."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from trustledger.accounts.actors import Actor
from trustledger.accounts.models import User
from trustledger.demo import DemoStory, load_story
from trustledger.org.demo import DEMO_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]

#: Set to a directory (e.g. docs/img) to keep the tour screenshot there.
SCREENSHOT_DIR = os.environ.get("TRUSTLEDGER_SCREENSHOT_DIR")


@pytest.fixture
def story(transactional_db: None, settings) -> DemoStory:
    settings.MODE = "demo"
    return load_story(Actor.system("test"), people=60)


@pytest.fixture
def page(browser: Browser, live_server, story) -> Page:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=live_server.url)
    context.set_default_timeout(15_000)
    tab = context.new_page()
    yield tab
    context.close()


def test_a_visitor_follows_the_tour_to_the_broken_career_promise(page, story, tmp_path):
    page.goto("/login/")
    page.get_by_role("link", name="Take the guided tour").click()
    expect(page).to_have_url(re.compile(r"/tour/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Guided tour of the demo")
    page.screenshot(path=str(Path(SCREENSHOT_DIR or tmp_path) / "tour.png"), full_page=False)

    section = page.locator("#career-promise")
    login = User.objects.get(person__employee_id=story.cast.career_report).username
    expect(section).to_contain_text(login)
    section.get_by_role("link", name="The promise and its timeline").click()
    # Not signed in yet: the page asks for the login the tour named.
    page.get_by_label("E-mail").fill(login)
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(rf"/commitments/{story.career_commitment}/$"))
    expect(page.get_by_text("promotion case", exact=False).first).to_be_visible()
    expect(page.get_by_text("Broken", exact=False).first).to_be_visible()
