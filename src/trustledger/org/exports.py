"""Export every person as CSV (the import's columns, so a file round-trips) or JSON.

An export holds private data (e-mails, employee ids, dates), so only HR, admins and the system
may make one, and each export is one audit record.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from typing import Any, Literal, TextIO

from django.db.models import Q
from django.utils import timezone

from trustledger.accounts.actors import Actor
from trustledger.audit import services as audit
from trustledger.org.imports import COLUMNS
from trustledger.org.models import Person, ReportingLine

__all__ = ["export_people"]

ExportFormat = Literal["csv", "json"]
FORMATS: tuple[ExportFormat, ...] = ("csv", "json")


def _people(day: dt.date) -> list[dict[str, Any]]:
    """Every person with their manager on ``day``, ordered by employee id (two queries)."""
    manager_of = dict(
        ReportingLine.objects.filter(valid_from__lte=day)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=day))
        .values_list("person_id", "manager__employee_id")
    )
    rows = Person.objects.order_by("employee_id").values_list(
        "id",
        "employee_id",
        "name",
        "email",
        "title",
        "team__name",
        "start_date",
        "leave_date",
        "behaviour_style",
        "is_external",
    )
    return [
        {
            "employee_id": employee_id,
            "name": name,
            "email": email,
            "title": title,
            "team": team or None,
            "manager_employee_id": manager_of.get(pk),
            "start_date": start.isoformat() if start else None,
            "leave_date": leave.isoformat() if leave else None,
            "behaviour_style": style or None,
            "external": is_external,
        }
        for pk, employee_id, name, email, title, team, start, leave, style, is_external in rows
    ]


def _csv_value(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def export_people(actor: Actor, out: TextIO, fmt: ExportFormat) -> int:
    """Write every person to ``out``, with today's manager; return how many (HR, admins, system).

    CSV has exactly the import's columns, so importing an export changes nothing. JSON is a list
    of objects with the same keys (``null`` for an empty value, ``external`` a boolean).
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; use csv or json")
    if not actor.manages_people:
        audit.deny(actor, "person.export", "person", "", "only HR and administrators export people")
    people = _people(timezone.localdate())
    # Recorded before the data leaves, so even an interrupted export is in the log.
    audit.record(actor, "person.export", "person", "", detail={"format": fmt, "rows": len(people)})
    if fmt == "csv":
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(COLUMNS)
        writer.writerows([_csv_value(person[column]) for column in COLUMNS] for person in people)
    else:
        out.write("[")
        for index, person in enumerate(people):
            out.write(",\n " if index else "\n ")
            out.write(json.dumps(person, ensure_ascii=False))
        out.write("\n]\n" if people else "]\n")
    return len(people)
