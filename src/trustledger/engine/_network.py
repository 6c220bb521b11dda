"""The trust graph: one opinion per directed relationship, in CSR form both ways.

Built once from the relationships' overall opinions (``relationship_opinions(...).overall``)
and read by vouching (paths of at most 3 hops) and standing (EigenTrust). Forward CSR gives a
person's out-neighbours (whom they trust), reverse CSR a person's in-neighbours (who trusts
them), so a 3-hop query can meet in the middle instead of enumerating 20³ paths.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from trustledger.engine._opinions import Opinions, projected

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]


@dataclass(frozen=True, eq=False)
class TrustGraph:
    """Directed trust graph in CSR form, edges sorted by (truster, trustee).

    ``indptr`` (n+1) and ``indices`` (m): the trustees of person i are
    ``indices[indptr[i]:indptr[i+1]]`` (ascending), with edge ids ``indptr[i]..indptr[i+1]-1``;
    ``opinions`` holds each edge's opinion (b, d, u, a arrays of length m) in that order.
    ``reverse_indptr`` / ``reverse_indices`` / ``reverse_edges`` are the same graph by trustee:
    the trusters of person j (ascending) and the ids of those edges.
    ``edge_projected`` is P = b + a·u per edge; ``edge_refers`` marks the edges that may pass
    advice on (positive trust, b > d; see docs/engine.md, "Trust through the network").

    Build it with :meth:`from_edges`.
    """

    n_people: int
    indptr: IntArray
    indices: IntArray
    opinions: Opinions
    reverse_indptr: IntArray
    reverse_indices: IntArray
    reverse_edges: IntArray
    edge_projected: FloatArray
    edge_refers: BoolArray

    @property
    def n_edges(self) -> int:
        """The number of directed relationships."""
        return int(self.indices.size)

    @property
    def b(self) -> FloatArray:
        """Belief per edge (CSR order)."""
        return self.opinions.b

    @property
    def d(self) -> FloatArray:
        """Disbelief per edge (CSR order)."""
        return self.opinions.d

    @property
    def u(self) -> FloatArray:
        """Uncertainty per edge (CSR order)."""
        return self.opinions.u

    @property
    def a(self) -> FloatArray:
        """Base rate per edge (CSR order)."""
        return self.opinions.a

    def trusters(self) -> IntArray:
        """The truster of every edge (CSR order): ``indptr`` expanded."""
        return np.repeat(np.arange(self.n_people, dtype=np.int64), np.diff(self.indptr))

    def edge(self, truster: int, trustee: int) -> int:
        """The id of the edge truster → trustee, or -1 when there is none."""
        lo, hi = int(self.indptr[truster]), int(self.indptr[truster + 1])
        at = lo + int(np.searchsorted(self.indices[lo:hi], trustee))
        return at if at < hi and int(self.indices[at]) == trustee else -1

    @classmethod
    def from_edges(
        cls,
        truster: ArrayLike,
        trustee: ArrayLike,
        opinions: Opinions,
        n_people: int | None = None,
    ) -> TrustGraph:
        """Build the graph from one opinion per directed relationship truster → trustee.

        People are numbered 0..n_people-1. Each directed pair appears at most once (fuse
        duplicates first: cumulative fusion adds their evidence), nobody trusts themselves,
        and no opinion is dogmatic (u > 0: opinions from finite evidence never are). O(m log m)
        for the sort; any input order.
        """
        source = np.asarray(truster)
        target = np.asarray(trustee)
        if source.ndim != 1 or target.shape != source.shape or opinions.shape != source.shape:
            raise ValueError("truster, trustee and opinions must be 1-d and of equal length")
        if source.size and not (
            np.issubdtype(source.dtype, np.integer) and np.issubdtype(target.dtype, np.integer)
        ):
            raise ValueError("truster and trustee must be integer arrays")
        source = source.astype(np.int64, copy=False)
        target = target.astype(np.int64, copy=False)
        if n_people is None:
            n_people = int(max(source.max(), target.max())) + 1 if source.size else 0
        if source.size:
            low = min(int(source.min()), int(target.min()))
            high = max(int(source.max()), int(target.max()))
            if low < 0 or high >= n_people:
                raise ValueError(f"people must be numbered 0..{n_people - 1}")
        loops = source == target
        if loops.any():
            raise ValueError(f"edge {int(np.flatnonzero(loops)[0])} is a self-loop")
        if opinions.u.size and not opinions.u.min() > 0.0:
            raise ValueError(
                f"edge {int(np.flatnonzero(opinions.u <= 0.0)[0])} is dogmatic (u = 0)"
            )
        key = source * n_people + target
        order = np.argsort(key, kind="stable")
        key = key[order]
        if key.size > 1:
            repeated = key[1:] == key[:-1]
            if repeated.any():
                at = int(order[1:][repeated][0])
                raise ValueError(f"edge {at} repeats a directed pair; fuse duplicates first")
        indices = target[order]
        ops = opinions[order]
        counts_out = np.bincount(source, minlength=n_people)
        indptr = np.zeros(n_people + 1, dtype=np.int64)
        np.cumsum(counts_out, out=indptr[1:])
        trusters_sorted = source[order]
        reverse_edges = np.argsort(indices * n_people + trusters_sorted, kind="stable")
        reverse_indptr = np.zeros(n_people + 1, dtype=np.int64)
        np.cumsum(np.bincount(indices, minlength=n_people), out=reverse_indptr[1:])
        return cls(
            n_people=n_people,
            indptr=indptr,
            indices=indices,
            opinions=ops,
            reverse_indptr=reverse_indptr,
            reverse_indices=trusters_sorted[reverse_edges],
            reverse_edges=reverse_edges.astype(np.int64, copy=False),
            edge_projected=projected(ops),
            edge_refers=ops.b > ops.d,
        )
