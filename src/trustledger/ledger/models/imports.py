"""Where an imported commitment came from, so importing the same history twice changes nothing."""

from __future__ import annotations

from django.db import models

from trustledger.ledger.models.commitments import Commitment


class ImportedCommitment(models.Model):
    """A commitment created by ``trustledger import commitments`` and the source tool's id for it.

    ``fingerprint`` is a digest of the imported events: the same ``source_ref`` with the same
    events is skipped on a later import; with different events it is refused (history is never
    rewritten).
    """

    source_ref = models.CharField(max_length=200, unique=True)
    commitment = models.OneToOneField(
        Commitment, on_delete=models.PROTECT, related_name="imported_from"
    )
    fingerprint = models.CharField(max_length=64)
    filename = models.CharField(max_length=255, blank=True)
    imported_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.source_ref} → {self.commitment_id}"
