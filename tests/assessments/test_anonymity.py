"""Anonymity: no shown result can be narrowed, by any sum or difference of shown results,
to a group smaller than k. Unit tests of each rule with worked examples, then an adversary
on generated organisations."""

from __future__ import annotations

import itertools
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trustledger.assessments.anonymity import (
    PROTECTS_OTHERS,
    TOO_FEW,
    check_k,
    comments_for_display,
    disclose,
    disclose_arrays,
    disclose_comments,
)


def ids(a: int, b: int) -> set[int]:
    return set(range(a, b))


# --- rule by rule ---------------------------------------------------------------------------


def test_a_team_with_fewer_than_k_respondents_is_not_shown():
    d = disclose({"team A": ids(0, 4), "team B": ids(4, 9)}, k=5)
    assert d.shown == {"team A": False, "team B": True}
    assert d.reason["team A"] == TOO_FEW
    assert d.visible() == ["team B"]


def test_k_can_never_be_set_below_three():
    assert check_k(3) == 3
    for bad in (2, 0, -1, True, 4.0):
        with pytest.raises(ValueError, match="at least 3"):
            disclose({"x": ids(0, 9)}, k=bad)  # type: ignore[arg-type]


def test_when_one_rater_group_is_hidden_the_next_smallest_is_hidden_too():
    # Team of 12: manager 1 (too few), peers 6, direct reports 5. Showing the team, peers and
    # direct reports would give the manager's answer as team − peers − direct reports.
    cells = {"team": ids(0, 12), "manager": {0}, "peers": ids(1, 7), "directs": ids(7, 12)}
    d = disclose(cells, k=5)
    assert d.shown == {"team": True, "manager": False, "peers": True, "directs": False}
    assert d.reason["directs"] == PROTECTS_OTHERS


def test_hidden_groups_that_together_reach_k_need_no_further_suppression():
    cells = {"team": ids(0, 14), "manager": {0}, "peers": ids(1, 5), "directs": ids(5, 14)}
    d = disclose(cells, k=5)  # manager + peers = 5 hidden people: team − directs is 5 people
    assert d.shown == {"team": True, "manager": False, "peers": False, "directs": True}


def test_a_team_and_the_same_team_minus_a_subteam_of_two_are_not_both_shown():
    d = disclose({"department": ids(0, 12), "department without the platform team": ids(0, 10)})
    assert sum(d.shown.values()) == 1


def test_two_time_windows_differing_by_fewer_than_k_respondents_are_not_both_shown():
    d = disclose(
        {"until Monday": ids(0, 20), "until Tuesday": ids(0, 23), "until Friday": ids(0, 40)}
    )
    assert d.shown["until Friday"]
    assert d.shown["until Monday"] != d.shown["until Tuesday"]


def test_overlapping_teams_whose_overlap_could_be_isolated_are_split_up():
    # With the organisation total shown, A + B − (A ∪ B) … or A − (A \ B): the 2 people in both
    # teams must not be isolable. The rule hides one of the two overlapping teams.
    cells = {"org": ids(0, 100), "A": ids(0, 10), "B": ids(8, 18), "rest": ids(18, 100)}
    d = disclose(cells)
    assert d.shown["org"]
    assert d.shown["rest"]
    assert not (d.shown["A"] and d.shown["B"])


def test_disjoint_teams_and_cross_classified_cuts_that_are_all_large_are_all_shown():
    cells = {
        "org": ids(0, 40),
        "A": ids(0, 20),
        "B": ids(20, 40),
        "Berlin": ids(0, 10) | ids(20, 30),
    }
    assert all(disclose(cells).shown.values())


def test_comments_need_their_own_larger_group_and_shown_ratings():
    ratings = disclose({"team": ids(0, 12), "peers": ids(0, 6), "directs": ids(6, 12)}, k=5)
    comments = disclose_comments(
        {"team": ids(0, 11), "peers": ids(0, 6), "directs": ids(6, 11)}, ratings, comment_k=10
    )
    assert comments.shown == {"team": True, "peers": False, "directs": False}
    hidden_ratings = disclose({"team": ids(0, 4)}, k=5)
    assert (
        disclose_comments({"team": ids(0, 4)}, hidden_ratings, 5).reason["team"] == "ratings_hidden"
    )
    with pytest.raises(ValueError, match="below the ratings"):
        disclose_comments({"team": ids(0, 11)}, ratings, comment_k=4)


def test_a_team_minus_a_subteam_cannot_reveal_whose_comments_they_are():
    ratings = disclose({"team": ids(0, 30), "subteam": ids(0, 27)}, k=5)
    comments = disclose_comments({"team": ids(0, 22), "subteam": ids(0, 20)}, ratings, comment_k=10)
    assert sum(comments.shown.values()) <= 1  # otherwise the 2 extra comments are pinned down


def test_comments_are_shown_in_a_random_order():
    texts = [f"comment {i}" for i in range(30)]
    shown = comments_for_display(texts, np.random.default_rng(3))
    assert sorted(shown) == sorted(texts)
    assert shown != texts


def test_the_rules_are_importable_without_django():
    code = (
        "import sys\n"
        "import trustledger.assessments.anonymity, trustledger.assessments.instruments\n"
        "assert not any(n == 'django' or n.startswith('django.') for n in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr


# --- the adversary ----------------------------------------------------------------------------


@st.composite
def organisations(draw: st.DrawFn) -> tuple[dict[str, set[int]], int]:
    """A realistic organisation's permitted cuts for one campaign: teams of 2 to 12 in a
    reporting tree (each manager's subtree is a cut), rater groups within each team, a
    location attribute and its intersection with departments, cumulative time windows and
    a cross-team project group."""
    k = draw(st.integers(3, 6))
    n_teams = draw(st.integers(2, 9))
    sizes = [draw(st.integers(2, 12)) for _ in range(n_teams)]
    parents = [None] + [draw(st.integers(0, t - 1)) for t in range(1, n_teams)]
    respond = draw(st.floats(0.5, 1.0))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    cells: dict[str, set[int]] = {}
    members: list[list[int]] = []
    next_id = 0
    for t, size in enumerate(sizes):
        people = [next_id + i for i in range(size) if rng.random() < respond]
        next_id += size
        members.append(people)
        cells[f"team {t}"] = set(people)
        groups = rng.choice(3, size=len(people), p=[0.15, 0.45, 0.40])
        for g, name in enumerate(("manager", "peers", "directs")):
            cells[f"team {t} {name}"] = {p for p, x in zip(people, groups, strict=True) if x == g}

    def subtree(t: int) -> set[int]:
        out = set(members[t])
        for child, parent in enumerate(parents):
            if parent == t:
                out |= subtree(child)
        return out

    for t in range(n_teams):
        cells[f"department {t}"] = subtree(t)
    everyone = set().union(*members)
    cells["organisation"] = everyone
    location = {p: int(rng.integers(0, 3)) for p in everyone}
    for loc in range(3):
        cells[f"location {loc}"] = {p for p in everyone if location[p] == loc}
        cells[f"department 0 child at location {loc}"] = {
            p for p in subtree(min(1, n_teams - 1)) if location[p] == loc
        }
    order = rng.permutation(sorted(everyone)).tolist()
    for w, share in enumerate(sorted(draw(st.lists(st.floats(0.1, 1.0), min_size=1, max_size=4)))):
        cells[f"window {w}"] = set(order[: int(share * len(order))])
    cells["project"] = (
        set(rng.choice(sorted(everyone), size=min(len(everyone), 7), replace=False).tolist())
        if everyone
        else set()
    )
    return cells, k


def atoms(shown: list[set[int]]) -> dict[frozenset[int], int]:
    """Respondents grouped by exactly which shown cells include them."""
    signature: dict[int, set[int]] = {}
    for c, cell in enumerate(shown):
        for person in cell:
            signature.setdefault(person, set()).add(c)
    counts: dict[frozenset[int], int] = {}
    for cells in signature.values():
        counts[frozenset(cells)] = counts.get(frozenset(cells), 0) + 1
    return counts


@settings(max_examples=300)
@given(organisations())
def test_no_subtraction_of_shown_cells_isolates_fewer_than_k_people(org):
    cells, k = org
    decision = disclose(cells, k=k)
    shown = [cells[key] for key in cells if decision.shown[key]]
    for cell in shown:
        assert len(cell) >= k
    # Every pair: B − A, A − B, and A ∩ B (= A − (A − B) when the difference is shown too).
    for a, b in itertools.permutations(shown, 2):
        if a <= b:
            assert len(b - a) == 0 or len(b - a) >= k
    # Every combination: a shown cell minus any shown cells inside it that do not overlap.
    for b in shown:
        inside = [a for a in shown if a < b]
        for size in range(2, min(4, len(inside)) + 1):
            for combo in itertools.combinations(inside, size):
                if sum(len(a) for a in combo) == len(set().union(*combo)):
                    rest = b - set().union(*combo)
                    assert len(rest) == 0 or len(rest) >= k
    # Any sum or difference of shown cells is constant on atoms: each atom must reach k.
    for signature, count in atoms(shown).items():
        assert count >= k, signature


@settings(max_examples=60)
@given(organisations())
def test_no_linear_combination_of_shown_counts_pins_down_one_person(org):
    """The strongest attack on counts and sums: solve for any one person's indicator as a
    combination of the shown cells (least squares); it must never be exact."""
    cells, k = org
    decision = disclose(cells, k=k)
    shown = [cells[key] for key in cells if decision.shown[key]]
    people = sorted(set().union(*cells.values()))
    if not shown or not people:
        return
    column = {p: i for i, p in enumerate(people)}
    matrix = np.zeros((len(shown), len(people)))
    for row, cell in enumerate(shown):
        matrix[row, [column[p] for p in cell]] = 1.0
    for person in people:
        target = np.zeros(len(people))
        target[column[person]] = 1.0
        coefficients, *_ = np.linalg.lstsq(matrix.T, target, rcond=None)
        assert not np.allclose(matrix.T @ coefficients, target, atol=1e-6)


def test_bulk_arrays_give_the_same_answer_as_the_mapping_form():
    cells = {"team": ids(0, 12), "manager": {0}, "peers": ids(1, 7), "directs": ids(7, 12)}
    members = [sorted(c) for c in cells.values()]
    ptr = np.cumsum([0] + [len(m) for m in members])
    got = disclose_arrays(ptr, np.concatenate(members), 12, k=5)
    assert got.shown.tolist() == list(disclose(cells, k=5).shown.values())


def test_a_large_campaign_in_bulk_leaves_no_atom_below_k():
    rng = np.random.default_rng(11)
    n, teams = 6000, 600
    team = rng.integers(0, teams, n)
    group = rng.choice(3, size=n, p=[0.05, 0.45, 0.5])
    department = team // 20
    window = rng.random(n) < 0.97  # a window that leaves out 3% of respondents
    cells = (
        [np.flatnonzero(team == t) for t in range(teams)]
        + [np.flatnonzero((team == t) & (group == g)) for t in range(teams) for g in range(3)]
        + [np.flatnonzero(department == d) for d in range(teams // 20)]
        + [np.arange(n), np.flatnonzero(window)]
    )
    ptr = np.cumsum([0] + [len(c) for c in cells])
    decision = disclose_arrays(ptr, np.concatenate(cells), n, k=5)
    shown = [set(c.tolist()) for c, ok in zip(cells, decision.shown, strict=True) if ok]
    assert decision.shown[-2]  # the organisation total survives
    assert min(atoms(shown).values()) >= 5


def test_nothing_to_decide_is_not_an_error():
    assert disclose({}).shown == {}
    assert disclose({"empty team": set()}).shown == {"empty team": False}
