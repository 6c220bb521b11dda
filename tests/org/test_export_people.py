"""HR exports people as CSV (which imports back unchanged) or JSON; nobody else may."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
from django.core.exceptions import PermissionDenied

from tests import factories
from trustledger.audit.models import AuditEvent
from trustledger.org import services
from trustledger.org.exports import export_people
from trustledger.org.imports import COLUMNS, ImportReport, import_people
from trustledger.org.models import BehaviourStyle, Person


def test_hr_exports_csv_with_exactly_the_import_columns(org):
    hr = factories.actor(org["hr_user"])
    out = io.StringIO()

    written = export_people(hr, out, "csv")

    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert written == len(rows) == Person.objects.count() == 4
    assert tuple(rows[0]) == COLUMNS
    ben = next(r for r in rows if r["name"] == "Ben Report")
    assert ben["manager_employee_id"] == org["ana"].employee_id
    assert ben["team"] == "Engineering"
    assert ben["external"] == "false"
    assert next(r for r in rows if r["name"] == "Cora CEO")["manager_employee_id"] == ""


def test_an_exported_csv_imports_back_with_nothing_changed(org):
    hr = factories.actor(org["hr_user"])
    Person.objects.filter(pk=org["ben"].pk).update(
        start_date=dt.date(2021, 4, 1),
        leave_date=dt.date(2027, 1, 31),
        behaviour_style=BehaviourStyle.AMIABLE,
        name='Ben, the "Report" Ø',
    )
    factories.person("Kim Customer", is_external=True, title="")
    out = io.StringIO()
    export_people(hr, out, "csv")

    report = import_people(hr, out.getvalue().encode(), filename="export.csv")

    assert report == ImportReport(
        created=0, updated=0, unchanged=5, managers_changed=0, teams_created=0
    )


def test_hr_exports_json_as_a_list_of_people_with_their_current_manager(org):
    hr = factories.actor(org["hr_user"])
    services.set_manager(hr, org["cai"].pk, org["ceo"].pk)  # from today, Cai reports to Cora
    out = io.StringIO()

    written = export_people(hr, out, "json")

    people = json.loads(out.getvalue())
    assert written == len(people) == 4
    assert all(tuple(person) == COLUMNS for person in people)
    cai = next(p for p in people if p["name"] == "Cai Report")
    assert cai["manager_employee_id"] == org["ceo"].employee_id
    assert cai["external"] is False
    assert cai["start_date"] is None


def test_each_export_is_one_audit_record(org):
    hr = factories.actor(org["hr_user"])

    export_people(hr, io.StringIO(), "json")

    event = AuditEvent.objects.get(action="person.export")
    assert event.allowed
    assert event.detail == {"format": "json", "rows": 4}


def test_an_employee_cannot_export_and_the_attempt_is_audited(org):
    ben = factories.actor(org["ben_user"])
    out = io.StringIO()

    with pytest.raises(PermissionDenied):
        export_people(ben, out, "csv")

    assert out.getvalue() == ""
    refused = AuditEvent.objects.get(action="person.export")
    assert refused.allowed is False
    assert refused.actor == org["ben_user"]


def test_an_empty_organisation_exports_a_header_or_an_empty_list(db):
    system = factories.Actor.system("test")
    csv_out, json_out = io.StringIO(), io.StringIO()

    assert export_people(system, csv_out, "csv") == 0
    assert export_people(system, json_out, "json") == 0
    assert csv_out.getvalue() == ",".join(COLUMNS) + "\r\n"
    assert json.loads(json_out.getvalue()) == []


def test_an_unknown_format_is_refused(org):
    with pytest.raises(ValueError, match="csv or json"):
        export_people(factories.actor(org["hr_user"]), io.StringIO(), "xml")  # type: ignore[arg-type]
