"""Resistance to gaming: a ring of colluders praising each other gains bounded standing and
no vouching power over people outside the ring, and one person spamming praise about another
moves that relationship by no more than the per-period cap (bounds in docs/engine.md §8)."""

from __future__ import annotations

import numpy as np
import pytest

from trustledger.engine import (
    DEFAULT_PRIOR_WEIGHT,
    DIMENSIONS,
    DecayedCounters,
    TrustGraph,
    counters_as_of,
    from_evidence,
    load_evidence_model,
    local_trust,
    projected,
    relationship_evidence,
    signal_evidence,
    standing,
    to_evidence,
    update,
    vouch,
)

PEOPLE = 2_000
TEAM_SIZE = 6
ALPHA = 0.15
RING = 8
#: The pre-trusted set: the CEO and the first two levels of management (outside the ring).
LEADERSHIP = np.arange(1 + TEAM_SIZE + TEAM_SIZE**2)


def organisation(rng):
    """(truster, trustee, positive, negative) of a realistic synthetic organisation.

    A reporting tree (teams of 6), manager ↔ report and teammate ↔ teammate relationships,
    and 8 cross-team relationships per person; most relationships are positive, one in ten
    leans negative.
    """
    person = np.arange(1, PEOPLE)
    manager = (person - 1) // TEAM_SIZE
    pairs = [np.c_[person, manager], np.c_[manager, person]]
    for offset in range(1, TEAM_SIZE):  # teammates: same manager
        mate = person + offset
        same_team = (mate < PEOPLE) & ((mate - 1) // TEAM_SIZE == manager)
        pairs += [np.c_[person, mate][same_team], np.c_[mate, person][same_team]]
    everyone = np.arange(PEOPLE)
    pairs.append(np.c_[np.repeat(everyone, 8), rng.integers(0, PEOPLE, PEOPLE * 8)])
    edges = np.unique(np.concatenate(pairs), axis=0)
    edges = edges[edges[:, 0] != edges[:, 1]]
    leans_negative = rng.random(len(edges)) < 0.1
    positive = rng.exponential(np.where(leans_negative, 1.0, 6.0))
    negative = rng.exponential(np.where(leans_negative, 6.0, 1.0))
    return edges[:, 0], edges[:, 1], positive, negative


def collude(rng, praise, *, outsiders_trust_ring):
    """The organisation where a ring of RING people record only praise for each other.

    The ring members' own relationships to outsiders carry nothing any more; each ring
    member records ``praise`` units of positive evidence about every other member. With
    ``outsiders_trust_ring`` False nobody outside the ring has positive trust in a member.
    """
    truster, trustee, positive, negative = organisation(rng)
    ring = rng.choice(np.arange(len(LEADERSHIP), PEOPLE), RING, replace=False)
    in_ring = np.zeros(PEOPLE, dtype=bool)
    in_ring[ring] = True
    keep = ~in_ring[truster]
    if not outsiders_trust_ring:
        keep &= ~in_ring[trustee]
    truster, trustee = truster[keep], trustee[keep]
    positive, negative = positive[keep], negative[keep]
    inside = np.array([(i, j) for i in ring for j in ring if i != j])
    truster = np.r_[truster, inside[:, 0]]
    trustee = np.r_[trustee, inside[:, 1]]
    positive = np.r_[positive, np.full(len(inside), float(praise))]
    negative = np.r_[negative, np.zeros(len(inside))]
    return truster, trustee, positive, negative, ring, in_ring


def graph(truster, trustee, positive, negative):
    return TrustGraph.from_edges(
        truster, trustee, from_evidence(positive, negative, 0.5), n_people=PEOPLE
    )


def inflow(g, values, in_ring):
    """F = Σ_{i outside} t_i · c_i(R): standing that outsiders pass into the ring."""
    weight = local_trust(g)
    trusters = g.trusters()
    row_sum = np.bincount(trusters, weights=weight, minlength=PEOPLE)
    into_ring = np.bincount(trusters, weights=weight * in_ring[g.indices], minlength=PEOPLE)
    share = np.divide(into_ring, row_sum, out=np.zeros(PEOPLE), where=row_sum > 0)
    outside = ~in_ring
    return float(values[outside] @ share[outside]), float(share[outside].max())


@pytest.mark.parametrize("praise", [10.0, 10_000.0])
def test_a_ring_nobody_trusts_gains_no_standing_however_much_it_praises_itself(praise):
    *edges, _, in_ring = collude(np.random.default_rng(7), praise, outsiders_trust_ring=False)
    result = standing(graph(*edges), pretrusted=LEADERSHIP, alpha=ALPHA)
    assert result.converged
    assert result.values[in_ring].sum() <= 1e-12


@pytest.mark.parametrize("praise", [10.0, 10_000.0])
def test_a_ring_inside_the_organisation_gains_no_more_than_the_trust_flowing_into_it(praise):
    *edges, ring, in_ring = collude(np.random.default_rng(11), praise, outsiders_trust_ring=True)
    g = graph(*edges)
    result = standing(g, pretrusted=LEADERSHIP, alpha=ALPHA)
    assert result.converged
    ring_standing = float(result.values[in_ring].sum())
    flow, widest_share = inflow(g, result.values, in_ring)
    # Exact: T_R ≤ (1 − α)/α · F (equality when the ring trusts only itself).
    assert ring_standing <= (1 - ALPHA) / ALPHA * flow + 1e-9
    assert ring_standing == pytest.approx((1 - ALPHA) / ALPHA * flow, rel=1e-6)
    # A priori, from the outsiders' own choices only: T_R ≤ (1−α)γ / (α + (1−α)γ).
    gamma = widest_share
    assert ring_standing <= (1 - ALPHA) * gamma / (ALPHA + (1 - ALPHA) * gamma) + 1e-12
    # What the ring would have with honest relationships: collusion buys at most the bound.
    honest = graph(*organisation(np.random.default_rng(11)))
    honest_standing = float(standing(honest, pretrusted=LEADERSHIP).values[in_ring].sum())
    assert ring_standing - honest_standing <= (1 - ALPHA) / ALPHA * flow


def test_praise_volume_inside_the_ring_buys_no_standing():
    light = collude(np.random.default_rng(11), 10.0, outsiders_trust_ring=True)
    heavy = collude(np.random.default_rng(11), 10_000.0, outsiders_trust_ring=True)
    in_ring = light[5]
    t_light = standing(graph(*light[:4]), pretrusted=LEADERSHIP).values[in_ring].sum()
    t_heavy = standing(graph(*heavy[:4]), pretrusted=LEADERSHIP).values[in_ring].sum()
    assert t_heavy == pytest.approx(t_light, abs=1e-9)


def test_a_ring_nobody_trusts_has_no_vouching_power():
    *edges, ring, in_ring = collude(np.random.default_rng(3), 10_000.0, outsiders_trust_ring=False)
    g = graph(*edges)
    without_ring_praise = graph(*(x[~in_ring[edges[0]]] for x in edges))
    rng = np.random.default_rng(4)
    outsiders = np.flatnonzero(~in_ring)
    for source in rng.choice(outsiders, 60, replace=False):
        for target in [*rng.choice(outsiders, 3), *ring[:2]]:
            if source == target:
                continue
            result = vouch(g, int(source), int(target))
            middle = result.paths[:, 1:3]
            assert not in_ring[middle[middle >= 0]].any() or target in ring
            assert result.opinion == vouch(without_ring_praise, int(source), int(target)).opinion


def test_one_thin_entry_into_the_ring_limits_what_it_can_vouch():
    *edges, ring, in_ring = collude(
        np.random.default_rng(5), 1_000_000.0, outsiders_trust_ring=False
    )
    truster, trustee, positive, negative = edges
    outsiders = np.flatnonzero(~in_ring)
    entry_truster, entry = int(outsiders[0]), int(ring[0])
    # One outsider has one good experience with one ring member: r = 1, s = 0.
    g = graph(
        np.r_[truster, entry_truster], np.r_[trustee, entry], np.r_[positive, 1.0],
        np.r_[negative, 0.0],
    )  # fmt: skip
    thin = projected(from_evidence(1.0, 0.0, 0.5))  # P(ω_oe) = 2/3
    ceiling = DEFAULT_PRIOR_WEIGHT * thin / (1 - thin)  # evidence ≤ W·P/(1 − P) = 4
    for member in ring[1:]:
        result = vouch(g, entry_truster, int(member))
        assert result.vouchers.tolist() == [entry]
        assert 1 - result.opinion.uncertainty <= thin + 1e-12
        assert sum(to_evidence(result.opinion)) <= ceiling + 1e-9
    # Someone who trusts the entry truster gets even less: certainty ≤ P(ω_so)·P(ω_oe).
    knows_entry = np.flatnonzero(g.indices == entry_truster)
    source = int(g.trusters()[knows_entry[0]])
    via = g.edge_projected[knows_entry[0]]
    for member in ring[1:]:
        result = vouch(g, source, int(member))
        assert 1 - result.opinion.uncertainty <= via * thin + 1e-12
    # The ring has no relationships to outsiders: what anyone derives about them is unchanged.
    without_ring_praise = graph(*(x[~in_ring[truster]] for x in edges))
    for target in outsiders[1:40]:
        assert (
            vouch(g, entry_truster, int(target)).opinion
            == vouch(without_ring_praise, entry_truster, int(target)).opinion
        )


CONNECTED = DIMENSIONS.index("connected")
BELIEVABLE = DIMENSIONS.index("believable")


def spam_week(model, kinds, count, start_day):
    """``count`` signals of the given kinds in one week from ``start_day``: evidence rows."""
    times = start_day + np.linspace(0.0, model.cap_period_days, count, endpoint=False)
    return [
        (row.dimension, row.positive, row.negative, float(when), row.severe)
        for when, kind in zip(times, np.resize(np.array(kinds), count), strict=True)
        for row in signal_evidence(model, str(kind))
    ]


def relationship(model, rows, as_of):
    """(positive, negative) per dimension of one relationship, batch and incremental agreeing."""
    dim, pos, neg, time, severe = (np.array(column) for column in zip(*rows, strict=True))
    cap = {"max_positive_per_period": model.max_positive_per_period,
           "cap_period_days": model.cap_period_days}  # fmt: skip
    sums = relationship_evidence(
        np.zeros(len(rows), dtype=np.int64), dim.astype(np.int8), pos, neg, time, severe,
        as_of=as_of, half_life_days=model.half_life_days, wipe_share=model.severe_wipe_share,
        n_relationships=1, **cap,
    )  # fmt: skip
    counters = DecayedCounters()
    for d, p, n, t, s in sorted(rows, key=lambda row: row[3]):
        counters = update(
            counters, dimension=d, positive=p, negative=n, time=t, severe=s,
            half_life_days=model.half_life_days, wipe_share=model.severe_wipe_share, **cap,
        )  # fmt: skip
    incremental = counters_as_of(counters, as_of, half_life_days=model.half_life_days)
    np.testing.assert_allclose(incremental[0], sums.positive[0], rtol=1e-9)
    np.testing.assert_allclose(incremental[1], sums.negative[0], rtol=1e-9)
    return sums.positive[0], sums.negative[0]


def test_a_thousand_praise_signals_in_one_week_move_the_relationship_no_more_than_the_cap():
    model = load_evidence_model()
    cap, week = model.max_positive_per_period, model.cap_period_days
    # An honest history first: a year of occasional recognition and one withheld-information.
    history = spam_week(model, ["recognition"], 3, 0.0) + spam_week(
        model, ["withheld_information"], 1, 140.0
    )
    start = 52 * week  # the spam starts on a period boundary
    end = start + week
    before_pos, before_neg = relationship(model, history, end)
    spam = spam_week(model, ["recognition"], 1000, start)
    after_pos, after_neg = relationship(model, history + spam, end)
    raw = sum(row[1] for row in spam)
    assert raw == 500.0  # what the spammer recorded: 500 units of `connected` evidence
    assert after_pos[CONNECTED] - before_pos[CONNECTED] <= cap * (1 + 1e-12)
    np.testing.assert_array_equal(np.delete(after_pos, CONNECTED), np.delete(before_pos, CONNECTED))
    np.testing.assert_array_equal(after_neg, before_neg)
    # 1000 signals move the opinion exactly as far as the first cap / 0.5 = 8 do.
    eight = relationship(model, history + spam[:8], end)[0]
    assert after_pos[CONNECTED] == pytest.approx(eight[CONNECTED], rel=1e-12)
    # The bound on projected trust (docs §8): ΔP ≤ c·(1 − P₀) / (r₀ + s₀ + W + c).
    r0, s0 = before_pos[CONNECTED], before_neg[CONNECTED]
    w, a = model.prior_weight, model.base_rate
    p0 = projected(from_evidence(r0, s0, a, w))
    p1 = projected(from_evidence(after_pos[CONNECTED], after_neg[CONNECTED], a, w))
    assert 0 < p1 - p0 <= cap * (1 - p0) / (r0 + s0 + w + cap) + 1e-12
    # Over k weeks of spam the gain is at most k caps (less with decay), never the raw volume.
    months = [
        row for k in range(4) for row in spam_week(model, ["recognition"], 1000, start + k * week)
    ]
    month_pos = relationship(model, history + months, start + 4 * week)[0]
    assert month_pos[CONNECTED] - before_pos[CONNECTED] <= 4 * cap


def test_the_cap_never_hides_a_real_breach():
    model = load_evidence_model()
    start = 10 * model.cap_period_days
    complaints = spam_week(model, ["took_credit"], 40, start)
    _, negative = relationship(model, complaints, start + model.cap_period_days)
    raw = sum(row[2] for row in complaints)
    assert negative[BELIEVABLE] > 0.97 * raw  # all 40 count (decayed by < 3% within the week)
    assert raw > 10 * model.max_positive_per_period
