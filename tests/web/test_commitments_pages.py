"""The commitment pages with Django's test client: my commitments, propose, the commitment page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests import factories
from trustledger.ledger import services
from trustledger.ledger.models import Commitment, CommitmentEvent

HTMX = {"HTTP_HX_REQUEST": "true"}


def _local(moment: dt.datetime) -> str:
    """A moment as a ``datetime-local`` input sends it."""
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def promise(org):
    """Ben promised Ana (proposed, not yet answered), due in three days."""
    return services.propose(
        factories.actor(org["ben_user"]),
        performer_id=org["ben"].pk,
        requester_id=org["ana"].pk,
        what="Write the release notes",
        done_means="Merged and linked from the release page",
        due_at=timezone.now() + dt.timedelta(days=3, minutes=5),
    )


def test_my_commitments_shows_given_and_received_with_relative_due_dates(client, org, promise):
    client.force_login(org["ben_user"])
    page = client.get("/commitments/").content.decode()
    assert "My commitments" in page
    assert "Write the release notes" in page
    assert "in 3 days" in page
    assert "Ana Manager" in page
    assert "proposed" in page

    client.force_login(org["ana_user"])
    received = client.get("/commitments/?tab=received").content.decode()
    assert "Write the release notes" in received
    assert "Ben Report" in received
    to_answer = client.get("/commitments/?tab=to_answer", **HTMX).content.decode()
    assert "Write the release notes" in to_answer
    assert "<html" not in to_answer  # htmx gets the fragment only


def test_an_overdue_promise_says_how_late_it_is(client, org):
    now = timezone.now()
    ben = factories.actor(org["ben_user"])
    late = services.propose(
        ben,
        performer_id=org["ben"].pk,
        requester_id=org["ana"].pk,
        what="Fix the flaky test",
        done_means="Green ten times in a row",
        due_at=now - dt.timedelta(days=3),
        at=now - dt.timedelta(days=6),
    )
    services.take_step(
        factories.actor(org["ana_user"]), late.pk, "accept", at=now - dt.timedelta(days=5)
    )
    client.force_login(org["ben_user"])

    page = client.get("/commitments/?tab=overdue").content.decode()

    assert "Fix the flaky test" in page
    assert "3 days overdue" in page
    assert "broken" in page
    detail = client.get(f"/commitments/{late.pk}/").content.decode()
    assert "The due date has passed" in detail  # the renegotiate hint, late version


def test_a_person_page_offers_to_promise_or_ask_and_htmx_creates_the_commitment(client, org):
    client.force_login(org["ben_user"])
    person = client.get(f"/people/{org['ana'].pk}/").content.decode()
    form_url = f"/people/{org['ana'].pk}/commitments/new/"
    assert "Promise something / ask for something" in person
    assert form_url in person
    assert "Promise something" not in client.get(f"/people/{org['ben'].pk}/").content.decode()

    fragment = client.get(form_url, **HTMX).content.decode()
    assert "<html" not in fragment
    assert "promise them" in fragment
    assert "ask them" in fragment

    due = timezone.now() + dt.timedelta(days=2)
    response = client.post(
        form_url,
        {
            "direction": "ask",
            "what": "Review my design doc",
            "done_means": "Comments on every section",
            "due_at": _local(due),
            "stakes": "significant",
            "visibility": "parties",
            "witnesses": [str(org["cai"].pk)],
        },
        **HTMX,
    )
    assert response.status_code == 200
    assert "Proposed:" in response.content.decode()
    made = Commitment.objects.get(what="Review my design doc")
    assert made.performer == org["ana"]
    assert made.requester == org["ben"]
    assert made.stakes == "significant"
    assert list(made.witnesses.all()) == [org["cai"]]
    assert made.status == "proposed"


def test_a_proposal_without_javascript_redirects_to_the_commitment(client, org):
    client.force_login(org["ben_user"])
    response = client.post(
        f"/people/{org['ana'].pk}/commitments/new/",
        {
            "direction": "promise",
            "what": "Ship the export",
            "done_means": "Live in production",
            "due_at": _local(timezone.now() + dt.timedelta(days=5)),
            "stakes": "routine",
            "visibility": "team",
        },
    )
    made = Commitment.objects.get(what="Ship the export")
    assert response.status_code == 302
    assert response["Location"] == f"/commitments/{made.pk}/"
    assert made.performer == org["ben"]


def test_a_proposal_due_in_the_past_is_shown_back_with_the_reason(client, org):
    client.force_login(org["ben_user"])
    response = client.post(
        f"/people/{org['ana'].pk}/commitments/new/",
        {
            "direction": "promise",
            "what": "Too late",
            "done_means": "Done",
            "due_at": _local(timezone.now() - dt.timedelta(days=1)),
            "stakes": "routine",
            "visibility": "parties",
        },
    )
    assert response.status_code == 422
    assert "the due date must be after" in response.content.decode()
    assert not Commitment.objects.filter(what="Too late").exists()


def test_the_commitment_page_offers_exactly_the_steps_this_person_may_take(client, org, promise):
    client.force_login(org["ana_user"])
    page = client.get(f"/commitments/{promise.pk}/").content.decode()
    assert "Timeline" in page
    assert "Ben Report</strong> proposed it" in page
    for button in ("Accept", "Decline", "Counter-offer"):
        assert f">{button}<" in page
    assert "Mark delivered" not in page
    assert "Take the proposal back" not in page

    client.force_login(org["ben_user"])
    page = client.get(f"/commitments/{promise.pk}/").content.decode()
    assert ">Take the proposal back<" in page
    assert ">Accept<" not in page


def test_steps_from_the_page_renegotiate_and_show_the_terms_before_and_after(client, org, promise):
    client.force_login(org["ana_user"])
    accepted = client.post(f"/commitments/{promise.pk}/steps/", {"step": "accept"})
    assert accepted.status_code == 302

    client.force_login(org["ben_user"])
    page = client.get(f"/commitments/{promise.pk}/").content.decode()
    assert "Renegotiate now, before the due date: it keeps trust." in page
    new_due = timezone.now() + dt.timedelta(days=6)
    fragment = client.post(
        f"/commitments/{promise.pk}/steps/",
        {
            "step": "renegotiate",
            "what": "Write the release notes",
            "done_means": "Merged and linked from the release page",
            "due_at": _local(new_due),
            "note": "waiting for the API freeze",
        },
        **HTMX,
    ).content.decode()
    assert "<html" not in fragment
    assert "proposed new terms" in fragment
    assert "→" in fragment
    assert timezone.localtime(new_due).strftime("%-d %b %Y") in fragment
    assert "waiting for the API freeze" in fragment

    client.force_login(org["ana_user"])
    page = client.get(f"/commitments/{promise.pk}/").content.decode()
    assert ">Accept the new terms<" in page
    assert ">Keep the old terms<" in page
    client.post(f"/commitments/{promise.pk}/steps/", {"step": "accept_renegotiation"})
    promise.refresh_from_db()
    assert promise.renegotiated_in_time == 1
    assert abs(promise.due_at - new_due) < dt.timedelta(minutes=1)


def test_an_illegal_step_from_a_page_is_refused_with_409_and_what_is_allowed(client, org, promise):
    client.force_login(org["ben_user"])
    response = client.post(f"/commitments/{promise.pk}/steps/", {"step": "confirm"})
    assert response.status_code == 409
    page = response.content.decode()
    assert "not open to you now" in page
    assert "take the proposal back" in page
    assert CommitmentEvent.objects.filter(commitment=promise).count() == 1


def test_a_third_party_gets_404_on_a_private_commitment_page(client, org, promise):
    outsider = factories.user(org["cai"])
    for account in (outsider, org["hr_user"], org["admin_user"]):
        client.force_login(account)
        response = client.get(f"/commitments/{promise.pk}/")
        assert response.status_code == 404
        assert "Write the release notes" not in response.content.decode()
        refused = client.post(f"/commitments/{promise.pk}/steps/", {"step": "accept"})
        assert refused.status_code == 404
    assert CommitmentEvent.objects.filter(commitment=promise).count() == 1


def test_the_main_navigation_links_to_my_commitments(client, org):
    client.force_login(org["ben_user"])
    page = client.get("/commitments/").content.decode()
    assert '<a href="/commitments/" aria-current="page">My commitments</a>' in page


def test_signed_out_visitors_are_sent_to_sign_in(client, promise):
    for url in ("/commitments/", f"/commitments/{promise.pk}/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/login/")


def test_my_follow_through_is_shown_to_me_and_loaded_by_htmx(client, org):
    now = timezone.now()
    late = services.propose(
        factories.actor(org["ben_user"]),
        performer_id=org["ben"].pk,
        requester_id=org["ana"].pk,
        what="Fix the flaky test",
        done_means="Green ten times in a row",
        due_at=now - dt.timedelta(days=3),
        at=now - dt.timedelta(days=6),
    )
    services.take_step(
        factories.actor(org["ana_user"]), late.pk, "accept", at=now - dt.timedelta(days=5)
    )
    client.force_login(org["ben_user"])
    page = client.get("/commitments/").content.decode()
    assert 'hx-get="/commitments/follow-through/"' in page

    panel = client.get("/commitments/follow-through/", **HTMX).content.decode()
    assert "How I follow through" in panel
    assert '<th scope="row">Broken</th><td>1</td>' in panel
    assert "0%" in panel  # kept rate: nothing kept, one broken

    client.force_login(org["ana_user"])  # Ana's panel shows Ana's figures, not Ben's
    theirs = client.get("/commitments/follow-through/", **HTMX).content.decode()
    assert '<th scope="row">Broken</th><td>0</td>' in theirs
    assert '<th scope="row">Received</th><td>1</td>' in theirs
