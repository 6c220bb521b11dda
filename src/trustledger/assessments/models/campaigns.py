"""Campaigns: who is assessed, by whom, and the one-time links that were sent.

A campaign runs one version of one instrument over a set of subjects (people for the leader
assessment, teams for the pulse and the culture survey). Each subject has raters in rater
groups, derived from the organisation and editable while the campaign is a draft. Launching
issues one :class:`Invitation` per rater: a one-time link whose secret is stored only as its
SHA-256 digest. Completion is tracked on the invitation (``used_at``); the answers are stored
apart, in :mod:`trustledger.assessments.models.responses`, without any link back to it.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from trustledger.assessments.anonymity import MINIMUM_K


class CampaignStatus(models.TextChoices):
    """draft → live → closed; never backwards (the database refuses it)."""

    DRAFT = "draft", "Draft"
    LIVE = "live", "Live"
    CLOSED = "closed", "Closed"


class RaterGroup(models.TextChoices):
    """Who answers about a subject (``trustledger.assessments.instruments.RATER_GROUPS``)."""

    SELF = "self", "Self"
    MANAGER = "manager", "Manager"
    PEERS = "peers", "Peers"
    DIRECT_REPORTS = "direct_reports", "Direct reports"
    TEAM = "team", "Team"


class Campaign(models.Model):
    """One run of an instrument version over some subjects, with its anonymity threshold.

    ``anonymity_k``, the instrument and the window's opening are fixed once the campaign is
    live: a database trigger (migration 0002) refuses the change, and the services check it
    first with a clear message.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    title = models.CharField(max_length=200)
    instrument_id = models.CharField(max_length=64)
    instrument_version = models.PositiveIntegerField()
    opens_at = models.DateTimeField()
    closes_at = models.DateTimeField()
    anonymity_k = models.PositiveSmallIntegerField()
    status = models.CharField(
        max_length=8, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    launched_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(anonymity_k__gte=MINIMUM_K), name="campaign_k_at_least_minimum"
            ),
            models.CheckConstraint(
                condition=Q(closes_at__gt=models.F("opens_at")), name="campaign_closes_after_open"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.instrument_id} v{self.instrument_version}, {self.status})"


class CampaignSubject(models.Model):
    """Whom a campaign assesses: a person (leader assessment) or a team (pulse, culture).

    ``team`` is the team results are reported under: the subject team itself, or the
    subject person's team when the campaign was created (never the respondent's team).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="subjects")
    person = models.ForeignKey(
        "org.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    team = models.ForeignKey(
        "org.Team", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "person"],
                condition=Q(person__isnull=False),
                name="campaign_subject_person_once",
            ),
            models.UniqueConstraint(
                fields=["campaign", "team"],
                condition=Q(person__isnull=True),
                name="campaign_subject_team_once",
            ),
            models.CheckConstraint(
                condition=Q(person__isnull=False) | Q(team__isnull=False),
                name="campaign_subject_is_someone",
            ),
        ]

    def __str__(self) -> str:
        return str(self.person or self.team)


class Rater(models.Model):
    """``person`` answers about ``subject`` as a member of ``group`` (one group per subject)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    subject = models.ForeignKey(CampaignSubject, on_delete=models.CASCADE, related_name="raters")
    person = models.ForeignKey("org.Person", on_delete=models.PROTECT, related_name="+")
    group = models.CharField(max_length=16, choices=RaterGroup.choices)

    class Meta:
        ordering = ["group", "person__name"]
        constraints = [
            models.UniqueConstraint(fields=["subject", "person"], name="rater_once_per_subject")
        ]

    def __str__(self) -> str:
        return f"{self.person} ({self.group})"


class Invitation(models.Model):
    """A one-time response link for one rater. Only the SHA-256 digest of its 256-bit secret
    is stored; ``used_at`` is set once, by the response, which itself keeps no link back."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="invitations")
    subject = models.ForeignKey(
        CampaignSubject, on_delete=models.PROTECT, related_name="invitations"
    )
    person = models.ForeignKey("org.Person", on_delete=models.PROTECT, related_name="+")
    group = models.CharField(max_length=16, choices=RaterGroup.choices)
    form_id = models.CharField(max_length=64)
    token_digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    #: When the reminder job last sent this (unused) invitation a fresh link; reminders wait
    #: ``SURVEY_REMINDER_DAYS`` from it, or from ``created_at`` before the first reminder.
    last_reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["subject", "person"], name="invitation_once_per_rater")
        ]

    def __str__(self) -> str:
        return f"invitation {self.id}"
