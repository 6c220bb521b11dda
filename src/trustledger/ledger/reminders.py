"""Which reminders are due, computed from the ledger as of a moment, and sending them.

Three kinds (issue 3, item 5):

* ``due_soon`` — to the performer: an accepted commitment falls due within two days.
* ``overdue`` — to the performer: the due date passed with no delivery and no renegotiation
  in time ("renegotiate or deliver"); only while it is at most a week overdue, so a ledger
  imported with years of history does not wake everyone with ancient news.
* ``to_confirm`` — to the requester: a delivery awaits their confirmation (for two weeks).

The state of each commitment is the replay of its events as of that moment
(:func:`trustledger.ledger.lifecycle.replay`), so ``--as-of`` gives the same answer whenever it
is run. Sending is idempotent: each reminder has a key (kind, commitment, due date or delivery
time) that is unique in the message table, so running ``trustledger remind`` twice sends
nothing twice, while a renegotiated due date or a new delivery earns a fresh reminder.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from trustledger.accounts.actors import Actor
from trustledger.audit import services as audit
from trustledger.ledger import lifecycle
from trustledger.ledger.lifecycle import Event, Side, State, Status, Step
from trustledger.ledger.models import Commitment, CommitmentEvent
from trustledger.notify import services as notify
from trustledger.org.models import Person

SOON = dt.timedelta(days=2)
OVERDUE_WINDOW = dt.timedelta(days=7)
TO_CONFIRM_WINDOW = dt.timedelta(days=14)

#: Statuses that end a commitment for good; such a commitment closed before ``as_of`` is skipped.
_FINAL = [Status.DECLINED, Status.CANCELLED, Status.CONFIRMED, Status.RELEASED]


class ReminderKind(enum.StrEnum):
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"
    TO_CONFIRM = "to_confirm"


@dataclass(frozen=True)
class Reminder:
    """One reminder to one person about one commitment."""

    kind: ReminderKind
    commitment: Commitment
    recipient: Person
    #: The due date, or the delivery time for ``to_confirm``: part of the idempotency key.
    moment: dt.datetime
    state: State = field(repr=False, compare=False)

    @property
    def dedupe_key(self) -> str:
        return f"reminder:{self.kind}:{self.commitment.pk}:{self.moment.isoformat()}"


def _candidates(as_of: dt.datetime) -> list[Commitment]:
    """Commitments that may be due soon, overdue or delivered at ``as_of`` (a superset)."""
    closed_before = Q(status__in=_FINAL, closed_at__lte=as_of) | Q(
        status=Status.BROKEN, broken_reason=lifecycle.BrokenReason.WITHDRAWN, closed_at__lte=as_of
    )
    never_agreed = Q(status__in=[Status.PROPOSED, Status.COUNTER_OFFERED, Status.DECLINED])
    return list(
        Commitment.objects.filter(created_at__lte=as_of)
        .exclude(closed_before | never_agreed)
        .select_related("performer", "requester")
        .order_by("due_at", "pk")
    )


def _events_by_commitment(ids: list[uuid.UUID]) -> dict[uuid.UUID, list[Event]]:
    """Every event of the given commitments as lifecycle events, in one query."""
    events: dict[uuid.UUID, list[Event]] = defaultdict(list)
    rows = (
        CommitmentEvent.objects.filter(commitment_id__in=ids)
        .order_by("commitment_id", "seq")
        .values_list("commitment_id", "step", "side", "at", "payload")
    )
    for commitment_id, step, side, at, payload in rows.iterator(chunk_size=5000):
        terms = lifecycle.terms_from_payload(payload) if payload.get("due_at") else None
        events[commitment_id].append(Event(Step(step), Side(side) if side else None, at, terms))
    return events


def _reachable(person: Person, as_of: dt.datetime) -> bool:
    """Reminders go to people in the organisation who have not left."""
    return not person.is_external and person.is_active_on(timezone.localdate(as_of))


def due_reminders(as_of: dt.datetime | None = None) -> list[Reminder]:
    """Every reminder due at ``as_of`` (default now), whether or not it was already sent."""
    moment = as_of or timezone.now()
    candidates = _candidates(moment)
    events = _events_by_commitment([c.pk for c in candidates])
    reminders: list[Reminder] = []
    for commitment in candidates:
        history = events.get(commitment.pk)
        if not history or history[0].at > moment:
            continue
        state = lifecycle.replay(history, moment)
        reminder = _reminder_for(commitment, state, moment)
        if reminder is not None and _reachable(reminder.recipient, moment):
            reminders.append(reminder)
    return reminders


def _reminder_for(commitment: Commitment, state: State, as_of: dt.datetime) -> Reminder | None:
    due = state.terms.due_at
    if state.status is Status.ACCEPTED and as_of < due <= as_of + SOON:
        return Reminder(ReminderKind.DUE_SOON, commitment, commitment.performer, due, state)
    if state.due_passed_unkept and as_of - due <= OVERDUE_WINDOW:
        return Reminder(ReminderKind.OVERDUE, commitment, commitment.performer, due, state)
    if (
        state.status is Status.DELIVERED
        and state.delivered_at is not None
        and as_of - state.delivered_at <= TO_CONFIRM_WINDOW
    ):
        return Reminder(
            ReminderKind.TO_CONFIRM, commitment, commitment.requester, state.delivered_at, state
        )
    return None


def commitment_url(commitment_id: object) -> str:
    """The absolute address of a commitment's page (for e-mail, chat and calendars)."""
    return f"{settings.SITE_URL}/commitments/{commitment_id}/"


def _when(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%a %d %b %Y, %H:%M %Z")


def compose(reminder: Reminder) -> tuple[str, str]:
    """The subject and plain-text body of a reminder."""
    commitment, terms = reminder.commitment, reminder.state.terms
    what, done = terms.what, terms.done_means
    if reminder.kind is ReminderKind.DUE_SOON:
        return (
            f"Due soon: {what}",
            f"You promised {commitment.requester.name} “{what}” by {_when(terms.due_at)}.\n"
            f"Done means: {done}\n\n"
            "Deliver it, or if it will not be ready, renegotiate now, while that still counts "
            "as in time.",
        )
    if reminder.kind is ReminderKind.OVERDUE:
        return (
            f"Overdue: renegotiate or deliver — {what}",
            f"“{what}”, promised to {commitment.requester.name}, was due "
            f"{_when(terms.due_at)} and has not been delivered.\n"
            f"Done means: {done}\n\n"
            "Deliver it now, or propose new terms: saying so openly keeps trust better than "
            "silence.",
        )
    delivered = reminder.state.delivered_at or reminder.moment
    return (
        f"Delivery awaiting your confirmation: {what}",
        f"{commitment.performer.name} delivered “{what}” on {_when(delivered)}.\n"
        f"Done means: {done}\n\n"
        "Confirm it if it is done, or dispute it and say what is missing.",
    )


@dataclass
class RemindRun:
    """What one ``trustledger remind`` did."""

    as_of: dt.datetime
    due: int = 0
    sent: int = 0
    already_sent: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)


def send_reminders(actor: Actor, as_of: dt.datetime | None = None) -> RemindRun:
    """Record (and queue for delivery) every due reminder not sent before. Idempotent.

    Each message is written in its own short transaction with its deliveries; the worker
    delivers after the commit. System and administrators only.
    """
    if not actor.is_admin:
        audit.deny(actor, "reminders.send", "reminder", "", "only the system sends reminders")
    moment = as_of or timezone.now()
    run = RemindRun(as_of=moment)
    for reminder in due_reminders(moment):
        run.due += 1
        subject, body = compose(reminder)
        with transaction.atomic():
            _, created = notify.send(
                actor,
                recipient=reminder.recipient,
                kind=f"reminder.{reminder.kind}",
                subject=subject,
                body=body,
                url=commitment_url(reminder.commitment.pk),
                data={
                    "reminder": reminder.kind.value,
                    "commitment_id": str(reminder.commitment.pk),
                    "what": reminder.state.terms.what,
                    "done_means": reminder.state.terms.done_means,
                    "due_at": reminder.state.terms.due_at.isoformat(),
                    "status": reminder.state.status.value,
                    "performer": reminder.commitment.performer.name,
                    "requester": reminder.commitment.requester.name,
                },
                about_type="commitment",
                about_id=reminder.commitment.pk,
                dedupe_key=reminder.dedupe_key,
                now=moment,
            )
        if created:
            run.sent += 1
            run.by_kind[reminder.kind.value] = run.by_kind.get(reminder.kind.value, 0) + 1
        else:
            run.already_sent += 1
    audit.record(
        actor,
        "reminders.send",
        "reminder",
        "",
        detail={"as_of": moment.isoformat(), "sent": run.sent, "already_sent": run.already_sent},
    )
    return run
