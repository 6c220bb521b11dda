"""A person opens their digest, follows the "renegotiate now" nudge, renegotiates the promise
on its page, and the nudge is gone from a fresh digest (real chromium)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from tests import factories
from trustledger.accounts.actors import Actor
from trustledger.insights import digest
from trustledger.ledger import services as ledger

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]


@pytest.fixture
def page(browser: Browser, live_server) -> Page:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=live_server.url)
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def sign_in(page: Page, username: str) -> None:
    page.goto("/login/")
    page.get_by_label("E-mail").fill(username)
    page.get_by_label("Password", exact=True).fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/me/$"))


def test_follow_the_renegotiate_nudge_and_it_is_gone(page: Page, org):
    ben, ana = factories.actor(org["ben_user"]), factories.actor(org["ana_user"])
    now = timezone.now()
    commitment = ledger.propose(
        ana,
        performer_id=org["ben"].pk,
        requester_id=org["ana"].pk,
        what="Write the migration guide",
        done_means="Published in the handbook",
        due_at=now + dt.timedelta(days=2),
        at=now - dt.timedelta(days=5),
    )
    ledger.take_step(ben, commitment.pk, "accept", at=now - dt.timedelta(days=5))
    digest.send_digests(Actor.system("test"), send=False)  # this week's digest, stored

    sign_in(page, org["ben_user"].get_username())
    page.goto("/me/digest/")
    expect(page.get_by_role("heading", level=1)).to_have_text("My digest")
    nudge = page.locator(f'.nudges li[data-key^="due:soon:{commitment.pk}"]')
    expect(nudge).to_have_count(1)
    link = nudge.get_by_role("link", name=re.compile(r"renegotiate now, before the due date"))
    expect(link).to_be_visible()

    nudge.get_by_text("Why am I seeing this?").click()
    expect(
        nudge.get_by_text(re.compile(r"You promised Ana Manager “Write the migration guide”"))
    ).to_be_visible()

    link.click()
    expect(page).to_have_url(re.compile(rf"/commitments/{commitment.pk}/$"))
    page.get_by_text("Renegotiate", exact=True).click()
    expect(
        page.get_by_text("Renegotiate now, before the due date: it keeps trust.")
    ).to_be_visible()
    new_due = timezone.localtime(now + dt.timedelta(days=9))
    page.get_by_label("New due date").fill(new_due.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Why").fill("the schema review moved")
    page.get_by_role("button", name="Propose the new terms").click()
    expect(page.locator(".pending")).to_contain_text(new_due.strftime("%-d %b %Y"))

    page.goto("/me/digest/")
    expect(page.get_by_role("heading", name=re.compile("^Now"))).to_be_visible()
    expect(page.locator(f'.nudges li[data-key^="due:soon:{commitment.pk}"]')).to_have_count(0)
    # The stored weekly digest still shows what was said that week.
    past = page.locator(".past-digests li").first
    past.get_by_text(re.compile(r"^Week \d{4}-W\d{2}")).click()
    expect(past.get_by_role("link", name=re.compile("Write the migration guide"))).to_be_visible()
