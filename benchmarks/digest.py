"""Benchmark the weekly digest: every guidance rule for 100,000 people, composed and stored.

    .venv/bin/python benchmarks/digest.py [--people N] [--edges N] [--events N] [--db PATH]

1. Migrates a fresh SQLite *file* database (WAL, as in production) and imports an organisation
   of ``--people`` (default 100,000) with the people import (teams, a reporting tree).
2. Imports a commitment history with the ledger import (``--events``, default 200,000 events;
   some still open, some delivered and awaiting confirmation, as benchmarks/ledger.py makes).
3. Bulk-creates relationship trust rows: about ``--edges`` (default 20) per person, mostly
   towards their manager, reports and peers, some anywhere, with evidence of varied age.
4. Times ``insights.digest.send_digests(send=False)``: the six rules for everyone (bulk reads
   into numpy) and one stored inbox row per person — not sending mail (target: under 2
   minutes); then runs it again in the same week (stores nothing) and times one person's
   ``/me/digest/`` rules (``guidance_for``).

Prints seconds, nudges per kind and peak resident memory.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import import_people  # noqa: E402  (the same organisation as the people benchmark)
import ledger as ledger_history  # noqa: E402  (the same history as the ledger benchmark)
from _support import django_on_sqlite, peak_memory_mb

TARGET_SECONDS = 120.0
BATCH = 10_000


def _relationships(edges_per_person: int, seed: int = 5) -> int:
    """Bulk-insert RelationshipTrust rows around each person (raw SQL: set-up, not measured);
    returns how many."""
    from django.db import connection, transaction
    from django.utils import timezone

    from trustledger.insights import projection
    from trustledger.insights.models import RelationshipTrust
    from trustledger.org.models import Person, ReportingLine

    rng = random.Random(seed)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM {Person._meta.db_table}")
        people = [row[0] for row in cursor.fetchall()]
        cursor.execute(
            f"SELECT person_id, manager_id FROM {ReportingLine._meta.db_table} "
            "WHERE valid_to IS NULL"
        )
        manager = dict(cursor.fetchall())
    reports: dict[object, list[object]] = {}
    for report, boss in manager.items():
        reports.setdefault(boss, []).append(report)
    today = projection.day_of(timezone.now())
    version = projection.evidence_model().version
    columns = (
        "truster_id, trustee_id, positive_able, positive_believable, positive_connected, "
        "positive_dependable, negative_able, negative_believable, negative_connected, "
        "negative_dependable, same_day_positive_able, same_day_positive_believable, "
        "same_day_positive_connected, same_day_positive_dependable, last_day, period, "
        "period_positive_able, period_positive_believable, period_positive_connected, "
        "period_positive_dependable, model_version"
    )
    sql = (
        f"INSERT OR IGNORE INTO {RelationshipTrust._meta.db_table} ({columns}) "
        f"VALUES ({', '.join(['%s'] * 21)})"
    )
    created = 0
    batch: list[tuple[object, ...]] = []

    def flush() -> None:
        nonlocal created
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(sql, batch)
        created += len(batch)
        batch.clear()

    for person in people:
        near: list[object] = []
        boss = manager.get(person)
        if boss is not None:
            near.append(boss)
            near += reports.get(boss, [])[:12]
        near += reports.get(person, [])[:12]
        while len(near) < edges_per_person:
            near.append(people[rng.randrange(len(people))])
        for other in dict.fromkeys(near[:edges_per_person]):
            if other == person:
                continue
            strength = rng.choice((0.0, 0.3, 1.0, 2.5, 5.0))
            positive = [strength * rng.uniform(0.1, 1.0) for _ in range(4)]
            negative = [rng.uniform(0, 0.6) if rng.random() < 0.2 else 0.0 for _ in range(4)]
            day = today - rng.uniform(0, 200)
            zero = (0.0, 0.0, 0.0, 0.0)
            batch.append(
                (person, other, *positive, *negative, *zero, day, float(day // 30), *zero, version)
            )
            if len(batch) >= BATCH:
                flush()
    if batch:
        flush()
    return created


def _build(args: argparse.Namespace, db: Path) -> None:
    from django.core.management import call_command
    from django.utils import timezone

    from trustledger.accounts.actors import Actor
    from trustledger.ledger.imports import import_commitments
    from trustledger.org.imports import import_people as import_people_csv

    call_command("migrate", verbosity=0)
    system = Actor.system("benchmark")
    began = time.perf_counter()
    org = import_people.to_csv(import_people.generate(args.people))
    import_people_csv(system, org, effective=dt.date(2024, 1, 1), filename="people.csv")
    print(f"imported {args.people:,} people in {time.perf_counter() - began:.1f} s; database {db}")

    began = time.perf_counter()
    rows, commitments = ledger_history.generate(args.events, args.people, 200, timezone.now())
    report = import_commitments(system, ledger_history.to_csv(rows), filename="history.csv")
    print(
        f"imported {report.events_created:,} events of {commitments:,} commitments in "
        f"{time.perf_counter() - began:.1f} s"
    )
    began = time.perf_counter()
    created = _relationships(args.edges)
    print(f"created {created:,} relationship trust rows in {time.perf_counter() - began:.1f} s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=100_000, help="people in the organisation")
    parser.add_argument("--edges", type=int, default=20, help="relationships per person")
    parser.add_argument("--events", type=int, default=200_000, help="ledger events imported")
    parser.add_argument("--db", type=Path, default=None, help="SQLite file (default: a temp file)")
    args = parser.parse_args()

    db, reuse = django_on_sqlite(args.db)
    from django.db.models import Max

    from trustledger.accounts.actors import Actor
    from trustledger.insights import digest, guidance
    from trustledger.insights.models import RelationshipTrust
    from trustledger.notify.models import Digest
    from trustledger.org.models import Person

    if reuse:
        print(f"reusing {db}")
    else:
        _build(args, db)
    print(
        f"database: {Person.objects.count():,} people, "
        f"{RelationshipTrust.objects.count():,} relationships, {db.stat().st_size / 1e6:.0f} MB"
    )
    # A reused database already has this week's digests: time the next week's.
    latest = Digest.objects.aggregate(latest=Max("as_of"))["latest"]
    moment = latest + dt.timedelta(days=7) if latest else dt.datetime.now(dt.UTC)

    system = Actor.system("benchmark")
    began = time.perf_counter()
    run = digest.send_digests(system, as_of=moment, send=False)
    total = time.perf_counter() - began
    verdict = "OK" if total < TARGET_SECONDS else "TOO SLOW"
    print(
        f"digest {run.week}: {total:6.1f} s for {run.people:,} people "
        f"(rules {run.seconds_rules:.1f} s, storing {run.seconds_store:.1f} s) — target "
        f"{TARGET_SECONDS:.0f} s: {verdict}"
    )
    print(f"  stored {run.stored:,} inbox rows with {run.nudges:,} nudges:")
    for kind in guidance.KINDS:
        print(f"    {kind:<18} {run.by_kind.get(kind, 0):>9,}")
    began = time.perf_counter()
    again = digest.send_digests(system, as_of=moment, send=False)
    print(
        f"second run in the same week: {time.perf_counter() - began:.1f} s, "
        f"stored {again.stored:,}, already {again.already:,}"
    )

    someone = [
        Person.objects.filter(employee_id=f"E{n:07d}").values_list("pk", flat=True)[0]
        for n in (args.people // 7, args.people // 3, args.people // 2)
    ]
    samples = []
    for _ in range(5):
        for pk in someone:
            began = time.perf_counter()
            guidance.guidance_for(pk, moment)
            samples.append((time.perf_counter() - began) * 1000)
    print(
        f"one person's digest page rules: p50 {statistics.median(samples):.0f} ms, "
        f"max {max(samples):.0f} ms"
    )
    print(f"peak memory (max RSS): {peak_memory_mb():.0f} MB")
    return 0 if total < TARGET_SECONDS else 1


if __name__ == "__main__":
    raise SystemExit(main())
