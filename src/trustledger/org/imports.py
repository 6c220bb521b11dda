"""Import people from an HR system's CSV export: one service for the CLI, the web page and the API.

The import is an idempotent upsert keyed by ``employee_id`` and all-or-nothing: the whole file is
checked first, every problem is collected with its line number, column and reason, and only a clean
file is written, in one transaction. It is built for organisation scale (100,000 people in seconds):
the file is parsed with :mod:`csv`, checked with dicts and sets, existing people and reporting lines
are read in one query each, and writes go through ``bulk_create`` / ``bulk_update``.

The columns and rules are documented in docs/import.md.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, connection, models, transaction
from django.db.models import Q
from django.utils import timezone

from trustledger.accounts.actors import Actor
from trustledger.audit import services as audit
from trustledger.imports_common import (
    ImportRejected,
    MalformedCsv,
    Progress,
    ProgressCallback,
    RowError,
    chunks,
    decode,
    read_header,
    records,
)
from trustledger.org.graph import find_cycles
from trustledger.org.models import BehaviourStyle, Person, ReportingLine, Team

__all__ = [
    "COLUMNS",
    "REQUIRED_COLUMNS",
    "ImportRejected",
    "ImportReport",
    "RowError",
    "import_people",
]

#: Every column the import understands, in the order the export writes them.
COLUMNS = (
    "employee_id",
    "name",
    "email",
    "title",
    "team",
    "manager_employee_id",
    "start_date",
    "leave_date",
    "behaviour_style",
    "external",
)
REQUIRED_COLUMNS = ("employee_id", "name", "email")


def _max_length(model: type[Person] | type[Team], name: str) -> int:
    column = model._meta.get_field(name)
    assert isinstance(column, models.CharField)
    assert column.max_length is not None
    return column.max_length


_MAX_LENGTH = {
    "employee_id": _max_length(Person, "employee_id"),
    "name": _max_length(Person, "name"),
    "email": _max_length(Person, "email"),
    "title": _max_length(Person, "title"),
    "team": _max_length(Team, "name"),
    "manager_employee_id": _max_length(Person, "employee_id"),
}
_TRUE = frozenset({"true", "yes", "1"})
_FALSE = frozenset({"false", "no", "0", ""})
_STYLES = frozenset(BehaviourStyle.values)
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
_WRITE_CHUNK = 2000
_UPDATE_BATCH = 500
_CYCLE_NAMES_SHOWN = 8


@dataclass(frozen=True)
class ImportReport:
    """What a successful import did."""

    created: int
    updated: int
    unchanged: int
    managers_changed: int
    teams_created: int

    @property
    def total(self) -> int:
        """People in the file (each is created, updated or unchanged)."""
        return self.created + self.updated + self.unchanged


# --- reading the file ----------------------------------------------------------------------


@dataclass(slots=True)
class _Row:
    """One data row as written in the file (values stripped; ``None`` when the column is absent)."""

    line: int
    employee_id: str
    name: str
    email: str
    title: str | None
    team: str | None
    manager: str | None
    start_date: dt.date | None
    leave_date: dt.date | None
    behaviour_style: str | None
    external: bool | None


@dataclass(slots=True)
class _Existing:
    pk: uuid.UUID
    name: str
    email: str
    title: str
    team_id: uuid.UUID | None
    start_date: dt.date | None
    leave_date: dt.date | None
    behaviour_style: str
    is_external: bool


@dataclass(slots=True)
class _Line:
    pk: uuid.UUID
    person: str  # employee ids
    manager: str
    valid_from: dt.date
    valid_to: dt.date | None


@dataclass
class _Plan:
    """Everything the write phase does, decided before it starts."""

    effective: dt.date
    new_teams: list[Team] = field(default_factory=list)
    new_people: list[Person] = field(default_factory=list)
    changed_people: list[Person] = field(default_factory=list)
    changed_fields: list[str] = field(default_factory=list)
    email_movers: list[Person] = field(default_factory=list)
    lines_to_close: list[uuid.UUID] = field(default_factory=list)
    lines_to_delete: list[uuid.UUID] = field(default_factory=list)
    lines_to_repoint: list[ReportingLine] = field(default_factory=list)
    lines_to_open: list[ReportingLine] = field(default_factory=list)
    updated: int = 0
    unchanged: int = 0
    managers_changed: int = 0

    @property
    def work(self) -> int:
        return (
            len(self.new_teams)
            + len(self.new_people)
            + len(self.changed_people)
            + len(self.email_movers)
            + len(self.lines_to_close)
            + len(self.lines_to_delete)
            + len(self.lines_to_repoint)
            + len(self.lines_to_open)
        )


def _parse_date(value: str) -> dt.date:
    if not _ISO_DATE.fullmatch(value):
        raise ValueError(f"{value!r} is not a date; write dates as YYYY-MM-DD, e.g. 2024-03-01")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a real date (YYYY-MM-DD)") from None


def _parse_row(
    line: int,
    values: list[str],
    positions: dict[str, int],
    nameless: list[int],
    width: int,
    errors: list[RowError],
) -> _Row | None:
    """Check one row on its own (formats and lengths); cross-row rules come later."""
    if len(values) != width:
        errors.append(
            RowError(
                line,
                "",
                f"this row has {len(values)} values but the header has {width} columns; "
                "check for a missing or extra separator or an unquoted comma",
            )
        )
        return None
    for index in nameless:
        if values[index].strip():
            errors.append(
                RowError(line, "", f"value {values[index].strip()!r} is in a column with no name")
            )

    def text(column: str) -> str | None:
        index = positions.get(column)
        if index is None:
            return None
        value = values[index].strip()
        limit = _MAX_LENGTH.get(column)
        if limit is not None and len(value) > limit:
            errors.append(
                RowError(line, column, f"{column} is {len(value)} characters long; at most {limit}")
            )
        return value

    employee_id = text("employee_id") or ""
    name = text("name") or ""
    email = (text("email") or "").lower()
    for column, value in (("employee_id", employee_id), ("name", name), ("email", email)):
        if not value:
            errors.append(RowError(line, column, f"{column} is required and is empty"))
    if email and len(email) <= _MAX_LENGTH["email"]:
        try:
            validate_email(email)
        except ValidationError:
            errors.append(
                RowError(line, "email", f"{email!r} is not an e-mail address (name@example.com)")
            )

    dates: dict[str, dt.date | None] = {}
    for column in ("start_date", "leave_date"):
        raw = text(column)
        dates[column] = None
        if raw:
            try:
                dates[column] = _parse_date(raw)
            except ValueError as problem:
                errors.append(RowError(line, column, str(problem)))

    style = text("behaviour_style")
    if style is not None:
        style = style.lower()
        if style and style not in _STYLES:
            errors.append(
                RowError(
                    line,
                    "behaviour_style",
                    f"{style!r} is not a behaviour style; use one of "
                    f"{', '.join(BehaviourStyle.values)} or leave it empty",
                )
            )

    external: bool | None = None
    flag = text("external")
    if flag is not None:
        flag = flag.lower()
        if flag in _TRUE:
            external = True
        elif flag in _FALSE:
            external = False
        else:
            errors.append(
                RowError(
                    line,
                    "external",
                    f"{flag!r} is not a yes/no value; use true/false, yes/no or 1/0 "
                    "(empty means false)",
                )
            )

    return _Row(
        line=line,
        employee_id=employee_id,
        name=name,
        email=email,
        title=text("title"),
        team=text("team"),
        manager=text("manager_employee_id"),
        start_date=dates["start_date"],
        leave_date=dates["leave_date"],
        behaviour_style=style,
        external=external,
    )


# --- checking the whole file against the database ------------------------------------------


def _describe_cycle(cycle: list[str], start: str, names: dict[str, str]) -> str:
    at = cycle.index(start)
    ordered = cycle[at:] + cycle[:at]
    shown = [f"{names.get(eid, eid)} ({eid})" for eid in ordered[:_CYCLE_NAMES_SHOWN]]
    if len(ordered) > _CYCLE_NAMES_SHOWN:
        shown.append(f"… {len(ordered) - _CYCLE_NAMES_SHOWN} more")
    loop = " → ".join([*shown, shown[0]])
    return (
        f"reporting cycle: {loop}; someone on this loop must report to a manager outside it "
        "(or to nobody)"
    )


def _check_and_plan(
    rows: list[_Row],
    columns: set[str],
    effective: dt.date,
    errors: list[RowError],
) -> _Plan:
    """Check the rows against each other and the database; return what the write phase will do."""
    existing: dict[str, _Existing] = {}
    email_owner: dict[str, str] = {}
    for (
        pk,
        eid,
        name,
        email,
        title,
        team_id,
        start,
        leave,
        style,
        ext,
    ) in Person.objects.values_list(
        "id",
        "employee_id",
        "name",
        "email",
        "title",
        "team_id",
        "start_date",
        "leave_date",
        "behaviour_style",
        "is_external",
    ):
        existing[eid] = _Existing(pk, name, email, title, team_id, start, leave, style, ext)
        email_owner[email.lower()] = eid

    # Rows that repeat an employee id or an e-mail of an earlier row.
    first_line: dict[str, int] = {}
    email_line: dict[str, tuple[int, str]] = {}
    by_id: dict[str, _Row] = {}
    for row in rows:
        if row.employee_id:
            earlier = first_line.get(row.employee_id)
            if earlier is not None:
                errors.append(
                    RowError(
                        row.line,
                        "employee_id",
                        f"employee_id {row.employee_id!r} is already on line {earlier}; "
                        "each person may appear only once",
                    )
                )
                continue
            first_line[row.employee_id] = row.line
            by_id[row.employee_id] = row
        if row.email:
            seen = email_line.get(row.email)
            if seen is not None:
                errors.append(
                    RowError(
                        row.line,
                        "email",
                        f"e-mail {row.email!r} is already used on line {seen[0]} "
                        f"(employee_id {seen[1]!r}); e-mail addresses must be unique",
                    )
                )
            else:
                email_line[row.email] = (row.line, row.employee_id)

    # E-mails held by someone in trustledger who keeps them (is not in the file).
    for row in by_id.values():
        owner = email_owner.get(row.email)
        if owner is not None and owner != row.employee_id and owner not in by_id:
            errors.append(
                RowError(
                    row.line,
                    "email",
                    f"e-mail {row.email!r} already belongs to {existing[owner].name} "
                    f"(employee_id {owner!r}) in trustledger; e-mail addresses must be unique",
                )
            )

    # Leave date against start date, using the stored value for a column the file leaves out.
    for row in by_id.values():
        old = existing.get(row.employee_id)
        start = row.start_date if "start_date" in columns else (old.start_date if old else None)
        leave = row.leave_date if "leave_date" in columns else (old.leave_date if old else None)
        if start and leave and leave < start:
            column = "leave_date" if "leave_date" in columns else "start_date"
            errors.append(
                RowError(
                    row.line,
                    column,
                    f"leave_date {leave} is before start_date {start}; a person cannot leave "
                    "before they start",
                )
            )

    lines_by_person = _load_lines(effective)
    changed_managers: dict[str, str | None] = {}
    if "manager_employee_id" in columns:
        changed_managers = _check_managers(by_id, existing, lines_by_person, effective, errors)

    if errors:
        return _Plan(effective)
    return _plan_writes(by_id, columns, existing, lines_by_person, changed_managers, effective)


def _load_lines(effective: dt.date) -> dict[str, list[_Line]]:
    """Reporting lines open on or after ``effective``, by employee id (one query)."""
    lines_by_person: dict[str, list[_Line]] = {}
    for pk, person, manager, valid_from, valid_to in ReportingLine.objects.filter(
        Q(valid_to__isnull=True) | Q(valid_to__gt=effective)
    ).values_list("id", "person__employee_id", "manager__employee_id", "valid_from", "valid_to"):
        lines_by_person.setdefault(person, []).append(
            _Line(pk, person, manager, valid_from, valid_to)
        )
    return lines_by_person


def _line_on(lines: list[_Line], day: dt.date) -> _Line | None:
    for line in lines:
        if line.valid_from <= day and (line.valid_to is None or line.valid_to > day):
            return line
    return None


def _check_managers(
    by_id: dict[str, _Row],
    existing: dict[str, _Existing],
    lines_by_person: dict[str, list[_Line]],
    effective: dt.date,
    errors: list[RowError],
) -> dict[str, str | None]:
    """Check every manager reference and cycle; return employee id → new manager for changes."""
    changed: dict[str, str | None] = {}
    rejected: set[str] = set()  # left out of the cycle check so one mistake is reported once
    for eid, row in by_id.items():
        manager = row.manager or None
        if manager is not None:
            if manager == eid:
                errors.append(
                    RowError(
                        row.line,
                        "manager_employee_id",
                        f"{eid!r} is given as their own manager; leave it empty if they "
                        "report to nobody",
                    )
                )
                rejected.add(eid)
                continue
            if manager not in by_id and manager not in existing:
                errors.append(
                    RowError(
                        row.line,
                        "manager_employee_id",
                        f"manager {manager!r} is neither in this file nor in trustledger; "
                        "add that person or leave the column empty",
                    )
                )
                rejected.add(eid)
                continue
        lines = lines_by_person.get(eid, [])
        current = _line_on(lines, effective)
        current_manager = current.manager if current else None
        if current_manager == manager:
            continue
        later = [line.valid_from for line in lines if line.valid_from > effective]
        if later:
            errors.append(
                RowError(
                    row.line,
                    "manager_employee_id",
                    f"{eid!r} already has a reporting line starting on {min(later)}, after the "
                    f"effective date {effective}; import with an effective date on or after "
                    f"{min(later)}, or change it in trustledger first",
                )
            )
            rejected.add(eid)
            continue
        changed[eid] = manager

    # The reporting tree on the effective date, and on each later date a planned line starts.
    names = {eid: person.name for eid, person in existing.items()}
    names.update({eid: row.name for eid, row in by_id.items()})
    checkpoints = {effective} | {
        line.valid_from
        for lines in lines_by_person.values()
        for line in lines
        if line.valid_from > effective
    }
    reported: set[str] = set()
    for day in sorted(checkpoints):
        tree: dict[str, str] = {}
        for lines in lines_by_person.values():
            line = _line_on(lines, day)
            if line is not None:
                tree[line.person] = line.manager
        for eid, manager in changed.items():
            if manager is None:
                tree.pop(eid, None)
            else:
                tree[eid] = manager
        for eid in rejected:
            tree.pop(eid, None)
        for cycle in find_cycles(tree):
            for eid in cycle:
                on_loop = by_id.get(eid)
                if on_loop is not None and eid not in reported:
                    reported.add(eid)
                    reason = _describe_cycle(cycle, eid, names)
                    if day != effective:
                        reason = f"from {day}, {reason}"
                    errors.append(RowError(on_loop.line, "manager_employee_id", reason))
    return changed


def _plan_writes(
    by_id: dict[str, _Row],
    columns: set[str],
    existing: dict[str, _Existing],
    lines_by_person: dict[str, list[_Line]],
    changed_managers: dict[str, str | None],
    effective: dt.date,
) -> _Plan:
    plan = _Plan(effective)
    team_ids, plan.new_teams = _resolve_teams(by_id.values()) if "team" in columns else ({}, [])
    now = timezone.now()
    person_fields = {
        "title": "title",
        "team": "team",
        "start_date": "start_date",
        "leave_date": "leave_date",
        "behaviour_style": "behaviour_style",
        "external": "is_external",
    }
    plan.changed_fields = [
        "name",
        "email",
        *(person_fields[c] for c in COLUMNS if c in person_fields and c in columns),
        "updated_at",
    ]
    pk_of = {eid: person.pk for eid, person in existing.items()}
    new_emails: set[str] = set()
    for eid, row in by_id.items():
        old = existing.get(eid)
        team_id = team_ids.get(row.team or "") if row.team is not None else None
        if old is None:
            person = Person(
                id=uuid.uuid4(),
                employee_id=eid,
                name=row.name,
                email=row.email,
                title=row.title or "",
                team_id=team_id,
                start_date=row.start_date,
                leave_date=row.leave_date,
                behaviour_style=row.behaviour_style or "",
                is_external=bool(row.external),
            )
            pk_of[eid] = person.id
            plan.new_people.append(person)
            continue
        wanted = _Existing(
            old.pk,
            row.name,
            row.email,
            old.title if row.title is None else row.title,
            old.team_id if row.team is None else team_id,
            old.start_date if "start_date" not in columns else row.start_date,
            old.leave_date if "leave_date" not in columns else row.leave_date,
            old.behaviour_style if row.behaviour_style is None else row.behaviour_style,
            old.is_external if row.external is None else row.external,
        )
        if wanted != old:
            plan.changed_people.append(
                Person(
                    id=old.pk,
                    employee_id=eid,
                    name=wanted.name,
                    email=wanted.email,
                    title=wanted.title,
                    team_id=wanted.team_id,
                    start_date=wanted.start_date,
                    leave_date=wanted.leave_date,
                    behaviour_style=wanted.behaviour_style,
                    is_external=wanted.is_external,
                    updated_at=now,
                )
            )
            if wanted.email != old.email:
                new_emails.add(wanted.email)
        elif eid not in changed_managers:
            plan.unchanged += 1
            continue
        plan.updated += 1

    # Someone whose current e-mail another person takes over moves aside first (swaps work).
    for person in plan.changed_people:
        old_email = existing[person.employee_id].email.lower()
        if old_email != person.email and old_email in new_emails:
            plan.email_movers.append(
                Person(id=person.pk, email=f"moving-{person.pk.hex}@import.invalid")
            )

    for eid, manager in changed_managers.items():
        plan.managers_changed += 1
        current = _line_on(lines_by_person.get(eid, []), effective)
        manager_pk = pk_of[manager] if manager is not None else None
        if current is not None and current.valid_from == effective:
            if manager_pk is None:
                plan.lines_to_delete.append(current.pk)
            else:  # a second change on the same day replaces the first
                plan.lines_to_repoint.append(ReportingLine(id=current.pk, manager_id=manager_pk))
            continue
        if current is not None:
            plan.lines_to_close.append(current.pk)
        if manager_pk is not None:
            plan.lines_to_open.append(
                ReportingLine(
                    id=uuid.uuid4(),
                    person_id=pk_of[eid],
                    manager_id=manager_pk,
                    valid_from=effective,
                )
            )
    return plan


def _resolve_teams(rows: Iterable[_Row]) -> tuple[dict[str, uuid.UUID], list[Team]]:
    """Team id for every team name in the file; names are matched ignoring case."""
    exact: dict[str, uuid.UUID] = {}
    folded: dict[str, uuid.UUID] = {}
    for pk, name in Team.objects.values_list("id", "name"):
        exact[name] = pk
        folded.setdefault(name.casefold(), pk)
    resolved: dict[str, uuid.UUID] = {}
    new_teams: list[Team] = []
    for row in rows:
        wanted = row.team
        if not wanted or wanted in resolved:
            continue
        found = exact.get(wanted) or folded.get(wanted.casefold())
        if found is None:
            new = Team(id=uuid.uuid4(), name=wanted)
            new_teams.append(new)
            found = folded[wanted.casefold()] = new.id
        resolved[wanted] = found
    return resolved, new_teams


# --- writing -------------------------------------------------------------------------------


def _update_rows(people: list[Person], names: list[str]) -> None:
    """``UPDATE person SET … WHERE id = %s`` once per person, sent with ``executemany``.

    ``bulk_update`` builds one ``CASE WHEN id = … THEN …`` per field and row, which is quadratic
    in the batch size; one parameterised statement stays linear. Values still go through each
    field's ``get_db_prep_save`` so every database gets what Django would send.
    """
    meta = Person._meta
    fields = [field for field in meta.concrete_fields if field.name in names]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(str(field.column))} = %s" for field in fields)
    sql = f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(str(meta.pk.column))} = %s"
    params = [
        [field.get_db_prep_save(getattr(person, field.attname), connection) for field in fields]
        + [meta.pk.get_db_prep_save(person.pk, connection)]
        for person in people
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def _write(plan: _Plan, advance: Callable[[int], None]) -> None:
    """Apply the plan. Runs inside the caller's transaction; unique constraints still hold."""
    for teams in chunks(plan.new_teams):
        Team.objects.bulk_create(teams)
        advance(len(teams))
    for movers in chunks(plan.email_movers):
        _update_rows(movers, ["email"])
        advance(len(movers))
    for people in chunks(plan.changed_people):
        _update_rows(people, plan.changed_fields)
        advance(len(people))
    for people in chunks(plan.new_people):
        Person.objects.bulk_create(people)
        advance(len(people))
    for ids in chunks(plan.lines_to_close, _UPDATE_BATCH):
        ReportingLine.objects.filter(pk__in=ids).update(valid_to=plan.effective)
        advance(len(ids))
    for ids in chunks(plan.lines_to_delete, _UPDATE_BATCH):
        ReportingLine.objects.filter(pk__in=ids).delete()
        advance(len(ids))
    for lines in chunks(plan.lines_to_repoint, _UPDATE_BATCH):
        ReportingLine.objects.bulk_update(lines, ["manager"])
        advance(len(lines))
    for lines in chunks(plan.lines_to_open):
        ReportingLine.objects.bulk_create(lines)
        advance(len(lines))


# --- the service ---------------------------------------------------------------------------


def require_importer(actor: Actor) -> None:
    """Refuse (and audit) anyone who may not import people: only HR, administrators, the system."""
    if not actor.manages_people:
        audit.deny(actor, "person.import", "person", "", "only HR and administrators import people")
    if not actor.can_write():
        audit.deny(actor, "person.import", "person", "", "this API token is read-only")


def import_people(
    actor: Actor,
    data: bytes,
    *,
    effective: dt.date | None = None,
    filename: str = "",
    progress: ProgressCallback | None = None,
) -> ImportReport:
    """Create or update the people in an HR system's CSV export (HR, admins and the system).

    ``data`` is the raw file. Reporting-line changes take effect on ``effective`` (default
    today). The whole file is checked first: if anything is wrong, :class:`ImportRejected` lists
    every problem and nothing is written. Otherwise everything is written in one transaction and
    one audit record is kept. ``progress(done, total)`` is called a few hundred times at most,
    first while checking the rows, then while writing them.
    """
    require_importer(actor)
    day = effective or timezone.localdate()

    text, errors = decode(data)
    if errors:
        raise ImportRejected(errors, COLUMNS)
    if not text.strip():
        raise ImportRejected(
            [RowError(1, "", "the file is empty; it needs a header line and one line per person")]
        )
    try:
        lines = list(records(text))
    except MalformedCsv as problem:
        raise ImportRejected(
            [RowError(problem.line, "", f"the CSV cannot be read from here: {problem.detail}")]
        ) from None
    (_, header), body = lines[0], lines[1:]
    positions, nameless, errors = read_header(header, COLUMNS, REQUIRED_COLUMNS)
    if errors:
        raise ImportRejected(errors, COLUMNS)
    if not body:
        raise ImportRejected(
            [RowError(1, "", "the file has a header but no people; add one line per person")]
        )

    # Half of the progress is checking the rows, the other half writing them.
    meter = Progress(progress, 2 * len(body))
    rows: list[_Row] = []
    for line, values in body:
        row = _parse_row(line, values, positions, nameless, len(header), errors)
        if row is not None:
            rows.append(row)
        meter.advance()
    plan = _check_and_plan(rows, set(positions), day, errors)
    if errors:
        raise ImportRejected(errors, COLUMNS)

    work, written = max(plan.work, 1), 0

    def advance(units: int) -> None:  # the write phase fills the second half of the bar
        nonlocal written
        before = len(body) * written // work
        written += units
        meter.advance(len(body) * written // work - before)

    try:
        with transaction.atomic():
            _write(plan, advance)
            report = ImportReport(
                created=len(plan.new_people),
                updated=plan.updated,
                unchanged=plan.unchanged,
                managers_changed=plan.managers_changed,
                teams_created=len(plan.new_teams),
            )
            audit.record(
                actor,
                "person.import",
                "person",
                "",
                detail={
                    "filename": filename,
                    "effective": day.isoformat(),
                    "rows": report.total,
                    "created": report.created,
                    "updated": report.updated,
                    "unchanged": report.unchanged,
                    "managers_changed": report.managers_changed,
                    "teams_created": report.teams_created,
                },
            )
    except IntegrityError as problem:
        # Someone changed people between the check and the write (the check reads outside the
        # write transaction to keep SQLite's write lock short). Nothing was written.
        raise ImportRejected(
            [
                RowError(
                    1,
                    "",
                    "people in trustledger changed while the file was being checked "
                    f"({problem}); nothing was imported, import the file again",
                )
            ]
        ) from None
    meter.finish()
    return report
