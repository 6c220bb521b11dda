"""A finished campaign's results, decided once and frozen, and the actions taken on them.

When a campaign ends (closed by HR, or its window has passed) its results are built once
(:func:`trustledger.assessments.results.build_results`): every permitted cut becomes a
:class:`ResultCell`, the anonymity rule decides which may be shown, and only the shown cells
keep their figures. A hidden cell stores its key and reason and nothing else, so no page, API
route, export or admin screen can show what was never stored. The snapshot is append-only:
results that could change after people had seen them would let two readings be subtracted.
"""

from __future__ import annotations

import uuid

from django.db import models

from trustledger.assessments.models.campaigns import Campaign, CampaignSubject
from trustledger.db import AppendOnlyModel


class CampaignResults(AppendOnlyModel):
    """The marker that a campaign's results were built, with what they were built with."""

    campaign = models.OneToOneField(
        Campaign, primary_key=True, on_delete=models.PROTECT, related_name="results"
    )
    built_at = models.DateTimeField(auto_now_add=True)
    anonymity_k = models.PositiveSmallIntegerField()
    comment_k = models.PositiveSmallIntegerField()
    #: Anonymous responses counted (completion is on the invitations).
    responses = models.PositiveIntegerField()

    class Meta:
        verbose_name_plural = "campaign results"

    def __str__(self) -> str:
        return f"results of {self.campaign_id}"


class CellKind(models.TextChoices):
    """What a cell aggregates."""

    ORGANISATION = "organisation", "Everyone who answered"
    SUBJECT = "subject", "One subject"
    DEPARTMENT = "department", "A manager's department"


class ResultCell(AppendOnlyModel):
    """One permitted cut of a campaign's results.

    ``group`` narrows the cut to one rater group ("" = every rater group but self).
    ``figures`` (shown cells only) holds the aggregates from
    :func:`trustledger.engine.group_results` and friends; ``comments`` (only where the
    comment threshold is met too) the comment texts, unattributed, in random order.
    """

    id = models.BigAutoField(primary_key=True)
    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="cells")
    key = models.CharField(max_length=120)
    kind = models.CharField(max_length=16, choices=CellKind.choices)
    subject = models.ForeignKey(
        CampaignSubject, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    #: The manager whose department (their reporting subtree's teams) a department cell is.
    manager = models.ForeignKey(
        "org.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    group = models.CharField(max_length=16, blank=True)
    shown = models.BooleanField()
    #: Why a cell is hidden: ``too_few`` or ``protects_others`` ("" when shown).
    reason = models.CharField(max_length=16, blank=True)
    respondents = models.PositiveIntegerField(null=True, blank=True)
    figures = models.JSONField(null=True, blank=True)
    comments = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "key"], name="result_cell_key_once"),
            models.CheckConstraint(
                condition=models.Q(shown=True, figures__isnull=False, respondents__isnull=False)
                | models.Q(shown=False, figures__isnull=True, respondents__isnull=True),
                name="result_cell_hidden_has_no_figures",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id} {self.key}"


class CampaignAction(models.Model):
    """A public commitment a subject (or a team's manager) made in answer to results.

    The commitment itself lives in the ledger (origin "assessment", visible to everyone);
    this row says which campaign and subject it answers, so the raters can follow it.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="actions")
    subject = models.ForeignKey(CampaignSubject, on_delete=models.PROTECT, related_name="actions")
    commitment = models.OneToOneField(
        "ledger.Commitment", on_delete=models.PROTECT, related_name="campaign_action"
    )
    #: The result the action answers: a dimension id of the instrument (or "" for overall).
    dimension = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"action on {self.subject_id}: {self.commitment_id}"
