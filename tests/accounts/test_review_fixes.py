"""Holes a privacy review found, each closed and kept closed (tested from the outside)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from tests import factories
from trustledger.audit.models import AuditEvent
from trustledger.ledger import services as ledger
from trustledger.ledger import trust_signals
from trustledger.org.models import Person, ReportingLine


@pytest.fixture
def admin_client(client, org):
    admin = org["admin_user"]
    client.force_login(admin)
    return client


def test_the_admin_cannot_edit_people_or_reporting_lines(admin_client, org):
    ben = org["ben"]
    page = admin_client.get(f"/admin/org/person/{ben.pk}/change/")
    assert page.status_code == 200  # a read-only view
    posted = admin_client.post(f"/admin/org/person/{ben.pk}/change/", {"name": "Renamed"})
    assert posted.status_code == 403
    assert Person.objects.get(pk=ben.pk).name == "Ben Report"
    assert admin_client.get("/admin/org/person/add/").status_code == 403
    assert ReportingLine.objects.filter(person=ben).count() == 1


def test_admin_reads_of_people_are_audited(admin_client, org):
    admin_client.get("/admin/org/person/")
    admin_client.get(f"/admin/org/person/{org['ben'].pk}/change/")
    actions = set(AuditEvent.objects.filter(via="admin").values_list("action", flat=True))
    assert {"person.list", "person.read"} <= actions


def test_nobody_sets_another_persons_password_in_the_admin(admin_client, org):
    ben_user = org["ben_user"]
    response = admin_client.get(f"/admin/accounts/user/{ben_user.pk}/password/", follow=True)
    assert 'name="password1"' not in response.content.decode()  # no form to set it
    posted = admin_client.post(
        f"/admin/accounts/user/{ben_user.pk}/password/",
        {"password1": "x-Secret-123456", "password2": "x-Secret-123456"},
        follow=True,
    )
    assert posted.status_code in (403, 404) or posted.redirect_chain
    ben_user.refresh_from_db()
    assert not ben_user.check_password("x-Secret-123456")


def test_a_role_change_in_the_admin_is_audited(admin_client, org):
    ben_user = org["ben_user"]
    response = admin_client.post(
        f"/admin/accounts/user/{ben_user.pk}/change/", {"role": "hr", "is_active": "on"}
    )
    assert response.status_code == 302, response.content[:500]
    ben_user.refresh_from_db()
    assert ben_user.role == "hr"
    event = AuditEvent.objects.get(action="account.update", object_id=str(ben_user.pk))
    assert event.detail == {"changed": ["role"]}


def test_an_employee_cannot_see_the_org_chart_of_another_day(client, org):
    client.force_login(org["ben_user"])
    past = (timezone.localdate() - dt.timedelta(days=400)).isoformat()
    assert client.get(f"/api/v1/org-chart?on={past}").status_code == 403
    assert AuditEvent.objects.filter(action="orgchart.read", allowed=False).exists()
    assert client.get("/api/v1/org-chart").status_code == 200

    client.force_login(org["hr_user"])
    assert client.get(f"/api/v1/org-chart?on={past}").status_code == 200
    assert AuditEvent.objects.filter(action="orgchart.read", allowed=True).exists()


def test_a_signal_cannot_be_seen_more_widely_than_its_private_commitment(org):
    ana, ben = factories.actor(org["ana_user"]), factories.actor(org["ben_user"])
    private = ledger.propose(
        ana,
        performer_id=org["ana"].pk,
        requester_id=org["ben"].pk,
        what="Talk about the promotion case",
        done_means="A decision, with reasons",
        due_at=timezone.now() + dt.timedelta(days=5),
    )
    with pytest.raises(ValidationError, match="cannot be seen more widely"):
        trust_signals.record_signal(
            ben,
            subject_id=org["ana"].pk,
            kind="empathy",
            visibility="public",
            commitment_id=private.pk,
        )
    with pytest.raises(ValidationError, match="must be able to see the commitment"):
        trust_signals.record_signal(
            ben,
            subject_id=org["ana"].pk,
            kind="empathy",
            witness_ids=[org["cai"].pk],
            commitment_id=private.pk,
        )


def test_password_reset_requests_are_limited_per_address(client, org):
    for _ in range(5):
        response = client.post("/password-reset/", {"email": org["ben"].email})
        assert response.status_code == 302  # the same answer every time
    assert len(mail.outbox) == 3
    refused = AuditEvent.objects.filter(action="account.password_reset_requested", allowed=False)
    assert refused.count() == 2
