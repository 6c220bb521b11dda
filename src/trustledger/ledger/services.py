"""Commitment use cases: propose, take a step, read, list, sweep. Each checks the actor.

The stored events are the truth; the cached columns on :class:`Commitment` are the replay of those
events (:func:`trustledger.ledger.lifecycle.replay`), written in the same transaction as each event.
Time matters ("broken as of"): :func:`effective_status` settles the due-date rule at any moment.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from trustledger.accounts.actors import Actor
from trustledger.audit import services as audit
from trustledger.ledger import lifecycle
from trustledger.ledger.lifecycle import BrokenReason, Event, IllegalStep, Side, State, Status, Step
from trustledger.ledger.models import (
    Commitment,
    CommitmentEvent,
    CommitmentWitness,
    Origin,
    Stakes,
    Visibility,
)
from trustledger.org.models import Person

WHAT_MAX = 300


class StepRefused(IllegalStep):
    """A step the acting person may not take now; ``allowed`` lists the ones they may."""


# --- reading ---------------------------------------------------------------------------------


def side_of(actor: Actor, commitment: Commitment) -> Side | None:
    """Which side of ``commitment`` the actor is on, if any."""
    person = actor.person
    if person is None:
        return None
    if person.pk == commitment.performer_id:
        return Side.PERFORMER
    if person.pk == commitment.requester_id:
        return Side.REQUESTER
    return None


def can_see(actor: Actor, commitment: Commitment) -> bool:
    """Parties and witnesses always; their teams for team visibility; everyone for public.

    HR and administrators get no special view of private commitments (PRODUCT.md: private by
    default, never surveillance); the system (command line) sees everything.
    """
    if actor.is_system or commitment.visibility == Visibility.PUBLIC:
        return True
    person = actor.person
    if person is None:
        return False
    if person.pk in (commitment.performer_id, commitment.requester_id):
        return True
    if CommitmentWitness.objects.filter(commitment=commitment, person=person).exists():
        return True
    if commitment.visibility == Visibility.TEAM and person.team_id is not None:
        return person.team_id in (commitment.performer.team_id, commitment.requester.team_id)
    return False


def get_commitment(actor: Actor, commitment_id: uuid.UUID | str) -> Commitment:
    """One commitment, if the actor may see it; otherwise 404 (its existence is private too).

    Reads by anyone other than the two parties are audited, and so are refusals.
    """
    try:
        commitment = Commitment.objects.select_related("performer", "requester", "customer").get(
            pk=commitment_id
        )
    except (Commitment.DoesNotExist, ValidationError, ValueError):
        raise Http404(f"no commitment with id {commitment_id}") from None
    if not can_see(actor, commitment):
        audit.record(actor, "commitment.read", "commitment", commitment.pk, allowed=False)
        raise Http404(f"no commitment with id {commitment_id}")
    if side_of(actor, commitment) is None and not actor.is_system:
        audit.record(actor, "commitment.read", "commitment", commitment.pk)
    return commitment


def events_of(commitment: Commitment) -> list[Event]:
    """The commitment's events as lifecycle events, in order."""
    rows = CommitmentEvent.objects.filter(commitment=commitment).order_by("seq")
    return [_as_event(row) for row in rows]


def _as_event(row: CommitmentEvent) -> Event:
    terms = None
    if row.payload.get("due_at"):
        terms = lifecycle.terms_from_payload(row.payload)
    return Event(Step(row.step), Side(row.side) if row.side else None, row.at, terms)


def state_of(commitment: Commitment, as_of: dt.datetime | None = None) -> State:
    """The replay of the commitment's events, settled at ``as_of`` (default: its last event)."""
    return lifecycle.replay(events_of(commitment), as_of)


def effective_status(commitment: Commitment, at: dt.datetime | None = None) -> Status:
    """The status at ``at`` (default now) from the cached columns: an accepted commitment past
    its due date with no in-time renegotiation pending is broken, recorded or not."""
    status = Status(commitment.status)
    moment = at or timezone.now()
    if (
        status is Status.ACCEPTED
        and moment > commitment.due_at
        and not (commitment.pending_due_at is not None and commitment.pending_in_time)
    ):
        return Status.BROKEN
    return status


@dataclass(frozen=True)
class TimelineEntry:
    """One event with the terms it proposed (``terms``) and the terms in force before it."""

    event: CommitmentEvent
    terms: lifecycle.Terms | None
    before: lifecycle.Terms | None
    note: str


def timeline(actor: Actor, commitment: Commitment | uuid.UUID | str) -> list[TimelineEntry]:
    """Every event of a commitment the actor may see, oldest first, with terms before → after.

    ``propose``, ``counter`` and ``renegotiate`` carry terms; a counter-offer replaces the
    proposal's terms, a renegotiation's terms take over once they are accepted. Pass the
    commitment from :func:`get_commitment` to avoid reading (and auditing) it twice.
    """
    if not (isinstance(commitment, Commitment) and can_see(actor, commitment)):
        pk = commitment.pk if isinstance(commitment, Commitment) else commitment
        commitment = get_commitment(actor, pk)
    events = CommitmentEvent.objects.filter(commitment=commitment).select_related("actor")
    entries: list[TimelineEntry] = []
    current: lifecycle.Terms | None = None
    pending: lifecycle.Terms | None = None
    for event in events.order_by("seq"):
        step = Step(event.step)
        proposed = (
            lifecycle.terms_from_payload(event.payload) if event.payload.get("due_at") else None
        )
        before: lifecycle.Terms | None = None
        shown = proposed
        if step in (Step.PROPOSE, Step.COUNTER):
            before, current = (current if step is Step.COUNTER else None), proposed
        elif step is Step.RENEGOTIATE:
            before, pending = current, proposed
        elif step is Step.ACCEPT_RENEGOTIATION and pending is not None:
            before, shown, current, pending = current, pending, pending, None
        elif step in (Step.REJECT_RENEGOTIATION, Step.DELIVER, Step.RELEASE, Step.WITHDRAW):
            pending = None
        entries.append(TimelineEntry(event, shown, before, str(event.payload.get("note", ""))))
    return entries


def steps_for(actor: Actor, commitment: Commitment, at: dt.datetime | None = None) -> list[str]:
    """The steps the actor may take now (empty for anyone but the two parties)."""
    side = side_of(actor, commitment)
    if side is None:
        return []
    allowed = lifecycle.allowed_steps(state_of(commitment), side, at or timezone.now())
    return sorted(step.value for step in allowed)


@dataclass
class MyCommitments:
    """A person's commitments, as the "my commitments" page groups them."""

    given: QuerySet[Commitment]
    received: QuerySet[Commitment]
    to_confirm: QuerySet[Commitment]
    due_soon: QuerySet[Commitment]
    overdue: QuerySet[Commitment]
    awaiting_my_answer: QuerySet[Commitment]


def _overdue_q(now: dt.datetime) -> Q:
    unkept = Q(status=Status.ACCEPTED, due_at__lt=now) & ~Q(
        pending_due_at__isnull=False, pending_in_time=True
    )
    return unkept | Q(status=Status.BROKEN, broken_reason=BrokenReason.DUE_PASSED)


def my_commitments(
    actor: Actor, *, as_of: dt.datetime | None = None, soon_days: int = 2
) -> MyCommitments:
    """The acting person's commitments: given, received, to confirm, due soon, overdue."""
    person = actor.person
    base = Commitment.objects.select_related("performer", "requester").order_by("due_at")
    if person is None:
        none = base.none()
        return MyCommitments(none, none, none, none, none, none)
    now = as_of or timezone.now()
    given = base.filter(performer=person)
    received = base.filter(requester=person)
    mine = Q(performer=person) | Q(requester=person)
    return MyCommitments(
        given=given,
        received=received,
        to_confirm=received.filter(status=Status.DELIVERED),
        due_soon=given.filter(
            status=Status.ACCEPTED, due_at__gte=now, due_at__lte=now + dt.timedelta(days=soon_days)
        ),
        overdue=given.filter(_overdue_q(now)),
        awaiting_my_answer=base.filter(mine)
        .filter(status__in=[Status.PROPOSED, Status.COUNTER_OFFERED])
        .filter(
            Q(performer=person, awaiting=Side.PERFORMER)
            | Q(requester=person, awaiting=Side.REQUESTER)
        ),
    )


# --- writing ---------------------------------------------------------------------------------


def _person(person_id: uuid.UUID | str | Person, field: str) -> Person:
    if isinstance(person_id, Person):
        return person_id
    try:
        return Person.objects.get(pk=person_id)
    except (Person.DoesNotExist, ValidationError, ValueError):
        raise ValidationError({field: f"no person with id {person_id}"}) from None


def _choice(value: str, choices: type[Stakes] | type[Visibility] | type[Origin], field: str) -> str:
    if value not in choices.values:
        raise ValidationError({field: f"{value!r} is not one of {', '.join(choices.values)}"})
    return value


def _aware(value: dt.datetime, field: str) -> dt.datetime:
    if not isinstance(value, dt.datetime):
        raise ValidationError({field: "give a date and time"})
    if timezone.is_naive(value):
        raise ValidationError({field: "give a time zone (for example 2026-03-01T17:00:00+00:00)"})
    return value


def validate_terms(
    what: str, done_means: str, due_at: dt.datetime, at: dt.datetime
) -> lifecycle.Terms:
    """Checked terms proposed at ``at``; ``ValidationError`` names each bad field."""
    errors: dict[str, str] = {}
    what, done_means = (what or "").strip(), (done_means or "").strip()
    if not what:
        errors["what"] = "say what is promised"
    elif len(what) > WHAT_MAX:
        errors["what"] = f"at most {WHAT_MAX} characters (got {len(what)})"
    if not done_means:
        errors["done_means"] = "say what done means, so both sides can tell when it is kept"
    due_at = _aware(due_at, "due_at")
    if due_at <= at:
        errors["due_at"] = f"the due date must be after {at.isoformat(timespec='minutes')}"
    if errors:
        raise ValidationError(errors)
    return lifecycle.Terms(what=what, done_means=done_means, due_at=due_at)


def cache_state(commitment: Commitment, state: State) -> None:
    """Copy a replayed state into the commitment's cached columns (the caller saves)."""
    commitment.status = state.status.value
    commitment.what = state.terms.what
    commitment.done_means = state.terms.done_means
    commitment.due_at = state.terms.due_at
    commitment.proposed_by = state.proposed_by.value
    commitment.awaiting = state.awaiting.value if state.awaiting else ""
    commitment.pending_due_at = state.pending_terms.due_at if state.pending_terms else None
    commitment.pending_in_time = state.pending_in_time
    commitment.renegotiated_in_time = state.renegotiated_in_time
    commitment.renegotiated_late = state.renegotiated_late
    commitment.accepted_at = state.accepted_at
    commitment.delivered_at = state.delivered_at
    commitment.delivered_on_time = state.delivered_on_time
    commitment.closed_at = state.closed_at
    commitment.broken_reason = state.broken_reason.value if state.broken_reason else ""
    commitment.broken_recorded = state.broken_recorded


def event_payload(event: Event, note: str = "") -> dict[str, Any]:
    """What an event row stores besides step, side and time."""
    payload: dict[str, Any] = lifecycle.terms_to_payload(event.terms) if event.terms else {}
    if note:
        payload["note"] = note
    return payload


def propose(
    actor: Actor,
    *,
    performer_id: uuid.UUID | str | Person,
    requester_id: uuid.UUID | str | Person,
    what: str,
    done_means: str,
    due_at: dt.datetime,
    stakes: str = Stakes.ROUTINE,
    visibility: str = Visibility.PARTIES,
    origin: str = Origin.OTHER,
    witness_ids: Iterable[uuid.UUID | str] = (),
    customer_id: uuid.UUID | str | None = None,
    at: dt.datetime | None = None,
    proposer_side: str | None = None,
    note: str = "",
) -> Commitment:
    """Propose a commitment: "I promise you …" (performer) or "Will you …?" (requester).

    The acting person must be one of the two parties; HR and the system may record one on
    someone's behalf with ``proposer_side``. Returns the new commitment, awaiting the other side.
    """
    performer = _person(performer_id, "performer_id")
    requester = _person(requester_id, "requester_id")
    own = actor.person
    if own is not None and own.pk == performer.pk:
        side = Side.PERFORMER
    elif own is not None and own.pk == requester.pk:
        side = Side.REQUESTER
    elif proposer_side and (actor.is_system or actor.manages_people):
        side = Side(proposer_side)
    else:
        audit.deny(
            actor,
            "commitment.propose",
            "person",
            performer.pk,
            "you can only propose commitments you give or receive",
        )
    if not actor.can_write():
        audit.deny(actor, "commitment.propose", "person", performer.pk, "this token is read-only")
    if performer.pk == requester.pk:
        raise ValidationError({"requester_id": "a commitment needs two different people"})
    when = at or timezone.now()
    terms = validate_terms(what, done_means, due_at, when)
    stakes = _choice(stakes, Stakes, "stakes")
    visibility = _choice(visibility, Visibility, "visibility")
    origin = _choice(origin, Origin, "origin")
    witnesses = [_person(w, "witness_ids") for w in dict.fromkeys(witness_ids)]
    if any(w.pk in (performer.pk, requester.pk) for w in witnesses):
        raise ValidationError({"witness_ids": "a witness is someone other than the two parties"})
    customer = _person(customer_id, "customer_id") if customer_id else None
    if customer is not None and not customer.is_external:
        raise ValidationError({"customer_id": f"{customer.name} is not an external counterpart"})

    event = Event(Step.PROPOSE, side, when, terms)
    state = lifecycle.start(event)
    with transaction.atomic():
        commitment = Commitment(
            performer=performer,
            requester=requester,
            customer=customer,
            stakes=stakes,
            visibility=visibility,
            origin=origin,
            created_at=when,
            event_count=1,
        )
        cache_state(commitment, state)
        commitment.save()
        CommitmentWitness.objects.bulk_create(
            CommitmentWitness(commitment=commitment, person=w) for w in witnesses
        )
        CommitmentEvent.objects.create(
            commitment=commitment,
            seq=1,
            step=Step.PROPOSE,
            side=side,
            actor=own,
            at=when,
            payload=event_payload(event, note),
        )
        audit.record(actor, "commitment.propose", "commitment", commitment.pk)
    return commitment


def take_step(
    actor: Actor,
    commitment_id: uuid.UUID | str,
    step: str,
    *,
    what: str | None = None,
    done_means: str | None = None,
    due_at: dt.datetime | None = None,
    note: str = "",
    at: dt.datetime | None = None,
) -> Commitment:
    """Take one step (accept, deliver, confirm, renegotiate, …) as the acting person's side.

    Raises :class:`StepRefused` (with the allowed steps) when the step is not legal now or not
    for this side; ``PermissionDenied`` for anyone but the two parties.
    """
    try:
        wanted = Step(step)
    except ValueError:
        raise ValidationError(
            {"step": f"unknown step {step!r}; steps are {', '.join(s.value for s in Step)}"}
        ) from None
    commitment = get_commitment(actor, commitment_id)
    side = side_of(actor, commitment)
    if side is None:
        audit.deny(
            actor,
            f"commitment.{wanted.value}",
            "commitment",
            commitment.pk,
            "only the two parties take steps on a commitment",
        )
    if not actor.can_write():
        audit.deny(
            actor, f"commitment.{wanted.value}", "commitment", commitment.pk, "read-only token"
        )
    with transaction.atomic():
        locked = Commitment.objects.select_for_update().get(pk=commitment.pk)
        return _record(actor, locked, wanted, side, at, what, done_means, due_at, note)


def _record(
    actor: Actor,
    commitment: Commitment,
    step: Step,
    side: Side | None,
    at: dt.datetime | None,
    what: str | None,
    done_means: str | None,
    due_at: dt.datetime | None,
    note: str,
) -> Commitment:
    """Append one event and refresh the cache; the caller holds the row lock."""
    events = events_of(commitment)
    when = at or timezone.now()
    if events and when < events[-1].at:
        raise ValidationError({"at": "steps are recorded in time order"})
    state = lifecycle.replay(events)
    terms = None
    if step in (Step.COUNTER, Step.RENEGOTIATE):
        current = state.terms
        terms = validate_terms(
            what if what is not None else current.what,
            done_means if done_means is not None else current.done_means,
            due_at if due_at is not None else current.due_at,
            when,
        )
    event = Event(step, side, when, terms)
    try:
        new_state = lifecycle.apply(state, event)
    except IllegalStep as refused:
        raise StepRefused(step, side, refused.state, refused.allowed) from None
    commitment.event_count += 1
    CommitmentEvent.objects.create(
        commitment=commitment,
        seq=commitment.event_count,
        step=step,
        side=side.value if side else "",
        actor=actor.person,
        at=when,
        payload=event_payload(event, note),
    )
    cache_state(commitment, new_state)
    commitment.save()
    audit.record(actor, f"commitment.{step.value}", "commitment", commitment.pk)
    return commitment


def sweep(actor: Actor, as_of: dt.datetime | None = None) -> int:
    """Record ``mark_broken`` for every commitment whose due date passed unkept by ``as_of``.

    Optional: figures are right without it (the due-date rule is applied at read time); it makes
    the break visible in the timeline. Safe to run repeatedly. System and admins only.
    """
    if not actor.is_admin:
        audit.deny(actor, "commitment.sweep", "commitment", "", "only administrators sweep")
    now = as_of or timezone.now()
    ids = list(
        Commitment.objects.filter(status=Status.ACCEPTED, due_at__lt=now)
        .exclude(pending_due_at__isnull=False, pending_in_time=True)
        .values_list("pk", flat=True)
    )
    marked = 0
    for pk in ids:
        with transaction.atomic():
            commitment = Commitment.objects.select_for_update().get(pk=pk)
            events = events_of(commitment)
            if events[-1].at > now:
                continue  # something happened after ``as_of``; that moment has passed
            state = lifecycle.replay(events)
            if Step.MARK_BROKEN in lifecycle.allowed_steps(state, None, now):
                _record(actor, commitment, Step.MARK_BROKEN, None, now, None, None, None, "")
                marked += 1
    return marked
