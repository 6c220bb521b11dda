"""Opinions and operators: values in range, published examples, and the algebra's laws."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.engine.strategies import opinions
from trustledger.engine import (
    Opinion,
    Opinions,
    averaging_fuse,
    cumulative_fuse,
    discount,
    from_evidence,
    projected,
    to_evidence,
)

evidence = st.floats(min_value=0.0, max_value=1e9, allow_nan=False)


def values(op: Opinion) -> tuple[float, float, float, float]:
    return (op.belief, op.disbelief, op.uncertainty, op.base_rate)


def close(x: Opinion, y: Opinion, tol: float = 1e-9) -> bool:
    return all(
        abs(p - q) <= tol
        for p, q in zip(
            (x.belief, x.disbelief, x.uncertainty, x.base_rate),
            (y.belief, y.disbelief, y.uncertainty, y.base_rate),
            strict=True,
        )
    )


def test_seven_good_and_one_bad_experience_give_the_beta_reputation_example():
    # Jøsang & Ismail, "The Beta Reputation System" (Bled eCommerce 2002), Fig. 1:
    # after 7 positive and 1 negative observations, Beta(8, 2), expected value 0.8.
    op = from_evidence(7, 1, 0.5)
    assert values(op) == pytest.approx((0.7, 0.1, 0.2, 0.5))
    assert projected(op) == pytest.approx(0.8)


def test_no_evidence_is_the_vacuous_opinion_and_projects_the_starter_kit():
    # Jøsang 2016, §3.4: u = 1 and P = a with no evidence.
    op = from_evidence(0.0, 0.0, 0.6)
    assert op == Opinion.vacuous(0.6)
    assert projected(op) == pytest.approx(0.6)


@given(evidence, evidence, st.floats(0.0, 1.0), st.floats(0.1, 100.0))
def test_evidence_always_gives_a_valid_opinion(r, s, a, w):
    op = from_evidence(r, s, a, w)
    values = (op.belief, op.disbelief, op.uncertainty)
    assert all(0.0 <= v <= 1.0 for v in values)
    assert sum(values) == pytest.approx(1.0, abs=1e-12)


@given(evidence, evidence, st.floats(0.0, 1e6), st.floats(0.0, 1.0))
def test_more_positive_evidence_never_lowers_projected_trust(r, s, more, a):
    assert projected(from_evidence(r + more, s, a)) >= projected(from_evidence(r, s, a)) - 1e-15


@given(evidence, evidence, st.floats(0.0, 1e6), st.floats(0.0, 1.0))
def test_more_negative_evidence_never_raises_projected_trust(r, s, more, a):
    assert projected(from_evidence(r, s + more, a)) <= projected(from_evidence(r, s, a)) + 1e-15


@given(st.floats(0.0, 1e6), st.floats(0.0, 1e6), st.floats(0.0, 1.0))
def test_evidence_round_trips_through_an_opinion(r, s, a):
    back_r, back_s = to_evidence(from_evidence(r, s, a))
    assert back_r == pytest.approx(r, rel=1e-9, abs=1e-9)
    assert back_s == pytest.approx(s, rel=1e-9, abs=1e-9)


def test_a_dogmatic_opinion_stands_for_infinite_evidence():
    assert to_evidence(Opinion(1.0, 0.0, 0.0, 0.5)) == (np.inf, 0.0)


@given(st.floats(0.0, 1e6), st.floats(0.0, 1e6), st.floats(0.0, 1e6), st.floats(0.0, 1e6))
def test_cumulative_fusion_adds_the_evidence(r1, s1, r2, s2):
    # Jøsang 2016, §12.3: aleatory cumulative fusion is the sum of the evidence.
    fused = cumulative_fuse(from_evidence(r1, s1, 0.5), from_evidence(r2, s2, 0.5))
    assert close(fused, from_evidence(r1 + r2, s1 + s2, 0.5))


@given(st.floats(0.0, 1e6), st.floats(0.0, 1e6), st.floats(0.0, 1e6), st.floats(0.0, 1e6))
def test_averaging_fusion_averages_the_evidence(r1, s1, r2, s2):
    # Jøsang 2016, §12.4: averaging fusion is the mean of the evidence.
    fused = averaging_fuse(from_evidence(r1, s1, 0.5), from_evidence(r2, s2, 0.5))
    assert close(fused, from_evidence((r1 + r2) / 2, (s1 + s2) / 2, 0.5))


@given(opinions(), opinions())
def test_fusion_is_commutative(x, y):
    assert cumulative_fuse(x, y) == cumulative_fuse(y, x)
    assert averaging_fuse(x, y) == averaging_fuse(y, x)


@given(opinions(min_uncertainty=1e-3), opinions(min_uncertainty=1e-3), opinions(1e-3))
def test_cumulative_fusion_is_associative(x, y, z):
    # Holds for non-dogmatic opinions (u > 0); see docs/engine.md for the dogmatic limit.
    left = cumulative_fuse(cumulative_fuse(x, y), z)
    right = cumulative_fuse(x, cumulative_fuse(y, z))
    assert close(left, right, tol=1e-9)


@given(opinions())
def test_averaging_an_opinion_with_itself_changes_nothing(x):
    assert close(averaging_fuse(x, x), x, tol=1e-12)


@given(opinions(), opinions())
def test_fused_opinions_are_valid(x, y):
    for fused in (cumulative_fuse(x, y), averaging_fuse(x, y), discount(x, y)):
        total = fused.belief + fused.disbelief + fused.uncertainty
        assert total == pytest.approx(1.0, abs=1e-12)


def test_two_dogmatic_opinions_fuse_to_their_mean():
    # Jøsang 2016, §12.3 (eq. 12.15) and §12.4: the limit case u_A = u_B = 0, γ = 1/2 each.
    yes, no = Opinion(1.0, 0.0, 0.0, 0.2), Opinion(0.0, 1.0, 0.0, 0.8)
    assert cumulative_fuse(yes, no) == Opinion(0.5, 0.5, 0.0, 0.5)
    assert averaging_fuse(yes, no) == Opinion(0.5, 0.5, 0.0, 0.5)


def test_a_dogmatic_opinion_outweighs_any_finite_evidence():
    dogmatic = Opinion(1.0, 0.0, 0.0, 0.5)
    fused = cumulative_fuse(dogmatic, from_evidence(0, 1000, 0.5))
    assert close(fused, dogmatic)


@given(opinions())
def test_advice_from_a_fully_trusted_certain_advisor_is_taken_as_is(advice):
    assert close(discount(Opinion(1.0, 0.0, 0.0, 0.5), advice), advice, tol=1e-12)


@given(opinions())
def test_advice_from_a_fully_distrusted_advisor_is_ignored(advice):
    ignored = discount(Opinion(0.0, 1.0, 0.0, 0.5), advice)
    assert ignored == Opinion.vacuous(advice.base_rate)


def test_a_stranger_with_the_starter_kit_passes_on_half_the_advice():
    # Probability-sensitive discounting (Jøsang 2016, §14.3): P(vacuous, a=0.5) = 0.5.
    advice = Opinion(0.8, 0.1, 0.1, 0.5)
    assert close(discount(Opinion.vacuous(0.5), advice), Opinion(0.4, 0.05, 0.55, 0.5))


def test_operators_work_on_arrays_of_opinions():
    many = from_evidence(np.array([0.0, 7.0, 3.0]), np.array([0.0, 1.0, 3.0]), 0.5)
    assert isinstance(many, Opinions)
    np.testing.assert_allclose(projected(many), [0.5, 0.8, 0.5])
    fused = cumulative_fuse(many, many)
    np.testing.assert_allclose(
        fused.b,
        from_evidence(many_r := np.array([0.0, 14.0, 6.0]), np.array([0.0, 2.0, 6.0]), 0.5).b,
    )
    assert close(fused.opinion(1), from_evidence(float(many_r[1]), 2.0, 0.5))


def test_an_invalid_opinion_is_refused_naming_the_index():
    with pytest.raises(ValueError, match=r"index 1 sums to"):
        Opinions([0.5, 0.5], [0.5, 0.6], [0.0, 0.0], [0.5, 0.5])
    with pytest.raises(ValueError, match=r"base_rate must be in \[0, 1\]; index 2"):
        Opinions([0.0] * 3, [0.0] * 3, [1.0] * 3, [0.5, 0.5, 1.5])
    with pytest.raises(ValueError, match="belief"):
        Opinion(-0.1, 0.6, 0.5, 0.5)
    with pytest.raises(ValueError, match="negative evidence must be finite"):
        from_evidence(np.array([1.0, 2.0]), np.array([1.0, -2.0]), 0.5)
