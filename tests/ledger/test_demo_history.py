"""The demo organisation gets months of ledger history whose stories are true in the figures."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from trustledger.accounts.actors import Actor
from trustledger.accounts.models import User
from trustledger.ledger import figures, services
from trustledger.ledger.demo import DemoHistory, load_demo_history
from trustledger.ledger.lifecycle import BrokenReason, Status
from trustledger.ledger.models import Commitment, CommitmentEvent, ImportedCommitment
from trustledger.ledger.models.signals import TrustSignal
from trustledger.org.demo import load_demo
from trustledger.org.models import Person, ReportingLine

SYSTEM = Actor.system("test")


@pytest.fixture
def demo(db: None) -> DemoHistory:
    load_demo(SYSTEM)
    return load_demo_history(SYSTEM)


def person(employee_id: str) -> Person:
    return Person.objects.get(employee_id=employee_id)


def imported(ref: str) -> Commitment:
    return ImportedCommitment.objects.get(source_ref=ref).commitment


def test_over_promisers_have_the_lowest_kept_on_time_rates(demo):
    rates: dict[str, float] = {}
    for employee in Person.objects.filter(employee_id__startswith="DEMO-", is_external=False):
        given = figures.follow_through(SYSTEM, employee.pk).as_performer
        if given.kept + given.broken >= 3 and given.on_time_rate is not None:
            rates[employee.employee_id] = given.on_time_rate

    lowest = sorted(rates, key=rates.__getitem__)[: len(demo.over_promisers)]
    assert sorted(lowest) == demo.over_promisers
    assert all(rates[eid] < 0.5 for eid in demo.over_promisers)
    reliable = [rates[eid] for eid in demo.reliable if eid in rates]
    assert reliable
    assert min(reliable) == 1.0


def test_reliable_people_renegotiate_before_the_due_date_never_after(demo):
    given = [figures.follow_through(SYSTEM, person(eid).pk).as_performer for eid in demo.reliable]

    assert sum(g.renegotiated_in_time for g in given) > 0
    assert sum(g.renegotiated_late for g in given) == 0
    assert sum(g.broken for g in given) == 0


def test_a_manager_broke_a_career_promise_to_their_report(demo):
    promise = imported(demo.career_ref)

    assert promise.performer == person(demo.career_manager)
    assert promise.requester == person(demo.career_report)
    assert (promise.stakes, promise.origin) == ("career", "one_on_one")
    assert promise.status == Status.BROKEN
    assert (promise.broken_reason, promise.broken_recorded) == (BrokenReason.DUE_PASSED, True)
    assert "promotion" in promise.what.lower()
    assert services.state_of(promise).status is Status.BROKEN
    assert ReportingLine.objects.filter(
        person=promise.requester, manager=promise.performer, valid_to__isnull=True
    ).exists()


def test_a_manager_owned_a_mistake_in_front_of_the_team(demo):
    promise = imported(demo.mistake_ref)
    renegotiation = promise.events.get(step="renegotiate")

    assert promise.performer == person(demo.mistake_owner)
    assert (promise.visibility, promise.origin) == ("team", "meeting")
    assert promise.witnesses.count() >= 2
    assert renegotiation.payload["note"].startswith("My mistake")
    assert promise.renegotiated_late == 1
    assert promise.status == Status.CONFIRMED
    assert demo.signal_recorded
    signal = TrustSignal.objects.get(kind="mistake_owned", subject=promise.performer)
    assert signal.visibility == "team"
    assert signal.recorded_by == promise.requester


def test_the_demo_logins_have_something_to_do_today(demo):
    report = User.objects.get(person__employee_id=demo.career_report)
    mine = services.my_commitments(Actor.for_user(report))

    assert mine.given.exists()
    assert mine.received.exists()
    assert mine.due_soon.exists()
    assert mine.overdue.exists()
    assert mine.to_confirm.exists()
    assert mine.awaiting_my_answer.exists()


def test_every_demo_commitment_holds_the_replay_of_its_events(demo):
    commitments = list(Commitment.objects.all())

    assert len(commitments) == demo.commitments > 300
    for commitment in commitments:
        state = services.state_of(commitment)
        assert commitment.status == state.status.value
        assert commitment.due_at == state.terms.due_at
        assert commitment.delivered_on_time == state.delivered_on_time
        assert commitment.broken_recorded == state.broken_recorded


def test_loading_the_demo_history_twice_changes_nothing(demo):
    events = CommitmentEvent.objects.count()

    again = load_demo_history(SYSTEM)

    assert not again.created
    assert CommitmentEvent.objects.count() == events
    assert TrustSignal.objects.filter(kind="mistake_owned").count() == 1


def test_demo_history_is_refused_in_production_and_to_employees(db, settings):
    load_demo(SYSTEM)
    employee = Actor.for_user(User.objects.filter(person__isnull=False).first())
    with pytest.raises(PermissionDenied):
        load_demo_history(employee)
    settings.MODE = "production"
    with pytest.raises(PermissionDenied):
        load_demo_history(SYSTEM)
    assert not Commitment.objects.exists()
