"""The commitment lifecycle as a pure state machine: ``replay(events, as_of) -> State``.

No database here: the services store events and a cached copy of the state; this module says
which step is legal for whom and what state a sequence of events leads to. The stored state must
always equal a replay of the stored events (tests/ledger/test_lifecycle_stateful.py).

    proposed ─accept→ accepted            (by the side that did not propose)
             ─decline→ declined
             ─counter→ counter_offered ─accept/decline/counter→ …   (sides alternate)
             ─cancel→ cancelled          (the proposer takes it back before an answer)
    accepted ─deliver→ delivered ─confirm→ confirmed
                                 ─dispute→ disputed ─deliver→ delivered
             ─renegotiate→ (pending) ─accept_renegotiation→ accepted, new terms
                                     ─reject_renegotiation→ accepted, old terms
             ─release→ released          (by the requester)
             ─withdraw→ broken           (by the performer: final)
             due passes with no delivery and no in-time renegotiation pending → broken
    broken (due passed) ─deliver→ delivered late;  ─renegotiate (late)→ accepted again
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any


class Status(enum.StrEnum):
    PROPOSED = "proposed"
    COUNTER_OFFERED = "counter_offered"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    DELIVERED = "delivered"
    CONFIRMED = "confirmed"
    DISPUTED = "disputed"
    RELEASED = "released"
    BROKEN = "broken"
    CANCELLED = "cancelled"


class Side(enum.StrEnum):
    PERFORMER = "performer"
    REQUESTER = "requester"

    @property
    def other(self) -> Side:
        return Side.REQUESTER if self is Side.PERFORMER else Side.PERFORMER


class Step(enum.StrEnum):
    """Everything that can happen to a commitment; each is one append-only event."""

    PROPOSE = "propose"
    CANCEL = "cancel"
    ACCEPT = "accept"
    DECLINE = "decline"
    COUNTER = "counter"
    DELIVER = "deliver"
    CONFIRM = "confirm"
    DISPUTE = "dispute"
    RENEGOTIATE = "renegotiate"
    ACCEPT_RENEGOTIATION = "accept_renegotiation"
    REJECT_RENEGOTIATION = "reject_renegotiation"
    RELEASE = "release"
    WITHDRAW = "withdraw"
    #: Recorded by the system (``trustledger sweep``) once the due date has passed unkept; the
    #: replay reaches the same state without it, so recording it never changes a figure.
    MARK_BROKEN = "mark_broken"


class BrokenReason(enum.StrEnum):
    WITHDRAWN = "withdrawn"
    DUE_PASSED = "due_passed"


@dataclass(frozen=True)
class Terms:
    """What is promised: what done means and by when."""

    what: str
    done_means: str
    due_at: dt.datetime


@dataclass(frozen=True)
class Event:
    """One step taken: by which side (``None`` = the system), when, and its payload."""

    step: Step
    side: Side | None
    at: dt.datetime
    terms: Terms | None = None  # for propose, counter, renegotiate


@dataclass(frozen=True)
class State:
    status: Status
    terms: Terms
    proposed_by: Side
    #: Whose move it is while proposed / counter-offered (the side that must answer).
    awaiting: Side | None = None
    #: A renegotiation proposed by the performer and not yet answered.
    pending_terms: Terms | None = None
    pending_in_time: bool = False
    renegotiated_in_time: int = 0
    renegotiated_late: int = 0
    accepted_at: dt.datetime | None = None
    delivered_at: dt.datetime | None = None
    delivered_on_time: bool | None = None
    closed_at: dt.datetime | None = None
    broken_reason: BrokenReason | None = None
    #: Whether the system has recorded (``mark_broken``) the break that settle() derives.
    broken_recorded: bool = False
    history: tuple[Step, ...] = field(default=(), repr=False)

    @property
    def is_open(self) -> bool:
        """Something can still happen: not declined, cancelled, confirmed, released or withdrawn."""
        if self.status is Status.BROKEN:
            return self.broken_reason is BrokenReason.DUE_PASSED
        return self.status not in (
            Status.DECLINED,
            Status.CANCELLED,
            Status.CONFIRMED,
            Status.RELEASED,
        )

    @property
    def due_passed_unkept(self) -> bool:
        return self.status is Status.BROKEN and self.broken_reason is BrokenReason.DUE_PASSED


class IllegalStep(Exception):
    """A step that is not allowed now, or not for this side. Carries the steps that are."""

    def __init__(self, step: Step, side: Side | None, state: State, allowed: Iterable[Step]):
        self.step, self.side, self.state = step, side, state
        self.allowed = sorted(allowed)
        who = side.value if side else "the system"
        options = ", ".join(s.value for s in self.allowed) or "nothing (it is closed)"
        super().__init__(
            f"{step.value} is not allowed for the {who} while the commitment is "
            f"{state.status.value}; allowed now: {options}"
        )


def allowed_steps(state: State, side: Side | None, at: dt.datetime) -> set[Step]:
    """The steps ``side`` may take at ``at`` (``None`` = the system)."""
    state = settle(state, at)
    status = state.status
    if side is None:
        recordable = state.due_passed_unkept and not state.broken_recorded
        return {Step.MARK_BROKEN} if recordable else set()
    steps: set[Step] = set()
    if status in (Status.PROPOSED, Status.COUNTER_OFFERED):
        if side is state.awaiting:
            steps |= {Step.DECLINE, Step.COUNTER}
            if at <= state.terms.due_at:  # past-due terms need a counter-offer with a new date
                steps.add(Step.ACCEPT)
        else:
            steps.add(Step.CANCEL)
    elif status is Status.ACCEPTED or state.due_passed_unkept:
        if side is Side.PERFORMER:
            steps.add(Step.DELIVER)
            if state.pending_terms is None:
                steps.add(Step.RENEGOTIATE)
            if status is Status.ACCEPTED:
                steps.add(Step.WITHDRAW)
        else:
            if state.pending_terms is not None:
                steps.add(Step.REJECT_RENEGOTIATION)
                if at <= state.pending_terms.due_at:
                    steps.add(Step.ACCEPT_RENEGOTIATION)
            if status is Status.ACCEPTED:
                steps.add(Step.RELEASE)
    elif status is Status.DELIVERED:
        if side is Side.REQUESTER:
            steps |= {Step.CONFIRM, Step.DISPUTE}
    elif status is Status.DISPUTED:
        steps |= {Step.DELIVER} if side is Side.PERFORMER else {Step.CONFIRM, Step.RELEASE}
    return steps


def settle(state: State, at: dt.datetime) -> State:
    """Apply the due-date rule at ``at``: an accepted commitment whose due date has passed,
    undelivered and with no renegotiation proposed in time still pending, is broken as of its
    due date. Deterministic: no clock, no cron."""
    if (
        state.status is Status.ACCEPTED
        and at > state.terms.due_at
        and not (state.pending_terms is not None and state.pending_in_time)
    ):
        return replace(
            state,
            status=Status.BROKEN,
            closed_at=state.terms.due_at,
            broken_reason=BrokenReason.DUE_PASSED,
        )
    return state


def start(event: Event) -> State:
    """The state right after the first event, which must be a proposal."""
    if event.step is not Step.PROPOSE or event.terms is None or event.side is None:
        raise ValueError("a commitment starts with a proposal carrying its terms")
    return State(
        status=Status.PROPOSED,
        terms=event.terms,
        proposed_by=event.side,
        awaiting=event.side.other,
        history=(Step.PROPOSE,),
    )


def apply(state: State, event: Event) -> State:
    """The state after ``event``; raises :class:`IllegalStep` if it is not allowed."""
    state = settle(state, event.at)
    allowed = allowed_steps(state, event.side, event.at)
    if event.step not in allowed:
        raise IllegalStep(event.step, event.side, state, allowed)
    if event.step in (Step.COUNTER, Step.RENEGOTIATE) and event.terms is None:
        raise ValueError(f"{event.step.value} needs new terms")
    changed = replace(state, history=(*state.history, event.step), **_changes(state, event))
    return settle(changed, event.at)


def _changes(state: State, event: Event) -> dict[str, Any]:
    """The fields ``event`` changes in ``state`` (already settled and checked as allowed)."""
    at, step = event.at, event.step
    reopened = {"broken_reason": None, "broken_recorded": False, "closed_at": None}
    if step is Step.MARK_BROKEN:
        return {"broken_recorded": True}
    if step is Step.ACCEPT:
        return {"status": Status.ACCEPTED, "awaiting": None, "accepted_at": at}
    if step is Step.DECLINE:
        return {"status": Status.DECLINED, "awaiting": None, "closed_at": at}
    if step is Step.CANCEL:
        return {"status": Status.CANCELLED, "awaiting": None, "closed_at": at}
    if step is Step.COUNTER:
        assert event.side is not None
        return {
            "status": Status.COUNTER_OFFERED,
            "terms": event.terms,
            "awaiting": event.side.other,
        }
    if step is Step.DELIVER:
        return {
            **reopened,
            "status": Status.DELIVERED,
            "delivered_at": at,
            "delivered_on_time": at <= state.terms.due_at,
            "pending_terms": None,
            "pending_in_time": False,
        }
    if step is Step.CONFIRM:
        return {"status": Status.CONFIRMED, "closed_at": at}
    if step is Step.DISPUTE:
        return {"status": Status.DISPUTED}
    if step is Step.RENEGOTIATE:
        return {"pending_terms": event.terms, "pending_in_time": at <= state.terms.due_at}
    if step is Step.ACCEPT_RENEGOTIATION:
        counter = "renegotiated_in_time" if state.pending_in_time else "renegotiated_late"
        return {
            **reopened,
            "status": Status.ACCEPTED,
            "terms": state.pending_terms,
            "pending_terms": None,
            "pending_in_time": False,
            counter: getattr(state, counter) + 1,
        }
    if step is Step.REJECT_RENEGOTIATION:
        return {"pending_terms": None, "pending_in_time": False}
    if step is Step.RELEASE:
        return {"status": Status.RELEASED, "closed_at": at, "pending_terms": None}
    if step is Step.WITHDRAW:
        return {
            "status": Status.BROKEN,
            "closed_at": at,
            "broken_reason": BrokenReason.WITHDRAWN,
            "pending_terms": None,
        }
    raise AssertionError(f"unhandled step {step}")  # every Step is handled above


def replay(events: Iterable[Event], as_of: dt.datetime | None = None) -> State:
    """The state after ``events`` (in order), settled at ``as_of`` when given.

    Events after ``as_of`` are ignored, so "what was the state on 1 March?" has one answer.
    """
    state: State | None = None
    last: dt.datetime | None = None
    for event in events:
        if as_of is not None and event.at > as_of:
            break
        state = start(event) if state is None else apply(state, event)
        last = event.at
    if state is None:
        raise ValueError("no events")
    when = as_of or last
    assert when is not None
    return settle(state, when)


def terms_to_payload(terms: Terms) -> dict[str, str]:
    return {"what": terms.what, "done_means": terms.done_means, "due_at": terms.due_at.isoformat()}


def terms_from_payload(payload: Mapping[str, Any]) -> Terms:
    return Terms(
        what=str(payload["what"]),
        done_means=str(payload["done_means"]),
        due_at=dt.datetime.fromisoformat(str(payload["due_at"])),
    )
