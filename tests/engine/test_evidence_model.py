"""The versioned evidence model: every product event maps to documented ABCD evidence."""

from __future__ import annotations

import pytest

from trustledger.engine import (
    DIMENSIONS,
    EvidenceModelError,
    assessment_evidence,
    commitment_evidence,
    load_evidence_model,
    signal_evidence,
)

PRODUCT_COMMITMENT_OUTCOMES = {
    "kept_on_time", "kept_late", "renegotiated_in_time", "broken", "released",
    "delivery_confirmed", "delivery_not_confirmed",
}  # fmt: skip
PRODUCT_SIGNALS = {
    "recognition", "more_responsibility_delegated", "autonomy_granted", "mistake_owned",
    "stood_up_for_someone", "information_shared", "went_first", "empathy",
    "candid_feedback_with_care", "expectations_clarified", "blamed_others", "micromanaged",
    "withheld_information", "broke_a_confidence", "took_credit", "said_one_thing_did_another",
}  # fmt: skip


@pytest.fixture(scope="module")
def model():
    return load_evidence_model()


def test_the_packaged_model_is_version_1_with_the_documented_defaults(model):
    assert model.version == "1"
    assert model.dimensions == DIMENSIONS == ("able", "believable", "connected", "dependable")
    assert (model.prior_weight, model.base_rate, model.half_life_days) == (2.0, 0.5, 180.0)
    assert (model.loss_aversion, model.severe_wipe_share) == (2.25, 0.8)


def test_every_product_event_has_a_rule(model):
    assert set(model.commitments) == PRODUCT_COMMITMENT_OUTCOMES
    assert set(model.signals) == PRODUCT_SIGNALS


def test_every_rule_splits_its_weight_over_dimensions_summing_to_one(model):
    for rule in (*model.commitments.values(), *model.signals.values()):
        assert sum(rule.shares) == pytest.approx(1.0)


def test_a_broken_promise_weighs_more_than_a_kept_one(model):
    kept = sum(row.positive for row in commitment_evidence(model, "kept_on_time", "routine"))
    broken = sum(row.negative for row in commitment_evidence(model, "broken", "routine"))
    assert broken == pytest.approx(kept * model.loss_aversion)


def test_only_a_broken_career_promise_or_a_broken_confidence_is_severe(model):
    severe = [
        (outcome, stakes)
        for outcome in model.commitments
        for stakes in model.stakes
        if any(row.severe for row in commitment_evidence(model, outcome, stakes))
    ]
    assert severe == [("broken", "career")]
    assert [k for k in model.signals if any(r.severe for r in signal_evidence(model, k))] == [
        "broke_a_confidence"
    ]
    assert sum(row.severe for row in commitment_evidence(model, "broken", "career")) == 1


def test_renegotiating_in_time_is_not_a_breach(model):
    rows = commitment_evidence(model, "renegotiated_in_time", "career")
    assert all(row.negative == 0 and not row.severe for row in rows)


def test_a_witness_moves_by_the_witness_discount_and_never_wipes(model):
    party = signal_evidence(model, "broke_a_confidence")
    witness = signal_evidence(model, "broke_a_confidence", witness=True)
    assert [w.negative for w in witness] == pytest.approx(
        [p.negative * model.witness_discount for p in party]
    )
    assert not any(row.severe for row in witness)


def test_an_assessment_mean_is_group_evidence_on_one_dimension(model):
    row = assessment_evidence(model, 2, mean_rating=5.5, n_raters=4)
    assert (row.dimension, row.positive, row.negative) == (
        2,
        pytest.approx(3.0),
        pytest.approx(1.0),
    )
    with pytest.raises(ValueError, match="mean_rating"):
        assessment_evidence(model, 2, mean_rating=8, n_raters=4)


def test_unknown_events_are_refused(model):
    with pytest.raises(ValueError, match="unknown commitment outcome"):
        commitment_evidence(model, "forgotten", "routine")
    with pytest.raises(ValueError, match="unknown stakes"):
        commitment_evidence(model, "broken", "cosmic")
    with pytest.raises(ValueError, match="unknown trust signal"):
        signal_evidence(model, "gossip")


def test_a_malformed_model_file_is_refused_naming_the_key(tmp_path):
    from trustledger.engine import default_evidence_model_path

    text = default_evidence_model_path().read_text(encoding="utf-8")
    broken = text.replace("dimensions = { connected = 1.0 }", "dimensions = { connected = 0.9 }", 1)
    path = tmp_path / "model.toml"
    path.write_text(broken, encoding="utf-8")
    with pytest.raises(EvidenceModelError, match=r"signal\.recognition\.dimensions: shares"):
        load_evidence_model(path)
    path.write_text(text.replace("half_life_days = 180.0", "half_life_days = -1"), "utf-8")
    with pytest.raises(EvidenceModelError, match="half_life_days: must be in"):
        load_evidence_model(path)
    path.write_text("version = ", encoding="utf-8")
    with pytest.raises(EvidenceModelError, match="not valid TOML"):
        load_evidence_model(path)


def test_the_spam_cap_has_documented_defaults_and_refuses_bad_values(model, tmp_path):
    from trustledger.engine import default_evidence_model_path

    assert (model.max_positive_per_period, model.cap_period_days) == (4.0, 7.0)
    text = default_evidence_model_path().read_text(encoding="utf-8")
    path = tmp_path / "model.toml"
    # An older file without the keys gets the defaults.
    lines = [line for line in text.splitlines() if not line.startswith(("max_positive", "cap_"))]
    path.write_text("\n".join(lines), encoding="utf-8")
    older = load_evidence_model(path)
    assert (older.max_positive_per_period, older.cap_period_days) == (4.0, 7.0)
    for line, key in (
        ("max_positive_per_period = 0", "max_positive_per_period: must be in"),
        ("max_positive_per_period = inf", "max_positive_per_period: must be in"),
        ('cap_period_days = "weekly"', "cap_period_days: must be a number"),
        ("cap_period_days = -7", "cap_period_days: must be in"),
    ):
        name = line.split(" = ")[0]
        default = f"{name} = {getattr(model, name)}"
        path.write_text(text.replace(default, line), encoding="utf-8")
        with pytest.raises(EvidenceModelError, match=key):
            load_evidence_model(path)
