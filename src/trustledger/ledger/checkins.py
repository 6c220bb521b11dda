"""1:1 check-ins, expectations and progression plans: where commitments between a manager and a
report are made (PRODUCT.md §2, docs/checkins.md).

- A **1:1** belongs to the manager and the report. Only they read its agenda, notes and action
  items; HR never does; administrators learn only that it happened (who and when). Only the
  report and their current manager (by reporting line) may create one.
- An **action item** is a commitment in either direction (origin ``one_on_one``), proposed by
  whoever adds it and linked to the 1:1 it came from.
- An **expectation** is a goal both sides agree: what, its measure of success, by when. It is a
  commitment of origin ``expectation``: one side proposes, the other agrees (accepts).
- A **progression plan** is a new hire's 6/12/18-month plan: career-stakes commitments from the
  manager to the report, due ``months`` after the report's start date.

Every rule is here; pages and the API only call these functions.
"""

from __future__ import annotations

import calendar
import datetime as dt
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import NoReturn

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from trustledger.accounts.actors import Actor
from trustledger.audit import services as audit
from trustledger.ledger import services as ledger
from trustledger.ledger.lifecycle import Step
from trustledger.ledger.models import (
    AgendaItem,
    Commitment,
    OneOnOne,
    OneOnOneAction,
    Origin,
    Stakes,
    Visibility,
)
from trustledger.org.models import Person
from trustledger.org.services import direct_reports, manager_of

#: Longest agenda item, and longest notes of one 1:1.
AGENDA_ITEM_MAX = 500
NOTES_MAX = 20_000
#: Progression milestones are due at this local time on their day.
MILESTONE_DUE_TIME = dt.time(17, 0)
#: Longest progression plan, in months.
PLAN_MONTHS_MAX = 120


def _refuse(
    actor: Actor, action: str, object_type: str, object_id: object, reason: str
) -> NoReturn:
    """Audit a refused attempt and raise ``PermissionDenied`` (typed so checkers know it raises)."""
    audit.deny(actor, action, object_type, object_id, reason)
    raise PermissionDenied(reason)  # not reached: audit.deny raises


def _person(person_id: uuid.UUID | str | Person, field: str) -> Person:
    if isinstance(person_id, Person):
        return person_id
    try:
        return Person.objects.select_related("team").get(pk=person_id)
    except (Person.DoesNotExist, ValidationError, ValueError):
        raise ValidationError({field: f"no person with id {person_id}"}) from None


def _require_write(actor: Actor, action: str, object_type: str, object_id: object) -> None:
    if not actor.can_write():
        _refuse(actor, action, object_type, object_id, "this token is read-only")


# --- 1:1 check-ins ----------------------------------------------------------------------------


@dataclass(frozen=True)
class OneOnOneHeld:
    """That a 1:1 happened: who and when — all an administrator may know about it."""

    id: uuid.UUID
    manager_id: uuid.UUID
    manager_name: str
    report_id: uuid.UUID
    report_name: str
    held_at: dt.datetime


def is_party(actor: Actor, one_on_one: OneOnOne) -> bool:
    """Whether the acting person is the manager or the report of this 1:1."""
    own = actor.person
    return own is not None and own.pk in (one_on_one.manager_id, one_on_one.report_id)


def _party_person(actor: Actor, one_on_one: OneOnOne) -> Person:
    """The acting party's own person (the caller has checked the actor is a party)."""
    return one_on_one.manager if actor.is_self(one_on_one.manager) else one_on_one.report


def one_on_one_partners(actor: Actor) -> list[Person]:
    """Who the acting person may hold a 1:1 with today: their manager and direct reports."""
    own = actor.person
    if own is None:
        return []
    manager = manager_of(own)
    return ([manager] if manager else []) + list(direct_reports(own))


def create_one_on_one(
    actor: Actor,
    *,
    with_id: uuid.UUID | str | Person,
    held_at: dt.datetime,
    agenda: Iterable[str] = (),
) -> OneOnOne:
    """Create a 1:1 between the acting person and ``with_id``, one the other's manager today.

    Refused (and audited) unless one of the two is the other's current manager.
    """
    own = actor.person
    other = _person(with_id, "with_id")
    if own is not None and manager_of(other) == own:
        manager, report = own, other
    elif own is not None and manager_of(own) == other:
        manager, report = other, own
    else:
        _refuse(
            actor,
            "one_on_one.create",
            "person",
            other.pk,
            "a 1:1 is between a report and their current manager",
        )
    _require_write(actor, "one_on_one.create", "person", other.pk)
    if not isinstance(held_at, dt.datetime) or timezone.is_naive(held_at):
        raise ValidationError({"held_at": "give a date and time with a time zone"})
    items = [_agenda_text(text) for text in agenda if (text or "").strip()]
    with transaction.atomic():
        one_on_one = OneOnOne.objects.create(
            manager=manager, report=report, held_at=held_at, created_by=own
        )
        AgendaItem.objects.bulk_create(
            AgendaItem(one_on_one=one_on_one, text=text, added_by=own) for text in items
        )
        audit.record(actor, "one_on_one.create", "one_on_one", one_on_one.pk)
    return one_on_one


def get_one_on_one(actor: Actor, one_on_one_id: uuid.UUID | str) -> OneOnOne:
    """A 1:1 with its agenda and notes: for its manager and its report only.

    Anyone else (HR and administrators included) gets a 404, and the attempt is audited.
    """
    try:
        one_on_one = OneOnOne.objects.select_related("manager", "report").get(pk=one_on_one_id)
    except (OneOnOne.DoesNotExist, ValidationError, ValueError):
        raise Http404(f"no 1:1 with id {one_on_one_id}") from None
    if not is_party(actor, one_on_one):
        audit.record(actor, "one_on_one.read", "one_on_one", one_on_one.pk, allowed=False)
        raise Http404(f"no 1:1 with id {one_on_one_id}")
    return one_on_one


def agenda_of(actor: Actor, one_on_one_id: uuid.UUID | str) -> QuerySet[AgendaItem]:
    """The shared agenda of a 1:1, in the order items were added (parties only)."""
    one_on_one = get_one_on_one(actor, one_on_one_id)
    return one_on_one.agenda.select_related("added_by").all()


def my_one_on_ones(actor: Actor, *, with_id: uuid.UUID | str | None = None) -> QuerySet[OneOnOne]:
    """The acting person's 1:1s (as manager or as report), newest first; ``with_id`` narrows."""
    own = actor.person
    if own is None:
        return OneOnOne.objects.none()
    mine = OneOnOne.objects.select_related("manager", "report").filter(
        Q(manager=own) | Q(report=own)
    )
    if with_id is not None:
        mine = mine.filter(Q(manager_id=with_id) | Q(report_id=with_id))
    return mine.order_by("-held_at")


def one_on_one_log(actor: Actor, *, person_id: uuid.UUID | str | None = None) -> list[OneOnOneHeld]:
    """That 1:1s happened — who and when, never agenda or notes. Administrators only; audited.

    ``person_id`` narrows to the 1:1s that person took part in.
    """
    if not actor.is_admin:
        _refuse(
            actor,
            "one_on_one.log",
            "one_on_one",
            person_id or "",
            "only administrators may list which 1:1s happened",
        )
    rows = OneOnOne.objects.all()
    if person_id is not None:
        rows = rows.filter(Q(manager_id=person_id) | Q(report_id=person_id))
    held = [
        OneOnOneHeld(*row)
        for row in rows.order_by("-held_at").values_list(
            "id", "manager_id", "manager__name", "report_id", "report__name", "held_at"
        )
    ]
    audit.record(actor, "one_on_one.log", "person", person_id or "")
    return held


def _agenda_text(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": "say what to talk about"})
    if len(text) > AGENDA_ITEM_MAX:
        raise ValidationError({"text": f"at most {AGENDA_ITEM_MAX} characters (got {len(text)})"})
    return text


def add_agenda_item(actor: Actor, one_on_one_id: uuid.UUID | str, text: str) -> AgendaItem:
    """Add a topic to a 1:1's shared agenda (either party)."""
    one_on_one = get_one_on_one(actor, one_on_one_id)
    _require_write(actor, "one_on_one.agenda", "one_on_one", one_on_one.pk)
    text = _agenda_text(text)
    with transaction.atomic():
        item = AgendaItem.objects.create(
            one_on_one=one_on_one, text=text, added_by=_party_person(actor, one_on_one)
        )
        audit.record(actor, "one_on_one.agenda", "one_on_one", one_on_one.pk)
    return item


def update_notes(actor: Actor, one_on_one_id: uuid.UUID | str, notes: str) -> OneOnOne:
    """Replace the private notes of a 1:1 (either party; nobody else ever reads them)."""
    one_on_one = get_one_on_one(actor, one_on_one_id)
    _require_write(actor, "one_on_one.notes", "one_on_one", one_on_one.pk)
    notes = (notes or "").strip()
    if len(notes) > NOTES_MAX:
        raise ValidationError({"notes": f"at most {NOTES_MAX} characters (got {len(notes)})"})
    with transaction.atomic():
        one_on_one.notes = notes
        one_on_one.save(update_fields=["notes", "updated_at"])
        audit.record(actor, "one_on_one.notes", "one_on_one", one_on_one.pk)
    return one_on_one


def add_action_item(
    actor: Actor,
    one_on_one_id: uuid.UUID | str,
    *,
    performer: str,
    what: str,
    done_means: str,
    due_at: dt.datetime,
    stakes: str = Stakes.ROUTINE,
) -> Commitment:
    """An action item from a 1:1: a commitment proposed by the acting party, in either direction.

    ``performer`` is ``"manager"`` or ``"report"``: who will do it; the other is the requester.
    The other side then accepts, declines or counters it like any commitment.
    """
    one_on_one = get_one_on_one(actor, one_on_one_id)
    _require_write(actor, "one_on_one.action", "one_on_one", one_on_one.pk)
    if performer == "manager":
        performer_person, requester_person = one_on_one.manager, one_on_one.report
    elif performer == "report":
        performer_person, requester_person = one_on_one.report, one_on_one.manager
    else:
        raise ValidationError({"performer": "say who will do it: 'manager' or 'report'"})
    with transaction.atomic():
        commitment = ledger.propose(
            actor,
            performer_id=performer_person,
            requester_id=requester_person,
            what=what,
            done_means=done_means,
            due_at=due_at,
            stakes=stakes,
            visibility=Visibility.PARTIES,
            origin=Origin.ONE_ON_ONE,
        )
        OneOnOneAction.objects.create(one_on_one=one_on_one, commitment=commitment)
    return commitment


def action_items(actor: Actor, one_on_one_id: uuid.UUID | str) -> QuerySet[Commitment]:
    """The commitments agreed in a 1:1 (parties only), in the order they were added."""
    one_on_one = get_one_on_one(actor, one_on_one_id)
    return (
        Commitment.objects.select_related("performer", "requester")
        .filter(one_on_one_action__one_on_one=one_on_one)
        .order_by("one_on_one_action__id")
    )


def one_on_one_of(commitment: Commitment) -> uuid.UUID | None:
    """The id of the 1:1 a commitment was agreed in, if any (for a link on its page)."""
    link = OneOnOneAction.objects.filter(commitment=commitment).values_list("one_on_one_id")
    first = link.first()
    return first[0] if first else None


# --- expectations -----------------------------------------------------------------------------


def propose_expectation(
    actor: Actor,
    *,
    performer_id: uuid.UUID | str | Person,
    requester_id: uuid.UUID | str | Person,
    what: str,
    measure_of_success: str,
    by: dt.datetime,
    stakes: str = Stakes.ROUTINE,
    visibility: str = Visibility.PARTIES,
) -> Commitment:
    """Propose an expectation: a goal (``what``), how success is measured, and by when.

    It is a commitment of origin ``expectation`` with the measure of success as what done
    means; the acting person must be one of the two, and it counts once the other agrees.
    """
    return ledger.propose(
        actor,
        performer_id=performer_id,
        requester_id=requester_id,
        what=what,
        done_means=measure_of_success,
        due_at=by,
        stakes=stakes,
        visibility=visibility,
        origin=Origin.EXPECTATION,
    )


def agree_expectation(actor: Actor, commitment_id: uuid.UUID | str) -> Commitment:
    """The other side agrees to a proposed expectation (accepts the commitment)."""
    commitment = ledger.get_commitment(actor, commitment_id)
    if commitment.origin != Origin.EXPECTATION:
        raise ValidationError({"commitment_id": "this commitment is not an expectation"})
    return ledger.take_step(actor, commitment.pk, Step.ACCEPT)


def my_expectations(actor: Actor) -> QuerySet[Commitment]:
    """Expectations the acting person set or agreed to, either side, soonest first."""
    own = actor.person
    if own is None:
        return Commitment.objects.none()
    return (
        Commitment.objects.select_related("performer", "requester")
        .filter(origin=Origin.EXPECTATION)
        .filter(Q(performer=own) | Q(requester=own))
        .order_by("due_at")
    )


# --- progression plans ------------------------------------------------------------------------


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus whole calendar months; the 31st becomes the month's last day if shorter."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def milestone_due(start: dt.date, months: int) -> dt.datetime:
    """When a milestone ``months`` after ``start`` is due: that day at 17:00 local time."""
    return dt.datetime.combine(
        add_months(start, months), MILESTONE_DUE_TIME, tzinfo=timezone.get_current_timezone()
    )


def create_progression_plan(
    actor: Actor,
    report_id: uuid.UUID | str | Person,
    milestones: Sequence[tuple[int, str, str]],
) -> list[Commitment]:
    """A new hire's progression plan: career-stakes promises from their manager, one per milestone.

    ``milestones`` are ``(months, what, done_means)``; each becomes a commitment from the
    manager (performer) to the report (requester), due ``months`` after the report's start
    date, proposed by the manager for the report to accept. Only the report's current manager
    may create it; all milestones are created or none.
    """
    report = _person(report_id, "report_id")
    own = actor.person
    if own is None or manager_of(report) != own:
        _refuse(
            actor,
            "progression_plan.create",
            "person",
            report.pk,
            "only the person's current manager may set their progression plan",
        )
    _require_write(actor, "progression_plan.create", "person", report.pk)
    if report.start_date is None:
        raise ValidationError({"report_id": f"{report.name} has no start date on record"})
    if not milestones:
        raise ValidationError({"milestones": "give at least one milestone"})
    now = timezone.now()
    planned: list[tuple[dt.datetime, str, str]] = []
    for index, milestone in enumerate(milestones):
        try:
            months, what, done_means = milestone
        except (TypeError, ValueError):
            raise ValidationError(
                {f"milestones.{index}": "give (months, what, done_means)"}
            ) from None
        if isinstance(months, bool) or not isinstance(months, int):
            raise ValidationError({f"milestones.{index}.months": "give a whole number of months"})
        if not 1 <= months <= PLAN_MONTHS_MAX:
            raise ValidationError(
                {f"milestones.{index}.months": f"between 1 and {PLAN_MONTHS_MAX} months"}
            )
        due_at = milestone_due(report.start_date, months)
        if due_at <= now:
            raise ValidationError(
                {
                    f"milestones.{index}.months": f"{months} months after the start date "
                    f"({due_at:%Y-%m-%d}) has already passed"
                }
            )
        planned.append((due_at, what, done_means))
    with transaction.atomic():
        return [
            ledger.propose(
                actor,
                performer_id=own,
                requester_id=report,
                what=what,
                done_means=done_means,
                due_at=due_at,
                stakes=Stakes.CAREER,
                visibility=Visibility.PARTIES,
                origin=Origin.PROGRESSION_PLAN,
            )
            for due_at, what, done_means in planned
        ]


def progression_plan(actor: Actor, report_id: uuid.UUID | str) -> list[Commitment]:
    """A person's progression-plan commitments the actor may see, by due date.

    The report and the manager(s) who made the promises see them; nobody else does unless the
    commitments were made more visible.
    """
    report = _person(report_id, "report_id")
    rows = (
        Commitment.objects.select_related("performer", "requester")
        .filter(origin=Origin.PROGRESSION_PLAN, requester=report)
        .order_by("due_at")
    )
    return [c for c in rows if ledger.can_see(actor, c)]
