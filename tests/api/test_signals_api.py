"""Trust signals, 1:1s, expectations and progression plans over the API, over real HTTP."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests import factories
from trustledger.engine import load_evidence_model


def _in(days: float) -> str:
    return (timezone.now() + dt.timedelta(days=days)).replace(microsecond=0).isoformat()


@pytest.fixture
def clients(org, token_client):
    """API clients for Ana (manager), Ben and Cai (her reports), Dee (elsewhere), HR and admin."""
    dee = factories.person("Dee Outsider")
    org["dee"] = dee
    return {
        "ana": token_client(org["ana_user"]),
        "ben": token_client(org["ben_user"]),
        "cai": token_client(factories.user(org["cai"])),
        "dee": token_client(factories.user(dee)),
        "hr": token_client(org["hr_user"]),
        "admin": token_client(org["admin_user"]),
    }


def test_signal_kinds_come_from_the_evidence_model(clients):
    response = clients["ben"].get("/signals/kinds")
    assert response.status_code == 200
    kinds = {k["kind"]: k for k in response.json()}
    model = load_evidence_model()
    assert set(kinds) == set(model.signals)
    assert kinds["broke_a_confidence"]["severe"] is True
    assert kinds["mistake_owned"]["dimensions"] == {"believable": 1.0}


def test_record_read_and_retract_a_signal(org, clients):
    made = clients["ben"].post(
        "/signals",
        json={
            "subject_id": str(org["ana"].pk),
            "kind": "mistake_owned",
            "note": "Owned the outage",
        },
    )
    assert made.status_code == 201, made.text
    signal = made.json()
    assert signal["recorded_by"]["name"] == "Ben Report"
    assert signal["retraction"] is None
    about = clients["ana"].get(f"/people/{org['ana'].pk}/signals").json()
    assert [s["id"] for s in about] == [signal["id"]]

    refused = clients["ana"].post(f"/signals/{signal['id']}/retraction", json={"reason": "no"})
    assert refused.status_code == 403
    retracted = clients["ben"].post(
        f"/signals/{signal['id']}/retraction", json={"reason": "It was Cai who owned it"}
    )
    assert retracted.status_code == 201, retracted.text
    assert retracted.json()["retraction"]["reason"] == "It was Cai who owned it"


def test_a_private_signal_is_invisible_to_third_parties_hr_and_admins(org, clients):
    signal = (
        clients["ben"]
        .post("/signals", json={"subject_id": str(org["ana"].pk), "kind": "micromanaged"})
        .json()
    )
    for who in ("cai", "dee", "hr", "admin"):
        assert clients[who].get(f"/signals/{signal['id']}").status_code == 404
        assert clients[who].get(f"/people/{org['ana'].pk}/signals").json() == []


def test_nobody_records_a_signal_about_themself_or_of_an_unknown_kind(org, clients):
    own = clients["ben"].post(
        "/signals", json={"subject_id": str(org["ben"].pk), "kind": "empathy"}
    )
    assert own.status_code == 403
    unknown = clients["ben"].post(
        "/signals", json={"subject_id": str(org["ana"].pk), "kind": "bribed_me"}
    )
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "kind"


def test_one_on_one_notes_reach_only_the_two_parties(org, clients):
    made = clients["ana"].post(
        "/one-on-ones",
        json={"with_id": str(org["ben"].pk), "held_at": _in(1), "agenda": ["Career goals"]},
    )
    assert made.status_code == 201, made.text
    meeting = made.json()
    noted = clients["ben"].put(
        f"/one-on-ones/{meeting['id']}/notes", json={"notes": "Thinking about leaving"}
    )
    assert noted.status_code == 200
    assert clients["ana"].get(f"/one-on-ones/{meeting['id']}").json()["notes"] == (
        "Thinking about leaving"
    )
    for who in ("hr", "admin", "cai", "dee"):
        response = clients[who].get(f"/one-on-ones/{meeting['id']}")
        assert response.status_code == 404
        assert "Thinking" not in response.text
        put = clients[who].put(f"/one-on-ones/{meeting['id']}/notes", json={"notes": "x"})
        assert put.status_code == 404

    held = clients["admin"].get("/one-on-ones/held", params={"person_id": str(org["ben"].pk)})
    assert held.status_code == 200
    assert held.json() == [
        {
            "id": meeting["id"],
            "manager": {"id": str(org["ana"].pk), "name": "Ana Manager"},
            "report": {"id": str(org["ben"].pk), "name": "Ben Report"},
            "held_at": meeting["held_at"],
        }
    ]
    assert clients["hr"].get("/one-on-ones/held").status_code == 403


def test_a_peer_cannot_create_a_one_on_one(org, clients):
    response = clients["cai"].post(
        "/one-on-ones", json={"with_id": str(org["ben"].pk), "held_at": _in(1)}
    )
    assert response.status_code == 403


def test_action_items_and_agenda_through_the_api(org, clients):
    meeting = (
        clients["ben"]
        .post("/one-on-ones", json={"with_id": str(org["ana"].pk), "held_at": _in(1)})
        .json()
    )
    agenda = clients["ana"].post(f"/one-on-ones/{meeting['id']}/agenda", json={"text": "Budget"})
    assert agenda.status_code == 201
    item = clients["ben"].post(
        f"/one-on-ones/{meeting['id']}/action-items",
        json={
            "performer": "manager",
            "what": "Ask finance about the budget",
            "done_means": "A yes or no",
            "due_at": _in(5),
        },
    )
    assert item.status_code == 201, item.text
    commitment = item.json()
    assert commitment["origin"] == "one_on_one"
    assert commitment["performer"]["name"] == "Ana Manager"
    detail = clients["ana"].get(f"/one-on-ones/{meeting['id']}").json()
    assert [a["id"] for a in detail["action_items"]] == [commitment["id"]]
    assert [a["text"] for a in detail["agenda"]] == ["Budget"]


def test_expectation_is_proposed_then_agreed(org, clients):
    made = clients["ana"].post(
        "/expectations",
        json={
            "performer_id": str(org["ben"].pk),
            "requester_id": str(org["ana"].pk),
            "what": "Own the on-call rota",
            "measure_of_success": "No gap for a quarter",
            "by": _in(90),
        },
    )
    assert made.status_code == 201, made.text
    expectation = made.json()
    assert expectation["origin"] == "expectation"
    own = clients["ana"].post(f"/expectations/{expectation['id']}/agreement")
    assert own.status_code == 409
    assert "allowed" in own.json()
    agreed = clients["ben"].post(f"/expectations/{expectation['id']}/agreement")
    assert agreed.status_code == 200
    assert agreed.json()["status"] == "accepted"


def test_progression_plan_over_the_api(org, clients):
    org["ben"].start_date = timezone.localdate() - dt.timedelta(days=10)
    org["ben"].save()
    body = {
        "report_id": str(org["ben"].pk),
        "milestones": [
            {"months": 6, "what": "Own a service", "done_means": "On call alone"},
            {"months": 12, "what": "Lead a project", "done_means": "Shipped"},
            {"months": 18, "what": "Promotion case", "done_means": "Reviewed by the panel"},
        ],
    }
    assert clients["cai"].post("/progression-plans", json=body).status_code == 403
    made = clients["ana"].post("/progression-plans", json=body)
    assert made.status_code == 201, made.text
    plan = made.json()
    assert [c["stakes"] for c in plan] == ["career"] * 3
    assert {c["origin"] for c in plan} == {"progression_plan"}
    seen = clients["ben"].get(f"/progression-plans/{org['ben'].pk}").json()
    assert [c["id"] for c in seen] == [c["id"] for c in plan]
    assert clients["hr"].get(f"/progression-plans/{org['ben'].pk}").json() == []
