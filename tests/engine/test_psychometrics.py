"""Survey psychometrics: reliability against pingouin, scores, gaps, trends and drivers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pingouin
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from trustledger.engine import (
    BLIND_SPOT,
    HIDDEN_STRENGTH,
    cronbach_alpha,
    cronbach_alpha_by_dimension,
    dimension_scores,
    driver_analysis,
    group_results,
    relative_weights,
    reverse_key,
    self_other_gaps,
    wave_difference,
    wave_difference_from_summaries,
)


def likert(rng: np.random.Generator, n: int, k: int, missing: float = 0.0) -> np.ndarray:
    """Correlated 7-point answers: a latent trait plus item noise, some left blank."""
    trait = rng.normal(size=(n, 1))
    raw = np.clip(np.rint(4 + 1.3 * trait + rng.normal(size=(n, k))), 1, 7)
    raw[rng.random((n, k)) < missing] = np.nan
    return raw


@pytest.mark.parametrize(
    ("n", "k", "missing", "seed"),
    [(8, 2, 0.0, 1), (30, 4, 0.0, 2), (200, 6, 0.05, 3), (1000, 4, 0.1, 4)],
)
def test_cronbach_alpha_agrees_with_pingouin(n, k, missing, seed):
    data = likert(np.random.default_rng(seed), n, k, missing)
    expected, _ = pingouin.cronbach_alpha(pd.DataFrame(data), nan_policy="listwise")
    assert cronbach_alpha(data) == pytest.approx(expected, abs=1e-9)


@given(st.integers(0, 10_000), st.integers(3, 60), st.integers(2, 8))
def test_cronbach_alpha_agrees_with_pingouin_on_any_data(seed, n, k):
    data = np.random.default_rng(seed).integers(1, 8, size=(n, k)).astype(float)
    frame = pd.DataFrame(data)
    if frame.sum(axis=1).var() == 0:
        return
    expected, _ = pingouin.cronbach_alpha(frame, nan_policy="listwise")
    assert cronbach_alpha(data) == pytest.approx(expected, abs=1e-9)


def test_cronbach_alpha_drops_incomplete_respondents_listwise():
    data = likert(np.random.default_rng(5), 50, 4)
    with_gaps = np.vstack([data, [[7, np.nan, 1, 7], [np.nan, 1, 1, 1]]])
    assert cronbach_alpha(with_gaps) == pytest.approx(cronbach_alpha(data), abs=1e-12)


def test_cronbach_alpha_is_undefined_for_one_item_or_one_person():
    assert np.isnan(cronbach_alpha([[1.0], [2.0], [3.0]]))
    assert np.isnan(cronbach_alpha([[1.0, 2.0, 3.0]]))
    assert np.isnan(cronbach_alpha([[4.0, 4.0], [4.0, 4.0]]))


def test_alpha_per_dimension_uses_each_dimensions_items():
    rng = np.random.default_rng(6)
    data = np.hstack([likert(rng, 80, 4), likert(rng, 80, 3)])
    dims = [0, 0, 0, 0, 1, 1, 1, 2]
    data = np.hstack([data, np.ones((80, 1))])
    alphas = cronbach_alpha_by_dimension(data, dims, 3)
    assert alphas[0] == pytest.approx(cronbach_alpha(data[:, :4]))
    assert alphas[1] == pytest.approx(cronbach_alpha(data[:, 4:7]))
    assert np.isnan(alphas[2])


def test_reverse_keyed_items_are_turned_round_and_blanks_stay_blank():
    turned = reverse_key([[1, 7, np.nan], [2, 4, 3]], [False, True, True], 7)
    assert np.array_equal(turned, [[1, 1, np.nan], [2, 4, 5]], equal_nan=True)
    with pytest.raises(ValueError, match="one flag per item"):
        reverse_key([[1, 2]], [True], 7)


def test_team_results_worked_example():
    # Two teams, three items; items 0-1 are dimension 0, item 2 dimension 1. Bands 1-3/4/5-7.
    scores = np.array([[7, 6, 1], [5, 4, np.nan], [2, 3, 4], [np.nan, np.nan, np.nan]])
    teams = np.array([0, 0, 1, 1])
    r = group_results(scores, teams, 2, [0, 0, 1], 2, 7, favourable_from=5, unfavourable_to=3)
    assert r.respondents.tolist() == [2, 1]  # the blank response is not a respondent
    assert r.item_mean[0].tolist() == [6.0, 5.0, 1.0]
    assert r.item_favourable[0].tolist() == [1.0, 0.5, 0.0]
    assert r.item_neutral[0].tolist() == [0.0, 0.5, 0.0]
    assert r.dimension_mean[0].tolist() == [5.5, 1.0]
    assert r.dimension_favourable[0].tolist() == [0.75, 0.0]
    assert r.dimension_unfavourable[1].tolist() == [1.0, 0.0]
    assert r.dimension_neutral[1].tolist() == [0.0, 1.0]
    assert r.item_distribution[0, 0].tolist() == [0, 0, 0, 0, 1, 0, 1]


@given(st.integers(0, 10_000))
def test_group_results_equal_a_per_team_loop(seed):
    rng = np.random.default_rng(seed)
    scores = likert(rng, 60, 5, missing=0.1)
    teams = rng.integers(0, 7, 60)
    dims = np.array([0, 0, 1, 1, 1])
    r = group_results(scores, teams, 7, dims, 2, 7, 5, 3)
    for t in range(7):
        block = scores[teams == t]
        answered = block[~np.isnan(block)] if block.size else block
        if np.isnan(block).all():
            assert np.isnan(r.dimension_mean[t]).all()
            continue
        counts = (~np.isnan(block)).sum(axis=0)
        with np.errstate(invalid="ignore"):
            means = np.where(np.isnan(block), 0, block).sum(axis=0) / counts
        assert np.allclose(r.item_mean[t], means, equal_nan=True)
        dim1 = block[:, 2:]
        if np.isnan(dim1).all():
            continue
        assert r.dimension_mean[t, 1] == pytest.approx(np.nanmean(dim1))
        assert r.dimension_favourable[t, 1] == pytest.approx(np.mean(dim1[~np.isnan(dim1)] >= 5))
        assert answered.size == r.item_answers[t].sum()


def test_dimension_scores_average_the_items_each_person_answered():
    got = dimension_scores([[7, 5, 1], [np.nan, 3, np.nan]], [0, 0, 1], 2)
    assert np.array_equal(got, [[6.0, 1.0], [3.0, np.nan]], equal_nan=True)


def test_a_leader_who_rates_themselves_higher_than_their_reports_sees_a_blind_spot():
    gaps = self_other_gaps(
        [6.5, 5.0, 4.0, 6.0], [[5.0, 5.2, 5.5, np.nan], [6.0, 4.0, 4.0, 5.9]], 1.0
    )
    assert gaps.classification.tolist() == [
        [BLIND_SPOT, "aligned", HIDDEN_STRENGTH, "no_data"],
        ["aligned", BLIND_SPOT, "aligned", "aligned"],
    ]
    assert gaps.gap[0, 0] == pytest.approx(1.5)
    with pytest.raises(ValueError, match="positive"):
        self_other_gaps([1.0], [[1.0]], 0)


def test_trend_between_waves_matches_scipys_welch_interval():
    rng = np.random.default_rng(7)
    a, b = rng.normal(4.5, 1.0, 40), rng.normal(5.0, 1.4, 55)
    got = wave_difference(a, b, 0.95)
    expected = stats.ttest_ind(b, a, equal_var=False).confidence_interval(0.95)
    assert float(got.low) == pytest.approx(expected.low, abs=1e-9)
    assert float(got.high) == pytest.approx(expected.high, abs=1e-9)
    assert float(got.difference) == pytest.approx(b.mean() - a.mean())


def test_trend_from_stored_aggregates_works_for_every_team_at_once():
    got = wave_difference_from_summaries(
        [4.0, 5.0, 3.0], [1.0, 0.0, 1.0], [10, 8, 1], [4.5, 5.0, 3.0], [1.2, 0.0, 1.0], [12, 8, 9]
    )
    assert got.low[0] < 0.5 < got.high[0]
    assert got.low[1] == got.high[1] == 0.0  # no spread in either wave: no uncertainty
    assert np.isnan(got.difference[2])  # one answer in the first wave: no trend


def test_relative_weights_sum_to_r_squared_and_equal_squared_correlations_when_uncorrelated():
    rng = np.random.default_rng(8)
    x = rng.normal(size=(500, 3))
    y = x @ [0.8, 0.3, 0.0] + rng.normal(size=500)
    w = relative_weights(x, y)
    design = np.column_stack([np.ones(500), x])
    residual = y - design @ np.linalg.lstsq(design, y, rcond=None)[0]
    r2 = 1 - residual.var() / y.var()
    assert w.sum() == pytest.approx(r2, abs=1e-9)
    orthogonal = np.linalg.qr(x - x.mean(axis=0))[0] * 10
    w_orth = relative_weights(orthogonal, y)
    r = [np.corrcoef(orthogonal[:, j], y)[0, 1] ** 2 for j in range(3)]
    assert np.allclose(w_orth, r, atol=1e-9)


def test_driver_analysis_finds_the_dimension_that_moves_trust_with_an_interval():
    rng = np.random.default_rng(9)
    common = rng.normal(size=(400, 1))
    dims = common + 0.7 * rng.normal(size=(400, 4))  # correlated, like ABCD dimensions
    trust = 1.0 * dims[:, 3] + 0.2 * dims[:, 0] + rng.normal(size=400)
    drivers = driver_analysis(dims, trust, np.random.default_rng(1), n_bootstrap=300)
    assert int(np.argmax(drivers.weight)) == 3
    assert np.all(drivers.low <= drivers.weight)
    assert np.all(drivers.weight <= drivers.high)
    assert drivers.low[3] > drivers.high[1]
    assert drivers.share.sum() == pytest.approx(1.0)
    again = driver_analysis(dims, trust, np.random.default_rng(1), n_bootstrap=300)
    assert np.array_equal(again.low, drivers.low)


def test_driver_analysis_with_too_few_respondents_is_undefined_not_an_error():
    drivers = driver_analysis([[1.0, 2.0], [2.0, 1.0]], [1.0, 2.0], np.random.default_rng(0), 20)
    assert np.isnan(drivers.weight).all()
    assert np.isnan(drivers.low).all()
