"""Promises given and received: every step by the right side, refused otherwise, replayable."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, transaction
from django.http import Http404
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from tests.ledger.conftest import T0
from trustledger.db import AppendOnlyError
from trustledger.ledger import services
from trustledger.ledger.lifecycle import Status, Step
from trustledger.ledger.models import CommitmentEvent
from trustledger.ledger.services import StepRefused

HOUR = dt.timedelta(hours=1)


def _promise(parties, **overrides):
    fields = {
        "performer_id": parties["pat"].pk,
        "requester_id": parties["rey"].pk,
        "what": "Quarterly report",
        "done_means": "Sent to Rey with the numbers checked",
        "due_at": T0 + dt.timedelta(days=7),
        "at": T0,
    }
    fields.update(overrides)
    return services.propose(parties["pat_actor"], **fields)


def test_a_promise_kept_after_an_honest_renegotiation(parties):
    c = _promise(parties)
    services.take_step(parties["rey_actor"], c.pk, "accept", at=T0 + HOUR)
    services.take_step(
        parties["pat_actor"],
        c.pk,
        "renegotiate",
        due_at=T0 + dt.timedelta(days=10),
        note="the data arrives late; telling you now",
        at=T0 + dt.timedelta(days=5),
    )
    services.take_step(parties["rey_actor"], c.pk, "accept_renegotiation", at=T0 + dt.timedelta(6))
    services.take_step(parties["pat_actor"], c.pk, "deliver", at=T0 + dt.timedelta(days=9))
    c = services.take_step(parties["rey_actor"], c.pk, "confirm", at=T0 + dt.timedelta(days=9.5))

    assert c.status == Status.CONFIRMED
    assert c.delivered_on_time is True
    assert c.renegotiated_in_time == 1
    steps = [e.event.step for e in services.timeline(parties["pat_actor"], c.pk)]
    assert steps == [
        "propose",
        "accept",
        "renegotiate",
        "accept_renegotiation",
        "deliver",
        "confirm",
    ]


def test_a_due_date_passing_unkept_breaks_it_as_of_that_time_without_any_job(parties):
    c = _promise(parties)
    c = services.take_step(parties["rey_actor"], c.pk, "accept", at=T0 + HOUR)
    due = c.due_at
    assert services.effective_status(c, due - HOUR) == Status.ACCEPTED
    assert services.effective_status(c, due + HOUR) == Status.BROKEN
    assert services.state_of(c, as_of=due + HOUR).status == Status.BROKEN
    assert services.state_of(c, as_of=due - HOUR).status == Status.ACCEPTED


def test_a_late_delivery_after_the_break_counts_as_kept_late(parties):
    c = _promise(parties)
    services.take_step(parties["rey_actor"], c.pk, "accept", at=T0 + HOUR)
    c = services.take_step(parties["pat_actor"], c.pk, "deliver", at=c.due_at + dt.timedelta(1))
    assert (c.status, c.delivered_on_time) == (Status.DELIVERED, False)


def test_the_wrong_side_gets_the_allowed_steps(parties):
    c = _promise(parties)
    with pytest.raises(StepRefused) as refused:
        services.take_step(parties["pat_actor"], c.pk, "accept", at=T0 + HOUR)
    assert [s.value for s in refused.value.allowed] == ["cancel"]
    assert "allowed now: cancel" in str(refused.value)
    assert CommitmentEvent.objects.filter(commitment=c).count() == 1


def test_a_third_party_cannot_see_or_act_on_a_private_commitment(parties):
    c = _promise(parties)
    with pytest.raises(Http404):
        services.get_commitment(parties["tom_actor"], c.pk)
    with pytest.raises(Http404):
        services.take_step(parties["tom_actor"], c.pk, "accept")
    with pytest.raises(Http404):
        services.get_commitment(parties["hr_actor"], c.pk)


def test_a_witness_sees_but_cannot_act(parties):
    c = _promise(parties, witness_ids=[parties["wes"].pk])
    assert services.get_commitment(parties["wes_actor"], c.pk) == c
    with pytest.raises(PermissionDenied):
        services.take_step(parties["wes_actor"], c.pk, "accept")


def test_team_visibility_reaches_the_parties_teams_only(parties):
    c = _promise(parties, visibility="team")
    assert services.can_see(parties["rey_actor"], c)
    assert not services.can_see(parties["tom_actor"], c)


def test_nobody_proposes_a_commitment_between_two_other_people(parties):
    with pytest.raises(PermissionDenied):
        services.propose(
            parties["tom_actor"],
            performer_id=parties["pat"].pk,
            requester_id=parties["rey"].pk,
            what="x",
            done_means="y",
            due_at=T0 + dt.timedelta(1),
            at=T0,
        )


def test_bad_terms_name_each_field(parties):
    with pytest.raises(ValidationError) as bad:
        _promise(parties, what=" ", done_means="", due_at=T0 - HOUR)
    assert set(bad.value.message_dict) == {"what", "done_means", "due_at"}


def test_events_are_append_only(parties):
    c = _promise(parties)
    event = CommitmentEvent.objects.get(commitment=c)
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        CommitmentEvent.objects.filter(pk=event.pk).update(step="deliver")


def test_sweep_records_the_break_once_and_changes_no_figure(parties):
    c = _promise(parties)
    services.take_step(parties["rey_actor"], c.pk, "accept", at=T0 + HOUR)
    from trustledger.accounts.actors import Actor

    later = c.due_at + dt.timedelta(days=1)
    before = services.state_of(c, as_of=later)
    assert services.sweep(Actor.system(), as_of=later) == 1
    assert services.sweep(Actor.system(), as_of=later) == 0
    c.refresh_from_db()
    after = services.state_of(c, as_of=later)
    assert (after.status, after.broken_reason) == (before.status, before.broken_reason)
    assert c.status == Status.BROKEN


# --- the stateful test: random steps by random actors -----------------------------------------

ACTORS = ("pat", "rey", "wes", "tom")
TERMS_STEPS = {Step.COUNTER, Step.RENEGOTIATE}


class CommitmentMachine(RuleBasedStateMachine):
    """Random sequences of steps by random people at increasing times.

    Invariants: the stored (cached) state always equals a replay of the stored events; a step
    is accepted exactly when it is among the steps the service offers that person; a refused
    step writes nothing.
    """

    parties: dict[str, object]

    @initialize(hours=st.integers(1, 400), by_performer=st.booleans())
    def propose(self, hours, by_performer):
        self.now = T0
        proposer = "pat" if by_performer else "rey"
        self.commitment = services.propose(
            self.parties[f"{proposer}_actor"],
            performer_id=self.parties["pat"].pk,
            requester_id=self.parties["rey"].pk,
            what="Ship it",
            done_means="Shipped",
            due_at=T0 + dt.timedelta(hours=hours),
            witness_ids=[self.parties["wes"].pk],
            at=T0,
        )

    @rule(
        who=st.sampled_from(ACTORS),
        step=st.sampled_from(list(Step)),
        wait=st.integers(0, 200),
        new_due=st.integers(1, 400),
    )
    def take(self, who, step, wait, new_due):
        self.now += dt.timedelta(hours=wait)
        actor = self.parties[f"{who}_actor"]
        offered = services.steps_for(actor, self.commitment, at=self.now)
        before = CommitmentEvent.objects.filter(commitment=self.commitment).count()
        terms = {"due_at": self.now + dt.timedelta(hours=new_due)} if step in TERMS_STEPS else {}
        try:
            self.commitment = services.take_step(
                actor, self.commitment.pk, step.value, at=self.now, **terms
            )
        except (StepRefused, PermissionDenied, Http404):
            assert step.value not in offered
            after = CommitmentEvent.objects.filter(commitment=self.commitment).count()
            assert after == before
        else:
            assert step.value in offered

    @invariant()
    def cached_state_is_the_replay(self):
        if not hasattr(self, "commitment"):
            return
        c = self.commitment
        c.refresh_from_db()
        state = services.state_of(c)
        assert c.status == state.status.value
        assert c.due_at == state.terms.due_at
        assert c.delivered_on_time == state.delivered_on_time
        assert c.renegotiated_in_time == state.renegotiated_in_time
        assert c.event_count == CommitmentEvent.objects.filter(commitment=c).count()
        seqs = list(CommitmentEvent.objects.filter(commitment=c).values_list("seq", flat=True))
        assert seqs == list(range(1, len(seqs) + 1))

    @invariant()
    def no_illegal_state(self):
        if not hasattr(self, "commitment"):
            return
        state = services.state_of(self.commitment, as_of=self.now)
        delivered = state.status in (Status.DELIVERED, Status.CONFIRMED, Status.DISPUTED)
        if delivered:
            assert state.delivered_at is not None
            assert state.delivered_on_time is not None
        if state.status is Status.CONFIRMED:
            assert state.delivered_at is not None
            assert state.closed_at is not None
        if state.status in (Status.PROPOSED, Status.COUNTER_OFFERED):
            assert state.awaiting is not None
            assert state.accepted_at is None
        if state.status is Status.BROKEN:
            assert state.broken_reason is not None


def test_random_steps_by_random_people_never_reach_an_illegal_state(parties):
    CommitmentMachine.parties = parties
    run_state_machine_as_test(
        CommitmentMachine,
        settings=settings(
            max_examples=40,
            stateful_step_count=12,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )
