"""Import commitment history from other tools: ``trustledger import commitments FILE.csv``.

One CSV row per *event*, so a tool's whole history comes across faithfully: rows sharing a
``commitment_ref`` (the source tool's id) are one commitment, in time order, starting with its
``propose`` row. Like the people import (:mod:`trustledger.org.imports`) it is all-or-nothing
and reports every problem with its line, column and reason; it shares that machinery through
:mod:`trustledger.imports_common`.

Every commitment's events are checked with the same pure state machine the services use
(:mod:`trustledger.ledger.lifecycle`), so an illegal step is reported as "deliver is not allowed
for the requester while …; allowed now: …", and the cached state columns are exactly what
``lifecycle.replay`` gives. For speed the writes bypass ``services.take_step`` (one
``bulk_create`` per table and batch, one transaction) but store the same events and payloads.

Importing is idempotent: each commitment remembers its ``commitment_ref`` and a fingerprint of its
events (:class:`~trustledger.ledger.models.ImportedCommitment`); the same history again is skipped,
a different history under a known ref is refused. The columns are documented in docs/import.md.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
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
    fast_insert,
    read_header,
    records,
)
from trustledger.ledger import lifecycle, services
from trustledger.ledger.lifecycle import Event, IllegalStep, Side, State, Step
from trustledger.ledger.models import (
    Commitment,
    CommitmentEvent,
    CommitmentWitness,
    ImportedCommitment,
    Origin,
    Stakes,
    Visibility,
)
from trustledger.org.models import Person

__all__ = [
    "COLUMNS",
    "REQUIRED_COLUMNS",
    "CommitmentImportReport",
    "ImportRejected",
    "RowError",
    "import_commitments",
]

#: Every column the import understands.
COLUMNS = (
    "commitment_ref",
    "step",
    "actor_employee_id",
    "at",
    "performer_employee_id",
    "requester_employee_id",
    "what",
    "done_means",
    "due_at",
    "stakes",
    "visibility",
    "origin",
    "customer_employee_id",
    "witness_employee_ids",
    "note",
)
REQUIRED_COLUMNS = COLUMNS[:9]
#: Steps whose row carries terms (what, done_means, due_at).
_TERM_STEPS = frozenset({Step.PROPOSE, Step.COUNTER, Step.RENEGOTIATE})
_REF_MAX = ImportedCommitment._meta.get_field("source_ref").max_length or 200
_STEPS = {step.value: step for step in Step}
_STEP_NAMES = ", ".join(_STEPS)
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
_WITNESS_SPLIT = re.compile(r"[\s;|]+")
_END_OF_DAY = dt.time(23, 59, 59)
_COMMITMENT_BATCH = 2000
_CHOICES = {
    "stakes": frozenset(Stakes.values),
    "visibility": frozenset(Visibility.values),
    "origin": frozenset(Origin.values),
}
#: SQLite page cache while importing (KiB, as PRAGMA cache_size takes it when negative): the
#: default 2 MB makes every insert into the random-UUID indexes a trip to the OS.
_SQLITE_CACHE_KIB = 256 * 1024


@dataclass(frozen=True)
class CommitmentImportReport:
    """What a successful import did."""

    commitments_created: int
    events_created: int
    #: Commitments already imported with the same history (skipped: nothing changed).
    unchanged: int


@dataclass(slots=True)
class _Row:
    """One event row as read (values stripped; dates parsed; people still employee ids)."""

    line: int
    step: Step
    actor: str
    at: dt.datetime
    performer: str
    requester: str
    what: str
    done_means: str
    due_at: dt.datetime | None
    stakes: str
    visibility: str
    origin: str
    customer: str
    witnesses: str
    note: str


@dataclass(slots=True)
class _Planned:
    """A checked commitment, ready to write."""

    ref: str
    fingerprint: str
    performer_id: uuid.UUID
    requester_id: uuid.UUID
    customer_id: uuid.UUID | None
    witness_ids: list[uuid.UUID]
    stakes: str
    visibility: str
    origin: str
    state: State
    # (lifecycle event, acting person's pk or None, note)
    events: list[tuple[Event, uuid.UUID | None, str]] = field(default_factory=list)


class _People:
    """Employee id → (pk, is_external) for everyone in trustledger (one query)."""

    def __init__(self) -> None:
        self.by_employee_id: dict[str, tuple[uuid.UUID, bool]] = {
            eid: (pk, external)
            for eid, pk, external in Person.objects.values_list("employee_id", "id", "is_external")
        }

    def pk(self, employee_id: str) -> uuid.UUID | None:
        found = self.by_employee_id.get(employee_id)
        return found[0] if found else None

    def is_external(self, employee_id: str) -> bool:
        found = self.by_employee_id.get(employee_id)
        return bool(found and found[1])


# --- reading the file ----------------------------------------------------------------------


def _parse_moment(value: str, zone: dt.tzinfo, end_of_day: bool) -> dt.datetime:
    """An ISO date-time with a time zone, or a date (start, or for due dates end, of the day)."""
    if len(value) == 10 and _ISO_DAY.fullmatch(value):
        try:
            day = dt.date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{value!r} is not a real date (YYYY-MM-DD)") from None
        return dt.datetime.combine(day, _END_OF_DAY if end_of_day else dt.time(), tzinfo=zone)
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(
            f"{value!r} is not a date and time; write ISO 8601 with a time zone, e.g. "
            "2026-03-01T17:00:00+01:00 (or Z for UTC), or a date YYYY-MM-DD"
        ) from None
    if moment.tzinfo is None:
        raise ValueError(
            f"{value!r} has no time zone; add one, e.g. {value}+00:00 or {value}Z, so the "
            "moment is unambiguous"
        )
    return moment


def _parse_rows(
    body: Iterator[tuple[int, list[str]]],
    positions: dict[str, int],
    width: int,
    errors: list[RowError],
    meter: Progress,
) -> dict[str, list[_Row]]:
    """Every row, checked on its own, grouped by ``commitment_ref`` (in file order)."""
    zone = timezone.get_default_timezone()
    now = timezone.now()
    by_ref: dict[str, list[_Row]] = {}
    ref_at = positions["commitment_ref"]
    step_at = positions["step"]
    at_at = positions["at"]
    due_at = positions["due_at"]
    optional = {
        name: positions.get(name)
        for name in ("stakes", "visibility", "origin", "customer_employee_id")
    }
    witnesses_at = positions.get("witness_employee_ids")
    note_at = positions.get("note")
    performer_at = positions["performer_employee_id"]
    requester_at = positions["requester_employee_id"]
    actor_at = positions["actor_employee_id"]
    what_at = positions["what"]
    done_at = positions["done_means"]
    for line, values in body:
        meter.advance()
        if len(values) != width:
            errors.append(
                RowError(
                    line,
                    "",
                    f"this row has {len(values)} values but the header has {width} columns; "
                    "check for a missing or extra separator or an unquoted comma",
                )
            )
            continue
        ok = True
        ref = values[ref_at].strip()
        if not ref:
            errors.append(
                RowError(line, "commitment_ref", "commitment_ref is required and is empty")
            )
            ok = False
        elif len(ref) > _REF_MAX:
            errors.append(
                RowError(
                    line,
                    "commitment_ref",
                    f"commitment_ref is {len(ref)} characters; at most {_REF_MAX}",
                )
            )
            ok = False
        raw_step = values[step_at].strip().lower()
        step = _STEPS.get(raw_step)
        if step is None:
            reason = (
                "step is required and is empty"
                if not raw_step
                else f"{raw_step!r} is not a step; the steps are {_STEP_NAMES}"
            )
            errors.append(RowError(line, "step", reason))
            ok = False
        raw_at = values[at_at].strip()
        at = now
        if not raw_at:
            errors.append(
                RowError(line, "at", "at (when the step was taken) is required and is empty")
            )
            ok = False
        else:
            try:
                at = _parse_moment(raw_at, zone, end_of_day=False)
            except ValueError as problem:
                errors.append(RowError(line, "at", str(problem)))
                ok = False
            else:
                if at > now:
                    errors.append(
                        RowError(
                            line, "at", f"{raw_at} is in the future; import only what happened"
                        )
                    )
                    ok = False
        raw_due = values[due_at].strip()
        due: dt.datetime | None = None
        if raw_due and step in _TERM_STEPS:
            try:
                due = _parse_moment(raw_due, zone, end_of_day=True)
            except ValueError as problem:
                errors.append(RowError(line, "due_at", str(problem)))
                ok = False
        choices: dict[str, str] = {}
        for name, index in optional.items():
            choices[name] = values[index].strip() if index is not None else ""
        if not ok:
            continue
        assert step is not None
        row = _Row(
            line=line,
            step=step,
            actor=values[actor_at].strip(),
            at=at,
            performer=values[performer_at].strip(),
            requester=values[requester_at].strip(),
            what=values[what_at].strip(),
            done_means=values[done_at].strip(),
            due_at=due,
            stakes=choices["stakes"].lower(),
            visibility=choices["visibility"].lower(),
            origin=choices["origin"].lower(),
            customer=choices["customer_employee_id"],
            witnesses=values[witnesses_at].strip() if witnesses_at is not None else "",
            note=values[note_at].strip() if note_at is not None else "",
        )
        group = by_ref.get(ref)
        if group is None:
            by_ref[ref] = [row]
        else:
            group.append(row)
    return by_ref


# --- checking each commitment's history ----------------------------------------------------


def _fingerprint(rows: list[_Row]) -> str:
    """A digest of a commitment's events as imported (format-insensitive: parsed values)."""
    digest = hashlib.sha256()
    for row in rows:
        due = row.due_at.isoformat() if row.due_at else ""
        digest.update(
            "\x1f".join(
                (
                    row.step.value,
                    row.actor,
                    row.at.isoformat(),
                    row.performer,
                    row.requester,
                    row.what,
                    row.done_means,
                    due,
                    row.stakes,
                    row.visibility,
                    row.origin,
                    row.customer,
                    row.witnesses,
                    row.note,
                )
            ).encode()
            + b"\x1e"
        )
    return digest.hexdigest()


def _choice(
    row: _Row,
    column: str,
    value: str,
    choices: type[Stakes] | type[Visibility] | type[Origin],
    default: str,
    errors: list[RowError],
) -> str:
    if not value:
        return default
    if value not in _CHOICES[column]:
        errors.append(
            RowError(
                row.line,
                column,
                f"{value!r} is not a valid {column}; use one of {', '.join(choices.values)} "
                f"(empty means {default})",
            )
        )
    return value


def _terms(
    row: _Row, current: lifecycle.Terms | None, errors: list[RowError]
) -> lifecycle.Terms | None:
    """The row's terms, checked by the same rules as ``services.propose``; the current terms fill
    in what a counter-offer or renegotiation leaves empty."""
    what = row.what or (current.what if current else "")
    done_means = row.done_means or (current.done_means if current else "")
    due_at = row.due_at or (current.due_at if current else None)
    if due_at is None:
        errors.append(RowError(row.line, "due_at", "due_at is required on a propose row"))
        return None
    try:
        return services.validate_terms(what, done_means, due_at, row.at)
    except ValidationError as invalid:
        for column, messages in invalid.message_dict.items():
            errors.extend(RowError(row.line, column, message) for message in messages)
        return None


def _check_proposal(
    ref: str, first: _Row, people: _People, errors: list[RowError]
) -> _Planned | None:
    """The commitment a ``propose`` row starts, or ``None`` (with errors) if it cannot."""
    before = len(errors)
    ids: dict[str, uuid.UUID] = {}
    for column, employee_id in (
        ("performer_employee_id", first.performer),
        ("requester_employee_id", first.requester),
    ):
        if not employee_id:
            errors.append(RowError(first.line, column, f"{column} is required on a propose row"))
            continue
        pk = people.pk(employee_id)
        if pk is None:
            errors.append(
                RowError(
                    first.line,
                    column,
                    f"{employee_id!r} is not a person in trustledger; import people first",
                )
            )
            continue
        ids[column] = pk
    if first.performer and first.performer == first.requester:
        errors.append(
            RowError(
                first.line,
                "requester_employee_id",
                "the performer and the requester are the same person; a commitment needs two",
            )
        )
    customer_id = None
    if first.customer:
        customer_id = people.pk(first.customer)
        if customer_id is None:
            errors.append(
                RowError(
                    first.line,
                    "customer_employee_id",
                    f"{first.customer!r} is not a person in trustledger; import people first",
                )
            )
        elif not people.is_external(first.customer):
            errors.append(
                RowError(
                    first.line,
                    "customer_employee_id",
                    f"{first.customer!r} is not an external counterpart (external = true in the "
                    "people import)",
                )
            )
    witness_ids: list[uuid.UUID] = []
    for witness in dict.fromkeys(w for w in _WITNESS_SPLIT.split(first.witnesses) if w):
        pk = people.pk(witness)
        if pk is None:
            errors.append(
                RowError(
                    first.line,
                    "witness_employee_ids",
                    f"witness {witness!r} is not a person in trustledger; import people first",
                )
            )
        elif witness in (first.performer, first.requester):
            errors.append(
                RowError(
                    first.line,
                    "witness_employee_ids",
                    f"{witness!r} is a party to this commitment; a witness is someone else",
                )
            )
        else:
            witness_ids.append(pk)
    stakes = _choice(first, "stakes", first.stakes, Stakes, Stakes.ROUTINE, errors)
    visibility = _choice(
        first, "visibility", first.visibility, Visibility, Visibility.PARTIES, errors
    )
    origin = _choice(first, "origin", first.origin, Origin, Origin.OTHER, errors)
    terms = _terms(first, None, errors)
    side = _side(first, first.performer, first.requester, people, errors)
    if len(errors) > before or terms is None or side is None:
        return None
    event = Event(Step.PROPOSE, side, first.at, terms)
    planned = _Planned(
        ref=ref,
        fingerprint="",
        performer_id=ids["performer_employee_id"],
        requester_id=ids["requester_employee_id"],
        customer_id=customer_id,
        witness_ids=witness_ids,
        stakes=stakes,
        visibility=visibility,
        origin=origin,
        state=lifecycle.start(event),
    )
    planned.events.append((event, people.pk(first.actor), first.note))
    return planned


def _side(
    row: _Row, performer: str, requester: str, people: _People, errors: list[RowError]
) -> Side | None:
    """The side ``row.actor`` is on; reports an error (and returns ``None``) otherwise."""
    if row.actor == performer:
        return Side.PERFORMER
    if row.actor == requester:
        return Side.REQUESTER
    if people.pk(row.actor) is None:
        reason = f"{row.actor!r} is not a person in trustledger; import people first"
    else:
        reason = (
            f"{row.actor!r} is neither the performer ({performer}) nor the requester "
            f"({requester}); only the two parties take steps on a commitment"
        )
    errors.append(RowError(row.line, "actor_employee_id", reason))
    return None


def _check_history(
    ref: str, rows: list[_Row], people: _People, errors: list[RowError]
) -> _Planned | None:
    """Replay one commitment's rows through the state machine; ``None`` if anything is wrong.

    The first problem of a commitment stops its check: later steps would only repeat it.
    """
    first = rows[0]
    if first.step is not Step.PROPOSE:
        errors.append(
            RowError(
                first.line,
                "step",
                f"the history of {ref!r} starts with {first.step.value}; a commitment's first "
                "event is propose",
            )
        )
        return None
    if not first.actor:
        errors.append(
            RowError(
                first.line,
                "actor_employee_id",
                "a proposal is made by the performer or the requester; name which",
            )
        )
        return None
    planned = _check_proposal(ref, first, people, errors)
    if planned is None:
        return None
    state = planned.state
    previous = first
    for row in rows[1:]:
        if row.at < previous.at:
            errors.append(
                RowError(
                    row.line,
                    "at",
                    f"{row.at.isoformat()} is before the previous event of {ref!r} on line "
                    f"{previous.line} ({previous.at.isoformat()}); list each commitment's events "
                    "in time order",
                )
            )
            return None
        if row.step is Step.PROPOSE:
            errors.append(
                RowError(
                    row.line,
                    "step",
                    f"{ref!r} was already proposed on line {first.line}; a commitment is "
                    "proposed once (use a new commitment_ref for a new commitment)",
                )
            )
            return None
        side: Side | None = None
        if not row.actor:
            if row.step is not Step.MARK_BROKEN:
                errors.append(
                    RowError(
                        row.line,
                        "actor_employee_id",
                        f"empty means the system, which only records mark_broken; name who "
                        f"took the {row.step.value} step",
                    )
                )
                return None
        else:
            side = _side(row, first.performer, first.requester, people, errors)
            if side is None:
                return None
        terms = None
        if row.step in _TERM_STEPS:
            before = len(errors)
            terms = _terms(row, state.terms, errors)
            if terms is None or len(errors) > before:
                return None
        event = Event(row.step, side, row.at, terms)
        try:
            state = lifecycle.apply(state, event)
        except IllegalStep as refused:
            errors.append(RowError(row.line, "step", str(refused)))
            return None
        actor_pk = (
            None
            if side is None
            else (planned.performer_id if side is Side.PERFORMER else planned.requester_id)
        )
        planned.events.append((event, actor_pk, row.note))
        previous = row
    planned.state = lifecycle.settle(state, previous.at)
    return planned


# --- writing -------------------------------------------------------------------------------


_COMMITMENT_COLUMNS = [field.attname for field in Commitment._meta.concrete_fields]
_EVENT_COLUMNS = [
    "commitment_id",
    "seq",
    "step",
    "side",
    "actor_id",
    "at",
    "recorded_at",
    "payload",
]


def _write(planned: list[_Planned], filename: str, meter: Progress) -> int:
    """Write the checked commitments in batches; returns the number of events written.

    Plain tuples through :func:`~trustledger.imports_common.fast_insert`: a million events
    as model instances through ``bulk_create`` would spend most of the time in Django.
    """
    now = timezone.now()
    written = 0
    # One instance, refilled for each commitment: services.cache_state fills the state columns,
    # the rest are set here; building 250,000 model instances would cost seconds.
    commitment = Commitment()
    for batch in chunks(planned, _COMMITMENT_BATCH):
        commitments: list[tuple[object, ...]] = []
        events: list[tuple[object, ...]] = []
        witnesses: list[tuple[uuid.UUID, uuid.UUID]] = []
        sources: list[tuple[object, ...]] = []
        for plan in batch:
            pk = uuid.uuid4()
            commitment.id = pk
            commitment.performer_id = plan.performer_id
            commitment.requester_id = plan.requester_id
            commitment.customer_id = plan.customer_id
            commitment.stakes = plan.stakes
            commitment.visibility = plan.visibility
            commitment.origin = plan.origin
            commitment.created_at = plan.events[0][0].at
            commitment.event_count = len(plan.events)
            services.cache_state(commitment, plan.state)
            commitments.append(tuple(getattr(commitment, name) for name in _COMMITMENT_COLUMNS))
            for seq, (event, actor_pk, note) in enumerate(plan.events, start=1):
                events.append(
                    (
                        pk,
                        seq,
                        event.step.value,
                        event.side.value if event.side else "",
                        actor_pk,
                        event.at,
                        now,
                        services.event_payload(event, note),
                    )
                )
            witnesses.extend((pk, witness) for witness in plan.witness_ids)
            sources.append((plan.ref, pk, plan.fingerprint, filename[:255], now))
        fast_insert(Commitment, _COMMITMENT_COLUMNS, commitments)
        fast_insert(CommitmentEvent, _EVENT_COLUMNS, events)
        if witnesses:
            fast_insert(CommitmentWitness, ["commitment_id", "person_id"], witnesses)
        fast_insert(
            ImportedCommitment,
            ["source_ref", "commitment_id", "fingerprint", "filename", "imported_at"],
            sources,
        )
        written += len(events)
        meter.advance(len(events))
    return written


@contextlib.contextmanager
def _large_sqlite_cache() -> Iterator[None]:
    """On SQLite, a page cache large enough for the indexes while writing; restored after."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        (before,) = cursor.fetchone()
        cursor.execute(f"PRAGMA cache_size = -{_SQLITE_CACHE_KIB}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(before)}")


# --- the service ---------------------------------------------------------------------------


def require_importer(actor: Actor) -> None:
    """Refuse (and audit) anyone who may not import history: HR, administrators, the system."""
    if not actor.manages_people:
        audit.deny(
            actor,
            "commitment.import",
            "commitment",
            "",
            "only HR and administrators import commitment history",
        )
    if not actor.can_write():
        audit.deny(actor, "commitment.import", "commitment", "", "this API token is read-only")


def import_commitments(
    actor: Actor,
    data: bytes,
    *,
    filename: str = "",
    progress: ProgressCallback | None = None,
) -> CommitmentImportReport:
    """Import commitment history from another tool's CSV (one row per event; HR, admins, system).

    The whole file is checked first: formats, people, each commitment's events in time order and
    through the commitment state machine, and refs imported before. If anything is wrong,
    :class:`ImportRejected` lists every problem (line, column, reason) and nothing is written.
    Otherwise the new commitments and their events are written in one transaction with one audit
    record. A ``commitment_ref`` imported before with the same events is skipped (``unchanged``),
    so importing a file twice changes nothing. ``progress(done, total)`` is called a few hundred
    times at most.
    """
    require_importer(actor)
    text, errors = decode(data)
    if errors:
        raise ImportRejected(errors, COLUMNS)
    if not text.strip():
        raise ImportRejected(
            [RowError(1, "", "the file is empty; it needs a header line and one line per event")]
        )
    lines = records(text)
    try:
        first = next(lines)
    except MalformedCsv as problem:
        raise ImportRejected(
            [RowError(problem.line, "", f"the CSV cannot be read from here: {problem.detail}")]
        ) from None
    _, header = first
    positions, _, errors = read_header(header, COLUMNS, REQUIRED_COLUMNS)
    if errors:
        raise ImportRejected(errors, COLUMNS)

    # Half of the progress is reading and checking, the other half writing.
    estimate = max(text.count("\n"), 1)
    meter = Progress(progress, 2 * estimate)
    try:
        by_ref = _parse_rows(lines, positions, len(header), errors, meter)
    except MalformedCsv as problem:
        raise ImportRejected(
            [
                *errors,
                RowError(problem.line, "", f"the CSV cannot be read from here: {problem.detail}"),
            ],
            COLUMNS,
        ) from None
    del text
    if not by_ref and not errors:
        raise ImportRejected(
            [RowError(1, "", "the file has a header but no events; add one line per event")]
        )

    people = _People()
    known = dict(
        ImportedCommitment.objects.filter(source_ref__in=list(by_ref)).values_list(
            "source_ref", "fingerprint"
        )
        if len(by_ref) <= 500
        else ImportedCommitment.objects.values_list("source_ref", "fingerprint")
    )
    planned: list[_Planned] = []
    unchanged = 0
    for ref in list(by_ref):
        rows = by_ref.pop(ref)  # checked rows are dropped as the plan grows: half the memory
        fingerprint = _fingerprint(rows)
        earlier = known.get(ref)
        if earlier is not None:
            if earlier == fingerprint:
                unchanged += 1
            else:
                errors.append(
                    RowError(
                        rows[0].line,
                        "commitment_ref",
                        f"{ref!r} was imported before with a different history; history is "
                        "never rewritten: leave it out, or give a new commitment a new ref",
                    )
                )
            continue
        plan = _check_history(ref, rows, people, errors)
        if plan is not None:
            plan.fingerprint = fingerprint
            planned.append(plan)
    del by_ref
    if errors:
        raise ImportRejected(errors, COLUMNS)

    meter = Progress(progress, 2 * max(sum(len(p.events) for p in planned), 1))
    meter.advance(meter.total // 2)
    try:
        with transaction.atomic(), _large_sqlite_cache():
            events = _write(planned, filename, meter)
            report = CommitmentImportReport(
                commitments_created=len(planned), events_created=events, unchanged=unchanged
            )
            audit.record(
                actor,
                "commitment.import",
                "commitment",
                "",
                detail={
                    "filename": filename,
                    "commitments_created": report.commitments_created,
                    "events_created": report.events_created,
                    "unchanged": report.unchanged,
                },
            )
    except IntegrityError as problem:
        # Someone imported or removed the same people or refs between the check and the write.
        raise ImportRejected(
            [
                RowError(
                    1,
                    "",
                    f"trustledger changed while the file was being checked ({problem}); nothing "
                    "was imported, import the file again",
                )
            ]
        ) from None
    meter.finish()
    return report
