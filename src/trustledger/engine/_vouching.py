"""Trust through the network: "someone I trust trusts you", from paths of at most 3 hops.

Along a path the advice is discounted by each referral (Jøsang 2016, §14.3, the existing
:func:`~trustledger.engine.discount`); across paths the independent ones are fused
cumulatively (Jøsang 2016, §12.3, :func:`~trustledger.engine.cumulative_fuse`). No evidence
is counted twice — the rule, and why it is enough within 3 hops:

1. A path s → v → … → w → t delivers exactly one body of evidence about t: the last edge
   w → t (the witness's own opinion). Its other edges only discount it.
2. Paths through the same first-hop voucher v all share the edge s → v, so they are
   dependent: each voucher stands behind **one** path, its least uncertain one (ties: higher
   projected probability, then higher belief, then fewer hops). That path's derived opinion
   is the voucher's *contribution*.
3. Two vouchers whose chosen paths end with the same witness edge w → t would deliver the
   same evidence twice: only the stronger voucher (the same order) is *counted*.
4. The counted paths are then pairwise edge-disjoint (within 3 hops a shared edge can only
   be a first edge — distinct vouchers — or a last edge — excluded by 3.), i.e. a parallel
   composition of serial paths, the directed series-parallel form that Jøsang, Hayward &
   Pope ("Trust Network Analysis with Subjective Logic", ACSC 2006) require before fusing.
   The derived opinion is the cumulative fusion of the counted contributions, so its
   evidence is exactly the sum of theirs.

Only positive trust refers: every edge but the last must have b > d. Distrust of an adviser
means ignoring their advice, not inverting it (Jøsang 2016, §14: the derived opinion through a
distrusted adviser tends to vacuous; Guha, Kumar, Raghavan & Tomkins, "Propagation of Trust
and Distrust", WWW 2004, on why "the enemy of my enemy" must not be propagated). The last
edge (the witness's functional opinion of the target) may be negative: a warning travels
like a recommendation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from trustledger.engine._network import TrustGraph
from trustledger.engine._opinions import (
    Opinion,
    Opinions,
    _make,
    cumulative_fuse,
    discount,
    projected,
)

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

MAX_HOPS = 3


@dataclass(frozen=True, eq=False)
class Vouching:
    """The derived opinion of ``source`` about ``target`` and who vouched for it.

    ``vouchers`` are the first-hop people (``target`` itself for the direct edge), strongest
    first; ``contributions[i]`` is voucher i's best path's derived opinion, ``best_paths[i]``
    that path (people from source to target, padded with -1 to 4 columns) and ``counted[i]``
    whether it entered the fusion (False: its witness edge was already counted for a
    stronger voucher). ``opinion`` is the cumulative fusion of the counted contributions
    (vacuous when there are none). ``paths`` / ``path_opinions`` are every path found.
    """

    source: int
    target: int
    opinion: Opinion
    vouchers: IntArray
    contributions: Opinions
    counted: BoolArray
    best_paths: IntArray
    paths: IntArray
    path_opinions: Opinions


def _expand(indptr: IntArray, rows: IntArray) -> tuple[IntArray, IntArray]:
    """For each row, its CSR positions: (owner index into ``rows``, position), concatenated."""
    starts = indptr[rows]
    lengths = indptr[rows + 1] - starts
    owner = np.repeat(np.arange(rows.size, dtype=np.int64), lengths)
    first = np.cumsum(lengths) - lengths
    positions = np.arange(owner.size, dtype=np.int64) - first[owner] + starts[owner]
    return owner, positions


def _member(sorted_values: IntArray, query: IntArray) -> tuple[BoolArray, IntArray]:
    """Which ``query`` values are in ``sorted_values`` (ascending), and where."""
    if sorted_values.size == 0:
        return np.zeros(query.size, dtype=np.bool_), np.zeros(query.size, dtype=np.int64)
    at = np.searchsorted(sorted_values, query)
    np.minimum(at, sorted_values.size - 1, out=at)
    return sorted_values[at] == query, at


def _gather(ops: Opinions, edges: IntArray) -> Opinions:
    """Edge opinions, with the identity of discounting (b = 1, P = 1) where ``edges`` is -1."""
    missing = edges < 0
    safe = np.where(missing, 0, edges)
    return _make(
        np.where(missing, 1.0, ops.b[safe]),
        np.where(missing, 0.0, ops.d[safe]),
        np.where(missing, 0.0, ops.u[safe]),
        np.where(missing, 1.0, ops.a[safe]),
    )


def _fuse_all(ops: Opinions) -> Opinions:
    """Cumulative fusion of n opinions: a pairwise tree, one vectorised call per level."""
    while len(ops) > 1:
        half = len(ops) // 2
        fused = cumulative_fuse(ops[0 : 2 * half : 2], ops[1 : 2 * half : 2])
        if len(ops) % 2:
            tail = ops[len(ops) - 1 :]
            fused = _make(
                *(np.concatenate((x, y)) for x, y in zip(_parts(fused), _parts(tail), strict=True))
            )
        ops = fused
    return ops


def _parts(ops: Opinions) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    return ops.b, ops.d, ops.u, ops.a


def _check(graph: TrustGraph, source: int, target: int, max_hops: int) -> None:
    n = graph.n_people
    if not (0 <= source < n and 0 <= target < n):
        raise ValueError(f"source and target must be in 0..{n - 1}, got {source}, {target}")
    if source == target:
        raise ValueError("source and target must differ")
    if not 1 <= max_hops <= MAX_HOPS:
        raise ValueError(f"max_hops must be in 1..{MAX_HOPS}, got {max_hops}")


def vouch(
    graph: TrustGraph,
    source: int,
    target: int,
    max_hops: int = 3,
    exclude_direct: bool = False,
    base_rate: float = 0.5,
) -> Vouching:
    """What ``source`` may derive about ``target`` from the people they trust.

    Paths of at most ``max_hops`` (1..3) edges without repeated people, discounted along the
    path and fused across vouchers without counting any evidence twice (the rule is in this
    module's docstring and docs/engine.md). ``exclude_direct`` leaves out the direct edge
    (to ask "what do others say?"). With no path the opinion is vacuous at ``base_rate``.
    Cost: O(d_s·d + d_t) with d the out-degrees — the 2-hop frontier of the source meets the
    in-neighbours of the target (reverse CSR), so no path is enumerated blindly.
    """
    source, target = int(source), int(target)
    _check(graph, source, target, max_hops)
    indptr, indices = graph.indptr, graph.indices
    first_parts: list[IntArray] = []
    middle_parts: list[IntArray] = []
    last_parts: list[IntArray] = []
    via_parts: list[IntArray] = []
    voucher_parts: list[IntArray] = []
    none = np.empty(0, dtype=np.int64)

    if not exclude_direct:
        direct = graph.edge(source, target)
        if direct >= 0:
            first_parts.append(np.array([-1], dtype=np.int64))
            middle_parts.append(np.array([-1], dtype=np.int64))
            last_parts.append(np.array([direct], dtype=np.int64))
            via_parts.append(np.array([-1], dtype=np.int64))
            voucher_parts.append(np.array([target], dtype=np.int64))

    if max_hops >= 2:
        lo, hi = int(indptr[source]), int(indptr[source + 1])
        first_edges = np.arange(lo, hi, dtype=np.int64)
        out = indices[lo:hi]
        keep = graph.edge_refers[lo:hi] & (out != target)
        first_edges, out = first_edges[keep], out[keep]
        rlo, rhi = int(graph.reverse_indptr[target]), int(graph.reverse_indptr[target + 1])
        witnesses = graph.reverse_indices[rlo:rhi]
        witness_edges = graph.reverse_edges[rlo:rhi]
        # 2 hops: source → v → target, v among the source's referrals and the target's trusters.
        hit, at = _member(witnesses, out)
        if hit.any():
            first_parts.append(first_edges[hit])
            middle_parts.append(np.full(int(hit.sum()), -1, dtype=np.int64))
            last_parts.append(witness_edges[at[hit]])
            via_parts.append(np.full(int(hit.sum()), -1, dtype=np.int64))
            voucher_parts.append(out[hit])
        if max_hops >= 3 and out.size and witnesses.size:
            # 3 hops: source → v → w → target. Expand v's referrals (the 2-hop frontier) and
            # keep the w that trust the target: meet in the middle.
            owner, middle_edges = _expand(indptr, out)
            w = indices[middle_edges]
            keep = graph.edge_refers[middle_edges] & (w != source)
            hit, at = _member(witnesses, w)
            keep &= hit
            if keep.any():
                first_parts.append(first_edges[owner[keep]])
                middle_parts.append(middle_edges[keep])
                last_parts.append(witness_edges[at[keep]])
                via_parts.append(w[keep])
                voucher_parts.append(out[owner[keep]])

    if not last_parts:
        return Vouching(
            source=source,
            target=target,
            opinion=Opinion.vacuous(base_rate),
            vouchers=none,
            contributions=_make(none, none, none, none),
            counted=np.empty(0, dtype=np.bool_),
            best_paths=np.empty((0, 4), dtype=np.int64),
            paths=np.empty((0, 4), dtype=np.int64),
            path_opinions=_make(none, none, none, none),
        )

    first = np.concatenate(first_parts)
    middle = np.concatenate(middle_parts)
    last = np.concatenate(last_parts)
    via = np.concatenate(via_parts)
    voucher = np.concatenate(voucher_parts)
    ops = graph.opinions
    # Jøsang 2016 §14.3: ω^[s;v;w]_t = ω^s_v ⊗ (ω^v_w ⊗ ω^w_t); a missing hop is the identity.
    derived = discount(_gather(ops, first), discount(_gather(ops, middle), ops[last]))
    hops = (first >= 0).astype(np.int64) + (middle >= 0) + 1
    # Strongest first: least uncertain, then higher P, then higher belief, then fewer hops.
    order = np.lexsort((hops, -derived.b, -projected(derived), derived.u))
    first_of_voucher = np.unique(voucher[order], return_index=True)[1]
    first_of_voucher.sort()  # positions in ``order`` ascending = strongest first
    best = order[first_of_voucher]
    counted_at = np.unique(last[best], return_index=True)[1]
    counted = np.zeros(best.size, dtype=np.bool_)
    counted[counted_at] = True
    contributions = derived[best]
    fused = _fuse_all(contributions[counted])
    paths = np.full((last.size, 4), -1, dtype=np.int64)
    paths[:, 0] = source
    two = hops >= 2
    paths[two, 1] = voucher[two]
    three = hops == 3
    paths[three, 2] = via[three]
    paths[np.arange(last.size), hops] = target
    return Vouching(
        source=source,
        target=target,
        opinion=fused.opinion(0),
        vouchers=voucher[best],
        contributions=contributions,
        counted=counted,
        best_paths=paths[best],
        paths=paths,
        path_opinions=derived,
    )


def vouch_many(
    graph: TrustGraph,
    sources: ArrayLike,
    targets: ArrayLike,
    max_hops: int = 3,
    exclude_direct: bool = False,
    base_rate: float = 0.5,
) -> tuple[Opinions, list[Vouching]]:
    """:func:`vouch` for each pair (sources[i], targets[i]).

    Returns the derived opinions as one :class:`Opinions` (for aggregate use) and each pair's
    full :class:`Vouching` (vouchers, contributions, paths), in input order.
    """
    s = np.asarray(sources, dtype=np.int64)
    t = np.asarray(targets, dtype=np.int64)
    if s.ndim != 1 or s.shape != t.shape:
        raise ValueError("sources and targets must be 1-d and of equal length")
    results: Sequence[Vouching] = [
        vouch(graph, int(a), int(b), max_hops, exclude_direct, base_rate)
        for a, b in zip(s.tolist(), t.tolist(), strict=True)
    ]
    opinions = _make(
        np.array([r.opinion.belief for r in results], dtype=np.float64),
        np.array([r.opinion.disbelief for r in results], dtype=np.float64),
        np.array([r.opinion.uncertainty for r in results], dtype=np.float64),
        np.array([r.opinion.base_rate for r in results], dtype=np.float64),
    )
    return opinions, list(results)
