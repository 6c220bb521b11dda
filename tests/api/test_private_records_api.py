"""Nobody reads another person's private record or the audit log; every attempt is logged."""

from __future__ import annotations

import pytest

from trustledger.audit.models import AuditEvent


@pytest.fixture(params=["token", "session"])
def ben_client(request, org, token_client, session_client):
    """Ben (an employee) through an API token and through his web session."""
    make = token_client if request.param == "token" else session_client
    return make(org["ben_user"])


def test_an_employee_reads_their_own_record(org, ben_client):
    response = ben_client.get(f"/people/{org['ben'].pk}/record")

    assert response.status_code == 200
    assert response.json()["employee_id"] == org["ben"].employee_id
    assert AuditEvent.objects.filter(
        actor=org["ben_user"], action="person.read", object_id=str(org["ben"].pk), allowed=True
    ).exists()


def test_an_employee_cannot_read_someone_elses_record(org, ben_client):
    response = ben_client.get(f"/people/{org['cai'].pk}/record")

    assert response.status_code == 403
    assert "only the person themself" in response.json()["detail"]
    assert "email" not in response.text
    refused = AuditEvent.objects.get(action="person.read", allowed=False)
    assert refused.actor_id == org["ben_user"].pk
    assert refused.object_id == str(org["cai"].pk)
    assert refused.via == "api"


def test_an_employee_cannot_read_someone_elses_reporting_history(org, ben_client):
    response = ben_client.get(f"/people/{org['ana'].pk}/reporting-lines")

    assert response.status_code == 403
    assert AuditEvent.objects.filter(
        actor=org["ben_user"], object_id=str(org["ana"].pk), allowed=False
    ).exists()


def test_an_employee_cannot_read_the_audit_log(org, ben_client):
    response = ben_client.get("/audit")

    assert response.status_code == 403
    assert response.json() == {"detail": "only administrators may read the audit log"}
    assert AuditEvent.objects.filter(
        actor=org["ben_user"], action="audit.read", allowed=False
    ).exists()


def test_hr_cannot_read_the_audit_log_either(org, token_client):
    assert token_client(org["hr_user"]).get("/audit").status_code == 403


def test_an_admin_finds_refused_attempts_in_the_audit_log(org, token_client):
    token_client(org["ben_user"]).get(f"/people/{org['cai'].pk}/record")

    response = token_client(org["admin_user"]).get(
        "/audit", params={"allowed": "false", "action": "person.read"}
    )

    assert response.status_code == 200, response.text
    page = response.json()
    assert page["count"] == 1
    event = page["items"][0]
    assert event["actor_label"] == org["ben_user"].username
    assert event["object_id"] == str(org["cai"].pk)
    assert event["allowed"] is False
    assert event["detail"]["reason"].startswith("only the person themself")


def test_the_audit_log_is_paginated(org, token_client):
    admin = token_client(org["admin_user"])
    for _ in range(3):
        admin.get(f"/people/{org['ben'].pk}/record")

    page = admin.get("/audit", params={"action": "person.read", "limit": 2, "offset": 1}).json()

    assert page["count"] == 3
    assert (page["limit"], page["offset"], len(page["items"])) == (2, 1, 2)
    assert admin.get("/audit", params={"limit": 501}).status_code == 422
