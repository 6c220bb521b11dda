"""What people see on "my trust with Ana" after promises are kept, broken and renegotiated."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from trustledger.insights import services
from trustledger.insights.models import Evidence
from trustledger.ledger import services as ledger
from trustledger.ledger import trust_signals

from .conftest import promise, start

DEPENDABLE = 3
#: One moment for every read in a test, so two reads compare the same instant.
AS_OF = timezone.now()


def _trust(people, viewer: str, other: str) -> services.Relationship:
    return services.relationship_trust(people[f"{viewer}_actor"], people[other].pk, as_of=AS_OF)


def test_a_new_relationship_shows_little_evidence_not_low_trust(people):
    relationship = _trust(people, "ana", "ben")

    overall = relationship.i_rely_on_them.overall
    assert overall.certainty == "little evidence yet"
    assert overall.uncertainty == 1.0
    assert overall.projected == 0.5  # the starter kit, not zero
    assert relationship.i_rely_on_them.explanation == []


def test_kept_promises_raise_dependable(people, django_capture_on_commit_callbacks):
    t = start()
    with django_capture_on_commit_callbacks(execute=True):
        for week in range(4):
            at = t + dt.timedelta(days=7 * week)
            pk = promise(people["ben_actor"], people["ana_actor"], at=at)
            ledger.take_step(people["ben_actor"], pk, "deliver", at=at + dt.timedelta(days=2))

    relationship = _trust(people, "ana", "ben")

    dependable = relationship.i_rely_on_them.dimensions[DEPENDABLE]
    assert dependable.dimension == "dependable"
    assert dependable.projected > 0.6
    assert dependable.belief > 0.3
    assert dependable.disbelief == 0.0
    assert dependable.certainty != "little evidence yet"
    kinds = {item.kind for item in relationship.i_rely_on_them.explanation}
    assert kinds == {"commitment.kept_on_time"}
    # The explanation adds up to the figure's evidence.
    total = sum(
        i.positive for i in relationship.i_rely_on_them.explanation if i.dimension == "dependable"
    )
    assert abs(total - dependable.positive_evidence) < 1e-9


def test_a_broken_career_promise_wipes_most_positive_evidence(
    people, django_capture_on_commit_callbacks
):
    t = start()
    with django_capture_on_commit_callbacks(execute=True):
        for week in range(4):
            at = t + dt.timedelta(days=7 * week)
            pk = promise(people["ben_actor"], people["ana_actor"], at=at)
            ledger.take_step(people["ben_actor"], pk, "deliver", at=at + dt.timedelta(days=2))
    before = _trust(people, "ana", "ben").i_rely_on_them
    with django_capture_on_commit_callbacks(execute=True):
        at = t + dt.timedelta(days=40)
        pk = promise(people["ben_actor"], people["ana_actor"], at=at, stakes="career")
        ledger.take_step(people["ben_actor"], pk, "withdraw", at=at + dt.timedelta(days=1))

    after = _trust(people, "ana", "ben").i_rely_on_them

    for old, new in zip(before.dimensions, after.dimensions, strict=True):
        assert new.positive_evidence <= 0.21 * old.positive_evidence + 1e-12
    assert after.overall.projected < 0.3 < before.overall.projected
    assert any(item.wiped > 0 for item in after.explanation)
    assert any(item.kind == "commitment.broken" for item in after.explanation)


def test_renegotiating_in_time_is_not_a_breach(people, django_capture_on_commit_callbacks):
    t = start()
    with django_capture_on_commit_callbacks(execute=True):
        pk = promise(people["ben_actor"], people["ana_actor"], at=t, due_in_days=5)
        ledger.take_step(
            people["ben_actor"],
            pk,
            "renegotiate",
            due_at=t + dt.timedelta(days=12),
            at=t + dt.timedelta(days=4),
        )
        ledger.take_step(
            people["ana_actor"], pk, "accept_renegotiation", at=t + dt.timedelta(days=6)
        )
        ledger.take_step(people["ben_actor"], pk, "deliver", at=t + dt.timedelta(days=11))

    mine = _trust(people, "ana", "ben").i_rely_on_them

    assert mine.overall.negative_evidence == 0.0
    kinds = {item.kind for item in mine.explanation}
    assert kinds == {"commitment.renegotiated_in_time", "commitment.kept_on_time"}
    assert mine.overall.projected > 0.5


def test_both_directions_are_separate(people, django_capture_on_commit_callbacks):
    t = start()
    with django_capture_on_commit_callbacks(execute=True):
        pk = promise(people["ben_actor"], people["ana_actor"], at=t)
        ledger.take_step(people["ben_actor"], pk, "deliver", at=t + dt.timedelta(days=1))
        trust_signals.record_signal(
            people["ben_actor"],
            subject_id=people["ana"].pk,
            kind="blamed_others",
            occurred_at=t + dt.timedelta(days=3),
        )

    anas_view = _trust(people, "ana", "ben")
    bens_view = _trust(people, "ben", "ana")

    # Ana can rely on Ben (he kept his promise); Ben saw Ana blame others.
    assert anas_view.i_rely_on_them.overall.projected > 0.5
    assert anas_view.they_rely_on_me.overall.projected < 0.5
    assert anas_view.i_rely_on_them.overall.negative_evidence == 0.0
    assert anas_view.they_rely_on_me.overall.positive_evidence == 0.0
    # Each sees the same two directions, from their own side.
    assert bens_view.they_rely_on_me == anas_view.i_rely_on_them
    assert bens_view.i_rely_on_them == anas_view.they_rely_on_me


def test_a_witness_trust_moves_by_half(people, django_capture_on_commit_callbacks):
    t = start()
    with django_capture_on_commit_callbacks(execute=True):
        pk = promise(people["ben_actor"], people["ana_actor"], at=t, witnesses=(people["wes"],))
        ledger.take_step(people["ben_actor"], pk, "deliver", at=t + dt.timedelta(days=1))

    party = _trust(people, "ana", "ben").i_rely_on_them.overall.positive_evidence
    witness = _trust(people, "wes", "ben").i_rely_on_them.overall.positive_evidence

    assert abs(witness - party / 2) < 1e-12
    assert Evidence.objects.filter(truster=people["wes"], witness=True).exists()


def test_a_due_date_passing_unkept_counts_as_broken_before_and_after_the_sweep(
    people, django_capture_on_commit_callbacks
):
    t = start()
    with django_capture_on_commit_callbacks(execute=True):
        promise(people["ben_actor"], people["ana_actor"], at=t, due_in_days=3)

    unrecorded = _trust(people, "ana", "ben").i_rely_on_them
    assert not Evidence.objects.filter(kind="commitment.broken").exists()
    assert [item.pending for item in unrecorded.explanation] == [True, True]
    assert unrecorded.overall.projected < 0.5

    from trustledger.accounts.actors import Actor

    with django_capture_on_commit_callbacks(execute=True):
        assert ledger.sweep(Actor.system("cli")) == 1
    recorded = _trust(people, "ana", "ben").i_rely_on_them

    assert Evidence.objects.filter(kind="commitment.broken", witness=False).count() == 2
    assert not any(item.pending for item in recorded.explanation)
    assert abs(recorded.overall.projected - unrecorded.overall.projected) < 1e-6


def test_a_retracted_signal_stops_counting(people, django_capture_on_commit_callbacks):
    t = start()
    with django_capture_on_commit_callbacks(execute=True):
        signal = trust_signals.record_signal(
            people["ana_actor"],
            subject_id=people["ben"].pk,
            kind="broke_a_confidence",
            occurred_at=t,
        )
    assert _trust(people, "ana", "ben").i_rely_on_them.overall.negative_evidence > 0
    with django_capture_on_commit_callbacks(execute=True):
        trust_signals.retract_signal(people["ana_actor"], signal.pk, reason="it was someone else")

    after = _trust(people, "ana", "ben").i_rely_on_them

    assert after.overall.negative_evidence == 0.0
    assert after.explanation == []
