"""Integrations sign in with an API token, the web UI with its session; nobody else gets in."""

from __future__ import annotations

from tests.api.conftest import new_token
from trustledger.accounts.models import ApiToken
from trustledger.audit.models import AuditEvent


def test_a_token_identifies_its_owner(org, token_client):
    response = token_client(org["ana_user"]).get("/me")

    assert response.status_code == 200, response.text
    me = response.json()
    assert me["username"] == org["ana_user"].username
    assert me["role"] == "employee"
    assert me["is_manager"] is True
    assert me["person"]["name"] == "Ana Manager"
    assert me["person"]["email"] == org["ana"].email
    assert me["person"]["manager"]["name"] == "Cora CEO"


def test_an_account_without_a_person_has_no_record(org, token_client):
    me = token_client(org["admin_user"]).get("/me").json()
    assert me == {
        "username": "admin@example.com",
        "role": "admin",
        "is_manager": False,
        "person": None,
    }


def test_a_request_without_credentials_is_told_to_sign_in(org, anonymous):
    response = anonymous.get("/people")

    assert response.status_code == 401
    assert "Bearer" in response.json()["detail"]
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert anonymous.post("/people", json={}).status_code == 401


def test_an_unknown_or_malformed_token_is_refused(org, anonymous):
    for header in ("Bearer tl_nope_nope", "Bearer ", "Bearer tl_", "bearer \u00e9\u00e9"):
        response = anonymous.get("/me", headers={"Authorization": header})
        assert response.status_code == 401, header


def test_a_revoked_token_stops_working_at_once(org, anonymous):
    secret = new_token(org["ben_user"])
    headers = {"Authorization": f"Bearer {secret}"}
    assert anonymous.get("/me", headers=headers).status_code == 200
    token = ApiToken.objects.get(user=org["ben_user"])

    revoked = anonymous.delete(f"/tokens/{token.pk}", headers=headers)
    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["revoked_at"] is not None

    response = anonymous.get("/me", headers=headers)
    assert response.status_code == 401
    assert "revoked" in response.json()["detail"]


def test_a_read_only_token_cannot_change_anything(org, token_client):
    hr = token_client(org["hr_user"], scopes=("read",))

    response = hr.patch(f"/people/{org['ben'].pk}", json={"title": "Staff Engineer"})

    assert response.status_code == 403
    assert response.json() == {"detail": "this API token is read-only"}
    org["ben"].refresh_from_db()
    assert org["ben"].title == "Engineer"
    assert AuditEvent.objects.filter(
        actor=org["hr_user"], action="api.write", allowed=False, via="api"
    ).exists()
    assert hr.get(f"/people/{org['ben'].pk}/record").status_code == 200


def test_tokens_are_created_with_a_session_and_the_secret_is_shown_once(org, session_client):
    ben = session_client(org["ben_user"])

    created = ben.post("/tokens", json={"name": "calendar sync", "scopes": ["read"]})

    assert created.status_code == 201, created.text
    body = created.json()
    assert body["secret"].startswith("tl_")
    assert body["scopes"] == ["read"]
    listed = ben.get("/tokens").json()
    assert [token["name"] for token in listed] == ["calendar sync"]
    assert "secret" not in listed[0]
    assert ben.get("/me", headers={"Authorization": f"Bearer {body['secret']}"}).ok


def test_a_token_cannot_create_more_tokens(org, token_client):
    response = token_client(org["admin_user"]).post("/tokens", json={"name": "another"})

    assert response.status_code == 403
    assert "cannot create" in response.json()["detail"]
    assert ApiToken.objects.filter(user=org["admin_user"]).count() == 1


def test_nobody_revokes_someone_elses_token(org, token_client):
    secret_owner = new_token(org["ana_user"])
    del secret_owner
    anas = ApiToken.objects.get(user=org["ana_user"])

    response = token_client(org["ben_user"]).delete(f"/tokens/{anas.pk}")

    assert response.status_code == 403
    anas.refresh_from_db()
    assert anas.revoked_at is None


def test_a_session_must_send_the_csrf_token_to_change_anything(org, session_client):
    without_csrf = session_client(org["hr_user"], csrf=False)
    refused = without_csrf.post("/teams", json={"name": "Forged"})
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]
    assert without_csrf.get("/teams").status_code == 200

    with_csrf = session_client(org["hr_user"])
    assert with_csrf.post("/teams", json={"name": "Design"}).status_code == 201
