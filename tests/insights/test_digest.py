"""The weekly digest: stored in the web inbox, sent by e-mail and webhook once per ISO week,
with a per-channel opt-out; the inbox and settings pages; the CLI command."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from typer.testing import CliRunner

from tests import factories
from tests.notify.conftest import receiver  # noqa: F401  (the webhook receiver fixture)
from trustledger.accounts.actors import Actor
from trustledger.audit.models import AuditEvent
from trustledger.cli import app
from trustledger.insights import digest
from trustledger.ledger import services as ledger
from trustledger.notify import services as notify
from trustledger.notify.models import Channel, Delivery, Digest, Message

from .conftest import promise

SYSTEM = Actor.system("test")


@pytest.fixture
def due_soon(people) -> str:
    """Ben owes Ana a report due tomorrow: his digest says "renegotiate now"."""
    return promise(
        people["ben_actor"],
        people["ana_actor"],
        at=timezone.now() - dt.timedelta(hours=2),
        due_in_days=1,
    )


def test_the_weekly_run_stores_every_inbox_and_sends_once_per_week(
    people,
    due_soon,
    receiver,  # noqa: F811
):
    run = digest.send_digests(SYSTEM)
    assert run.people == 4
    assert run.stored == 4
    assert run.already == 0
    assert run.by_kind["commitment_due"] == 1
    ben_week = Digest.objects.get(person=people["ben"], week=run.week)
    assert [n["kind"] for n in ben_week.nudges][0] == "commitment_due"
    assert "renegotiate now" in ben_week.nudges[0]["title"]
    message = Message.objects.get(recipient=people["ben"], kind="digest.weekly")
    assert {d.channel for d in message.deliveries.all()} == {Channel.EMAIL, Channel.WEBHOOK}
    assert run.messages == Message.objects.filter(kind="digest.weekly").count()

    again = digest.send_digests(SYSTEM)
    assert again.stored == 0
    assert again.already == 4
    assert again.messages == 0
    assert Digest.objects.count() == 4
    assert Message.objects.filter(kind="digest.weekly").count() == run.messages

    notify.deliver_due(SYSTEM)
    (email,) = [m for m in mail.outbox if m.to == [people["ben"].email]]
    assert "renegotiate now" in email.body
    assert f"/commitments/{due_soon}/" in email.body
    assert "You promised" not in email.body  # the explanation stays in the inbox
    posted = [json.loads(r.body) for r in receiver.received]
    bens = [p for p in posted if p["trustledger"]["recipient"]["id"] == str(people["ben"].pk)]
    (payload,) = bens
    text = json.dumps(payload)
    assert "renegotiate now" in text
    assert f"/commitments/{due_soon}/" in text
    assert "You promised" not in text
    assert "why" not in payload["trustledger"]["data"]["nudges"][0]


def test_a_new_week_brings_a_new_digest(people, due_soon):
    first = digest.send_digests(SYSTEM, send=False)
    later = digest.send_digests(SYSTEM, as_of=first.as_of + dt.timedelta(days=7), send=False)
    assert later.week != first.week
    assert later.stored == 4


def test_opting_out_of_a_channel_stops_it_and_only_it(people, due_soon, receiver):  # noqa: F811
    digest.set_preferences(people["ben_actor"], email=False, webhook=True)
    digest.send_digests(SYSTEM)
    message = Message.objects.get(recipient=people["ben"], kind="digest.weekly")
    assert [d.channel for d in message.deliveries.all()] == [Channel.WEBHOOK]

    digest.set_preferences(people["ben_actor"], email=False, webhook=False)
    week = digest.iso_week(timezone.now() + dt.timedelta(days=7))
    run = digest.send_digests(SYSTEM, as_of=timezone.now() + dt.timedelta(days=7))
    assert run.week == week
    assert not Message.objects.filter(dedupe_key=f"digest:{week}:{people['ben'].pk}").exists()
    assert Digest.objects.filter(person=people["ben"], week=week).exists()  # inbox kept


def test_only_the_system_sends_digests(people):
    with pytest.raises(PermissionDenied):
        digest.send_digests(people["ana_actor"])


def test_the_dry_run_stores_nothing(people, due_soon):
    run = digest.send_digests(SYSTEM, dry_run=True)
    assert run.by_kind["commitment_due"] == 1
    assert not Digest.objects.exists()
    assert not Delivery.objects.exists()


# --- pages -----------------------------------------------------------------------------------


def test_the_inbox_shows_each_nudge_with_why_and_the_past_digests(client, people, due_soon):
    digest.send_digests(SYSTEM, send=False)
    client.force_login(people["ben_user"])
    page = client.get("/me/digest/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "Why am I seeing this?" in html
    assert "renegotiate now, before the due date" in html
    assert f'href="/commitments/{due_soon}/"' in html
    assert "Past weekly digests" in html
    assert digest.iso_week(timezone.now()) in html
    assert AuditEvent.objects.filter(action="digest.read", object_id=str(people["ben"].pk)).exists()

    ledger.take_step(
        people["ben_actor"], due_soon, "renegotiate", due_at=timezone.now() + dt.timedelta(days=9)
    )
    fresh = client.get("/me/digest/", headers={"HX-Request": "true"}).content.decode()
    assert "renegotiate now" not in fresh.split("Past weekly digests")[0]
    assert "<html" not in fresh  # the partial for htmx


def test_the_settings_page_turns_channels_off_and_on(client, people):
    client.force_login(people["ana_user"])
    page = client.get("/me/digest/settings/").content.decode()
    assert 'name="email" checked' in page
    assert 'name="webhook" checked' in page

    saved = client.post("/me/digest/settings/", {"webhook": "on"}, follow=True)
    html = saved.content.decode()
    assert "Saved: your digest comes by chat" in html
    assert 'name="email" checked' not in html
    assert 'name="webhook" checked' in html
    assert digest.preferences(people["ana_actor"]) == digest.Preferences(email=False, webhook=True)


def test_an_account_without_a_person_has_no_digest(client, people):
    client.force_login(people["hr_user"])
    assert "not linked to a person" in client.get("/me/digest/").content.decode()
    assert "not linked to a person" in client.get("/me/digest/settings/").content.decode()


def test_the_pages_need_sign_in(client, db):
    assert client.get("/me/digest/").status_code == 302
    assert client.get("/me/digest/settings/").status_code == 302


# --- the command -----------------------------------------------------------------------------


def test_trustledger_digest_send_twice_in_a_week_sends_nothing_new(people, due_soon, settings):
    settings.WEBHOOK_URL = ""
    runner = CliRunner()
    preview = runner.invoke(app, ["digest"])
    assert preview.exit_code == 0, preview.output
    assert "would store 4" in preview.output
    assert "1 commitment_due" in preview.output
    assert not Digest.objects.exists()

    first = runner.invoke(app, ["digest", "--send"])
    assert first.exit_code == 0, first.output
    assert "stored 4 (0 already had this week's)" in first.output
    sent = len(mail.outbox)
    assert sent >= 1

    second = runner.invoke(app, ["digest", "--send"])
    assert second.exit_code == 0, second.output
    assert "stored 0 (4 already had this week's)" in second.output
    assert "Messages queued: 0" in second.output
    assert len(mail.outbox) == sent


def test_a_bad_moment_is_named(db):
    result = CliRunner().invoke(app, ["digest", "--as-of", "next tuesday"])
    assert result.exit_code != 0
    assert "--as-of" in result.output


def test_people_who_left_get_no_digest(people, due_soon):
    factories.person("Lee Left", leave_date=timezone.localdate() - dt.timedelta(days=3))
    run = digest.send_digests(SYSTEM, send=False)
    assert run.people == 4
