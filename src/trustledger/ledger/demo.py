"""Months of ledger history for the demo organisation, so every page has something true to show.

The history is generated as event rows (the format of ``trustledger import commitments``) and
imported through :func:`trustledger.ledger.imports.import_commitments`, so every step of it has
passed the same state machine as real history. Everything comes from a seed; dates are relative
to the moment of loading (the last ``months`` months, with commitments still open today).

The stories, each findable through :class:`DemoHistory`:

- **reliable people** keep their promises on time, renegotiate *before* a due date when they
  cannot make it, and confirm deliveries promptly;
- **over-promisers** take on many commitments and deliver late, renegotiate after the fact or
  let them break: the lowest kept-on-time rates in the organisation;
- **a manager breaks a career promise** to a report: a promotion review promised in a 1:1,
  accepted, never delivered, the due date passed and recorded as broken;
- **a manager owns a mistake in front of the team**: a team-visible commitment from a meeting,
  missed; they say so, renegotiate openly and deliver; a teammate records the ``mistake_owned``
  trust signal with the team as witnesses.

Loading is idempotent: once the demo history is there, nothing is written again.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from trustledger.accounts.actors import Actor
from trustledger.audit import services as audit
from trustledger.ledger.imports import COLUMNS, import_commitments
from trustledger.ledger.models import ImportedCommitment
from trustledger.org.demo import EMPLOYEE_ID_PREFIX, DemoRefused, is_loaded
from trustledger.org.models import Person, ReportingLine

#: Source refs of demo commitments start with this (and mark the history as loaded).
REF_PREFIX = "DEMO-C"
_DEMO_MODES = ("demo", "development")
_OVER_PROMISERS = 4
_RELIABLE_SHARE = 0.25
_DAY = dt.timedelta(days=1)
_HOUR = dt.timedelta(hours=1)

_ROUTINE_WORK = (
    ("Review the pull request for the billing export", "Approved or changes requested on it"),
    ("Send the customer the migration plan", "Plan sent and receipt acknowledged"),
    ("Write up the decisions from Tuesday's planning", "Notes shared in the team channel"),
    ("Fix the flaky integration test", "Green on main for five consecutive runs"),
    ("Draft the onboarding checklist for new joiners", "Checklist reviewed by two people"),
    ("Prepare the quarterly numbers for the review", "Slides in the shared folder"),
    ("Update the on-call runbook", "Runbook updated and linked from the alert"),
    ("Introduce you to the data team lead", "An intro e-mail to both of you"),
    ("Give feedback on your design proposal", "Written comments on the document"),
    ("Interview two candidates for the open role", "Scorecards submitted"),
    ("Answer the security questionnaire", "Questionnaire returned to the customer"),
    ("Pair with you on the deployment pipeline", "One session held, notes written"),
    ("Book the venue for the team offsite", "Booking confirmed by the venue"),
    ("Share the customer interview recordings", "Links in the research folder"),
    ("Clean up the unused feature flags", "Flags removed and the change deployed"),
    ("Reconcile last month's invoices", "Reconciliation signed off by finance"),
)
_NOTES_EARLY = (
    "Heads-up before the date: the dependency slipped, this needs a few more days.",
    "I underestimated this; telling you now rather than on the day.",
    "Blocked on access; proposing a new date while there is still time.",
)
_NOTES_LATE = ("Sorry, this slipped past the date.", "Missed it; can I have until next week?")


@dataclass
class DemoHistory:
    """What :func:`load_demo_history` did, and who plays which part (employee ids)."""

    created: bool
    commitments: int = 0
    events: int = 0
    reliable: list[str] = field(default_factory=list)
    over_promisers: list[str] = field(default_factory=list)
    career_manager: str = ""
    career_report: str = ""
    career_ref: str = ""
    mistake_owner: str = ""
    mistake_ref: str = ""
    signal_recorded: bool = False


@dataclass(frozen=True)
class _Member:
    employee_id: str
    pk: uuid.UUID
    team_id: uuid.UUID | None
    start: dt.datetime


class _History:
    """Builds event rows for ``import_commitments``; every step at or before ``now``."""

    def __init__(self, rng: random.Random, now: dt.datetime) -> None:
        self.rng = rng
        self.now = now
        self.rows: list[dict[str, str]] = []
        self.count = 0

    def commitment(
        self,
        performer: str,
        requester: str,
        proposed_at: dt.datetime,
        due_at: dt.datetime,
        *,
        what: tuple[str, str] | None = None,
        by_requester: bool | None = None,
        stakes: str = "routine",
        visibility: str = "parties",
        origin: str = "other",
        witnesses: str = "",
        note: str = "",
    ) -> _Commitment:
        """Propose a commitment; returns a handle to add its next steps."""
        self.count += 1
        ref = f"{REF_PREFIX}{self.count:05d}"
        if by_requester is None:
            by_requester = self.rng.random() < 0.5
        summary, done_means = what or self.rng.choice(_ROUTINE_WORK)
        handle = _Commitment(self, ref, performer, requester, proposed_at, due_at)
        handle.add(
            "propose",
            requester if by_requester else performer,
            proposed_at,
            performer_employee_id=performer,
            requester_employee_id=requester,
            what=summary,
            done_means=done_means,
            due_at=_iso(due_at),
            stakes=stakes,
            visibility=visibility,
            origin=origin,
            witness_employee_ids=witnesses,
            note=note,
        )
        return handle

    def to_csv(self) -> bytes:
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(self.rows)
        return out.getvalue().encode("utf-8")


class _Commitment:
    """One commitment being written: ``add`` appends a step unless it would be in the future."""

    def __init__(
        self,
        history: _History,
        ref: str,
        performer: str,
        requester: str,
        at: dt.datetime,
        due_at: dt.datetime,
    ) -> None:
        self.history = history
        self.ref = ref
        self.performer = performer
        self.requester = requester
        self.at = at
        self.due_at = due_at
        self.stopped = False
        self.proposer = ""

    def add(self, step: str, actor: str, at: dt.datetime, **values: str) -> bool:
        """Record ``step`` at ``at`` (never before the last step); ``False`` once in the future."""
        at = max(at, self.at)
        if self.stopped or at > self.history.now:
            self.stopped = True
            return False
        if step == "propose":
            self.proposer = actor
        self.at = at
        self.history.rows.append(
            {"commitment_ref": self.ref, "step": step, "actor_employee_id": actor, "at": _iso(at)}
            | values
        )
        return True

    @property
    def answerer(self) -> str:
        return self.requester if self.proposer == self.performer else self.performer

    def accept(self, after: dt.timedelta) -> bool:
        return self.add("accept", self.answerer, self.at + after)

    def deliver(self, at: dt.datetime, note: str = "") -> bool:
        return self.add("deliver", self.performer, at, note=note)

    def confirm(self, after: dt.timedelta) -> bool:
        return self.add("confirm", self.requester, self.at + after)

    def renegotiate(self, at: dt.datetime, new_due: dt.datetime, note: str) -> bool:
        """Propose new terms and have the requester accept them shortly after."""
        if not self.add("renegotiate", self.performer, at, due_at=_iso(new_due), note=note):
            return False
        self.due_at = new_due
        return self.add("accept_renegotiation", self.requester, self.at + 3 * _HOUR)


def _iso(moment: dt.datetime) -> str:
    return moment.isoformat(timespec="seconds")


# --- the organisation as the history needs it ------------------------------------------------


def _members() -> tuple[dict[str, _Member], dict[str, str]]:
    """Active demo employees by employee id, and each one's current manager (employee ids)."""
    zone = timezone.get_default_timezone()
    members = {
        eid: _Member(
            eid, pk, team_id, dt.datetime.combine(start or dt.date(2020, 1, 1), dt.time(9), zone)
        )
        for eid, pk, team_id, start in Person.objects.filter(
            employee_id__startswith=EMPLOYEE_ID_PREFIX, is_external=False, leave_date__isnull=True
        )
        .order_by("employee_id")
        .values_list("employee_id", "id", "team_id", "start_date")
    }
    today = timezone.localdate()
    manager_of = {
        person: manager
        for person, manager in ReportingLine.objects.filter(
            Q(valid_to__isnull=True) | Q(valid_to__gt=today), valid_from__lte=today
        ).values_list("person__employee_id", "manager__employee_id")
        if person in members and manager in members
    }
    return members, manager_of


# --- the stories --------------------------------------------------------------------------------

Outcome = Callable[[_Commitment], None]
Odds = tuple[tuple[Callable[[random.Random], Outcome], float], ...]


def _kept_on_time(rng: random.Random) -> Outcome:
    def play(c: _Commitment) -> None:
        if c.accept(rng.uniform(1, 20) * _HOUR):
            span = c.due_at - c.at
            if c.deliver(c.at + span * rng.uniform(0.3, 0.95)):
                c.confirm(rng.uniform(1, 30) * _HOUR)

    return play


def _renegotiated_in_time(rng: random.Random) -> Outcome:
    def play(c: _Commitment) -> None:
        if not c.accept(rng.uniform(1, 20) * _HOUR):
            return
        span = c.due_at - c.at
        new_due = c.due_at + rng.randint(3, 10) * _DAY
        if c.renegotiate(c.at + span * rng.uniform(0.4, 0.8), new_due, rng.choice(_NOTES_EARLY)):
            span = c.due_at - c.at
            if c.deliver(c.at + span * rng.uniform(0.3, 0.9)):
                c.confirm(rng.uniform(2, 30) * _HOUR)

    return play


def _kept_late(rng: random.Random) -> Outcome:
    def play(c: _Commitment) -> None:
        if c.accept(rng.uniform(1, 30) * _HOUR):
            late = c.due_at + rng.uniform(1, 6) * _DAY
            if c.deliver(late, "Done, later than promised."):
                c.confirm(rng.uniform(4, 72) * _HOUR)

    return play


def _renegotiated_late(rng: random.Random) -> Outcome:
    def play(c: _Commitment) -> None:
        if not c.accept(rng.uniform(1, 30) * _HOUR):
            return
        after = c.due_at + rng.uniform(1, 4) * _DAY
        new_due = after + rng.randint(5, 10) * _DAY
        if c.renegotiate(after, new_due, rng.choice(_NOTES_LATE)) and rng.random() < 0.5:
            late = c.due_at + rng.uniform(1, 4) * _DAY
            if c.deliver(late):
                c.confirm(rng.uniform(4, 72) * _HOUR)

    return play


def _broken(rng: random.Random) -> Outcome:
    def play(c: _Commitment) -> None:
        if c.accept(rng.uniform(1, 30) * _HOUR) and rng.random() < 0.6:
            c.add("mark_broken", "", c.due_at + rng.uniform(2, 30) * _HOUR)

    return play


def _withdrawn(rng: random.Random) -> Outcome:
    def play(c: _Commitment) -> None:
        if c.accept(rng.uniform(1, 30) * _HOUR):
            span = c.due_at - c.at
            c.add(
                "withdraw", c.performer, c.at + span * 0.7, note="I can't take this on after all."
            )

    return play


def _released(rng: random.Random) -> Outcome:
    def play(c: _Commitment) -> None:
        if c.accept(rng.uniform(1, 30) * _HOUR):
            span = c.due_at - c.at
            c.add("release", c.requester, c.at + span * 0.5, note="Priorities changed; not needed.")

    return play


def _declined(rng: random.Random) -> Outcome:
    def play(c: _Commitment) -> None:
        c.add("decline", c.answerer, c.at + rng.uniform(1, 20) * _HOUR, note="Not this sprint.")

    return play


_USUAL: Odds = (
    (_kept_on_time, 0.70),
    (_renegotiated_in_time, 0.10),
    (_kept_late, 0.08),
    (_broken, 0.04),
    (_released, 0.04),
    (_declined, 0.04),
)
_RELIABLE: Odds = ((_kept_on_time, 0.80), (_renegotiated_in_time, 0.15), (_released, 0.05))
_OVER_PROMISING: Odds = (
    (_kept_late, 0.30),
    (_broken, 0.30),
    (_renegotiated_late, 0.15),
    (_withdrawn, 0.10),
    (_kept_on_time, 0.15),
)


def _pick(rng: random.Random, table: Odds) -> Outcome:
    makers = [maker for maker, _ in table]
    weights = [weight for _, weight in table]
    return rng.choices(makers, weights)[0](rng)


def plan_history(
    members: dict[str, _Member],
    manager_of: dict[str, str],
    now: dt.datetime,
    seed: int = 7,
    months: int = 6,
) -> tuple[_History, DemoHistory]:
    """The demo history as event rows, and who plays which part."""
    rng = random.Random(seed)
    history = _History(rng, now - dt.timedelta(minutes=1))
    first_day = now - dt.timedelta(days=30 * months)
    ids = sorted(members)
    reports: dict[str, list[str]] = {}
    for person, manager in sorted(manager_of.items()):
        reports.setdefault(manager, []).append(person)
    teammates: dict[uuid.UUID | None, list[str]] = {}
    for eid in ids:
        teammates.setdefault(members[eid].team_id, []).append(eid)
    managers = sorted(m for m in reports if len(reports[m]) >= 3)
    cast = DemoHistory(created=True)

    # The named demo manager (the Platform manager) breaks a career promise to a report; the
    # next team manager owns a mistake in front of their team.
    named_manager = f"{EMPLOYEE_ID_PREFIX}0006"  # the "manager" demo login
    career_manager = named_manager if named_manager in managers else managers[0]
    team_managers = [m for m in managers if m != career_manager and len(reports[m]) >= 4]
    next_team = f"{EMPLOYEE_ID_PREFIX}0007"  # the Product Engineering manager
    mistake_owner = next_team if next_team in team_managers else team_managers[-1]
    cast.career_manager, cast.mistake_owner = career_manager, mistake_owner
    cast.career_report = reports[career_manager][0]

    ordinary = [eid for eid in ids if eid not in reports and eid not in (cast.career_report,)]
    rng.shuffle(ordinary)
    cast.over_promisers = sorted(ordinary[:_OVER_PROMISERS])
    reliable_count = int(len(ordinary) * _RELIABLE_SHARE)
    cast.reliable = sorted(ordinary[_OVER_PROMISERS : _OVER_PROMISERS + reliable_count])
    style = dict.fromkeys(ids, _USUAL)
    style.update(dict.fromkeys(cast.reliable, _RELIABLE))
    style.update(dict.fromkeys(cast.over_promisers, _OVER_PROMISING))

    def counterpart(performer: str) -> tuple[str, str]:
        """Someone to promise something to, and where the promise was made."""
        roll = rng.random()
        manager = manager_of.get(performer)
        team = [t for t in teammates.get(members[performer].team_id, []) if t != performer]
        if roll < 0.35 and manager is not None:
            return manager, "one_on_one"
        if roll < 0.5 and reports.get(performer):
            return rng.choice(reports[performer]), "one_on_one"
        if roll < 0.85 and team:
            return rng.choice(team), "meeting"
        return rng.choice([i for i in ids if i != performer]), "other"

    def begin(performer: str, requester: str) -> dt.datetime | None:
        """A moment in the window when both already worked here, or None."""
        earliest = max(first_day, members[performer].start, members[requester].start) + 7 * _DAY
        if earliest >= now - 2 * _DAY:
            return None
        return earliest + (now - earliest) * rng.random() ** 0.8

    for performer in ids:
        count = rng.randint(3, 7) * (3 if performer in cast.over_promisers else 1)
        for _ in range(count):
            requester, origin = counterpart(performer)
            proposed = begin(performer, requester)
            if proposed is None:
                continue
            due = proposed + rng.uniform(2, 21) * _DAY
            stakes = "significant" if rng.random() < 0.15 else "routine"
            visibility = "team" if origin == "meeting" and rng.random() < 0.5 else "parties"
            handle = history.commitment(
                performer, requester, proposed, due, stakes=stakes, visibility=visibility,
                origin=origin,
            )  # fmt: skip
            _pick(rng, style[performer])(handle)

    _career_promise(history, cast, now)
    _owned_mistake(history, cast, reports, now)
    _open_loops(history, cast, members, manager_of, now)
    return history, cast


def _career_promise(history: _History, cast: DemoHistory, now: dt.datetime) -> None:
    """A promotion review promised in a 1:1, accepted, never held; the break is recorded."""
    proposed = now - 75 * _DAY
    promise = history.commitment(
        cast.career_manager,
        cast.career_report,
        proposed,
        proposed + 30 * _DAY,
        what=(
            "Put your promotion case to the calibration committee",
            "Your case presented at the October calibration and the outcome told to you",
        ),
        by_requester=True,
        stakes="career",
        origin="one_on_one",
        note="You asked where you stand for senior; I will take your case to calibration.",
    )
    promise.accept(2 * _HOUR)
    promise.add("mark_broken", "", promise.due_at + _DAY)
    cast.career_ref = promise.ref


def _owned_mistake(
    history: _History, cast: DemoHistory, reports: dict[str, list[str]], now: dt.datetime
) -> None:
    """A team-visible promise from a meeting, missed, owned openly, renegotiated, delivered."""
    team = reports[cast.mistake_owner]
    proposed = now - 40 * _DAY
    promise = history.commitment(
        cast.mistake_owner,
        team[0],
        proposed,
        proposed + 7 * _DAY,
        what=(
            "Get the team's on-call rota approved by the VP",
            "Approved rota published in the team channel",
        ),
        by_requester=True,
        visibility="team",
        origin="meeting",
        witnesses=" ".join(team[1:4]),
    )
    promise.accept(_HOUR)
    missed = promise.due_at + 2 * _DAY
    promise.renegotiate(
        missed,
        missed + 5 * _DAY,
        "My mistake: I said I had sent it for approval and I had not. Fixing it this week.",
    )
    if promise.deliver(promise.at + 3 * _DAY, "Approved and published."):
        promise.confirm(4 * _HOUR)
    cast.mistake_ref = promise.ref


def _open_loops(
    history: _History,
    cast: DemoHistory,
    members: dict[str, _Member],
    manager_of: dict[str, str],
    now: dt.datetime,
) -> None:
    """Things still open today for the career pair: due soon, overdue, to confirm, to answer."""
    manager, report = cast.career_manager, cast.career_report
    pairs = [(report, manager), (manager, report)]
    for performer, requester in pairs:
        due_soon = history.commitment(performer, requester, now - 3 * _DAY, now + 1 * _DAY)
        due_soon.accept(2 * _HOUR)
        overdue = history.commitment(performer, requester, now - 9 * _DAY, now - 2 * _DAY)
        overdue.accept(3 * _HOUR)
        awaiting = history.commitment(performer, requester, now - 6 * _DAY, now + 3 * _DAY)
        if awaiting.accept(_HOUR):
            awaiting.deliver(now - 5 * _HOUR, "Done: have a look.")
        history.commitment(performer, requester, now - 4 * _HOUR, now + 6 * _DAY)
    for person in (manager, report):
        colleague = manager_of.get(person) or next(iter(members))
        later = history.commitment(person, colleague, now - 2 * _DAY, now + 10 * _DAY)
        later.accept(4 * _HOUR)


# --- loading ------------------------------------------------------------------------------------


def is_history_loaded() -> bool:
    """Has the demo ledger history been loaded into this database?"""
    return ImportedCommitment.objects.filter(source_ref__startswith=REF_PREFIX).exists()


def load_demo_history(actor: Actor, seed: int = 7, months: int = 6) -> DemoHistory:
    """Load ``months`` of ledger history for the demo organisation (idempotent).

    Needs the demo organisation (``org.demo.load_demo``) and, like it, demo or development mode
    and an administrator or the system. The history goes through ``import_commitments``, so it
    is validated by the same state machine as any imported history.
    """
    if settings.MODE not in _DEMO_MODES:
        reason = (
            "demo history is only for TRUSTLEDGER_MODE=demo or development; "
            f"this is {settings.MODE}"
        )
        audit.record(
            actor, "demo.history", "commitment", "", allowed=False, detail={"reason": reason}
        )
        raise DemoRefused(reason)
    if not actor.is_admin:
        audit.deny(actor, "demo.history", "commitment", "", "only administrators load the demo")
    if not is_loaded():
        raise ValueError("load the demo organisation first (trustledger demo)")
    if is_history_loaded():
        return DemoHistory(created=False)
    members, manager_of = _members()
    now = timezone.now()
    history, cast = plan_history(members, manager_of, now, seed, months)
    report = import_commitments(actor, history.to_csv(), filename="demo-history.csv")
    cast.commitments = report.commitments_created
    cast.events = report.events_created
    cast.signal_recorded = _record_owned_mistake(actor, cast, members, manager_of)
    return cast


def _record_owned_mistake(
    actor: Actor, cast: DemoHistory, members: dict[str, _Member], manager_of: dict[str, str]
) -> bool:
    """A teammate records "owned a mistake" about the manager, with the team as witnesses."""
    from trustledger.ledger import trust_signals

    source = ImportedCommitment.objects.select_related("commitment").get(
        source_ref=cast.mistake_ref
    )
    commitment = source.commitment
    team = sorted(p for p, m in manager_of.items() if m == cast.mistake_owner)
    recorder = commitment.requester_id
    witnesses = [members[p].pk for p in team if members[p].pk != recorder][:3]
    renegotiated = commitment.events.filter(step="renegotiate").values_list("at", flat=True)
    trust_signals.record_signal(
        actor,
        subject_id=commitment.performer_id,
        kind="mistake_owned",
        role="recipient",
        occurred_at=renegotiated.first() or commitment.created_at,
        note="Told the whole team at stand-up that the rota delay was their mistake, not ours.",
        visibility="team",
        witness_ids=witnesses,
        commitment_id=commitment.pk,
        recorded_by_id=recorder,
    )
    return True
