"""Reporting-tree helpers on plain mappings (no database), shared by services and import."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import TypeVar

K = TypeVar("K", bound=Hashable)


def find_cycles(manager_of: Mapping[K, K]) -> list[list[K]]:
    """Every reporting cycle in ``manager_of`` (person → manager), each as a list of people.

    Linear time: each person is walked once (colouring, as in a depth-first search), and the
    walk goes on after the first loop so that every loop can be reported.
    """
    state: dict[K, int] = {}  # 1 = on the current walk, 2 = done
    cycles: list[list[K]] = []
    for start in manager_of:
        if start in state:
            continue
        walk: list[K] = []
        node: K | None = start
        while node is not None and node not in state:
            state[node] = 1
            walk.append(node)
            node = manager_of.get(node)
        if node is not None and state[node] == 1:
            cycles.append(walk[walk.index(node) :])
        for visited in walk:
            state[visited] = 2
    return cycles
