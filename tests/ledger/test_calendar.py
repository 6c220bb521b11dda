"""A person subscribes to their open commitments in a calendar through a secret address."""

from __future__ import annotations

import datetime as dt

import icalendar
import pytest

from tests import factories
from trustledger.ledger import services
from trustledger.ledger.calendar import rotate_feed_token
from trustledger.notify.models import CalendarFeed

T0 = dt.datetime(2026, 10, 5, 9, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)


def _agreed(proposer, answerer, performer, requester, what, due, at=T0):
    commitment = services.propose(
        proposer,
        performer_id=performer.pk,
        requester_id=requester.pk,
        what=what,
        done_means=f"{what}: done and shown",
        due_at=due,
        at=at,
    )
    return services.take_step(answerer, commitment.pk, "accept", at=at + dt.timedelta(hours=1))


@pytest.fixture
def ledger(parties):
    """Pat's commitments: two open given, one open received, one closed, one proposal; plus
    one between other people."""
    pat, rey, wes, tom = (parties[k] for k in ("pat", "rey", "wes", "tom"))
    pa, ra, wa, ta = (parties[f"{k}_actor"] for k in ("pat", "rey", "wes", "tom"))
    given = _agreed(pa, ra, pat, rey, "Ship the release notes", T0 + 10 * DAY)
    delivered = _agreed(pa, wa, pat, wes, "Review the budget", T0 + 12 * DAY)
    services.take_step(pa, delivered.pk, "deliver", at=T0 + 2 * DAY)
    received = _agreed(ra, pa, rey, pat, "Book the offsite", T0 + 20 * DAY)
    closed = _agreed(pa, ra, pat, rey, "Old promise", T0 + 5 * DAY)
    services.take_step(pa, closed.pk, "deliver", at=T0 + DAY)
    services.take_step(ra, closed.pk, "confirm", at=T0 + 2 * DAY)
    services.propose(
        pa,
        performer_id=pat.pk,
        requester_id=tom.pk,
        what="Not yet agreed",
        done_means="x",
        due_at=T0 + 9 * DAY,
        at=T0,
    )
    others = _agreed(wa, ta, wes, tom, "Someone else's secret", T0 + 7 * DAY)
    return {"given": given, "delivered": delivered, "received": received, "others": others}


def _feed_url(client, user):
    client.force_login(user)
    page = client.post("/calendar/", {"action": "rotate"})
    assert page.status_code == 200
    url = page.context["feed_url"]
    client.logout()
    return url.removeprefix("http://testserver")


def test_the_feed_parses_and_holds_exactly_the_persons_open_commitments(client, parties, ledger):
    url = _feed_url(client, parties["pat_actor"].user)
    response = client.get(url)  # no sign-in: a calendar program cannot sign in
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")

    calendar = icalendar.Calendar.from_ical(response.content)
    events = {str(e["UID"]): e for e in calendar.walk("VEVENT")}
    expected = {ledger["given"].pk, ledger["delivered"].pk, ledger["received"].pk}
    assert set(events) == {str(pk) for pk in expected}

    given = events[str(ledger["given"].pk)]
    assert str(given["SUMMARY"]) == "Due: Ship the release notes"
    assert given.decoded("DTSTART") == T0 + 10 * DAY
    assert "Ship the release notes: done and shown" in str(given["DESCRIPTION"])
    assert str(given["URL"]) == f"http://testserver/commitments/{ledger['given'].pk}/"
    received = events[str(ledger["received"].pk)]
    assert str(received["SUMMARY"]) == "Owed to you: Book the offsite"
    assert "awaiting confirmation" in str(events[str(ledger["delivered"].pk)]["DESCRIPTION"])
    assert b"Someone else" not in response.content


def test_rotating_the_address_stops_the_old_one(client, parties, ledger):
    old = _feed_url(client, parties["pat_actor"].user)
    new = _feed_url(client, parties["pat_actor"].user)
    assert old != new
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200
    assert CalendarFeed.objects.count() == 1


def test_the_token_is_stored_only_as_a_digest(parties):
    token = rotate_feed_token(parties["pat_actor"])
    feed = CalendarFeed.objects.get(person=parties["pat"])
    assert token not in feed.digest
    assert len(feed.digest) == 64


def test_unknown_addresses_and_turned_off_feeds_are_not_found(client, parties, ledger):
    assert client.get("/calendar/cal_nonsense.ics").status_code == 404
    assert client.get("/calendar/whatever.ics").status_code == 404
    url = _feed_url(client, parties["pat_actor"].user)
    client.force_login(parties["pat_actor"].user)
    client.post("/calendar/", {"action": "revoke"})
    client.logout()
    assert client.get(url).status_code == 404


def test_each_person_sees_only_their_own_feed(client, parties, ledger):
    url = _feed_url(client, parties["tom_actor"].user)
    calendar = icalendar.Calendar.from_ical(client.get(url).content)
    uids = {str(e["UID"]) for e in calendar.walk("VEVENT")}
    assert uids == {str(ledger["others"].pk)}


def test_the_calendar_page_needs_a_sign_in(client, db):
    response = client.get("/calendar/")
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_an_account_without_a_person_has_no_feed(client, db):
    admin = factories.user(None, role="admin", username="root@example.com")
    client.force_login(admin)
    assert client.get("/calendar/").status_code == 200
    assert client.post("/calendar/", {"action": "rotate"}).status_code == 403
