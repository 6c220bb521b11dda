"""Benchmark organisation analytics: build the snapshot and serve the HR heatmap page for an
organisation of 100,000 people.

    .venv/bin/python benchmarks/insights.py [--people N] [--relationships N] [--requests N]
        [--db PATH]

1. Migrates a fresh SQLite *file* database (WAL, as in production) and writes, with
   ``bulk_create``, ``--people`` (default 100,000) people in teams of about 10 (each manager's
   direct reports are a team) in a reporting tree of 10 reports per manager, start dates over
   five years and one in ten who has left; and about ``--relationships`` (default 20) stored
   relationship states per person (RelationshipTrust rows, written with executemany for
   speed): manager and reports both ways, colleagues in the same team, people elsewhere.
   One subtree's managers are distrusted by their reports, so trickle-down has something
   to find. Set-up, not what is measured.
2. Builds the snapshot (``insights.organisation.rebuild``, as ``trustledger compute`` does
   after the relationships): timed.
3. Signs in HR and times ``GET /insights/organisation/`` (the heatmap page, which reads the
   snapshot) through Django's test Client: p50/p95 over ``--requests`` (default 30) requests
   after two warm-up requests. Target: under 300 ms server time.

Prints the set-up and build times, the figures and peak resident memory.
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

TARGET_PAGE_MS = 300.0
FANOUT = 10


def pairs_for(n: int, per_person: int, rng: np.random.Generator) -> np.ndarray:
    """Directed (truster, trustee) pairs, about ``per_person`` out of each person."""
    people = np.arange(1, n)
    manager = (people - 1) // FANOUT
    parts = [np.stack([people, manager], 1), np.stack([manager, people], 1)]
    for _ in range(6):  # colleagues: someone with the same manager (the same team)
        colleague = manager * FANOUT + 1 + rng.integers(0, FANOUT, people.size)
        parts.append(np.stack([people, np.minimum(colleague, n - 1)], 1))
    others = max(per_person - 8, 0)
    truster = np.repeat(np.arange(n), others)
    parts.append(np.stack([truster, rng.integers(0, n, truster.size)], 1))
    pairs = np.concatenate(parts)
    pairs = pairs[pairs[:, 0] != pairs[:, 1]]
    return np.unique(pairs, axis=0)


def build(args: argparse.Namespace) -> None:
    """Migrate, then bulk-create the organisation and its relationship states."""
    from django.core.management import call_command
    from django.db import connection, transaction

    from trustledger.engine import DIMENSIONS
    from trustledger.insights import projection
    from trustledger.insights.models import RelationshipTrust
    from trustledger.org.models import Person, ReportingLine, Team

    call_command("migrate", verbosity=0)
    rng = np.random.default_rng(6)
    n = args.people
    began = time.perf_counter()
    ids = [uuid.UUID(int=int(x)) for x in rng.integers(1, 2**62, n, dtype=np.int64)]
    managers = (n - 1) // FANOUT + 1
    team_ids = [uuid.UUID(int=int(x)) for x in rng.integers(1, 2**62, managers, dtype=np.int64)]
    today = dt.date.today()
    started = [today - dt.timedelta(days=int(d)) for d in rng.integers(30, 5 * 365, n)]
    leaves = rng.random(n) < 0.1
    leaves[:managers] = False  # managers stay, so the tree stays whole
    with transaction.atomic():
        Team.objects.bulk_create(
            [Team(id=t, name=f"Team {i:05d}") for i, t in enumerate(team_ids)], batch_size=5000
        )
        Person.objects.bulk_create(
            [
                Person(
                    id=ids[i],
                    employee_id=f"E{i:07d}",
                    name=f"Person {i}",
                    email=f"p{i}@example.com",
                    title="Manager" if i < managers else "Engineer",
                    team_id=team_ids[(i - 1) // FANOUT] if i else None,
                    start_date=started[i],
                    leave_date=(
                        started[i] + (today - started[i]) * float(rng.uniform(0.2, 0.95))
                        if leaves[i]
                        else None
                    ),
                )
                for i in range(n)
            ],
            batch_size=5000,
        )
        ReportingLine.objects.bulk_create(
            [
                ReportingLine(
                    person_id=ids[i], manager_id=ids[(i - 1) // FANOUT], valid_from=started[i]
                )
                for i in range(1, n)
            ],
            batch_size=5000,
        )
    took = time.perf_counter() - began
    print(f"{n:,} people, {managers:,} teams and reporting lines in {took:.1f} s")

    began = time.perf_counter()
    pairs = pairs_for(n, args.relationships, rng)
    m = len(pairs)
    now_day = projection.day_of(dt.datetime.now(dt.UTC))
    last = now_day - rng.uniform(0, 365, m)
    positive = rng.gamma(2.0, 1.5, (m, 4))
    negative = rng.gamma(0.6, 1.0, (m, 4)) * (rng.random((m, 4)) < 0.3)
    # A distrusted subtree: person 3 and every manager under them (3, 31–40, 311–410, …).
    distrusted = np.zeros(n, dtype=bool)
    frontier = np.array([3])
    while frontier.size:
        distrusted[frontier] = True
        below = (frontier[:, None] * FANOUT + 1 + np.arange(FANOUT)).ravel()
        frontier = below[(below < managers)]
    to_bad_manager = distrusted[pairs[:, 1]] & ((pairs[:, 0] - 1) // FANOUT == pairs[:, 1])
    positive[to_bad_manager] *= 0.1
    negative[to_bad_manager] += 6.0
    # RelationshipTrust rows go in with executemany (bulk_create builds a model object per row,
    # about 20 times slower at two million rows); the same columns bulk_create would write.
    fields = [f"{p}_{d}" for p in ("positive", "negative", "same_day_positive", "period_positive")
              for d in DIMENSIONS]  # fmt: skip
    columns = ", ".join(
        ["truster_id", "trustee_id", "last_day", "period", "model_version", *fields]
    )
    marks = ", ".join(["%s"] * (5 + len(fields)))
    hexes = [i.hex for i in ids]
    zeros = (0.0,) * 8
    with transaction.atomic(), connection.cursor() as cursor:
        for start in range(0, m, 100_000):
            cursor.executemany(
                f"INSERT INTO {RelationshipTrust._meta.db_table} ({columns}) VALUES ({marks})",
                [
                    (hexes[a], hexes[b], float(last[r]), float(last[r] // 7), "1",
                     *positive[r].tolist(), *negative[r].tolist(), *zeros)
                    for r, (a, b) in enumerate(pairs[start : start + 100_000].tolist(), start)
                ],
            )  # fmt: skip
    print(f"{m:,} relationship states in {time.perf_counter() - began:.1f} s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--relationships", type=int, default=20, help="per person, about")
    parser.add_argument("--requests", type=int, default=30, help="requests to time")
    parser.add_argument("--db", type=Path, default=None, help="SQLite file (default: temp)")
    args = parser.parse_args()

    db, reuse = django_on_sqlite(args.db)
    from django.test import Client

    from trustledger.accounts.actors import Actor
    from trustledger.accounts.models import Role, User
    from trustledger.insights import organisation
    from trustledger.insights.models import TeamSnapshot

    if reuse:
        print(f"reusing {db}")
    else:
        build(args)
    print(f"database {db.stat().st_size / 1e6:.0f} MB")

    began = time.perf_counter()
    snapshot = organisation.rebuild(Actor.system(via="benchmark"))
    built = time.perf_counter() - began
    retention = {g["level"]: g.get("people") for g in snapshot.retention["groups"]}
    print(
        f"snapshot built in {built:.1f} s: {snapshot.teams:,} teams, {snapshot.people:,} people, "
        f"{TeamSnapshot.objects.count():,} rows; trickle-down: "
        f"{snapshot.trickle_down['managers_measured']:,} managers measured, "
        f"{snapshot.trickle_down['managers_distrusted']:,} distrusted, "
        f"{len(snapshot.trickle_down['flags'])} flagged subtrees "
        f"{[f['leader'] for f in snapshot.trickle_down['flags']][:5]}; retention groups {retention}"
    )

    hr = User.objects.filter(username="hr@bench.example").first() or User.objects.create_user(
        username="hr@bench.example", email="hr@bench.example", role=Role.HR
    )
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(hr)
    samples = []
    for _ in range(args.requests + 2):
        began = time.perf_counter()
        response = client.get("/insights/organisation/")
        samples.append((time.perf_counter() - began) * 1000)
        assert response.status_code == 200, response.status_code
    p50, p95 = percentiles(samples[2:])
    size = len(response.content) / 1024
    print(f"org heatmap page p50 {p50:6.1f} ms  p95 {p95:6.1f} ms ({size:.0f} KiB of HTML)")
    ok = p95 < TARGET_PAGE_MS
    print(f"{'OK' if ok else 'TOO SLOW'}: p95 {p95:.0f} ms (target {TARGET_PAGE_MS:.0f} ms)")
    print(f"peak memory (max RSS): {peak_memory_mb():.0f} MB")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
