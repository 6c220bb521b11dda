"""Benchmark the ledger: import 1,000,000 events; render "my commitments" for a busy person.

    .venv/bin/python benchmarks/ledger.py [--events N] [--people N] [--busy N] [--db PATH]

1. Migrates a fresh SQLite *file* database (WAL, as in production) and imports an organisation of
   ``--people`` (default 10,000) with the people import.
2. Generates a realistic commitment history from another tool, one row per event (default
   1,000,000 events, about 250,000 commitments of 2-6 events: kept on time, renegotiated, late,
   broken, declined, counter-offered, still open), in which one person gives and receives
   ``--busy`` (default 10,000) commitments; imports it as the system actor (target: under 2
   minutes), then imports it again (nothing changes).
3. Signs that busy person in and measures ``ledger.services.my_commitments`` (every list
   evaluated) and ``GET /commitments/`` through Django's test Client: p50/p95 over 20 requests
   (target: under 100 ms).

Prints seconds, events per second and peak resident memory.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import import_people  # noqa: E402  (the people benchmark's generator: the same organisation)
from _support import django_on_sqlite, peak_memory_mb, percentiles

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
    "witness_employee_ids",
    "note",
)
WHAT = (
    "Review the pricing proposal",
    "Send the onboarding checklist",
    "Fix the flaky deploy job",
    "Draft the Q3 roadmap section",
    "Call the customer back about the renewal",
    "Write the incident postmortem",
    "Prepare the hiring scorecard",
    "Update the runbook for failover",
)
DONE = (
    "Comments left in the document",
    "Sent by e-mail and acknowledged",
    "Merged and green on main for a week",
    "Shared with the team in the channel",
)
#: Outcome of a commitment and how often it happens.
OUTCOMES = (
    ("kept", 0.55),
    ("renegotiated", 0.10),
    ("late", 0.08),
    ("broken", 0.07),
    ("declined", 0.05),
    ("countered", 0.05),
    ("open", 0.05),
    ("awaiting_confirmation", 0.05),
)
BUSY_ID = "E0000042"
TARGET_IMPORT_SECONDS = 120.0
TARGET_PAGE_MS = 100.0


def _iso(moment: dt.datetime) -> str:
    return moment.isoformat(timespec="seconds")


def generate(
    events: int, people: int, busy: int, now: dt.datetime, seed: int = 7
) -> tuple[list[list[str]], int]:
    """Event rows until ``events`` is reached, and how many commitments they make."""
    rng = random.Random(seed)
    outcomes = [name for name, _ in OUTCOMES]
    weights = [weight for _, weight in OUTCOMES]
    busy_id = BUSY_ID
    rows: list[list[str]] = []
    n = 0
    while len(rows) < events:
        n += 1
        ref = f"TOOL-{n:07d}"
        if n <= busy:  # the busy person gives half and receives half of theirs
            other = f"E{rng.randrange(43, people):07d}"
            performer, requester = (busy_id, other) if n % 2 else (other, busy_id)
        else:
            a, b = rng.sample(range(people), 2)
            if busy_id in (f"E{a:07d}", f"E{b:07d}"):
                continue
            performer, requester = f"E{a:07d}", f"E{b:07d}"
        outcome = rng.choices(outcomes, weights)[0]
        rows.extend(_history(rng, ref, performer, requester, outcome, now, people))
    return rows, n


def _history(
    rng: random.Random,
    ref: str,
    performer: str,
    requester: str,
    outcome: str,
    now: dt.datetime,
    people: int,
) -> list[list[str]]:
    """The event rows of one commitment with the given ``outcome``."""
    rows: list[list[str]] = []
    start = now - dt.timedelta(days=730)
    if outcome in ("open", "awaiting_confirmation"):
        proposed = now - dt.timedelta(days=rng.uniform(1, 20))
        due = now + dt.timedelta(days=rng.uniform(1, 30))
    else:
        proposed = start + dt.timedelta(seconds=rng.uniform(0, 700 * 86400))
        due = proposed + dt.timedelta(days=rng.uniform(1, 21))
    proposer = rng.choice((performer, requester))
    answerer = requester if proposer == performer else performer
    witness = f"E{rng.randrange(people):07d}" if rng.random() < 0.1 else ""
    if witness in (performer, requester):
        witness = ""
    rows.append(
        [
            ref,
            "propose",
            proposer,
            _iso(proposed),
            performer,
            requester,
            f"{rng.choice(WHAT)} ({ref})",
            rng.choice(DONE),
            _iso(due),
            rng.choice(("routine", "routine", "routine", "significant", "career")),
            rng.choice(("parties", "parties", "team", "public")),
            rng.choice(("one_on_one", "meeting", "expectation", "other")),
            witness,
            "",
        ]
    )
    at = proposed

    def step(name: str, actor: str, when: dt.datetime, due_at: str = "", note: str = "") -> None:
        nonlocal at
        at = when
        rows.append([ref, name, actor, _iso(when), "", "", "", "", due_at, "", "", "", "", note])

    def later(limit: dt.datetime) -> dt.datetime:
        """A moment between the last event and ``limit`` (never in the future)."""
        limit = min(limit, now - dt.timedelta(minutes=1))
        return at + (limit - at) * rng.uniform(0.05, 0.5)

    if outcome == "declined":
        step("decline", answerer, later(due))
        return rows
    if outcome == "countered":
        due = due + dt.timedelta(days=3)
        step("counter", answerer, later(due), _iso(due), "Can do it three days later")
        step("accept", proposer, later(due))
    else:
        step("accept", answerer, later(due))
    if outcome == "open":
        return rows
    if outcome == "broken":
        step("mark_broken", "", due + dt.timedelta(hours=1))
        return rows
    if outcome == "renegotiated":
        step("renegotiate", performer, later(due), _iso(due + dt.timedelta(days=5)), "Blocked")
        step("accept_renegotiation", requester, later(due))
        due = due + dt.timedelta(days=5)
    if outcome == "late":
        step("deliver", performer, due + dt.timedelta(hours=rng.uniform(2, 72)))
    else:
        step("deliver", performer, later(due))
    if outcome != "awaiting_confirmation":
        step("confirm", requester, at + dt.timedelta(hours=rng.uniform(1, 48)))
    return rows


def to_csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def _import(args: argparse.Namespace, db: Path) -> float:
    """Migrate, import the people and the history (twice); returns the first import's seconds."""
    from django.core.management import call_command
    from django.utils import timezone

    from trustledger.accounts.actors import Actor
    from trustledger.imports_common import ImportRejected
    from trustledger.ledger.imports import import_commitments
    from trustledger.ledger.models import Commitment, CommitmentEvent
    from trustledger.org.imports import import_people as import_people_csv

    call_command("migrate", verbosity=0)
    system = Actor.system("benchmark")
    began = time.perf_counter()
    org = import_people.to_csv(import_people.generate(args.people))
    import_people_csv(system, org, effective=dt.date(2024, 1, 1), filename="people.csv")
    print(f"imported {args.people:,} people in {time.perf_counter() - began:.1f} s; database {db}")

    now = timezone.now()
    began = time.perf_counter()
    rows, commitments = generate(args.events, args.people, args.busy, now)
    data = to_csv(rows)
    del rows
    print(
        f"generated {args.events:,} events of {commitments:,} commitments "
        f"({len(data) / 1e6:.0f} MB CSV) in {time.perf_counter() - began:.1f} s"
    )

    began, cpu_began = time.perf_counter(), time.process_time()
    try:
        report = import_commitments(system, data, filename="history.csv")
    except ImportRejected as rejected:
        for error in rejected.errors[:20]:
            print(f"line {error.line}, {error.column}: {error.reason}")
        raise
    first = time.perf_counter() - began
    cpu = time.process_time() - cpu_began
    print(
        f"first import   {first:7.2f} s  {report.events_created / first:>9,.0f} events/s  "
        f"commitments={report.commitments_created:,} events={report.events_created:,}  "
        f"(CPU {cpu:.1f} s; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)"
    )
    began = time.perf_counter()
    again = import_commitments(system, data, filename="history.csv")
    second = time.perf_counter() - began
    print(
        f"re-import      {second:7.2f} s  unchanged={again.unchanged:,} "
        f"created={again.commitments_created:,}"
    )
    del data
    print(
        f"database: {Commitment.objects.count():,} commitments, "
        f"{CommitmentEvent.objects.count():,} events, {db.stat().st_size / 1e6:.0f} MB"
    )
    print(f"peak memory (max RSS): {peak_memory_mb():.0f} MB")

    return first


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000, help="events in the file")
    parser.add_argument("--people", type=int, default=10_000, help="people in the organisation")
    parser.add_argument("--busy", type=int, default=10_000, help="the busy person's commitments")
    parser.add_argument("--requests", type=int, default=20, help="page requests to time")
    parser.add_argument("--db", type=Path, default=None, help="SQLite file (default: a temp file)")
    args = parser.parse_args()

    db, reuse = django_on_sqlite(args.db)
    from django.test import Client

    from trustledger.accounts.actors import Actor
    from trustledger.accounts.models import User
    from trustledger.ledger import services
    from trustledger.ledger.models import Commitment
    from trustledger.org.models import Person

    first: float | None = None
    if reuse:
        print(f"reusing {db}: only the page is timed")
    else:
        first = _import(args, db)
    busy = Person.objects.get(employee_id=BUSY_ID)
    user = User.objects.filter(person=busy).first() or User.objects.create_user(
        username=busy.email, email=busy.email, person=busy
    )
    actor = Actor.for_user(user)
    mine_count = Commitment.objects.filter(performer=busy).count() + (
        Commitment.objects.filter(requester=busy).count()
    )

    def service_call() -> None:
        mine = services.my_commitments(actor)
        for name in ("given", "received", "to_confirm", "due_soon", "overdue"):
            queryset = getattr(mine, name)
            queryset.count()
            list(queryset[:50])

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    timings: dict[str, list[float]] = {"service": [], "page": []}
    for _ in range(args.requests + 2):
        began = time.perf_counter()
        service_call()
        timings["service"].append((time.perf_counter() - began) * 1000)
        began = time.perf_counter()
        response = client.get("/commitments/")
        timings["page"].append((time.perf_counter() - began) * 1000)
        assert response.status_code == 200, response.status_code
    for label, samples in timings.items():
        p50, p95 = percentiles(samples[2:])  # the first two warm caches up
        print(
            f"my commitments ({label:<7}) for {mine_count:,} commitments: "
            f"p50 {p50:6.1f} ms  p95 {p95:6.1f} ms"
        )
    page_p95 = percentiles(timings["page"][2:])[1]

    ok_import = first is None or first < TARGET_IMPORT_SECONDS * args.events / 1_000_000
    ok_page = page_p95 < TARGET_PAGE_MS
    if first is not None:
        print(
            f"{'OK' if ok_import else 'TOO SLOW'}: import {first:.1f} s for {args.events:,} "
            f"events (target {TARGET_IMPORT_SECONDS:.0f} s per million)"
        )
    print(
        f"{'OK' if ok_page else 'TOO SLOW'}: my commitments page p95 {page_p95:.1f} ms "
        f"(target {TARGET_PAGE_MS:.0f} ms)"
    )
    return 0 if ok_import and ok_page else 1


if __name__ == "__main__":
    sys.exit(main())
