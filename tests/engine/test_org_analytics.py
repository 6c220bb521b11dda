"""Organisation analytics: coaching readiness, survival curves, trickle-down of distrust."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from trustledger import engine


def test_coaching_readiness_needs_established_high_trust():
    labels = engine.coaching_readiness([0.9, 0.9, 0.3, 0.3, 0.6], [0.1, 0.8, 0.2, 0.9, 0.1])
    assert labels.tolist() == [
        engine.READY,  # high and established
        engine.BUILDING,  # high but little evidence: not the same as trust
        engine.NOT_YET,  # low on real evidence
        engine.BUILDING,  # low but little evidence
        engine.BUILDING,  # established but middling
    ]
    with pytest.raises(ValueError, match="low_below"):
        engine.coaching_readiness([0.5], [0.1], ready_from=0.4, low_below=0.6)


@given(
    st.lists(st.tuples(st.integers(0, 400), st.booleans()), min_size=2, max_size=80).filter(
        lambda rows: any(e for _, e in rows)
    )
)
def test_kaplan_meier_agrees_with_scipy_on_censored_data(rows):
    t = np.array([r[0] for r in rows], dtype=float)
    e = np.array([r[1] for r in rows])
    curve = engine.kaplan_meier(t, e)
    reference = stats.ecdf(stats.CensoredData.right_censored(t, ~e))
    np.testing.assert_allclose(curve.survival, reference.sf.evaluate(curve.time), atol=1e-12)
    with warnings.catch_warnings():  # scipy warns where the interval is undefined (S = 0, 1)
        warnings.simplefilter("ignore", RuntimeWarning)
        interval = reference.sf.confidence_interval(method="log-log")
    defined = (curve.survival > 0) & (curve.survival < 1)
    np.testing.assert_allclose(
        curve.low[defined], interval.low.evaluate(curve.time)[defined], atol=1e-9
    )
    np.testing.assert_allclose(
        curve.high[defined], interval.high.evaluate(curve.time)[defined], atol=1e-9
    )
    assert np.all(np.diff(curve.survival) <= 0)


def test_a_worked_kaplan_meier_example():
    # Six people: left at 3, 5, 5; still here at 4, 6, 8 (censored).
    curve = engine.kaplan_meier([3, 4, 5, 5, 6, 8], [1, 0, 1, 1, 0, 0])
    assert curve.time.tolist() == [3.0, 5.0]
    assert curve.at_risk.tolist() == [6, 4]
    assert curve.survival.tolist() == pytest.approx([5 / 6, 5 / 6 * 2 / 4])
    assert engine.survival_at(curve, 2) == 1.0
    assert engine.survival_at(curve, 5.5) == pytest.approx(5 / 12)
    assert curve.median() == 5.0
    with pytest.raises(ValueError, match="non-negative"):
        engine.kaplan_meier([-1.0], [True])


def test_logrank_agrees_with_scipy_for_two_groups():
    rng = np.random.default_rng(3)
    t = np.concatenate([rng.exponential(200, 60), rng.exponential(400, 60)]).round()
    e = rng.random(120) < 0.8
    g = np.repeat([0, 1], 60)
    chi2, p = engine.logrank(t, e, g)
    reference = stats.logrank(
        stats.CensoredData.right_censored(t[g == 0], ~e[g == 0]),
        stats.CensoredData.right_censored(t[g == 1], ~e[g == 1]),
    )
    assert chi2 == pytest.approx(reference.statistic**2, rel=1e-9)
    assert p == pytest.approx(reference.pvalue, rel=1e-9)


def _tree(levels: int, fan: int) -> np.ndarray:
    parent = [-1]
    frontier = [0]
    for _ in range(levels):
        nxt = []
        for manager in frontier:
            for _ in range(fan):
                parent.append(manager)
                nxt.append(len(parent) - 1)
        frontier = nxt
    return np.array(parent)


def test_trickle_down_flags_the_subtree_where_distrust_starts_at_the_top():
    parent = _tree(3, 4)  # 1 + 4 + 16 + 64 people; managers are the first 21
    n = parent.size
    trust = np.full(n, np.nan)
    managers = np.unique(parent[parent >= 0])
    trust[managers] = 0.8
    vp = 1  # one VP's subtree: the VP and every manager below them distrusted
    below_vp = [i for i in managers if i == vp or parent[i] == vp]
    trust[below_vp] = 0.3
    trust[10] = 0.3  # one distrusted manager under another VP: noise, not a trickle

    result = engine.trickle_down(parent, trust)

    assert np.flatnonzero(result.starts_here).tolist() == [vp]
    assert result.below_distrusted[vp] == 4
    assert result.below_managers[vp] == 4
    assert result.base_rate == pytest.approx(6 / 21)
    assert not result.starts_here[10]  # nothing below it


def test_trickle_down_refuses_a_cycle():
    with pytest.raises(ValueError, match="cycle"):
        engine.trickle_down([1, 0], [0.2, 0.2])
