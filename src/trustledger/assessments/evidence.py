"""Survey results as *group* evidence for the trust engine.

A survey rating is never an edge from one rater to the person rated: the answers are
anonymous, and an individual rater → subject edge would undo that. What the engine gets is
the group's verdict, as the results show it: for each ended campaign, the **shown** cell about
a person (everyone but self) gives, per ABCD dimension, the cell's mean dimension score and
the number of raters behind it, turned into evidence by
:func:`trustledger.engine.assessment_evidence` and fused across campaigns by cumulative
fusion (:func:`trustledger.engine.cumulative_fuse`, which is evidence addition). A hidden
cell has no figures, so it contributes nothing. Where the overall cell is shown, the shown
rater-group cells (peers, direct reports…) are listed to explain it but not counted again:
their raters are already in it. Where the overall cell is hidden (so that a smaller group's
answers cannot be worked out by subtraction) but some of its rater groups are shown, those
groups are counted: they are disjoint, so no rater counts twice.

Nothing is written: no :class:`~trustledger.insights.models.Evidence` row (truster →
trustee) ever comes from a survey. This is a building block for the person's own trust
profile; the page or route that shows it decides who may read it.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

from trustledger import engine
from trustledger.assessments.models import Campaign, CampaignSubject, CellKind, ResultCell
from trustledger.assessments.results import ensure_results, has_ended, rows_of
from trustledger.insights.projection import evidence_model
from trustledger.org.models import Person


@dataclass(frozen=True)
class SurveyEvidence:
    """One shown cell's evidence on one ABCD dimension."""

    campaign_id: uuid.UUID
    campaign_title: str
    ended_at: dt.datetime
    cell: str
    #: The rater group ("" = everyone but self).
    group: str
    #: The engine's dimension name (``able``, ``believable``, ``connected``, ``dependable``).
    dimension: str
    #: The cell's mean dimension score, on the instrument's scale.
    mean: float
    #: Raters with a score on this dimension in the cell.
    raters: int
    row: engine.EvidenceRow
    #: In the fused opinion: the overall cell where it is shown, else each shown rater
    #: group; a rater-group cell under a shown overall cell only explains it.
    counted: bool


@dataclass(frozen=True)
class DimensionEvidence:
    """A dimension's survey evidence about one person, and the opinion it adds up to."""

    dimension: str
    positive: float
    negative: float
    opinion: engine.Opinion
    rows: list[SurveyEvidence] = field(default_factory=list)


def _on_model_scale(mean: float, points: int, model: engine.EvidenceModel) -> float:
    """A mean on the instrument's 1…points scale, mapped linearly onto the model's scale
    (the built-in instruments use 1–7, as the model does: unchanged)."""
    low, high = model.assessment_scale
    if points == high and low == 1:
        return mean
    return low + (mean - 1.0) / (points - 1.0) * (high - low)


def group_evidence(person: Person) -> list[DimensionEvidence]:
    """Per ABCD dimension (in :data:`engine.DIMENSIONS` order): the evidence rows from every
    ended campaign's shown cells about ``person``, and the fused opinion of the counted rows.
    Dimensions of an instrument other than the four ABCD ones are ignored."""
    from trustledger.assessments.services import instrument_of  # noqa: PLC0415 (cycle)

    model = evidence_model()
    index = {name: d for d, name in enumerate(engine.DIMENSIONS)}
    subjects = (
        CampaignSubject.objects.filter(person=person)
        .exclude(campaign__status="draft")
        .select_related("campaign")
    )
    ended: list[Campaign] = []
    for subject in subjects:
        if has_ended(subject.campaign):
            ensure_results(subject.campaign)
            ended.append(subject.campaign)
    cells = (
        ResultCell.objects.filter(
            campaign__in=ended, subject__person=person, kind=CellKind.SUBJECT, shown=True
        )
        .select_related("campaign")
        .order_by("campaign__closes_at", "group")
    )
    overall_shown = {cell.subject_id for cell in cells if cell.group == ""}
    rows: dict[str, list[SurveyEvidence]] = {name: [] for name in engine.DIMENSIONS}
    for cell in cells:
        campaign = cell.campaign
        points = instrument_of(campaign).scale.points
        for figures in rows_of((cell.figures or {}).get("dimensions", {})):
            if figures["id"] not in index or figures["score_mean"] is None:
                continue
            raters = int(figures["score_n"])
            if raters < 1:
                continue
            mean = float(figures["score_mean"])
            rows[figures["id"]].append(
                SurveyEvidence(
                    campaign_id=campaign.pk,
                    campaign_title=campaign.title,
                    ended_at=campaign.closed_at or campaign.closes_at,
                    cell=cell.key,
                    group=cell.group,
                    dimension=figures["id"],
                    mean=mean,
                    raters=raters,
                    row=engine.assessment_evidence(
                        model, index[figures["id"]], _on_model_scale(mean, points, model), raters
                    ),
                    counted=cell.group == "" or cell.subject_id not in overall_shown,
                )
            )
    result = []
    for name in engine.DIMENSIONS:
        opinion = engine.from_evidence(0.0, 0.0, model.base_rate, model.prior_weight)
        positive = negative = 0.0
        for row in rows[name]:
            if row.counted:
                positive += row.row.positive
                negative += row.row.negative
                opinion = engine.cumulative_fuse(
                    opinion,
                    engine.from_evidence(
                        row.row.positive, row.row.negative, model.base_rate, model.prior_weight
                    ),
                )
        result.append(
            DimensionEvidence(
                dimension=name,
                positive=positive,
                negative=negative,
                opinion=opinion,
                rows=rows[name],
            )
        )
    return result
