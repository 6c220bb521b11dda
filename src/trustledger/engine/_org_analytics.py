"""Organisation analytics on aggregates: coaching readiness, trust versus retention
(survival curves) and trickle-down of distrust through a reporting tree.

Pure numpy/scipy like the rest of the engine. Every function works on arrays for the whole
organisation at once; the product applies the anonymity threshold to what it shows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import stats

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

READY = "ready"
BUILDING = "building"
NOT_YET = "not_yet"


def coaching_readiness(
    projected: npt.ArrayLike,
    uncertainty: npt.ArrayLike,
    *,
    ready_from: float = 0.7,
    low_below: float = 0.5,
    certain_within: float = 0.5,
) -> npt.NDArray[np.str_]:
    """Is a report ready to be coached by their manager, from the report's trust in the
    manager (projected probability) and its uncertainty?

    Coaching only lands where the person coached is receptive, and that "more than anything
    requires trust" in the coach's intent (T. O'Halloran, "5 Ways Leaders Develop a Culture
    of Trust", the seed article on coaching; P. J. Zak, "The Neuroscience of Trust", *Harvard
    Business Review*, 2017): **ready** when trust is high and established (P ≥
    ``ready_from``, u ≤ ``certain_within``); **not yet** when trust is low on real evidence
    (P < ``low_below``, u ≤ ``certain_within``); otherwise **building** — little evidence is not
    the same as low trust (PRODUCT.md principle 2).
    """
    p = np.asarray(projected, dtype=np.float64)
    u = np.asarray(uncertainty, dtype=np.float64)
    if not 0 <= low_below <= ready_from <= 1:
        raise ValueError("need 0 <= low_below <= ready_from <= 1")
    established = u <= certain_within
    result = np.full(np.broadcast(p, u).shape, BUILDING, dtype="<U8")
    result[established & (p >= ready_from)] = READY
    result[established & (p < low_below)] = NOT_YET
    return result


@dataclass(frozen=True)
class Survival:
    """A Kaplan–Meier curve: S(t) just after each distinct event time, with a pointwise
    confidence interval (Greenwood's variance on the log(-log S) scale)."""

    time: FloatArray
    survival: FloatArray
    low: FloatArray
    high: FloatArray
    at_risk: IntArray
    events: IntArray
    n: int

    def median(self) -> float:
        """The first time S(t) ≤ 0.5, or ``nan`` if it never drops that far."""
        below = np.flatnonzero(self.survival <= 0.5)
        return float(self.time[below[0]]) if below.size else float("nan")


def kaplan_meier(
    duration: npt.ArrayLike, event: npt.ArrayLike, confidence: float = 0.95
) -> Survival:
    """Kaplan–Meier estimate of the share still employed after t days.

    ``duration`` is time from the start of observation to leaving (``event`` true) or to the
    end of observation (``event`` false: still here, right-censored). S(t) = Π (1 − d_i/n_i)
    over event times t_i ≤ t (Kaplan & Meier, *JASA* 53, 1958); Greenwood's variance and the
    log(−log) interval (Kalbfleisch & Prentice, *The Statistical Analysis of Failure Time
    Data*, 2002, §1.4). Agrees with ``scipy.stats.ecdf`` on censored data (tested).
    """
    t = np.asarray(duration, dtype=np.float64)
    e = np.asarray(event, dtype=np.bool_)
    if t.shape != e.shape or t.ndim != 1:
        raise ValueError("duration and event must be 1-d arrays of the same length")
    if np.any(~np.isfinite(t)) or np.any(t < 0):
        raise ValueError("durations must be finite and non-negative")
    times, counts = np.unique(t[e], return_counts=True)
    at_risk = (t.size - np.searchsorted(np.sort(t), times, side="left")).astype(np.int64)
    events = counts.astype(np.int64)
    with np.errstate(divide="ignore", invalid="ignore"):
        survival = np.cumprod(1.0 - events / at_risk)
        greenwood = np.cumsum(events / (at_risk * (at_risk - events)))
        z = stats.norm.ppf(0.5 + confidence / 2)
        log_s = np.log(survival)
        se = np.sqrt(greenwood) / np.abs(log_s)
        low = survival ** np.exp(z * se)
        high = survival ** np.exp(-z * se)
    defined = (survival > 0) & (survival < 1)
    low = np.where(defined, low, survival)
    high = np.where(defined, high, survival)
    return Survival(
        time=times,
        survival=np.asarray(survival, dtype=np.float64),
        low=low,
        high=high,
        at_risk=at_risk,
        events=events,
        n=int(t.size),
    )


def survival_at(curve: Survival, t: float) -> float:
    """S(t): the curve's value at time t (1 before the first event)."""
    i = int(np.searchsorted(curve.time, t, side="right")) - 1
    return 1.0 if i < 0 else float(curve.survival[i])


def logrank(
    duration: npt.ArrayLike, event: npt.ArrayLike, group: npt.ArrayLike
) -> tuple[float, float]:
    """Log-rank test that survival differs between groups: (chi², p-value), k − 1 degrees
    of freedom (Mantel, *Cancer Chemotherapy Reports* 50, 1966)."""
    t = np.asarray(duration, dtype=np.float64)
    e = np.asarray(event, dtype=np.bool_)
    g = np.asarray(group)
    labels, gi = np.unique(g, return_inverse=True)
    k = labels.size
    if k < 2:
        return float("nan"), float("nan")
    times = np.unique(t[e])
    observed = np.zeros(k)
    expected = np.zeros(k)
    covariance = np.zeros((k, k))
    for time in times:
        risk = t >= time
        n_g = np.bincount(gi[risk], minlength=k).astype(np.float64)
        d_g = np.bincount(gi[(t == time) & e], minlength=k).astype(np.float64)
        n, d = n_g.sum(), d_g.sum()
        observed += d_g
        expected += d * n_g / n
        if n > 1:
            share = n_g / n
            covariance += d * (n - d) / (n - 1) * (np.diag(share) - np.outer(share, share))
    diff = (observed - expected)[:-1]
    v = covariance[:-1, :-1]
    chi2 = float(diff @ np.linalg.pinv(v) @ diff)
    return chi2, float(stats.chi2.sf(chi2, k - 1))


@dataclass(frozen=True)
class TrickleDown:
    """Per manager: distrusted or not, and whether distrust spreads below them.

    ``distrusted[m]``: trust in m from their direct reports is below the threshold.
    ``below_share[m]``: share of the managers in m's subtree (excluding m) who are distrusted.
    ``p_value[m]``: one-sided binomial test that ``below_share`` exceeds the organisation's
    base rate of distrust. ``starts_here[m]``: m is distrusted, m's own manager is not, and
    distrust below m is significantly above the base rate — a subtree where it starts at
    the top.
    """

    distrusted: BoolArray
    below_managers: IntArray
    below_distrusted: IntArray
    below_share: FloatArray
    base_rate: float
    p_value: FloatArray
    starts_here: BoolArray


def trickle_down(
    parent: npt.ArrayLike,
    trust_in: npt.ArrayLike,
    *,
    threshold: float = 0.5,
    alpha: float = 0.05,
) -> TrickleDown:
    """Does distrust of a subtree's leader go with distrust further down?

    ``parent[i]`` is i's manager (−1 for the top); ``trust_in[i]`` is the trust i's direct
    reports place in i (``nan`` for people without reports or with too few to show). A
    manager is distrusted when ``trust_in`` < ``threshold``. For each manager, count the
    managers below them (their whole subtree) and how many are distrusted, and test that
    share against the organisation's base rate with a one-sided binomial test. Distrust
    "starts at the top" of a subtree when its leader is distrusted, the leader's manager is
    not, and the subtree below is significantly more distrusted than the organisation
    (Bonferroni-corrected over the distrusted leaders tested). Trust flows down a hierarchy
    (Dirks & Ferrin, *J. Applied Psychology* 87, 2002, on trust in leadership); this is the
    descriptive test, not a causal claim.
    """
    par = np.asarray(parent, dtype=np.int64)
    trust = np.asarray(trust_in, dtype=np.float64)
    n = par.size
    if trust.shape != par.shape:
        raise ValueError("parent and trust_in must have the same length")
    if np.any((par < -1) | (par >= n)):
        raise ValueError("parent must hold indices in 0..n-1 or -1")
    is_manager = ~np.isnan(trust)
    distrusted = is_manager & (trust < threshold)
    # Depth-first order from the roots so that subtree sums are one reverse pass.
    children: list[list[int]] = [[] for _ in range(n)]
    roots: list[int] = []
    for i, p in enumerate(par.tolist()):
        (roots if p < 0 else children[p]).append(i)
    order: list[int] = []
    stack = list(reversed(roots))
    seen = np.zeros(n, dtype=np.bool_)
    while stack:
        i = stack.pop()
        if seen[i]:
            raise ValueError("the reporting tree has a cycle")
        seen[i] = True
        order.append(i)
        stack.extend(reversed(children[i]))
    if not seen.all():
        raise ValueError("the reporting tree has a cycle")
    below_managers = np.zeros(n, dtype=np.int64)
    below_distrusted = np.zeros(n, dtype=np.int64)
    for i in reversed(order):
        p = par[i]
        if p >= 0:
            below_managers[p] += below_managers[i] + int(is_manager[i])
            below_distrusted[p] += below_distrusted[i] + int(distrusted[i])
    total = int(is_manager.sum())
    base = float(distrusted.sum() / total) if total else float("nan")
    p_value = np.full(n, np.nan)
    share = np.full(n, np.nan)
    has_below = below_managers > 0
    share[has_below] = below_distrusted[has_below] / below_managers[has_below]
    if total and 0 < base < 1:
        p_value[has_below] = stats.binom.sf(
            below_distrusted[has_below] - 1, below_managers[has_below], base
        )
    parent_distrusted = np.where(par >= 0, distrusted[np.maximum(par, 0)], False)
    candidates = distrusted & ~parent_distrusted & has_below
    tests = max(int(candidates.sum()), 1)
    starts_here = candidates & (np.nan_to_num(p_value, nan=1.0) < alpha / tests)
    return TrickleDown(
        distrusted=distrusted,
        below_managers=below_managers,
        below_distrusted=below_distrusted,
        below_share=share,
        base_rate=base,
        p_value=p_value,
        starts_here=starts_here,
    )
