"""Follow-through figures: how a person keeps the commitments they give, and how they look after
the ones they receive. Computed by replaying events, so any "as of" moment is exact.

A person's own figures are theirs alone; a team's are shown only over at least
``settings.ANONYMITY_K`` people (PRODUCT.md, principle 4).
"""

from __future__ import annotations

import datetime as dt
import statistics
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils import timezone

from trustledger.accounts.actors import Actor
from trustledger.audit import services as audit
from trustledger.ledger import lifecycle
from trustledger.ledger.lifecycle import Event, Side, State, Status, Step
from trustledger.ledger.models import Commitment, CommitmentEvent
from trustledger.org.models import Person

_DAY = 86400.0


@dataclass
class PerformerFigures:
    """Commitments the person gave."""

    kept_on_time: int = 0
    kept_late: int = 0
    renegotiated_in_time: int = 0
    renegotiated_late: int = 0
    broken: int = 0
    released: int = 0
    disputed: int = 0
    open: int = 0
    open_ages_days: list[float] = field(default_factory=list)

    @property
    def kept(self) -> int:
        return self.kept_on_time + self.kept_late

    @property
    def kept_rate(self) -> float | None:
        """Share of finished commitments that were kept (on time or late); ``None`` if none."""
        finished = self.kept + self.broken
        return self.kept / finished if finished else None

    @property
    def on_time_rate(self) -> float | None:
        finished = self.kept + self.broken
        return self.kept_on_time / finished if finished else None

    @property
    def oldest_open_days(self) -> float | None:
        return max(self.open_ages_days) if self.open_ages_days else None

    @property
    def median_open_age_days(self) -> float | None:
        return statistics.median(self.open_ages_days) if self.open_ages_days else None

    def add(self, other: PerformerFigures) -> None:
        """Sum another person's figures into these (for team aggregates)."""
        for name in (
            "kept_on_time",
            "kept_late",
            "renegotiated_in_time",
            "renegotiated_late",
            "broken",
            "released",
            "disputed",
            "open",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.open_ages_days.extend(other.open_ages_days)


@dataclass
class RequesterFigures:
    """Commitments the person received: do they confirm deliveries, do they care?"""

    received: int = 0
    confirmed: int = 0
    disputed: int = 0
    awaiting_confirmation: int = 0
    released: int = 0
    days_to_confirm: list[float] = field(default_factory=list)
    unconfirmed_ages_days: list[float] = field(default_factory=list)

    @property
    def median_days_to_confirm(self) -> float | None:
        return statistics.median(self.days_to_confirm) if self.days_to_confirm else None

    @property
    def oldest_unconfirmed_days(self) -> float | None:
        return max(self.unconfirmed_ages_days) if self.unconfirmed_ages_days else None


@dataclass
class FollowThrough:
    person_id: uuid.UUID
    as_of: dt.datetime
    as_performer: PerformerFigures
    as_requester: RequesterFigures


class TooFewPeople(PermissionDenied):
    """An aggregate over fewer than k people, which would expose individuals."""


def _replayed(
    commitment_filter: Q, as_of: dt.datetime
) -> Iterable[tuple[uuid.UUID, uuid.UUID, dt.datetime, State]]:
    """(performer, requester, created_at, state as of) for each matching commitment."""
    matching = Commitment.objects.filter(commitment_filter).filter(created_at__lte=as_of)
    commitments = {
        pk: (performer, requester, created)
        for pk, performer, requester, created in matching.values_list(
            "pk", "performer_id", "requester_id", "created_at"
        )
    }
    events: dict[uuid.UUID, list[Event]] = defaultdict(list)
    rows = (
        CommitmentEvent.objects.filter(commitment__in=matching.values("pk"), at__lte=as_of)
        .order_by("commitment_id", "seq")
        .values_list("commitment_id", "step", "side", "at", "payload")
    )
    for cid, step, side, at, payload in rows.iterator(chunk_size=5000):
        terms = lifecycle.terms_from_payload(payload) if payload.get("due_at") else None
        events[cid].append(Event(Step(step), Side(side) if side else None, at, terms))
    for cid, (performer, requester, created) in commitments.items():
        if events[cid]:
            yield performer, requester, created, lifecycle.replay(events[cid], as_of)


def _count_given(
    figures: PerformerFigures, state: State, created: dt.datetime, now: dt.datetime
) -> None:
    figures.renegotiated_in_time += state.renegotiated_in_time
    figures.renegotiated_late += state.renegotiated_late
    status = state.status
    if status in (Status.DELIVERED, Status.CONFIRMED):
        if state.delivered_on_time:
            figures.kept_on_time += 1
        else:
            figures.kept_late += 1
    elif status is Status.DISPUTED:
        figures.disputed += 1
    elif status is Status.BROKEN:
        figures.broken += 1
    elif status is Status.RELEASED:
        figures.released += 1
    elif status in (Status.ACCEPTED, Status.PROPOSED, Status.COUNTER_OFFERED):
        figures.open += 1
        figures.open_ages_days.append((now - created).total_seconds() / _DAY)


def _count_received(figures: RequesterFigures, state: State, now: dt.datetime) -> None:
    if state.accepted_at is None:
        return
    figures.received += 1
    status = state.status
    if status is Status.CONFIRMED and state.delivered_at and state.closed_at:
        figures.confirmed += 1
        figures.days_to_confirm.append(
            (state.closed_at - state.delivered_at).total_seconds() / _DAY
        )
    elif status is Status.DISPUTED:
        figures.disputed += 1
    elif status is Status.DELIVERED and state.delivered_at:
        figures.awaiting_confirmation += 1
        figures.unconfirmed_ages_days.append((now - state.delivered_at).total_seconds() / _DAY)
    elif status is Status.RELEASED:
        figures.released += 1


def follow_through(
    actor: Actor, person_id: uuid.UUID | str, as_of: dt.datetime | None = None
) -> FollowThrough:
    """A person's follow-through as performer and requester. Only the person themself (and the
    system) may read it: managers and HR see team aggregates, never an individual's figures."""
    person = Person.objects.filter(pk=person_id).first()
    if person is None or not (actor.is_system or actor.is_self(person)):
        audit.deny(
            actor,
            "follow_through.read",
            "person",
            person_id,
            "follow-through figures are private to the person",
        )
    assert person is not None
    now = as_of or timezone.now()
    given, received = PerformerFigures(), RequesterFigures()
    mine = Q(performer=person) | Q(requester=person)
    for performer, _requester, created, state in _replayed(mine, now):
        if performer == person.pk:
            _count_given(given, state, created, now)
        else:
            _count_received(received, state, now)
    return FollowThrough(person.pk, now, given, received)


@dataclass
class TeamFollowThrough:
    team_id: uuid.UUID
    people: int
    as_performer: PerformerFigures


def team_follow_through(
    actor: Actor, team_id: uuid.UUID | str, as_of: dt.datetime | None = None
) -> TeamFollowThrough:
    """The team's summed follow-through as performers, only over at least k people who gave
    commitments; otherwise :class:`TooFewPeople`. Any signed-in person may read aggregates."""
    now = as_of or timezone.now()
    members = set(Person.objects.filter(team_id=team_id).values_list("pk", flat=True))
    per_person: dict[uuid.UUID, PerformerFigures] = defaultdict(PerformerFigures)
    for performer, _requester, created, state in _replayed(Q(performer_id__in=members), now):
        _count_given(per_person[performer], state, created, now)
    k = settings.ANONYMITY_K
    if len(per_person) < k:
        audit.record(actor, "team_follow_through.read", "team", team_id, allowed=False)
        raise TooFewPeople(
            f"fewer than {k} people in this team have commitments; figures are not shown"
        )
    total = PerformerFigures()
    for figures in per_person.values():
        total.add(figures)
    return TeamFollowThrough(uuid.UUID(str(team_id)), len(per_person), total)
