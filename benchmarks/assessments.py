"""Assessment results benchmark: every team's results with anonymity checks, 1M responses.

    .venv/bin/python benchmarks/assessments.py [--responses 1000000] [--items 30] [--teams 10000]

Synthetic campaign: responses spread over teams (sizes vary), each response from one rater
group (manager, peers, direct reports), 30 items in 5 dimensions on a 7-point scale, 5% of
answers left blank, every fifth item reverse-keyed. Times (best of --repeat) each step and
the total: reverse keying; results per team and per team × rater group
and the product's results computation (trustledger.assessments.results.decide_cells): sums
per base group (team × rater group), the anonymity decision over every cut at once (the
organisation, each team, each team × rater group; k = 5), the comment decision, and the
figures of every shown cut (means, shares, distributions, alpha, drivers where at least 30
answered). The target from issue 5 is the total under 5 s.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from _support import django_on_sqlite
from trustledger.engine import reverse_key

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
        "comments": ["A comment." if c else "" for c in (rng.random(responses) < 0.1).tolist()],
    }


def all_team_results(data: dict[str, Any], teams: int, k: int = 5) -> dict[str, float]:
    """The product's computation of a finished campaign's results
    (``trustledger.assessments.results.decide_cells``: sums per base group, the anonymity
    decision over every cut, the comment decision, each shown cut's figures), timed step by
    step (seconds). What it leaves out is reading the answers from and writing the cuts to
    the database."""
    from trustledger.assessments import results  # noqa: PLC0415 (after Django is set up)

    timings: dict[str, float] = {}

    def step(name: str, work: Callable[[], Any]) -> Any:
        start = time.perf_counter()
        value = work()
        timings[name] = time.perf_counter() - start
        return value

    items = data["scores"].shape[1]
    scores = step("reverse keying", lambda: reverse_key(data["scores"], data["reverse"], 7))
    answers = results.AnswerSheets(
        scores=scores,
        base=data["team"] * GROUPS + data["group"],
        comments=data["comments"],
        item_ids=[f"item-{j}" for j in range(items)],
        item_dimension=data["dimension"],
    )
    # The cuts of a leader assessment with one subject per team: the organisation, each
    # subject, each subject's rater groups.
    cuts = [results.Cut("organisation", "organisation", bases=list(range(teams * GROUPS)))]
    for t in range(teams):
        own = list(range(t * GROUPS, (t + 1) * GROUPS))
        cuts.append(results.Cut(f"subject:{t}", "subject", bases=own))
        cuts += [
            results.Cut(f"subject:{t}:{g}", "subject", group=str(g), bases=[own[g]])
            for g in range(GROUPS)
        ]
    # The parts on their own first (then again inside decide_cells): the results and the
    # anonymity checks, apart from turning the shown cuts' figures into their stored form.
    bench = instrument(items)
    step(
        "  part: sums per team x rater group", lambda: results._sums(answers, teams * GROUPS, bench)
    )
    step(
        "  part: anonymity decision, all cuts",
        lambda: results._decide(cuts, answers, teams * GROUPS, k),
    )
    parts = sum(timings.values())
    decided = step(
        "decide and figure every cut",
        lambda: results.decide_cells(cuts, answers, teams * GROUPS, bench, k, seed=0),
    )
    timings["total"] = sum(timings.values()) - parts + timings["reverse keying"]
    timings["results and anonymity checks"] = (
        timings["reverse keying"]
        + timings["  part: sums per team x rater group"]
        + timings["  part: anonymity decision, all cuts"]
    )
    timings["cells shown"] = float(sum(cell.shown for cell in decided))
    timings["cells"] = float(len(decided))
    return timings


def instrument(items: int) -> Any:
    """A 7-point instrument of ``items`` items in five dimensions (every fifth reversed)."""
    from trustledger.assessments.instruments import parse_instrument  # noqa: PLC0415

    dims = "".join(f'[[dimensions]]\nid = "d{d}"\nname = "D{d}"\n' for d in range(5))
    questions = "".join(
        f'[[forms.items]]\nid = "item-{j}"\ndimension = "d{j % 5}"\n'
        f'reverse = {"true" if j % 5 == 4 else "false"}\ntext = "Item {j}."\n'
        for j in range(items)
    )
    return parse_instrument(
        'id = "bench"\nversion = 1\ntitle = "Bench"\nanonymous = true\n'
        'comment_prompt = "Anything else?"\n'
        '[scale]\npoints = 7\nlabels = ["1", "2", "3", "4", "5", "6", "7"]\n'
        "unfavourable = [1, 3]\nneutral = [4, 4]\nfavourable = [5, 7]\n"
        + dims
        + '[[forms]]\nid = "others"\ntitle = "Others"\n'
        'rater_groups = ["manager", "peers", "direct_reports"]\nallow_skip = true\n' + questions
    )


def main() -> None:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--responses", type=int, default=1_000_000)
    parser.add_argument("--items", type=int, default=30)
    parser.add_argument("--teams", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    django_on_sqlite()
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
