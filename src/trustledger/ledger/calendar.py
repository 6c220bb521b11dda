"""A person's open commitments as an iCalendar feed behind a secret, rotatable address.

The address is ``/calendar/<token>.ics``: calendar programs cannot sign in, so the token is the
credential. Like API tokens it carries 256 bits of randomness and only its SHA-256 digest is
stored (a leaked database does not leak working feed addresses); it is therefore shown once,
when created or rotated. Rotating replaces it, so an address that leaked stops working.

The feed lists the commitments the person gives or receives that are agreed and not yet closed
(accepted, overdue, delivered awaiting confirmation, disputed): one event each at its due time,
with a UID equal to the commitment id so calendar programs update it in place.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

import icalendar
from django.conf import settings
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from trustledger.accounts.actors import Actor
from trustledger.audit import services as audit
from trustledger.ledger.lifecycle import BrokenReason, Status
from trustledger.ledger.models import Commitment
from trustledger.notify.models import CalendarFeed
from trustledger.org.models import Person

TOKEN_PREFIX = "cal_"
PRODID = "-//trustledger//commitments//EN"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _own_person(actor: Actor, action: str) -> Person:
    person = actor.person
    if person is None:
        audit.deny(actor, action, "calendar", "", "only people with commitments have a calendar")
    assert person is not None  # deny() raised otherwise
    return person


def rotate_feed_token(actor: Actor) -> str:
    """Create the acting person's feed address, or replace it; returns the new secret token.

    The old address stops working at once. The token is not stored and cannot be shown again.
    """
    person = _own_person(actor, "calendar.rotate")
    if not actor.can_write():
        audit.deny(actor, "calendar.rotate", "calendar", person.pk, "this token is read-only")
    token = f"{TOKEN_PREFIX}{secrets.token_urlsafe(32)}"
    feed, created = CalendarFeed.objects.update_or_create(
        person=person,
        defaults={"digest": _digest(token), "created_at": timezone.now(), "last_used_at": None},
    )
    audit.record(actor, "calendar.create" if created else "calendar.rotate", "calendar", feed.pk)
    return token


def revoke_feed(actor: Actor) -> bool:
    """Turn the acting person's feed off; returns whether there was one."""
    person = _own_person(actor, "calendar.revoke")
    deleted, _ = CalendarFeed.objects.filter(person=person).delete()
    if deleted:
        audit.record(actor, "calendar.revoke", "calendar", person.pk)
    return bool(deleted)


def feed_status(actor: Actor) -> CalendarFeed | None:
    """The acting person's feed (without its token, which is not stored), if they have one."""
    person = actor.person
    return None if person is None else CalendarFeed.objects.filter(person=person).first()


def person_for_token(token: str, now: dt.datetime | None = None) -> Person:
    """The person whose feed ``token`` opens; 404 for unknown or rotated tokens."""
    if not token.startswith(TOKEN_PREFIX):
        raise Http404("no such calendar")
    # The digest of a 256-bit secret is looked up directly: timing reveals nothing useful.
    feed = CalendarFeed.objects.select_related("person").filter(digest=_digest(token)).first()
    if feed is None:
        raise Http404("no such calendar")
    moment = now or timezone.now()
    if feed.last_used_at is None or moment - feed.last_used_at > dt.timedelta(minutes=10):
        CalendarFeed.objects.filter(pk=feed.pk).update(last_used_at=moment)
    return feed.person


def open_commitments(person: Person) -> QuerySet[Commitment]:
    """Commitments ``person`` gives or receives that are agreed and not yet closed."""
    still_open = Q(status__in=[Status.ACCEPTED, Status.DELIVERED, Status.DISPUTED]) | Q(
        status=Status.BROKEN, broken_reason=BrokenReason.DUE_PASSED
    )
    return (
        Commitment.objects.filter(Q(performer=person) | Q(requester=person))
        .filter(still_open)
        .select_related("performer", "requester")
        .order_by("due_at", "pk")
    )


def build_calendar(person: Person, base_url: str, now: dt.datetime | None = None) -> bytes:
    """The iCalendar document (RFC 5545) of ``person``'s open commitments."""
    stamp = now or timezone.now()
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", f"trustledger: {person.name}")
    calendar.add("x-wr-timezone", settings.TIME_ZONE)
    for commitment in open_commitments(person):
        calendar.add_component(_event(commitment, person, base_url, stamp))
    return calendar.to_ical()


def _event(
    commitment: Commitment, person: Person, base_url: str, stamp: dt.datetime
) -> icalendar.Event:
    giving = commitment.performer_id == person.pk
    other = commitment.requester if giving else commitment.performer
    event = icalendar.Event()
    event.add("uid", str(commitment.pk))
    event.add("dtstamp", stamp.astimezone(dt.UTC))
    event.add("dtstart", commitment.due_at.astimezone(dt.UTC))
    event.add("summary", f"Due: {commitment.what}" if giving else f"Owed to you: {commitment.what}")
    relation = f"Promised to {other.name}" if giving else f"Promised by {other.name}"
    event.add(
        "description",
        f"{relation}.\nDone means: {commitment.done_means}\nStatus: {_status(commitment)}",
    )
    event.add("url", f"{base_url.rstrip('/')}/commitments/{commitment.pk}/")
    event.add("categories", ["trustledger", "given" if giving else "received"])
    event.add("transp", "TRANSPARENT")
    return event


def _status(commitment: Commitment) -> str:
    if commitment.status == Status.BROKEN:
        return "overdue (renegotiate or deliver)"
    if commitment.status == Status.DELIVERED:
        return "delivered, awaiting confirmation"
    if commitment.status == Status.ACCEPTED and commitment.pending_due_at is not None:
        return "accepted, renegotiation proposed"
    return str(commitment.status)
