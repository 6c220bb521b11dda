"""Every figure of docs/evaluation.md, in one run.

    .venv/bin/python benchmarks/evaluate.py [--data ../shared/data] [--seed 0] [--out DIR]

For Bitcoin OTC and Bitcoin Alpha, runs the ``loo`` and ``temporal`` protocols of
``trustledger.engine.evaluate`` (the same function as ``trustledger engine evaluate``) and
prints markdown tables: the combined predictor and each single predictor (RMSE, PCC, and RMSE
after a cross-fitted linear calibration), beside Kumar et al. 2016's Table IV figures. Then
the AUC of per-person standing against the REV2 fraud labels for OTC. With ``--out`` the
per-edge predictions are written there as ``<dataset>-<protocol>.csv``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from trustledger.engine._evaluation import (
    evaluate_file,
    fraud_detection_auc,
    load_edges,
    load_labels,
)

DATASETS = {"Bitcoin OTC": "bitcoin-otc.csv.gz", "Bitcoin Alpha": "bitcoin-alpha.csv.gz"}
#: Kumar, Spezzano, Subrahmanian, Faloutsos, ICDM 2016, Table IV (leave-one-out RMSE, PCC).
PAPER = {
    "Bitcoin OTC": {"Fairness × Goodness": (0.31, 0.49), "supervised regression": (0.26, 0.67)},
    "Bitcoin Alpha": {
        "Fairness × Goodness": (0.27, 0.41),
        "Reciprocal": (0.27, 0.47),
        "supervised regression": (0.22, 0.62),
    },
}


def main() -> None:
    """Run both protocols on both datasets and print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default_data = Path(__file__).resolve().parents[2] / "shared" / "data"
    parser.add_argument("--data", type=Path, default=default_data)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
    for title, filename in DATASETS.items():
        path = args.data / filename
        print(f"\n### {title} (`{filename}`)\n")
        results = {}
        for protocol in ("loo", "temporal"):
            out = None
            if args.out is not None:
                out = args.out / f"{filename.removesuffix('.csv.gz')}-{protocol}.csv"
            results[protocol] = evaluate_file(path, protocol, seed=args.seed, out=out)
        loo, temporal = results["loo"], results["temporal"]
        print(f"loo: {loo.n} held-out edges, {loo.seconds:.2f} s; "
              f"temporal: {temporal.n} held-out edges, {temporal.seconds:.2f} s\n")  # fmt: skip
        print("| predictor | loo RMSE | loo PCC | loo RMSE cal. | temporal RMSE | temporal PCC |")
        print("|---|---|---|---|---|---|")
        print(f"| **combined (cross-fitted ridge)** | **{loo.rmse:.3f}** | **{loo.pcc:.3f}** | "
              f"| **{temporal.rmse:.3f}** | **{temporal.pcc:.3f}** |")  # fmt: skip
        for name, metrics in loo.predictors.items():
            other = temporal.predictors[name]
            calibrated = loo.calibrated[name].rmse
            print(f"| `{name}` | {metrics.rmse:.3f} | {metrics.pcc:.3f} | {calibrated:.3f} | "
                  f"{other.rmse:.3f} | {other.pcc:.3f} |")  # fmt: skip
        for method, (rmse, pcc) in PAPER[title].items():
            print(f"| Kumar 2016, {method} (loo) | {rmse:.2f} | {pcc:.2f} | | | |")
    labels = args.data / "bitcoin-otc-rev2-groundtruth.csv.gz"
    nodes, benign = load_labels(labels)
    auc = fraud_detection_auc(load_edges(args.data / DATASETS["Bitcoin OTC"]), nodes, benign)
    print(f"\nREV2 labels ({benign.sum()} benign, {(~benign).sum()} fraudulent), AUC: "
          + ", ".join(f"{name} {value:.3f}" for name, value in auc.items()))  # fmt: skip


if __name__ == "__main__":
    main()
