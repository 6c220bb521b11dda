"""Relationship trust for every directed pair at once, and its O(1) incremental twin.

Evidence rows carry their relationship's id (``rel``), a dimension (index into
:data:`~trustledger.engine.DIMENSIONS`), positive and negative amounts (already weighted by the
evidence model), a time in days and a ``severe`` flag.

As of time t, one row's contribution to its relationship's decayed sums is

    positive_i · 2^(-(t - time_i)/h) · (1 - w)^K_i        negative_i · 2^(-(t - time_i)/h)

where h is the half-life, w the wipe share and K_i the number of severe rows of the same
relationship with time_i < time ≤ t (a severe breach wipes the share w of the positive
evidence accumulated *before* it, in every dimension; evidence recorded at the same instant
is not wiped). Rows after t are excluded.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import ArrayLike, NDArray

from trustledger.engine._evidence_model import DIMENSIONS
from trustledger.engine._opinions import DEFAULT_PRIOR_WEIGHT, Opinions, from_evidence

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
N_DIMENSIONS = len(DIMENSIONS)


@dataclass(frozen=True, slots=True)
class RelationshipEvidence:
    """Decayed evidence sums as of ``as_of``: arrays of shape (n_relationships, 4)."""

    positive: FloatArray
    negative: FloatArray
    as_of: float


@dataclass(frozen=True, slots=True)
class RelationshipOpinions:
    """Opinions per relationship: ``by_dimension`` shape (n, 4), ``overall`` shape (n,)."""

    by_dimension: Opinions
    overall: Opinions


@dataclass(frozen=True, slots=True)
class _Rows:
    rel: IntArray
    dimension: NDArray[np.int_]
    positive: FloatArray
    negative: FloatArray
    time: FloatArray
    severe: NDArray[np.bool_]


def _check_parameters(half_life_days: float, wipe_share: float) -> None:
    if not half_life_days > 0 or not math.isfinite(half_life_days):
        raise ValueError(f"half_life_days must be finite and > 0, got {half_life_days!r}")
    if not 0.0 <= wipe_share <= 1.0:
        raise ValueError(f"wipe_share must be in [0, 1], got {wipe_share!r}")


def _first_index(bad: NDArray[np.bool_]) -> int:
    return int(np.flatnonzero(bad)[0])


def _rows(
    rel: ArrayLike,
    dimension: ArrayLike,
    positive: ArrayLike,
    negative: ArrayLike,
    time: ArrayLike,
    severe: ArrayLike,
    n_relationships: int | None,
) -> tuple[_Rows, int]:
    rows = _Rows(
        rel=np.asarray(rel, dtype=np.int64),
        dimension=np.asarray(dimension),
        positive=np.asarray(positive, dtype=np.float64),
        negative=np.asarray(negative, dtype=np.float64),
        time=np.asarray(time, dtype=np.float64),
        severe=np.asarray(severe, dtype=np.bool_),
    )
    n = rows.rel.shape
    for name in ("dimension", "positive", "negative", "time", "severe"):
        if getattr(rows, name).shape != n or len(n) != 1:
            raise ValueError(f"{name} must be a 1-d array of the same length as rel {n}")
    if not np.issubdtype(rows.dimension.dtype, np.integer):
        raise ValueError("dimension must be an integer array")
    size = rows.rel.size
    if size == 0:
        return rows, n_relationships or 0
    if n_relationships is None:
        n_relationships = int(rows.rel.max()) + 1
    if rows.rel.min() < 0 or rows.rel.max() >= n_relationships:
        bad = (rows.rel < 0) | (rows.rel >= n_relationships)
        raise ValueError(f"rel must be in [0, {n_relationships}); row {_first_index(bad)} is not")
    if rows.dimension.min() < 0 or rows.dimension.max() >= N_DIMENSIONS:
        bad = (rows.dimension < 0) | (rows.dimension >= N_DIMENSIONS)
        raise ValueError(
            f"dimension must be in 0..{N_DIMENSIONS - 1}; row {_first_index(bad)} is not"
        )
    for name, values in (("positive", rows.positive), ("negative", rows.negative)):
        if not (values.min() >= 0.0 and values.max() < np.inf):
            bad = ~((values >= 0.0) & (values < np.inf))
            raise ValueError(f"{name} must be finite and >= 0; row {_first_index(bad)} is not")
    if not (np.isfinite(rows.time.min()) and np.isfinite(rows.time.max())):
        raise ValueError(f"time must be finite; row {_first_index(~np.isfinite(rows.time))} is not")
    return rows, n_relationships


def _row_weights(
    rows: _Rows, as_of: float, half_life_days: float, wipe_share: float, n_relationships: int
) -> tuple[FloatArray, FloatArray]:
    """Per-row multipliers (positive, negative): decay × wipe for positive, decay for negative."""
    decay = rows.time - as_of  # minus the age, in days
    future = decay > 0.0
    any_future = bool(future.any())
    if any_future:
        decay[future] = 0.0
    decay *= 1.0 / half_life_days
    np.exp2(decay, out=decay)
    if any_future:
        decay[future] = 0.0
    positive_weight = decay
    if wipe_share > 0.0:
        live_severe = rows.severe & ~future if any_future else rows.severe
        if live_severe.any():
            positive_weight = decay * _wipe_factors(rows, live_severe, wipe_share, n_relationships)
    return positive_weight, decay


def _wipe_factors(
    rows: _Rows, live_severe: NDArray[np.bool_], wipe_share: float, n_relationships: int
) -> FloatArray:
    """(1 - w)^K_i per row; only rows of relationships with a severe row are sorted.

    Severe breaches are rare, so this stays O(E) plus O(E_s log E_s) on the few rows E_s
    of the affected relationships.
    """
    affected_rel = np.zeros(n_relationships, dtype=np.bool_)
    affected_rel[rows.rel[live_severe]] = True
    idx = np.flatnonzero(affected_rel[rows.rel])
    rel = rows.rel[idx]
    time = rows.time[idx]
    severe = live_severe[idx]
    # Sort by (rel, time); among equal (rel, time) order does not matter (see below).
    order = np.lexsort((time, rel))
    rel, time, severe, idx = rel[order], time[order], severe[order], idx[order]
    count = np.cumsum(severe, dtype=np.int64)  # severe rows up to and including position
    # Severe rows with time <= t_i in the same relationship = count at the end of t_i's tie block
    # minus count before the relationship's first row.
    last_of_block = np.ones(rel.size, dtype=np.bool_)
    last_of_block[:-1] = (rel[1:] != rel[:-1]) | (time[1:] != time[:-1])
    block_end = np.flatnonzero(last_of_block)
    block_of = np.cumsum(np.r_[True, last_of_block[:-1]]) - 1
    upto_block = count[block_end][block_of]
    first_of_rel = np.r_[True, rel[1:] != rel[:-1]]
    rel_start = np.flatnonzero(first_of_rel)
    rel_of = np.cumsum(first_of_rel) - 1
    before_rel = (count - severe)[rel_start][rel_of]
    rel_end = np.r_[rel_start[1:], rel.size] - 1
    total_in_rel = count[rel_end][rel_of] - before_rel
    later = total_in_rel - (upto_block - before_rel)  # severe rows strictly after t_i
    factors = np.ones(rows.rel.size, dtype=np.float64)
    factors[idx] = np.power(1.0 - wipe_share, later.astype(np.float64))
    return factors


def relationship_evidence(
    rel: ArrayLike,
    dimension: ArrayLike,
    positive: ArrayLike,
    negative: ArrayLike,
    time: ArrayLike,
    severe: ArrayLike,
    *,
    as_of: float,
    half_life_days: float,
    wipe_share: float,
    n_relationships: int | None = None,
) -> RelationshipEvidence:
    """Decayed positive/negative evidence of every relationship and dimension as of ``as_of``.

    All relationships at once in O(E): each row carries its relationship id, so two
    ``np.bincount`` passes replace a group-by. Exponential ageing with half-life h
    (weight 2^(-age/h)) is the standard forgetting factor of Bayesian reputation systems
    (Jøsang & Ismail, "The Beta Reputation System", 2002, longevity factor λ = 2^(-1/h) per
    day). The result does not depend on the order of the rows.
    """
    _check_parameters(half_life_days, wipe_share)
    rows, n = _rows(rel, dimension, positive, negative, time, severe, n_relationships)
    if rows.rel.size == 0:
        empty = np.zeros((n, N_DIMENSIONS), dtype=np.float64)
        return RelationshipEvidence(empty, empty.copy(), float(as_of))
    positive_weight, negative_weight = _row_weights(
        rows, float(as_of), half_life_days, wipe_share, n
    )
    cell = rows.rel * N_DIMENSIONS + rows.dimension
    size = n * N_DIMENSIONS
    weights = rows.negative * negative_weight
    neg = np.bincount(cell, weights=weights, minlength=size).astype(np.float64, copy=False)
    np.multiply(rows.positive, positive_weight, out=weights)
    pos = np.bincount(cell, weights=weights, minlength=size).astype(np.float64, copy=False)
    return RelationshipEvidence(
        pos.reshape(n, N_DIMENSIONS), neg.reshape(n, N_DIMENSIONS), float(as_of)
    )


def relationship_opinions(
    evidence: RelationshipEvidence,
    *,
    base_rate: float,
    prior_weight: float = DEFAULT_PRIOR_WEIGHT,
) -> RelationshipOpinions:
    """Opinions per relationship per dimension, and overall.

    Overall = the opinion from the evidence summed over the four dimensions, which is exactly
    the cumulative fusion of the four dimension opinions (Jøsang 2016, §12.3: cumulative
    fusion adds evidence). Every event's dimension shares sum to 1 in the evidence model,
    so each event counts once in the overall figure, at its full weight.
    """
    by_dimension = from_evidence(evidence.positive, evidence.negative, base_rate, prior_weight)
    overall = from_evidence(
        evidence.positive.sum(axis=1), evidence.negative.sum(axis=1), base_rate, prior_weight
    )
    return RelationshipOpinions(by_dimension, overall)


@dataclass(frozen=True, slots=True)
class DecayedCounters:
    """O(1) state of one relationship: decayed sums per dimension as of ``last_time``.

    ``positive_at_last_time`` keeps the positive evidence recorded at exactly ``last_time``,
    which a severe breach at that same instant must not wipe (the batch rule).
    """

    positive: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)
    negative: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)
    positive_at_last_time: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)
    last_time: float = -math.inf


def _four(values: list[float]) -> tuple[float, float, float, float]:
    return (values[0], values[1], values[2], values[3])


def update(
    counters: DecayedCounters,
    *,
    dimension: int,
    positive: float,
    negative: float,
    time: float,
    severe: bool,
    half_life_days: float,
    wipe_share: float,
) -> DecayedCounters:
    """Add one evidence row to one relationship's counters in O(1); returns new counters.

    Rows must arrive in non-decreasing time for their relationship (the ledger's order);
    the result then equals :func:`relationship_evidence` on all rows so far, wipes included.
    Counters are kept at the latest row's time, so every stored value has been multiplied
    only by factors ≤ 1: no overflow on any horizon.
    """
    _check_parameters(half_life_days, wipe_share)
    if not 0 <= dimension < N_DIMENSIONS:
        raise ValueError(f"dimension must be in 0..{N_DIMENSIONS - 1}, got {dimension}")
    if not (positive >= 0 and negative >= 0 and math.isfinite(positive + negative)):
        raise ValueError(f"evidence must be finite and >= 0, got ({positive}, {negative})")
    if not math.isfinite(time):
        raise ValueError(f"time must be finite, got {time}")
    if time < counters.last_time:
        raise ValueError(
            f"rows must arrive in time order: {time} is before the last row at {counters.last_time}"
        )
    if time > counters.last_time:
        factor = (
            0.0
            if counters.last_time == -math.inf
            else 2.0 ** (-(time - counters.last_time) / half_life_days)
        )
        pos = [p * factor for p in counters.positive]
        neg = [n * factor for n in counters.negative]
        at_time = [0.0, 0.0, 0.0, 0.0]
    else:
        pos, neg = list(counters.positive), list(counters.negative)
        at_time = list(counters.positive_at_last_time)
    if severe and wipe_share > 0.0:
        keep = 1.0 - wipe_share
        pos = [(p - same) * keep + same for p, same in zip(pos, at_time, strict=True)]
    pos[dimension] += positive
    neg[dimension] += negative
    at_time[dimension] += positive
    return DecayedCounters(_four(pos), _four(neg), _four(at_time), float(time))


def counters_as_of(
    counters: DecayedCounters, as_of: float, *, half_life_days: float
) -> tuple[FloatArray, FloatArray]:
    """The (positive, negative) arrays of shape (4,) of ``counters`` aged to ``as_of``.

    ``as_of`` must not be before the last row (the batch answers questions about the past).
    """
    if as_of < counters.last_time:
        raise ValueError(f"as_of {as_of} is before the last row at {counters.last_time}")
    factor = (
        0.0
        if counters.last_time == -math.inf
        else 2.0 ** (-(as_of - counters.last_time) / half_life_days)
    )
    return (
        np.array(counters.positive, dtype=np.float64) * factor,
        np.array(counters.negative, dtype=np.float64) * factor,
    )


@dataclass(frozen=True, slots=True)
class Explanation:
    """Why one relationship's dimension has its evidence: the rows that moved it.

    ``rows`` are indices into the input arrays (rows at or before ``as_of``), in time order.
    ``positive``/``negative`` are each row's contribution after decay and wipes;
    ``wiped`` the positive evidence each row lost to later severe breaches. The totals are
    the exact sums of the contributions and equal the batch figures (to rounding).
    """

    relationship: int
    dimension: int
    as_of: float
    rows: IntArray
    positive: FloatArray
    negative: FloatArray
    wiped: FloatArray
    positive_total: float
    negative_total: float


def explain(
    rel: ArrayLike,
    dimension: ArrayLike,
    positive: ArrayLike,
    negative: ArrayLike,
    time: ArrayLike,
    severe: ArrayLike,
    *,
    relationship: int,
    for_dimension: int,
    as_of: float,
    half_life_days: float,
    wipe_share: float,
) -> Explanation:
    """The evidence rows behind one relationship's dimension and each one's contribution.

    Uses the same per-row weights as :func:`relationship_evidence`, so the contributions
    sum to the batch totals. Rows with no effect (zero contribution and nothing wiped) are
    left out.
    """
    _check_parameters(half_life_days, wipe_share)
    rows, _ = _rows(rel, dimension, positive, negative, time, severe, None)
    if not 0 <= for_dimension < N_DIMENSIONS:
        raise ValueError(f"for_dimension must be in 0..{N_DIMENSIONS - 1}, got {for_dimension}")
    mine = np.flatnonzero(rows.rel == relationship)
    # Only this relationship matters: renumber it 0 and compute with the batch's own weights.
    sub = replace(
        rows,
        rel=np.zeros(mine.size, dtype=np.int64),
        dimension=rows.dimension[mine],
        positive=rows.positive[mine],
        negative=rows.negative[mine],
        time=rows.time[mine],
        severe=rows.severe[mine],
    )
    positive_weight, decay = _row_weights(sub, float(as_of), half_life_days, wipe_share, 1)
    keep = (sub.dimension == for_dimension) & (sub.time <= as_of)
    pos = sub.positive * positive_weight
    neg = sub.negative * decay
    wiped = sub.positive * decay - pos
    keep &= (pos > 0) | (neg > 0) | (wiped > 0)
    order = np.argsort(sub.time[keep], kind="stable")
    chosen = mine[keep][order]
    pos, neg, wiped = pos[keep][order], neg[keep][order], wiped[keep][order]
    return Explanation(
        relationship=relationship,
        dimension=for_dimension,
        as_of=float(as_of),
        rows=chosen.astype(np.int64),
        positive=pos,
        negative=neg,
        wiped=wiped,
        positive_total=math.fsum(pos.tolist()),
        negative_total=math.fsum(neg.tolist()),
    )
