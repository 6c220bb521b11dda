"""The weekly digest: every person's nudges, stored in their web inbox and sent by e-mail and
chat webhook — at most once per ISO week — and the per-channel opt-out.

:func:`send_digests` runs the guidance rules for everyone (:func:`guidance.guidance`, bulk),
stores one :class:`~trustledger.notify.models.Digest` per person and week (a unique
constraint: running it twice in a week stores and sends nothing new) and, for people with
something to say and the channel on, records a :class:`~trustledger.notify.models.Message`
through :func:`trustledger.notify.services.send` (durable, retried delivery). Only titles and
links leave the product: the explanations (which may cite the person's own figures) stay in
the private inbox. :func:`my_digest` is the inbox: the nudges as of now (the same rules, for
one person) and the past weekly digests.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from trustledger.accounts.actors import Actor
from trustledger.audit import services as audit
from trustledger.insights import guidance
from trustledger.insights.guidance import Nudge
from trustledger.notify import services as notify
from trustledger.notify.models import Channel, Digest, DigestPreferences
from trustledger.org.models import Person

#: Rows written per INSERT when storing a week's digests.
BATCH = 5_000


def iso_week(moment: dt.datetime) -> str:
    """The ISO week of a moment in the site's time zone, as ``2026-W48``."""
    year, week, _ = timezone.localtime(moment).isocalendar()
    return f"{year}-W{week:02d}"


# --- preferences -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Preferences:
    """Which channels carry my weekly digest (the web inbox always does)."""

    email: bool = True
    webhook: bool = True


def _me(actor: Actor, action: str) -> Person:
    person = actor.person
    if person is None:
        audit.deny(actor, action, "person", "", "only people have a digest")
    assert person is not None
    return person


def preferences(actor: Actor) -> Preferences:
    """My digest channels (defaults: every channel on)."""
    person = _me(actor, "digest.preferences.read")
    row = DigestPreferences.objects.filter(person=person).first()
    return Preferences(row.email, row.webhook) if row else Preferences()


def set_preferences(actor: Actor, *, email: bool, webhook: bool) -> Preferences:
    """Turn my digest's e-mail and webhook channels on or off (audited)."""
    person = _me(actor, "digest.preferences.update")
    if not actor.can_write():
        audit.deny(actor, "digest.preferences.update", "person", person.pk, "read-only token")
    with transaction.atomic():
        DigestPreferences.objects.update_or_create(
            person=person,
            defaults={"email": email, "webhook": webhook, "updated_at": timezone.now()},
        )
        audit.record(
            actor,
            "digest.preferences.update",
            "person",
            person.pk,
            detail={"email": email, "webhook": webhook},
        )
    return Preferences(email, webhook)


# --- the inbox -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PastDigest:
    week: str
    as_of: dt.datetime
    nudges: list[Nudge]


@dataclass(frozen=True)
class Inbox:
    """My nudges as of now and my past weekly digests (newest first)."""

    as_of: dt.datetime
    week: str
    nudges: list[Nudge]
    past: list[PastDigest]


def my_digest(actor: Actor, as_of: dt.datetime | None = None, history: int = 12) -> Inbox:
    """My digest inbox: the rules evaluated for me now, and my last ``history`` weekly
    digests. Private to me (an audited read)."""
    person = _me(actor, "digest.read")
    moment = as_of or timezone.now()
    nudges = guidance.guidance_for(person.pk, moment)
    past = [
        PastDigest(row.week, row.as_of, [Nudge.from_dict(person.pk, n) for n in row.nudges])
        for row in Digest.objects.filter(person=person).order_by("-week")[:history]
    ]
    audit.record(actor, "digest.read", "person", person.pk)
    return Inbox(moment, iso_week(moment), nudges, past)


# --- the weekly run --------------------------------------------------------------------------


@dataclass
class DigestRun:
    """What one weekly run did."""

    as_of: dt.datetime
    week: str
    people: int = 0
    stored: int = 0
    already: int = 0
    nudges: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)
    messages: int = 0
    opted_out: int = 0
    seconds_rules: float = 0.0
    seconds_store: float = 0.0


def _message_body(nudges: list[Nudge], inbox: str) -> str:
    """Titles and links only: what a chat channel or a mailbox may carry."""
    lines = [f"• {n.title}\n  {settings.SITE_URL}{n.url}" for n in nudges]
    return (
        "This week's guidance from trustledger:\n\n"
        + "\n".join(lines)
        + f"\n\nWhy am I seeing these? Each one explains itself in your digest: {inbox}\n"
        f"Change which channels carry it: {settings.SITE_URL}/me/digest/settings/\n"
    )


def send_digests(
    actor: Actor,
    *,
    as_of: dt.datetime | None = None,
    send: bool = True,
    dry_run: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> DigestRun:
    """Compose this week's digest for every active person and store it in their inbox; with
    ``send``, also queue e-mail and webhook messages (per their preferences) for everyone with
    at least one nudge. Idempotent per ISO week. ``dry_run`` counts what would be stored and
    stores nothing. System and administrators only."""
    if not actor.is_admin:
        audit.deny(actor, "digest.send", "digest", "", "only the system sends digests")
    clock = timezone.now
    moment = as_of or clock()
    week = iso_week(moment)
    run = DigestRun(as_of=moment, week=week)
    done = set(Digest.objects.filter(week=week).values_list("person_id", flat=True))
    active = _active_people(moment)
    if active <= done:  # everyone has this week's digest: nothing to compute or send
        run.people = run.already = len(active)
        audit.record(actor, "digest.send", "digest", week, detail={"stored": 0})
        return run
    started = dt.datetime.now(dt.UTC)
    situation, found = guidance.guidance(moment)
    run.seconds_rules = (dt.datetime.now(dt.UTC) - started).total_seconds()
    started = dt.datetime.now(dt.UTC)
    subjects = [situation.people[i] for i in range(situation.n) if situation.subject[i]]
    run.people = len(subjects)
    fresh = [pk for pk in subjects if pk not in done]
    run.already = len(subjects) - len(fresh)
    for pk in fresh:
        for nudge in found.get(pk, []):
            run.nudges += 1
            run.by_kind[nudge.kind] = run.by_kind.get(nudge.kind, 0) + 1
    if dry_run:
        return run
    recorded = clock()
    total = len(fresh)
    for start in range(0, total, BATCH):
        chunk = fresh[start : start + BATCH]
        rows = [
            Digest(
                id=uuid.uuid4(),
                person_id=pk,
                week=week,
                as_of=moment,
                nudges=[n.as_dict() for n in found.get(pk, [])],
                created_at=recorded,
            )
            for pk in chunk
        ]
        with transaction.atomic():
            Digest.objects.bulk_create(rows, ignore_conflicts=True)
        if progress is not None:
            progress(min(start + BATCH, total), total)
    run.stored = total
    if send:
        _send_messages(actor, run, [pk for pk in fresh if found.get(pk)], found)
    run.seconds_store = (dt.datetime.now(dt.UTC) - started).total_seconds()
    audit.record(
        actor,
        "digest.send",
        "digest",
        week,
        detail={"stored": run.stored, "already": run.already, "messages": run.messages},
    )
    return run


def _active_people(moment: dt.datetime) -> set[uuid.UUID]:
    """Who gets a digest: people inside the organisation who have started and not left."""
    day = timezone.localdate(moment)
    return set(
        Person.objects.filter(is_external=False)
        .filter(Q(start_date__isnull=True) | Q(start_date__lte=day))
        .filter(Q(leave_date__isnull=True) | Q(leave_date__gt=day))
        .values_list("pk", flat=True)
    )


def _send_messages(
    actor: Actor, run: DigestRun, people: list[uuid.UUID], found: dict[uuid.UUID, list[Nudge]]
) -> None:
    """One message per person over the channels they keep (e-mail needs an address)."""
    chosen: dict[Any, DigestPreferences] = {
        row.person_id: row for row in DigestPreferences.objects.filter(person_id__in=people)
    }
    inbox = f"{settings.SITE_URL}/me/digest/"
    for start in range(0, len(people), BATCH):
        chunk = Person.objects.in_bulk(people[start : start + BATCH])
        for pk, person in chunk.items():
            pref = chosen.get(pk)
            channels = []
            if person.email and (pref is None or pref.email):
                channels.append(Channel.EMAIL.value)
            if settings.WEBHOOK_URL and (pref is None or pref.webhook):
                channels.append(Channel.WEBHOOK.value)
            if not channels:
                run.opted_out += 1
                continue
            nudges = found[pk]
            with transaction.atomic():
                _, created = notify.send(
                    actor,
                    recipient=person,
                    kind="digest.weekly",
                    subject=f"Your trustledger week ({run.week}): {len(nudges)} suggestion"
                    f"{'s' if len(nudges) != 1 else ''}",
                    body=_message_body(nudges, inbox),
                    url=inbox,
                    data={
                        "digest": run.week,
                        "nudges": [
                            {"kind": n.kind, "title": n.title, "url": f"{settings.SITE_URL}{n.url}"}
                            for n in nudges
                        ],
                    },
                    about_type="digest",
                    about_id=run.week,
                    dedupe_key=f"digest:{run.week}:{pk}",
                    channels=channels,
                    now=run.as_of,
                )
            run.messages += int(created)
