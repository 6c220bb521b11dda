"""docs/engine.md stays in sync with the evidence model it documents."""

from __future__ import annotations

from pathlib import Path

import pytest

from trustledger.engine import DIMENSIONS, load_evidence_model

DOC = Path(__file__).resolve().parents[2] / "docs" / "engine.md"


@pytest.fixture(scope="module")
def doc():
    return DOC.read_text(encoding="utf-8")


def test_every_event_kind_in_the_model_is_documented(doc):
    missing = [kind for kind in load_evidence_model().kinds if f"`{kind}`" not in doc]
    assert not missing


def test_every_dimension_and_default_is_documented(doc):
    model = load_evidence_model()
    assert all(f"`{name}`" in doc for name in DIMENSIONS)
    for setting in ("prior_weight", "base_rate", "half_life_days", "loss_aversion",
                    "severe_wipe_share", "witness_discount", "assessment_weight",
                    "max_positive_per_period", "cap_period_days"):  # fmt: skip
        value = getattr(model, setting)
        row = next(line for line in doc.splitlines() if line.startswith(f"| `{setting}`"))
        assert f"{value:g}" in row, (setting, row)
