"""The relationship page and API: only the two people see it; every read is audited."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from trustledger.audit.models import AuditEvent
from trustledger.ledger import services as ledger

from .conftest import promise, start


@pytest.fixture
def kept_promise(people, django_capture_on_commit_callbacks):
    t = start()
    with django_capture_on_commit_callbacks(execute=True):
        pk = promise(people["ben_actor"], people["ana_actor"], at=t)
        ledger.take_step(people["ben_actor"], pk, "deliver", at=t + dt.timedelta(days=1))
    return pk


def _client(user) -> Client:
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def test_ana_sees_her_trust_with_ben_in_both_directions(people, kept_promise):
    page = _client(people["ana_user"]).get(f"/people/{people['ben'].pk}/trust/")

    assert page.status_code == 200
    html = page.content.decode()
    assert "How much you can rely on Ben Builder" in html
    assert "How much Ben Builder can rely on you" in html
    assert "Kept a promise on time" in html
    assert "little evidence yet" in html.lower()  # the other direction has none
    read = AuditEvent.objects.filter(action="trust.read", allowed=True).get()
    assert read.object_id == str(people["ben"].pk)


def test_the_person_page_links_to_my_trust_with_them(people):
    page = _client(people["ana_user"]).get(f"/people/{people['ben'].pk}/")

    assert page.status_code == 200
    assert f"/people/{people['ben'].pk}/trust/" in page.content.decode()


def test_the_api_gives_both_directions_per_dimension(people, kept_promise):
    response = _client(people["ben_user"]).get(f"/api/v1/people/{people['ana'].pk}/trust")

    assert response.status_code == 200
    body = response.json()
    assert body["person"]["id"] == str(people["ana"].pk)
    # Ben's promise kept: Ana relies on Ben; Ben's view of Ana has nothing yet.
    assert body["they_rely_on_me"]["overall"]["projected"] > 0.5
    assert body["i_rely_on_them"]["overall"]["certainty"] == "little evidence yet"
    assert [d["dimension"] for d in body["they_rely_on_me"]["dimensions"]] == [
        "able",
        "believable",
        "connected",
        "dependable",
    ]
    explanation = body["they_rely_on_me"]["explanation"]
    assert {item["kind"] for item in explanation} == {"commitment.kept_on_time"}
    assert all(item["source_id"] == kept_promise for item in explanation)


@pytest.mark.parametrize("who", ["tom_user", "hr_user", "admin_user"])
def test_nobody_else_sees_ana_and_bens_relationship(people, kept_promise, who):
    client = _client(people[who])
    ana, ben = people["ana"].pk, people["ben"].pk

    page = client.get(f"/people/{ben}/trust/?with={ana}")

    assert page.status_code == 404
    assert "Kept a promise" not in page.content.decode()
    refused = AuditEvent.objects.get(action="trust.read", allowed=False)
    assert refused.actor == people[who]
    assert refused.detail == {"person": str(ben), "with": str(ana)}
    assert not AuditEvent.objects.filter(action="trust.read", allowed=True).exists()


@pytest.mark.parametrize("who", ["hr_user", "admin_user"])
def test_hr_and_admins_have_no_relationship_page_of_their_own(people, kept_promise, who):
    client = _client(people[who])
    ben = people["ben"].pk

    assert client.get(f"/people/{ben}/trust/").status_code == 404
    assert client.get(f"/api/v1/people/{ben}/trust").status_code == 404
    assert AuditEvent.objects.filter(action="trust.read", allowed=False).count() == 2


def test_hr_and_admins_get_404_from_the_api(people, kept_promise):
    for who in ("hr_user", "admin_user"):
        response = _client(people[who]).get(f"/api/v1/people/{people['ben'].pk}/trust")
        assert response.status_code == 404


def test_nobody_sees_a_trust_page_with_themself(people):
    client = _client(people["ana_user"])

    assert client.get(f"/people/{people['ana'].pk}/trust/").status_code == 404
    assert AuditEvent.objects.filter(action="trust.read", allowed=False).count() == 1
