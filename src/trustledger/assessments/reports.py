"""Reading a finished campaign's results: who may see which cut, the leader report with its
gaps and trend, and the CSV export — every one of them through :func:`visible_cells`.

The figures were decided and frozen by :mod:`trustledger.assessments.results`; a hidden cell
has no figures to leak. What this module adds is *who*: HR and administrators read every
cell; a person reads the report about themselves, the results of the teams they belong to or
lead (directly or through others), their own department, and the organisation-wide
benchmark. A self rating is read only for its author (their own gap analysis). Every read is
audited.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import uuid
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404

from trustledger import engine
from trustledger.accounts.actors import Actor
from trustledger.assessments.anonymity import PROTECTS_OTHERS
from trustledger.assessments.instruments import Instrument
from trustledger.assessments.models import (
    AttributedResponse,
    Campaign,
    CampaignAction,
    CampaignResults,
    CampaignStatus,
    CampaignSubject,
    CellKind,
    Invitation,
    RaterGroup,
    ResultCell,
)
from trustledger.assessments.results import ResultsNotReady, ensure_results, has_ended, rows_of

__all__ = ["ResultsNotReady"]  # re-exported: pages and API catch it from here
from trustledger.audit import services as audit
from trustledger.ledger import services as ledger
from trustledger.ledger.models import Origin, Visibility
from trustledger.org import services as org
from trustledger.org.models import Person

GROUP_LABELS = {
    "": "Everyone but self",
    RaterGroup.MANAGER: "Manager",
    RaterGroup.PEERS: "Peers",
    RaterGroup.DIRECT_REPORTS: "Direct reports",
    RaterGroup.TEAM: "Team",
}


# --- what a page, an API route and the export show ----------------------------------------


@dataclass(frozen=True)
class DimensionRow:
    id: str
    name: str
    answers: int
    mean: float | None
    favourable: float | None
    neutral: float | None
    unfavourable: float | None
    alpha: float | None
    score_mean: float | None


@dataclass(frozen=True)
class ItemRow:
    id: str
    text: str
    dimension: str
    answers: int
    mean: float | None
    favourable: float | None
    neutral: float | None
    unfavourable: float | None
    distribution: list[int]


@dataclass(frozen=True)
class Cell:
    """One cut as a reader sees it: figures if shown, else only why not."""

    key: str
    label: str
    kind: str
    group: str
    shown: bool
    note: str
    respondents: int | None
    dimensions: list[DimensionRow] = field(default_factory=list)
    items: list[ItemRow] = field(default_factory=list)
    drivers: dict[str, Any] | None = None
    comments: list[str] | None = None
    subject_id: uuid.UUID | None = None


@dataclass(frozen=True)
class Gap:
    group: str
    group_label: str
    dimension: str
    dimension_name: str
    self_score: float
    others_score: float | None
    gap: float | None
    classification: str  # engine.BLIND_SPOT / HIDDEN_STRENGTH / ALIGNED / NO_DATA


@dataclass(frozen=True)
class Trend:
    dimension: str
    dimension_name: str
    previous: float
    current: float
    difference: float
    low: float
    high: float


@dataclass(frozen=True)
class Action:
    id: uuid.UUID
    commitment_id: uuid.UUID
    what: str
    dimension: str
    due_at: Any
    status: str


@dataclass(frozen=True)
class Report:
    """A subject's report: the leader's own (with self rating and gaps) or HR's view."""

    campaign: Campaign
    instrument: Instrument
    subject: CampaignSubject
    own: bool
    overall: Cell
    groups: list[Cell]
    benchmark: Cell | None
    self_scores: dict[str, float | None] | None
    gaps: list[Gap]
    margin: float
    trend: list[Trend]
    previous_campaign: Campaign | None
    actions: list[Action]


def note_for(reason: str, k: int) -> str:
    """Why a cell is not shown, in words a reader understands."""
    if reason == PROTECTS_OTHERS:
        return (
            "Hidden so that a smaller group's answers cannot be worked out by subtracting "
            "the groups that are shown."
        )
    return f"Not enough responses: results are shown only where at least {k} people answered."


# --- permissions --------------------------------------------------------------------------


def _campaign(campaign_id: uuid.UUID | str) -> Campaign:
    try:
        return Campaign.objects.get(pk=campaign_id)
    except (Campaign.DoesNotExist, ValidationError, ValueError):
        raise Http404(f"no campaign with id {campaign_id}") from None


def campaign_of(campaign_id: uuid.UUID | str) -> Campaign:
    """The campaign itself (404 if unknown), for a page's heading: its title and dates only;
    read it after :func:`overview` or :func:`report`, which decide who may see results."""
    return _campaign(campaign_id)


def _readable_subjects(actor: Actor, campaign: Campaign) -> QuerySet[CampaignSubject]:
    """The subjects whose cells ``actor`` may read."""
    subjects = CampaignSubject.objects.filter(campaign=campaign)
    if actor.manages_people:
        return subjects
    person = actor.person
    if person is None:
        return subjects.none()
    under = org.everyone_under(person)
    teams = set(
        Person.objects.filter(Q(pk=person.pk) | Q(pk__in=under))
        .exclude(team=None)
        .values_list("team_id", flat=True)
    )
    return subjects.filter(Q(person=person) | Q(person=None, team_id__in=teams))


def visible_cells(
    actor: Actor, campaign: Campaign, subject_id: uuid.UUID | None = None
) -> list[ResultCell]:
    """Every result cell of an ended campaign that ``actor`` may read (hidden ones included,
    without figures, so a page can say why). Raises ``PermissionDenied`` (audited) for a
    reader with nothing to see and :class:`ResultsNotReady` before the campaign has ended.

    ``subject_id`` loads only the organisation's cells and that subject's (what a report
    shows): a large campaign has thousands of cells, each with its figures. Who may read
    is decided as for the whole campaign."""
    if campaign.status == CampaignStatus.DRAFT or not has_ended(campaign):
        raise ResultsNotReady(
            "results are shown once the campaign has ended "
            f"(it closes {campaign.closes_at:%Y-%m-%d %H:%M} UTC)"
        )
    ensure_results(campaign)
    everything = ResultCell.objects.filter(campaign=campaign)
    cells = everything.select_related("subject__person", "subject__team", "manager")
    if subject_id is not None:
        cells = cells.filter(Q(kind=CellKind.ORGANISATION) | Q(subject_id=subject_id))
    if actor.manages_people:
        return list(cells)
    subjects = set(_readable_subjects(actor, campaign).values_list("pk", flat=True))
    person = actor.person
    departments: set[uuid.UUID] = set()
    if person is not None and subjects:
        departments = org.everyone_under(person) | {person.pk}
    readable = [
        cell
        for cell in cells
        if (cell.kind == CellKind.SUBJECT and cell.subject_id in subjects)
        or (cell.kind == CellKind.DEPARTMENT and cell.manager_id in departments)
    ]
    # Narrowed to one subject, the reader may still read other cells of the campaign.
    if not readable and (
        subject_id is None
        or not everything.filter(
            Q(kind=CellKind.SUBJECT, subject_id__in=subjects)
            | Q(kind=CellKind.DEPARTMENT, manager_id__in=departments)
        ).exists()
    ):
        audit.deny(
            actor,
            "results.read",
            "campaign",
            campaign.pk,
            "these results are about other people",
        )
    benchmark = [cell for cell in cells if cell.kind == CellKind.ORGANISATION]
    return benchmark + readable


def _label(cell: ResultCell) -> str:
    if cell.kind == CellKind.ORGANISATION:
        base = "Organisation"
    elif cell.kind == CellKind.DEPARTMENT:
        base = f"{cell.manager.name}'s department" if cell.manager else "Department"
    else:
        base = str(cell.subject)
    return f"{base} — {GROUP_LABELS.get(cell.group, cell.group)}" if cell.group else base


def as_cell(cell: ResultCell, instrument: Instrument, k: int) -> Cell:
    """A stored cell with names and texts from its instrument."""
    if not cell.shown or cell.figures is None:
        return Cell(
            key=cell.key,
            label=_label(cell),
            kind=cell.kind,
            group=cell.group,
            shown=False,
            note=note_for(cell.reason, k),
            respondents=None,
            subject_id=cell.subject_id,
        )
    names = {d.id: d.name for d in instrument.dimensions}
    texts: dict[str, tuple[str, str]] = {}
    for form in instrument.forms:
        if RaterGroup.SELF in form.rater_groups and len(instrument.forms) > 1:
            continue
        for item in form.items:
            texts.setdefault(item.id, (item.text, item.dimension))
    figures = cell.figures
    return Cell(
        key=cell.key,
        label=_label(cell),
        kind=cell.kind,
        group=cell.group,
        shown=True,
        note="",
        respondents=cell.respondents,
        dimensions=[
            DimensionRow(
                id=d["id"],
                name=names.get(d["id"], d["id"]),
                answers=d["answers"],
                mean=d["mean"],
                favourable=d["favourable"],
                neutral=d["neutral"],
                unfavourable=d["unfavourable"],
                alpha=d["alpha"],
                score_mean=d["score_mean"],
            )
            for d in rows_of(figures["dimensions"])
        ],
        items=[
            ItemRow(
                id=i["id"],
                text=texts.get(i["id"], (i["id"], ""))[0],
                dimension=texts.get(i["id"], ("", ""))[1],
                answers=i["answers"],
                mean=i["mean"],
                favourable=i["favourable"],
                neutral=i["neutral"],
                unfavourable=i["unfavourable"],
                distribution=i["distribution"],
            )
            for i in rows_of(figures["items"])
        ],
        drivers=figures.get("drivers"),
        comments=cell.comments,
        subject_id=cell.subject_id,
    )


# --- the campaign overview and a subject's report -----------------------------------------


def ended_campaigns(actor: Actor) -> list[Campaign]:
    """Ended campaigns with results ``actor`` may read, newest first (no audit: titles only)."""
    candidates = Campaign.objects.exclude(status=CampaignStatus.DRAFT).order_by("-closes_at")
    result = []
    for campaign in candidates:
        if not has_ended(campaign):
            continue
        if actor.manages_people or _readable_subjects(actor, campaign).exists():
            result.append(campaign)
    return result


def overview(actor: Actor, campaign_id: uuid.UUID | str) -> list[Cell]:
    """Every cut of a campaign ``actor`` may read, organisation first. Audited."""
    from trustledger.assessments.services import instrument_of  # noqa: PLC0415 (cycle)

    campaign = _campaign(campaign_id)
    cells = visible_cells(actor, campaign)
    instrument = instrument_of(campaign)
    audit.record(actor, "results.read", "campaign", campaign.pk, detail={"cells": len(cells)})
    order = {CellKind.ORGANISATION: 0, CellKind.DEPARTMENT: 1, CellKind.SUBJECT: 2}
    return [
        as_cell(c, instrument, campaign.anonymity_k)
        for c in sorted(cells, key=lambda c: (order[CellKind(c.kind)], _label(c)))
    ]


def report(
    actor: Actor,
    campaign_id: uuid.UUID | str,
    subject_id: uuid.UUID | str,
    margin: float | None = None,
) -> Report:
    """One subject's report: overall and per rater group, the organisation's benchmark, the
    trend since the previous wave, actions taken, and — for the subject alone — their self
    rating and its gaps (blind spots, hidden strengths). Audited."""
    from trustledger.assessments.services import instrument_of  # noqa: PLC0415 (cycle)

    campaign = _campaign(campaign_id)
    try:
        wanted = uuid.UUID(str(subject_id))
    except ValueError:
        raise Http404(f"no subject {subject_id} in this campaign") from None
    cells = visible_cells(actor, campaign, wanted)
    subject = next((c.subject for c in cells if c.subject_id == wanted), None)
    if subject is None:
        if CampaignSubject.objects.filter(campaign=campaign, pk=str(subject_id)).exists():
            audit.deny(actor, "results.read", "subject", subject_id, "this report is not yours")
        raise Http404(f"no subject {subject_id} in this campaign")
    instrument = instrument_of(campaign)
    k = campaign.anonymity_k
    mine = [c for c in cells if c.subject_id == subject.pk]
    overall = next(c for c in mine if c.group == "")
    groups = [as_cell(c, instrument, k) for c in mine if c.group]
    groups.sort(key=lambda c: list(GROUP_LABELS).index(c.group))
    benchmark_row = next((c for c in cells if c.key == "organisation"), None)
    own = actor.person is not None and subject.person_id == actor.person.pk
    margin = float(settings.GAP_MARGIN if margin is None else margin)
    overall_cell = as_cell(overall, instrument, k)
    self_scores = _self_scores(campaign, subject, instrument) if own else None
    gaps = _gaps(self_scores, [overall_cell, *groups], instrument, margin) if self_scores else []
    previous, trend = _trend(campaign, subject, overall, instrument)
    audit.record(actor, "results.read", "subject", subject.pk, detail={"own": own})
    return Report(
        campaign=campaign,
        instrument=instrument,
        subject=subject,
        own=own,
        overall=overall_cell,
        groups=groups,
        benchmark=as_cell(benchmark_row, instrument, k) if benchmark_row else None,
        self_scores=self_scores,
        gaps=gaps,
        margin=margin,
        trend=trend,
        previous_campaign=previous,
        actions=actions_for(subject),
    )


def _self_scores(
    campaign: Campaign, subject: CampaignSubject, instrument: Instrument
) -> dict[str, float | None] | None:
    """The subject's own rating per dimension (their eyes only)."""
    sheet = AttributedResponse.objects.filter(
        campaign=campaign, subject=subject, group=RaterGroup.SELF
    ).first()
    if sheet is None:
        return None
    dims, reverse = instrument.engine_arrays(sheet.form_id)
    row = np.array([[np.nan if a is None else a for a in sheet.answers]], dtype=np.float64)
    keyed = engine.reverse_key(row, reverse, instrument.scale.points)
    scores = engine.dimension_scores(keyed, dims, len(instrument.dimensions))[0]
    return {
        d.id: (None if np.isnan(scores[i]) else round(float(scores[i]), 6))
        for i, d in enumerate(instrument.dimensions)
    }


def _gaps(
    self_scores: dict[str, float | None],
    cells: list[Cell],
    instrument: Instrument,
    margin: float,
) -> list[Gap]:
    dims = [d for d in instrument.dimensions if self_scores.get(d.id) is not None]
    own = np.array([self_scores[d.id] for d in dims], dtype=np.float64)
    others = np.array(
        [
            [
                next(
                    (r.score_mean for r in c.dimensions if r.id == d.id and r.score_mean),
                    np.nan,
                )
                if c.shown
                else np.nan
                for d in dims
            ]
            for c in cells
        ],
        dtype=np.float64,
    )
    result = engine.self_other_gaps(own, others, margin)
    return [
        Gap(
            group=c.group,
            group_label=GROUP_LABELS.get(c.group, c.group),
            dimension=d.id,
            dimension_name=d.name,
            self_score=float(own[j]),
            others_score=None if np.isnan(others[i, j]) else float(others[i, j]),
            gap=None if np.isnan(result.gap[i, j]) else round(float(result.gap[i, j]), 6),
            classification=str(result.classification[i, j]),
        )
        for i, c in enumerate(cells)
        for j, d in enumerate(dims)
    ]


def _summary(cell: ResultCell) -> dict[str, tuple[float, float, int]]:
    if not cell.shown or cell.figures is None:
        return {}
    return {
        d["id"]: (d["score_mean"], d["score_variance"], d["score_n"])
        for d in rows_of(cell.figures["dimensions"])
        if d["score_mean"] is not None and d["score_variance"] is not None
    }


def _trend(
    campaign: Campaign, subject: CampaignSubject, overall: ResultCell, instrument: Instrument
) -> tuple[Campaign | None, list[Trend]]:
    """Change since the previous ended wave of the same instrument about the same subject
    (Welch's interval: anonymous waves cannot be paired)."""
    same = Q(person=subject.person) if subject.person_id else Q(person=None, team=subject.team)
    earlier = (
        CampaignSubject.objects.filter(same)
        .filter(
            campaign__instrument_id=campaign.instrument_id,
            campaign__closes_at__lt=campaign.closes_at,
        )
        .exclude(campaign__status=CampaignStatus.DRAFT)
        .select_related("campaign")
        .order_by("-campaign__closes_at")
    )
    for previous_subject in earlier:
        previous = previous_subject.campaign
        if not has_ended(previous):
            continue
        ensure_results(previous)
        cell = ResultCell.objects.filter(
            campaign=previous, key=f"subject:{previous_subject.pk}"
        ).first()
        if cell is None:
            continue
        before, now = _summary(cell), _summary(overall)
        names = {d.id: d.name for d in instrument.dimensions}
        trend = []
        for dim_id in names:
            if dim_id in before and dim_id in now:
                (m1, v1, n1), (m2, v2, n2) = before[dim_id], now[dim_id]
                change = engine.wave_difference_from_summaries(m1, v1, n1, m2, v2, n2)
                trend.append(
                    Trend(
                        dimension=dim_id,
                        dimension_name=names[dim_id],
                        previous=m1,
                        current=m2,
                        difference=float(change.difference),
                        low=float(change.low),
                        high=float(change.high),
                    )
                )
        return previous, trend
    return None, []


# --- closed loop --------------------------------------------------------------------------


def actions_for(subject: CampaignSubject) -> list[Action]:
    """The public commitments made in answer to a subject's results, with their status now."""
    rows = CampaignAction.objects.filter(subject=subject).select_related("commitment")
    return [
        Action(
            id=row.pk,
            commitment_id=row.commitment_id,
            what=row.commitment.what,
            dimension=row.dimension,
            due_at=row.commitment.due_at,
            status=str(ledger.effective_status(row.commitment)),
        )
        for row in rows
    ]


def may_commit(actor: Actor, subject: CampaignSubject) -> bool:
    """Whether ``actor`` may commit to actions on ``subject``'s results: the person assessed,
    or, for a team survey, a manager of someone in the team (pages show the form only then)."""
    person = actor.person
    return person is not None and (
        subject.person_id == person.pk
        or (
            subject.person_id is None
            and Person.objects.filter(team=subject.team, pk__in=org.everyone_under(person)).exists()
        )
    )


def commit_to_action(
    actor: Actor,
    campaign_id: uuid.UUID | str,
    subject_id: uuid.UUID | str,
    *,
    what: str,
    done_means: str,
    due_at: dt.datetime,
    dimension: str = "",
    requester_id: uuid.UUID | str | None = None,
) -> CampaignAction:
    """Close the loop: the subject of a report (or, for a team survey, a manager of the
    team) commits publicly to an action on its results. The commitment goes in the ledger —
    visible to everyone, origin "assessment", owed to ``requester_id`` (default: the
    actor's manager, who holds them to it) — and the raters follow its status."""
    from trustledger.assessments.services import instrument_of  # noqa: PLC0415 (cycle)

    campaign = _campaign(campaign_id)
    person = actor.person
    subject = CampaignSubject.objects.filter(campaign=campaign, pk=str(subject_id)).first()
    if subject is None:
        raise Http404(f"no subject {subject_id} in this campaign")
    if not may_commit(actor, subject):
        audit.deny(
            actor,
            "results.commit",
            "subject",
            subject.pk,
            "only the person assessed, or a manager of the team, commits to actions on results",
        )
    assert person is not None
    visible_cells(actor, campaign)  # the results must exist and be theirs to read
    if dimension and dimension not in instrument_of(campaign).dimension_ids():
        raise ValidationError({"dimension": f"no dimension {dimension!r} in this instrument"})
    if requester_id is None:
        manager = org.manager_of(person)
        if manager is None:
            raise ValidationError(
                {"requester_id": "you have no manager: choose who will hold you to it"}
            )
        requester_id = manager.pk
    with transaction.atomic():
        commitment = ledger.propose(
            actor,
            performer_id=person,
            requester_id=requester_id,
            what=what,
            done_means=done_means,
            due_at=due_at,
            visibility=Visibility.PUBLIC,
            origin=Origin.ASSESSMENT,
        )
        action = CampaignAction.objects.create(
            campaign=campaign, subject=subject, commitment=commitment, dimension=dimension
        )
        audit.record(
            actor,
            "results.commit",
            "subject",
            subject.pk,
            detail={"commitment": str(commitment.pk)},
        )
    return action


def followed_up(actor: Actor) -> list[tuple[Campaign, CampaignSubject, list[Action]]]:
    """For a rater: the subjects they were invited to rate in ended campaigns, with the
    actions taken on the results (public commitments). Their own invitations only."""
    person = actor.person
    if person is None:
        return []
    invited = (
        Invitation.objects.filter(person=person)
        .exclude(group=RaterGroup.SELF)
        .select_related("campaign", "subject__person", "subject__team")
        .order_by("-campaign__closes_at")
    )
    result = []
    for invitation in invited:
        if has_ended(invitation.campaign):
            result.append(
                (invitation.campaign, invitation.subject, actions_for(invitation.subject))
            )
    return result


# --- export -------------------------------------------------------------------------------

CSV_COLUMNS = (
    "campaign",
    "cell",
    "label",
    "rater_group",
    "respondents",
    "level",
    "id",
    "name",
    "answers",
    "mean",
    "favourable",
    "neutral",
    "unfavourable",
    "alpha",
    "note",
)


def export_csv(actor: Actor, campaign_id: uuid.UUID | str) -> str:
    """The aggregates ``actor`` may read, as CSV: one row per cell × dimension and per cell ×
    item; a hidden cell is one row with its note and no figures. No self ratings, no
    comments (free text is for reading in context, not for spreadsheets). Audited."""
    cells = overview(actor, campaign_id)
    campaign = _campaign(campaign_id)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for cell in cells:
        head = [campaign.pk, cell.key, cell.label, cell.group]
        if not cell.shown:
            writer.writerow([*head, *[""] * (len(CSV_COLUMNS) - len(head) - 1), cell.note])
            continue
        for d in cell.dimensions:
            writer.writerow(
                [
                    *head,
                    cell.respondents,
                    "dimension",
                    d.id,
                    d.name,
                    d.answers,
                    _fmt(d.mean),
                    _fmt(d.favourable),
                    _fmt(d.neutral),
                    _fmt(d.unfavourable),
                    _fmt(d.alpha),
                    "",
                ]
            )
        for i in cell.items:
            writer.writerow(
                [
                    *head,
                    cell.respondents,
                    "item",
                    i.id,
                    i.text,
                    i.answers,
                    _fmt(i.mean),
                    _fmt(i.favourable),
                    _fmt(i.neutral),
                    _fmt(i.unfavourable),
                    "",
                    "",
                ]
            )
    audit.record(actor, "results.export", "campaign", campaign.pk)
    return out.getvalue()


def _fmt(value: float | None) -> str:
    return "" if value is None else f"{value:.4f}"


def built(campaign: Campaign) -> CampaignResults | None:
    """The results marker if built (for pages that only link to results)."""
    return CampaignResults.objects.filter(campaign=campaign).first()
