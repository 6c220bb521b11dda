"""1:1 check-ins between a manager and a report.

The agenda and the notes belong to the two people in the meeting: nobody else reads them, not
HR, not administrators (who may only learn that a 1:1 happened: who and when). Action items are
ordinary commitments, linked to the 1:1 they came from by :class:`OneOnOneAction`.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q


class OneOnOne(models.Model):
    """A 1:1 check-in between ``manager`` and ``report`` at ``held_at``."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    manager = models.ForeignKey(
        "org.Person", on_delete=models.PROTECT, related_name="one_on_ones_as_manager"
    )
    report = models.ForeignKey(
        "org.Person", on_delete=models.PROTECT, related_name="one_on_ones_as_report"
    )
    held_at = models.DateTimeField()
    #: Private to the two: never shown to anyone else.
    notes = models.TextField(blank=True)
    created_by = models.ForeignKey("org.Person", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-held_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(manager=models.F("report")), name="one_on_one_two_people"
            ),
        ]
        indexes = [
            models.Index(fields=["manager", "held_at"]),
            models.Index(fields=["report", "held_at"]),
        ]

    def __str__(self) -> str:
        return f"1:1 {self.manager_id} / {self.report_id} at {self.held_at:%Y-%m-%d}"


class AgendaItem(models.Model):
    """One topic on a 1:1's shared agenda (either of the two may add one)."""

    id = models.BigAutoField(primary_key=True)
    one_on_one = models.ForeignKey(OneOnOne, on_delete=models.CASCADE, related_name="agenda")
    text = models.CharField(max_length=500)
    added_by = models.ForeignKey("org.Person", on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["added_at", "id"]

    def __str__(self) -> str:
        return self.text


class OneOnOneAction(models.Model):
    """Links a commitment (an action item) to the 1:1 it was agreed in."""

    id = models.BigAutoField(primary_key=True)
    one_on_one = models.ForeignKey(OneOnOne, on_delete=models.PROTECT, related_name="actions")
    commitment = models.OneToOneField(
        "ledger.Commitment", on_delete=models.PROTECT, related_name="one_on_one_action"
    )

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.one_on_one_id} → {self.commitment_id}"
