"""Launching sends each rater their own link; unused links get reminders with a fresh one."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from typer.testing import CliRunner

from tests import factories
from tests.assessments.conftest import all_answered, new_campaign
from trustledger.accounts.actors import Actor
from trustledger.assessments import services
from trustledger.assessments.models import Campaign, Invitation
from trustledger.audit.models import AuditEvent
from trustledger.cli import app
from trustledger.notify.models import Delivery, Message
from trustledger.notify.services import deliver_due

SYSTEM = Actor.system("test")
DAY = dt.timedelta(days=1)
LINK = re.compile(r"https://trust\.example\.com/survey/([A-Za-z0-9_-]{43})/")


@pytest.fixture(autouse=True)
def _site(settings: Any) -> None:
    settings.SITE_URL = "https://trust.example.com"
    settings.WEBHOOK_URL = ""
    settings.SURVEY_REMINDER_DAYS = 3


def _launch(people: dict[str, Any], **extra: Any) -> tuple[Campaign, list[services.IssuedLink]]:
    campaign = new_campaign(people["hr"], [people["lea"].pk], **extra)
    return campaign, services.launch(people["hr"], campaign.pk)


def _token_in(text: str) -> str:
    found = LINK.search(text)
    assert found, text
    return found.group(1)


def test_launch_sends_every_rater_their_own_link_after_the_commit(
    people, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as queued:
        campaign, links = _launch(people)

    assert len(links) == 12
    assert all(link.sent for link in links)
    assert len(queued) == 12  # one delivery each, enqueued only once the launch committed
    messages = Message.objects.filter(kind="survey.invitation")
    assert {m.recipient_id for m in messages} == {link.person.pk for link in links}
    for link in links:
        message = messages.get(recipient=link.person)
        # the message is the rater's own: it carries their link and nobody else's
        assert message.url == f"https://trust.example.com/survey/{link.token}/"
        assert link.token not in str(message.data)
        assert (message.about_type, message.about_id) == ("campaign", str(campaign.pk))
        assert campaign.closes_at.isoformat() == message.data["closes_at"]
    lea = messages.get(recipient=people["lea"])
    assert lea.subject == "Survey: Autumn 2026"
    assert "you rate yourself" in lea.body
    assert "shown only to you" in lea.body
    report = messages.get(recipient=people["reports"][0])
    assert "you rate Lea Leader as one of the people who report to them" in report.body
    assert "stored without your name" in report.body
    assert "at least 5 people" in report.body
    assert "It closes " in report.body
    launched = AuditEvent.objects.get(action="campaign.launch")
    assert launched.detail == {"invitations": 12, "sent": 12}


def test_the_e_mail_carries_a_link_that_works_once(people):
    campaign, links = _launch(people)

    run = deliver_due(SYSTEM)

    assert run.delivered == 12
    email = next(m for m in mail.outbox if m.to == [people["reports"][1].email])
    assert email.subject == "Survey: Autumn 2026"
    token = _token_in(email.body)
    form = services.instrument_of(campaign).form("others")
    services.respond(token, all_answered(form))
    with pytest.raises(services.LinkRefused):
        services.respond(token, all_answered(form))


def test_someone_without_e_mail_or_webhook_is_not_sent_a_link(people):
    quiet = people["reports"][2]
    quiet.email = ""
    quiet.save()

    _, links = _launch(people)

    [unsent] = [link for link in links if not link.sent]
    assert unsent.person == quiet
    assert not Message.objects.filter(recipient=quiet).exists()
    assert Message.objects.count() == 11


def test_a_webhook_is_one_of_the_persons_channels(people, settings):
    settings.WEBHOOK_URL = "https://hooks.example.com/trustledger"
    settings.WEBHOOK_SECRET = "secret"
    quiet = people["reports"][2]
    quiet.email = ""
    quiet.save()

    _, links = _launch(people)

    assert all(link.sent for link in links)
    message = Message.objects.get(recipient=quiet)
    assert list(message.deliveries.values_list("channel", flat=True)) == ["webhook"]


# --- reminders -----------------------------------------------------------------------------------


def test_reminders_wait_for_the_interval_then_carry_a_fresh_link(people):
    campaign, links = _launch(people)
    form = services.instrument_of(campaign).form("others")
    answered = next(link for link in links if link.person == people["reports"][0])
    services.respond(answered.token, all_answered(form))
    mail.outbox.clear()
    start = timezone.now()

    early = services.send_survey_reminders(SYSTEM, now=start + 2 * DAY)
    assert early.sent == 0
    assert not Message.objects.filter(kind="survey.reminder").exists()

    run = services.send_survey_reminders(SYSTEM, now=start + 3 * DAY + dt.timedelta(minutes=1))

    assert run.sent == 11  # everyone but the one who answered
    reminded = Message.objects.filter(kind="survey.reminder")
    assert answered.person.pk not in {m.recipient_id for m in reminded}
    peer = people["peers"][0]
    message = reminded.get(recipient=peer)
    assert message.subject == "Reminder: Autumn 2026"
    assert "You have not yet answered" in message.body
    assert "the one sent before no longer works" in message.body
    old = next(link for link in links if link.person == peer)
    with pytest.raises(services.LinkRefused) as refused:
        services.respond(old.token, all_answered(form))
    assert refused.value.reason == services.LinkRefused.UNKNOWN
    fresh = _token_in(message.url)
    services.respond(fresh, all_answered(form))
    assert Invitation.objects.get(person=peer).last_reminded_at is not None


def test_reminding_is_idempotent_within_the_interval_and_repeats_after_it(people):
    _launch(people)
    start = timezone.now() + 3 * DAY + dt.timedelta(minutes=1)

    first = services.send_survey_reminders(SYSTEM, now=start)
    again = services.send_survey_reminders(SYSTEM, now=start + 2 * DAY)
    later = services.send_survey_reminders(SYSTEM, now=start + 3 * DAY)

    assert (first.sent, again.sent, later.sent) == (12, 0, 12)
    assert again.not_due == 12
    assert Message.objects.filter(kind="survey.reminder").count() == 24
    assert Delivery.objects.filter(message__kind="survey.reminder").count() == 24


def test_the_interval_is_a_setting(people, settings):
    settings.SURVEY_REMINDER_DAYS = 7
    _launch(people)
    assert services.send_survey_reminders(SYSTEM, now=timezone.now() + 5 * DAY).sent == 0
    assert services.send_survey_reminders(SYSTEM, now=timezone.now() + 7 * DAY + DAY).sent == 12


def test_no_reminders_once_a_campaign_closes_or_for_people_who_left(people):
    campaign, _ = _launch(people, closes_in=dt.timedelta(days=5))
    leaver = people["peers"][1]
    leaver.leave_date = timezone.localdate() + DAY
    leaver.save()

    run = services.send_survey_reminders(SYSTEM, now=timezone.now() + 4 * DAY)
    assert run.sent == 11
    assert not Message.objects.filter(kind="survey.reminder", recipient=leaver).exists()

    assert services.send_survey_reminders(SYSTEM, now=timezone.now() + 8 * DAY).sent == 0
    services.close(people["hr"], campaign.pk)
    assert services.send_survey_reminders(SYSTEM, now=timezone.now() + 4 * DAY).sent == 0


def test_a_link_handed_over_by_hand_is_not_replaced(people):
    quiet = people["reports"][2]
    quiet.email = ""
    quiet.save()
    campaign, links = _launch(people)
    by_hand = next(link for link in links if not link.sent)

    run = services.send_survey_reminders(SYSTEM, now=timezone.now() + 4 * DAY)

    assert (run.sent, run.no_channel) == (11, 1)
    form = services.instrument_of(campaign).form("others")
    services.respond(by_hand.token, all_answered(form))  # still works


def test_only_the_system_sends_reminders_and_nobody_learns_who_was_reminded(people):
    _launch(people)
    for actor in (people["hr"], people["lea_actor"], people["employee"]):
        with pytest.raises(PermissionDenied):
            services.send_survey_reminders(actor, now=timezone.now() + 4 * DAY)
    assert not Message.objects.filter(kind="survey.reminder").exists()

    services.send_survey_reminders(SYSTEM, now=timezone.now() + 4 * DAY)

    # One audit record with a count: no invitation, person or link in it.
    [event] = AuditEvent.objects.filter(action="campaign.remind", allowed=True)
    assert event.object_id == ""
    assert set(event.detail) == {"as_of", "sent"}
    assert not AuditEvent.objects.filter(action="campaign.reissue").exists()
    # Each reminder goes to its own recipient only.
    for message in Message.objects.filter(kind="survey.reminder"):
        assert [d.target for d in message.deliveries.all()] == [message.recipient.email]


def test_the_remind_command_sends_commitment_and_survey_reminders(people):
    _launch(people)
    deliver_due(SYSTEM)  # the invitations went out
    mail.outbox.clear()
    as_of = timezone.localtime(timezone.now() + 4 * DAY).strftime("%Y-%m-%dT%H:%M")

    result = CliRunner().invoke(app, ["remind", "--as-of", as_of])

    assert result.exit_code == 0, result.output
    assert "Survey reminders: 12 sent." in result.output
    assert "Delivered 12" in result.output
    assert {m.subject for m in mail.outbox} == {"Reminder: Autumn 2026"}
    again = CliRunner().invoke(app, ["remind", "--as-of", as_of])
    assert "Survey reminders: 0 sent." in again.output
    assert len(mail.outbox) == 12


def test_someone_without_a_channel_is_counted_by_the_command(people):
    quiet = factories.person("Quiet Report", team=people["platform"], email="")
    factories.reports_to(quiet, people["lea"])
    _launch(people)
    as_of = timezone.localtime(timezone.now() + 4 * DAY).strftime("%Y-%m-%dT%H:%M")
    result = CliRunner().invoke(app, ["remind", "--as-of", as_of, "--no-deliver"])
    assert result.exit_code == 0, result.output
    assert "Survey reminders: 12 sent, 1 without e-mail or webhook." in result.output
