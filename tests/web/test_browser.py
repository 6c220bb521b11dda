"""A real person in a real browser: sign in, find someone in the org chart and the directory."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]

#: Set to a directory (e.g. docs/img) to keep the org chart screenshot there.
SCREENSHOT_DIR = os.environ.get("TRUSTLEDGER_SCREENSHOT_DIR")


@pytest.fixture
def page(browser: Browser, live_server, organisation) -> Page:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=live_server.url)
    context.set_default_timeout(10_000)
    tab = context.new_page()
    yield tab
    context.close()


def sign_in(page: Page, username: str) -> None:
    page.goto("/login/")
    page.get_by_label("E-mail").fill(username)
    page.get_by_label("Password", exact=True).fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/me/$"))


def test_a_manager_signs_in_and_finds_a_person_in_the_org_chart_and_directory(page, organisation):
    sign_in(page, organisation["manager_user"].get_username())
    me = organisation["managers"][0]
    expect(page.get_by_role("heading", level=1)).to_have_text(me.name)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Org chart").click()
    wanted = organisation["people"][100]
    node = page.locator(f"#p-{wanted.pk}")
    expect(node).to_be_hidden()  # four levels down: collapsed at first
    page.get_by_label("Find a person").fill(wanted.name)
    expect(page.locator("#chart-status")).to_have_text(f"1 person matches “{wanted.name}”.")
    expect(node).to_be_visible()
    expect(node).to_have_class("node match")

    page.get_by_role("button", name="Collapse all").click()
    expect(node).to_be_hidden()
    page.get_by_role("button", name="Expand all").click()
    expect(node).to_be_visible()

    page.get_by_role("navigation", name="Main").get_by_role("link", name="People").click()
    first, last = wanted.name.split()
    page.get_by_label("Search by name, title or team").press_sequentially(
        f"{first} {last[:4]}", delay=20
    )
    results = page.locator("#people-results")
    expect(results.get_by_role("link", name=wanted.name)).to_be_visible()
    expect(results).to_contain_text("1 person")
    expect(page).to_have_url(re.compile(rf"/people/\?q={first}(\+|%20){last[:4]}"))
    results.get_by_role("link", name=wanted.name).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(wanted.name)
    expect(page.get_by_text(wanted.email)).to_have_count(0)


def test_the_org_chart_of_150_people_is_readable(page, organisation, tmp_path: Path):
    sign_in(page, organisation["manager_user"].get_username())
    page.goto("/org-chart/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Org chart")
    expect(page.locator(".lead")).to_contain_text("150 people")
    ceo = page.locator(f"#p-{organisation['ceo'].pk}")
    expect(ceo.locator(".node-size").first).to_contain_text("150 people")
    # Two levels open by default: the vice presidents' managers are listed, their people are not.
    expect(page.locator(f"#p-{organisation['managers'][5].pk}")).to_be_visible()
    expect(page.locator(f"#p-{organisation['people'][5].pk}")).to_be_hidden()
    shot = page.screenshot(path=tmp_path / "org-chart.png", full_page=True)
    assert len(shot) > 10_000
    if SCREENSHOT_DIR:
        Path(SCREENSHOT_DIR).mkdir(parents=True, exist_ok=True)
        (Path(SCREENSHOT_DIR) / "org-chart.png").write_bytes(shot)


def test_the_org_chart_opens_at_a_persons_anchor(page, organisation):
    sign_in(page, organisation["manager_user"].get_username())
    wanted = organisation["people"][42]
    page.goto(f"/org-chart/#p-{wanted.pk}")
    expect(page.locator(f"#p-{wanted.pk}")).to_be_visible()
