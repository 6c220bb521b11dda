"""My digest and its channels over the API, over real HTTP."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from tests import factories
from trustledger.accounts.actors import Actor
from trustledger.insights import digest
from trustledger.ledger import services as ledger


def test_my_digest_lists_each_nudge_with_why_and_past_weeks(org, token_client):
    ben, ana = factories.actor(org["ben_user"]), factories.actor(org["ana_user"])
    commitment = ledger.propose(
        ana,
        performer_id=org["ben"].pk,
        requester_id=org["ana"].pk,
        what="Draft the hiring plan",
        done_means="Shared with the team",
        due_at=timezone.now() + dt.timedelta(days=2),
        at=timezone.now() - dt.timedelta(hours=3),
    )
    ledger.take_step(ben, commitment.pk, "accept", at=timezone.now() - dt.timedelta(hours=2))
    digest.send_digests(Actor.system("test"), send=False)

    response = token_client(org["ben_user"]).get("/me/digest")
    assert response.status_code == 200
    body = response.json()
    (due,) = [n for n in body["nudges"] if n["kind"] == "commitment_due"]
    assert "renegotiate now, before the due date" in due["title"]
    assert due["url"] == f"/commitments/{commitment.pk}/"
    assert "You promised Ana" in due["why"]
    assert due["advice"].startswith("If it will not be ready, renegotiate now")
    assert due["behaviours"] == []
    assert body["week"] == digest.iso_week(timezone.now())
    assert body["past"][0]["week"] == body["week"]
    assert any(n["kind"] == "commitment_due" for n in body["past"][0]["nudges"])


def test_preferences_default_on_and_can_be_turned_off(org, token_client):
    client = token_client(org["ben_user"])
    assert client.get("/me/digest/preferences").json() == {"email": True, "webhook": True}

    saved = client.put("/me/digest/preferences", json={"email": False, "webhook": True})
    assert saved.status_code == 200
    assert saved.json() == {"email": False, "webhook": True}
    assert client.get("/me/digest/preferences").json() == {"email": False, "webhook": True}


def test_a_read_only_token_cannot_change_preferences(org, token_client):
    client = token_client(org["ben_user"], scopes=("read",))
    assert client.put("/me/digest/preferences", json={"email": False}).status_code == 403
    assert client.get("/me/digest/preferences").json()["email"] is True


def test_bad_preferences_are_named(org, token_client):
    response = token_client(org["ben_user"]).put(
        "/me/digest/preferences", json={"email": "sometimes"}
    )
    assert response.status_code == 422
    assert "email" in response.text


def test_an_account_without_a_person_has_no_digest(org, token_client, anonymous):
    assert token_client(org["hr_user"]).get("/me/digest").status_code == 403
    assert anonymous.get("/me/digest").status_code == 401
