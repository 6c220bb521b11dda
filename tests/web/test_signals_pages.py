"""Trust-signal and 1:1 pages with Django's test client (real database, real templates)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests import factories
from trustledger.ledger import checkins, trust_signals
from trustledger.ledger.models import Commitment, OneOnOne, TrustSignal

HTMX = {"HTTP_HX_REQUEST": "true"}


def _local(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def cai_user(org):
    return factories.user(org["cai"])


@pytest.fixture
def meeting(org):
    one_on_one = checkins.create_one_on_one(
        factories.actor(org["ana_user"]),
        with_id=org["ben"].pk,
        held_at=timezone.now() + dt.timedelta(days=1),
        agenda=["Career goals"],
    )
    checkins.update_notes(
        factories.actor(org["ben_user"]), one_on_one.pk, "I am thinking about leaving"
    )
    return one_on_one


# --- signals -------------------------------------------------------------------------------


def test_a_persons_page_loads_the_signals_card_with_htmx(client, org):
    client.force_login(org["ben_user"])
    page = client.get(f"/people/{org['ana'].pk}/").content.decode()
    assert f'hx-get="/people/{org["ana"].pk}/signals/"' in page


def test_record_a_signal_from_a_persons_page(client, org):
    client.force_login(org["ben_user"])
    form = client.get(f"/people/{org['ana'].pk}/signals/", **HTMX).content.decode()
    assert "Record a signal about Ana Manager" in form
    assert "Owned a mistake" in form  # labels come from the evidence model
    response = client.post(
        f"/people/{org['ana'].pk}/signals/",
        {
            "kind": "mistake_owned",
            "role": "recipient",
            "note": "Owned the outage",
            "visibility": "parties",
        },
        **HTMX,
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "Recorded" in body
    assert "Owned the outage" in body
    signal = TrustSignal.objects.get()
    assert (signal.subject, signal.recorded_by, signal.kind) == (
        org["ana"],
        org["ben"],
        "mistake_owned",
    )


def test_the_subject_sees_a_private_signal_and_others_do_not(client, org, cai_user):
    trust_signals.record_signal(
        factories.actor(org["ben_user"]),
        subject_id=org["ana"].pk,
        kind="micromanaged",
        note="Every commit reviewed twice",
    )
    url = f"/people/{org['ana'].pk}/signals/"
    client.force_login(org["ana_user"])
    own = client.get(url, **HTMX).content.decode()
    assert "Every commit reviewed twice" in own
    assert "Record a signal" not in own  # nobody records one about themself
    for account in (cai_user, org["hr_user"], org["admin_user"]):
        client.force_login(account)
        assert "Every commit reviewed twice" not in client.get(url, **HTMX).content.decode()


def test_recording_a_signal_about_oneself_through_the_page_is_refused(client, org):
    client.force_login(org["ben_user"])
    response = client.post(
        f"/people/{org['ben'].pk}/signals/",
        {"kind": "empathy", "role": "recipient", "visibility": "parties"},
    )
    assert response.status_code == 403
    assert not TrustSignal.objects.exists()


def test_the_recorder_retracts_from_the_page(client, org):
    signal = trust_signals.record_signal(
        factories.actor(org["ben_user"]), subject_id=org["ana"].pk, kind="took_credit"
    )
    client.force_login(org["ben_user"])
    response = client.post(f"/signals/{signal.pk}/retract/", {"reason": "Wrong person"}, **HTMX)
    assert response.status_code == 200
    assert "Retracted by Ben Report" in response.content.decode()
    assert trust_signals.is_retracted(signal)


# --- 1:1s ----------------------------------------------------------------------------------


def test_both_parties_see_the_agenda_and_private_notes(client, org, meeting):
    for account in (org["ana_user"], org["ben_user"]):
        client.force_login(account)
        page = client.get(f"/one-on-ones/{meeting.pk}/").content.decode()
        assert "Career goals" in page
        assert "I am thinking about leaving" in page


def test_hr_admins_and_third_parties_cannot_open_a_one_on_one(client, org, meeting, cai_user):
    for account in (org["hr_user"], org["admin_user"], cai_user):
        client.force_login(account)
        for url in (f"/one-on-ones/{meeting.pk}/",):
            response = client.get(url)
            assert response.status_code == 404
            assert "thinking about leaving" not in response.content.decode()
        posted = client.post(f"/one-on-ones/{meeting.pk}/notes/", {"notes": "overwritten"})
        assert posted.status_code == 404
        assert "thinking about leaving" not in client.get("/one-on-ones/").content.decode()
    meeting.refresh_from_db()
    assert meeting.notes == "I am thinking about leaving"


def test_a_manager_plans_a_one_on_one_and_adds_agenda_notes_and_an_action_item(client, org):
    client.force_login(org["ana_user"])
    listing = client.get("/one-on-ones/").content.decode()
    assert "Ben Report" in listing  # a report to hold one with
    held_at = timezone.now() + dt.timedelta(days=2)
    created = client.post(
        "/one-on-ones/",
        {"with_id": str(org["ben"].pk), "held_at": _local(held_at), "agenda": "Budget"},
    )
    meeting = OneOnOne.objects.get()
    assert created.status_code == 302
    assert created["Location"] == f"/one-on-ones/{meeting.pk}/"
    base = f"/one-on-ones/{meeting.pk}"
    agenda = client.post(f"{base}/agenda/", {"text": "Conference"}, **HTMX).content.decode()
    assert "Budget" in agenda
    assert "Conference" in agenda
    notes = client.post(f"{base}/notes/", {"notes": "Good progress"}, **HTMX).content.decode()
    assert "Notes saved" in notes
    action = client.post(
        f"{base}/actions/",
        {
            "performer": "report",
            "what": "Draft the proposal",
            "done_means": "Shared in the doc",
            "due_at": _local(timezone.now() + dt.timedelta(days=7)),
            "stakes": "routine",
        },
        **HTMX,
    )
    assert "Draft the proposal" in action.content.decode()
    commitment = Commitment.objects.get()
    assert (commitment.performer, commitment.requester) == (org["ben"], org["ana"])
    assert commitment.origin == "one_on_one"


def test_a_bad_action_item_shows_the_form_errors(client, org, meeting):
    client.force_login(org["ben_user"])
    response = client.post(
        f"/one-on-ones/{meeting.pk}/actions/",
        {
            "performer": "manager",
            "what": "Ask",
            "done_means": "Answer",
            "due_at": _local(timezone.now() - dt.timedelta(days=1)),
            "stakes": "routine",
        },
        **HTMX,
    )
    assert response.status_code == 200  # htmx swaps only 2xx
    assert "due date must be after" in response.content.decode()
    assert not Commitment.objects.exists()


def test_an_empty_agenda_item_is_refused_and_the_page_says_why(client, org, meeting):
    client.force_login(org["ben_user"])
    before = meeting.agenda.count()
    response = client.post(f"/one-on-ones/{meeting.pk}/agenda/", {"text": ""})
    assert response.status_code == 422
    assert "This field is required." in response.content.decode()
    assert meeting.agenda.count() == before
