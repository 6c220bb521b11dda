"""Benchmark: import N people (default 100,000) from CSV into a fresh SQLite file database.

    .venv/bin/python benchmarks/import_people.py [--people N] [--db PATH]

Generates a realistic HR export (teams, a reporting tree about six levels deep, dates, styles,
a few external counterparts), migrates a new SQLite *file* database (WAL, as in production),
imports the file as the system actor, imports it again (nothing changed: no writes), then imports
a version where 5% of titles and 1% of managers changed. Prints seconds, rows per second and the
peak resident memory. Target: the first import of 100,000 people in under 60 s.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import math
import random
import sys
import time
from pathlib import Path

from _support import django_on_sqlite, peak_memory_mb

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
FIRST = ("Ana", "Ben", "Cai", "Dee", "Eli", "Fay", "Gus", "Hal", "Ida", "José", "Kim", "Zoë")
LAST = ("Smith", "Okafor", "Nguyen", "García", "Müller", "Rossi", "Kowalski", "Tanaka", "Silva")
DEPARTMENTS = ("Engineering", "Sales", "Support", "Finance", "Operations", "Marketing", "People")
TITLES = ("Engineer", "Analyst", "Specialist", "Consultant", "Coordinator", "Associate")
STYLES = ("", "driving", "expressive", "amiable", "analytical")


def generate(people: int, seed: int = 7) -> list[list[str]]:
    """Rows of a realistic export: a tree with a fan-out that makes it about six levels deep."""
    rng = random.Random(seed)
    fan_out = max(2, math.ceil(people ** (1 / 5)))
    rows: list[list[str]] = []
    team_of: dict[int, str] = {}
    for n in range(people):
        manager = (n - 1) // fan_out if n else None
        level = 0 if manager is None else int(math.log(n * (fan_out - 1) + 1, fan_out))
        if manager is None:
            team = "Leadership"
        elif level <= 2:
            team = f"{DEPARTMENTS[n % len(DEPARTMENTS)]} {n}"
        else:
            team = team_of[manager] if level > 3 else f"{team_of[manager]}.{n}"
        team_of[n] = team
        start = dt.date(2005, 1, 1) + dt.timedelta(days=rng.randrange(7300))
        leave = start + dt.timedelta(days=rng.randrange(30, 4000)) if rng.random() < 0.05 else None
        rows.append(
            [
                f"E{n:07d}",
                f"{rng.choice(FIRST)} {rng.choice(LAST)} {n}",
                f"person{n}@example.com",
                "Director" if level <= 2 else rng.choice(TITLES),
                team,
                f"E{manager:07d}" if manager is not None else "",
                start.isoformat(),
                leave.isoformat() if leave else "",
                rng.choice(STYLES),
                "yes" if rng.random() < 0.01 else "no",
            ]
        )
    return rows


def to_csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerows(rows)
    return b"\xef\xbb\xbf" + out.getvalue().encode("utf-8")  # as Excel writes it


def changed(rows: list[list[str]], seed: int = 11) -> list[list[str]]:
    """5% new titles, 1% new managers (someone earlier in the tree, so no cycles)."""
    rng = random.Random(seed)
    result = [list(r) for r in rows]
    for n, r in enumerate(result):
        if rng.random() < 0.05:
            r[3] = "Senior " + r[3]
        if n > 10 and rng.random() < 0.01:
            r[5] = f"E{rng.randrange(1, n // 10):07d}"
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=100_000, help="people in the file")
    parser.add_argument("--db", type=Path, default=None, help="SQLite file (default: a temp file)")
    args = parser.parse_args()

    db, reuse = django_on_sqlite(args.db)
    if reuse:
        parser.error(f"{db} exists; the benchmark needs a fresh database")
    from django.core.management import call_command

    from trustledger.accounts.actors import Actor
    from trustledger.org.imports import import_people
    from trustledger.org.models import Person, ReportingLine, Team

    call_command("migrate", verbosity=0)
    actor = Actor.system("benchmark")

    started = time.perf_counter()
    rows = generate(args.people)
    data = to_csv(rows)
    print(
        f"generated {args.people:,} people ({len(data) / 1e6:.1f} MB CSV) "
        f"in {time.perf_counter() - started:.1f} s; database {db}"
    )

    def run(label: str, payload: bytes, effective: dt.date) -> float:
        began = time.perf_counter()
        report = import_people(actor, payload, effective=effective, filename=f"{label}.csv")
        seconds = time.perf_counter() - began
        print(
            f"{label:<14} {seconds:7.2f} s  {args.people / seconds:>9,.0f} rows/s  "
            f"created={report.created:,} updated={report.updated:,} "
            f"unchanged={report.unchanged:,} managers_changed={report.managers_changed:,} "
            f"teams_created={report.teams_created:,}"
        )
        return seconds

    first = run("first import", data, dt.date(2026, 1, 1))
    run("re-import", data, dt.date(2026, 2, 1))
    run("with changes", to_csv(changed(rows)), dt.date(2026, 3, 1))
    print(
        f"database: {Person.objects.count():,} people, {Team.objects.count():,} teams, "
        f"{ReportingLine.objects.count():,} reporting lines, {db.stat().st_size / 1e6:.0f} MB"
    )
    print(f"peak memory (max RSS): {peak_memory_mb():.0f} MB")
    target = 60 * args.people / 100_000
    verdict = "OK" if first < target else "TOO SLOW"
    print(f"{verdict}: first import {first:.1f} s (target {target:.0f} s for {args.people:,})")
    return 0 if first < target else 1


if __name__ == "__main__":
    sys.exit(main())
