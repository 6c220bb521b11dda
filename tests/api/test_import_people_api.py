"""HR imports people from an HR system's CSV export through the API, and exports them again."""

from __future__ import annotations

import csv
import io

import pytest

from trustledger.org.models import Person, ReportingLine, Team

HEADER = "employee_id,name,email,title,team,manager_employee_id,start_date\n"
GOOD = HEADER + (
    "E100,Zoe Boss,zoe@example.com,CTO,Platform,,2024-01-01\n"
    "E101,Yan Dev,yan@example.com,Engineer,Platform,E100,2024-01-01\n"
    "E102,Xia Dev,xia@example.com,Engineer,Platform,E100,2024-02-01\n"
)
THREE_BAD_ROWS = HEADER + (
    "E100,Zoe Boss,zoe@example.com,CTO,Platform,,2024-01-01\n"  # line 2: fine
    "E101,Yan Dev,yan@example.com,Engineer,Platform,E999,2024-01-01\n"  # line 3: unknown manager
    "E102,Xia Dev,xia@example.com,Engineer,Platform,E100,2024-02-01\n"  # line 4: fine
    "E103,Wes Dev,wes@example.com,Engineer,Platform,E100,2024-13-45\n"  # line 5: bad date
    "E104,,val@example.com,Engineer,Platform,E100,2024-01-01\n"  # line 6: no name
)


@pytest.fixture
def hr(org, token_client):
    return token_client(org["hr_user"])


def test_hr_uploads_a_good_file_and_gets_the_counts(org, hr):
    response = hr.post(
        "/people/import",
        files={"file": ("people.csv", GOOD.encode(), "text/csv")},
        params={"effective": "2026-01-01"},
    )

    assert response.status_code == 200, response.text
    assert response.json() == {
        "created": 3,
        "updated": 0,
        "unchanged": 0,
        "managers_changed": 2,
        "teams_created": 1,
    }
    yan = Person.objects.get(employee_id="E101")
    assert ReportingLine.objects.get(person=yan).manager.name == "Zoe Boss"


def test_importing_the_same_file_twice_changes_nothing(org, hr):
    first = hr.post("/people/import", data=GOOD.encode(), headers={"Content-Type": "text/csv"})
    assert first.status_code == 200, first.text

    again = hr.post("/people/import", data=GOOD.encode(), headers={"Content-Type": "text/csv"})

    assert again.status_code == 200, again.text
    assert again.json()["unchanged"] == 3
    assert again.json()["created"] == 0


def test_a_file_with_three_bad_rows_lists_exactly_those_and_imports_nothing(org, hr):
    people_before = Person.objects.count()

    response = hr.post(
        "/people/import", files={"file": ("people.csv", THREE_BAD_ROWS.encode(), "text/csv")}
    )

    assert response.status_code == 422, response.text
    body = response.json()
    assert "nothing was imported" in body["detail"]
    assert [(error["line"], error["column"]) for error in body["errors"]] == [
        (3, "manager_employee_id"),
        (5, "start_date"),
        (6, "name"),
    ]
    assert all(error["reason"] for error in body["errors"])
    assert Person.objects.count() == people_before
    assert not Team.objects.filter(name="Platform").exists()


def test_a_form_without_the_file_field_is_a_client_error(org, hr):
    response = hr.post("/people/import", files={"upload": ("people.csv", GOOD.encode())})

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "file"


def test_an_employee_cannot_import_people(org, token_client):
    ben = token_client(org["ben_user"])

    response = ben.post("/people/import", data=GOOD.encode(), headers={"Content-Type": "text/csv"})

    assert response.status_code == 403
    assert not Person.objects.filter(employee_id="E100").exists()


def test_hr_exports_people_as_csv_and_json(org, hr):
    exported = hr.get("/people/export", params={"format": "csv"})

    assert exported.status_code == 200, exported.text
    assert exported.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert {row["name"] for row in rows} == {"Cora CEO", "Ana Manager", "Ben Report", "Cai Report"}
    ben = next(row for row in rows if row["name"] == "Ben Report")
    assert ben["manager_employee_id"] == org["ana"].employee_id

    as_json = hr.get("/people/export", params={"format": "json"})
    assert as_json.status_code == 200
    assert len(as_json.json()) == 4
    assert hr.get("/people/export", params={"format": "xml"}).status_code == 422


def test_an_employee_cannot_export_people(org, token_client):
    assert token_client(org["ben_user"]).get("/people/export").status_code == 403
