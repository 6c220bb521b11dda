"""The directory for everyone; HR adds and changes people and reporting lines."""

from __future__ import annotations

import uuid

import pytest

from tests import factories
from trustledger.org.models import Person, ReportingLine


@pytest.fixture
def ben(org, token_client):
    return token_client(org["ben_user"])


@pytest.fixture
def hr(org, token_client):
    return token_client(org["hr_user"])


def test_everyone_searches_the_directory(org, ben):
    response = ben.get("/people", params={"q": "report"})

    assert response.status_code == 200, response.text
    page = response.json()
    assert page["count"] == 2
    assert [p["name"] for p in page["items"]] == ["Ben Report", "Cai Report"]
    card = page["items"][0]
    assert card == {
        "id": str(org["ben"].pk),
        "name": "Ben Report",
        "title": "Engineer",
        "team": {"id": str(org["team"].pk), "name": "Engineering"},
        "manager": {"id": str(org["ana"].pk), "name": "Ana Manager"},
    }


def test_the_directory_is_paginated_and_filtered_by_team(org, ben):
    response = ben.get("/people", params={"team": str(org["team"].pk), "limit": 2})
    assert response.status_code == 200, response.text
    page = response.json()
    assert page["count"] == 3
    assert [p["name"] for p in page["items"]] == ["Ana Manager", "Ben Report"]
    rest = ben.get("/people", params={"team": str(org["team"].pk), "offset": 2}).json()
    assert [p["name"] for p in rest["items"]] == ["Cai Report"]
    assert ben.get("/people", params={"limit": 500}).status_code == 200
    assert ben.get("/people", params={"limit": 501}).status_code == 422


def test_a_directory_card_holds_no_private_data(org, ben):
    card = ben.get(f"/people/{org['cai'].pk}").json()

    assert card["name"] == "Cai Report"
    assert "email" not in card
    assert "employee_id" not in card


def test_hr_adds_a_person(org, hr):
    response = hr.post(
        "/people",
        json={
            "employee_id": "E-42",
            "name": "Dee Designer",
            "email": "Dee@Example.com",
            "title": "Designer",
            "team_id": str(org["team"].pk),
            "start_date": "2026-01-05",
            "behaviour_style": "amiable",
        },
    )

    assert response.status_code == 201, response.text
    record = response.json()
    assert record["email"] == "dee@example.com"
    assert record["team"]["name"] == "Engineering"
    assert Person.objects.get(employee_id="E-42").name == "Dee Designer"


def test_adding_a_person_with_bad_fields_names_each_field(org, hr):
    response = hr.post(
        "/people",
        json={"employee_id": org["ben"].employee_id, "name": "Ben Again", "email": "not-an-email"},
    )

    assert response.status_code == 422
    fields = {error["field"] for error in response.json()["errors"]}
    assert {"employee_id", "email"} <= fields
    assert not Person.objects.filter(name="Ben Again").exists()


def test_a_request_that_does_not_parse_is_a_422_with_field_messages(org, hr):
    response = hr.post("/people", json={"name": "No Id", "start_date": "31/12/2026"})

    assert response.status_code == 422
    fields = {error["field"] for error in response.json()["errors"]}
    assert {"employee_id", "email", "start_date"} <= fields


def test_an_employee_cannot_add_people(org, ben):
    response = ben.post(
        "/people", json={"employee_id": "E-1", "name": "Sneaky", "email": "s@example.com"}
    )
    assert response.status_code == 403
    assert not Person.objects.filter(name="Sneaky").exists()


def test_hr_changes_only_the_fields_sent(org, hr):
    response = hr.patch(f"/people/{org['ben'].pk}", json={"title": "Staff Engineer"})

    assert response.status_code == 200, response.text
    org["ben"].refresh_from_db()
    assert (org["ben"].title, org["ben"].name) == ("Staff Engineer", "Ben Report")
    assert hr.patch(f"/people/{org['ben'].pk}", json={"team_id": None}).json()["team"] is None


def test_a_required_field_cannot_be_cleared(org, hr):
    response = hr.patch(f"/people/{org['ben'].pk}", json={"name": None})

    assert response.status_code == 422
    assert "name cannot be null" in response.json()["detail"]


def test_a_leave_date_before_the_start_date_is_refused(org, hr):
    response = hr.patch(
        f"/people/{org['ben'].pk}", json={"start_date": "2026-05-01", "leave_date": "2026-01-01"}
    )
    assert response.status_code == 422


def test_hr_moves_a_person_to_a_new_manager_and_history_is_kept(org, hr):
    response = hr.put(
        f"/people/{org['ben'].pk}/manager",
        json={"manager_id": str(org["ceo"].pk), "valid_from": "2026-03-01"},
    )

    assert response.status_code == 200, response.text
    assert response.json()["manager"]["name"] == "Cora CEO"
    history = hr.get(f"/people/{org['ben'].pk}/reporting-lines").json()
    assert [
        (line["manager"]["name"], line["valid_from"], line["valid_to"]) for line in history
    ] == [
        ("Ana Manager", "2020-01-01", "2026-03-01"),
        ("Cora CEO", "2026-03-01", None),
    ]


def test_a_reporting_cycle_is_refused_naming_the_loop(org, hr):
    response = hr.put(
        f"/people/{org['ceo'].pk}/manager",
        json={"manager_id": str(org["ben"].pk), "valid_from": "2026-03-01"},
    )

    assert response.status_code == 409
    detail = response.json()["detail"]
    assert "Cora CEO → Ben Report → Ana Manager → Cora CEO" in detail
    assert not ReportingLine.objects.filter(person=org["ceo"]).exists()


def test_a_manager_can_be_removed(org, hr):
    response = hr.put(f"/people/{org['ben'].pk}/manager", json={"manager_id": None})

    assert response.status_code == 200, response.text
    assert response.json()["manager"] is None


def test_unknown_and_malformed_ids_are_client_errors(org, ben):
    assert ben.get(f"/people/{uuid.uuid4()}").status_code == 404
    assert ben.get("/people/not-a-uuid").status_code == 422
    assert ben.get("/people/not-a-uuid/record").status_code == 422
    assert ben.get(f"/teams/{uuid.uuid4()}").status_code == 404


@pytest.mark.parametrize(
    "params",
    [
        {"q": "\x00"},
        {"q": "x" * 5000},
        {"offset": str(10**30)},
        {"limit": "-1"},
        {"team": "zzz"},
    ],
)
def test_junk_query_parameters_are_never_a_server_error(org, ben, params):
    assert ben.get("/people", params=params).status_code < 500


@pytest.mark.parametrize(
    "body",
    [b"", b"{", b"null", b"[]", '{"name": "\\u0000", "employee_id": "x", "email": "a@b.c"}'],
)
def test_junk_bodies_are_never_a_server_error(org, hr, body):
    response = hr.post("/people", data=body, headers={"Content-Type": "application/json"})
    assert 400 <= response.status_code < 500


def test_teams_list_their_members(org, ben):
    factories.person("Left Already", team=org["team"], leave_date="2021-01-01")
    teams = ben.get("/teams").json()
    assert [(t["name"], t["member_count"]) for t in teams] == [("Engineering", 3)]

    team = ben.get(f"/teams/{org['team'].pk}").json()
    assert [m["name"] for m in team["members"]] == ["Ana Manager", "Ben Report", "Cai Report"]


def test_hr_adds_a_team_and_employees_cannot(org, hr, ben):
    created = hr.post("/teams", json={"name": "Design", "description": "Makes it usable"})
    assert created.status_code == 201, created.text
    assert created.json()["name"] == "Design"
    assert hr.post("/teams", json={"name": "Design"}).status_code == 422
    assert ben.post("/teams", json={"name": "Shadow IT"}).status_code == 403


def test_the_org_chart_is_a_nested_tree(org, ben):
    response = ben.get("/org-chart")

    assert response.status_code == 200
    chart = response.json()
    [ceo] = chart["roots"]
    assert (ceo["name"], ceo["size"]) == ("Cora CEO", 4)
    [ana] = ceo["reports"]
    assert ana["name"] == "Ana Manager"
    assert [(r["name"], r["reports"]) for r in ana["reports"]] == [
        ("Ben Report", []),
        ("Cai Report", []),
    ]


def test_only_hr_sees_the_org_chart_of_another_day(org, ben, hr):
    # The tree of another day reveals reporting history and start dates: private.
    assert ben.get("/org-chart", params={"on": "2019-12-31"}).status_code == 403
    before = hr.get("/org-chart", params={"on": "2019-12-31"}).json()
    assert before["on"] == "2019-12-31"
    assert len(before["roots"]) == 4  # no reporting lines yet in 2019
    assert ben.get("/org-chart", params={"on": "yesterday"}).status_code == 422
