"""Survey psychometrics: reliability, scores, band shares, gaps, trends and drivers.

Pure numpy/scipy, arrays in and arrays out. A response matrix is ``(respondents, items)`` of
floats on the instrument's scale (1 … points) with ``nan`` for an unanswered item.
Reverse-keyed items are turned round with :func:`reverse_key` before anything else.
See docs/assessments.md §2 for the formulas and their sources.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import stats

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: Gap classifications of :func:`self_other_gaps`.
BLIND_SPOT = "blind_spot"
HIDDEN_STRENGTH = "hidden_strength"
ALIGNED = "aligned"
NO_DATA = "no_data"


def reverse_key(scores: npt.ArrayLike, reverse: npt.ArrayLike, points: int) -> FloatArray:
    """Turn reverse-keyed items round (x → points + 1 − x) so that high always means good.

    ``scores`` is ``(respondents, items)``; ``reverse`` a boolean per item. Missing stays
    missing. A negatively worded item ("I hold back bad news") must be reversed before it
    is averaged with positively worded ones (Spector, *Summated Rating Scale
    Construction*, 1992, ch. 3).
    """
    matrix = np.array(scores, dtype=np.float64, ndmin=2)
    flip = np.asarray(reverse, dtype=bool)
    if flip.shape != (matrix.shape[1],):
        raise ValueError("reverse must have one flag per item (column)")
    matrix[:, flip] = (points + 1) - matrix[:, flip]
    return matrix


def cronbach_alpha(scores: npt.ArrayLike) -> float:
    """Cronbach's alpha of a ``(respondents, items)`` matrix: how consistently the items
    measure one thing.

    alpha = k / (k − 1) · (1 − Σ var(item) / var(total)), with sample variances
    (ddof = 1) (Cronbach, "Coefficient alpha and the internal structure of tests",
    *Psychometrika* 16, 1951, eq. 2). Respondents with any missing item are dropped
    (listwise deletion, as R's ``psych::alpha(use="complete.obs")`` and pingouin's
    ``nan_policy="listwise"``): alpha is then computed on one consistent set of people.
    Returns ``nan`` with fewer than 2 items, fewer than 2 complete respondents, or a
    constant total.
    """
    matrix = np.asarray(scores, dtype=np.float64)
    if matrix.ndim != 2:
        raise ValueError("scores must be a (respondents, items) matrix")
    complete = matrix[~np.isnan(matrix).any(axis=1)]
    n_respondents, n_items = (int(n) for n in complete.shape)
    if n_items < 2 or n_respondents < 2:
        return float("nan")
    total_variance = float(complete.sum(axis=1).var(ddof=1))
    if total_variance == 0.0:
        return float("nan")
    item_variance = float(complete.var(axis=0, ddof=1).sum())
    return n_items / (n_items - 1) * (1.0 - item_variance / total_variance)


def cronbach_alpha_by_dimension(
    scores: npt.ArrayLike, item_dimension: npt.ArrayLike, n_dimensions: int
) -> FloatArray:
    """Cronbach's alpha of each dimension's items (``nan`` for a dimension with < 2 items).

    ``item_dimension`` gives each column's dimension index (0 … n_dimensions − 1).
    Listwise deletion is per dimension: a respondent who skipped an Able item still counts
    for Believable.
    """
    matrix = np.asarray(scores, dtype=np.float64)
    dims = np.asarray(item_dimension, dtype=np.int64)
    return np.array(
        [cronbach_alpha(matrix[:, dims == d]) for d in range(n_dimensions)], dtype=np.float64
    )


@dataclass(frozen=True)
class GroupResults:
    """Per-group aggregates of a response matrix, every array indexed by group first.

    ``respondents[g]`` counts people with at least one answer in group g (what anonymity
    thresholds are checked against). ``item_*`` are ``(groups, items)``; ``dimension_*``
    are ``(groups, dimensions)`` and pool every answer to the dimension's items. Means and
    shares are ``nan`` where a group has no answer.
    """

    respondents: IntArray
    item_answers: IntArray
    item_mean: FloatArray
    item_favourable: FloatArray
    item_neutral: FloatArray
    item_unfavourable: FloatArray
    dimension_answers: IntArray
    dimension_mean: FloatArray
    dimension_favourable: FloatArray
    dimension_neutral: FloatArray
    dimension_unfavourable: FloatArray
    item_distribution: IntArray
    """``(groups, items, points)``: how many answered each scale point."""


def group_results(
    scores: npt.ArrayLike,
    group: npt.ArrayLike,
    n_groups: int,
    item_dimension: npt.ArrayLike,
    n_dimensions: int,
    points: int,
    favourable_from: int,
    unfavourable_to: int,
) -> GroupResults:
    """Means, favourable/neutral/unfavourable shares and distributions for every group at
    once (a group is a team, a rater group, a wave — whatever ``group`` indexes).

    Answers at or above ``favourable_from`` are favourable, at or below ``unfavourable_to``
    unfavourable, the rest neutral (the "percent favourable" convention of employee
    surveys; Macey & Schneider, *Industrial and Organizational Psychology* 1, 2008).
    Dimension figures pool all answers to the dimension's items, so a dimension mean is
    the answer-weighted mean of its item means. One ``np.bincount`` pass per item: linear in
    the number of answers, no Python loop over groups.
    """
    # Column-major: each item's answers contiguous for the per-item passes below.
    matrix = np.asfortranarray(scores, dtype=np.float64)
    groups = np.asarray(group, dtype=np.int64)
    dims = np.asarray(item_dimension, dtype=np.int64)
    n_items = matrix.shape[1]
    answered = ~np.isnan(matrix)
    size = n_groups
    item_answers = np.empty((size, n_items), dtype=np.int64)
    item_sum = np.empty((size, n_items))
    fav = np.empty((size, n_items))
    unfav = np.empty((size, n_items))
    distribution = np.zeros((size, n_items, points), dtype=np.int64)
    for j in range(n_items):
        mask = answered[:, j]
        g = groups[mask]
        values = matrix[mask, j]
        item_answers[:, j] = np.bincount(g, minlength=size)
        item_sum[:, j] = np.bincount(g, weights=values, minlength=size)
        fav[:, j] = np.bincount(g, weights=values >= favourable_from, minlength=size)
        unfav[:, j] = np.bincount(g, weights=values <= unfavourable_to, minlength=size)
        point = np.clip(values.astype(np.int64), 1, points) - 1
        distribution[:, j, :] = np.bincount(g * points + point, minlength=size * points).reshape(
            size, points
        )
    respondents = np.bincount(groups[answered.any(axis=1)], minlength=size).astype(np.int64)
    onehot = np.zeros((n_items, n_dimensions))
    onehot[np.arange(n_items), dims] = 1.0
    dim_answers = (item_answers @ onehot).astype(np.int64)
    with np.errstate(invalid="ignore", divide="ignore"):
        neutral = item_answers - fav - unfav
        dim_fav, dim_unfav = fav @ onehot, unfav @ onehot
        return GroupResults(
            respondents=respondents,
            item_answers=item_answers,
            item_mean=item_sum / item_answers,
            item_favourable=fav / item_answers,
            item_neutral=neutral / item_answers,
            item_unfavourable=unfav / item_answers,
            dimension_answers=dim_answers,
            dimension_mean=(item_sum @ onehot) / dim_answers,
            dimension_favourable=dim_fav / dim_answers,
            dimension_neutral=(dim_answers - dim_fav - dim_unfav) / dim_answers,
            dimension_unfavourable=dim_unfav / dim_answers,
            item_distribution=distribution,
        )


def dimension_scores(
    scores: npt.ArrayLike, item_dimension: npt.ArrayLike, n_dimensions: int
) -> FloatArray:
    """Each respondent's score per dimension: the mean of the items they answered in it.

    ``(respondents, dimensions)``, ``nan`` where a respondent answered none of a dimension's
    items (person-mean scoring over available items; Schafer & Graham, *Psychological
    Methods* 7, 2002, call it "available-case" scoring — acceptable when few are missing).
    """
    matrix = np.asarray(scores, dtype=np.float64)
    dims = np.asarray(item_dimension, dtype=np.int64)
    onehot = np.zeros((matrix.shape[1], n_dimensions))
    onehot[np.arange(matrix.shape[1]), dims] = 1.0
    answered = ~np.isnan(matrix)
    with np.errstate(invalid="ignore", divide="ignore"):
        result: FloatArray = (np.where(answered, matrix, 0.0) @ onehot) / (answered @ onehot)
    return result


@dataclass(frozen=True)
class Gaps:
    """Self-minus-others gaps, ``(rater_groups, dimensions)``, and their classification."""

    gap: FloatArray
    classification: npt.NDArray[np.str_]


def self_other_gaps(self_score: npt.ArrayLike, others_score: npt.ArrayLike, margin: float) -> Gaps:
    """Compare a self rating with each rater group's mean, dimension by dimension.

    ``self_score`` is ``(dimensions,)``, ``others_score`` ``(rater_groups, dimensions)``
    (``nan`` where a group is hidden or empty). gap = self − others. A gap ≥ ``margin`` is a
    *blind spot* (I rate myself higher than they do), ≤ −``margin`` a *hidden strength*
    (they rate me higher); the Johari-window reading used in multi-source feedback
    (Fleenor, Smither, Atwater, Braddy & Sturm, "Self–other rating agreement in leadership",
    *The Leadership Quarterly* 21, 2010).
    """
    if margin <= 0:
        raise ValueError("margin must be positive")
    own = np.asarray(self_score, dtype=np.float64)
    others = np.array(others_score, dtype=np.float64, ndmin=2)
    gap = own[np.newaxis, :] - others
    labels = np.full(gap.shape, ALIGNED, dtype="<U16")
    labels[gap >= margin] = BLIND_SPOT
    labels[gap <= -margin] = HIDDEN_STRENGTH
    labels[np.isnan(gap)] = NO_DATA
    return Gaps(gap=gap, classification=labels)


@dataclass(frozen=True)
class WaveDifference:
    """later − earlier mean with a Welch confidence interval, elementwise."""

    difference: FloatArray
    low: FloatArray
    high: FloatArray
    degrees_of_freedom: FloatArray


def wave_difference_from_summaries(
    mean_earlier: npt.ArrayLike,
    variance_earlier: npt.ArrayLike,
    n_earlier: npt.ArrayLike,
    mean_later: npt.ArrayLike,
    variance_later: npt.ArrayLike,
    n_later: npt.ArrayLike,
    confidence: float = 0.95,
) -> WaveDifference:
    """Change between two waves from stored aggregates (mean, sample variance, count).

    Anonymous waves cannot be paired person by person, so the two waves are treated as
    independent samples: Welch's interval with the Welch–Satterthwaite degrees of freedom
    (Welch, "The generalization of 'Student's' problem", *Biometrika* 34, 1947). Works on
    arrays (every team and dimension at once); ``nan`` where either wave has < 2 answers.
    """
    m1, v1, n1 = (
        np.asarray(a, dtype=np.float64) for a in (mean_earlier, variance_earlier, n_earlier)
    )
    m2, v2, n2 = (np.asarray(a, dtype=np.float64) for a in (mean_later, variance_later, n_later))
    with np.errstate(invalid="ignore", divide="ignore"):
        valid = (n1 >= 2) & (n2 >= 2)
        s1, s2 = v1 / n1, v2 / n2
        se = np.sqrt(s1 + s2)
        df = (s1 + s2) ** 2 / (s1**2 / (n1 - 1) + s2**2 / (n2 - 1))
        # Both variances zero: no sampling error, the interval collapses on the difference.
        df = np.where(se == 0, np.inf, df)
        t = stats.t.ppf(0.5 + confidence / 2, np.where(valid, df, 1.0))
        diff = np.where(valid, m2 - m1, np.nan)
        half = np.where(valid, t * se, np.nan)
    return WaveDifference(
        difference=np.asarray(diff, dtype=np.float64),
        low=np.asarray(diff - half, dtype=np.float64),
        high=np.asarray(diff + half, dtype=np.float64),
        degrees_of_freedom=np.asarray(np.where(valid, df, np.nan), dtype=np.float64),
    )


def wave_difference(
    earlier: npt.ArrayLike, later: npt.ArrayLike, confidence: float = 0.95
) -> WaveDifference:
    """Change in mean between two waves of scores (missing values dropped), Welch interval."""
    a = np.asarray(earlier, dtype=np.float64)
    b = np.asarray(later, dtype=np.float64)
    a, b = a[~np.isnan(a)], b[~np.isnan(b)]
    return wave_difference_from_summaries(
        a.mean() if a.size else np.nan,
        a.var(ddof=1) if a.size > 1 else np.nan,
        a.size,
        b.mean() if b.size else np.nan,
        b.var(ddof=1) if b.size > 1 else np.nan,
        b.size,
        confidence,
    )


@dataclass(frozen=True)
class Drivers:
    """Relative weights of each dimension on an outcome, with bootstrap intervals.

    ``weight`` sums to ``r_squared``; ``share`` is weight / r_squared (what fraction of the
    explained variance each dimension carries). ``low``/``high`` bound ``weight``.
    """

    weight: FloatArray
    share: FloatArray
    low: FloatArray
    high: FloatArray
    r_squared: float
    respondents: int


def relative_weights(predictors: npt.ArrayLike, outcome: npt.ArrayLike) -> FloatArray:
    """Johnson's relative weights: each predictor's share of R², robust to correlated
    predictors (the ABCD dimensions correlate strongly, so raw betas mislead).

    Orthogonalise the standardised predictors (Λ = R_xx^{1/2} by eigendecomposition),
    regress the outcome on the orthogonal set (β = Λ⁻¹ r_xy), and apportion back:
    ε_j = Σ_k Λ_jk² β_k² (Johnson, "A heuristic method for estimating the relative weight
    of predictor variables in multiple regression", *Multivariate Behavioral Research*
    35, 2000, eqs. 1–6). Σ ε_j = R² of the ordinary least-squares fit. Rows with any
    missing value are dropped.
    """
    x = np.asarray(predictors, dtype=np.float64)
    y = np.asarray(outcome, dtype=np.float64)
    keep = ~(np.isnan(x).any(axis=1) | np.isnan(y))
    return _relative_weights(x[keep], y[keep])


def _relative_weights(x: FloatArray, y: FloatArray) -> FloatArray:
    n_predictors = x.shape[1]
    if x.shape[0] <= n_predictors + 1:
        return np.full(n_predictors, np.nan)
    sx, sy = x.std(axis=0, ddof=1), y.std(ddof=1)
    if sy == 0 or np.any(sx == 0):
        return np.full(n_predictors, np.nan)
    zx = (x - x.mean(axis=0)) / sx
    zy = (y - y.mean()) / sy
    n = x.shape[0] - 1
    rxx = zx.T @ zx / n
    rxy = zx.T @ zy / n
    eigenvalues, vectors = np.linalg.eigh(rxx)
    if eigenvalues.min() <= 1e-12 * eigenvalues.max():
        return np.full(n_predictors, np.nan)  # a dimension is a linear copy of the others
    lam = vectors @ np.diag(np.sqrt(eigenvalues)) @ vectors.T
    beta = np.linalg.solve(lam, rxy)
    weights: FloatArray = (lam**2) @ (beta**2)
    return weights


def driver_analysis(
    dimension_score: npt.ArrayLike,
    outcome: npt.ArrayLike,
    rng: np.random.Generator,
    n_bootstrap: int = 1000,
    confidence: float = 0.95,
) -> Drivers:
    """Which dimension moves the overall (trust) item most: relative weights of the
    respondents' dimension scores on their outcome answer, with percentile bootstrap
    intervals (Efron & Tibshirani, *An Introduction to the Bootstrap*, 1993, ch. 13;
    Tonidandel, LeBreton & Johnson, *Psychological Methods* 14, 2009, bootstrap the
    relative weights the same way). Respondents are resampled with replacement with
    ``rng``; resamples whose correlation matrix is singular are skipped.
    """
    x = np.asarray(dimension_score, dtype=np.float64)
    y = np.asarray(outcome, dtype=np.float64)
    keep = ~(np.isnan(x).any(axis=1) | np.isnan(y))
    x, y = x[keep], y[keep]
    weights = _relative_weights(x, y)
    r_squared = float(weights.sum())
    samples = np.empty((n_bootstrap, x.shape[1]))
    if x.shape[0] > 0:
        indices = rng.integers(0, x.shape[0], size=(n_bootstrap, x.shape[0]))
        for b in range(n_bootstrap):
            samples[b] = _relative_weights(x[indices[b]], y[indices[b]])
    else:
        samples[:] = np.nan
    tail = (1 - confidence) / 2 * 100
    with np.errstate(invalid="ignore", divide="ignore"):
        ok = samples[~np.isnan(samples).any(axis=1)]
        if ok.shape[0] == 0:
            low = high = np.full(x.shape[1], np.nan)
        else:
            low, high = np.percentile(ok, [tail, 100 - tail], axis=0)
        share = weights / r_squared
    return Drivers(
        weight=weights,
        share=np.asarray(share, dtype=np.float64),
        low=np.asarray(low, dtype=np.float64),
        high=np.asarray(high, dtype=np.float64),
        r_squared=r_squared,
        respondents=int(x.shape[0]),
    )
