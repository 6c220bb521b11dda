"""The projection is exact: no event lost to commit order, and the spam cap applied."""

from __future__ import annotations

import datetime as dt
import math
import threading
import time
from typing import Any

import pytest
from django.db import connection, transaction
from django.utils import timezone

from tests.insights.test_compute_trust import _assert_same_state
from trustledger.insights import projection, services
from trustledger.insights.models import Evidence, ProjectionCheckpoint
from trustledger.ledger import services as ledger
from trustledger.ledger import trust_signals
from trustledger.ledger.models import CommitmentEvent

from .conftest import promise, start

CONNECTED = 2  # index of the ABCD dimension "connected"
WAIT = 30.0  # seconds: a thread stuck longer than this fails the test instead of hanging it


def _start_of_a_cap_period(before: dt.datetime) -> dt.datetime:
    """The first instant of a cap period (fixed buckets of the time axis) before ``before``."""
    period = projection.evidence_model().cap_period_days
    bucket = math.floor(projection.day_of(before) / period) - 1
    return dt.datetime.fromtimestamp(bucket * period * projection.SECONDS_PER_DAY, dt.UTC)


def test_fifty_recognitions_in_one_week_move_the_relationship_no_more_than_the_cap(people):
    model = projection.evidence_model()
    week = _start_of_a_cap_period(start() + dt.timedelta(days=20))
    for number in range(50):  # every three hours: 50 × 3 h = 6¼ days, inside one period
        trust_signals.record_signal(
            people["ana_actor"],
            subject_id=people["ben"].pk,
            kind="recognition",
            occurred_at=week + dt.timedelta(hours=3 * number),
        )

    projection.project_new_events()

    counters = projection.relationship_states()[(people["ana"].pk, people["ben"].pk)]
    uncapped = 50 * model.signals["recognition"].weight
    assert uncapped > 6 * model.max_positive_per_period  # far over the cap without it
    # The engine's bound (docs/engine.md §3): at most c raw units per period and dimension,
    # and ageing only lowers them; the first c units did count, aged at most one period.
    cap = model.max_positive_per_period
    assert counters.positive[CONNECTED] <= cap
    assert counters.positive[CONNECTED] >= cap * 2 ** (
        -model.cap_period_days / model.half_life_days
    )
    assert counters.positive_in_period[CONNECTED] == pytest.approx(uncapped)
    # The relationship page shows the same capped figure, and says what the cap dropped.
    figure = services.direction(people["ana"], people["ben"], timezone.now()).dimensions
    assert figure[CONNECTED].positive_evidence <= cap
    items = services.direction(people["ana"], people["ben"], timezone.now()).explanation
    assert any(item.capped > 0 for item in items)
    # The rebuild applies the same cap.
    incremental = projection.relationship_states()
    projection.rebuild_all()
    _assert_same_state(incremental, projection.relationship_states())


def test_recognitions_spread_over_a_week_count_at_most_two_periods_of_the_cap(people):
    model = projection.evidence_model()
    week = _start_of_a_cap_period(start() + dt.timedelta(days=20)) + dt.timedelta(days=3)
    for number in range(50):  # seven days from mid-period: two periods, never more
        trust_signals.record_signal(
            people["ana_actor"],
            subject_id=people["ben"].pk,
            kind="recognition",
            occurred_at=week + dt.timedelta(hours=3.3 * number),
        )

    projection.project_new_events()

    counters = projection.relationship_states()[(people["ana"].pk, people["ben"].pk)]
    assert counters.positive[CONNECTED] <= 2 * model.max_positive_per_period
    incremental = projection.relationship_states()
    projection.rebuild_all()
    _assert_same_state(incremental, projection.relationship_states())


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_an_event_committed_after_a_later_event_is_still_projected(people):
    """T1 takes the lower event id, T2 takes the next one and commits first; T1 commits last."""
    at = start()
    first = promise(people["ben_actor"], people["ana_actor"], at=at)
    second = promise(people["ben_actor"], people["ana_actor"], at=at)
    projection.project_new_events()
    delivered = at + dt.timedelta(days=2)
    lower_has_its_id, release_lower = threading.Event(), threading.Event()
    ids: dict[str, int] = {}
    errors: list[BaseException] = []

    def in_thread(work: Any) -> threading.Thread:
        def run() -> None:
            try:
                work()
            except BaseException as error:  # reported by the main thread
                errors.append(error)
                lower_has_its_id.set()
            finally:
                connection.close()

        thread = threading.Thread(target=run)
        thread.start()
        return thread

    def lower_id_commits_last() -> None:
        with transaction.atomic():
            ledger.take_step(people["ben_actor"], first, "deliver", at=delivered)
            ids["lower"] = CommitmentEvent.objects.filter(commitment_id=first).latest("id").pk
            lower_has_its_id.set()
            assert release_lower.wait(WAIT)

    def higher_id_commits_first() -> None:
        assert lower_has_its_id.wait(WAIT)
        ledger.take_step(people["ben_actor"], second, "deliver", at=delivered)

    lower = in_thread(lower_id_commits_last)
    higher = in_thread(higher_id_commits_first)
    deadline = time.monotonic() + WAIT
    while not errors and not CommitmentEvent.objects.filter(commitment_id=second, step="deliver"):
        assert time.monotonic() < deadline, "the second delivery never committed"
        time.sleep(0.05)
    assert not errors, errors
    higher_id = CommitmentEvent.objects.get(commitment_id=second, step="deliver").pk
    assert ids["lower"] < higher_id
    projector = in_thread(projection.project_new_events)  # as a page view would
    time.sleep(0.5)
    # While the lower id is uncommitted, no projection may move past it.
    assert ProjectionCheckpoint.objects.get().last_commitment_event_id < ids["lower"]

    release_lower.set()
    for thread in (lower, higher, projector):
        thread.join(WAIT)
        assert not thread.is_alive()
    assert not errors, errors

    projection.project_new_events()
    projected = set(Evidence.objects.values_list("event_id", flat=True))
    assert {ids["lower"], higher_id} <= projected
    assert ProjectionCheckpoint.objects.get().last_commitment_event_id == higher_id
    incremental = projection.relationship_states()
    projection.rebuild_all()
    _assert_same_state(incremental, projection.relationship_states())
