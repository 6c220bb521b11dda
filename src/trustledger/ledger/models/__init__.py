"""Ledger models, one module per concern; re-exported here for Django and for callers."""

from trustledger.ledger.models.commitments import (
    Commitment,
    CommitmentEvent,
    CommitmentWitness,
    Origin,
    Stakes,
    Visibility,
)
from trustledger.ledger.models.imports import ImportedCommitment
from trustledger.ledger.models.meetings import AgendaItem, OneOnOne, OneOnOneAction
from trustledger.ledger.models.signals import (
    SignalRetraction,
    SignalRole,
    TrustSignal,
    TrustSignalWitness,
)

__all__ = [
    "AgendaItem",
    "OneOnOne",
    "OneOnOneAction",
    "SignalRetraction",
    "SignalRole",
    "TrustSignal",
    "TrustSignalWitness",
    "Commitment",
    "CommitmentEvent",
    "CommitmentWitness",
    "ImportedCommitment",
    "Origin",
    "Stakes",
    "Visibility",
]
