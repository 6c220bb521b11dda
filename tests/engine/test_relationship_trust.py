"""Relationship trust for all pairs: decay, loss aversion, wipes, incremental = batch, explain."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from trustledger.engine import (
    DecayedCounters,
    counters_as_of,
    explain,
    projected,
    relationship_evidence,
    relationship_opinions,
    update,
)

HALF_LIFE = 180.0
WIPE = 0.8
DEPENDABLE, BELIEVABLE = 3, 1


def batch(rows, as_of, n=None, wipe=WIPE):
    return relationship_evidence(
        *rows, as_of=as_of, half_life_days=HALF_LIFE, wipe_share=wipe, n_relationships=n
    )


def table(*rows):
    """(rel, dimension, positive, negative, time, severe) columns from row tuples."""
    rel, dim, pos, neg, time, severe = zip(*rows, strict=True)
    return (
        np.array(rel, dtype=np.int64),
        np.array(dim, dtype=np.int8),
        np.array(pos, dtype=float),
        np.array(neg, dtype=float),
        np.array(time, dtype=float),
        np.array(severe, dtype=bool),
    )


@st.composite
def evidence_tables(draw, max_rows=40, relationships=4):
    n = draw(st.integers(1, max_rows))
    times = st.sampled_from([0.0, 1.0, 2.5, 10.0, 10.0, 200.0, 365.0, 1000.0])
    return [
        (
            draw(st.integers(0, relationships - 1)),
            draw(st.integers(0, 3)),
            draw(st.floats(0.0, 10.0)),
            draw(st.floats(0.0, 10.0)),
            draw(times),
            draw(st.booleans()) and draw(st.booleans()),
        )
        for _ in range(n)
    ]


def test_a_kept_promise_raises_the_requesters_trust_in_that_dimension():
    rows = table((0, DEPENDABLE, 1.0, 0.0, 0.0, False))
    opinions = relationship_opinions(batch(rows, 0.0), base_rate=0.5)
    assert projected(opinions.by_dimension[0, DEPENDABLE]).item() > 0.5
    assert projected(opinions.by_dimension[0, BELIEVABLE]).item() == 0.5  # no evidence: starter kit
    assert opinions.overall.u[0] < 1.0


def test_evidence_halves_after_one_half_life():
    rows = table((0, DEPENDABLE, 4.0, 2.0, 0.0, False))
    sums = batch(rows, HALF_LIFE)
    assert sums.positive[0, DEPENDABLE] == pytest.approx(2.0)
    assert sums.negative[0, DEPENDABLE] == pytest.approx(1.0)


@given(st.floats(0.0, 5000.0), st.floats(0.0, 5000.0))
def test_decay_is_monotone_in_age(age, more):
    rows = table((0, 0, 1.0, 1.0, 0.0, False))
    younger, older = batch(rows, age), batch(rows, age + more)
    assert older.positive[0, 0] <= younger.positive[0, 0]
    assert older.negative[0, 0] <= younger.negative[0, 0]


def test_evidence_recorded_after_the_as_of_time_is_ignored():
    rows = table((0, 0, 1.0, 0.0, 0.0, False), (0, 0, 5.0, 0.0, 30.0, False))
    assert batch(rows, 10.0).positive[0, 0] == pytest.approx(2 ** (-10 / HALF_LIFE))


def test_a_broken_career_promise_wipes_most_earlier_positive_evidence_in_every_dimension():
    rows = table(
        (0, DEPENDABLE, 10.0, 0.0, 0.0, False),
        (0, BELIEVABLE, 5.0, 0.0, 0.0, False),
        (0, DEPENDABLE, 0.0, 9.0, 0.0 + 1.0, True),
        (0, DEPENDABLE, 1.0, 0.0, 1.0, False),  # same instant as the breach: not wiped
        (1, DEPENDABLE, 10.0, 0.0, 0.0, False),  # another relationship: untouched
    )
    sums = batch(rows, 1.0)
    decay = 2 ** (-1 / HALF_LIFE)
    assert sums.positive[0, DEPENDABLE] == pytest.approx(10.0 * decay * 0.2 + 1.0)
    assert sums.positive[0, BELIEVABLE] == pytest.approx(5.0 * decay * 0.2)
    assert sums.negative[0, DEPENDABLE] == pytest.approx(9.0)
    assert sums.positive[1, DEPENDABLE] == pytest.approx(10.0 * decay)


def test_a_breach_after_the_as_of_time_wipes_nothing_yet():
    rows = table((0, 0, 10.0, 0.0, 0.0, False), (0, 0, 0.0, 9.0, 50.0, True))
    assert batch(rows, 10.0).positive[0, 0] == pytest.approx(10.0 * 2 ** (-10 / HALF_LIFE))


@given(evidence_tables(), st.randoms(use_true_random=False))
def test_the_batch_does_not_depend_on_row_order(rows, random):
    shuffled = list(rows)
    random.shuffle(shuffled)
    first, second = batch(table(*rows), 1000.0, n=4), batch(table(*shuffled), 1000.0, n=4)
    np.testing.assert_allclose(first.positive, second.positive, rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(first.negative, second.negative, rtol=1e-12, atol=1e-300)


@given(evidence_tables(), st.sampled_from([0.0, 0.5, 0.8, 1.0]), st.floats(0.0, 400.0))
def test_incremental_updates_equal_the_batch(rows, wipe, after):
    as_of = 1000.0 + after
    counters = [DecayedCounters() for _ in range(4)]
    for rel, dim, pos, neg, time, severe in sorted(rows, key=lambda row: row[4]):
        counters[rel] = update(
            counters[rel],
            dimension=dim,
            positive=pos,
            negative=neg,
            time=time,
            severe=severe,
            half_life_days=HALF_LIFE,
            wipe_share=wipe,
        )
    expected = batch(table(*rows), as_of, n=4, wipe=wipe)
    for rel in range(4):
        pos, neg = counters_as_of(counters[rel], as_of, half_life_days=HALF_LIFE)
        np.testing.assert_allclose(pos, expected.positive[rel], rtol=1e-9, atol=1e-300)
        np.testing.assert_allclose(neg, expected.negative[rel], rtol=1e-9, atol=1e-300)


def test_incremental_updates_must_arrive_in_time_order():
    counters = update(
        DecayedCounters(), dimension=0, positive=1.0, negative=0.0, time=5.0, severe=False,
        half_life_days=HALF_LIFE, wipe_share=WIPE,
    )  # fmt: skip
    with pytest.raises(ValueError, match="time order"):
        update(
            counters, dimension=0, positive=1.0, negative=0.0, time=4.0, severe=False,
            half_life_days=HALF_LIFE, wipe_share=WIPE,
        )  # fmt: skip


@given(evidence_tables(), st.integers(0, 3), st.integers(0, 3))
def test_an_explanation_lists_contributions_that_sum_to_the_figure(rows, rel, dim):
    columns = table(*rows)
    why = explain(
        *columns, relationship=rel, for_dimension=dim, as_of=1000.0,
        half_life_days=HALF_LIFE, wipe_share=WIPE,
    )  # fmt: skip
    sums = batch(columns, 1000.0, n=4)
    assert why.positive_total == pytest.approx(sums.positive[rel, dim], rel=1e-12, abs=1e-300)
    assert why.negative_total == pytest.approx(sums.negative[rel, dim], rel=1e-12, abs=1e-300)
    assert all(columns[0][why.rows] == rel)
    assert all(columns[1][why.rows] == dim)
    assert list(columns[4][why.rows]) == sorted(columns[4][why.rows])


def test_an_explanation_shows_what_a_breach_wiped():
    columns = table((0, 0, 10.0, 0.0, 0.0, False), (0, 0, 0.0, 9.0, 0.0 + 1.0, True))
    why = explain(
        *columns, relationship=0, for_dimension=0, as_of=1.0, half_life_days=HALF_LIFE,
        wipe_share=WIPE,
    )  # fmt: skip
    assert list(why.rows) == [0, 1]
    assert why.wiped[0] == pytest.approx(10.0 * 2 ** (-1 / HALF_LIFE) * 0.8)
    assert why.negative[1] == pytest.approx(9.0)


def test_bad_rows_are_refused_naming_the_row():
    good = table((0, 0, 1.0, 0.0, 0.0, False), (1, 0, 1.0, 0.0, 0.0, False))
    bad_dimension = (good[0], np.array([0, 4], dtype=np.int8), *good[2:])
    with pytest.raises(ValueError, match="dimension must be in 0..3; row 1"):
        batch(bad_dimension, 0.0)
    bad_positive = (*good[:2], np.array([1.0, np.nan]), *good[3:])
    with pytest.raises(ValueError, match="positive must be finite and >= 0; row 1"):
        batch(bad_positive, 0.0)
    with pytest.raises(ValueError, match=r"rel must be in \[0, 1\); row 1"):
        batch(good, 0.0, n=1)


def test_no_rows_give_starter_kit_opinions_for_every_relationship():
    empty = table((0, 0, 0.0, 0.0, 0.0, False))
    empty = tuple(column[:0] for column in empty)
    opinions = relationship_opinions(batch(empty, 0.0, n=3), base_rate=0.5)
    assert opinions.overall.shape == (3,)
    np.testing.assert_array_equal(projected(opinions.by_dimension), 0.5)


# --- The per-period cap on positive evidence (docs/engine.md §3, §8) -------------------------

CAPS = st.sampled_from([0.5, 4.0, 15.0])
PERIODS = st.sampled_from([1.0, 7.0, 30.0])


def capped_batch(rows, as_of, cap, period, n=4, wipe=WIPE):
    return relationship_evidence(
        *rows, as_of=as_of, half_life_days=HALF_LIFE, wipe_share=wipe, n_relationships=n,
        max_positive_per_period=cap, cap_period_days=period,
    )  # fmt: skip


def test_within_one_period_only_the_first_units_of_praise_count():
    rows = table(
        (0, DEPENDABLE, 3.0, 0.0, 0.0, False),
        (0, DEPENDABLE, 3.0, 0.0, 1.0, False),  # only 1 of these 3 units fits under the cap of 4
        (0, DEPENDABLE, 3.0, 0.0, 2.0, False),  # nothing left
        (0, DEPENDABLE, 0.0, 9.0, 3.0, False),  # negative evidence is never capped
        (0, DEPENDABLE, 3.0, 0.0, 7.0, False),  # next period: counts again
    )
    sums = capped_batch(rows, 7.0, cap=4.0, period=7.0, n=1)
    decay = [2 ** (-(7.0 - t) / HALF_LIFE) for t in (0.0, 1.0, 3.0)]
    assert sums.positive[0, DEPENDABLE] == pytest.approx(3.0 * decay[0] + 1.0 * decay[1] + 3.0)
    assert sums.negative[0, DEPENDABLE] == pytest.approx(9.0 * decay[2])


def test_praise_recorded_at_the_same_instant_shares_what_is_left_in_proportion():
    rows = table((0, 0, 3.0, 0.0, 5.0, False), (0, 0, 1.0, 0.0, 5.0, False))
    why = explain(
        *rows, relationship=0, for_dimension=0, as_of=5.0, half_life_days=HALF_LIFE,
        wipe_share=WIPE, max_positive_per_period=2.0, cap_period_days=7.0,
    )  # fmt: skip
    np.testing.assert_allclose(why.positive, [1.5, 0.5])
    np.testing.assert_allclose(why.capped, [1.5, 0.5])


@given(
    st.lists(st.tuples(st.integers(0, 3), st.integers(0, 3), st.floats(0.0, 50.0),
                       st.floats(0.0, 6.999)), min_size=1, max_size=200),
    CAPS,
)  # fmt: skip
def test_praise_within_one_period_moves_each_dimension_by_at_most_the_cap(praise, cap):
    rows = table(*((rel, dim, pos, 0.0, time, False) for rel, dim, pos, time in praise))
    sums = capped_batch(rows, 7.0, cap, 7.0)
    uncapped = batch(rows, 7.0, n=4)
    assert (sums.positive <= cap * (1 + 1e-12)).all()
    assert (sums.positive <= uncapped.positive * (1 + 1e-12)).all()
    raw = np.zeros((4, 4))
    np.add.at(raw, (rows[0], rows[1]), rows[2])
    untouched = raw <= cap  # under the cap nothing changes
    np.testing.assert_array_equal(sums.positive[untouched], uncapped.positive[untouched])


@given(evidence_tables(), CAPS, PERIODS, st.randoms(use_true_random=False))
def test_the_capped_batch_does_not_depend_on_row_order(rows, cap, period, random):
    shuffled = list(rows)
    random.shuffle(shuffled)
    first = capped_batch(table(*rows), 1000.0, cap, period)
    second = capped_batch(table(*shuffled), 1000.0, cap, period)
    np.testing.assert_allclose(first.positive, second.positive, rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(first.negative, second.negative, rtol=1e-12, atol=1e-300)


@given(
    evidence_tables(), st.sampled_from([0.0, 0.8, 1.0]), st.floats(0.0, 400.0), CAPS, PERIODS,
    st.randoms(use_true_random=False),
)  # fmt: skip
def test_incremental_updates_equal_the_batch_with_the_cap(rows, wipe, after, cap, period, random):
    as_of = 1000.0 + after
    arrival = list(rows)
    random.shuffle(arrival)  # rows at the same instant arrive in any order
    counters = [DecayedCounters() for _ in range(4)]
    for rel, dim, pos, neg, time, severe in sorted(arrival, key=lambda row: row[4]):
        counters[rel] = update(
            counters[rel], dimension=dim, positive=pos, negative=neg, time=time, severe=severe,
            half_life_days=HALF_LIFE, wipe_share=wipe, max_positive_per_period=cap,
            cap_period_days=period,
        )  # fmt: skip
    expected = capped_batch(table(*rows), as_of, cap, period, wipe=wipe)
    for rel in range(4):
        pos, neg = counters_as_of(counters[rel], as_of, half_life_days=HALF_LIFE)
        np.testing.assert_allclose(pos, expected.positive[rel], rtol=1e-9, atol=1e-300)
        np.testing.assert_allclose(neg, expected.negative[rel], rtol=1e-9, atol=1e-300)


@given(evidence_tables(), st.integers(0, 3), st.integers(0, 3), CAPS, PERIODS)
def test_an_explanation_with_the_cap_sums_to_the_figure(rows, rel, dim, cap, period):
    columns = table(*rows)
    why = explain(
        *columns, relationship=rel, for_dimension=dim, as_of=1000.0, half_life_days=HALF_LIFE,
        wipe_share=WIPE, max_positive_per_period=cap, cap_period_days=period,
    )  # fmt: skip
    sums = capped_batch(columns, 1000.0, cap, period)
    uncapped = batch(columns, 1000.0, n=4)
    assert why.positive_total == pytest.approx(sums.positive[rel, dim], rel=1e-12, abs=1e-300)
    assert why.negative_total == pytest.approx(sums.negative[rel, dim], rel=1e-12, abs=1e-300)
    assert (why.capped >= 0).all()
    assert (why.wiped >= -1e-12).all()
    # What the cap took and what the wipes took add up to the uncapped figure's difference.
    lost = why.positive_total + why.capped.sum() + why.wiped.sum()
    plain = explain(
        *columns, relationship=rel, for_dimension=dim, as_of=1000.0, half_life_days=HALF_LIFE,
        wipe_share=WIPE,
    )  # fmt: skip
    assert lost == pytest.approx(plain.positive_total + plain.wiped.sum(), rel=1e-9, abs=1e-12)
    assert why.positive_total <= uncapped.positive[rel, dim] * (1 + 1e-12) + 1e-300


def test_a_bad_cap_is_refused_with_a_clear_message():
    rows = table((0, 0, 1.0, 0.0, 0.0, False))
    with pytest.raises(ValueError, match="max_positive_per_period must be finite and > 0"):
        capped_batch(rows, 0.0, cap=0.0, period=7.0)
    with pytest.raises(ValueError, match="cap_period_days must be finite and > 0"):
        capped_batch(rows, 0.0, cap=4.0, period=float("inf"))
    with pytest.raises(ValueError, match="max_positive_per_period"):
        update(
            DecayedCounters(), dimension=0, positive=1.0, negative=0.0, time=0.0, severe=False,
            half_life_days=HALF_LIFE, wipe_share=WIPE, max_positive_per_period=-1.0,
        )  # fmt: skip


def test_the_cap_holds_when_periods_are_too_many_to_number():
    # A period of 1e-16 days over a 1000-day span: the batch sorts instead of hashing.
    rows = table(
        (0, 0, 3.0, 0.0, 0.0, False), (0, 0, 3.0, 0.0, 0.0, False), (0, 0, 3.0, 0.0, 1000.0, False)
    )
    sums = capped_batch(rows, 1000.0, cap=4.0, period=1e-16, n=1)
    assert sums.positive[0, 0] == pytest.approx(4.0 * 2 ** (-1000 / HALF_LIFE) + 3.0)
    counters = DecayedCounters()
    for _, dim, pos, neg, time, severe in sorted(zip(*rows, strict=True), key=lambda r: r[4]):
        counters = update(
            counters, dimension=int(dim), positive=float(pos), negative=float(neg),
            time=float(time), severe=bool(severe), half_life_days=HALF_LIFE, wipe_share=WIPE,
            max_positive_per_period=4.0, cap_period_days=1e-16,
        )  # fmt: skip
    pos, _ = counters_as_of(counters, 1000.0, half_life_days=HALF_LIFE)
    assert pos[0] == pytest.approx(sums.positive[0, 0], rel=1e-9)


@st.composite
def praise_or_complaint_tables(draw):
    """Evidence tables where each row is positive or negative evidence, never both: the
    batch then takes its one-pass path (both sums from one np.bincount)."""
    rows = draw(evidence_tables())
    kinds = draw(st.lists(st.booleans(), min_size=len(rows), max_size=len(rows)))
    return [
        (rel, dim, pos if praise else 0.0, 0.0 if praise else neg, time, severe)
        for (rel, dim, pos, neg, time, severe), praise in zip(rows, kinds, strict=True)
    ]


@given(
    praise_or_complaint_tables(), st.sampled_from([0.0, 0.8, 1.0]), st.floats(0.0, 400.0),
    st.sampled_from([None, 0.5, 4.0, 15.0]), PERIODS, st.randoms(use_true_random=False),
)  # fmt: skip
def test_incremental_updates_equal_the_batch_when_each_row_is_praise_or_a_complaint(
    rows, wipe, after, cap, period, random
):
    as_of = 1000.0 + after
    arrival = list(rows)
    random.shuffle(arrival)
    counters = [DecayedCounters() for _ in range(4)]
    for rel, dim, pos, neg, time, severe in sorted(arrival, key=lambda row: row[4]):
        counters[rel] = update(
            counters[rel], dimension=dim, positive=pos, negative=neg, time=time, severe=severe,
            half_life_days=HALF_LIFE, wipe_share=wipe, max_positive_per_period=cap,
            cap_period_days=period,
        )  # fmt: skip
    expected = capped_batch(table(*rows), as_of, cap, period, wipe=wipe)
    for rel in range(4):
        pos, neg = counters_as_of(counters[rel], as_of, half_life_days=HALF_LIFE)
        np.testing.assert_allclose(pos, expected.positive[rel], rtol=1e-9, atol=1e-300)
        np.testing.assert_allclose(neg, expected.negative[rel], rtol=1e-9, atol=1e-300)


@given(
    praise_or_complaint_tables(), st.sampled_from([0.0, 0.8]), st.floats(0.0, 400.0),
    st.sampled_from([None, 0.5, 4.0]), PERIODS,
)  # fmt: skip
def test_one_row_carrying_both_kinds_elsewhere_changes_no_other_relationship(
    rows, wipe, after, cap, period
):
    # One row with praise and a complaint (relationship 4) sends the batch down its two-pass
    # path; relationships 0-3 must get the same figures either way.
    as_of = 1000.0 + after
    one_pass = capped_batch(table(*rows), as_of, cap, period, n=5, wipe=wipe)
    mixed = [*rows, (4, 0, 1.0, 1.0, 5.0, False)]
    two_pass = capped_batch(table(*mixed), as_of, cap, period, n=5, wipe=wipe)
    np.testing.assert_allclose(one_pass.positive[:4], two_pass.positive[:4], rtol=1e-12, atol=0)
    np.testing.assert_allclose(one_pass.negative[:4], two_pass.negative[:4], rtol=1e-12, atol=0)
    assert one_pass.positive.flags.c_contiguous
    assert one_pass.negative.flags.c_contiguous
