"""The system tells a person something by e-mail and webhook, and nothing is ever lost."""

from __future__ import annotations

import datetime as dt
import json
import socket

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from tests import factories
from tests.notify.conftest import SECRET
from trustledger.accounts.actors import Actor
from trustledger.notify import services, webhooks
from trustledger.notify.models import (
    AttemptOutcome,
    Channel,
    Delivery,
    DeliveryAttempt,
    DeliveryStatus,
    Message,
)

T0 = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)
SYSTEM = Actor.system("test")


def _send(recipient, *, key="k1", channels=None, now=T0):
    return services.send(
        SYSTEM,
        recipient=recipient,
        kind="reminder.due_soon",
        subject="Due soon: the quarterly report",
        body="You promised Ana the quarterly report.",
        url="http://testserver/commitments/1/",
        data={"commitment_id": "1"},
        dedupe_key=key,
        channels=channels,
        now=now,
    )


def _attempts(delivery: Delivery) -> list[DeliveryAttempt]:
    return list(delivery.attempt_log.order_by("number"))


def test_the_worker_delivers_a_signed_webhook_after_the_commit(
    db, receiver, django_capture_on_commit_callbacks
):
    ben = factories.person("Ben Report")
    with django_capture_on_commit_callbacks(execute=True):
        message, created = _send(ben, channels=[Channel.WEBHOOK])
    assert created
    # Queued in django-tasks' database table after the commit; run it as the worker does
    # (db_worker itself closes the database connection, which would end the test's transaction).
    [queued] = DBTaskResult.objects.all()
    job = queued.task_result
    assert job.task.name == "deliver"
    assert job.task.call(*job.args, **job.kwargs) == DeliveryStatus.DELIVERED

    [hit] = receiver.received
    assert webhooks.verify_signature(
        SECRET,
        hit.body,
        hit.headers[webhooks.TIMESTAMP_HEADER],
        hit.headers[webhooks.SIGNATURE_HEADER],
    )
    assert hit.headers[webhooks.SIGNATURE_HEADER].startswith("sha256=")
    assert not webhooks.verify_signature(
        "another-secret",
        hit.body,
        hit.headers[webhooks.TIMESTAMP_HEADER],
        hit.headers[webhooks.SIGNATURE_HEADER],
    )
    payload = json.loads(hit.body)
    assert payload["text"].startswith("Ben Report: Due soon: the quarterly report")
    assert payload["attachments"][0]["title_link"] == "http://testserver/commitments/1/"
    assert payload["trustledger"]["kind"] == "reminder.due_soon"
    assert payload["trustledger"]["recipient"]["email"] == ben.email
    delivery = message.deliveries.get()
    assert hit.headers[webhooks.DELIVERY_HEADER] == str(delivery.pk)
    assert delivery.status == DeliveryStatus.DELIVERED
    [attempt] = _attempts(delivery)
    assert (attempt.outcome, attempt.status_code) == (AttemptOutcome.DELIVERED, 200)


def test_a_signature_is_refused_when_the_body_or_the_time_is_wrong():
    body = b'{"text":"hi"}'
    signature = webhooks.sign(SECRET, 1_800_000_000, body)
    assert webhooks.verify_signature(SECRET, body, "1800000000", signature, now=1_800_000_010)
    assert not webhooks.verify_signature(
        SECRET, body + b" ", "1800000000", signature, now=1_800_000_010
    )
    # A replay ten minutes later is refused even though the signature is genuine.
    assert not webhooks.verify_signature(SECRET, body, "1800000000", signature, now=1_800_000_600)
    assert not webhooks.verify_signature(SECRET, body, "1800000001", signature, now=1_800_000_010)
    assert not webhooks.verify_signature(SECRET, body, None, signature)


def test_a_webhook_answered_500_is_retried_with_backoff_and_then_succeeds(db, receiver):
    receiver.statuses = [500, 200]
    message, _ = _send(factories.person(), channels=[Channel.WEBHOOK])

    first = services.deliver_due(SYSTEM, now=T0)
    assert (first.delivered, first.retrying) == (0, 1)
    delivery = message.deliveries.get()
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.next_attempt_at is not None
    wait = delivery.next_attempt_at - T0
    assert dt.timedelta(minutes=1) <= wait < dt.timedelta(minutes=1, seconds=10)

    # Not due yet: nothing is sent early.
    early = services.deliver_due(SYSTEM, now=T0 + dt.timedelta(seconds=30))
    assert (early.delivered, early.retrying, len(receiver.received)) == (0, 0, 1)

    second = services.deliver_due(SYSTEM, now=delivery.next_attempt_at)
    assert second.delivered == 1
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED
    assert [(a.number, a.outcome, a.status_code) for a in _attempts(delivery)] == [
        (1, AttemptOutcome.RETRY, 500),
        (2, AttemptOutcome.DELIVERED, 200),
    ]
    assert [r.headers[webhooks.ATTEMPT_HEADER] for r in receiver.received] == ["1", "2"]
    # The same body each time, so the receiver can de-duplicate on the delivery id.
    assert receiver.received[0].body == receiver.received[1].body


def test_a_webhook_that_always_fails_ends_failed_with_every_attempt_recorded(
    db, receiver, settings
):
    settings.WEBHOOK_MAX_ATTEMPTS = 4
    receiver.statuses = [500]
    message, _ = _send(factories.person(), channels=[Channel.WEBHOOK])
    now = T0
    for _ in range(10):
        services.deliver_due(SYSTEM, now=now)
        now += dt.timedelta(hours=7)  # longer than the longest back-off

    delivery = message.deliveries.get()
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.failed_at is not None
    assert delivery.attempts == 4
    assert "HTTP 500" in delivery.last_error
    attempts = _attempts(delivery)
    assert [a.outcome for a in attempts] == [AttemptOutcome.RETRY] * 3 + [AttemptOutcome.FAILED]
    assert all(a.status_code == 500 and a.error for a in attempts)
    assert len(receiver.received) == 4
    assert list(services.failed_deliveries(SYSTEM)) == [delivery]

    # An operator retries it once the receiver is fixed; earlier attempts stay on record.
    receiver.statuses = [200]
    assert services.retry_failed(SYSTEM, now=now) == 1
    assert services.deliver_due(SYSTEM, now=now).delivered == 1
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED
    assert len(_attempts(delivery)) == 5


def test_backoff_doubles_and_is_capped():
    assert [services.backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [60, 120, 240, 480]
    assert services.backoff(30) == services.BACKOFF_CAP
    assert services.backoff(1, retry_after_seconds=900) == dt.timedelta(seconds=900)


def test_a_4xx_answer_is_not_retried_but_429_is(db, receiver):
    receiver.statuses = [400]
    refused, _ = _send(factories.person(), key="a", channels=[Channel.WEBHOOK])
    services.deliver_due(SYSTEM, now=T0)
    delivery = refused.deliveries.get()
    assert delivery.status == DeliveryStatus.FAILED
    assert [a.outcome for a in _attempts(delivery)] == [AttemptOutcome.FAILED]

    receiver.statuses = [429, 200]
    throttled, _ = _send(factories.person(), key="b", channels=[Channel.WEBHOOK])
    services.deliver_due(SYSTEM, now=T0)
    delivery = throttled.deliveries.get()
    assert delivery.status == DeliveryStatus.PENDING
    assert [a.status_code for a in _attempts(delivery)] == [429]


def test_an_unreachable_webhook_is_retried(db, settings):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.WEBHOOK_URL = f"http://127.0.0.1:{port}/nobody-listens"
    settings.WEBHOOK_SECRET = SECRET
    message, _ = _send(factories.person(), channels=[Channel.WEBHOOK])
    services.deliver_due(SYSTEM, now=T0)
    delivery = message.deliveries.get()
    assert delivery.status == DeliveryStatus.PENDING
    [attempt] = _attempts(delivery)
    assert attempt.outcome == AttemptOutcome.RETRY
    assert attempt.status_code is None
    assert "refused" in attempt.error.lower() or "URLError" in attempt.error


def test_e_mail_is_delivered_through_the_configured_backend(db, settings):
    settings.WEBHOOK_URL = ""
    ben = factories.person("Ben Report", email="ben@example.com")
    message, _ = _send(ben)
    assert [d.channel for d in message.deliveries.all()] == [Channel.EMAIL]
    services.deliver_due(SYSTEM, now=T0)
    [email] = mail.outbox
    assert email.to == ["ben@example.com"]
    assert email.subject == "Due soon: the quarterly report"
    assert "http://testserver/commitments/1/" in email.body
    assert message.deliveries.get().status == DeliveryStatus.DELIVERED


def test_the_same_decision_taken_twice_sends_one_message(db, receiver):
    ben = factories.person()
    first, created = _send(ben, key="reminder:x")
    again, created_again = _send(ben, key="reminder:x")
    assert created
    assert not created_again
    assert first.pk == again.pk
    assert Message.objects.count() == 1
    assert Delivery.objects.count() == 2  # e-mail and webhook, once each
    services.deliver_due(SYSTEM, now=T0)
    services.deliver_due(SYSTEM, now=T0 + dt.timedelta(days=1))
    assert len(mail.outbox) == 1
    assert len(receiver.received) == 1


def _decide_then_fail(recipient):
    with transaction.atomic():
        _send(recipient)
        raise RuntimeError("the caller's transaction fails after deciding")


def test_a_decision_rolled_back_sends_nothing(db, receiver, django_capture_on_commit_callbacks):
    ben = factories.person()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError):
            _decide_then_fail(ben)
    assert callbacks == []
    assert not Message.objects.exists()
    assert not DBTaskResult.objects.exists()
    assert services.deliver_due(SYSTEM, now=T0).delivered == 0
    assert receiver.received == []


def test_a_worker_that_died_mid_send_is_recorded_and_the_delivery_taken_over(db, receiver):
    message, _ = _send(factories.person(), channels=[Channel.WEBHOOK])
    delivery = message.deliveries.get()
    # A worker claimed it and vanished: its lease has run out.
    Delivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.SENDING, attempts=1, claimed_until=T0 - dt.timedelta(minutes=1)
    )
    assert services.deliver_due(SYSTEM, now=T0).delivered == 1
    assert [(a.number, a.outcome) for a in _attempts(delivery)] == [
        (1, AttemptOutcome.INTERRUPTED),
        (2, AttemptOutcome.DELIVERED),
    ]


def test_only_the_system_and_administrators_send_messages(db):
    ben = factories.person()
    employee = factories.actor(factories.user(ben))
    with pytest.raises(PermissionDenied):
        services.send(employee, recipient=ben, kind="x", subject="s", body="b")
    with pytest.raises(PermissionDenied):
        services.retry_failed(employee)
    assert not Message.objects.exists()


def test_an_administrator_sees_failed_deliveries_read_only_in_the_admin(db, client, receiver):
    receiver.statuses = [404]
    message, _ = _send(factories.person("Dee Private"), channels=[Channel.WEBHOOK])
    services.deliver_due(SYSTEM, now=T0)
    delivery = message.deliveries.get()
    client.force_login(factories.user(None, role="admin", username="root@example.com"))

    listing = client.get("/admin/notify/delivery/?status__exact=failed")
    assert listing.status_code == 200
    assert "HTTP 404" in listing.content.decode()
    page = client.get(f"/admin/notify/delivery/{delivery.pk}/change/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "HTTP 404" in text
    assert "You promised Ana" not in text  # the message text is not shown to administrators
    assert client.get("/admin/notify/delivery/add/").status_code == 403
