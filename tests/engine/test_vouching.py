"""Trust through the network: someone I trust trusts you, without counting evidence twice."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from trustledger.engine import (
    Opinion,
    Opinions,
    TrustGraph,
    cumulative_fuse,
    discount,
    from_evidence,
    to_evidence,
    vouch,
    vouch_many,
)


def graph_of(evidence, n=None):
    """A TrustGraph from {(truster, trustee): (positive, negative)} on n people."""
    pairs = list(evidence)
    r = np.array([evidence[p][0] for p in pairs], dtype=float)
    s = np.array([evidence[p][1] for p in pairs], dtype=float)
    truster = np.array([p[0] for p in pairs], dtype=np.int64)
    trustee = np.array([p[1] for p in pairs], dtype=np.int64)
    n = max(max(p) for p in pairs) + 1 if n is None else n
    return TrustGraph.from_edges(truster, trustee, from_evidence(r, s, 0.5), n_people=n)


@st.composite
def networks(draw, max_people=8):
    """A random small trust network: {(i, j): (positive, negative)} with generic evidence."""
    n = draw(st.integers(3, max_people))
    pairs = [(i, j) for i in range(n) for j in range(n) if i != j]
    chosen = draw(st.lists(st.sampled_from(pairs), min_size=2, max_size=len(pairs), unique=True))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    evidence = {}
    for pair in chosen:
        negative_edge = rng.random() < 0.25
        positive = float(rng.exponential(1.0 if negative_edge else 6.0))
        negative = float(rng.exponential(6.0 if negative_edge else 1.0))
        evidence[pair] = (positive, negative)
    return n, evidence


def opinion_of(evidence, pair):
    return from_evidence(*evidence[pair], 0.5)


def close(x: Opinion, y: Opinion, tol: float = 1e-9) -> bool:
    return all(
        abs(p - q) <= tol
        for p, q in zip(
            (x.belief, x.disbelief, x.uncertainty, x.base_rate),
            (y.belief, y.disbelief, y.uncertainty, y.base_rate),
            strict=True,
        )
    )


def test_a_colleague_i_trust_vouches_for_someone_i_do_not_know():
    evidence = {(0, 1): (8.0, 0.0), (1, 2): (6.0, 2.0)}
    result = vouch(graph_of(evidence), 0, 2)
    expected = discount(opinion_of(evidence, (0, 1)), opinion_of(evidence, (1, 2)))
    assert close(result.opinion, expected)
    assert result.vouchers.tolist() == [1]
    assert result.best_paths.tolist() == [[0, 1, 2, -1]]
    assert result.counted.tolist() == [True]


def test_three_hops_discount_twice_and_two_independent_vouchers_are_fused():
    evidence = {
        (0, 1): (8.0, 0.0), (1, 3): (5.0, 1.0),  # 0 → 1 → 3
        (0, 2): (4.0, 1.0), (2, 4): (9.0, 0.0), (4, 3): (3.0, 3.0),  # 0 → 2 → 4 → 3
    }  # fmt: skip
    result = vouch(graph_of(evidence), 0, 3)
    via_1 = discount(opinion_of(evidence, (0, 1)), opinion_of(evidence, (1, 3)))
    via_2 = discount(
        opinion_of(evidence, (0, 2)),
        discount(opinion_of(evidence, (2, 4)), opinion_of(evidence, (4, 3))),
    )
    assert close(result.opinion, cumulative_fuse(via_1, via_2))
    assert sorted(result.vouchers.tolist()) == [1, 2]
    assert result.counted.all()


def test_the_same_witness_is_counted_once_for_the_stronger_voucher():
    # Both 1 and 2 know only what 3 says about 4: one body of evidence, counted once.
    evidence = {
        (0, 1): (9.0, 0.0), (0, 2): (2.0, 0.0),
        (1, 3): (9.0, 0.0), (2, 3): (9.0, 0.0), (3, 4): (7.0, 1.0),
    }  # fmt: skip
    result = vouch(graph_of(evidence), 0, 4)
    assert result.vouchers.tolist() == [1, 2]
    assert result.counted.tolist() == [True, False]
    assert close(result.opinion, result.contributions.opinion(0))


def test_advice_from_someone_i_distrust_is_ignored_not_inverted():
    evidence = {(0, 1): (0.0, 9.0), (1, 2): (0.0, 9.0), (0, 3): (5.0, 0.0), (3, 2): (1.0, 0.0)}
    result = vouch(graph_of(evidence), 0, 2)
    assert result.vouchers.tolist() == [3]  # 1 refers nothing: 0 distrusts 1
    only = vouch(graph_of({(0, 1): (0, 9), (1, 2): (0, 9)}), 0, 2)
    assert only.opinion == Opinion.vacuous(0.5)


def test_a_warning_travels_like_a_recommendation():
    evidence = {(0, 1): (9.0, 0.0), (1, 2): (0.0, 9.0)}
    result = vouch(graph_of(evidence), 0, 2)
    assert result.opinion.disbelief > result.opinion.belief


def test_without_any_path_the_opinion_is_vacuous_at_the_base_rate():
    evidence = {(0, 1): (3.0, 0.0), (2, 1): (3.0, 0.0)}
    result = vouch(graph_of(evidence), 0, 2, base_rate=0.4)
    assert result.opinion == Opinion.vacuous(0.4)
    assert result.vouchers.size == 0
    assert result.paths.shape == (0, 4)


def test_exclude_direct_asks_only_what_others_say():
    evidence = {(0, 2): (0.0, 5.0), (0, 1): (9.0, 0.0), (1, 2): (9.0, 0.0)}
    graph = graph_of(evidence)
    with_direct = vouch(graph, 0, 2)
    others = vouch(graph, 0, 2, exclude_direct=True)
    assert 2 in with_direct.vouchers.tolist()
    assert others.vouchers.tolist() == [1]
    assert others.opinion.belief > with_direct.opinion.belief


def test_bad_queries_and_bad_graphs_are_refused():
    evidence = {(0, 1): (1.0, 0.0), (1, 2): (1.0, 0.0)}
    graph = graph_of(evidence)
    with pytest.raises(ValueError, match="differ"):
        vouch(graph, 1, 1)
    with pytest.raises(ValueError, match="max_hops"):
        vouch(graph, 0, 2, max_hops=4)
    with pytest.raises(ValueError, match="0..2"):
        vouch(graph, 0, 3)
    ops = from_evidence(np.ones(2), np.zeros(2), 0.5)
    with pytest.raises(ValueError, match="repeats a directed pair"):
        TrustGraph.from_edges(np.array([0, 0]), np.array([1, 1]), ops)
    with pytest.raises(ValueError, match="self-loop"):
        TrustGraph.from_edges(np.array([0, 1]), np.array([1, 1]), ops)
    with pytest.raises(ValueError, match="dogmatic"):
        TrustGraph.from_edges(np.array([0]), np.array([1]), Opinions([1.0], [0.0], [0.0], [0.5]))


@given(networks())
def test_every_path_is_found_and_only_through_positive_trust(network):
    n, evidence = network
    graph = graph_of(evidence, n)
    g = nx.DiGraph(list(evidence))
    for source, target in [(0, n - 1), (1, 0), (n - 1, 1)]:
        if source not in g or target not in g:
            continue
        expected = {
            tuple(path)
            for path in nx.all_simple_paths(g, source, target, cutoff=3)
            if all(
                evidence[(a, b)][0] > evidence[(a, b)][1]
                for a, b in zip(path, path[1:-1], strict=False)
            )
        }
        found = {tuple(p for p in row if p >= 0) for row in vouch(graph, source, target).paths}
        assert found == expected


@given(networks())
def test_derived_opinions_are_valid_and_counted_paths_share_no_edge(network):
    n, evidence = network
    graph = graph_of(evidence, n)
    for source in range(n):
        for target in range(n):
            if source == target:
                continue
            result = vouch(graph, source, target)
            op = result.opinion
            assert abs(op.belief + op.disbelief + op.uncertainty - 1.0) <= 1e-9
            assert all(0.0 <= x <= 1.0 for x in (op.belief, op.disbelief, op.uncertainty))
            counted_paths = result.best_paths[result.counted]
            edges = [
                (a, b)
                for row in counted_paths
                for a, b in zip(row, row[1:], strict=False)
                if a >= 0 and b >= 0
            ]
            assert len(edges) == len(set(edges))


@given(networks())
def test_contributions_add_up_to_the_derived_opinion(network):
    # Cumulative fusion adds evidence (Jøsang 2016 §12.3): the derived evidence is the sum
    # of the counted vouchers' evidence; uncounted vouchers add nothing.
    n, evidence = network
    graph = graph_of(evidence, n)
    for target in range(1, n):
        result = vouch(graph, 0, target)
        r, s = to_evidence(result.opinion)
        parts_r, parts_s = to_evidence(result.contributions[result.counted])
        assert r == pytest.approx(float(np.sum(parts_r)), rel=1e-9, abs=1e-9)
        assert s == pytest.approx(float(np.sum(parts_s)), rel=1e-9, abs=1e-9)


@given(networks())
def test_one_hop_is_exactly_the_direct_relationship(network):
    n, evidence = network
    graph = graph_of(evidence, n)
    for source in range(n):
        for target in range(n):
            if source == target:
                continue
            result = vouch(graph, source, target, max_hops=1)
            if (source, target) in evidence:
                assert close(result.opinion, opinion_of(evidence, (source, target)), 1e-12)
            else:
                assert result.opinion == Opinion.vacuous(0.5)


@given(networks(), st.data())
def test_adding_positive_trust_never_lowers_a_vouchers_contribution(network, data):
    n, evidence = network
    missing = [(i, j) for i in range(n) for j in range(n) if i != j and (i, j) not in evidence]
    if not missing:
        return
    new_edge = data.draw(st.sampled_from(missing))
    before = graph_of(evidence, n)
    after = graph_of({**evidence, new_edge: (5.0, 0.5)}, n)
    for target in range(1, n):
        old = vouch(before, 0, target)
        new = vouch(after, 0, target)
        certainty_after = dict(zip(new.vouchers.tolist(), 1.0 - new.contributions.u, strict=True))
        for voucher, u in zip(old.vouchers.tolist(), old.contributions.u, strict=True):
            assert certainty_after[voucher] >= 1.0 - u - 1e-12


@given(networks(), st.randoms(use_true_random=False))
def test_relabelling_people_changes_nothing(network, random):
    n, evidence = network
    labels = list(range(n))
    random.shuffle(labels)
    relabelled = {(labels[i], labels[j]): ev for (i, j), ev in evidence.items()}
    graph, other = graph_of(evidence, n), graph_of(relabelled, n)
    for target in range(1, n):
        x = vouch(graph, 0, target)
        y = vouch(other, labels[0], labels[target])
        assert close(x.opinion, y.opinion, 1e-12)
        assert sorted(labels[v] for v in x.vouchers.tolist()) == sorted(y.vouchers.tolist())


@given(networks())
def test_a_batch_of_pairs_answers_like_single_queries(network):
    n, evidence = network
    graph = graph_of(evidence, n)
    sources = np.array([i for i in range(n) for j in range(n) if i != j])
    targets = np.array([j for i in range(n) for j in range(n) if i != j])
    opinions, results = vouch_many(graph, sources, targets)
    for k, (source, target) in enumerate(zip(sources, targets, strict=True)):
        single = vouch(graph, int(source), int(target))
        assert single.opinion == opinions.opinion(k) == results[k].opinion
