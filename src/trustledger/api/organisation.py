"""Organisation analytics for HR: trust by team × dimension, follow-through, trickle-down,
retention — the same aggregates as the page and its CSV (docs/insights.md).

Parse → ``Actor.from_request`` → one service call → schema. HR and administrators only
(403 for anyone else, audited); every figure is an aggregate the anonymity rule allows.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema
from pydantic import Field

from trustledger.accounts.actors import Actor
from trustledger.api.errors import COMMON_ERRORS
from trustledger.insights import organisation

router = Router(tags=["organisation analytics"])


class CellOut(Schema):
    """Trust in a team's members on one measure (a dimension or overall), or why not shown."""

    measure: str
    shown: bool
    projected: float | None = Field(description="fused incoming trust, 0–1; null when hidden")
    uncertainty: float | None
    certainty: str = Field(description='in words; "little evidence yet" is not low trust')
    people: int | None = Field(description="members with evidence; null when hidden")
    note: str = Field(description="why the figure is hidden; empty when shown")


class RatesOut(Schema):
    """Follow-through of the commitments the members gave, or why it is hidden."""

    shown: bool
    performers: int | None
    given: int | None
    finished: int | None
    kept_rate: float | None
    on_time_rate: float | None
    broken_rate: float | None
    renegotiation_rate: float | None = Field(description="renegotiations per commitment given")
    note: str


class TeamOut(Schema):
    team_id: uuid.UUID | None = Field(description="null for the whole organisation")
    name: str
    members: int
    as_of: dt.datetime = Field(description="when the row was last recomputed")
    cells: list[CellOut]
    rates: RatesOut


class FlagOut(Schema):
    """A subtree where distrust starts at the top (engine.trickle_down)."""

    leader_id: uuid.UUID
    leader: str
    title: str
    team: str
    people_under: int
    reports_with_evidence: int
    trust_in_leader: float
    certainty: str
    managers_below: int
    distrusted_below: int
    share_below: float
    base_rate: float
    p_value: float


class TrickleDownOut(Schema):
    managers_measured: int = 0
    managers_distrusted: int = 0
    base_rate: float | None = None
    flags: list[FlagOut] = []


class SurvivalPointOut(Schema):
    days: float
    survival: float
    low: float
    high: float


class LevelOut(Schema):
    """One trust-in-manager level's survival curve, or why it is hidden."""

    level: str
    shown: bool
    people: int | None
    left: int | None = None
    points: list[SurvivalPointOut] = []
    note: str


class RetentionOut(Schema):
    groups: list[LevelOut] = []
    logrank_p: float | None = None
    people: int = 0


class OrganisationOut(Schema):
    """Everything HR sees; ``ready`` is false until the first ``trustledger compute``."""

    ready: bool
    as_of: dt.datetime | None
    rebuilt_at: dt.datetime | None
    k: int
    organisation: TeamOut | None
    teams: list[TeamOut]
    hidden_teams: int
    trickle_down: TrickleDownOut
    retention: RetentionOut


def _team(figures: organisation.TeamFigures) -> TeamOut:
    return TeamOut.model_validate(figures, from_attributes=True)


@router.get(
    "/insights/organisation",
    response={200: OrganisationOut, **COMMON_ERRORS},
    summary="Organisation analytics (HR)",
)
def organisation_insights(request: HttpRequest) -> OrganisationOut:
    """Trust in each team's members per ABCD dimension, follow-through rates, subtrees where
    distrust starts at the top, and survival by trust in manager. HR and administrators only;
    every figure an aggregate over at least k people that no combination can narrow."""
    insights, teams = organisation.all_team_figures(Actor.from_request(request, via="api"))
    return OrganisationOut(
        ready=insights.ready,
        as_of=insights.as_of,
        rebuilt_at=insights.rebuilt_at,
        k=insights.k,
        organisation=_team(insights.organisation) if insights.organisation else None,
        teams=[_team(t) for t in teams],
        hidden_teams=insights.hidden_teams,
        trickle_down=TrickleDownOut.model_validate(insights.trickle_down),
        retention=RetentionOut.model_validate(insights.retention),
    )


@router.get(
    "/insights/organisation.csv",
    response={200: None, **COMMON_ERRORS},
    summary="Organisation analytics as CSV (HR)",
    openapi_extra={
        "responses": {
            "200": {
                "description": "The same aggregates as CSV (shown figures only)",
                "content": {"text/csv": {"schema": {"type": "string"}}},
            }
        }
    },
)
def organisation_csv(request: HttpRequest) -> Any:
    """The same aggregates as CSV: one row per figure, hidden ones with their reason only."""
    text = organisation.export_csv(Actor.from_request(request, via="api"))
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="organisation-insights.csv"'
    return response
