"""Commitments (promises given and received), their timelines and steps; follow-through figures.

Every handler: parse → ``Actor.from_request`` → one service call → schema. Who may see or do what
lives in :mod:`trustledger.ledger.services` and :mod:`trustledger.ledger.figures`. A commitment
the caller may not see answers 404 (its existence is private too); a step that is not allowed now
answers 409 with the steps that are.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any, Literal

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema, Status
from pydantic import AfterValidator, Field

from trustledger.accounts.actors import Actor
from trustledger.api.errors import COMMON_ERRORS, OBJECT_ERRORS
from trustledger.api.schemas import Limit, Offset, Page, PersonRef, Text, page_of
from trustledger.ledger import figures, services
from trustledger.ledger.lifecycle import Terms
from trustledger.ledger.models import Commitment

router = Router(tags=["commitments"])

StakesIn = Literal["routine", "significant", "career"]
VisibilityIn = Literal["parties", "team", "public"]
OriginIn = Literal[
    "one_on_one",
    "meeting",
    "expectation",
    "progression_plan",
    "open_request",
    "assessment",
    "other",
]
StatusName = Literal[
    "proposed",
    "counter_offered",
    "accepted",
    "declined",
    "delivered",
    "confirmed",
    "disputed",
    "released",
    "broken",
    "cancelled",
]
#: Every step a person can ask for (``propose`` is ``POST /commitments``; ``mark_broken`` is
#: the system's and is refused with 409 like any other step that is not allowed).
StepName = Literal[
    "accept",
    "decline",
    "counter",
    "cancel",
    "deliver",
    "confirm",
    "dispute",
    "renegotiate",
    "accept_renegotiation",
    "reject_renegotiation",
    "release",
    "withdraw",
    "mark_broken",
]

#: Dates outside this range are refused (they cannot be stored on every database in UTC).
_EARLIEST = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_LATEST = dt.datetime(9000, 1, 1, tzinfo=dt.UTC)


def _storable_moment(value: dt.datetime) -> dt.datetime:
    """Refuse moments no database stores sanely; a moment without a zone is read as UTC."""
    aware = value if timezone.is_aware(value) else value.replace(tzinfo=dt.UTC)
    try:
        in_range = _EARLIEST <= aware <= _LATEST
    except OverflowError:  # an offset that pushes the moment past year 1 or 9999
        in_range = False
    if not in_range:
        raise ValueError("must be between 1970 and 9000")
    return aware


#: A date and time with a time zone (``2026-12-01T17:00:00+01:00``); without one it is UTC.
Moment = Annotated[dt.datetime, AfterValidator(_storable_moment)]


# --- schemas -----------------------------------------------------------------------------------


class TermsOut(Schema):
    """What is promised: ``what``, what ``done_means``, and by when (``due_at``)."""

    what: str
    done_means: str
    due_at: dt.datetime


class CommitmentOut(Schema):
    """A commitment: ``performer`` promised ``requester`` ``what``, done when ``done_means``.

    ``status`` is the recorded state; ``status_now`` applies the due-date rule at the moment of
    the request (an accepted commitment past its due date, undelivered, is ``broken``).
    """

    id: uuid.UUID
    performer: PersonRef
    requester: PersonRef
    customer: PersonRef | None
    what: str
    done_means: str
    due_at: dt.datetime
    stakes: str
    visibility: str
    origin: str
    status: str
    status_now: str
    proposed_by: str
    awaiting: str = Field(description="the side that must answer a proposal; empty otherwise")
    pending_due_at: dt.datetime | None = Field(
        description="the due date of a renegotiation not yet answered"
    )
    renegotiated_in_time: int
    renegotiated_late: int
    accepted_at: dt.datetime | None
    delivered_at: dt.datetime | None
    delivered_on_time: bool | None
    closed_at: dt.datetime | None
    broken_reason: str
    created_at: dt.datetime

    @staticmethod
    def resolve_status_now(obj: Any) -> str:
        """The status right now, with the due-date rule applied."""
        return str(services.effective_status(obj).value)


class CommitmentDetailOut(CommitmentOut):
    """A commitment with what the caller may do now (``steps``) and any pending new terms."""

    witnesses: list[PersonRef] = Field(default_factory=list)
    my_side: Literal["performer", "requester"] | None = None
    steps: list[str] = Field(default_factory=list, description="the steps the caller may take now")
    pending_terms: TermsOut | None = None


class CommitmentIn(Schema):
    """A proposal. The caller must be the performer ("I promise") or the requester ("I ask")."""

    performer_id: uuid.UUID
    requester_id: uuid.UUID
    what: Text = Field(min_length=1, max_length=300)
    done_means: Text = Field(min_length=1, max_length=5000)
    due_at: Moment
    stakes: StakesIn = "routine"
    visibility: VisibilityIn = "parties"
    origin: OriginIn = "other"
    witness_ids: list[uuid.UUID] = Field(default_factory=list, max_length=50)
    customer_id: uuid.UUID | None = None
    note: Text = Field("", max_length=2000)


class StepIn(Schema):
    """One step; ``counter`` and ``renegotiate`` take new terms (unsent fields stay as they are)."""

    step: StepName
    what: Text | None = Field(None, min_length=1, max_length=300)
    done_means: Text | None = Field(None, min_length=1, max_length=5000)
    due_at: Moment | None = None
    note: Text = Field("", max_length=2000)


class StepRefusedOut(Schema):
    """A step not allowed now (or not for the caller's side); ``allowed`` lists those that are."""

    detail: str
    allowed: list[str]


class EventOut(Schema):
    """One event of the timeline: who took which step when; new terms with the terms before."""

    seq: int
    step: str
    side: str = Field(description="performer, requester, or empty for the system")
    actor: PersonRef | None
    at: dt.datetime
    terms: TermsOut | None = Field(description="the terms proposed by propose/counter/renegotiate")
    terms_before: TermsOut | None = Field(description="the terms in force before this change")
    note: str


class PerformerFiguresOut(Schema):
    """Commitments the person gave."""

    kept_on_time: int
    kept_late: int
    renegotiated_in_time: int
    renegotiated_late: int
    broken: int
    released: int
    disputed: int
    open: int
    kept_rate: float | None
    on_time_rate: float | None
    oldest_open_days: float | None
    median_open_age_days: float | None


class RequesterFiguresOut(Schema):
    """Commitments the person received: deliveries confirmed, and how fast."""

    received: int
    confirmed: int
    disputed: int
    awaiting_confirmation: int
    released: int
    median_days_to_confirm: float | None
    oldest_unconfirmed_days: float | None


class FollowThroughOut(Schema):
    """A person's follow-through as performer and as requester, as of a moment."""

    person_id: uuid.UUID
    as_of: dt.datetime
    as_performer: PerformerFiguresOut
    as_requester: RequesterFiguresOut


# --- helpers (parsing and shaping only) --------------------------------------------------------


def _actor(request: HttpRequest) -> Actor:
    return Actor.from_request(request, via="api")


def _terms_out(terms: Terms | None) -> TermsOut | None:
    if terms is None:
        return None
    return TermsOut(what=terms.what, done_means=terms.done_means, due_at=terms.due_at)


def detail_out(actor: Actor, commitment: Commitment) -> CommitmentDetailOut:
    """A commitment as sent to a caller who may see it, with the steps open to them now."""
    out = CommitmentDetailOut.model_validate(commitment)
    side = services.side_of(actor, commitment)
    out.witnesses = [PersonRef(id=p.pk, name=p.name) for p in commitment.witnesses.order_by("name")]
    out.my_side = side.value if side else None
    out.steps = services.steps_for(actor, commitment)
    out.pending_terms = _terms_out(services.state_of(commitment).pending_terms)
    return out


def _mine(
    actor: Actor, role: str | None, status: str | None, due_before: dt.datetime | None
) -> QuerySet[Commitment]:
    """The caller's commitments (given, received or both), narrowed by the query's filters."""
    mine = services.my_commitments(actor)
    if role == "given":
        rows = mine.given
    elif role == "received":
        rows = mine.received
    else:
        rows = (mine.given | mine.received).order_by("due_at", "pk")
    if status:
        rows = rows.filter(status=status)
    if due_before:
        rows = rows.filter(due_at__lt=due_before)
    return rows


# --- commitments -------------------------------------------------------------------------------


@router.get("/commitments", response={200: Page[CommitmentOut], **COMMON_ERRORS})
def list_commitments(
    request: HttpRequest,
    role: Annotated[
        Literal["given", "received"] | None,
        Query(description="given: I am the performer; received: I am the requester; default both"),
    ] = None,
    status: Annotated[StatusName | None, Query(description="the recorded status")] = None,
    due_before: Annotated[Moment | None, Query(description="due strictly before")] = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> dict[str, object]:
    """My commitments, given and received, soonest due first, paginated."""
    return page_of(_mine(_actor(request), role, status, due_before), limit, offset)


@router.post("/commitments", response={201: CommitmentDetailOut, **COMMON_ERRORS})
def propose_commitment(request: HttpRequest, payload: CommitmentIn) -> Status[CommitmentDetailOut]:
    """Propose a commitment: "I promise you …" (I am the performer) or "will you …?" (requester).

    It waits for the other side to accept, decline or counter.
    """
    actor = _actor(request)
    commitment = services.propose(actor, **payload.model_dump())
    return Status(201, detail_out(actor, commitment))


@router.get("/commitments/{commitment_id}", response={200: CommitmentDetailOut, **OBJECT_ERRORS})
def get_commitment(request: HttpRequest, commitment_id: uuid.UUID) -> CommitmentDetailOut:
    """One commitment, for its parties, its witnesses and whoever its visibility includes."""
    actor = _actor(request)
    return detail_out(actor, services.get_commitment(actor, commitment_id))


@router.get("/commitments/{commitment_id}/events", response={200: list[EventOut], **OBJECT_ERRORS})
def get_timeline(request: HttpRequest, commitment_id: uuid.UUID) -> list[EventOut]:
    """Every event of the commitment, oldest first: the append-only record of its life."""
    entries = services.timeline(_actor(request), commitment_id)
    return [
        EventOut(
            seq=entry.event.seq,
            step=entry.event.step,
            side=entry.event.side,
            actor=(
                PersonRef(id=entry.event.actor.pk, name=entry.event.actor.name)
                if entry.event.actor
                else None
            ),
            at=entry.event.at,
            terms=_terms_out(entry.terms),
            terms_before=_terms_out(entry.before),
            note=entry.note,
        )
        for entry in entries
    ]


@router.post(
    "/commitments/{commitment_id}/steps",
    response={200: CommitmentDetailOut, **OBJECT_ERRORS, 409: StepRefusedOut},
)
def take_step(request: HttpRequest, commitment_id: uuid.UUID, payload: StepIn) -> Any:
    """Take a step as the caller's side: accept, deliver, confirm, renegotiate, ….

    Renegotiate *before* the due date: it keeps trust. A step that is not allowed now, or not
    for the caller's side, is refused with 409 and the steps that are allowed.
    """
    actor = _actor(request)
    fields = payload.model_dump(exclude={"step"})
    try:
        commitment = services.take_step(actor, commitment_id, payload.step, **fields)
    except services.StepRefused as refused:
        return Status(
            409, {"detail": str(refused), "allowed": [step.value for step in refused.allowed]}
        )
    return Status(200, detail_out(actor, commitment))


# --- figures -----------------------------------------------------------------------------------


@router.get("/people/{person_id}/follow-through", response={200: FollowThroughOut, **OBJECT_ERRORS})
def get_follow_through(
    request: HttpRequest,
    person_id: uuid.UUID,
    as_of: Annotated[
        Moment | None, Query(description="the moment to compute at; default now")
    ] = None,
) -> figures.FollowThrough:
    """How a person keeps the commitments they give and looks after those they receive.

    Only the person themself may read their figures (others: 403).
    """
    return figures.follow_through(_actor(request), person_id, as_of=as_of)
