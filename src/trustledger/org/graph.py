"""Reporting-tree helpers that work on plain mappings (no database), shared by services and import."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import TypeVar

K = TypeVar("K", bound=Hashable)


def find_cycle(manager_of: Mapping[K, K]) -> list[K] | None:
    """Return one reporting cycle in ``manager_of`` (person → manager) as a list, or ``None``.

    Linear time: each person is walked once (colouring, as in a depth-first search).
    """
    state: dict[K, int] = {}  # 1 = on the current walk, 2 = known to reach a root
    for start in manager_of:
        if state.get(start) == 2:
            continue
        walk: list[K] = []
        node: K | None = start
        while node is not None and state.get(node) is None:
            state[node] = 1
            walk.append(node)
            node = manager_of.get(node)
        if node is not None and state.get(node) == 1:
            return walk[walk.index(node) :]
        for visited in walk:
            state[visited] = 2
    return None
