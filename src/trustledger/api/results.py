"""Survey results: the campaigns a caller may read, their cells, a subject's report, the CSV
export, and the closed loop (actions committed on results, followed up by the raters).

Every handler: parse → ``Actor.from_request`` → one service call → schema. Who may read which
cut, and the anonymity rule, live in :mod:`trustledger.assessments.reports` (every figure here
was decided and frozen when the campaign ended: a hidden cell carries no figures to send). A
campaign that has not ended answers 409: results do not exist before then.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema, Status
from pydantic import Field

from trustledger.accounts.actors import Actor
from trustledger.api.errors import COMMON_ERRORS, OBJECT_ERRORS, ErrorOut
from trustledger.api.ledger import Moment
from trustledger.api.schemas import Text
from trustledger.assessments import reports
from trustledger.assessments.models import Campaign, CampaignSubject

router = Router(tags=["survey results"])

#: Operations on an ended campaign's results: 409 while the campaign is still running.
RESULT_ERRORS: dict[int, Any] = {**OBJECT_ERRORS, 409: ErrorOut}


# --- schemas -----------------------------------------------------------------------------------


class ResultsCampaignOut(Schema):
    """An ended campaign whose results the caller may read."""

    id: uuid.UUID
    title: str
    instrument_id: str
    instrument_version: int
    status: str
    closes_at: dt.datetime
    closed_at: dt.datetime | None
    anonymity_k: int = Field(description="no cut of fewer respondents is shown")


class DimensionResultOut(Schema):
    """A dimension of a shown cell: all answers to its items pooled (``mean``, shares of
    favourable / neutral / unfavourable answers), the mean of respondents' dimension scores
    (``score_mean``) and Cronbach's alpha (null where it cannot be computed)."""

    id: str
    name: str
    answers: int
    mean: float | None
    favourable: float | None
    neutral: float | None
    unfavourable: float | None
    alpha: float | None
    score_mean: float | None


class ItemResultOut(Schema):
    """An item of a shown cell; ``distribution`` counts the answers per scale point (1 first)."""

    id: str
    text: str
    dimension: str
    answers: int
    mean: float | None
    favourable: float | None
    neutral: float | None
    unfavourable: float | None
    distribution: list[int]


class DriverOut(Schema):
    """One dimension's relative weight on the outcome item, with its bootstrap interval."""

    id: str
    weight: float | None
    share: float | None
    low: float | None
    high: float | None


class DriversOut(Schema):
    """Which dimension moves overall trust most (only for cells of at least 30 respondents)."""

    outcome: str
    r_squared: float | None
    respondents: int
    dimensions: list[DriverOut]


class CellOut(Schema):
    """One cut of the results. A hidden cut (``shown`` false) has no figures, null
    ``respondents`` and a ``note`` saying why; comments appear only where enough people of the
    cut left one, unattributed and in random order."""

    key: str
    label: str
    kind: str = Field(description="organisation, department or subject")
    group: str = Field(description='a rater group, or "" for everyone but self')
    subject_id: uuid.UUID | None
    shown: bool
    note: str
    respondents: int | None
    dimensions: list[DimensionResultOut]
    items: list[ItemResultOut]
    drivers: DriversOut | None
    comments: list[str] | None


class GapOut(Schema):
    """Self minus a rater group's mean on one dimension: ``blind_spot`` (self higher by the
    margin or more), ``hidden_strength``, ``aligned``, or ``no_data`` (the group is hidden)."""

    group: str
    group_label: str
    dimension: str
    dimension_name: str
    self_score: float
    others_score: float | None
    gap: float | None
    classification: str


class TrendOut(Schema):
    """Change of a dimension's mean since the previous wave, with Welch's 95% interval."""

    dimension: str
    dimension_name: str
    previous: float
    current: float
    difference: float
    low: float
    high: float


class ActionOut(Schema):
    """A public commitment made in answer to results, with its status now."""

    id: uuid.UUID
    commitment_id: uuid.UUID
    what: str
    dimension: str
    due_at: dt.datetime
    status: str


class SubjectRefOut(Schema):
    """Whom a report is about: a person or a team."""

    id: uuid.UUID
    label: str
    person_id: uuid.UUID | None
    team_id: uuid.UUID | None


class ReportOut(Schema):
    """A subject's report. ``self_scores`` and ``gaps`` are sent to the subject alone
    (``own`` true); for anyone else they are null and empty."""

    campaign: ResultsCampaignOut
    subject: SubjectRefOut
    own: bool
    overall: CellOut
    groups: list[CellOut]
    benchmark: CellOut | None = Field(description="the organisation as a whole")
    self_scores: dict[str, float | None] | None
    gaps: list[GapOut]
    margin: float = Field(description="the gap that counts as a blind spot or hidden strength")
    previous_campaign_id: uuid.UUID | None
    trend: list[TrendOut]
    actions: list[ActionOut]


class ActionIn(Schema):
    """A public commitment in answer to results. ``requester_id`` is who holds you to it
    (default: your manager); ``dimension`` the result it answers ("" for overall)."""

    what: Text = Field(min_length=1, max_length=300)
    done_means: Text = Field(min_length=1, max_length=5000)
    due_at: Moment
    dimension: Text = Field("", max_length=64)
    requester_id: uuid.UUID | None = None


class FollowUpOut(Schema):
    """A subject the caller was invited to rate in an ended campaign, and what followed."""

    campaign: ResultsCampaignOut
    subject: SubjectRefOut
    actions: list[ActionOut]


# --- helpers (shaping only) --------------------------------------------------------------------


def _actor(request: HttpRequest) -> Actor:
    return Actor.from_request(request, via="api")


def _not_ready(error: reports.ResultsNotReady) -> Status[dict[str, str]]:
    return Status(409, {"detail": str(error)})


def _campaign_out(campaign: Campaign) -> ResultsCampaignOut:
    return ResultsCampaignOut(
        id=campaign.pk,
        title=campaign.title,
        instrument_id=campaign.instrument_id,
        instrument_version=campaign.instrument_version,
        status=campaign.status,
        closes_at=campaign.closes_at,
        closed_at=campaign.closed_at,
        anonymity_k=campaign.anonymity_k,
    )


def _subject_out(subject: CampaignSubject) -> SubjectRefOut:
    return SubjectRefOut(
        id=subject.pk, label=str(subject), person_id=subject.person_id, team_id=subject.team_id
    )


def _cell_out(cell: reports.Cell) -> CellOut:
    return CellOut.model_validate(dataclasses.asdict(cell))


def _action_out(action: reports.Action) -> ActionOut:
    return ActionOut.model_validate(dataclasses.asdict(action))


# --- operations --------------------------------------------------------------------------------


@router.get("/results", response={200: list[ResultsCampaignOut], **COMMON_ERRORS})
def list_results(request: HttpRequest) -> list[ResultsCampaignOut]:
    """Ended campaigns with results the caller may read, newest first: every one for HR and
    administrators; for anyone else those about them, their teams or their department."""
    return [_campaign_out(c) for c in reports.ended_campaigns(_actor(request))]


@router.get("/campaigns/{campaign_id}/results", response={200: list[CellOut], **RESULT_ERRORS})
def get_results(request: HttpRequest, campaign_id: uuid.UUID) -> Any:
    """Every cut of an ended campaign the caller may read, organisation first; hidden cuts say
    why (409 while the campaign is still running)."""
    try:
        cells = reports.overview(_actor(request), campaign_id)
    except reports.ResultsNotReady as error:
        return _not_ready(error)
    return [_cell_out(cell) for cell in cells]


@router.get(
    "/campaigns/{campaign_id}/results.csv",
    response={200: None, **RESULT_ERRORS},
    openapi_extra={
        "responses": {
            "200": {
                "description": "The permitted aggregates as CSV (no comments, no self ratings)",
                "content": {"text/csv": {"schema": {"type": "string"}}},
            }
        }
    },
)
def export_results(request: HttpRequest, campaign_id: uuid.UUID) -> Any:
    """The cuts the caller may read as CSV: one row per cut × dimension and cut × item; a
    hidden cut is one row with its note and no figures."""
    try:
        text = reports.export_csv(_actor(request), campaign_id)
    except reports.ResultsNotReady as error:
        return _not_ready(error)
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="results-{campaign_id}.csv"'
    return response


@router.get(
    "/campaigns/{campaign_id}/subjects/{subject_id}/report",
    response={200: ReportOut, **RESULT_ERRORS},
)
def get_report(request: HttpRequest, campaign_id: uuid.UUID, subject_id: uuid.UUID) -> Any:
    """One subject's report: overall and per rater group, the organisation's benchmark, the
    trend since the previous wave and the actions taken. The subject alone also gets their
    self rating and its gaps (blind spots, hidden strengths)."""
    try:
        report = reports.report(_actor(request), campaign_id, subject_id)
    except reports.ResultsNotReady as error:
        return _not_ready(error)
    return ReportOut(
        campaign=_campaign_out(report.campaign),
        subject=_subject_out(report.subject),
        own=report.own,
        overall=_cell_out(report.overall),
        groups=[_cell_out(c) for c in report.groups],
        benchmark=_cell_out(report.benchmark) if report.benchmark else None,
        self_scores=report.self_scores if report.own else None,
        gaps=[GapOut.model_validate(dataclasses.asdict(g)) for g in report.gaps]
        if report.own
        else [],
        margin=report.margin,
        previous_campaign_id=report.previous_campaign.pk if report.previous_campaign else None,
        trend=[TrendOut.model_validate(dataclasses.asdict(t)) for t in report.trend],
        actions=[_action_out(a) for a in report.actions],
    )


@router.post(
    "/campaigns/{campaign_id}/subjects/{subject_id}/actions",
    response={201: ActionOut, **RESULT_ERRORS},
)
def commit_to_action(
    request: HttpRequest, campaign_id: uuid.UUID, subject_id: uuid.UUID, payload: ActionIn
) -> Any:
    """Commit publicly to an action on results (the person assessed, or a manager of the team
    surveyed): a ledger commitment visible to everyone, which the raters follow."""
    try:
        action = reports.commit_to_action(
            _actor(request), campaign_id, subject_id, **payload.model_dump()
        )
    except reports.ResultsNotReady as error:
        return _not_ready(error)
    [shaped] = [a for a in reports.actions_for(action.subject) if a.id == action.pk]
    return Status(201, _action_out(shaped))


@router.get("/surveys/follow-up", response={200: list[FollowUpOut], **COMMON_ERRORS})
def get_follow_up(request: HttpRequest) -> list[FollowUpOut]:
    """For a rater: the subjects they were invited to rate in ended campaigns, with the actions
    taken on the results since. Their own invitations only."""
    return [
        FollowUpOut(
            campaign=_campaign_out(campaign),
            subject=_subject_out(subject),
            actions=[_action_out(a) for a in actions],
        )
        for campaign, subject, actions in reports.followed_up(_actor(request))
    ]
