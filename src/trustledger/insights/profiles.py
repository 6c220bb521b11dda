"""How others experience a person: every relationship's trust read in bulk, and a person's
private trust profile built on it.

:func:`trust_table` reads the stored relationship states (one row per directed pair, kept
current by the projection) straight into numpy and ages them to a moment: the input of every
bulk figure (profiles, digests, team and organisation aggregates). :func:`incoming` adds up,
per person and ABCD dimension, the evidence of everyone who trusts them — cumulative fusion of
independent experiences (Jøsang 2016, §12.3: it adds evidence) — and counts how many distinct
people contributed, so a figure is shown only where at least k people stand behind it.

:func:`trust_profile` is the one person's view of it (private to them, audited), and
:func:`my_trust` everything on their trust profile page: the trend over the past 12 months
(:func:`trend_points`, rebuilt from the evidence rows towards them at each month's end with
the evidence model, k rule at each point), "why am I seeing this?" by kind of evidence
(:func:`evidence_by_kind`, never by person), their follow-through, their latest assessment's
blind spots and hidden strengths, and survey ratings as group evidence. See docs/insights.md.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from django.conf import settings
from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from trustledger import engine
from trustledger.accounts.actors import Actor
from trustledger.assessments import evidence as survey
from trustledger.assessments import reports
from trustledger.assessments.models import CampaignStatus, CampaignSubject
from trustledger.assessments.reports import Gap
from trustledger.assessments.results import has_ended
from trustledger.audit import services as audit
from trustledger.insights import projection
from trustledger.insights.models import (
    Evidence,
    ProjectedSignal,
    ProjectionCheckpoint,
    RelationshipTrust,
)
from trustledger.insights.services import _label, certainty_in_words  # the one label table
from trustledger.ledger import figures
from trustledger.ledger.models import CommitmentEvent, SignalRetraction, TrustSignal
from trustledger.org.models import Person

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: Evidence below this (after decay) does not count as someone having an experience.
EVIDENCE_FLOOR = 1e-6
_FIELDS = tuple(
    f"{prefix}_{name}" for prefix in ("positive", "negative") for name in engine.DIMENSIONS
)


@dataclass(frozen=True)
class TrustTable:
    """Every stored directed relationship aged to ``as_of``: one row per (truster, trustee).

    ``truster``/``trustee`` index ``people`` (person ids); ``positive``/``negative`` are
    ``(rows, 4)`` decayed evidence per ABCD dimension (``engine.DIMENSIONS`` order).
    """

    people: list[uuid.UUID]
    index: dict[uuid.UUID, int]
    truster: IntArray
    trustee: IntArray
    positive: FloatArray
    negative: FloatArray
    as_of: dt.datetime

    def opinions(self) -> engine.RelationshipOpinions:
        """Each row's opinion per dimension and overall (the evidence model's prior)."""
        model = projection.evidence_model()
        return engine.relationship_opinions(
            engine.RelationshipEvidence(
                self.positive, self.negative, projection.day_of(self.as_of)
            ),
            base_rate=model.base_rate,
            prior_weight=model.prior_weight,
        )


def raw_values(rows: QuerySet[Any], *fields: str) -> list[tuple[Any, ...]]:
    """``rows.values_list(*fields)`` as the database driver returns them, without Django's
    per-value converters: ids stay as stored (32 hex digits on SQLite, UUIDs on PostgreSQL),
    which is what makes reading millions of ids fast. Convert distinct ids with
    :func:`as_uuid`."""
    sql, params = rows.values_list(*fields).query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def as_uuid(raw: object) -> uuid.UUID:
    """A UUID column's raw value as a UUID."""
    return raw if isinstance(raw, uuid.UUID) else uuid.UUID(str(raw))


def trust_table(
    as_of: dt.datetime | None = None,
    *,
    trustees: Iterable[uuid.UUID] | None = None,
    trusters: Iterable[uuid.UUID] | None = None,
    indexed_by: tuple[Mapping[Any, int], list[uuid.UUID]] | None = None,
) -> TrustTable:
    """The stored relationship states, optionally only towards ``trustees`` or from
    ``trusters``, aged to ``as_of`` (default now; never before a state's latest evidence —
    the stored counters cannot be wound back; rebuild from evidence for the past).

    ``indexed_by`` = (raw id → index, people): index rows by a caller's list of people
    (raw ids as :func:`raw_values` reads them) and drop rows of anyone not in it; otherwise
    ``people`` are the ids met in the rows, in order.
    """
    now = as_of or timezone.now()
    rows = RelationshipTrust.objects.exclude(last_day=None)
    if trustees is not None:
        rows = rows.filter(trustee_id__in=list(trustees))
    if trusters is not None:
        rows = rows.filter(truster_id__in=list(trusters))
    values = raw_values(rows, "truster_id", "trustee_id", "last_day", *_FIELDS)
    count = len(values)
    if indexed_by is None:
        raw_index: dict[Any, int] = {}
        truster = np.fromiter(
            (raw_index.setdefault(v[0], len(raw_index)) for v in values), np.int64, count
        )
        trustee = np.fromiter(
            (raw_index.setdefault(v[1], len(raw_index)) for v in values), np.int64, count
        )
        people = [as_uuid(raw) for raw in raw_index]
    else:
        known, people = indexed_by
        truster = np.fromiter((known.get(v[0], -1) for v in values), np.int64, count)
        trustee = np.fromiter((known.get(v[1], -1) for v in values), np.int64, count)
    numbers = np.array([v[2:] for v in values], dtype=np.float64).reshape(count, 9)
    del values
    if indexed_by is not None:
        keep = (truster >= 0) & (trustee >= 0)
        truster, trustee, numbers = truster[keep], trustee[keep], numbers[keep]
    day = projection.day_of(now)
    last = numbers[:, 0]
    if np.any(last > day + 1e-9):
        raise ValueError("as_of is before some relationship's latest evidence")
    half_life = projection.evidence_model().half_life_days
    factor = np.exp2(-(day - last) / half_life)[:, np.newaxis]
    return TrustTable(
        people=people,
        index={person: i for i, person in enumerate(people)},
        truster=truster,
        trustee=trustee,
        positive=numbers[:, 1:5] * factor,
        negative=numbers[:, 5:9] * factor,
        as_of=now,
    )


@dataclass(frozen=True)
class Incoming:
    """Per person (``TrustTable.people`` order) and dimension: the summed evidence of
    everyone who trusts them, and how many distinct people contributed to it."""

    positive: FloatArray  # (people, 4)
    negative: FloatArray  # (people, 4)
    trusters: IntArray  # (people, 4)
    trusters_overall: IntArray  # (people,)


def incoming(table: TrustTable) -> Incoming:
    """Add up every person's incoming evidence per dimension, in one pass (np.add.at)."""
    n = len(table.people)
    positive = np.zeros((n, 4))
    negative = np.zeros((n, 4))
    np.add.at(positive, table.trustee, table.positive)
    np.add.at(negative, table.trustee, table.negative)
    has = (table.positive + table.negative) > EVIDENCE_FLOOR
    trusters = np.zeros((n, 4), dtype=np.int64)
    np.add.at(trusters, table.trustee, has.astype(np.int64))
    overall = np.bincount(table.trustee, weights=has.any(axis=1), minlength=n).astype(np.int64)
    return Incoming(positive, negative, trusters, overall)


# --- one person's private profile ---------------------------------------------------------


@dataclass(frozen=True)
class DimensionProfile:
    """One ABCD dimension as others experience me; figures only where ``shown``."""

    dimension: str
    shown: bool
    people: int | None
    projected: float | None
    uncertainty: float | None
    certainty: str
    note: str
    #: What the evidence already supports (b); the figure could rise to ``belief +
    #: uncertainty`` if every open question turned out well (Jøsang 2016, §3.4).
    belief: float | None = None

    @property
    def upper(self) -> float | None:
        """The top of the range: belief + uncertainty (everything open turning out well)."""
        if self.belief is None or self.uncertainty is None:
            return None
        return self.belief + self.uncertainty


@dataclass(frozen=True)
class Profile:
    person_id: uuid.UUID
    as_of: dt.datetime
    k: int
    dimensions: list[DimensionProfile]
    overall: DimensionProfile

    def weakest(self) -> DimensionProfile | None:
        """The shown dimension with the lowest projected trust (ties: ABCD order)."""
        shown = [d for d in self.dimensions if d.shown and d.projected is not None]
        return min(shown, key=lambda d: d.projected or 0.0) if shown else None


def _dimension(
    name: str, positive: float, negative: float, people: int, k: int
) -> DimensionProfile:
    if people < k:
        return DimensionProfile(
            dimension=name,
            shown=False,
            people=None,
            projected=None,
            uncertainty=None,
            certainty="",
            note=f"Shown once at least {k} people have worked with you on this "
            f"(so far {'fewer than ' + str(k) if people else 'nobody'}).",
        )
    model = projection.evidence_model()
    opinion = engine.from_evidence(positive, negative, model.base_rate, model.prior_weight)
    return DimensionProfile(
        dimension=name,
        shown=True,
        people=people,
        projected=float(engine.projected(opinion)),
        uncertainty=float(opinion.uncertainty),
        certainty=certainty_in_words(float(opinion.uncertainty)),
        note="",
        belief=float(opinion.belief),
    )


def aggregate_figures(
    positive: FloatArray, negative: FloatArray, people: IntArray, overall_people: int, k: int
) -> tuple[list[DimensionProfile], DimensionProfile]:
    """Per-dimension and overall figures from summed evidence, each shown only over at least
    ``k`` people.

    The overall figure is the evidence of all four dimensions added up, so showing it next to
    three shown dimensions and one hidden one would let a reader subtract their way to the
    hidden one (fewer than k people): the overall figure is shown only when no dimension is
    hidden for having too few people (a dimension nobody has evidence on hides nothing).
    """
    dims = [
        _dimension(name, float(positive[d]), float(negative[d]), int(people[d]), k)
        for d, name in enumerate(engine.DIMENSIONS)
    ]
    overall = _dimension("overall", float(positive.sum()), float(negative.sum()), overall_people, k)
    if overall.shown and any(0 < int(people[d]) < k for d in range(len(dims))):
        overall = DimensionProfile(
            dimension="overall",
            shown=False,
            people=None,
            projected=None,
            uncertainty=None,
            certainty="",
            note=f"Shown once every dimension with evidence has at least {k} people behind "
            "it (otherwise the hidden one could be worked out from the others).",
        )
    return dims, overall


def profile_of(person_id: uuid.UUID, as_of: dt.datetime | None = None) -> Profile:
    """The profile without permission checks: for the person's own pages (through
    :func:`trust_profile`) and bulk jobs run by the system (the digest)."""
    table = trust_table(as_of, trustees=[person_id])
    k = settings.ANONYMITY_K
    if person_id in table.index:
        totals = incoming(table)
        i = table.index[person_id]
        positive, negative = totals.positive[i], totals.negative[i]
        trusters, overall_people = totals.trusters[i], int(totals.trusters_overall[i])
    else:
        positive = negative = np.zeros(4)
        trusters, overall_people = np.zeros(4, dtype=np.int64), 0
    dims, overall = aggregate_figures(positive, negative, trusters, overall_people, k)
    return Profile(person_id, table.as_of, k, dims, overall)


def trust_profile(actor: Actor, as_of: dt.datetime | None = None) -> Profile:
    """My ABCD profile as others experience me: private to me (audited read)."""
    person = actor.person
    if person is None:
        audit.deny(actor, "profile.read", "person", "", "only people have a trust profile")
    assert person is not None
    profile = profile_of(person.pk, as_of)
    audit.record(actor, "profile.read", "person", person.pk)
    return profile


# --- over time, and why: rebuilt from the evidence rows towards one person -----------------


@dataclass(frozen=True)
class IncomingRows:
    """The evidence rows towards one person as engine columns; ``rel`` indexes ``trusters``
    (who gave each row — used to count distinct people, never shown)."""

    trusters: list[uuid.UUID]
    rel: IntArray
    dimension: IntArray
    positive: FloatArray
    negative: FloatArray
    day: FloatArray
    severe: npt.NDArray[np.bool_]
    kind: list[str]
    witness: npt.NDArray[np.bool_]

    def columns(self) -> tuple[npt.NDArray[np.generic], ...]:
        """The six columns of ``engine.relationship_evidence`` / ``engine.explain``."""
        return (self.rel, self.dimension, self.positive, self.negative, self.day, self.severe)


def incoming_rows(
    trustee_id: uuid.UUID,
    *,
    until: dt.datetime,
    trusters: Iterable[uuid.UUID] | None = None,
) -> IncomingRows:
    """Every evidence row towards ``trustee_id`` up to ``until`` (optionally only from
    ``trusters``), retracted signals left out: one query, straight into numpy."""
    rows = Evidence.objects.filter(
        trustee_id=trustee_id, day__lte=projection.day_of(until)
    ).exclude(source="signal", source_id__in=projection.retracted_signal_ids())
    if trusters is not None:
        rows = rows.filter(truster_id__in=list(trusters))
    values = list(
        rows.order_by("id").values_list(
            "truster_id", "dimension", "positive", "negative", "day", "severe", "kind", "witness"
        )
    )
    people: dict[uuid.UUID, int] = {}
    n = len(values)
    rel = np.fromiter((people.setdefault(v[0], len(people)) for v in values), np.int64, n)
    return IncomingRows(
        trusters=list(people),
        rel=rel,
        dimension=np.fromiter((v[1] for v in values), np.int64, n),
        positive=np.fromiter((v[2] for v in values), np.float64, n),
        negative=np.fromiter((v[3] for v in values), np.float64, n),
        day=np.fromiter((v[4] for v in values), np.float64, n),
        severe=np.fromiter((v[5] for v in values), np.bool_, n),
        kind=[v[6] for v in values],
        witness=np.fromiter((v[7] for v in values), np.bool_, n),
    )


@dataclass(frozen=True)
class TrendPoint:
    """The figures as they stood at one moment (a month's end, or now)."""

    at: dt.datetime
    label: str
    dimensions: list[DimensionProfile]
    overall: DimensionProfile


def month_ends(now: dt.datetime, months: int = 12) -> list[tuple[dt.datetime, str]]:
    """``months`` moments: the end of each of the ``months − 1`` previous calendar months
    (UTC), then ``now`` (the current month so far), each with its month's name."""
    if months < 1:
        raise ValueError("months must be at least 1")
    utc = now.astimezone(dt.UTC)
    start = utc.replace(day=1, hour=0, minute=0, second=0, microsecond=0)

    def shift(moment: dt.datetime, by: int) -> dt.datetime:
        index = moment.year * 12 + moment.month - 1 + by
        return moment.replace(year=index // 12, month=index % 12 + 1)

    points = [
        (shift(start, 1 - back), f"{shift(start, -back):%b %Y}")
        for back in range(months - 1, 0, -1)
    ]
    return [*points, (now, f"{utc:%b %Y} (so far)")]


def trend_points(
    rows: IncomingRows, moments: list[tuple[dt.datetime, str]], k: int
) -> list[TrendPoint]:
    """The summed figures at each moment, rebuilt from the rows with the evidence model
    (ageing, severe-breach wipes and the per-period cap on positive evidence, exactly as the
    projection keeps them), each figure shown only over at least ``k`` people at that point."""
    model = projection.evidence_model()
    n = len(rows.trusters)
    points = []
    for moment, label in moments:
        sums = engine.relationship_evidence(
            *rows.columns(),
            as_of=projection.day_of(moment),
            half_life_days=model.half_life_days,
            wipe_share=model.severe_wipe_share,
            n_relationships=n,
            **projection.cap_arguments(model),
        )
        has = (sums.positive + sums.negative) > EVIDENCE_FLOOR
        dims, overall = aggregate_figures(
            sums.positive.sum(axis=0),
            sums.negative.sum(axis=0),
            has.sum(axis=0).astype(np.int64),
            int(has.any(axis=1).sum()),
            k,
        )
        points.append(TrendPoint(moment, label, dims, overall))
    return points


@dataclass(frozen=True)
class KindEffect:
    """How much one kind of evidence moves a figure now, summed over everyone who gave it
    (who gave it is never part of the answer)."""

    kind: str
    label: str
    witness: bool
    positive: float
    negative: float
    #: Positive evidence lost to later severe breaches / to the per-period cap.
    wiped: float
    capped: float


def evidence_by_kind(
    rows: IncomingRows, as_of: dt.datetime, dimensions: Iterable[str] = engine.DIMENSIONS
) -> dict[str, list[KindEffect]]:
    """ "Why am I seeing this?": per dimension (and ``overall``, the four added up), the kinds
    of evidence behind the figure and how much each moves it as of ``as_of`` — the engine's
    own per-row contributions (:func:`engine.explain`), added up by evidence kind."""
    model = projection.evidence_model()
    day = projection.day_of(as_of)
    wanted = [engine.DIMENSIONS.index(name) for name in dimensions]
    totals: dict[tuple[int, str, bool], FloatArray] = {}
    order = np.argsort(rows.rel, kind="stable")
    bounds = np.searchsorted(rows.rel[order], np.arange(len(rows.trusters) + 1))
    for r in range(len(rows.trusters)):
        mine = order[bounds[r] : bounds[r + 1]]
        sub = (
            np.zeros(mine.size, dtype=np.int64),
            rows.dimension[mine],
            rows.positive[mine],
            rows.negative[mine],
            rows.day[mine],
            rows.severe[mine],
        )
        for d in wanted:
            if not np.any(sub[1] == d):
                continue
            why = engine.explain(
                *sub,
                relationship=0,
                for_dimension=d,
                as_of=day,
                half_life_days=model.half_life_days,
                wipe_share=model.severe_wipe_share,
                **projection.cap_arguments(model),
            )
            for position, local in enumerate(why.rows.tolist()):
                row = int(mine[local])
                key = (d, rows.kind[row], bool(rows.witness[row]))
                effect = np.array(
                    [
                        why.positive[position],
                        why.negative[position],
                        why.wiped[position],
                        why.capped[position],
                    ]
                )
                totals[key] = totals.get(key, np.zeros(4)) + effect
    result: dict[str, list[KindEffect]] = {name: [] for name in dimensions}
    overall: dict[tuple[str, bool], FloatArray] = {}
    for (d, kind, witness), effect in totals.items():
        result[engine.DIMENSIONS[d]].append(_effect(model, kind, witness, effect))
        overall[(kind, witness)] = overall.get((kind, witness), np.zeros(4)) + effect
    result["overall"] = [_effect(model, kind, w, e) for (kind, w), e in overall.items()]
    for effects in result.values():
        effects.sort(key=lambda e: (-(e.positive + e.negative + e.wiped + e.capped), e.kind))
    return result


def _effect(
    model: engine.EvidenceModel, kind: str, witness: bool, effect: FloatArray
) -> KindEffect:
    label = _label(model, kind) + (" (seen as a witness)" if witness else "")
    return KindEffect(kind, label, witness, *(float(x) for x in effect))


# --- my trust profile page ----------------------------------------------------------------


@dataclass(frozen=True)
class AssessmentSummary:
    """Blind spots and hidden strengths from my latest ended assessment (my own report)."""

    campaign_id: uuid.UUID
    campaign_title: str
    closed: dt.datetime
    subject_id: uuid.UUID
    rated_myself: bool
    blind_spots: list[Gap]
    hidden_strengths: list[Gap]


@dataclass(frozen=True)
class MyTrust:
    """Everything on my trust profile page (private to me)."""

    profile: Profile
    trend: list[TrendPoint]
    why: dict[str, list[KindEffect]]
    follow_through: figures.FollowThrough
    assessment: AssessmentSummary | None
    #: Survey ratings about me as group evidence, per dimension.
    survey: list[SurveyFigure]


def latest_assessment(actor: Actor) -> AssessmentSummary | None:
    """My own report from the latest ended campaign where I am a subject (audited by
    ``reports.report``), reduced to its blind spots and hidden strengths; None if none."""
    person = actor.person
    if person is None:
        return None
    subjects = (
        CampaignSubject.objects.filter(person=person)
        .exclude(campaign__status=CampaignStatus.DRAFT)
        .select_related("campaign")
        .order_by("-campaign__closes_at")
    )
    for subject in subjects:
        if not has_ended(subject.campaign):
            continue
        mine = reports.report(actor, subject.campaign_id, subject.pk)
        return AssessmentSummary(
            campaign_id=subject.campaign_id,
            campaign_title=subject.campaign.title,
            closed=subject.campaign.closed_at or subject.campaign.closes_at,
            subject_id=subject.pk,
            rated_myself=mine.self_scores is not None,
            blind_spots=[g for g in mine.gaps if g.classification == engine.BLIND_SPOT],
            hidden_strengths=[g for g in mine.gaps if g.classification == engine.HIDDEN_STRENGTH],
        )
    return None


@dataclass(frozen=True)
class SurveyFigure:
    """What ended surveys say about me on one dimension, as group evidence (never per
    rater): only cells shown in their campaign (at least its k raters) count."""

    dimension: str
    shown: bool
    projected: float | None
    uncertainty: float | None
    certainty: str
    raters: int
    campaigns: int


def survey_figures(person: Person) -> list[SurveyFigure]:
    """Survey ratings about ``person`` as group evidence per ABCD dimension
    (:func:`trustledger.assessments.evidence.group_evidence`), in words and figures."""
    result = []
    for dim in survey.group_evidence(person):
        counted = [row for row in dim.rows if row.counted]
        opinion = dim.opinion
        result.append(
            SurveyFigure(
                dimension=dim.dimension,
                shown=bool(counted),
                projected=float(engine.projected(opinion)) if counted else None,
                uncertainty=float(opinion.uncertainty) if counted else None,
                certainty=certainty_in_words(float(opinion.uncertainty)) if counted else "",
                raters=sum(row.raters for row in counted),
                campaigns=len({row.campaign_id for row in counted}),
            )
        )
    return result


def catch_up() -> None:
    """Project any ledger fact an on-commit trigger left behind, before a page reads figures.

    :func:`projection.project_new_events` opens a write transaction; a page read by many
    people should not, so it is called only when something is actually waiting: an event
    past the checkpoint, a signal or a retraction not projected yet (cheap counts)."""
    checkpoint = (
        ProjectionCheckpoint.objects.filter(pk=1)
        .values_list("last_commitment_event_id", flat=True)
        .first()
        or 0
    )
    behind = (
        CommitmentEvent.objects.filter(id__gt=checkpoint).exists()
        or TrustSignal.objects.count() != ProjectedSignal.objects.count()
        or SignalRetraction.objects.count()
        != ProjectedSignal.objects.filter(retraction_seen=True).count()
    )
    if behind:
        projection.project_new_events()


def my_trust(actor: Actor) -> MyTrust:
    """My trust profile page: how others experience me per dimension (over at least k
    people), its trend over the past 12 months, why each figure is what it is (by kind of
    evidence, never by person), my follow-through, and my latest assessment's blind spots
    and hidden strengths. Only ever my own (no person: refused, audited); audited read."""
    catch_up()
    now = timezone.now()
    profile = trust_profile(actor, now)
    person_id = profile.person_id
    rows = incoming_rows(person_id, until=now)
    trend = trend_points(rows, month_ends(now), profile.k)
    shown = [d.dimension for d in profile.dimensions if d.shown]
    why = evidence_by_kind(rows, now, shown) if shown else {}
    if not profile.overall.shown:
        why.pop("overall", None)
    return MyTrust(
        profile=profile,
        trend=trend,
        why=why,
        follow_through=figures.follow_through(actor, person_id, now),
        assessment=latest_assessment(actor),
        survey=survey_figures(Person.objects.get(pk=person_id)),
    )
