"""`trustledger compute` rebuilds what the incremental projection kept, to the last digit."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from trustledger import cli, engine
from trustledger.accounts.actors import Actor
from trustledger.insights import projection
from trustledger.insights.models import (
    Evidence,
    ProjectedSignal,
    ProjectionCheckpoint,
    RelationshipTrust,
)
from trustledger.ledger import services as ledger
from trustledger.ledger import trust_signals
from trustledger.ledger.models import CommitmentEvent

from .conftest import promise

MODEL = engine.load_evidence_model()
SIGNAL_KINDS = sorted(MODEL.signals)
NAMES = ("ana", "ben", "wes", "tom")


def _assert_same_state(
    left: dict[Any, engine.DecayedCounters], right: dict[Any, engine.DecayedCounters]
) -> None:
    """Equal to 1e-9 relative, compared at one common moment (relationships without evidence
    count as absent)."""
    left = {k: v for k, v in left.items() if v.last_time != -math.inf}
    right = {k: v for k, v in right.items() if v.last_time != -math.inf}
    assert left.keys() == right.keys()
    if not left:
        return
    moment = max(c.last_time for c in left.values()) + 30.0
    for pair, counters in left.items():
        other = right[pair]
        assert counters.last_time == other.last_time
        for mine, theirs in zip(
            engine.counters_as_of(counters, moment, half_life_days=MODEL.half_life_days),
            engine.counters_as_of(other, moment, half_life_days=MODEL.half_life_days),
            strict=True,
        ):
            assert mine.tolist() == pytest.approx(theirs.tolist(), rel=1e-9, abs=1e-12)
        assert counters.positive_at_last_time == pytest.approx(
            other.positive_at_last_time, rel=1e-9, abs=1e-12
        )
        assert counters.period == other.period
        assert counters.positive_in_period == pytest.approx(
            other.positive_in_period, rel=1e-9, abs=1e-12
        )


def _forget_derived_state() -> None:
    Evidence.objects.all().delete()
    RelationshipTrust.objects.all().delete()
    ProjectedSignal.objects.all().delete()
    ProjectionCheckpoint.objects.all().delete()


OPERATIONS = st.lists(
    st.tuples(
        st.sampled_from((0, 0, 0, 1, 1, 2, 3, 4, 5, 6, 7, 7, 8, 9)),  # what happens
        st.integers(0, 3),  # who
        st.integers(1, 3),  # with whom: someone else (an offset from who)
        st.integers(0, 40),  # a size: days, an index, a kind
        st.floats(0.0, 5.0),  # time passing, days
    ),
    min_size=4,
    max_size=30,
)


def _run(people: dict[str, Any], operations: list[tuple[int, int, int, int, float]]) -> None:
    """Play random ledger writes, projecting after each one as the on-commit trigger does."""
    clock = (timezone.now() - dt.timedelta(days=200)).replace(microsecond=0)
    commitments: list[tuple[str, str, str]] = []  # (id, performer, requester)
    signals: list[Any] = []
    for what, a, offset, size, later in operations:
        b = (a + offset) % len(NAMES)
        clock += dt.timedelta(days=later)
        performer, requester = NAMES[a], NAMES[b]
        pick = commitments[size % len(commitments)] if commitments else None
        try:
            if what == 0:
                pk = promise(
                    people[f"{performer}_actor"],
                    people[f"{requester}_actor"],
                    at=clock,
                    due_in_days=1 + size % 9,
                    stakes=("routine", "significant", "career")[size % 3],
                    witnesses=tuple(people[n] for n in NAMES if n not in (performer, requester))[
                        : size % 2
                    ],
                )
                commitments.append((pk, performer, requester))
                clock += dt.timedelta(hours=1)
            elif what in (1, 3, 5) and pick:
                step = {1: "deliver", 3: "withdraw", 5: "renegotiate"}[what]
                extra = {"due_at": clock + dt.timedelta(days=1 + size % 5)} if what == 5 else {}
                ledger.take_step(people[f"{pick[1]}_actor"], pick[0], step, at=clock, **extra)
            elif what in (2, 4, 6) and pick:
                step = {2: "confirm", 4: "release", 6: "accept_renegotiation"}[what]
                ledger.take_step(people[f"{pick[2]}_actor"], pick[0], step, at=clock)
            elif what == 7:
                signals.append(
                    trust_signals.record_signal(
                        people[f"{NAMES[a]}_actor"],
                        subject_id=people[NAMES[b]].pk,
                        kind=SIGNAL_KINDS[size % len(SIGNAL_KINDS)],
                        role=("recipient", "witness")[size % 2],
                        occurred_at=clock - dt.timedelta(days=size % 20),
                        witness_ids=[people[n].pk for n in NAMES if n not in (NAMES[a], NAMES[b])][
                            : size % 3
                        ],
                    )
                )
            elif what == 8 and signals:
                signal = signals.pop(size % len(signals))
                recorder = next(n for n in NAMES if people[n].pk == signal.recorded_by_id)
                trust_signals.retract_signal(
                    people[f"{recorder}_actor"], signal.pk, reason="recorded by mistake"
                )
            elif what == 9:
                ledger.sweep(Actor.system("cli"), as_of=clock)
        except (ledger.StepRefused, ValidationError, PermissionDenied):
            continue
        projection.project_new_events(chunk_size=1 + size % 4)


@settings(
    max_examples=60,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(operations=OPERATIONS)
def test_compute_agrees_with_the_incremental_state_after_any_ledger_history(people, operations):
    with transaction.atomic():
        _run(people, operations)
        incremental = projection.relationship_states()
        incremental_rows = Evidence.objects.count()

        projection.rebuild_all()
        batch = projection.relationship_states()
        _assert_same_state(incremental, batch)
        assert Evidence.objects.count() == incremental_rows

        _forget_derived_state()
        projection.project_new_events()
        _assert_same_state(projection.relationship_states(), batch)
        transaction.set_rollback(True)


def _history(people: dict[str, Any]) -> None:
    start = (timezone.now() - dt.timedelta(days=50)).replace(microsecond=0)
    for day in range(0, 30, 6):
        at = start + dt.timedelta(days=day)
        pk = promise(people["ben_actor"], people["ana_actor"], at=at, witnesses=(people["wes"],))
        ledger.take_step(people["ben_actor"], pk, "deliver", at=at + dt.timedelta(days=1))
        ledger.take_step(people["ana_actor"], pk, "confirm", at=at + dt.timedelta(days=2))
    trust_signals.record_signal(
        people["ana_actor"], subject_id=people["ben"].pk, kind="mistake_owned", occurred_at=start
    )


class Crash(RuntimeError):
    """Stands for the process dying in the middle of a projection run."""


def test_a_projection_interrupted_mid_way_loses_nothing_and_doubles_nothing(people):
    _history(people)
    chunks = []

    def crash_on_the_third_chunk() -> None:
        chunks.append(1)
        if len(chunks) == 3:
            raise Crash

    with pytest.raises(Crash):
        projection.project_new_events(chunk_size=4, before_commit=crash_on_the_third_chunk)

    checkpoint = ProjectionCheckpoint.objects.get().last_commitment_event_id
    events = list(CommitmentEvent.objects.order_by("id").values_list("id", flat=True))
    assert checkpoint == events[7]  # two chunks of four committed, the third rolled back
    assert not Evidence.objects.filter(event_id__gt=checkpoint).exists()
    assert Evidence.objects.filter(source="signal").exists()  # the first chunk took the signal
    # The stored state is exactly what the committed evidence rows give.
    committed = projection.relationship_states()
    projection._rebuild_pairs(set(committed), projection.evidence_model())
    _assert_same_state(committed, projection.relationship_states())

    run = projection.project_new_events()

    assert run.commitment_events == len(events) - 8
    assert ProjectionCheckpoint.objects.get().last_commitment_event_id == events[-1]
    finished, rows = projection.relationship_states(), Evidence.objects.count()
    projection.rebuild_all()
    _assert_same_state(finished, projection.relationship_states())
    assert Evidence.objects.count() == rows


def test_ledger_writes_update_trust_when_they_commit(people, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _history(people)

    assert ProjectionCheckpoint.objects.get().last_commitment_event_id == (
        CommitmentEvent.objects.order_by("-id").values_list("id", flat=True).first()
    )
    pair = (people["ana"].pk, people["ben"].pk)
    assert projection.relationship_states()[pair].positive[3] > 0
    assert (people["wes"].pk, people["ben"].pk) in projection.relationship_states()


def test_trustledger_compute_rebuilds_everything_from_the_ledger(people):
    _history(people)
    runner = CliRunner()

    result = runner.invoke(cli.app, ["compute"])

    assert result.exit_code == 0, result.output
    assert "into 51 evidence rows" in result.output
    rebuilt = projection.relationship_states()
    assert len(rebuilt) == 4  # ana→ben and ben→ana, and the witness wes→ben and wes→ana

    result = runner.invoke(cli.app, ["compute", "--incremental"])
    assert result.exit_code == 0, result.output
    assert "Projected 0 commitment events" in result.output
    _assert_same_state(rebuilt, projection.relationship_states())


def test_only_administrators_recompute(people):
    from trustledger.insights import services

    with pytest.raises(PermissionDenied):
        services.compute(Actor.for_user(people["ana_user"]))
