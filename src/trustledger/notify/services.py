"""Outbound messages: decide to tell someone something, then deliver it, reliably.

:func:`send` writes the :class:`Message` and one :class:`Delivery` per channel inside the
caller's transaction (the decision and its record commit together) and asks the background
worker to deliver after the commit. :func:`attempt_delivery` makes one try: it claims the row,
sends without holding a database lock, records the attempt and either finishes the delivery or
schedules the next try with exponential back-off. Delivery is at least once: a receiver that
must not act twice de-duplicates on the delivery id (``X-Trustledger-Delivery``).
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import smtplib
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from trustledger.accounts.actors import Actor
from trustledger.audit import services as audit
from trustledger.notify import webhooks
from trustledger.notify.models import (
    AttemptOutcome,
    Channel,
    Delivery,
    DeliveryAttempt,
    DeliveryStatus,
    Message,
)
from trustledger.org.models import Person

logger = logging.getLogger(__name__)

#: First retry after a minute, then 2, 4, 8 … minutes, never more than six hours apart.
BACKOFF_BASE = dt.timedelta(minutes=1)
BACKOFF_CAP = dt.timedelta(hours=6)
#: How long a worker owns a delivery it is sending; past it another worker may take over.
LEASE_MARGIN = dt.timedelta(minutes=1)


def backoff(attempt: int, retry_after_seconds: int | None = None) -> dt.timedelta:
    """The wait after failed attempt number ``attempt`` (1-based): exponential, capped, and
    never shorter than a ``Retry-After`` the server asked for (itself capped)."""
    wait = min(BACKOFF_CAP, BACKOFF_BASE * (2 ** (attempt - 1)))
    if retry_after_seconds is not None:
        wait = max(wait, min(BACKOFF_CAP, dt.timedelta(seconds=retry_after_seconds)))
    return wait


def default_channels(recipient: Person) -> list[str]:
    """E-mail when the person has an address; the webhook when one is configured."""
    channels = [Channel.EMAIL.value] if recipient.email else []
    if settings.WEBHOOK_URL:
        channels.append(Channel.WEBHOOK.value)
    return channels


def _require_system(actor: Actor, action: str) -> None:
    if not actor.is_admin:
        audit.deny(actor, action, "message", "", "only the system and administrators send")


def send(
    actor: Actor,
    *,
    recipient: Person,
    kind: str,
    subject: str,
    body: str,
    url: str = "",
    data: dict[str, Any] | None = None,
    about_type: str = "",
    about_id: object = "",
    dedupe_key: str | None = None,
    channels: Iterable[str] | None = None,
    now: dt.datetime | None = None,
) -> tuple[Message, bool]:
    """Record a message to ``recipient`` and queue its delivery; returns (message, created).

    With a ``dedupe_key`` the same decision taken twice (a command run twice, two workers at
    once) finds the first message and sends nothing again: the key is unique in the database.
    Call it inside the transaction that decided to send, so both commit or neither does.
    """
    _require_system(actor, "message.send")
    wanted = list(dict.fromkeys(channels if channels is not None else default_channels(recipient)))
    unknown = sorted(set(wanted) - set(Channel.values))
    if unknown:
        raise ValidationError({"channels": f"unknown channel(s): {', '.join(unknown)}"})
    recorded = timezone.now()
    # Due at once: also when the decision was taken "as of" a moment in the past or future.
    due = min(now, recorded) if now is not None else recorded
    if dedupe_key is not None:
        existing = Message.objects.filter(dedupe_key=dedupe_key).first()
        if existing is not None:
            return existing, False
    try:
        with transaction.atomic():
            message = Message.objects.create(
                recipient=recipient,
                kind=kind,
                subject=subject[:300],
                body=body,
                url=url,
                data=data or {},
                about_type=about_type,
                about_id=str(about_id),
                dedupe_key=dedupe_key,
                created_at=recorded,
            )
            deliveries = Delivery.objects.bulk_create(
                _new_delivery(message, channel, recipient, recorded, due) for channel in wanted
            )
    except IntegrityError:
        # Another run recorded the same decision between our check and our insert.
        if dedupe_key is None:
            raise
        return Message.objects.get(dedupe_key=dedupe_key), False
    _enqueue_after_commit([d.pk for d in deliveries])
    return message, True


def _new_delivery(
    message: Message, channel: str, recipient: Person, recorded: dt.datetime, due: dt.datetime
) -> Delivery:
    target = recipient.email if channel == Channel.EMAIL else settings.WEBHOOK_URL
    return Delivery(
        id=uuid.uuid4(),
        message=message,
        channel=channel,
        target=target,
        max_attempts=settings.WEBHOOK_MAX_ATTEMPTS,
        next_attempt_at=due,
        created_at=recorded,
    )


def _enqueue_after_commit(delivery_ids: list[uuid.UUID]) -> None:
    """Ask the worker to deliver once the rows are committed (never before: a rolled-back
    decision must send nothing). If enqueueing fails the rows stay pending for the sweep."""
    for delivery_id in delivery_ids:
        transaction.on_commit(functools.partial(_enqueue, delivery_id), robust=True)


def _enqueue(delivery_id: uuid.UUID, run_after: dt.datetime | None = None) -> None:
    from trustledger.notify.tasks import deliver

    job = deliver
    if run_after is not None:
        if not deliver.get_backend().supports_defer:
            return  # this backend cannot wait; `trustledger deliver` retries when it is due
        job = deliver.using(run_after=run_after)
    job.enqueue(str(delivery_id))


# --- delivering ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Outcome:
    ok: bool
    retryable: bool
    status_code: int | None = None
    error: str = ""
    retry_after_seconds: int | None = None


def _claimable(now: dt.datetime) -> Q:
    return Q(status=DeliveryStatus.PENDING, next_attempt_at__lte=now) | Q(
        status=DeliveryStatus.SENDING, claimed_until__lt=now
    )


def attempt_delivery(
    delivery_id: uuid.UUID | str, now: dt.datetime | None = None
) -> Delivery | None:
    """Make one try at a delivery that is due; ``None`` if it is not due or another worker
    has it. Records the attempt, then marks it delivered, schedules a retry, or fails it."""
    started = now or timezone.now()
    with transaction.atomic():
        row = (
            Delivery.objects.filter(pk=delivery_id)
            .filter(_claimable(started))
            .select_related("message", "message__recipient")
            .first()
        )
        if row is None:
            return None
        if row.status == DeliveryStatus.SENDING:
            _record_interrupted(row, started)
            if row.attempts >= row.max_attempts:
                return row
        number = row.attempts + 1
        lease = dt.timedelta(seconds=settings.WEBHOOK_TIMEOUT_SECONDS) + LEASE_MARGIN
        claimed = Delivery.objects.filter(
            pk=row.pk, status=row.status, attempts=row.attempts
        ).update(status=DeliveryStatus.SENDING, claimed_until=started + lease, attempts=number)
        if not claimed:
            return None  # another worker claimed it first
    clock = time.monotonic()
    outcome = _send(row, number)
    finished = started + dt.timedelta(seconds=time.monotonic() - clock)
    retry_at = _finish(row, number, outcome, started, finished)
    if retry_at is not None:
        _enqueue(row.pk, run_after=retry_at)
    row.refresh_from_db()
    return row


def _record_interrupted(row: Delivery, now: dt.datetime) -> None:
    """A worker claimed this delivery and stopped before recording how the try ended."""
    DeliveryAttempt.objects.create(
        delivery=row,
        number=row.attempts,
        started_at=row.claimed_until or now,
        finished_at=now,
        outcome=AttemptOutcome.INTERRUPTED,
        error="the worker stopped before recording an outcome",
    )
    if row.attempts >= row.max_attempts:
        Delivery.objects.filter(pk=row.pk).update(
            status=DeliveryStatus.FAILED, failed_at=now, next_attempt_at=None, claimed_until=None
        )
        row.status = DeliveryStatus.FAILED


def _finish(
    row: Delivery, number: int, outcome: _Outcome, started: dt.datetime, finished: dt.datetime
) -> dt.datetime | None:
    """Record attempt ``number`` and its consequence; returns when to retry, if at all."""
    retry_at = None
    changes: dict[str, Any] = {"claimed_until": None, "last_error": outcome.error}
    if outcome.ok:
        result = AttemptOutcome.DELIVERED
        changes.update(status=DeliveryStatus.DELIVERED, delivered_at=finished, next_attempt_at=None)
    elif outcome.retryable and number < row.max_attempts:
        result = AttemptOutcome.RETRY
        retry_at = finished + backoff(number, outcome.retry_after_seconds)
        changes.update(status=DeliveryStatus.PENDING, next_attempt_at=retry_at)
    else:
        result = AttemptOutcome.FAILED
        changes.update(status=DeliveryStatus.FAILED, failed_at=finished, next_attempt_at=None)
        logger.warning(
            "delivery %s (%s to %s) failed after %d attempt(s): %s",
            row.pk,
            row.channel,
            row.target,
            number,
            outcome.error,
        )
    with transaction.atomic():
        DeliveryAttempt.objects.create(
            delivery=row,
            number=number,
            started_at=started,
            finished_at=finished,
            outcome=result,
            status_code=outcome.status_code,
            error=outcome.error,
        )
        Delivery.objects.filter(pk=row.pk, attempts=number).update(**changes)
    return retry_at


def _send(row: Delivery, number: int) -> _Outcome:
    if row.channel == Channel.WEBHOOK:
        return _send_webhook(row, number)
    return _send_email(row)


def _send_email(row: Delivery) -> _Outcome:
    message = row.message
    body = f"{message.body}\n\n{message.url}\n" if message.url else message.body
    email = EmailMessage(
        subject=message.subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[row.target],
        headers={webhooks.DELIVERY_HEADER: str(row.pk)},
    )
    try:
        email.send(fail_silently=False)
    except (smtplib.SMTPException, OSError) as problem:
        return _Outcome(ok=False, retryable=True, error=f"{type(problem).__name__}: {problem}")
    return _Outcome(ok=True, retryable=False)


def _send_webhook(row: Delivery, number: int) -> _Outcome:
    secret = settings.WEBHOOK_SECRET
    if not secret:
        return _Outcome(ok=False, retryable=False, error="TRUSTLEDGER_WEBHOOK_SECRET is not set")
    result = webhooks.post(
        row.target,
        webhooks.encode(webhook_payload(row)),
        secret=secret,
        delivery_id=str(row.pk),
        attempt=number,
        timeout=settings.WEBHOOK_TIMEOUT_SECONDS,
    )
    return _Outcome(
        ok=result.ok,
        retryable=result.retryable,
        status_code=result.status_code,
        error=result.error,
        retry_after_seconds=result.retry_after_seconds,
    )


def webhook_payload(delivery: Delivery) -> dict[str, Any]:
    """The JSON body of a webhook delivery (the same on every attempt)."""
    message = delivery.message
    recipient = message.recipient
    link = f" <{message.url}|Open>" if message.url else ""
    return webhooks.chat_payload(
        text=f"{recipient.name}: {message.subject}{link}",
        title=message.subject,
        body=message.body,
        url=message.url,
        structured={
            "version": 1,
            "delivery_id": str(delivery.pk),
            "message_id": str(message.pk),
            "kind": message.kind,
            "created_at": message.created_at.isoformat(),
            "recipient": {
                "id": str(recipient.pk),
                "name": recipient.name,
                "email": recipient.email,
            },
            "subject": message.subject,
            "body": message.body,
            "url": message.url,
            "data": message.data,
        },
    )


@dataclass
class DeliveryRun:
    """What one pass over the due deliveries did."""

    delivered: int = 0
    retrying: int = 0
    failed: int = 0
    skipped: int = 0
    failures: list[str] = field(default_factory=list)


def deliver_due(
    actor: Actor, now: dt.datetime | None = None, limit: int | None = None
) -> DeliveryRun:
    """Try every delivery that is due now, oldest first (the worker's safety net, and the way
    to deliver without a worker). Returns the counts."""
    _require_system(actor, "message.deliver")
    moment = now or timezone.now()
    ids = list(
        Delivery.objects.filter(_claimable(moment))
        .order_by("next_attempt_at", "created_at")
        .values_list("pk", flat=True)[:limit]
    )
    run = DeliveryRun()
    for pk in ids:
        delivery = attempt_delivery(pk, now=moment)
        if delivery is None:
            run.skipped += 1
        elif delivery.status == DeliveryStatus.DELIVERED:
            run.delivered += 1
        elif delivery.status == DeliveryStatus.FAILED:
            run.failed += 1
            run.failures.append(f"{delivery.channel} to {delivery.target}: {delivery.last_error}")
        else:
            run.retrying += 1
    return run


def failed_deliveries(actor: Actor) -> QuerySet[Delivery]:
    """Deliveries that gave up, newest first (administrators and the system)."""
    _require_system(actor, "message.read_failures")
    return Delivery.objects.filter(status=DeliveryStatus.FAILED).select_related("message")


def retry_failed(
    actor: Actor,
    delivery_ids: Iterable[uuid.UUID | str] | None = None,
    now: dt.datetime | None = None,
) -> int:
    """Give failed deliveries (all, or the ones named) a fresh budget of attempts, due now.

    Their earlier attempts stay recorded. Returns how many were put back in the queue.
    """
    _require_system(actor, "message.retry")
    moment = now or timezone.now()
    failed = Delivery.objects.filter(status=DeliveryStatus.FAILED)
    if delivery_ids is not None:
        wanted = [str(pk) for pk in delivery_ids]
        failed = failed.filter(pk__in=wanted)
    with transaction.atomic():
        rows = list(failed.select_for_update().values_list("pk", "attempts"))
        for pk, attempts in rows:
            Delivery.objects.filter(pk=pk, status=DeliveryStatus.FAILED).update(
                status=DeliveryStatus.PENDING,
                next_attempt_at=moment,
                failed_at=None,
                max_attempts=attempts + settings.WEBHOOK_MAX_ATTEMPTS,
            )
        if rows:
            audit.record(actor, "message.retry", "delivery", "", detail={"deliveries": len(rows)})
        _enqueue_after_commit([pk for pk, _ in rows])
    return len(rows)
