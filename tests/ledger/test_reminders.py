"""`trustledger remind`: the right reminder to the right person, once, until it is resolved."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from typer.testing import CliRunner

from trustledger.accounts.actors import Actor
from trustledger.cli import app
from trustledger.ledger import services
from trustledger.ledger.reminders import ReminderKind, due_reminders, send_reminders
from trustledger.notify.models import Delivery, DeliveryStatus, Message

T0 = dt.datetime(2026, 10, 5, 9, 0, tzinfo=dt.UTC)
DUE = T0 + dt.timedelta(days=6)
SYSTEM = Actor.system("test")
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)


@pytest.fixture
def promise(parties):
    """Pat promised Rey a report, due six days after T0; Rey accepted an hour later."""
    commitment = services.propose(
        parties["pat_actor"],
        performer_id=parties["pat"].pk,
        requester_id=parties["rey"].pk,
        what="Quarterly report",
        done_means="Figures reconciled and sent to finance",
        due_at=DUE,
        at=T0,
    )
    services.take_step(parties["rey_actor"], commitment.pk, "accept", at=T0 + HOUR)
    return commitment


def kinds_at(moment):
    return {(r.kind, r.recipient.name) for r in due_reminders(moment)}


def test_no_reminder_while_the_due_date_is_far(promise):
    assert kinds_at(DUE - 3 * DAY) == set()


def test_due_soon_goes_to_the_performer_two_days_ahead(promise):
    assert kinds_at(DUE - 2 * DAY) == {(ReminderKind.DUE_SOON, "Pat Performer")}
    assert kinds_at(DUE - HOUR) == {(ReminderKind.DUE_SOON, "Pat Performer")}


def test_overdue_asks_the_performer_to_renegotiate_or_deliver(promise):
    assert kinds_at(DUE + HOUR) == {(ReminderKind.OVERDUE, "Pat Performer")}
    # A week later the nudge is no longer sent (old news is not news).
    assert kinds_at(DUE + 8 * DAY) == set()


def test_a_delivery_turns_the_reminder_into_a_confirmation_request(parties, promise):
    services.take_step(parties["pat_actor"], promise.pk, "deliver", at=DUE - DAY)
    assert kinds_at(DUE - DAY + HOUR) == {(ReminderKind.TO_CONFIRM, "Rey Requester")}
    assert kinds_at(DUE + HOUR) == {(ReminderKind.TO_CONFIRM, "Rey Requester")}

    services.take_step(parties["rey_actor"], promise.pk, "confirm", at=DUE + 2 * HOUR)
    assert kinds_at(DUE + 3 * HOUR) == set()
    # As of a moment before the confirmation, it was still awaited: the ledger is replayed.
    assert kinds_at(DUE + HOUR) == {(ReminderKind.TO_CONFIRM, "Rey Requester")}


def test_a_late_delivery_resolves_the_overdue_reminder(parties, promise):
    services.take_step(parties["pat_actor"], promise.pk, "deliver", at=DUE + DAY)
    assert kinds_at(DUE + DAY + HOUR) == {(ReminderKind.TO_CONFIRM, "Rey Requester")}


def test_an_accepted_renegotiation_resolves_the_overdue_reminder(parties, promise):
    new_due = DUE + 10 * DAY
    services.take_step(
        parties["pat_actor"], promise.pk, "renegotiate", due_at=new_due, at=DUE + HOUR
    )
    services.take_step(parties["rey_actor"], promise.pk, "accept_renegotiation", at=DUE + 2 * HOUR)
    assert kinds_at(DUE + 3 * HOUR) == set()
    # The new due date earns its own "due soon".
    assert kinds_at(new_due - DAY) == {(ReminderKind.DUE_SOON, "Pat Performer")}


def test_a_renegotiation_proposed_in_time_holds_off_the_overdue_reminder(parties, promise):
    services.take_step(
        parties["pat_actor"], promise.pk, "renegotiate", due_at=DUE + 5 * DAY, at=DUE - HOUR
    )
    assert kinds_at(DUE + HOUR) == set()


def test_released_and_unanswered_commitments_get_no_reminders(parties, promise):
    services.propose(
        parties["pat_actor"],
        performer_id=parties["pat"].pk,
        requester_id=parties["rey"].pk,
        what="Never answered",
        done_means="n/a",
        due_at=DUE,
        at=T0,
    )
    services.take_step(parties["rey_actor"], promise.pk, "release", at=T0 + DAY)
    assert kinds_at(DUE - DAY) == set()
    assert kinds_at(DUE + DAY) == set()


def test_running_remind_twice_the_same_day_sends_nothing_twice(promise, settings):
    settings.WEBHOOK_URL = ""
    first = send_reminders(SYSTEM, as_of=DUE - DAY)
    second = send_reminders(SYSTEM, as_of=DUE - DAY + 3 * HOUR)
    assert (first.sent, first.already_sent) == (1, 0)
    assert (second.sent, second.already_sent) == (0, 1)
    [message] = Message.objects.all()
    assert message.kind == "reminder.due_soon"
    assert message.recipient.name == "Pat Performer"
    assert (message.about_type, message.about_id) == ("commitment", str(promise.pk))
    assert message.url.endswith(f"/commitments/{promise.pk}/")
    assert "Quarterly report" in message.subject
    assert "Figures reconciled" in message.body

    # Once overdue, a different reminder is due; it too is sent once.
    assert send_reminders(SYSTEM, as_of=DUE + HOUR).sent == 1
    assert send_reminders(SYSTEM, as_of=DUE + 5 * HOUR).sent == 0
    assert sorted(Message.objects.values_list("kind", flat=True)) == [
        "reminder.due_soon",
        "reminder.overdue",
    ]


def test_the_remind_command_records_and_delivers_by_e_mail(parties, promise, settings):
    settings.WEBHOOK_URL = ""
    cli = CliRunner()
    as_of = (DUE - DAY).isoformat()
    result = cli.invoke(app, ["remind", "--as-of", as_of])
    assert result.exit_code == 0, result.output
    assert "1 new (1 due_soon)" in result.output
    assert "Delivered 1" in result.output
    [email] = mail.outbox
    assert email.to == [parties["pat"].email]
    assert email.subject == "Due soon: Quarterly report"

    again = cli.invoke(app, ["remind", "--as-of", as_of])
    assert again.exit_code == 0, again.output
    assert "0 new, 1 already sent" in again.output
    assert len(mail.outbox) == 1


def test_remind_without_delivering_leaves_the_work_to_the_worker(promise, settings):
    settings.WEBHOOK_URL = ""
    result = CliRunner().invoke(
        app, ["remind", "--as-of", (DUE + HOUR).isoformat(), "--no-deliver"]
    )
    assert result.exit_code == 0, result.output
    assert mail.outbox == []
    [delivery] = Delivery.objects.all()
    assert delivery.status == DeliveryStatus.PENDING

    delivered = CliRunner().invoke(app, ["deliver"])
    assert delivered.exit_code == 0, delivered.output
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject.startswith("Overdue: renegotiate or deliver")


def test_people_who_left_get_no_reminders(parties, promise):
    pat = parties["pat"]
    pat.leave_date = (DUE - 3 * DAY).date()
    pat.save()
    assert kinds_at(DUE - DAY) == set()


def test_an_employee_cannot_send_reminders(parties, promise):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        send_reminders(parties["pat_actor"], as_of=DUE - DAY)
    assert not Message.objects.exists()
