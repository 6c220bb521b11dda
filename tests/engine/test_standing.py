"""Standing: EigenTrust on the sparse trust matrix, checked against networkx.pagerank."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given
from hypothesis import strategies as st

from trustledger.engine import TrustGraph, from_evidence, local_trust, standing


@st.composite
def trust_graphs(draw, max_people=12):
    """A random TrustGraph on n people (some may trust nobody: dangling)."""
    n = draw(st.integers(2, max_people))
    pairs = [(i, j) for i in range(n) for j in range(n) if i != j]
    chosen = draw(st.lists(st.sampled_from(pairs), min_size=1, max_size=len(pairs), unique=True))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    truster = np.array([p[0] for p in chosen], dtype=np.int64)
    trustee = np.array([p[1] for p in chosen], dtype=np.int64)
    positive = rng.exponential(5.0, truster.size)
    negative = rng.exponential(2.0, truster.size)
    return TrustGraph.from_edges(
        truster, trustee, from_evidence(positive, negative, 0.5), n_people=n
    )


def pagerank(graph, alpha, personalisation):
    """networkx.pagerank with EigenTrust's teleport: damping 1 − α, dangling = pre-trusted."""
    g = nx.DiGraph()
    g.add_nodes_from(range(graph.n_people))
    for i, j, w in zip(graph.trusters(), graph.indices, local_trust(graph), strict=True):
        if w > 0:
            g.add_edge(int(i), int(j), weight=float(w))
    p = {i: float(personalisation[i]) for i in range(graph.n_people)}
    ranks = nx.pagerank(
        g, alpha=1.0 - alpha, personalization=p, dangling=p, tol=1e-12, max_iter=10_000
    )
    return np.array([ranks[i] for i in range(graph.n_people)])


@given(trust_graphs())
def test_standing_is_a_distribution_and_converges(graph):
    result = standing(graph)
    assert result.converged
    assert 1 <= result.iterations <= 200
    assert result.residual < 1e-10
    assert (result.values >= 0).all()
    assert result.values.sum() == pytest.approx(1.0, abs=1e-12)


@given(trust_graphs(), st.floats(0.05, 0.5), st.data())
def test_standing_agrees_with_networkx_pagerank(graph, alpha, data):
    people = data.draw(st.lists(st.integers(0, graph.n_people - 1), min_size=1, unique=True))
    result = standing(graph, pretrusted=np.array(people), alpha=alpha, max_iter=1000)
    assert result.converged
    personalisation = np.zeros(graph.n_people)
    personalisation[people] = 1.0 / len(people)
    np.testing.assert_allclose(result.values, pagerank(graph, alpha, personalisation), atol=1e-6)


@given(trust_graphs())
def test_a_sparse_matrix_of_local_trust_gives_the_same_standing(graph):
    matrix = sp.csr_array(
        (local_trust(graph), (graph.trusters(), graph.indices)),
        shape=(graph.n_people, graph.n_people),
    )
    np.testing.assert_allclose(standing(matrix).values, standing(graph).values, atol=1e-12)


@given(trust_graphs(), st.randoms(use_true_random=False))
def test_relabelling_people_permutes_their_standing(graph, random):
    labels = list(range(graph.n_people))
    random.shuffle(labels)
    perm = np.array(labels)
    other = TrustGraph.from_edges(
        perm[graph.trusters()], perm[graph.indices], graph.opinions, graph.n_people
    )
    moved = np.empty(graph.n_people)
    moved[perm] = standing(graph).values
    np.testing.assert_allclose(standing(other).values, moved, atol=1e-10)


def test_two_people_who_trust_each_other_share_standing_equally():
    graph = TrustGraph.from_edges(
        np.array([0, 1]), np.array([1, 0]), from_evidence(np.array([5.0, 1.0]), 0.0, 0.5)
    )
    np.testing.assert_allclose(standing(graph).values, [0.5, 0.5])


def test_someone_everyone_trusts_has_the_most_standing():
    truster = np.array([1, 2, 3, 4, 0])
    trustee = np.array([0, 0, 0, 0, 1])
    graph = TrustGraph.from_edges(truster, trustee, from_evidence(np.full(5, 4.0), 0.0, 0.5))
    values = standing(graph).values
    assert values.argmax() == 0


def test_distrust_gives_no_standing():
    # 1 and 2 have only negative evidence from 0: they get the teleport share, nothing more.
    graph = TrustGraph.from_edges(
        np.array([0, 0]), np.array([1, 2]), from_evidence(0.0, np.array([5.0, 5.0]), 0.5)
    )
    np.testing.assert_allclose(standing(graph).values, [1 / 3, 1 / 3, 1 / 3])


def test_iterations_and_residual_are_reported_when_not_converged():
    graph = TrustGraph.from_edges(
        np.array([0, 1, 2]), np.array([1, 2, 0]), from_evidence(np.array([5.0, 1.0, 3.0]), 0, 0.5)
    )
    result = standing(graph, pretrusted=[0], max_iter=3)
    assert result.iterations == 3
    assert not result.converged
    assert result.residual > 1e-10


def test_pretrusted_weights_and_indices_agree():
    graph = TrustGraph.from_edges(
        np.array([0, 1, 2, 3]), np.array([1, 2, 0, 0]), from_evidence(np.full(4, 3.0), 0, 0.5)
    )
    by_index = standing(graph, pretrusted=[1, 3]).values
    by_weight = standing(graph, pretrusted=np.array([0.0, 2.0, 0.0, 2.0])).values
    by_mask = standing(graph, pretrusted=np.array([False, True, False, True])).values
    np.testing.assert_allclose(by_index, by_weight, atol=1e-14)
    np.testing.assert_allclose(by_index, by_mask, atol=1e-14)


def test_bad_arguments_are_refused():
    graph = TrustGraph.from_edges(np.array([0]), np.array([1]), from_evidence([1.0], [0.0], 0.5))
    with pytest.raises(ValueError, match="alpha"):
        standing(graph, alpha=0.0)
    with pytest.raises(ValueError, match="pretrusted"):
        standing(graph, pretrusted=[5])
    with pytest.raises(ValueError, match="square"):
        standing(sp.csr_array(np.ones((2, 3))))
    with pytest.raises(TypeError):
        standing(np.ones((2, 2)))


@given(trust_graphs())
def test_relationships_of_distrust_change_no_standing(graph):
    # Edges with b <= d weigh nothing: standing leaves them out of the matrix entirely.
    weight = local_trust(graph)
    kept = weight > 0
    if not kept.any():
        return
    trusting = TrustGraph.from_edges(
        graph.trusters()[kept], graph.indices[kept], graph.opinions[kept], graph.n_people
    )
    np.testing.assert_allclose(standing(graph).values, standing(trusting).values, atol=1e-15)


@given(trust_graphs())
def test_everyone_pretrusted_equally_is_the_default(graph):
    everyone = np.ones(graph.n_people)
    result, default = standing(graph, pretrusted=everyone), standing(graph)
    np.testing.assert_allclose(default.values, result.values, atol=1e-15)
    assert default.iterations == result.iterations
