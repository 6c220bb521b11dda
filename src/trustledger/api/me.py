"""About me: my trust profile, and — for a manager — my team.

Parse → ``Actor.from_request`` → one service call → schema. Both are about the caller only
(an account that is not a person gets 403, audited). The team answer carries words and
aggregates only: coaching readiness as ready / building / not yet, never a report's figures
(docs/insights.md).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid

from django.http import HttpRequest
from ninja import Router, Schema
from pydantic import Field

from trustledger.accounts.actors import Actor
from trustledger.api.errors import COMMON_ERRORS
from trustledger.api.ledger import FollowThroughOut
from trustledger.insights import profiles, team

router = Router(tags=["about me"])


class TrustFigureOut(Schema):
    """One figure of an aggregate (a dimension or overall). Figures only where ``shown``
    (at least k people behind it); otherwise ``note`` says why not."""

    dimension: str
    shown: bool
    people: int | None = Field(description="how many people contribute evidence, when shown")
    projected: float | None
    belief: float | None = Field(description="what the evidence already supports")
    uncertainty: float | None
    certainty: str = Field(description='in words; "little evidence yet" is not low trust')
    note: str


class TrendPointOut(Schema):
    """The figures as they stood at the end of a month (the last point: now)."""

    at: dt.datetime
    label: str
    dimensions: list[TrustFigureOut]
    overall: TrustFigureOut


class KindEffectOut(Schema):
    """How much one kind of evidence moves a figure now, over everyone who gave it."""

    kind: str
    label: str
    witness: bool
    positive: float
    negative: float
    wiped: float
    capped: float


class WhyOut(Schema):
    """Why a shown figure is what it is: the kinds of evidence behind it."""

    dimension: str
    kinds: list[KindEffectOut]


class GapOut(Schema):
    group: str
    group_label: str
    dimension: str
    dimension_name: str
    self_score: float
    others_score: float | None
    gap: float | None


class AssessmentOut(Schema):
    """Blind spots and hidden strengths from my latest ended assessment."""

    campaign_id: uuid.UUID
    campaign_title: str
    closed: dt.datetime
    subject_id: uuid.UUID
    rated_myself: bool
    blind_spots: list[GapOut]
    hidden_strengths: list[GapOut]


class SurveyFigureOut(Schema):
    """Survey ratings about me on one dimension, as group evidence (shown cells only)."""

    dimension: str
    shown: bool
    projected: float | None
    uncertainty: float | None
    certainty: str
    raters: int
    campaigns: int


class TrustProfileOut(Schema):
    """My trust profile (only ever the caller's own)."""

    person_id: uuid.UUID
    as_of: dt.datetime
    k: int = Field(description="a figure is shown only over at least k people")
    dimensions: list[TrustFigureOut]
    overall: TrustFigureOut
    trend: list[TrendPointOut]
    why: list[WhyOut]
    follow_through: FollowThroughOut
    assessment: AssessmentOut | None
    survey: list[SurveyFigureOut] = Field(description="survey ratings as group evidence")


class ReportReadinessOut(Schema):
    """A direct report's readiness to be coached by me, in words, and tips for their style."""

    person_id: uuid.UUID
    name: str
    style: str = Field(description='behaviour style; "" when none is recorded')
    readiness: str = Field(description="ready, building or not_yet")
    readiness_words: str
    meaning: str
    tips: list[str]


class CommitmentToReportOut(Schema):
    id: uuid.UUID
    what: str
    requester_id: uuid.UUID
    requester_name: str
    status: str
    due_at: dt.datetime


class TeamOut(Schema):
    """My manager dashboard: words and k-anonymous aggregates only."""

    manager_id: uuid.UUID
    as_of: dt.datetime
    k: int
    reports: list[ReportReadinessOut]
    trend: list[TrendPointOut] = Field(
        description="my direct reports' trust in me, added up, shown where >= k reports"
    )
    commitments: list[CommitmentToReportOut]
    tips_version: int


def _figure(figure: profiles.DimensionProfile) -> TrustFigureOut:
    return TrustFigureOut.model_validate(figure, from_attributes=True)


def _trend(points: list[profiles.TrendPoint]) -> list[TrendPointOut]:
    return [
        TrendPointOut(
            at=p.at,
            label=p.label,
            dimensions=[_figure(f) for f in p.dimensions],
            overall=_figure(p.overall),
        )
        for p in points
    ]


@router.get(
    "/me/trust-profile",
    response={200: TrustProfileOut, **COMMON_ERRORS},
    summary="My trust profile",
)
def trust_profile(request: HttpRequest) -> TrustProfileOut:
    """How others experience me per ABCD dimension (shown over at least k people), the trend
    over the past 12 months, why (by kind of evidence, never by person), my follow-through
    and my latest assessment's blind spots. Audited."""
    mine = profiles.my_trust(Actor.from_request(request, via="api"))
    profile = mine.profile
    assessment = mine.assessment
    return TrustProfileOut(
        person_id=profile.person_id,
        as_of=profile.as_of,
        k=profile.k,
        dimensions=[_figure(f) for f in profile.dimensions],
        overall=_figure(profile.overall),
        trend=_trend(mine.trend),
        why=[
            WhyOut(
                dimension=name,
                kinds=[KindEffectOut.model_validate(e, from_attributes=True) for e in effects],
            )
            for name, effects in mine.why.items()
        ],
        follow_through=FollowThroughOut.model_validate(mine.follow_through, from_attributes=True),
        survey=[SurveyFigureOut.model_validate(f, from_attributes=True) for f in mine.survey],
        assessment=None
        if assessment is None
        else AssessmentOut(
            **{
                f.name: getattr(assessment, f.name)
                for f in dataclasses.fields(assessment)
                if f.name not in ("blind_spots", "hidden_strengths")
            },
            blind_spots=[
                GapOut.model_validate(g, from_attributes=True) for g in assessment.blind_spots
            ],
            hidden_strengths=[
                GapOut.model_validate(g, from_attributes=True) for g in assessment.hidden_strengths
            ],
        ),
    )


@router.get("/me/team", response={200: TeamOut, **COMMON_ERRORS}, summary="My team (managers)")
def my_team(request: HttpRequest) -> TeamOut:
    """For a manager: coaching readiness per direct report (words, never numbers) with tips
    for their style, the team's trust in me over time (k-anonymous), my open commitments to
    my people. Someone without direct reports gets an empty dashboard. Audited."""
    dashboard = team.team_dashboard(Actor.from_request(request, via="api"))
    return TeamOut(
        manager_id=dashboard.manager_id,
        as_of=dashboard.as_of,
        k=dashboard.k,
        reports=[
            ReportReadinessOut.model_validate(r, from_attributes=True) for r in dashboard.reports
        ],
        trend=_trend(dashboard.trend),
        commitments=[
            CommitmentToReportOut.model_validate(c, from_attributes=True)
            for c in dashboard.commitments
        ],
        tips_version=dashboard.tips_version,
    )
