"""Standing: a per-person global figure from an EigenTrust iteration on the sparse trust matrix.

EigenTrust (Kamvar, Schlosser & Garcia-Molina, "The EigenTrust Algorithm for Reputation
Management in P2P Networks", WWW 2003, §4.5 "Practical issues" and Algorithm 2):
local trust c_ij = max(s_ij, 0) / Σ_j max(s_ij, 0), pre-trusted distribution p, and

    t ← (1 − α)·Cᵀ·t + α·p,        t₀ = p,

where a person who trusts nobody (a dangling row) is taken to trust the pre-trusted set p.
This is PageRank with damping 1 − α, personalisation p and dangling distribution p.

Used in aggregate views only (team and organisation figures), never as a leaderboard of
people (PRODUCT.md §4).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike, NDArray

from trustledger.engine._network import TrustGraph

FloatArray = NDArray[np.float64]

try:  # scipy's own CSR kernel, y += A·x into a preallocated y: no allocation per iteration.
    from scipy.sparse._sparsetools import csr_matvec as _csr_matvec
except ImportError:  # pragma: no cover - a future scipy may move it; fall back to A @ x
    _csr_matvec = None


@dataclass(frozen=True, eq=False)
class Standing:
    """Standing of every person (non-negative, sums to 1) and how the iteration went.

    ``residual`` is the L1 change of the last iteration; ``converged`` is
    ``residual < tol``. For aggregate views only, never a ranking of people.
    """

    values: FloatArray
    iterations: int
    residual: float
    converged: bool


def local_trust(graph: TrustGraph) -> FloatArray:
    """Each edge's local trust weight s_ij = max(b − d, 0) (CSR order).

    The opinion form of EigenTrust's s_ij = sat − unsat clipped at 0 (Kamvar et al. 2003,
    §4.1): b − d = (r − s)/(r + s + W), net positive evidence scaled by total evidence plus
    the prior weight, so a relationship without evidence weighs nothing and only positive
    trust counts.
    """
    return np.maximum(graph.b - graph.d, 0.0)


def _transposed_normalised(trust: TrustGraph | Any) -> tuple[Any, int, NDArray[np.intp]]:
    """Cᵀ as a CSR matrix (row j holds c_ij for every truster i), n, and the dangling rows."""
    if isinstance(trust, TrustGraph):
        n = trust.n_people
        weight = local_trust(trust)
        row_sum = np.bincount(trust.trusters(), weights=weight, minlength=n)
        scale = np.divide(1.0, row_sum, out=np.zeros(n), where=row_sum > 0)
        # The reverse CSR of the graph is Cᵀ's structure already: no conversion, no sort.
        # Edges of zero weight (distrust, b ≤ d) are left out: each would add 0·x to a sum
        # (no change to any figure) and cost the iteration a random read of x.
        weight = weight[trust.reverse_edges]
        counted = weight > 0.0
        data = weight[counted]
        del weight
        index_type = np.int32 if max(n, trust.n_edges) < 2**31 else np.int64
        trusters = trust.reverse_indices.astype(index_type)[counted]
        data *= scale[trusters]
        kept_before = np.zeros(counted.size + 1, dtype=index_type)
        np.cumsum(counted, dtype=index_type, out=kept_before[1:])
        indptr = kept_before[trust.reverse_indptr]
        del kept_before, counted
        ct = sp.csr_array((data, trusters, indptr), shape=(n, n))
        return ct, n, np.flatnonzero(row_sum <= 0)
    if not sp.issparse(trust):
        raise TypeError("trust must be a TrustGraph or a scipy.sparse matrix")
    matrix = sp.csr_array(trust, dtype=np.float64)
    if matrix.shape[0] != matrix.shape[1]:
        raise ValueError(f"the trust matrix must be square, got {matrix.shape}")
    n = int(matrix.shape[0])
    matrix.sum_duplicates()
    np.maximum(matrix.data, 0.0, out=matrix.data)
    matrix.setdiag(0.0)
    matrix.eliminate_zeros()
    row_sum = np.asarray(matrix.sum(axis=1)).ravel()
    scale = np.divide(1.0, row_sum, out=np.zeros(n), where=row_sum > 0)
    normalised = sp.csr_array(sp.diags_array(scale) @ matrix)
    return sp.csr_array(normalised.T), n, np.flatnonzero(row_sum <= 0)


def _pretrusted(pretrusted: ArrayLike | None, n: int) -> FloatArray:
    if pretrusted is None:
        return np.full(n, 1.0 / n)
    given = np.asarray(pretrusted)
    if given.dtype == np.bool_:
        given = np.flatnonzero(given)
    if np.issubdtype(given.dtype, np.integer):
        if given.ndim != 1 or given.size == 0:
            raise ValueError("pretrusted people must be a non-empty 1-d array of indices")
        if given.min() < 0 or given.max() >= n:
            raise ValueError(f"pretrusted people must be in 0..{n - 1}")
        p: FloatArray = np.zeros(n)
        p[np.unique(given)] = 1.0
        p /= p.sum()
        return p
    weights: FloatArray = given.astype(np.float64)
    if weights.shape != (n,) or not (weights.min() >= 0.0 and np.isfinite(weights).all()):
        raise ValueError(f"pretrusted weights must be {n} finite non-negative numbers")
    total = float(weights.sum())
    if not total > 0:
        raise ValueError("pretrusted weights must not all be zero")
    weights /= total
    return weights


def standing(
    trust: TrustGraph | Any,
    pretrusted: ArrayLike | None = None,
    alpha: float = 0.15,
    tol: float = 1e-10,
    max_iter: int = 200,
) -> Standing:
    """Global standing of every person by EigenTrust (Kamvar et al., WWW 2003).

    ``trust`` is a :class:`TrustGraph` (local trust max(b − d, 0) per edge) or a square
    scipy.sparse matrix of local trust s_ij (negative entries and the diagonal are ignored).
    ``pretrusted`` is the teleport distribution: None for everyone equally, integer indices
    (or a boolean mask) of a pre-trusted set, or non-negative weights per person. ``alpha``
    is the teleport probability. Iterates until the L1 change is below ``tol`` or
    ``max_iter`` iterations. Used in aggregate views only, never to rank people.

    Cost per iteration: one sparse matrix–vector product over Cᵀ (built once, edges of
    zero weight left out) into a preallocated vector, the teleport term written into that
    vector first, and the residual from the difference written over the previous vector
    (not needed any more): no scratch vector; the only allocation inside the loop is the
    small gather of the dangling people's standing.
    """
    if not 0.0 < alpha <= 1.0:
        raise ValueError(f"alpha must be in (0, 1], got {alpha!r}")
    if not tol > 0:
        raise ValueError(f"tol must be > 0, got {tol!r}")
    if max_iter < 1:
        raise ValueError(f"max_iter must be >= 1, got {max_iter}")
    ct, n, dangling_rows = _transposed_normalised(trust)
    if n == 0:
        return Standing(np.zeros(0), 0, 0.0, True)
    p = _pretrusted(pretrusted, n)
    keep = 1.0 - alpha
    ct.data *= keep  # (1 − α)·Cᵀ, once: the loop adds it to the teleport term directly
    indptr, indices, data = ct.indptr, ct.indices, ct.data
    # With everyone pre-trusted equally, p·c is one number: fill instead of multiply.
    uniform = pretrusted is None
    x = p.copy()
    y = np.empty(n)
    residual = np.inf
    iterations = 0
    for iterations in range(1, max_iter + 1):  # noqa: B007 - reported below
        # Mass held by people who trust nobody goes to the pre-trusted set (Kamvar et al. §4.5).
        dangling = float(x[dangling_rows].sum()) if dangling_rows.size else 0.0
        if uniform:
            y.fill(p[0] * (keep * dangling + alpha))
        else:
            np.multiply(p, keep * dangling + alpha, out=y)
        if _csr_matvec is not None:
            _csr_matvec(n, n, indptr, indices, data, x, y)  # y += (1 − α)·Cᵀ·x
        else:  # pragma: no cover
            y += ct @ x
        # x is not needed any more (it becomes the next y): the difference goes over it.
        # (Not BLAS dasum: OpenBLAS threads it, and on a shared machine a descheduled thread
        # costs more than the pass it saves.)
        np.subtract(x, y, out=x)
        np.abs(x, out=x)
        residual = float(x.sum())
        x, y = y, x
        if residual < tol:
            break
    return Standing(x, iterations, residual, bool(residual < tol))
