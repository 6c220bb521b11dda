"""HR imports a custom survey instrument through the API: the body is the TOML file."""

from __future__ import annotations

from tests.assessments.test_custom_instruments import BROKEN, ONBOARDING
from trustledger.assessments.models import CustomInstrument
from trustledger.assessments.services import available_instruments
from trustledger.audit.models import AuditEvent

TOML = {"Content-Type": "application/toml"}


def test_hr_imports_an_instrument_and_it_can_be_run(org, token_client):
    hr = token_client(org["hr_user"])

    response = hr.post("/instruments", data=ONBOARDING.encode(), headers=TOML)

    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["id"], body["version"], body["title"]) == ("onboarding-pulse", 1, "Onboarding")
    assert [item["id"] for item in body["forms"][0]["items"]] == ["settled", "buddy", "overall"]
    assert "onboarding-pulse" in [i.id for i in available_instruments()]
    # the list (api/assessments.py) answers on the same path
    listed = hr.get("/instruments")
    assert listed.status_code == 200, listed.text
    assert "onboarding-pulse" in [i["id"] for i in listed.json()]

    again = hr.post(
        "/instruments", data=ONBOARDING.encode(), headers={"Content-Type": "text/plain"}
    )
    assert again.status_code == 200, again.text
    assert CustomInstrument.objects.count() == 1


def test_a_broken_file_gets_422_with_every_problem_and_where_it_is(org, token_client):
    hr = token_client(org["hr_user"])

    response = hr.post("/instruments", data=BROKEN.encode(), headers=TOML)

    assert response.status_code == 422, response.text
    errors = response.json()["errors"]
    assert {"where": "", "field": "version", "message": "must be a positive integer"} in errors
    assert {
        "where": "form team, item buddy",
        "field": "dimension",
        "message": "unknown dimension 'kindness'",
    } in errors
    assert len(errors) == 3
    assert not CustomInstrument.objects.exists()


def test_a_changed_wording_under_an_existing_version_is_refused(org, token_client):
    hr = token_client(org["hr_user"])
    assert hr.post("/instruments", data=ONBOARDING.encode(), headers=TOML).status_code == 200

    changed = ONBOARDING.replace("I feel settled in", "I have settled in")
    response = hr.post("/instruments", data=changed.encode(), headers=TOML)

    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["field"] == "version"
    assert "already imported" in error["message"]
    assert "new version" in error["message"]


def test_employees_and_read_only_tokens_cannot_import(org, token_client):
    employee = token_client(org["ben_user"])
    refused = employee.post("/instruments", data=ONBOARDING.encode(), headers=TOML)
    assert refused.status_code == 403
    assert AuditEvent.objects.filter(action="instrument.import", allowed=False).exists()

    read_only = token_client(org["hr_user"], scopes=("read",))
    assert read_only.post("/instruments", data=ONBOARDING.encode(), headers=TOML).status_code == 403
    assert not CustomInstrument.objects.exists()


def test_bytes_that_are_not_utf8_are_a_clear_422(org, token_client):
    hr = token_client(org["hr_user"])
    response = hr.post("/instruments", data=b"id = \xff\xfe", headers=TOML)
    assert response.status_code == 422
    assert response.json()["errors"][0]["message"].startswith("is not UTF-8 text")
