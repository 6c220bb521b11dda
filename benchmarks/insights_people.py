"""Benchmark the pages a person reads about themself: the manager dashboard and my trust profile,
in an organisation of 100,000 people.

    .venv/bin/python benchmarks/insights_people.py [--people N] [--relationships N]
        [--evidence N] [--requests N] [--db PATH]

1. Migrates a fresh SQLite *file* database (WAL, as in production) and bulk-creates
   ``--people`` (default 100,000) people in a reporting tree of 10 direct reports per manager,
   about ``--relationships`` (default 20) stored relationship states (RelationshipTrust) per
   person — manager and reports both ways, colleagues under the same manager, and people
   elsewhere — and ``--evidence`` (default 2) evidence rows per relationship over the past year
   (the rows the monthly trends are rebuilt from). Rows go in with ``executemany``: this is
   set-up, not what is measured.
2. Signs in a manager with 10 direct reports and times, through Django's test Client,
   ``GET /me/team/`` (the manager dashboard) and ``GET /me/trust/`` (my trust profile):
   p50/p95 over ``--requests`` (default 30) requests each, after two warm-up requests.
   Target: the manager dashboard under 300 ms server time.

Prints the set-up times, database size, the figures and peak resident memory.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
import uuid
from pathlib import Path

import numpy as np

from _support import django_on_sqlite, peak_memory_mb, percentiles

TARGET_DASHBOARD_MS = 300.0
FANOUT = 10
KINDS = (
    ("commitment.kept_on_time", "commitment", False),
    ("commitment.delivery_confirmed", "commitment", False),
    ("signal.recognition", "signal", False),
    ("commitment.broken", "commitment", True),
)


def relationships(n: int, per_person: int, rng: np.random.Generator) -> np.ndarray:
    """Directed (truster, trustee) pairs, about ``per_person`` out of each person: manager ↔
    report both ways, four colleagues under the same manager, the rest anywhere."""
    people = np.arange(1, n)
    manager = (people - 1) // FANOUT
    parts = [np.stack([people, manager], 1), np.stack([manager, people], 1)]
    for _ in range(4):  # colleagues: someone with the same manager
        colleague = manager * FANOUT + 1 + rng.integers(0, FANOUT, people.size)
        parts.append(np.stack([people, np.minimum(colleague, n - 1)], 1))
    others = max(per_person - 6, 0)
    truster = np.repeat(np.arange(n), others)
    parts.append(np.stack([truster, rng.integers(0, n, truster.size)], 1))
    pairs = np.concatenate(parts)
    pairs = pairs[pairs[:, 0] != pairs[:, 1]]
    return np.unique(pairs, axis=0)


def build(args: argparse.Namespace, db: Path) -> None:
    """Migrate and bulk-create the organisation, its relationship states and evidence rows."""
    from django.core.management import call_command
    from django.db import connection, transaction

    from trustledger.engine import DIMENSIONS
    from trustledger.insights import projection

    call_command("migrate", verbosity=0)
    rng = np.random.default_rng(6)
    n = args.people
    began = time.perf_counter()
    ids = [uuid.UUID(int=int(x)) for x in rng.integers(1, 2**62, n, dtype=np.int64)]
    hexes = [i.hex for i in ids]
    styles = ("driving", "expressive", "amiable", "analytical", "")
    now = dt.datetime.now(dt.UTC)
    stamp = now.strftime("%Y-%m-%d %H:%M:%S")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO org_person (id, employee_id, name, email, title, behaviour_style, "
            "is_external, created_at, updated_at, start_date, leave_date, team_id) "
            "VALUES (%s, %s, %s, %s, %s, %s, 0, %s, %s, NULL, NULL, NULL)",
            [
                (hexes[i], f"E{i:07d}", f"Person {i}", f"p{i}@example.com", "Engineer",
                 styles[i % 5], stamp, stamp)
                for i in range(n)
            ],
        )  # fmt: skip
        cursor.executemany(
            "INSERT INTO org_reportingline (id, person_id, manager_id, valid_from, valid_to, "
            "created_at) VALUES (%s, %s, %s, %s, NULL, %s)",
            [(uuid.uuid4().hex, hexes[i], hexes[(i - 1) // FANOUT], "2024-01-01", stamp)
             for i in range(1, n)],
        )  # fmt: skip
    print(f"{n:,} people and their reporting lines in {time.perf_counter() - began:.1f} s")

    began = time.perf_counter()
    pairs = relationships(n, args.relationships, rng)
    m = len(pairs)
    today = projection.day_of(now)
    last = today - rng.uniform(0, 365, m)
    positive = rng.gamma(2.0, 1.5, (m, 4))
    negative = rng.gamma(0.6, 1.0, (m, 4)) * (rng.random((m, 4)) < 0.3)
    fields = [f"{p}_{d}" for p in ("positive", "negative", "same_day_positive", "period_positive")
              for d in DIMENSIONS]  # fmt: skip
    columns = ", ".join(
        ["truster_id", "trustee_id", "last_day", "period", "model_version", *fields]
    )
    marks = ", ".join(["%s"] * (5 + len(fields)))
    zeros = (0.0,) * 8
    with transaction.atomic(), connection.cursor() as cursor:
        for start in range(0, m, 100_000):
            cursor.executemany(
                f"INSERT INTO insights_relationshiptrust ({columns}) VALUES ({marks})",
                [
                    (hexes[a], hexes[b], float(last[r]), float(last[r] // 7), "1",
                     *positive[r].tolist(), *negative[r].tolist(), *zeros)
                    for r, (a, b) in enumerate(pairs[start : start + 100_000].tolist(), start)
                ],
            )  # fmt: skip
    print(f"{m:,} relationship states in {time.perf_counter() - began:.1f} s")

    began = time.perf_counter()
    rows = m * args.evidence
    rel = np.repeat(np.arange(m), args.evidence)
    day = last[rel] - rng.uniform(0, 300, rows) * (np.arange(rows) % args.evidence != 0)
    kind = rng.integers(0, len(KINDS), rows)
    amount = rng.uniform(0.2, 1.0, rows)
    dim = rng.integers(0, 4, rows)
    evidence_columns = (
        "truster_id, trustee_id, dimension, positive, negative, severe, at, day, kind, source, "
        "source_id, event_id, witness, model_version"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        for start in range(0, rows, 200_000):
            batch = []
            for r in range(start, min(start + 200_000, rows)):
                a, b = pairs[rel[r]]
                name, source, bad = KINDS[kind[r]]
                moment = dt.datetime.fromtimestamp(day[r] * 86400.0, dt.UTC)
                batch.append(
                    (hexes[a], hexes[b], int(dim[r]), 0.0 if bad else float(amount[r]),
                     float(amount[r]) * 2.25 if bad else 0.0, 0,
                     moment.strftime("%Y-%m-%d %H:%M:%S"), float(day[r]), name, source,
                     str(uuid.UUID(int=r + 1)), None, 0, "1")
                )  # fmt: skip
            cursor.executemany(
                f"INSERT INTO insights_evidence ({evidence_columns}) "
                f"VALUES ({', '.join(['%s'] * 14)})",
                batch,
            )
    print(f"{rows:,} evidence rows in {time.perf_counter() - began:.1f} s")
    print(f"database {db.stat().st_size / 1e6:.0f} MB")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--relationships", type=int, default=20, help="per person, about")
    parser.add_argument("--evidence", type=int, default=2, help="rows per relationship")
    parser.add_argument("--requests", type=int, default=30, help="requests to time per page")
    parser.add_argument("--db", type=Path, default=None, help="SQLite file (default: temp)")
    args = parser.parse_args()

    db, reuse = django_on_sqlite(args.db)
    from django.test import Client

    from trustledger.accounts.models import User
    from trustledger.insights.models import Evidence, RelationshipTrust
    from trustledger.org.models import Person

    if reuse:
        print(f"reusing {db}: only the pages are timed")
    else:
        build(args, db)
    manager = Person.objects.get(employee_id=f"E{12:07d}")  # reports: people 121…130
    user = User.objects.filter(person=manager).first() or User.objects.create_user(
        username=manager.email, email=manager.email, person=manager
    )
    incoming = RelationshipTrust.objects.filter(trustee=manager).count()
    rows = Evidence.objects.filter(trustee=manager).count()
    print(
        f"manager {manager.name}: {incoming} people trust them ({rows} evidence rows); "
        f"{RelationshipTrust.objects.count():,} relationships in all"
    )
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    results = {}
    for label, address in (("manager dashboard", "/me/team/"), ("my trust profile", "/me/trust/")):
        samples = []
        for _ in range(args.requests + 2):
            began = time.perf_counter()
            response = client.get(address)
            samples.append((time.perf_counter() - began) * 1000)
            assert response.status_code == 200, (address, response.status_code)
        p50, p95 = percentiles(samples[2:])
        results[label] = p95
        print(f"{label:<18} {address:<11} p50 {p50:6.1f} ms  p95 {p95:6.1f} ms")
    ok = results["manager dashboard"] < TARGET_DASHBOARD_MS
    print(
        f"{'OK' if ok else 'TOO SLOW'}: manager dashboard p95 "
        f"{results['manager dashboard']:.0f} ms (target {TARGET_DASHBOARD_MS:.0f} ms)"
    )
    print(f"peak memory (max RSS): {peak_memory_mb():.0f} MB")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
