"""Commitments over the API, over real HTTP: propose, answer, renegotiate, deliver, confirm."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests import factories
from trustledger.audit.models import AuditEvent
from trustledger.ledger.lifecycle import Step

#: Every step a person can ask for through ``/steps``.
ALL_STEPS = sorted(step.value for step in Step if step is not Step.PROPOSE)


def _in(days: float) -> str:
    return (timezone.now() + dt.timedelta(days=days)).replace(microsecond=0).isoformat()


@pytest.fixture
def ben(org, token_client):
    return token_client(org["ben_user"])


@pytest.fixture
def ana(org, token_client):
    return token_client(org["ana_user"])


@pytest.fixture
def cai(org, token_client):
    return token_client(factories.user(org["cai"]))


def propose(client, performer, requester, **fields):
    body = {
        "performer_id": str(performer.pk),
        "requester_id": str(requester.pk),
        "what": "Write the release notes",
        "done_means": "Notes merged and linked from the release page",
        "due_at": _in(3),
        **fields,
    }
    response = client.post("/commitments", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def step(client, commitment_id, name, **fields):
    return client.post(f"/commitments/{commitment_id}/steps", json={"step": name, **fields})


def test_a_performer_promises_and_the_requester_accepts(org, ben, ana):
    made = propose(ben, org["ben"], org["ana"], stakes="significant")

    assert made["status"] == "proposed"
    assert made["performer"] == {"id": str(org["ben"].pk), "name": "Ben Report"}
    assert made["requester"]["name"] == "Ana Manager"
    assert made["my_side"] == "performer"
    assert made["steps"] == ["cancel"]
    assert made["stakes"] == "significant"

    seen = ana.get(f"/commitments/{made['id']}").json()
    assert seen["my_side"] == "requester"
    assert seen["steps"] == ["accept", "counter", "decline"]

    accepted = step(ana, made["id"], "accept")
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["status"] == "accepted"
    assert accepted.json()["steps"] == ["release"]
    assert ben.get(f"/commitments/{made['id']}").json()["steps"] == [
        "deliver",
        "renegotiate",
        "withdraw",
    ]


def test_renegotiating_before_the_due_date_then_delivering_is_on_the_timeline(org, ben, ana):
    made = propose(ben, org["ben"], org["ana"])
    assert step(ana, made["id"], "accept").status_code == 200
    new_due = _in(6)

    asked = step(ben, made["id"], "renegotiate", due_at=new_due, note="the API changed")
    assert asked.status_code == 200, asked.text
    assert asked.json()["pending_terms"]["due_at"][:16] == new_due[:16]
    assert asked.json()["status_now"] == "accepted"
    agreed = step(ana, made["id"], "accept_renegotiation")
    assert agreed.json()["renegotiated_in_time"] == 1
    assert agreed.json()["pending_terms"] is None
    assert step(ben, made["id"], "deliver").json()["status"] == "delivered"
    confirmed = step(ana, made["id"], "confirm").json()
    assert confirmed["status"] == "confirmed"
    assert confirmed["delivered_on_time"] is True
    assert confirmed["steps"] == []

    events = ana.get(f"/commitments/{made['id']}/events").json()
    assert [e["step"] for e in events] == [
        "propose",
        "accept",
        "renegotiate",
        "accept_renegotiation",
        "deliver",
        "confirm",
    ]
    assert [e["actor"]["name"] for e in events] == ["Ben Report", "Ana Manager"] * 3
    assert [e["seq"] for e in events] == [1, 2, 3, 4, 5, 6]
    renegotiation = events[2]
    assert renegotiation["note"] == "the API changed"
    assert renegotiation["terms_before"]["due_at"] == events[0]["terms"]["due_at"]
    assert renegotiation["terms"]["due_at"][:16] == new_due[:16]
    assert events[3]["terms"] == renegotiation["terms"]


def test_every_illegal_step_is_refused_with_409_and_the_allowed_steps(org, ben, ana):
    made = propose(ben, org["ben"], org["ana"])
    # Proposed by Ben: he may only take it back; Ana may accept, counter or decline.
    for client in (ben, ana):
        allowed = client.get(f"/commitments/{made['id']}").json()["steps"]
        for name in ALL_STEPS:
            if name in allowed:
                continue
            response = step(client, made["id"], name)
            assert response.status_code == 409, (name, response.text)
            body = response.json()
            assert body["allowed"] == allowed
            assert name in body["detail"]

    assert step(ana, made["id"], "accept").status_code == 200
    for client in (ben, ana):
        allowed = client.get(f"/commitments/{made['id']}").json()["steps"]
        for name in ALL_STEPS:
            if name not in allowed:
                response = step(client, made["id"], name)
                assert response.status_code == 409, (name, response.text)
                assert response.json()["allowed"] == allowed

    events = ben.get(f"/commitments/{made['id']}/events").json()
    assert [e["step"] for e in events] == ["propose", "accept"]  # nothing refused was recorded


def test_a_third_party_cannot_see_or_act_on_a_private_commitment(org, ben, cai, token_client):
    made = propose(ben, org["ben"], org["ana"])
    hr = token_client(org["hr_user"])

    for client in (cai, hr):
        assert client.get(f"/commitments/{made['id']}").status_code == 404
        assert client.get(f"/commitments/{made['id']}/events").status_code == 404
        refused = step(client, made["id"], "accept")
        assert refused.status_code == 404
        assert "Write the release notes" not in refused.text
        assert client.get("/commitments").json()["count"] == 0
    assert AuditEvent.objects.filter(
        action="commitment.read", object_id=str(made["id"]), allowed=False
    ).exists()
    assert ben.get(f"/commitments/{made['id']}/events").json()[-1]["step"] == "propose"


def test_team_visibility_lets_a_teammate_read_but_not_act(org, ben, cai):
    made = propose(ben, org["ben"], org["ana"], visibility="team")

    seen = cai.get(f"/commitments/{made['id']}")
    assert seen.status_code == 200
    assert seen.json()["my_side"] is None
    assert seen.json()["steps"] == []
    assert step(cai, made["id"], "accept").status_code == 403


def test_my_commitments_are_listed_and_filtered(org, ben, ana):
    soon = propose(ben, org["ben"], org["ana"], what="Soon", due_at=_in(1))
    later = propose(ben, org["ben"], org["ana"], what="Later", due_at=_in(10))
    asked = propose(ben, org["ana"], org["ben"], what="Review my plan", due_at=_in(5))
    step(ana, soon["id"], "accept")

    everything = ben.get("/commitments").json()
    assert everything["count"] == 3
    assert [c["what"] for c in everything["items"]] == ["Soon", "Review my plan", "Later"]
    given = ben.get("/commitments", params={"role": "given"}).json()
    assert [c["what"] for c in given["items"]] == ["Soon", "Later"]
    received = ben.get("/commitments", params={"role": "received"}).json()
    assert [c["id"] for c in received["items"]] == [asked["id"]]
    accepted = ben.get("/commitments", params={"status": "accepted"}).json()
    assert [c["id"] for c in accepted["items"]] == [soon["id"]]
    before = ben.get("/commitments", params={"due_before": _in(7)}).json()
    assert {c["id"] for c in before["items"]} == {soon["id"], asked["id"]}
    assert later["id"] not in {c["id"] for c in before["items"]}
    assert ben.get("/commitments", params={"role": "mine"}).status_code == 422


def test_a_proposal_must_be_mine_and_make_sense(org, ben, cai):
    between_others = ben.post(
        "/commitments",
        json={
            "performer_id": str(org["cai"].pk),
            "requester_id": str(org["ana"].pk),
            "what": "Something",
            "done_means": "Done",
            "due_at": _in(2),
        },
    )
    assert between_others.status_code == 403

    in_the_past = ben.post(
        "/commitments",
        json={
            "performer_id": str(org["ben"].pk),
            "requester_id": str(org["ana"].pk),
            "what": "Something",
            "done_means": "Done",
            "due_at": _in(-1),
        },
    )
    assert in_the_past.status_code == 422
    assert in_the_past.json()["errors"][0]["field"] == "due_at"

    blank = ben.post(
        "/commitments",
        json={
            "performer_id": str(org["ben"].pk),
            "requester_id": str(org["ana"].pk),
            "what": "",
            "done_means": "Done",
            "due_at": _in(2),
        },
    )
    assert blank.status_code == 422


def test_a_read_only_token_cannot_propose_or_take_steps(org, ben, token_client):
    made = propose(ben, org["ben"], org["ana"])
    reader = token_client(org["ana_user"], scopes=("read",))

    assert reader.get(f"/commitments/{made['id']}").status_code == 200
    assert step(reader, made["id"], "accept").status_code == 403


def test_the_web_session_takes_steps_with_its_csrf_token(org, ben, session_client):
    made = propose(ben, org["ben"], org["ana"])
    ana_browser = session_client(org["ana_user"])

    assert step(ana_browser, made["id"], "accept").status_code == 200
    assert (
        step(session_client(org["ana_user"], csrf=False), made["id"], "release").status_code == 403
    )


def test_follow_through_figures_are_for_the_person_themself(org, ben, ana):
    made = propose(ben, org["ben"], org["ana"])
    step(ana, made["id"], "accept")
    step(ben, made["id"], "deliver")
    step(ana, made["id"], "confirm")

    mine = ben.get(f"/people/{org['ben'].pk}/follow-through")
    assert mine.status_code == 200, mine.text
    assert mine.json()["as_performer"]["kept_on_time"] == 1
    assert mine.json()["as_performer"]["kept_rate"] == 1.0
    requester = ana.get(f"/people/{org['ana'].pk}/follow-through").json()
    assert requester["as_requester"]["confirmed"] == 1

    assert ana.get(f"/people/{org['ben'].pk}/follow-through").status_code == 403
