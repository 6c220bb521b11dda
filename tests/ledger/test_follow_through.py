"""A person sees how they follow through, as performer and as requester; teams only over k."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from tests import factories
from tests.ledger.conftest import T0
from trustledger.accounts.actors import Actor
from trustledger.audit.models import AuditEvent
from trustledger.ledger import figures, services
from trustledger.ledger.figures import TooFewPeople

DAY = dt.timedelta(days=1)


def _accepted(parties, due_days=7, at=T0):
    c = services.propose(
        parties["rey_actor"],
        performer_id=parties["pat"].pk,
        requester_id=parties["rey"].pk,
        what="A thing",
        done_means="Done",
        due_at=at + due_days * DAY,
        at=at,
    )
    return services.take_step(parties["pat_actor"], c.pk, "accept", at=at + dt.timedelta(hours=1))


def test_each_outcome_is_counted_for_the_performer_and_the_requester(parties):
    pat, rey = parties["pat_actor"], parties["rey_actor"]
    on_time = _accepted(parties)
    services.take_step(pat, on_time.pk, "deliver", at=T0 + 2 * DAY)
    services.take_step(rey, on_time.pk, "confirm", at=T0 + 3 * DAY)
    late = _accepted(parties)
    services.take_step(pat, late.pk, "deliver", at=T0 + 9 * DAY)
    renegotiated = _accepted(parties)
    services.take_step(pat, renegotiated.pk, "renegotiate", due_at=T0 + 20 * DAY, at=T0 + 5 * DAY)
    services.take_step(rey, renegotiated.pk, "accept_renegotiation", at=T0 + 6 * DAY)
    _accepted(parties)  # never delivered: broken once its due date passes
    released = _accepted(parties)
    services.take_step(rey, released.pk, "release", at=T0 + 2 * DAY)

    mine = figures.follow_through(pat, parties["pat"].pk, as_of=T0 + 10 * DAY)
    given = mine.as_performer
    assert (given.kept_on_time, given.kept_late, given.broken, given.released) == (1, 1, 1, 1)
    assert (given.renegotiated_in_time, given.open) == (1, 1)
    assert given.kept_rate == pytest.approx(2 / 3)

    theirs = figures.follow_through(rey, parties["rey"].pk, as_of=T0 + 10 * DAY)
    received = theirs.as_requester
    assert (received.confirmed, received.awaiting_confirmation, received.released) == (1, 1, 1)
    assert received.median_days_to_confirm == pytest.approx(1.0)


def test_figures_as_of_an_earlier_moment_replay_only_what_had_happened(parties):
    c = _accepted(parties)
    services.take_step(parties["pat_actor"], c.pk, "deliver", at=T0 + 9 * DAY)
    before_due = figures.follow_through(parties["pat_actor"], parties["pat"].pk, T0 + 2 * DAY)
    after_due = figures.follow_through(parties["pat_actor"], parties["pat"].pk, T0 + 8 * DAY)
    delivered = figures.follow_through(parties["pat_actor"], parties["pat"].pk, T0 + 10 * DAY)
    assert before_due.as_performer.open == 1
    assert after_due.as_performer.broken == 1
    assert delivered.as_performer.kept_late == 1


def test_nobody_else_reads_my_figures_not_even_hr(parties):
    for other in ("rey_actor", "tom_actor", "hr_actor"):
        with pytest.raises(PermissionDenied):
            figures.follow_through(parties[other], parties["pat"].pk)
    assert AuditEvent.objects.filter(action="follow_through.read", allowed=False).count() == 3


def test_team_figures_need_at_least_k_people_with_commitments(parties, settings):
    settings.ANONYMITY_K = 3
    team = parties["team"]
    hr = parties["hr_actor"]
    _accepted(parties)
    with pytest.raises(TooFewPeople, match="fewer than 3"):
        figures.team_follow_through(hr, team.pk)
    for n in range(2):
        performer = factories.person(f"Teammate {n}", team=team)
        services.propose(
            Actor.system(),
            performer_id=performer.pk,
            requester_id=parties["rey"].pk,
            what="x",
            done_means="y",
            due_at=T0 + DAY,
            at=T0,
            proposer_side="requester",
        )
    aggregate = figures.team_follow_through(hr, team.pk, as_of=T0 + 2 * DAY)
    assert aggregate.people == 3
    assert aggregate.as_performer.open == 3
