"""HR runs a survey campaign over the API, over real HTTP with a token: create, edit raters,
launch (links once), follow progress, close; employees are refused."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.assessments.conftest import new_campaign
from tests.assessments.conftest import people as people  # the fixture
from trustledger.assessments import services
from trustledger.assessments.models import Invitation
from trustledger.audit.models import AuditEvent
from trustledger.org.models import Person


def _in(days: float) -> str:
    return (timezone.now() + dt.timedelta(days=days)).replace(microsecond=0).isoformat()


@pytest.fixture
def hr(people, token_client):
    return token_client(people["hr"].user)


@pytest.fixture
def employee(people, token_client):
    return token_client(people["employee"].user)


def _create(client, subject_ids, **fields):
    body = {
        "title": "Leaders, autumn",
        "instrument_id": "abcd-leader",
        "subject_ids": [str(s) for s in subject_ids],
        "opens_at": _in(-0.001),
        "closes_at": _in(14),
        **fields,
    }
    return client.post("/campaigns", json=body)


def test_hr_creates_edits_launches_follows_and_closes_a_campaign(people, hr, settings):
    settings.WEBHOOK_URL = ""
    instruments = hr.get("/instruments").json()
    by_id = {i["id"]: i for i in instruments}
    assert by_id["abcd-leader"]["subjects"] == "people"
    assert by_id["abcd-leader"]["rater_groups"] == ["self", "manager", "peers", "direct_reports"]
    assert by_id["team-trust-pulse"]["subjects"] == "teams"

    created = _create(hr, [people["lea"].pk])
    assert created.status_code == 201, created.text
    campaign = created.json()
    assert campaign["status"] == "draft"
    assert campaign["anonymity_k"] == 5
    assert [s["label"] for s in campaign["subjects"]] == ["Lea Leader"]
    subject_id = campaign["subjects"][0]["id"]

    raters = hr.get(f"/campaigns/{campaign['id']}/raters").json()
    groups = raters[0]["groups"]
    assert [p["name"] for p in groups["manager"]] == ["Max Director"]
    assert len(groups["peers"]) == 5
    assert len(groups["direct_reports"]) == 5

    peers = [p["id"] for p in groups["peers"]][:4]
    changed = hr.put(
        f"/campaigns/{campaign['id']}/subjects/{subject_id}/raters",
        json={
            "groups": {
                "self": [str(people["lea"].pk)],
                "manager": [str(people["max"].pk)],
                "peers": peers,
                "direct_reports": [p["id"] for p in groups["direct_reports"]],
            }
        },
    )
    assert changed.status_code == 200, changed.text
    assert len(changed.json()["groups"]["peers"]) == 4

    listed = hr.get("/campaigns").json()
    assert listed["count"] == 1
    assert listed["items"][0]["subject_count"] == 1

    Person.objects.filter(pk=people["peers"][0].pk).update(email="")  # no channel: HR hands over
    launched = hr.post(f"/campaigns/{campaign['id']}/launch")
    assert launched.status_code == 200, launched.text
    body = launched.json()
    assert body["campaign"]["status"] == "live"
    links = body["links"]
    assert len(links) == 11
    sent = [link for link in links if link["sent"]]
    assert len(sent) == 10
    assert all(link["token"] is None and link["url"] is None for link in sent)  # the raters' own
    (peer_link,) = [link for link in links if not link["sent"]]
    assert peer_link["person"]["name"] == "Peer 0"
    assert peer_link["url"].endswith(f"/survey/{peer_link['token']}/")
    services.respond(
        peer_link["token"],
        {i.id: 6 for i in services.find_instrument("abcd-leader").form("others").items},
    )
    # The links were in that response only: nothing else returns a token.
    for path in ("", "/raters", "/progress"):
        text = hr.get(f"/campaigns/{campaign['id']}{path}").text
        assert peer_link["token"] not in text
    assert hr.post(f"/campaigns/{campaign['id']}/launch").status_code == 422

    progress = hr.get(f"/campaigns/{campaign['id']}/progress").json()
    overall = next(row for row in progress if row["subject_id"] is None)
    assert (overall["shown"], overall["invited"], overall["responded"]) == (True, 11, 1)
    manager = next(row for row in progress if row["group"] == "manager")
    assert manager["shown"] is False
    assert manager["invited"] is None
    assert manager["responded"] is None
    assert manager["note"] == "fewer than 5 invitations"

    closed = hr.post(f"/campaigns/{campaign['id']}/close")
    assert closed.status_code == 200
    assert closed.json()["status"] == "closed"
    assert hr.post(f"/campaigns/{campaign['id']}/close").status_code == 422


def test_bad_input_gets_422_naming_each_field(people, hr):
    refused = _create(
        hr,
        [people["platform"].pk],
        title=" ",
        anonymity_k=2,
        opens_at=_in(2),
        closes_at=_in(1),
    )
    assert refused.status_code == 422
    fields = {e["field"] for e in refused.json()["errors"]}
    assert fields == {"title", "anonymity_k", "closes_at", "subject_ids"}

    malformed = hr.post("/campaigns", json={"title": "x", "subject_ids": ["nope"]})
    assert malformed.status_code == 422
    assert {"instrument_id", "subject_ids.0", "opens_at", "closes_at"} <= {
        e["field"] for e in malformed.json()["errors"]
    }

    campaign = new_campaign(people["hr"], [people["lea"].pk])
    subject = campaign.subjects.get()
    twice = hr.put(
        f"/campaigns/{campaign.pk}/subjects/{subject.pk}/raters",
        json={
            "groups": {
                "peers": [str(people["reports"][0].pk)],
                "direct_reports": [str(people["reports"][0].pk)],
                "team": [],
            }
        },
    )
    assert twice.status_code == 422
    errors = {e["field"]: e["message"] for e in twice.json()["errors"]}
    assert errors["groups"].startswith("a person can be in one rater group only")
    assert errors["team"].startswith("not a rater group of this survey")

    unknown = hr.get("/campaigns/00000000-0000-0000-0000-000000000000")
    assert unknown.status_code == 404
    assert hr.get("/campaigns/not-a-uuid").status_code == 422


def test_an_employee_is_refused_403_and_the_refusal_is_audited(people, employee):
    campaign = new_campaign(people["hr"], [people["lea"].pk])
    subject = campaign.subjects.get()
    for response in (
        employee.get("/campaigns"),
        _create(employee, [people["lea"].pk]),
        employee.get(f"/campaigns/{campaign.pk}"),
        employee.get(f"/campaigns/{campaign.pk}/raters"),
        employee.put(f"/campaigns/{campaign.pk}/subjects/{subject.pk}/raters", json={"groups": {}}),
        employee.post(f"/campaigns/{campaign.pk}/launch"),
        employee.get(f"/campaigns/{campaign.pk}/progress"),
        employee.post(f"/campaigns/{campaign.pk}/close"),
    ):
        assert response.status_code == 403, response.request.url
        assert response.json()["detail"]
    assert not Invitation.objects.exists()
    assert AuditEvent.objects.filter(allowed=False, action__startswith="campaign.").count() == 8
    assert employee.get("/instruments").status_code == 200


def test_a_read_only_token_cannot_launch(people, token_client):
    campaign = new_campaign(people["hr"], [people["lea"].pk])
    reader = token_client(people["hr"].user, scopes=("read",))
    assert reader.get(f"/campaigns/{campaign.pk}").status_code == 200
    assert reader.post(f"/campaigns/{campaign.pk}/launch").status_code == 403
    assert not Invitation.objects.exists()


def test_the_subject_reads_only_their_own_progress_rows(people, token_client):
    campaign = new_campaign(people["hr"], [people["lea"].pk, people["max"].pk])
    services.launch(people["hr"], campaign.pk)
    lea = token_client(people["lea_actor"].user)

    rows = lea.get(f"/campaigns/{campaign.pk}/progress").json()

    assert rows
    assert {row["subject_label"] for row in rows} == {"Lea Leader"}
