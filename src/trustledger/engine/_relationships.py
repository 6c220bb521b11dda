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

Optionally (``max_positive_per_period`` = c, ``cap_period_days`` = P) positive evidence is
capped per relationship, dimension and period: periods are the fixed buckets
[k·P, (k+1)·P) of the time axis, and within one bucket only the first c units of raw
(pre-decay) positive evidence count, in time order. Rows at the same instant share what is
left in proportion to their amounts, so the result does not depend on row order: the rows of
one time block, with C_before / C_after the bucket's raw positive evidence before / after the
block, keep the fraction (min(c, C_after) − min(c, C_before)) / (C_after − C_before).
Negative evidence is never capped.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np
from numpy.typing import ArrayLike, NDArray

from trustledger.engine._evidence_model import DIMENSIONS
from trustledger.engine._opinions import DEFAULT_PRIOR_WEIGHT, Opinions, from_evidence

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]
N_DIMENSIONS = len(DIMENSIONS)
#: What is left under the cap below this share of it counts as nothing: the batch and the
#: incremental update add the same amounts in different orders, and must not disagree on
#: whether a rounding sliver of 1e-17 is left.
_CAP_SLIVER = 1e-12


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


def _check_cap(max_positive_per_period: float | None, cap_period_days: float) -> None:
    if max_positive_per_period is not None and not (
        max_positive_per_period > 0 and math.isfinite(max_positive_per_period)
    ):
        raise ValueError(
            "max_positive_per_period must be finite and > 0 (or None for no cap), "
            f"got {max_positive_per_period!r}"
        )
    if not cap_period_days > 0 or not math.isfinite(cap_period_days):
        raise ValueError(f"cap_period_days must be finite and > 0, got {cap_period_days!r}")


def _sums(index: IntArray, weights: FloatArray, size: int) -> FloatArray:
    """``np.bincount`` with weights, typed as the float64 array it returns."""
    sums: FloatArray = np.asarray(
        np.bincount(index, weights=weights, minlength=size), dtype=np.float64
    )
    return sums


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
    rows: _Rows,
    as_of: float,
    half_life_days: float,
    wipe_share: float,
    n_relationships: int,
    max_positive_per_period: float | None = None,
    cap_period_days: float = 7.0,
    cell: IntArray | None = None,
) -> tuple[FloatArray, FloatArray]:
    """Per-row multipliers (positive, negative): decay × wipe × cap for positive, decay for
    negative."""
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
    if max_positive_per_period is not None:
        cap, period_days = max_positive_per_period, cap_period_days
        past = ~future if any_future else None
        if cell is None:
            cell = _cells(rows)
        candidates = _cap_candidates(cell, rows.positive, cap, n_relationships * N_DIMENSIONS, past)
        capped = _cap_factors(rows, cap, period_days, candidates, cell)
        if capped is not None:
            idx, kept = capped
            if positive_weight is decay:
                positive_weight = decay.copy()
            positive_weight[idx] *= kept
    return positive_weight, decay


def _cap_candidates(
    cell: IntArray,
    positive: FloatArray,
    cap: float,
    size: int,
    past: BoolArray | None = None,
) -> IntArray:
    """Rows (at or before as_of: ``past``, None for all) of the cells whose raw positive
    evidence over all time exceeds the cap: only they can exceed it in some period. One
    ``np.bincount`` over the cells, then one look-up per row, O(E)."""
    over: BoolArray = np.greater(_sums(cell, positive, size), cap)
    if not over.any():
        return np.zeros(0, dtype=np.int64)
    # The look-up reads a bitset (1 bit per cell: 2 MB for 16M cells, held in the core's
    # cache) rather than a byte per cell: a random read per row is what it costs.
    bits = np.packbits(over, bitorder="little")
    looked_up = bits[cell >> 3]
    looked_up >>= cell.astype(np.uint8) & np.uint8(7)  # the low 3 bits of the cell
    looked_up &= np.uint8(1)
    candidate = looked_up.view(np.bool_)
    if past is not None:
        candidate &= past
    return np.flatnonzero(candidate)


def _cap_factors(
    rows: _Rows,
    cap: float,
    period_days: float,
    idx: IntArray,
    cell: IntArray,
) -> tuple[IntArray, FloatArray] | None:
    """(row indices, kept fraction) of the rows the per-period cap reduces; None if none.

    ``idx`` are the candidate rows (:func:`_cap_candidates`: rows of cells over the cap
    in total), ``cell`` each row's cell id. The same test then runs on hashed
    (cell, period) slots. A row alone in its slot is alone in its (cell, period): it keeps
    cap / amount without a sort. Only the rows left are sorted, by (cell, period, time):
    O(E_c) + O(E_s log E_s), E_c the candidate rows, E_s those sharing a busy slot.
    """
    if idx.size == 0:  # rows without positive evidence add 0 below: harmless
        return None
    amount = rows.positive[idx]
    cell_c = cell[idx]
    time = rows.time[idx]
    period = np.floor(time / period_days)  # the same expression as the incremental update
    first_period = period.min()
    span = float(period.max() - first_period) + 1.0
    size = int(cell_c.max()) + 1
    alone_idx: IntArray | None = None
    alone_kept: FloatArray | None = None
    if size * span < 2.0**62:
        # Second O(E_c) filter: sum each (cell, period) group into a hashed slot. Colliding
        # groups only add up, so a row whose slot holds ≤ cap cannot be capped.
        period -= first_period
        key = cell_c * np.int64(span) + period.astype(np.int64)
        alone_parts: list[tuple[IntArray, FloatArray]] = []
        left = False
        # Two rounds with different hashes: rows that shared a busy slot only by a hash
        # collision are almost never together again in the second round.
        for multiplier in (0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F):
            busy_rows = _busy_slots(key, amount, cap, multiplier)
            if busy_rows is None:
                break
            busy, alone = busy_rows
            key, time, amount, idx = key[busy], time[busy], amount[busy], idx[busy]
            if alone.any():
                # A busy slot holding one row: that row is its (cell, period) group and
                # exceeds the cap on its own; it keeps min(cap, x)/x = cap/x, as the
                # incremental update adds.
                alone_parts.append((idx[alone], cap / amount[alone]))
                shared = ~alone
                key, time, amount, idx = key[shared], time[shared], amount[shared], idx[shared]
        else:
            left = True  # both rounds ran: sort what is left
        if alone_parts:
            alone_idx = np.concatenate([part[0] for part in alone_parts])
            alone_kept = np.concatenate([part[1] for part in alone_parts])
        if not left:  # no row left can exceed the cap
            key, time, amount, idx = key[:0], time[:0], amount[:0], idx[:0]
        order = np.lexsort((time, key))
        key, time, amount, idx = key[order], time[order], amount[order], idx[order]
        same_group = key[1:] == key[:-1]
    else:  # periods too many to number densely: sort by (cell, period, time) directly
        order = np.lexsort((time, period, cell_c))
        cell_c, period, time, amount, idx = (
            cell_c[order], period[order], time[order], amount[order], idx[order]
        )  # fmt: skip
        same_group = (cell_c[1:] == cell_c[:-1]) & (period[1:] == period[:-1])
    reduced_idx, reduced_kept = _cap_sorted(idx, time, amount, same_group, cap)
    if alone_idx is not None and alone_kept is not None:
        reduced_idx = np.concatenate((alone_idx, reduced_idx))
        reduced_kept = np.concatenate((alone_kept, reduced_kept))
    if reduced_idx.size == 0:
        return None
    return reduced_idx.astype(np.int64, copy=False), reduced_kept


def _busy_slots(
    key: IntArray, amount: FloatArray, cap: float, multiplier: int
) -> tuple[IntArray, BoolArray] | None:
    """Hash each (cell, period) key into a slot and sum the amounts per slot: colliding
    groups only add up, so a row whose slot holds ≤ cap cannot be capped. Returns the
    indices of the rows in busy slots (> cap) and, for those, whether they are alone in their
    slot; None if no slot is busy."""
    if key.size == 0:
        return None
    bits = max(10, int(math.log2(4 * key.size)))
    hashed = (key.astype(np.uint64) * np.uint64(multiplier)) >> np.uint64(64 - bits)
    slot: IntArray = hashed.astype(np.int64)
    slot_total = _sums(slot, amount, 1 << bits)
    busy = np.flatnonzero(slot_total[slot] > cap)
    if busy.size == 0:
        return None
    slot = slot[busy]
    # Rows per busy slot, counted in the busy slots of slot_total: no new table.
    slot_total[slot] = 0.0
    np.add.at(slot_total, slot, 1.0)
    return busy, slot_total[slot] == 1.0


def _cap_sorted(
    idx: IntArray, time: FloatArray, amount: FloatArray, same_group: BoolArray, cap: float
) -> tuple[IntArray, FloatArray]:
    """(row indices, kept fraction) of the reduced rows among rows sorted by (group, time);
    ``same_group[k]`` says row k + 1 is in row k's (cell, period) group."""
    n = idx.size
    if n == 0:
        return idx.astype(np.int64), amount.copy()
    new_group = np.ones(n, dtype=np.bool_)
    new_group[1:] = ~same_group
    new_block = new_group.copy()
    new_block[1:] |= time[1:] != time[:-1]
    block_start = np.flatnonzero(new_block)
    block_raw = np.add.reduceat(amount, block_start)
    # Raw evidence before/after each block within its (cell, period), by a global running sum
    # minus the group's offset. Clipping each block at the cap changes no min(cap, ·) below
    # and bounds the running sum by (number of blocks) × cap, so its rounding stays relative
    # to the cap whatever the amounts.
    clipped = np.minimum(block_raw, cap)
    running = np.cumsum(clipped)
    before = running - clipped
    group_of_block = np.cumsum(new_group[block_start]) - 1
    offset = before[new_group[block_start]][group_of_block]
    after = running - offset
    before -= offset
    counted = np.minimum(after, cap) - np.minimum(before, cap)
    counted[counted <= cap * _CAP_SLIVER] = 0.0  # as the incremental update: no rounding sliver
    kept = np.ones_like(block_raw)  # a block without positive evidence loses nothing
    np.divide(counted, block_raw, out=kept, where=(before + block_raw > cap) & (block_raw > 0.0))
    reduced = kept < 1.0
    block_len = np.diff(np.r_[block_start, n])
    row_kept = np.repeat(kept, block_len)
    row_reduced = np.repeat(reduced, block_len)
    return idx[row_reduced].astype(np.int64), row_kept[row_reduced]


def _wipe_factors(
    rows: _Rows, live_severe: NDArray[np.bool_], wipe_share: float, n_relationships: int
) -> FloatArray:
    """(1 - w)^K_i per row (ones for rows of relationships without a severe row)."""
    idx, wiped = _wiped_rows(rows, live_severe, wipe_share, n_relationships)
    factors = np.ones(rows.rel.size, dtype=np.float64)
    factors[idx] = wiped
    return factors


def _wiped_rows(
    rows: _Rows, live_severe: NDArray[np.bool_], wipe_share: float, n_relationships: int
) -> tuple[IntArray, FloatArray]:
    """(row indices, (1 - w)^K_i) of the rows of relationships with a severe row; only those
    rows are sorted.

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
    return idx, np.power(1.0 - wipe_share, later.astype(np.float64))


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
    max_positive_per_period: float | None = None,
    cap_period_days: float = 7.0,
) -> RelationshipEvidence:
    """Decayed positive/negative evidence of every relationship and dimension as of ``as_of``.

    All relationships at once in O(E): each row carries its relationship id, so one
    ``np.bincount`` (two with the cap, or when some row carries both kinds of evidence)
    replaces a group-by. Exponential ageing with half-life h
    (weight 2^(-age/h)) is the standard forgetting factor of Bayesian reputation systems
    (Jøsang & Ismail, "The Beta Reputation System", 2002, longevity factor λ = 2^(-1/h) per
    day). The result does not depend on the order of the rows.

    With ``max_positive_per_period`` = c, each relationship's raw positive evidence per
    dimension counts at most c per period of ``cap_period_days`` (fixed buckets
    [k·P, (k+1)·P) of the time axis; the first units in time order count; rows at the same
    instant share what is left in proportion). None (the default) means no cap. Negative
    evidence is never capped. See docs/engine.md §3.
    """
    _check_parameters(half_life_days, wipe_share)
    _check_cap(max_positive_per_period, cap_period_days)
    rows, n = _rows(rel, dimension, positive, negative, time, severe, n_relationships)
    if rows.rel.size == 0:
        empty = np.zeros((n, N_DIMENSIONS), dtype=np.float64)
        return RelationshipEvidence(empty, empty.copy(), float(as_of))
    as_of = float(as_of)
    decay, future = _decay(rows, as_of, half_life_days)
    negative_row = rows.negative > 0.0
    # A row is positive or negative evidence (an assessment row may be both). When no row is
    # both, one np.bincount over 2 · 4 bins per relationship gives every sum: the positive
    # sums in the first half, the negative ones in the second (each half contiguous, as the
    # opinions read them). The cost of a bincount on 10M rows is its cache misses (one
    # random read-modify-write per row), so random passes over the bins are what is counted.
    single = not (negative_row & (rows.positive > 0.0)).any()
    if single:
        key = _keys(rows, negative_row, n)
        # (p + n)·decay is p·decay or n·decay exactly: one of them is 0 on every row.
        weights = np.add(rows.positive, rows.negative)
        weights *= decay
        del decay
        key_size = 2 * n * N_DIMENSIONS
    else:
        key = _cells(rows)
        weights = np.multiply(rows.positive, decay)
        key_size = n * N_DIMENSIONS
    if wipe_share > 0.0:  # (1 − w)^K on the few positive rows of breached relationships
        live_severe = rows.severe if future is None else rows.severe & ~future
        if live_severe.any():
            wiped_idx, wiped = _wiped_rows(rows, live_severe, wipe_share, n)
            if single:
                positive_row = ~negative_row[wiped_idx]
                wiped_idx, wiped = wiped_idx[positive_row], wiped[positive_row]
            weights[wiped_idx] *= wiped
    sums = _sums(key, weights, key_size)
    if single:
        pos = sums[: n * N_DIMENSIONS].reshape(n, N_DIMENSIONS)
        neg = sums[n * N_DIMENSIONS :].reshape(n, N_DIMENSIONS)
    else:
        pos = sums.reshape(n, N_DIMENSIONS)
        np.multiply(rows.negative, decay, out=decay)
        neg = _sums(key, decay, key_size).reshape(n, N_DIMENSIONS)
        del decay
    if max_positive_per_period is not None:
        # A second pass over the bins: raw positive evidence per cell, a bound on every
        # period's. Only the rows of cells over the cap are looked at again, and only the
        # cells where the cap reduces a row are summed again, from their rows in row order
        # (the same additions in the same order as one pass with the capped weights).
        past = None if future is None else ~future
        cells = n * N_DIMENSIONS
        if single:  # negative rows to one spare bin past the cells: no random access
            np.minimum(key, cells, out=key)  # positive rows keep their cell
        candidates = _cap_candidates(
            key, rows.positive, max_positive_per_period, cells + 1 if single else cells, past
        )  # fmt: skip
        capped = _cap_factors(rows, max_positive_per_period, cap_period_days, candidates, key)
        if capped is not None:
            reduced, kept = capped
            weights[reduced] *= kept
            touched = np.zeros(key_size, dtype=np.bool_)
            touched[key[reduced]] = True
            again = candidates[touched[key[candidates]]]
            again_key = key[again]  # sums: pos and (when single) neg are views of it
            sums[again_key] = 0.0
            np.add.at(sums, again_key, weights[again])
    return RelationshipEvidence(pos, neg, as_of)


def _keys(rows: _Rows, negative_row: BoolArray, n_relationships: int) -> IntArray:
    """(n · [negative row] + rel) · 4 + dimension per row, in one new array: the cell for a
    positive row, n · 4 more for a negative one."""
    key = np.multiply(negative_row, n_relationships, dtype=np.int64)
    key += rows.rel
    key *= N_DIMENSIONS
    if np.can_cast(rows.dimension.dtype, np.int64):
        key += rows.dimension
    else:
        key += rows.dimension.astype(np.int64)
    return key


def _cells(rows: _Rows) -> IntArray:
    """rel · 4 + dimension per row, in one new array."""
    if not np.can_cast(rows.dimension.dtype, np.int64):
        return rows.rel * N_DIMENSIONS + rows.dimension.astype(np.int64)
    cell = np.multiply(rows.rel, N_DIMENSIONS)
    np.add(cell, rows.dimension, out=cell)
    return cell


def _decay(rows: _Rows, as_of: float, half_life_days: float) -> tuple[FloatArray, BoolArray | None]:
    """2^(-(as_of - time)/h) per row (0 for rows after ``as_of``), and the mask of rows after
    ``as_of`` (None when there are none)."""
    decay = rows.time - as_of  # minus the age, in days
    future = (decay > 0.0) if rows.time.max() > as_of else None
    if future is not None:
        decay[future] = 0.0
    decay *= 1.0 / half_life_days
    np.exp2(decay, out=decay)
    if future is not None:
        decay[future] = 0.0
    return decay, future


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
        _sum_dimensions(evidence.positive), _sum_dimensions(evidence.negative), base_rate,
        prior_weight,
    )  # fmt: skip
    return RelationshipOpinions(by_dimension, overall)


def _sum_dimensions(values: FloatArray) -> FloatArray:
    """``values.sum(axis=1)`` of an (n, 4) array, column by column in the same order (the
    same figures): a short-axis reduction costs numpy a loop per row, column adds do not."""
    if values.ndim != 2 or values.shape[1] == 0:
        return np.asarray(values.sum(axis=1), dtype=np.float64)
    if values.shape[1] == 1:
        return np.array(values[:, 0], dtype=np.float64)
    total: FloatArray = np.add(values[:, 0], values[:, 1], dtype=np.float64)
    for column in range(2, values.shape[1]):
        total += values[:, column]
    return total


@dataclass(frozen=True, slots=True)
class DecayedCounters:
    """O(1) state of one relationship: decayed sums per dimension as of ``last_time``.

    ``positive_at_last_time`` keeps the positive evidence recorded at exactly ``last_time``,
    which a severe breach at that same instant must not wipe (the batch rule).
    With a per-period cap, ``period`` is the current period's index (floor(time / P)) and
    ``positive_in_period`` the raw (undecayed, uncapped) positive evidence recorded in it.
    """

    positive: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)
    negative: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)
    positive_at_last_time: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)
    last_time: float = -math.inf
    period: float = -math.inf
    positive_in_period: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)


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
    max_positive_per_period: float | None = None,
    cap_period_days: float = 7.0,
) -> DecayedCounters:
    """Add one evidence row to one relationship's counters in O(1); returns new counters.

    Rows must arrive in non-decreasing time for their relationship (the ledger's order);
    the result then equals :func:`relationship_evidence` on all rows so far, wipes and the
    per-period cap included (pass the same ``max_positive_per_period`` and
    ``cap_period_days`` to every call). Counters are kept at the latest row's time, so every
    stored value has been multiplied only by factors ≤ 1: no overflow on any horizon.
    """
    _check_parameters(half_life_days, wipe_share)
    _check_cap(max_positive_per_period, cap_period_days)
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
    period, in_period = counters.period, counters.positive_in_period
    if max_positive_per_period is not None:
        current = float(math.floor(time / cap_period_days))  # as the batch (np.floor)
        raw = list(in_period) if current == period else [0.0, 0.0, 0.0, 0.0]
        before = raw[dimension]
        raw[dimension] = before + positive
        cap = max_positive_per_period
        if raw[dimension] > cap:
            positive = min(raw[dimension], cap) - min(before, cap)
            positive = 0.0 if positive <= cap * _CAP_SLIVER else positive
        period, in_period = current, _four(raw)
    pos[dimension] += positive
    neg[dimension] += negative
    at_time[dimension] += positive
    return DecayedCounters(_four(pos), _four(neg), _four(at_time), float(time), period, in_period)


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
    ``wiped`` the positive evidence each row lost to later severe breaches; ``capped`` the
    positive evidence (decayed to ``as_of``) each row lost to the per-period cap (zeros
    without a cap). The totals are the exact sums of the contributions and equal the batch
    figures (to rounding).
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
    capped: FloatArray = field(default_factory=lambda: np.zeros(0, dtype=np.float64))


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
    max_positive_per_period: float | None = None,
    cap_period_days: float = 7.0,
) -> Explanation:
    """The evidence rows behind one relationship's dimension and each one's contribution.

    Uses the same per-row weights as :func:`relationship_evidence` (pass the same cap), so
    the contributions sum to the batch totals. Rows with no effect (zero contribution,
    nothing wiped, nothing capped) are left out.
    """
    _check_parameters(half_life_days, wipe_share)
    _check_cap(max_positive_per_period, cap_period_days)
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
    kept = np.ones(mine.size, dtype=np.float64)
    if max_positive_per_period is not None:
        cell = _cells(sub)
        candidates = _cap_candidates(
            cell, sub.positive, max_positive_per_period, N_DIMENSIONS, past=sub.time <= as_of
        )  # fmt: skip
        capped_rows = _cap_factors(sub, max_positive_per_period, cap_period_days, candidates, cell)
        if capped_rows is not None:
            kept[capped_rows[0]] = capped_rows[1]
    keep = (sub.dimension == for_dimension) & (sub.time <= as_of)
    counted = sub.positive * kept * decay  # after decay and cap, before wipes
    pos = sub.positive * kept * positive_weight
    neg = sub.negative * decay
    wiped = counted - pos
    capped = sub.positive * decay - counted
    keep &= (pos > 0) | (neg > 0) | (wiped > 0) | (capped > 0)
    order = np.argsort(sub.time[keep], kind="stable")
    chosen = mine[keep][order]
    pos, neg = pos[keep][order], neg[keep][order]
    wiped, capped = wiped[keep][order], capped[keep][order]
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
        capped=capped,
    )
