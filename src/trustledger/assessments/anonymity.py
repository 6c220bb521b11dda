"""Which result cells of a campaign may be shown without exposing a group smaller than k.

Pure (no Django). A *cell* is one permitted cut — a team, a rater group within a team, an
attribute value, a time window, or any intersection of those — given as the set of
respondent ids (response ids for anonymous instruments) whose answers it aggregates.
:func:`disclose` decides, for the whole campaign at once, which cells may be shown.

The guarantee (docs/assessments.md §3): after :func:`disclose`, partition the respondents
by the set of *shown* cells they belong to (their signature). Every such group with a
non-empty signature — an *atom* — has at least k members. Anything an observer can compute
from shown counts, sums or shares by adding and subtracting cells (B − A, a team minus its
shown rater groups, window 2 minus window 1, A + B − (A ∪ B), …) is a linear combination
of cell indicators, so it is constant on atoms: it covers whole atoms and therefore
either nobody or at least k people. This implies the three rules of issue 5:

1. no shown cell has fewer than k respondents (a shown cell is a union of atoms);
2. complementary (next-smallest-group) suppression: a breakdown's total minus its shown
   groups is a union of atoms;
3. differencing: for shown A ⊂ B, B \\ A is a union of atoms, so |B \\ A| is 0 or ≥ k.

Algorithm: first hide every cell under k ("too_few"). Then, while some atom is smaller
than k, hide one more cell ("protects_others"): among the shown cells whose hiding merges
the small atom into a neighbouring non-empty atom (or leaves it in no shown cell), the one
with the fewest respondents — which is the next-smallest group of a breakdown. If no cell
merges it, the smallest cell containing it is hidden. Each step hides one cell, so it ends
after at most C steps. Atoms are tracked by a 128-bit Zobrist hash of the signature (XOR
of two random 64-bit keys per shown cell; collision probability ~ atoms² / 2¹²⁹),
updated incrementally when a cell is hidden: cost O(M) to build for M memberships
(Σ |cell|), then O(|c| + |smallest cell of the atom|) per hidden cell c. Finding the
fewest cells to hide is NP-hard (optimal cell suppression; Kelly, Golden & Assad,
*Networks* 22, 1992); this greedy is safe, not minimal.
"""

from __future__ import annotations

import heapq
from collections.abc import Collection, Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

import numpy as np
import numpy.typing as npt

K = TypeVar("K", bound=Hashable)

MINIMUM_K = 3
DEFAULT_K = 5
#: Comments quote people's own words, so they wait for a larger group by default.
DEFAULT_COMMENT_K = 10

TOO_FEW = "too_few"
PROTECTS_OTHERS = "protects_others"

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


def check_k(k: int) -> int:
    """Return k if it is a usable anonymity threshold (an integer ≥ 3), else raise."""
    if isinstance(k, bool) or not isinstance(k, int) or k < MINIMUM_K:
        raise ValueError(f"the anonymity threshold must be an integer of at least {MINIMUM_K}")
    return k


@dataclass(frozen=True)
class ArrayDisclosure:
    """:func:`disclose_arrays`' answer: per cell, shown or not and why not ("" if shown)."""

    shown: BoolArray
    reason: npt.NDArray[np.str_]
    respondents: IntArray


def disclose_arrays(
    cell_ptr: npt.ArrayLike, members: npt.ArrayLike, n_respondents: int, k: int = DEFAULT_K
) -> ArrayDisclosure:
    """:func:`disclose` on CSR arrays: cell c holds ``members[cell_ptr[c]:cell_ptr[c+1]]``
    (respondent indices 0 … n_respondents − 1, no duplicates within a cell).

    For bulk use (every team of a large campaign at once). Cells with exactly the same
    respondents are one cut under two names (a campaign with one subject: the subject is the
    organisation): they are decided together, so both are shown or neither.
    """
    check_k(k)
    ptr = np.asarray(cell_ptr, dtype=np.int64)
    who = np.asarray(members, dtype=np.int64)
    unique, first = _same_cells(ptr, who, n_respondents)
    if unique.size < ptr.size - 1:
        kept = np.concatenate([[0], np.cumsum(np.diff(ptr)[unique])])
        parts = [who[ptr[c] : ptr[c + 1]] for c in unique.tolist()]
        decided = _disclose_distinct(
            kept, np.concatenate(parts) if parts else who[:0], n_respondents, k
        )
        return ArrayDisclosure(
            shown=decided.shown[first],
            reason=decided.reason[first],
            respondents=decided.respondents[first],
        )
    return _disclose_distinct(ptr, who, n_respondents, k)


def _same_cells(ptr: IntArray, who: IntArray, n_respondents: int) -> tuple[IntArray, IntArray]:
    """The first cell of each distinct member set, and for every cell the index (into the
    first array) of its set. Sets are compared by size and a 128-bit Zobrist hash."""
    n_cells = ptr.size - 1
    sizes = np.diff(ptr)
    keys = (
        np.random.default_rng(0xCE11)
        .integers(1, np.iinfo(np.int64).max, size=(n_respondents, 2), dtype=np.int64)
        .view(np.uint64)
    )
    hashes = np.zeros((n_cells, 2), dtype=np.uint64)
    filled = np.flatnonzero(sizes > 0)
    if filled.size:
        hashes[filled] = np.bitwise_xor.reduceat(keys[who], ptr[filled], axis=0)
    table = np.column_stack([hashes.view(np.int64), sizes])
    _, unique, inverse = np.unique(table, axis=0, return_index=True, return_inverse=True)
    order = np.argsort(unique)
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    return unique[order].astype(np.int64), rank[inverse.ravel()].astype(np.int64)


def _disclose_distinct(ptr: IntArray, who: IntArray, n_respondents: int, k: int) -> ArrayDisclosure:
    """:func:`disclose_arrays` for cells that are pairwise distinct sets."""
    n_cells = ptr.size - 1
    sizes = np.diff(ptr)
    cell_of_membership = np.repeat(np.arange(n_cells, dtype=np.int64), sizes)
    shown = sizes >= k
    reason = np.where(shown, "", TOO_FEW).astype("<U16")

    # Respondent → cells (CSR), for finding a small atom's neighbours.
    order = np.argsort(who, kind="stable")
    r_cells = cell_of_membership[order]
    r_ptr = np.zeros(n_respondents + 1, dtype=np.int64)
    np.cumsum(np.bincount(who, minlength=n_respondents), out=r_ptr[1:])

    keys = (
        np.random.default_rng(0x5EED)
        .integers(1, np.iinfo(np.int64).max, size=(n_cells, 2), dtype=np.int64)
        .view(np.uint64)
    )
    # Each respondent's signature: XOR of the keys of the shown cells they are in.
    visible_keys = np.where(shown[r_cells, np.newaxis], keys[r_cells], np.uint64(0))
    signature = np.zeros((n_respondents, 2), dtype=np.uint64)
    has_cells = np.flatnonzero(np.diff(r_ptr) > 0)
    if has_cells.size:
        signature[has_cells] = np.bitwise_xor.reduceat(visible_keys, r_ptr[has_cells], axis=0)

    atoms: dict[tuple[int, int], int] = {}
    representative: dict[tuple[int, int], int] = {}
    _count(signature, np.arange(n_respondents), +1, atoms, representative)
    small = [s for s, n in atoms.items() if n < k and s != (0, 0)]
    heapq.heapify(small)

    while small:
        sig = heapq.heappop(small)
        if atoms.get(sig, 0) == 0 or atoms[sig] >= k:
            continue
        rep = representative[sig]
        if (int(signature[rep, 0]), int(signature[rep, 1])) != sig:  # moved since; find another
            rep = int(np.flatnonzero((signature[:, 0] == sig[0]) & (signature[:, 1] == sig[1]))[0])
            representative[sig] = rep
        own = r_cells[r_ptr[rep] : r_ptr[rep + 1]]
        own = own[shown[own]]
        smallest = own[np.argmin(sizes[own])]
        near = np.unique(r_cells_of(who[ptr[smallest] : ptr[smallest + 1]], r_ptr, r_cells))
        near = near[shown[near]]
        best, best_size = int(smallest), -1
        for cell in near.tolist():
            neighbour = (sig[0] ^ int(keys[cell, 0]), sig[1] ^ int(keys[cell, 1]))
            if neighbour == (0, 0) or atoms.get(neighbour, 0) > 0:
                size = int(sizes[cell])
                if best_size < 0 or size < best_size:
                    best, best_size = cell, size
        shown[best] = False
        reason[best] = PROTECTS_OTHERS
        moved = who[ptr[best] : ptr[best + 1]]
        _count(signature, moved, -1, atoms, representative)
        signature[moved] ^= keys[best]
        for s in _count(signature, moved, +1, atoms, representative):
            if s != (0, 0) and atoms[s] < k:
                heapq.heappush(small, s)
    return ArrayDisclosure(shown=shown, reason=reason, respondents=sizes.astype(np.int64))


def r_cells_of(respondents: IntArray, r_ptr: IntArray, r_cells: IntArray) -> IntArray:
    """Every cell that any of ``respondents`` belongs to (with repeats)."""
    starts, ends = r_ptr[respondents], r_ptr[respondents + 1]
    lengths = ends - starts
    offsets = np.repeat(starts - np.cumsum(lengths) + lengths, lengths)
    positions: IntArray = offsets + np.arange(int(lengths.sum()), dtype=np.int64)
    result: IntArray = r_cells[positions]
    return result


def _count(
    signature: npt.NDArray[np.uint64],
    respondents: IntArray,
    delta: int,
    atoms: dict[tuple[int, int], int],
    representative: dict[tuple[int, int], int],
) -> list[tuple[int, int]]:
    """Add (or remove) respondents to the atom counts; return the signatures touched."""
    if respondents.size == 0:
        return []
    if respondents.size < 512:
        rows = signature[respondents].tolist()
        pairs = [
            ((int(a), int(b)), int(r)) for (a, b), r in zip(rows, respondents.tolist(), strict=True)
        ]
    else:
        order = np.lexsort((signature[respondents, 1], signature[respondents, 0]))
        ordered = signature[respondents[order]]
        starts = np.flatnonzero(np.concatenate([[True], (ordered[1:] != ordered[:-1]).any(axis=1)]))
        counts = np.diff(np.append(starts, ordered.shape[0]))
        firsts = respondents[order[starts]]
        touched = []
        for (a, b), first, n in zip(
            ordered[starts].tolist(), firsts.tolist(), counts.tolist(), strict=True
        ):
            s = (int(a), int(b))
            _adjust(s, delta * n, int(first), delta, atoms, representative)
            touched.append(s)
        return touched
    grouped: dict[tuple[int, int], list[int]] = {}
    for s, r in pairs:
        grouped.setdefault(s, []).append(r)
    for s, members in grouped.items():
        _adjust(s, delta * len(members), members[0], delta, atoms, representative)
    return list(grouped)


def _adjust(
    s: tuple[int, int],
    change: int,
    respondent: int,
    delta: int,
    atoms: dict[tuple[int, int], int],
    representative: dict[tuple[int, int], int],
) -> None:
    atoms[s] = atoms.get(s, 0) + change
    if delta > 0:
        representative[s] = respondent
    elif atoms[s] == 0:
        del atoms[s]


@dataclass(frozen=True)
class Disclosure(Generic[K]):
    """Which cells may be shown; ``reason[key]`` is "" for a shown cell, else why not."""

    k: int
    shown: Mapping[K, bool]
    reason: Mapping[K, str]
    respondents: Mapping[K, int]

    def visible(self) -> list[K]:
        """The keys of the cells that may be shown, in input order."""
        return [key for key, ok in self.shown.items() if ok]


def disclose(cells: Mapping[K, Collection[Hashable]], k: int = DEFAULT_K) -> Disclosure[K]:
    """Decide which of a campaign's permitted cells may be shown (module docstring).

    ``cells`` maps each cell's key (e.g. ``("team", team_id)``, ``("team", t, "peers")``,
    ``("window", "2026-Q3")``) to the ids of the respondents it aggregates. Pass every cut
    any page, API call or export of the campaign may show: the check is only as good as
    the list of cuts it sees.
    """
    check_k(k)
    keys = list(cells)
    index: dict[Hashable, int] = {}
    ptr = [0]
    members: list[int] = []
    for key in keys:
        ids = {index.setdefault(rid, len(index)) for rid in cells[key]}
        members.extend(sorted(ids))
        ptr.append(len(members))
    result = disclose_arrays(np.array(ptr), np.array(members, dtype=np.int64), len(index), k)
    return Disclosure(
        k=k,
        shown={key: bool(result.shown[i]) for i, key in enumerate(keys)},
        reason={key: str(result.reason[i]) for i, key in enumerate(keys)},
        respondents={key: int(result.respondents[i]) for i, key in enumerate(keys)},
    )


def disclose_comments(
    commenters: Mapping[K, Collection[Hashable]],
    ratings: Disclosure[K],
    comment_k: int = DEFAULT_COMMENT_K,
) -> Disclosure[K]:
    """Which cells may show their comments: the same rule on the sets of people who left a
    comment, with the comment threshold, and only where the ratings themselves are shown.

    Comment texts are verbatim, so two nested cells showing comments reveal which comments
    came from their difference: the atom rule on commenter sets stops that as it does for
    ratings. ``comment_k`` is at least the ratings' k.
    """
    check_k(comment_k)
    if comment_k < ratings.k:
        raise ValueError("the comment threshold cannot be below the ratings threshold")
    eligible = {key: ids for key, ids in commenters.items() if ratings.shown.get(key, False)}
    decided = disclose(eligible, comment_k) if eligible else None
    shown = {key: bool(decided and decided.shown.get(key, False)) for key in commenters}
    reason = {
        key: (decided.reason[key] if decided and key in eligible else "ratings_hidden")
        for key in commenters
    }
    return Disclosure(
        k=comment_k,
        shown=shown,
        reason=reason,
        respondents={key: len(set(ids)) for key, ids in commenters.items()},
    )


def comments_for_display(comments: Iterable[str], rng: np.random.Generator) -> list[str]:
    """A shown cell's comments, unattributed and in random order (never submission order,
    which would line up with who answered when)."""
    texts = list(comments)
    return [texts[i] for i in rng.permutation(len(texts))]
