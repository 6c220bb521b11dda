"""Use cases for people, teams and reporting lines. Every function checks the actor.

Views, API routes and the command line call these; none of them holds rules or queries of its own.
Permission checks come before any transaction so a refused attempt stays in the audit log.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, UUIDField
from django.http import Http404
from django.utils import timezone

from trustledger.accounts.actors import Actor
from trustledger.audit import services as audit
from trustledger.org.graph import find_cycles
from trustledger.org.models import BehaviourStyle, Person, ReportingLine, Team

#: Fields anyone signed in may see: the directory card.
DIRECTORY_FIELDS = ("id", "name", "title", "team")
#: Fields only the person themself, HR and admins may see.
PRIVATE_FIELDS = (
    "employee_id",
    "email",
    "start_date",
    "leave_date",
    "behaviour_style",
    "is_external",
)


class ReportingCycleError(ValidationError):
    """A reporting line that would make someone (indirectly) their own manager."""


def today() -> dt.date:
    return timezone.localdate()


def _lines_on(day: dt.date) -> Q:
    return Q(valid_from__lte=day) & (Q(valid_to__isnull=True) | Q(valid_to__gt=day))


def _get_person(person_id: uuid.UUID | str) -> Person:
    try:
        return Person.objects.select_related("team").get(pk=person_id)
    except (Person.DoesNotExist, ValidationError, ValueError):
        raise Http404(f"no person with id {person_id}") from None


def _get_team(team_id: uuid.UUID | str) -> Team:
    try:
        return Team.objects.get(pk=team_id)
    except (Team.DoesNotExist, ValidationError, ValueError):
        raise Http404(f"no team with id {team_id}") from None


# --- reading -------------------------------------------------------------------------------


def _day_for(actor: Actor, on: dt.date | None, action: str) -> dt.date:
    """The day a directory-style read is about. Only HR and admins may pick another day than
    today: the tree on a past or future date reveals reporting history and start and leave
    dates, which are private (docs/access.md). Such reads are audited."""
    day = today()
    if on is None or on == day:
        return day
    if not actor.manages_people:
        audit.deny(
            actor, action, "orgchart", on.isoformat(), "only HR and administrators see other dates"
        )
    audit.record(actor, action, "orgchart", on.isoformat())
    return on


def directory(
    actor: Actor,
    *,
    query: str = "",
    team_id: uuid.UUID | str | None = None,
    on: dt.date | None = None,
    include_former: bool = False,
) -> QuerySet[Person]:
    """The people directory: name, title, team and current manager.

    Each person is annotated with ``manager_id`` and ``manager_name`` on ``on`` (default today).
    Every signed-in person may read today's directory; it holds no private data, so that read
    is not audited. Other days and former staff are for HR and admins (see :func:`_day_for`).
    """
    day = _day_for(actor, on, "directory.read")
    if include_former and not actor.manages_people:
        audit.deny(
            actor, "directory.read", "person", "", "only HR and administrators list former staff"
        )
    return _directory(day, query=query, team_id=team_id, include_former=include_former)


def _directory(
    day: dt.date, *, query: str = "", team_id: uuid.UUID | str | None = None, include_former: bool
) -> QuerySet[Person]:
    line = ReportingLine.objects.filter(_lines_on(day), person=OuterRef("pk"))
    people = (
        Person.objects.select_related("team")
        .only(*DIRECTORY_FIELDS, "team__name", "leave_date", "start_date")
        .annotate(
            manager_id=Subquery(line.values("manager_id")[:1], output_field=UUIDField()),
            manager_name=Subquery(line.values("manager__name")[:1]),
        )
    )
    if not include_former:
        people = people.filter(Q(leave_date__isnull=True) | Q(leave_date__gt=day))
    for word in query.split():
        people = people.filter(
            Q(name__icontains=word) | Q(title__icontains=word) | Q(team__name__icontains=word)
        )
    if team_id:
        people = people.filter(team_id=team_id)
    return people.order_by("name")


def directory_entry(actor: Actor, person_id: uuid.UUID | str) -> Person:
    """One directory card (public fields only, with ``manager`` on today's date).

    Former staff keep a card, so links from old commitments still lead somewhere.
    """
    del actor  # every signed-in actor may read a card
    person = _directory(today(), include_former=True).filter(pk=person_id).first()
    if person is None:
        raise Http404(f"no person with id {person_id}")
    return person


def can_read_private(actor: Actor, person: Person) -> bool:
    """The person themself, HR, admins and the system may read a person's private record."""
    return actor.manages_people or actor.is_self(person)


def person_record(actor: Actor, person_id: uuid.UUID | str) -> Person:
    """A person's full record. Audited; refused (and audited) for anyone but self, HR, admin."""
    person = _get_person(person_id)
    if not can_read_private(actor, person):
        audit.deny(
            actor,
            "person.read",
            "person",
            person.pk,
            "only the person themself, HR and administrators may read a person's record",
        )
    audit.record(actor, "person.read", "person", person.pk)
    return person


def manager_of(person: Person, on: dt.date | None = None) -> Person | None:
    """The person's manager on ``on`` (default today), or ``None``."""
    line = (
        ReportingLine.objects.filter(_lines_on(on or today()), person=person)
        .select_related("manager")
        .first()
    )
    return line.manager if line else None


def direct_reports(person: Person, on: dt.date | None = None) -> QuerySet[Person]:
    """People who report to ``person`` on ``on`` (default today)."""
    ids = ReportingLine.objects.filter(_lines_on(on or today()), manager=person).values("person_id")
    return Person.objects.filter(pk__in=ids).select_related("team").order_by("name")


def everyone_under(person: Person, on: dt.date | None = None) -> set[uuid.UUID]:
    """Ids of everyone who reports to ``person`` on ``on``, directly or through others."""
    lines = ReportingLine.objects.filter(_lines_on(on or today()))
    found: set[uuid.UUID] = set()
    frontier = {person.pk}
    while frontier:
        below = set(lines.filter(manager_id__in=frontier).values_list("person_id", flat=True))
        frontier = below - found - {person.pk}
        found |= frontier
    return found


def is_manager(person: Person, on: dt.date | None = None) -> bool:
    """The manager role is derived: a person with at least one direct report that day."""
    return ReportingLine.objects.filter(_lines_on(on or today()), manager=person).exists()


def reporting_history(actor: Actor, person_id: uuid.UUID | str) -> QuerySet[ReportingLine]:
    """Every reporting line of a person, oldest first. Private: self, HR and admins (audited)."""
    person = person_record(actor, person_id)
    return (
        ReportingLine.objects.filter(person=person)
        .select_related("manager", "person")
        .order_by("valid_from")
    )


def teams(actor: Actor) -> QuerySet[Team]:
    """All teams with their current member count (``member_count``)."""
    del actor  # every signed-in actor may read this
    day = today()
    active = Q(members__leave_date__isnull=True) | Q(members__leave_date__gt=day)
    return Team.objects.annotate(member_count=Count("members", filter=active)).order_by("name")


def team(actor: Actor, team_id: uuid.UUID | str) -> Team:
    """One team by id."""
    del actor  # every signed-in actor may read this
    return _get_team(team_id)


@dataclass
class ChartNode:
    """One box of the org chart: a person and the people who report to them."""

    id: uuid.UUID
    name: str
    title: str
    team: str
    reports: list[ChartNode] = field(default_factory=list)

    @property
    def size(self) -> int:
        """How many people are in this subtree, this person included."""
        return 1 + sum(child.size for child in self.reports)


def org_chart(actor: Actor, on: dt.date | None = None) -> list[ChartNode]:
    """The reporting tree on ``on`` (default today): top-level people with nested reports.

    Two queries however large the organisation; external counterparts are left out.
    """
    day = _day_for(actor, on, "orgchart.read")
    people = (
        Person.objects.filter(is_external=False)
        .filter(Q(start_date__isnull=True) | Q(start_date__lte=day))
        .filter(Q(leave_date__isnull=True) | Q(leave_date__gt=day))
        .values_list("id", "name", "title", "team__name")
        .order_by("name")
    )
    nodes = {
        pid: ChartNode(pid, name, title, team_name or "") for pid, name, title, team_name in people
    }
    children: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    has_manager: set[uuid.UUID] = set()
    for pid, mid in ReportingLine.objects.filter(_lines_on(day)).values_list(
        "person_id", "manager_id"
    ):
        if pid in nodes and mid in nodes:
            children[mid].append(pid)
            has_manager.add(pid)
    for mid, kids in children.items():
        nodes[mid].reports = [nodes[k] for k in kids]
    return [node for pid, node in nodes.items() if pid not in has_manager]


# --- writing -------------------------------------------------------------------------------


def _require_people_manager(actor: Actor, action: str, object_id: object = "") -> None:
    if not actor.manages_people:
        audit.deny(actor, action, "person", object_id, "only HR and administrators manage people")
    if not actor.can_write():
        audit.deny(actor, action, "person", object_id, "this API token is read-only")


PERSON_EDITABLE = ("name", "email", "title", "team", "start_date", "leave_date") + (
    "behaviour_style",
    "is_external",
    "employee_id",
)


def _clean_person(person: Person) -> None:
    person.email = person.email.strip().lower()
    if person.behaviour_style and person.behaviour_style not in BehaviourStyle.values:
        raise ValidationError({"behaviour_style": f"unknown style {person.behaviour_style!r}"})
    person.full_clean(validate_constraints=True)


def create_person(actor: Actor, **fields: Any) -> Person:
    """Add a person (HR, admin). Raises ``ValidationError`` naming each bad field."""
    _require_people_manager(actor, "person.create")
    unknown = set(fields) - set(PERSON_EDITABLE)
    if unknown:
        raise ValidationError(dict.fromkeys(sorted(unknown), "not a field of a person"))
    person = Person(**fields)
    _clean_person(person)
    with transaction.atomic():
        person.save()
        audit.record(actor, "person.create", "person", person.pk, detail=_audit_fields(fields))
    return person


def update_person(actor: Actor, person_id: uuid.UUID | str, **changes: Any) -> Person:
    """Change fields of a person (HR, admin). Raises ``ValidationError`` naming each bad field."""
    _require_people_manager(actor, "person.update", person_id)
    unknown = set(changes) - set(PERSON_EDITABLE)
    if unknown:
        raise ValidationError(dict.fromkeys(sorted(unknown), "not a field of a person"))
    with transaction.atomic():
        person = Person.objects.select_for_update().get(pk=_get_person(person_id).pk)
        for name, value in changes.items():
            setattr(person, name, value)
        _clean_person(person)
        person.save()
        audit.record(actor, "person.update", "person", person.pk, detail=_audit_fields(changes))
    return person


def _audit_fields(fields: dict[str, Any]) -> dict[str, Any]:
    return {"fields": sorted(fields)}


def create_team(actor: Actor, name: str, description: str = "") -> Team:
    """Add a team (HR, admin)."""
    if not actor.manages_people:
        audit.deny(actor, "team.create", "team", "", "only HR and administrators manage teams")
    new = Team(name=name.strip(), description=description)
    new.full_clean()
    with transaction.atomic():
        new.save()
        audit.record(actor, "team.create", "team", new.pk, detail={"name": new.name})
    return new


def set_manager(
    actor: Actor,
    person_id: uuid.UUID | str,
    manager_id: uuid.UUID | str | None,
    valid_from: dt.date | None = None,
) -> ReportingLine | None:
    """From ``valid_from`` (default today) ``person`` reports to ``manager`` (``None``: to nobody).

    The open line is closed the day before; history stays. Refused with
    :class:`ReportingCycleError` if it would make anyone their own (indirect) manager.
    """
    _require_people_manager(actor, "reporting_line.create", person_id)
    day = valid_from or today()
    person = _get_person(person_id)
    manager = _get_person(manager_id) if manager_id else None
    with transaction.atomic():
        lines = list(
            ReportingLine.objects.select_for_update()
            .filter(person=person)
            .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=day))
            .order_by("valid_from")
        )
        if any(line.valid_from > day for line in lines):
            raise ValidationError(
                {"valid_from": f"{person.name} already has a reporting line starting after {day}"}
            )
        current = lines[0] if lines else None
        if current and manager and current.manager_id == manager.pk:
            return current
        if manager is not None:
            _check_no_cycle(person, manager, day)
        if current is not None:
            if current.valid_from == day:
                current.delete()
            else:
                ReportingLine.objects.filter(pk=current.pk).update(valid_to=day)
        line = None
        if manager is not None:
            line = ReportingLine.objects.create(person=person, manager=manager, valid_from=day)
        audit.record(
            actor,
            "reporting_line.create",
            "person",
            person.pk,
            detail={"manager": str(manager.pk) if manager else None, "valid_from": day.isoformat()},
        )
    return line


def _check_no_cycle(person: Person, manager: Person, day: dt.date) -> None:
    """Would ``person`` → ``manager`` from ``day`` close a loop on ``day`` or any later change?"""
    rows = ReportingLine.objects.filter(Q(valid_to__isnull=True) | Q(valid_to__gt=day)).values_list(
        "person_id", "manager_id", "valid_from", "valid_to"
    )
    lines = [row for row in rows if row[0] != person.pk]
    checkpoints = {day} | {start for _, _, start, _ in lines if start > day}
    for point in sorted(checkpoints):
        chain = {
            pid: mid
            for pid, mid, start, end in lines
            if start <= point and (end is None or end > point)
        }
        chain[person.pk] = manager.pk
        cycles = find_cycles(chain)
        if cycles:
            cycle = next((c for c in cycles if person.pk in c), cycles[0])
            if person.pk in cycle:  # name the loop starting from the person being changed
                at = cycle.index(person.pk)
                cycle = cycle[at:] + cycle[:at]
            names = dict(Person.objects.filter(pk__in=cycle).values_list("id", "name"))
            loop = " → ".join(names[p] for p in [*cycle, cycle[0]])
            raise ReportingCycleError(
                {"manager": f"reporting cycle on {point}: {loop}"}, code="cycle"
            )
