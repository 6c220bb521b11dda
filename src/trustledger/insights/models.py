"""Derived trust state: evidence rows from the ledger, per-relationship counters, a checkpoint.

Everything here can be rebuilt from the ledger (``trustledger compute``); nothing here is a
source of truth. See docs/trust.md.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q


class EvidenceWriteError(RuntimeError):
    """Raised when code tries to change an evidence row (rows are written once)."""


class Evidence(models.Model):
    """One row of engine evidence for the directed relationship ``truster`` → ``trustee``.

    ``kind`` is the evidence-model kind (``commitment.kept_on_time``, ``signal.recognition``,
    …); ``source``/``source_id`` name the ledger fact (a commitment or a trust signal) and
    ``event`` the commitment event that revealed it, so every figure can be explained and
    reproduced. Written once, never changed; deleted only by a full rebuild.
    """

    id = models.BigAutoField(primary_key=True)
    truster = models.ForeignKey("org.Person", on_delete=models.CASCADE, related_name="+")
    trustee = models.ForeignKey("org.Person", on_delete=models.CASCADE, related_name="+")
    dimension = models.PositiveSmallIntegerField()
    positive = models.FloatField()
    negative = models.FloatField()
    severe = models.BooleanField(default=False)
    #: When the behaviour happened; ``day`` is the same moment in days since the Unix epoch.
    at = models.DateTimeField()
    day = models.FloatField()
    kind = models.CharField(max_length=64)
    source = models.CharField(max_length=16)
    source_id = models.CharField(max_length=36)
    event_id = models.BigIntegerField(null=True, blank=True)
    witness = models.BooleanField(default=False)
    model_version = models.CharField(max_length=16)

    class Meta:
        verbose_name_plural = "evidence"
        constraints = [
            models.CheckConstraint(
                condition=Q(dimension__lte=3) & Q(positive__gte=0) & Q(negative__gte=0),
                name="evidence_in_range",
            ),
            models.CheckConstraint(
                condition=~Q(truster=models.F("trustee")), name="evidence_two_people"
            ),
        ]
        indexes = [
            models.Index(fields=["truster", "trustee", "day"]),
            models.Index(fields=["source", "source_id"]),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.truster_id}→{self.trustee_id} d{self.dimension}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise EvidenceWriteError("evidence rows are written once; rebuild instead")
        super().save(*args, **kwargs)


class RelationshipTrust(models.Model):
    """The engine's ``DecayedCounters`` for one directed pair, as of ``last_day``.

    Per ABCD dimension: decayed positive and negative evidence, and the positive evidence
    recorded at exactly ``last_day`` (which a breach at that same instant does not wipe).
    For the evidence model's per-period cap on positive evidence: ``period``, the index of the
    cap period ``last_day`` falls in (floor(day / cap_period_days)), and per dimension the raw
    (undecayed, uncapped) positive evidence recorded in that period.
    """

    truster = models.ForeignKey("org.Person", on_delete=models.CASCADE, related_name="+")
    trustee = models.ForeignKey("org.Person", on_delete=models.CASCADE, related_name="+")
    positive_able = models.FloatField(default=0.0)
    positive_believable = models.FloatField(default=0.0)
    positive_connected = models.FloatField(default=0.0)
    positive_dependable = models.FloatField(default=0.0)
    negative_able = models.FloatField(default=0.0)
    negative_believable = models.FloatField(default=0.0)
    negative_connected = models.FloatField(default=0.0)
    negative_dependable = models.FloatField(default=0.0)
    same_day_positive_able = models.FloatField(default=0.0)
    same_day_positive_believable = models.FloatField(default=0.0)
    same_day_positive_connected = models.FloatField(default=0.0)
    same_day_positive_dependable = models.FloatField(default=0.0)
    #: Days since the Unix epoch of the latest evidence row; null when there is none.
    last_day = models.FloatField(null=True, blank=True)
    #: The cap period of ``last_day`` (DecayedCounters.period); null when there is none.
    period = models.FloatField(null=True, blank=True)
    period_positive_able = models.FloatField(default=0.0)
    period_positive_believable = models.FloatField(default=0.0)
    period_positive_connected = models.FloatField(default=0.0)
    period_positive_dependable = models.FloatField(default=0.0)
    model_version = models.CharField(max_length=16)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["truster", "trustee"], name="one_state_per_pair"),
        ]

    def __str__(self) -> str:
        return f"{self.truster_id}→{self.trustee_id}"


class ProjectionCheckpoint(models.Model):
    """How far the projection has read the ledger: one row (pk 1).

    Commitment events have increasing integer ids, so one number marks the place: every event
    with an id up to it is projected. The projection only moves it up to an id below which no
    event can still commit (on PostgreSQL, writers hold a shared advisory lock from before
    their event takes its id until they commit; see docs/trust.md). Trust signals and
    retractions have UUID keys (no order), so each processed one gets a
    :class:`ProjectedSignal` row instead, written in the same transaction.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_commitment_event_id = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"checkpoint at commitment event {self.last_commitment_event_id}"


class ProjectedSignal(models.Model):
    """A trust signal whose evidence is written; ``retraction_seen`` once its retraction is."""

    signal = models.OneToOneField(
        "ledger.TrustSignal", primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    retraction_seen = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"projected {self.signal_id}"


# --- organisation analytics snapshots (insights/organisation.py, docs/insights.md) ----------


class SnapshotKind(models.TextChoices):
    TEAM = "team", "Team"
    #: Everyone in no team: never shown, kept so the organisation row is a plain sum.
    NO_TEAM = "no_team", "People in no team"
    ORGANISATION = "organisation", "Organisation"


class TeamSnapshot(models.Model):
    """One team's organisation-analytics aggregates (or the organisation's, or the no-team
    remainder), precomputed so the HR pages read rows instead of recomputing.

    Trust in the team's members: their incoming evidence summed per ABCD dimension (cumulative
    fusion, Jøsang 2016 §12.3) and aged to ``as_of`` — exponential decay is uniform, so the
    sums age exactly to any later moment by one factor. ``people`` counts members with
    evidence per dimension and overall; ``shown``/``reasons`` are the anonymity decision
    (assessments.anonymity.disclose over every team and the organisation at once).
    Follow-through: the members' summed performer counts (ledger.figures) and whether the
    rates may be shown. Derived data: rebuilt by ``trustledger compute``, kept current by the
    projection for the teams a change touches.
    """

    kind = models.CharField(max_length=16, choices=SnapshotKind.choices)
    team = models.ForeignKey(
        "org.Team", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    #: The team's name when the row was computed (pages sort and filter by it without a join).
    name = models.CharField(max_length=200, blank=True)
    as_of = models.DateTimeField()
    members = models.PositiveIntegerField(default=0)
    positive = models.JSONField(default=list)
    negative = models.JSONField(default=list)
    people = models.JSONField(default=list)
    shown = models.JSONField(default=list)
    reasons = models.JSONField(default=list)
    #: ``shown[-1]`` (overall) as a column, so "how many teams are hidden" is one COUNT.
    overall_shown = models.BooleanField(default=False)
    performers = models.PositiveIntegerField(default=0)
    kept_on_time = models.PositiveIntegerField(default=0)
    kept_late = models.PositiveIntegerField(default=0)
    renegotiated_in_time = models.PositiveIntegerField(default=0)
    renegotiated_late = models.PositiveIntegerField(default=0)
    broken = models.PositiveIntegerField(default=0)
    released = models.PositiveIntegerField(default=0)
    disputed = models.PositiveIntegerField(default=0)
    open = models.PositiveIntegerField(default=0)
    rates_shown = models.BooleanField(default=False)
    rates_reason = models.CharField(max_length=16, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["team"], name="one_snapshot_per_team"),
            models.UniqueConstraint(
                fields=["kind"], condition=~Q(kind="team"), name="one_snapshot_per_whole"
            ),
            models.CheckConstraint(
                condition=Q(kind="team", team__isnull=False) | (~Q(kind="team") & Q(team=None)),
                name="snapshot_team_iff_team_kind",
            ),
        ]
        indexes = [models.Index(fields=["kind", "name"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.team_id or ''} as of {self.as_of:%Y-%m-%d %H:%M}"


class OrgSnapshot(models.Model):
    """One full rebuild of the organisation analytics (append-only: the latest is shown).

    ``trickle_down`` and ``retention`` are the already-disclosed figures of the analyses that
    need the whole reporting tree at once; they are recomputed by each rebuild (daily), while
    :class:`TeamSnapshot` rows are also kept current between rebuilds.
    """

    id = models.BigAutoField(primary_key=True)
    as_of = models.DateTimeField()
    k = models.PositiveSmallIntegerField()
    model_version = models.CharField(max_length=16)
    people = models.PositiveIntegerField(default=0)
    teams = models.PositiveIntegerField(default=0)
    trickle_down = models.JSONField(default=dict)
    retention = models.JSONField(default=dict)
    seconds = models.FloatField(default=0.0)

    class Meta:
        indexes = [models.Index(fields=["-as_of"])]

    def __str__(self) -> str:
        return f"organisation snapshot as of {self.as_of:%Y-%m-%d %H:%M}"
