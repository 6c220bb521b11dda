"""Trust signals: the small things that build or break trust (PRODUCT.md §3).

A signal says "``subject`` did ``kind`` (to me, or in front of me)". Its kinds, their ABCD
dimensions, polarity and weight live in one table, the engine's evidence model
(``engine/data/evidence_model_v1.toml``); this module only stores what was recorded.

Signals are evidence, so they are append-only: never changed or deleted. A recorder who got it
wrong records a :class:`SignalRetraction`, a new row that points at the signal.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q

from trustledger.db import AppendOnlyModel
from trustledger.ledger.models.commitments import Visibility


class SignalRole(models.TextChoices):
    """How the recorder knows: it happened to them, or they saw it happen."""

    RECIPIENT = "recipient", "It happened to me"
    WITNESS = "witness", "I saw it happen"


class TrustSignal(AppendOnlyModel):
    """``recorded_by`` (the recipient or a witness) recorded that ``subject`` did ``kind``."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    #: A signal kind of the evidence model (``recognition``, ``blamed_others``, …).
    kind = models.CharField(max_length=48)
    #: Whose behaviour it was.
    subject = models.ForeignKey(
        "org.Person", on_delete=models.PROTECT, related_name="trust_signals_about"
    )
    recorded_by = models.ForeignKey(
        "org.Person", on_delete=models.PROTECT, related_name="trust_signals_recorded"
    )
    role = models.CharField(max_length=16, choices=SignalRole.choices)
    #: When it happened (may be earlier than ``recorded_at``).
    occurred_at = models.DateTimeField()
    recorded_at = models.DateTimeField(auto_now_add=True)
    note = models.TextField(blank=True)
    visibility = models.CharField(
        max_length=16, choices=Visibility.choices, default=Visibility.PARTIES
    )
    #: The commitment it was about, if any (a promise kept in an exemplary way, say).
    commitment = models.ForeignKey(
        "ledger.Commitment",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="trust_signals",
    )
    witnesses = models.ManyToManyField(
        "org.Person", through="TrustSignalWitness", related_name="trust_signals_witnessed"
    )

    class Meta:
        ordering = ["-occurred_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(subject=models.F("recorded_by")), name="signal_not_about_oneself"
            ),
        ]
        indexes = [
            models.Index(fields=["subject", "occurred_at"]),
            models.Index(fields=["recorded_by", "occurred_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.subject_id} (by {self.recorded_by_id})"


class TrustSignalWitness(AppendOnlyModel):
    """Someone else who saw it happen; they may see the signal (a party to it)."""

    signal = models.ForeignKey(TrustSignal, on_delete=models.PROTECT)
    person = models.ForeignKey("org.Person", on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["signal", "person"], name="signal_witness_once"),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} witnessed {self.signal_id}"


class SignalRetraction(AppendOnlyModel):
    """The recorder takes a signal back; the signal itself stays, marked retracted."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    signal = models.OneToOneField(TrustSignal, on_delete=models.PROTECT, related_name="retraction")
    by = models.ForeignKey("org.Person", on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    reason = models.TextField()

    def __str__(self) -> str:
        return f"retraction of {self.signal_id}"
