"""Cross-check against the PyPI package ``subjective-logic`` (1.0.2), operator by operator.

That package stores every component as a Decimal rounded to 6 decimals, so inputs are drawn
with 6 decimals (represented exactly) and outputs agree to its rounding: |ours - theirs| is at
most half a unit in the 6th decimal, 5e-7 (plus float error, 1e-12).
"""

from __future__ import annotations

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from subjective_logic.binomial_opinion import BinomialOpinion

from tests.engine.strategies import opinions_in_millionths
from trustledger.engine import Opinion, averaging_fuse, cumulative_fuse, discount, from_evidence

TOLERANCE = 5e-7 + 1e-12


def theirs(op: Opinion) -> BinomialOpinion:
    return BinomialOpinion(op.belief, op.disbelief, op.uncertainty, op.base_rate)


def agree(ours: Opinion, other: BinomialOpinion) -> None:
    assert abs(ours.belief - other.belief) <= TOLERANCE
    assert abs(ours.disbelief - other.disbelief) <= TOLERANCE
    assert abs(ours.uncertainty - other.uncertainty) <= TOLERANCE
    assert abs(ours.base_rate - other.base_rate) <= TOLERANCE


@given(st.integers(0, 10_000), st.integers(0, 10_000), st.integers(0, 1_000_000))
def test_evidence_mapping_agrees(r, s, a_millionths):
    a = a_millionths / 1e6
    agree(from_evidence(r, s, a), BinomialOpinion.from_evidence(r, s, a))
    assert from_evidence(r, s, a).projected == pytest.approx(
        BinomialOpinion.from_evidence(r, s, a).probability(), abs=2 * TOLERANCE
    )


@given(opinions_in_millionths(), opinions_in_millionths())
def test_cumulative_fusion_agrees(x, y):
    assume(x.uncertainty > 0 or y.uncertainty > 0)  # the package has no dogmatic limit case
    agree(cumulative_fuse(x, y), theirs(x).cumulative_fusion(theirs(y)))


@given(opinions_in_millionths(), opinions_in_millionths())
def test_averaging_fusion_agrees(x, y):
    assume(x.uncertainty > 0 or y.uncertainty > 0)
    agree(averaging_fuse(x, y), theirs(x).average_fusion(theirs(y)))


@given(opinions_in_millionths(), opinions_in_millionths())
def test_trust_discounting_agrees(trust, advice):
    agree(discount(trust, advice), theirs(trust).trust_discounting(theirs(advice)))
