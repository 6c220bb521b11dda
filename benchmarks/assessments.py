"""Assessment results benchmark: every team's results with anonymity checks, 1M responses.

    .venv/bin/python benchmarks/assessments.py [--responses 1000000] [--items 30] [--teams 10000]

Synthetic campaign: responses spread over teams (sizes vary), each response from one rater
group (manager, peers, direct reports), 30 items in 5 dimensions on a 7-point scale, 5% of
answers left blank, every fifth item reverse-keyed. Times (best of --repeat) each step and
the total: reverse keying; results per team and per team × rater group
(trustledger.engine.group_results); the anonymity decision over all those cells at once
(trustledger.assessments.anonymity.disclose_arrays, k = 5); alpha per dimension. The
target from issue 5 is the total under 5 s.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from trustledger.assessments.anonymity import disclose_arrays
from trustledger.engine import cronbach_alpha_by_dimension, group_results, reverse_key

GROUPS = 3


def synthetic(responses: int, items: int, teams: int, seed: int) -> dict[str, Any]:
    """A campaign's responses as arrays."""
    rng = np.random.default_rng(seed)
    weights = rng.gamma(2.0, size=teams)
    team = rng.choice(teams, size=responses, p=weights / weights.sum()).astype(np.int64)
    group = rng.choice(GROUPS, size=responses, p=[0.05, 0.45, 0.5]).astype(np.int64)
    trait = rng.normal(size=(responses, 1)).astype(np.float32)
    scores = np.clip(
        np.rint(4.5 + trait + rng.normal(size=(responses, items)).astype(np.float32)), 1, 7
    )
    scores = scores.astype(np.float64)
    scores[rng.random((responses, items)) < 0.05] = np.nan
    return {
        "team": team,
        "group": group,
        "scores": scores,
        "dimension": np.arange(items, dtype=np.int64) % 5,
        "reverse": np.arange(items) % 5 == 4,
    }


def all_team_results(data: dict[str, Any], teams: int, k: int = 5) -> dict[str, float]:
    """The whole pipeline, timed step by step (seconds)."""
    timings: dict[str, float] = {}

    def step(name: str, work: Callable[[], Any]) -> Any:
        start = time.perf_counter()
        result = work()
        timings[name] = time.perf_counter() - start
        return result

    scores = step("reverse keying", lambda: reverse_key(data["scores"], data["reverse"], 7))
    team, group, dims = data["team"], data["group"], data["dimension"]
    step("results per team", lambda: group_results(scores, team, teams, dims, 5, 7, 5, 3))
    cell_of = team * GROUPS + group
    step(
        "results per team x rater group",
        lambda: group_results(scores, cell_of, teams * GROUPS, dims, 5, 7, 5, 3),
    )

    def anonymity() -> Any:
        # Cells: each team, then each team x rater group; members are response indices.
        n = team.size
        by_team = np.argsort(team, kind="stable")
        by_cell = np.argsort(cell_of, kind="stable")
        sizes = np.concatenate(
            [np.bincount(team, minlength=teams), np.bincount(cell_of, minlength=teams * GROUPS)]
        )
        ptr = np.concatenate([[0], np.cumsum(sizes)])
        return disclose_arrays(ptr, np.concatenate([by_team, by_cell]), n, k)

    decision = step("anonymity decision (all cells)", anonymity)
    step("alpha per dimension", lambda: cronbach_alpha_by_dimension(scores, dims, 5))
    timings["total"] = sum(timings.values())
    timings["cells shown"] = float(decision.shown.sum())
    timings["cells"] = float(decision.shown.size)
    return timings


def main() -> None:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--responses", type=int, default=1_000_000)
    parser.add_argument("--items", type=int, default=30)
    parser.add_argument("--teams", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    data = synthetic(args.responses, args.items, args.teams, args.seed)
    runs = [all_team_results(data, args.teams) for _ in range(args.repeat)]
    best = {name: min(run[name] for run in runs) for name in runs[0]}
    print(f"{args.responses:,} responses x {args.items} items, {args.teams:,} teams, k=5")
    for name, seconds in best.items():
        if name.startswith("cells"):
            print(f"  {name:34s} {int(seconds):>10,}")
        else:
            print(f"  {name:34s} {seconds:10.3f} s")


if __name__ == "__main__":
    main()
