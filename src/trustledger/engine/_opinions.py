"""Binomial subjective-logic opinions and the operators the product needs.

Source for every formula: A. Jøsang, *Subjective Logic: A Formalism for Reasoning Under
Uncertainty*, Springer, 2016 (cited below as "Jøsang 2016").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, overload

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]

#: Tolerance for b + d + u = 1 on inputs (outputs are exact up to rounding).
ADDITIVITY_TOLERANCE = 1e-9
#: Non-informative prior weight W for a binomial opinion (Jøsang 2016, §3.4: W = 2).
DEFAULT_PRIOR_WEIGHT = 2.0


@dataclass(frozen=True, slots=True)
class Opinion:
    """One binomial opinion ω = (b, d, u, a) about a proposition (Jøsang 2016, §3.4).

    ``belief + disbelief + uncertainty = 1``; ``base_rate`` is the prior probability used
    when there is no evidence (the "starter kit").
    """

    belief: float
    disbelief: float
    uncertainty: float
    base_rate: float

    def __post_init__(self) -> None:
        _validate(
            np.array([self.belief]),
            np.array([self.disbelief]),
            np.array([self.uncertainty]),
            np.array([self.base_rate]),
        )

    @classmethod
    def vacuous(cls, base_rate: float = 0.5) -> Opinion:
        """The opinion of someone with no evidence at all: u = 1 (Jøsang 2016, §3.4)."""
        return cls(0.0, 0.0, 1.0, base_rate)

    @property
    def projected(self) -> float:
        """Projected probability P = b + a·u (Jøsang 2016, §3.4, binomial opinions)."""
        return float(self.belief + self.base_rate * self.uncertainty)


class Opinions:
    """Many binomial opinions as a struct of arrays (b, d, u, a), all float64, equal shape.

    Construct with ``Opinions(b, d, u, a)``: inputs are validated and a ``ValueError`` names
    the first offending index. Results of the engine's operators are valid by construction.
    """

    __slots__ = ("a", "b", "d", "u")

    b: FloatArray
    d: FloatArray
    u: FloatArray
    a: FloatArray

    def __init__(self, b: ArrayLike, d: ArrayLike, u: ArrayLike, a: ArrayLike) -> None:
        arrays = np.broadcast_arrays(*(np.asarray(x, dtype=np.float64) for x in (b, d, u, a)))
        bb, dd, uu, aa = (np.array(x, dtype=np.float64) for x in arrays)
        _validate(bb, dd, uu, aa)
        _set(self, bb, dd, uu, aa)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("Opinions is immutable")

    @property
    def shape(self) -> tuple[int, ...]:
        """The common shape of the four arrays."""
        return tuple(self.b.shape)

    def __len__(self) -> int:
        return int(self.b.shape[0]) if self.b.ndim else 1

    def __getitem__(self, index: Any) -> Opinions:
        return _make(self.b[index], self.d[index], self.u[index], self.a[index])

    def __repr__(self) -> str:
        return f"Opinions(shape={self.shape})"

    def opinion(self, index: Any) -> Opinion:
        """The scalar :class:`Opinion` at ``index``."""
        return Opinion(
            float(self.b[index]), float(self.d[index]), float(self.u[index]), float(self.a[index])
        )


def _set(target: Opinions, b: FloatArray, d: FloatArray, u: FloatArray, a: FloatArray) -> None:
    object.__setattr__(target, "b", b)
    object.__setattr__(target, "d", d)
    object.__setattr__(target, "u", u)
    object.__setattr__(target, "a", a)


def _make(b: Any, d: Any, u: Any, a: Any) -> Opinions:
    """Build an :class:`Opinions` without validation (for results valid by construction)."""
    result = object.__new__(Opinions)
    bb, dd, uu, aa = np.broadcast_arrays(*(np.asarray(x, dtype=np.float64) for x in (b, d, u, a)))
    _set(result, bb, dd, uu, aa)
    return result


def _first_bad(mask: NDArray[np.bool_]) -> str:
    index = np.argwhere(mask)[0]
    return str(tuple(int(i) for i in index)) if index.size > 1 else str(int(index[0]))


def _validate(b: FloatArray, d: FloatArray, u: FloatArray, a: FloatArray) -> None:
    for name, values in (("belief", b), ("disbelief", d), ("uncertainty", u), ("base_rate", a)):
        bad = ~((values >= 0.0) & (values <= 1.0))
        if bad.any():
            where = _first_bad(bad)
            raise ValueError(f"{name} must be in [0, 1]; index {where} has {values[bad][0]!r}")
    bad = np.abs(b + d + u - 1.0) > ADDITIVITY_TOLERANCE
    if bad.any():
        where = _first_bad(bad)
        total = (b + d + u)[bad][0]
        raise ValueError(
            f"belief + disbelief + uncertainty must be 1; index {where} sums to {total!r}"
        )


def _as_arrays(op: Opinion | Opinions) -> Opinions:
    if isinstance(op, Opinion):
        return _make(op.belief, op.disbelief, op.uncertainty, op.base_rate)
    return op


def _like(template: Opinion | Opinions, result: Opinions) -> Opinion | Opinions:
    if isinstance(template, Opinion):
        return Opinion(float(result.b), float(result.d), float(result.u), float(result.a))
    return result


@overload
def from_evidence(
    positive: float, negative: float, base_rate: float, prior_weight: float = ...
) -> Opinion: ...
@overload
def from_evidence(
    positive: NDArray[Any], negative: ArrayLike, base_rate: ArrayLike, prior_weight: float = ...
) -> Opinions: ...
def from_evidence(
    positive: ArrayLike,
    negative: ArrayLike,
    base_rate: ArrayLike,
    prior_weight: float = DEFAULT_PRIOR_WEIGHT,
) -> Opinion | Opinions:
    """Map positive evidence r and negative evidence s to an opinion.

    b = r/(r+s+W), d = s/(r+s+W), u = W/(r+s+W) — the bijection between binomial opinions and
    Beta(r + aW, s + (1-a)W) distributions (Jøsang 2016, §3.4, mapping between a binomial
    opinion and a Beta PDF). Scalars in give an
    :class:`Opinion`; arrays in give :class:`Opinions`.
    """
    if not prior_weight > 0:
        raise ValueError(f"prior_weight must be > 0, got {prior_weight!r}")
    scalar = np.ndim(positive) == 0 and np.ndim(negative) == 0 and np.ndim(base_rate) == 0
    r = np.asarray(positive, dtype=np.float64)
    s = np.asarray(negative, dtype=np.float64)
    a = np.asarray(base_rate, dtype=np.float64)
    for name, values in (("positive", r), ("negative", s)):
        if values.size and not (values.min() >= 0.0 and values.max() < np.inf):
            bad = ~((values >= 0.0) & (values < np.inf))
            raise ValueError(
                f"{name} evidence must be finite and >= 0; "
                f"index {_first_bad(np.atleast_1d(bad))} is not"
            )
    if a.size and not (a.min() >= 0.0 and a.max() <= 1.0):
        bad = ~((a >= 0.0) & (a <= 1.0))
        raise ValueError(
            f"base_rate must be in [0, 1]; index {_first_bad(np.atleast_1d(bad))} is not"
        )
    if r.ndim == 0 and s.ndim == 0:
        inverse = np.divide(1.0, r + s + prior_weight)
        result = _make(r * inverse, s * inverse, prior_weight * inverse, a)
    else:  # the same operations in the same order, with one temporary instead of four
        inverse = np.add(r, s)
        inverse += prior_weight
        np.divide(1.0, inverse, out=inverse)
        b, d = r * inverse, s * inverse
        result = _make(b, d, np.multiply(inverse, prior_weight, out=inverse), a)
    if scalar:
        return Opinion(float(result.b), float(result.d), float(result.u), float(result.a))
    return result


def to_evidence(
    op: Opinion | Opinions, prior_weight: float = DEFAULT_PRIOR_WEIGHT
) -> tuple[Any, Any]:
    """Invert :func:`from_evidence`: r = W·b/u, s = W·d/u (Jøsang 2016, §3.4, the same
    mapping read backwards).

    A dogmatic opinion (u = 0) stands for infinite evidence: r (or s) is ``inf`` where its
    belief (or disbelief) is positive and 0 where it is zero. Returns floats for an
    :class:`Opinion`, arrays for :class:`Opinions`.
    """
    ops = _as_arrays(op)
    dogmatic = ops.u == 0.0
    safe_u = np.where(dogmatic, 1.0, ops.u)
    r = np.where(dogmatic, np.where(ops.b > 0, np.inf, 0.0), prior_weight * ops.b / safe_u)
    s = np.where(dogmatic, np.where(ops.d > 0, np.inf, 0.0), prior_weight * ops.d / safe_u)
    if isinstance(op, Opinion):
        return float(r), float(s)
    return r, s


@overload
def projected(op: Opinion) -> float: ...
@overload
def projected(op: Opinions) -> FloatArray: ...
def projected(op: Opinion | Opinions) -> float | FloatArray:
    """Projected probability P = b + a·u (Jøsang 2016, §3.4, binomial opinions).

    This is the single trust figure shown to people; u is shown beside it as the certainty.
    """
    if isinstance(op, Opinion):
        return op.projected
    return op.b + op.a * op.u


@overload
def cumulative_fuse(first: Opinion, second: Opinion) -> Opinion: ...
@overload
def cumulative_fuse(first: Opinions, second: Opinions | Opinion) -> Opinions: ...
def cumulative_fuse(first: Opinion | Opinions, second: Opinion | Opinions) -> Opinion | Opinions:
    """Aleatory cumulative belief fusion A ⊕ B (Jøsang 2016, §12.3, eq. 12.14).

    For independent bodies of evidence: it is exactly the addition of the two evidence
    counts (r_A + r_B, s_A + s_B). With κ = u_A + u_B - u_A·u_B:
    b = (b_A·u_B + b_B·u_A)/κ, d likewise, u = u_A·u_B/κ,
    a = (a_A·u_B + a_B·u_A - (a_A + a_B)·u_A·u_B)/(u_A + u_B - 2·u_A·u_B), and a = (a_A+a_B)/2
    when u_A = u_B = 1. Limit case u_A = u_B = 0 (both dogmatic): the two opinions get equal
    relative dogmatism γ_A = γ_B = 1/2, so b = (b_A + b_B)/2, d likewise, u = 0,
    a = (a_A + a_B)/2 (Jøsang 2016, §12.3, eq. 12.15).
    """
    x, y = _as_arrays(first), _as_arrays(second)
    both_dogmatic = (x.u == 0.0) & (y.u == 0.0)
    both_vacuous = (x.u == 1.0) & (y.u == 1.0)
    # The base rate is written as sums of non-negative terms so that nothing cancels
    # when both uncertainties are close to 1: algebraically the book's formulas.
    x_certain, y_certain = 1.0 - x.u, 1.0 - y.u
    kappa = np.where(both_dogmatic, 1.0, x.u + y.u - x.u * y.u)  # >= max(u_A, u_B)
    b = np.where(both_dogmatic, 0.5 * (x.b + y.b), (x.b * y.u + y.b * x.u) / kappa)
    d = np.where(both_dogmatic, 0.5 * (x.d + y.d), (x.d * y.u + y.d * x.u) / kappa)
    u = np.where(both_dogmatic, 0.0, x.u * y.u / kappa)
    special = both_dogmatic | both_vacuous
    a_den = np.where(special, 1.0, x.u * y_certain + y.u * x_certain)
    a = np.where(
        special,
        0.5 * (x.a + y.a),
        (x.a * y.u * x_certain + y.a * x.u * y_certain) / a_den,
    )
    return _like(first if isinstance(first, Opinions) else second, _clip(b, d, u, a))


@overload
def averaging_fuse(first: Opinion, second: Opinion) -> Opinion: ...
@overload
def averaging_fuse(first: Opinions, second: Opinions | Opinion) -> Opinions: ...
def averaging_fuse(first: Opinion | Opinions, second: Opinion | Opinions) -> Opinion | Opinions:
    """Averaging belief fusion A ⊕̲ B (Jøsang 2016, §12.4, averaging belief fusion).

    For dependent sources (the same evidence seen twice): it averages the evidence counts.
    b = (b_A·u_B + b_B·u_A)/(u_A + u_B), d likewise, u = 2·u_A·u_B/(u_A + u_B),
    a = (a_A + a_B)/2. Limit case u_A = u_B = 0: γ_A = γ_B = 1/2, b = (b_A + b_B)/2,
    d likewise, u = 0 (the book's eq. 12.19).
    """
    x, y = _as_arrays(first), _as_arrays(second)
    both_dogmatic = (x.u == 0.0) & (y.u == 0.0)
    den = np.where(both_dogmatic, 1.0, x.u + y.u)
    b = np.where(both_dogmatic, 0.5 * (x.b + y.b), (x.b * y.u + y.b * x.u) / den)
    d = np.where(both_dogmatic, 0.5 * (x.d + y.d), (x.d * y.u + y.d * x.u) / den)
    u = np.where(both_dogmatic, 0.0, 2.0 * x.u * y.u / den)
    a = 0.5 * (x.a + y.a)
    return _like(first if isinstance(first, Opinions) else second, _clip(b, d, u, a))


@overload
def discount(trust: Opinion, advice: Opinion) -> Opinion: ...
@overload
def discount(trust: Opinions | Opinion, advice: Opinions) -> Opinions: ...
@overload
def discount(trust: Opinions, advice: Opinion) -> Opinions: ...
def discount(trust: Opinion | Opinions, advice: Opinion | Opinions) -> Opinion | Opinions:
    """Trust discounting ω^[A;B]_X = ω^A_B ⊗ ω^B_X (Jøsang 2016, §14.3, eq. 14.6).

    The probability-sensitive variant of the 2016 book: with p = P(ω^A_B) the projected
    probability of A's trust in the advisor B,
    b = p·b_X, d = p·d_X, u = 1 - p·(b_X + d_X), a = a_X.
    Chosen over the older uncertainty-favouring operator (Jøsang, Hayward & Pope 2006:
    b = b_AB·b_X, ...) because it honours the base rate of the trust opinion: a new
    relationship's "starter kit" (u = 1, a = 0.5) passes half of the advice on instead of
    none, which is what the product promises; it is also the variant the ``subjective-logic``
    package implements, so the two cross-check.
    """
    t, x = _as_arrays(trust), _as_arrays(advice)
    p = projected(t)
    b = p * x.b
    d = p * x.d
    u = (1.0 - p) + p * x.u
    template = trust if isinstance(trust, Opinions) else advice
    return _like(template, _clip(b, d, u, x.a + 0.0 * p))


def _clip(b: FloatArray, d: FloatArray, u: FloatArray, a: FloatArray) -> Opinions:
    """Remove last-ulp excursions outside [0, 1] caused by rounding; nothing else changes."""
    return _make(
        np.clip(b, 0.0, 1.0), np.clip(d, 0.0, 1.0), np.clip(u, 0.0, 1.0), np.clip(a, 0.0, 1.0)
    )
