"""Trust signals, 1:1 check-ins, expectations and progression plans.

Every handler: parse → ``Actor.from_request`` → one service call → schema. Who may see or do
what lives in :mod:`trustledger.ledger.trust_signals` and :mod:`trustledger.ledger.checkins`
(docs/signals.md, docs/checkins.md). Anything the caller may not see answers 404.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field

from trustledger.accounts.actors import Actor
from trustledger.api.errors import COMMON_ERRORS, OBJECT_ERRORS
from trustledger.api.ledger import CommitmentOut, Moment, StakesIn, StepRefusedOut, VisibilityIn
from trustledger.api.schemas import PersonRef, Text
from trustledger.ledger import checkins, services, trust_signals
from trustledger.ledger.models import OneOnOne, TrustSignal

router = Router(tags=["trust signals and check-ins"])

SignalRoleIn = Literal["recipient", "witness"]


# --- schemas: signals --------------------------------------------------------------------------


class SignalKindOut(Schema):
    """A kind of trust signal, from the engine's evidence model (docs/signals.md)."""

    kind: str
    label: str
    description: str
    polarity: str
    weight: float = Field(description="default weight of one signal, before loss aversion")
    dimensions: dict[str, float] = Field(description="share of the weight per ABCD dimension")
    severe: bool = Field(description="a severe breach: wipes most positive evidence")


class RetractionOut(Schema):
    """The recorder took the signal back (the signal itself stays)."""

    by: PersonRef
    at: dt.datetime
    reason: str


class SignalOut(Schema):
    """``recorded_by`` (recipient or witness) recorded that ``subject`` did ``kind``."""

    id: uuid.UUID
    kind: str
    subject: PersonRef
    recorded_by: PersonRef
    role: str
    occurred_at: dt.datetime
    recorded_at: dt.datetime
    note: str
    visibility: str
    commitment_id: uuid.UUID | None
    retraction: RetractionOut | None = None

    @staticmethod
    def resolve_retraction(obj: TrustSignal) -> dict[str, Any] | None:
        """The retraction, if the recorder took the signal back."""
        retraction = getattr(obj, "retraction", None)
        if retraction is None:
            return None
        return {
            "by": {"id": retraction.by.pk, "name": retraction.by.name},
            "at": retraction.at,
            "reason": retraction.reason,
        }


class SignalIn(Schema):
    """Record a signal about ``subject_id``: it happened to you (recipient) or before you."""

    subject_id: uuid.UUID
    kind: Text = Field(max_length=48, description="one of GET /signals/kinds")
    role: SignalRoleIn = "recipient"
    occurred_at: Moment | None = Field(None, description="when it happened; default now")
    note: Text = Field("", max_length=trust_signals.NOTE_MAX)
    visibility: VisibilityIn = "parties"
    witness_ids: list[uuid.UUID] = Field(default_factory=list, max_length=50)
    commitment_id: uuid.UUID | None = None


class RetractionIn(Schema):
    """Why the signal is taken back."""

    reason: Text = Field(min_length=1, max_length=trust_signals.NOTE_MAX)


# --- schemas: 1:1s -----------------------------------------------------------------------------


class OneOnOneOut(Schema):
    """A 1:1 as listed to its two parties."""

    id: uuid.UUID
    manager: PersonRef
    report: PersonRef
    held_at: dt.datetime


class AgendaItemOut(Schema):
    """One topic on the shared agenda."""

    id: int
    text: str
    added_by: PersonRef
    added_at: dt.datetime


class OneOnOneDetailOut(OneOnOneOut):
    """A 1:1 with its agenda, private notes and action items: for its two parties only."""

    notes: str
    agenda: list[AgendaItemOut]
    action_items: list[CommitmentOut]


class OneOnOneHeldOut(Schema):
    """That a 1:1 happened — who and when. All an administrator may know."""

    id: uuid.UUID
    manager: PersonRef
    report: PersonRef
    held_at: dt.datetime


class OneOnOneIn(Schema):
    """A 1:1 with ``with_id``: your report, or your manager."""

    with_id: uuid.UUID
    held_at: Moment
    agenda: list[Text] = Field(default_factory=list, max_length=50)


class AgendaItemIn(Schema):
    """A topic for the shared agenda."""

    text: Text = Field(min_length=1, max_length=checkins.AGENDA_ITEM_MAX)


class NotesIn(Schema):
    """The 1:1's private notes (replaces them)."""

    notes: Text = Field(max_length=checkins.NOTES_MAX)


class ActionItemIn(Schema):
    """An action item: a commitment by ``performer`` (manager or report) to the other."""

    performer: Literal["manager", "report"]
    what: Text = Field(min_length=1, max_length=300)
    done_means: Text = Field(min_length=1)
    due_at: Moment
    stakes: StakesIn = "routine"


# --- schemas: expectations and plans -----------------------------------------------------------


class ExpectationIn(Schema):
    """A goal both sides agree: what, the measure of success, by when."""

    performer_id: uuid.UUID
    requester_id: uuid.UUID
    what: Text = Field(min_length=1, max_length=300)
    measure_of_success: Text = Field(min_length=1)
    by: Moment
    stakes: StakesIn = "routine"
    visibility: VisibilityIn = "parties"


class MilestoneIn(Schema):
    """One milestone: ``months`` after the start date, ``what``, and what done means."""

    months: int = Field(ge=1, le=checkins.PLAN_MONTHS_MAX)
    what: Text = Field(min_length=1, max_length=300)
    done_means: Text = Field(min_length=1)


class ProgressionPlanIn(Schema):
    """A new hire's plan, usually milestones at 6, 12 and 18 months."""

    report_id: uuid.UUID
    milestones: list[MilestoneIn] = Field(min_length=1, max_length=24)


# --- helpers (parsing and shaping only) --------------------------------------------------------


def _actor(request: HttpRequest) -> Actor:
    return Actor.from_request(request, via="api")


def _ref(person: Any) -> PersonRef:
    return PersonRef(id=person.pk, name=person.name)


def _one_on_one_out(actor: Actor, one_on_one: OneOnOne) -> OneOnOneDetailOut:
    return OneOnOneDetailOut(
        id=one_on_one.pk,
        manager=_ref(one_on_one.manager),
        report=_ref(one_on_one.report),
        held_at=one_on_one.held_at,
        notes=one_on_one.notes,
        agenda=[
            AgendaItemOut(id=i.pk, text=i.text, added_by=_ref(i.added_by), added_at=i.added_at)
            for i in checkins.agenda_of(actor, one_on_one.pk)
        ],
        action_items=[
            CommitmentOut.model_validate(c) for c in checkins.action_items(actor, one_on_one.pk)
        ],
    )


# --- trust signals -----------------------------------------------------------------------------


@router.get("/signals/kinds", response={200: list[SignalKindOut], **COMMON_ERRORS})
def list_signal_kinds(request: HttpRequest) -> list[trust_signals.SignalKind]:
    """Every kind of trust signal with its ABCD dimensions, polarity and default weight."""
    _actor(request)
    return trust_signals.signal_kinds()


@router.post("/signals", response={201: SignalOut, **COMMON_ERRORS})
def record_signal(request: HttpRequest, payload: SignalIn) -> Status[TrustSignal]:
    """Record a trust signal about someone else; they will see it (it is feedback)."""
    signal = trust_signals.record_signal(_actor(request), **payload.model_dump())
    return Status(201, signal)


@router.get("/signals/{signal_id}", response={200: SignalOut, **OBJECT_ERRORS})
def get_signal(request: HttpRequest, signal_id: uuid.UUID) -> TrustSignal:
    """One signal, for its parties and whoever its visibility includes."""
    return trust_signals.get_signal(_actor(request), signal_id)


@router.post("/signals/{signal_id}/retraction", response={201: SignalOut, **OBJECT_ERRORS})
def retract_signal(
    request: HttpRequest, signal_id: uuid.UUID, payload: RetractionIn
) -> Status[TrustSignal]:
    """Take back a signal you recorded (a new record; the signal stays, marked retracted)."""
    actor = _actor(request)
    trust_signals.retract_signal(actor, signal_id, reason=payload.reason)
    return Status(201, trust_signals.get_signal(actor, signal_id))


@router.get("/people/{person_id}/signals", response={200: list[SignalOut], **OBJECT_ERRORS})
def list_signals_about(request: HttpRequest, person_id: uuid.UUID) -> list[TrustSignal]:
    """The signals about a person that you may see, newest first (retracted ones marked)."""
    return list(trust_signals.signals_about(_actor(request), person_id))


# --- 1:1 check-ins ------------------------------------------------------------------------------


@router.get("/one-on-ones", response={200: list[OneOnOneOut], **COMMON_ERRORS})
def list_one_on_ones(request: HttpRequest, with_id: uuid.UUID | None = None) -> list[OneOnOne]:
    """My 1:1s (as manager or as report), newest first; ``with_id`` narrows to one person."""
    return list(checkins.my_one_on_ones(_actor(request), with_id=with_id))


@router.post("/one-on-ones", response={201: OneOnOneDetailOut, **COMMON_ERRORS})
def create_one_on_one(request: HttpRequest, payload: OneOnOneIn) -> Status[OneOnOneDetailOut]:
    """Create a 1:1 with your report or your manager, with an optional first agenda."""
    actor = _actor(request)
    one_on_one = checkins.create_one_on_one(actor, **payload.model_dump())
    return Status(201, _one_on_one_out(actor, one_on_one))


@router.get("/one-on-ones/held", response={200: list[OneOnOneHeldOut], **COMMON_ERRORS})
def list_one_on_ones_held(
    request: HttpRequest, person_id: uuid.UUID | None = None
) -> list[OneOnOneHeldOut]:
    """Administrators: which 1:1s happened — who and when, never agenda or notes."""
    return [
        OneOnOneHeldOut(
            id=held.id,
            manager=PersonRef(id=held.manager_id, name=held.manager_name),
            report=PersonRef(id=held.report_id, name=held.report_name),
            held_at=held.held_at,
        )
        for held in checkins.one_on_one_log(_actor(request), person_id=person_id)
    ]


@router.get("/one-on-ones/{one_on_one_id}", response={200: OneOnOneDetailOut, **OBJECT_ERRORS})
def get_one_on_one(request: HttpRequest, one_on_one_id: uuid.UUID) -> OneOnOneDetailOut:
    """A 1:1 with its agenda, notes and action items: its manager and report only."""
    actor = _actor(request)
    return _one_on_one_out(actor, checkins.get_one_on_one(actor, one_on_one_id))


@router.put(
    "/one-on-ones/{one_on_one_id}/notes", response={200: OneOnOneDetailOut, **OBJECT_ERRORS}
)
def update_notes(
    request: HttpRequest, one_on_one_id: uuid.UUID, payload: NotesIn
) -> OneOnOneDetailOut:
    """Replace the 1:1's private notes."""
    actor = _actor(request)
    one_on_one = checkins.update_notes(actor, one_on_one_id, payload.notes)
    return _one_on_one_out(actor, one_on_one)


@router.post("/one-on-ones/{one_on_one_id}/agenda", response={201: AgendaItemOut, **OBJECT_ERRORS})
def add_agenda_item(
    request: HttpRequest, one_on_one_id: uuid.UUID, payload: AgendaItemIn
) -> Status[AgendaItemOut]:
    """Add a topic to the shared agenda."""
    item = checkins.add_agenda_item(_actor(request), one_on_one_id, payload.text)
    return Status(
        201,
        AgendaItemOut(
            id=item.pk, text=item.text, added_by=_ref(item.added_by), added_at=item.added_at
        ),
    )


@router.post(
    "/one-on-ones/{one_on_one_id}/action-items", response={201: CommitmentOut, **OBJECT_ERRORS}
)
def add_action_item(
    request: HttpRequest, one_on_one_id: uuid.UUID, payload: ActionItemIn
) -> Status[Any]:
    """An action item: a commitment in either direction, for the other side to accept."""
    commitment = checkins.add_action_item(_actor(request), one_on_one_id, **payload.model_dump())
    return Status(201, commitment)


# --- expectations -------------------------------------------------------------------------------


@router.post("/expectations", response={201: CommitmentOut, **COMMON_ERRORS})
def propose_expectation(request: HttpRequest, payload: ExpectationIn) -> Status[Any]:
    """Propose an expectation (a goal, its measure of success, by when) to the other side."""
    commitment = checkins.propose_expectation(_actor(request), **payload.model_dump())
    return Status(201, commitment)


@router.post(
    "/expectations/{commitment_id}/agreement",
    response={200: CommitmentOut, **OBJECT_ERRORS, 409: StepRefusedOut},
)
def agree_expectation(request: HttpRequest, commitment_id: uuid.UUID) -> Any:
    """Agree to an expectation the other side proposed (409 if it is not yours to agree)."""
    try:
        commitment = checkins.agree_expectation(_actor(request), commitment_id)
    except services.StepRefused as refused:
        return Status(
            409, {"detail": str(refused), "allowed": [step.value for step in refused.allowed]}
        )
    return Status(200, commitment)


# --- progression plans --------------------------------------------------------------------------


@router.post("/progression-plans", response={201: list[CommitmentOut], **COMMON_ERRORS})
def create_progression_plan(request: HttpRequest, payload: ProgressionPlanIn) -> Status[Any]:
    """Set a new hire's progression plan: career-stakes promises from you, their manager."""
    milestones = [(m.months, m.what, m.done_means) for m in payload.milestones]
    plan = checkins.create_progression_plan(_actor(request), payload.report_id, milestones)
    return Status(201, plan)


@router.get("/progression-plans/{report_id}", response={200: list[CommitmentOut], **OBJECT_ERRORS})
def get_progression_plan(request: HttpRequest, report_id: uuid.UUID) -> list[Any]:
    """A person's progression plan, as far as you may see it (the report and their manager)."""
    return checkins.progression_plan(_actor(request), report_id)
