"""The engine is a plain library: a pinned public API, importable without Django."""

from __future__ import annotations

import subprocess
import sys

import trustledger.engine as engine

EXPORTED = {
    "DEFAULT_PRIOR_WEIGHT", "DIMENSIONS", "DecayedCounters", "EvidenceModel",
    "EvidenceModelError", "EvidenceRow", "EvidenceRule", "Explanation", "Opinion", "Opinions",
    "RelationshipEvidence", "RelationshipOpinions", "assessment_evidence", "averaging_fuse",
    "commitment_evidence", "counters_as_of", "cumulative_fuse", "default_evidence_model_path",
    "discount", "explain", "from_evidence", "load_evidence_model", "parse_evidence_model",
    "projected", "relationship_evidence", "relationship_opinions", "signal_evidence",
    "to_evidence", "update",
    "Standing", "TrustGraph", "Vouching", "local_trust", "standing", "vouch", "vouch_many",
    "ALIGNED", "BLIND_SPOT", "HIDDEN_STRENGTH", "NO_DATA", "Drivers", "Gaps", "GroupResults",
    "WaveDifference", "cronbach_alpha", "cronbach_alpha_by_dimension", "dimension_scores",
    "driver_analysis", "group_results", "relative_weights", "reverse_key", "self_other_gaps",
    "wave_difference", "wave_difference_from_summaries",
    "BUILDING", "NOT_YET", "READY", "Survival", "TrickleDown", "coaching_readiness",
    "kaplan_meier", "logrank", "survival_at", "trickle_down",
}  # fmt: skip


def test_the_public_names_are_pinned():
    assert set(engine.__all__) == EXPORTED
    assert all(hasattr(engine, name) for name in engine.__all__)


def test_the_engine_runs_in_a_plain_python_process_without_django():
    code = (
        "import sys, os; os.environ.pop('DJANGO_SETTINGS_MODULE', None)\n"
        "import trustledger.engine as e\n"
        "m = e.load_evidence_model()\n"
        "print(round(e.projected(e.from_evidence(7, 1, m.base_rate)), 6))\n"
        "assert not any(n == 'django' or n.startswith('django.') for n in sys.modules)\n"
        "assert 'trustledger.org' not in sys.modules\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "0.8"
