"""Commitments (promises given and received) and their append-only events.

The current state of a commitment is derived from its events by
:func:`trustledger.ledger.lifecycle.replay`; the columns under "cached state" hold that
derivation, written in the same transaction as each event so lists can be filtered in SQL.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q

from trustledger.db import AppendOnlyModel
from trustledger.ledger.lifecycle import BrokenReason, Side, Status, Step


class Stakes(models.TextChoices):
    ROUTINE = "routine", "Routine"
    SIGNIFICANT = "significant", "Significant"
    CAREER = "career", "Career (pay, advancement, growth)"


class Visibility(models.TextChoices):
    PARTIES = "parties", "The two parties and witnesses"
    TEAM = "team", "Their teams"
    PUBLIC = "public", "Everyone in the organisation"


class Origin(models.TextChoices):
    ONE_ON_ONE = "one_on_one", "A 1:1 check-in"
    MEETING = "meeting", "A meeting"
    EXPECTATION = "expectation", "An agreed expectation"
    PROGRESSION_PLAN = "progression_plan", "A progression plan"
    OPEN_REQUEST = "open_request", "An open request taken on"
    ASSESSMENT = "assessment", "Actions from an assessment"
    OTHER = "other", "Other"


class Commitment(models.Model):
    """``performer`` promised ``requester`` something (``what``, done when ``done_means``)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    performer = models.ForeignKey(
        "org.Person", on_delete=models.PROTECT, related_name="commitments_given"
    )
    requester = models.ForeignKey(
        "org.Person", on_delete=models.PROTECT, related_name="commitments_received"
    )
    customer = models.ForeignKey(
        "org.Person",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="An external counterpart (a customer) the promise is ultimately for.",
    )
    stakes = models.CharField(max_length=16, choices=Stakes.choices, default=Stakes.ROUTINE)
    visibility = models.CharField(
        max_length=16, choices=Visibility.choices, default=Visibility.PARTIES
    )
    origin = models.CharField(max_length=24, choices=Origin.choices, default=Origin.OTHER)
    created_at = models.DateTimeField()
    witnesses = models.ManyToManyField(
        "org.Person", through="CommitmentWitness", related_name="commitments_witnessed"
    )

    # --- cached state: always equal to lifecycle.replay(events) -------------------------------
    status = models.CharField(max_length=16, choices=[(s.value, s.value) for s in Status])
    what = models.CharField(max_length=300)
    done_means = models.TextField()
    due_at = models.DateTimeField()
    proposed_by = models.CharField(max_length=16, choices=[(s.value, s.value) for s in Side])
    awaiting = models.CharField(
        max_length=16, blank=True, choices=[(s.value, s.value) for s in Side]
    )
    pending_due_at = models.DateTimeField(null=True, blank=True)
    pending_in_time = models.BooleanField(default=False)
    renegotiated_in_time = models.PositiveIntegerField(default=0)
    renegotiated_late = models.PositiveIntegerField(default=0)
    accepted_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    delivered_on_time = models.BooleanField(null=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    broken_reason = models.CharField(
        max_length=16, blank=True, choices=[(r.value, r.value) for r in BrokenReason]
    )
    broken_recorded = models.BooleanField(default=False)
    event_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["due_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(performer=models.F("requester")), name="commitment_two_parties"
            ),
        ]
        indexes = [
            models.Index(fields=["performer", "status", "due_at"]),
            models.Index(fields=["requester", "status", "due_at"]),
            models.Index(fields=["status", "due_at"]),
            # "my commitments" lists everything given or received, by due date
            models.Index(fields=["performer", "due_at"]),
            models.Index(fields=["requester", "due_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.performer} → {self.requester}: {self.what}"


class CommitmentWitness(models.Model):
    commitment = models.ForeignKey(Commitment, on_delete=models.CASCADE)
    person = models.ForeignKey("org.Person", on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["commitment", "person"], name="witness_once"),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} witnessed {self.commitment_id}"


class CommitmentEvent(AppendOnlyModel):
    """One step in a commitment's life. Never updated or deleted (a trigger refuses UPDATE)."""

    id = models.BigAutoField(primary_key=True)
    commitment = models.ForeignKey(Commitment, on_delete=models.PROTECT, related_name="events")
    seq = models.PositiveIntegerField()
    step = models.CharField(max_length=24, choices=[(s.value, s.value) for s in Step])
    #: Which side took the step; blank for the system (``mark_broken``).
    side = models.CharField(max_length=16, blank=True, choices=[(s.value, s.value) for s in Side])
    actor = models.ForeignKey(
        "org.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    #: When it happened (may be in the past for imported history).
    at = models.DateTimeField()
    recorded_at = models.DateTimeField(auto_now_add=True)
    #: New terms for propose/counter/renegotiate: {"what", "done_means", "due_at"}; "note".
    payload = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["commitment", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["commitment", "seq"], name="event_seq_unique"),
        ]
        indexes = [models.Index(fields=["at"])]

    def __str__(self) -> str:
        return f"{self.commitment_id} #{self.seq} {self.step}"
