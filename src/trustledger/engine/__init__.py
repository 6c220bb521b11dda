"""trustledger's trust engine: a pure numpy library, no Django, arrays in and arrays out.

Subjective-logic opinions and operators (Jøsang, *Subjective Logic*, Springer 2016), the
versioned evidence model that turns product events into ABCD evidence, and relationship trust
for every directed pair at once, with an O(1) incremental update that equals the batch;
trust through the network (vouching over paths of at most 3 hops) and standing (EigenTrust).
See docs/engine.md.
"""

from trustledger.engine._evidence_model import (
    DIMENSIONS,
    EvidenceModel,
    EvidenceModelError,
    EvidenceRow,
    EvidenceRule,
    assessment_evidence,
    commitment_evidence,
    default_evidence_model_path,
    load_evidence_model,
    parse_evidence_model,
    signal_evidence,
)
from trustledger.engine._network import TrustGraph
from trustledger.engine._opinions import (
    DEFAULT_PRIOR_WEIGHT,
    Opinion,
    Opinions,
    averaging_fuse,
    cumulative_fuse,
    discount,
    from_evidence,
    projected,
    to_evidence,
)
from trustledger.engine._relationships import (
    DecayedCounters,
    Explanation,
    RelationshipEvidence,
    RelationshipOpinions,
    counters_as_of,
    explain,
    relationship_evidence,
    relationship_opinions,
    update,
)
from trustledger.engine._standing import Standing, local_trust, standing
from trustledger.engine._vouching import Vouching, vouch, vouch_many

__all__ = [
    "DEFAULT_PRIOR_WEIGHT",
    "DIMENSIONS",
    "DecayedCounters",
    "EvidenceModel",
    "EvidenceModelError",
    "EvidenceRow",
    "EvidenceRule",
    "Explanation",
    "Opinion",
    "Opinions",
    "RelationshipEvidence",
    "RelationshipOpinions",
    "Standing",
    "TrustGraph",
    "Vouching",
    "assessment_evidence",
    "averaging_fuse",
    "commitment_evidence",
    "counters_as_of",
    "cumulative_fuse",
    "default_evidence_model_path",
    "discount",
    "explain",
    "from_evidence",
    "load_evidence_model",
    "local_trust",
    "parse_evidence_model",
    "projected",
    "relationship_evidence",
    "relationship_opinions",
    "signal_evidence",
    "standing",
    "to_evidence",
    "update",
    "vouch",
    "vouch_many",
]
