"""``python -m trustledger.engine.evaluate DATASET.csv.gz --protocol loo|temporal --out FILE.csv``

Edge-weight prediction on a real signed trust network (docs/evaluation.md). Prints RMSE and
PCC of the combined predictor and of each single predictor; writes one
``source,target,rating,predicted`` row per held-out edge to ``--out``. The same function,
:func:`trustledger.engine.evaluate_file`, is behind ``trustledger engine evaluate``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from trustledger.engine._evaluation import (
    PROTOCOLS,
    EvaluationError,
    EvaluationResult,
    evaluate_file,
)

__all__ = ["EvaluationResult", "evaluate_file", "format_result", "main"]


def format_result(result: EvaluationResult, dataset: str) -> str:
    """A short plain-text report: the combined figure first, then each single predictor."""
    lines = [
        f"{dataset}: protocol {result.protocol}, {result.n} held-out edges "
        f"of {result.n_edges} ({result.n_nodes} nodes), {result.seconds:.2f} s",
        f"{'predictor':<28} {'RMSE':>7} {'PCC':>7} {'RMSE(calibrated)':>17}",
        f"{'combined (cross-fitted)':<28} {result.rmse:7.4f} {result.pcc:7.4f} {'':>17}",
    ]
    for name, metrics in result.predictors.items():
        lines.append(
            f"{name:<28} {metrics.rmse:7.4f} {metrics.pcc:7.4f} "
            f"{result.calibrated[name].rmse:17.4f}"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Parse arguments, run the evaluation, print the figures; 0 on success, 2 on bad input."""
    parser = argparse.ArgumentParser(
        prog="python -m trustledger.engine.evaluate",
        description="Evaluate edge-weight prediction on a signed network (docs/evaluation.md).",
    )
    parser.add_argument("dataset", help="CSV (optionally .gz) with source,target,rating,time")
    parser.add_argument("--protocol", choices=PROTOCOLS, required=True)
    parser.add_argument("--sample", type=int, default=None, help="loo: held-out sample size")
    parser.add_argument("--seed", type=int, default=0, help="seed of the sample and the folds")
    parser.add_argument("--out", default=None, help="write source,target,rating,predicted here")
    args = parser.parse_args(argv)
    try:
        result = evaluate_file(
            args.dataset, args.protocol, sample=args.sample, seed=args.seed, out=args.out
        )
    except (EvaluationError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)  # noqa: T201
        return 2
    print(format_result(result, args.dataset))  # noqa: T201
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
