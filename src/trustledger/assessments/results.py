"""Building a finished campaign's results once, with the anonymity rule applied to every cut.

:func:`build_results` runs when a campaign ends (``close``) or, for a campaign whose window
simply passed, on the first read. It reads the answers into numpy, lists every permitted cut
(the organisation, each rater group across the organisation, each subject, each subject's rater
groups, each manager's department of teams), lets :func:`~trustledger.assessments.anonymity.
disclose_arrays` decide which may be shown, and stores a :class:`ResultCell` per cut — figures
for shown cells only. Pages, API and exports read those rows through
:mod:`trustledger.assessments.reports`; nothing reads the answers again.

The figures are sums (counts, sums of answers, sums of squares and cross-products), computed
once per *base group* (a subject's rater group) and added up per cell with one sparse
product, so every cell costs the same whatever its size; reliability and trends come from
the same sums. Driver analysis needs the answers themselves (it bootstraps respondents), so it
is computed only for cells of at least :data:`DRIVER_MIN_RESPONDENTS`.
"""

from __future__ import annotations

import datetime as dt
import math
import secrets
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from django.db import transaction
from django.utils import timezone
from scipy import sparse

from trustledger import engine
from trustledger.assessments.anonymity import (
    DEFAULT_COMMENT_K,
    ArrayDisclosure,
    check_k,
    disclose_arrays,
)
from trustledger.assessments.instruments import Instrument
from trustledger.assessments.models import (
    AttributedResponse,
    Campaign,
    CampaignResults,
    CampaignStatus,
    CampaignSubject,
    CellKind,
    RaterGroup,
    Response,
    ResultCell,
)
from trustledger.org.models import Person, ReportingLine

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: Driver analysis needs enough respondents for a stable regression on four or more
#: dimensions (Tonidandel, LeBreton & Johnson 2009 simulate from n = 30 up).
DRIVER_MIN_RESPONDENTS = 30
DRIVER_BOOTSTRAP = 500
#: Report order of the rater groups about a person (self is never a cell).
OTHERS_GROUPS = (RaterGroup.MANAGER, RaterGroup.PEERS, RaterGroup.DIRECT_REPORTS)


class ResultsNotReady(Exception):
    """Results are built only once a campaign has ended: live figures could be compared
    from one day to the next to isolate the answers given in between."""


def has_ended(campaign: Campaign, now: dt.datetime | None = None) -> bool:
    """Closed by HR, or live with its window passed (no link works any more)."""
    now = now or timezone.now()
    return campaign.status == CampaignStatus.CLOSED or (
        campaign.status == CampaignStatus.LIVE and now >= campaign.closes_at
    )


def ensure_results(campaign: Campaign) -> CampaignResults:
    """The campaign's frozen results, built now if it has ended and they are not yet built."""
    existing = CampaignResults.objects.filter(campaign=campaign).first()
    if existing is not None:
        return existing
    if not has_ended(campaign):
        raise ResultsNotReady(
            "results are shown once the campaign has ended "
            f"(it closes {campaign.closes_at:%Y-%m-%d %H:%M} UTC)"
        )
    return build_results(campaign)


# --- reading the answers ------------------------------------------------------------------


@dataclass(frozen=True)
class AnswerSheets:
    """Every non-self answer sheet of a campaign as arrays, items in one global order."""

    scores: FloatArray  # (responses, items), reverse-keyed, nan = skipped / not on the form
    base: IntArray  # each response's base group (subject × rater group)
    comments: list[str]
    item_ids: list[str]
    item_dimension: IntArray


def _load_answers(
    campaign: Campaign, instrument: Instrument, base_index: dict[tuple[str, str], int]
) -> AnswerSheets:
    forms = [f for f in instrument.forms if RaterGroup.SELF not in f.rater_groups]
    item_ids: list[str] = []
    dimension_of: dict[str, int] = {}
    order = {d: i for i, d in enumerate(instrument.dimension_ids())}
    for form in forms:
        for item in form.items:
            if item.id not in dimension_of:
                item_ids.append(item.id)
                dimension_of[item.id] = order[item.dimension]
    column = {item_id: j for j, item_id in enumerate(item_ids)}
    layout = {}
    for form in forms:
        dims, reverse = instrument.engine_arrays(form.id)
        del dims
        layout[form.id] = (np.array([column[i.id] for i in form.items], dtype=np.int64), reverse)

    rows = list(
        Response.objects.filter(campaign=campaign).values_list(
            "subject_id", "group", "form_id", "answers", "comment"
        )
    )
    rows += list(
        AttributedResponse.objects.filter(campaign=campaign)
        .exclude(group=RaterGroup.SELF)
        .values_list("subject_id", "group", "form_id", "answers", "comment")
    )
    points = instrument.scale.points
    scores = np.full((len(rows), len(item_ids)), np.nan)
    base = np.empty(len(rows), dtype=np.int64)
    comments: list[str] = []
    by_form: dict[str, list[int]] = defaultdict(list)
    for r, (subject_id, group, form_id, _sheet, comment) in enumerate(rows):
        base[r] = base_index[(str(subject_id), group)]
        by_form[form_id].append(r)
        comments.append(comment)
    for form_id, indices in by_form.items():
        columns, reverse = layout[form_id]
        matrix = np.array(
            [[np.nan if a is None else a for a in rows[r][3]] for r in indices], dtype=np.float64
        )
        scores[np.ix_(np.array(indices), columns)] = engine.reverse_key(matrix, reverse, points)
    return AnswerSheets(
        scores=scores,
        base=base,
        comments=comments,
        item_ids=item_ids,
        item_dimension=np.array([dimension_of[i] for i in item_ids], dtype=np.int64),
    )


# --- the permitted cuts -------------------------------------------------------------------


@dataclass
class Cut:
    """One permitted cut: its stored key and kind, and the base groups it adds up."""

    key: str
    kind: str
    subject: CampaignSubject | None = None
    manager_id: Any = None
    group: str = ""
    bases: list[int] | None = None


def _departments(subjects: list[CampaignSubject], day: dt.date) -> dict[Any, list[int]]:
    """Each manager's department: the subject teams whose every member (with a manager on
    ``day``) reports to them directly or indirectly. Keyed by the lowest manager of each
    distinct set of two or more teams that is not every subject team."""
    lines = dict(
        ReportingLine.objects.filter(valid_from__lte=day)
        .exclude(valid_to__lte=day)
        .values_list("person_id", "manager_id")
    )

    def chain(person_id: Any) -> list[Any]:
        seen: list[Any] = []
        current = lines.get(person_id)
        while current is not None and current not in seen:
            seen.append(current)
            current = lines.get(current)
        return seen

    members: dict[Any, list[Any]] = defaultdict(list)
    team_of_subject = {s.team_id: i for i, s in enumerate(subjects) if s.team_id is not None}
    for person_id, team_id in Person.objects.filter(team_id__in=list(team_of_subject)).values_list(
        "pk", "team_id"
    ):
        if person_id in lines:
            members[team_id].append(person_id)
    teams_of: dict[Any, set[int]] = defaultdict(set)
    depth: dict[Any, int] = {}
    for team_id, people in members.items():
        chains = [chain(p) for p in people]
        common = set(chains[0]).intersection(*map(set, chains[1:]))
        for manager in common:
            teams_of[manager].add(team_of_subject[team_id])
            depth[manager] = min(depth.get(manager, 10**9), chains[0].index(manager))
    by_set: dict[frozenset[int], Any] = {}
    for manager, teams in sorted(teams_of.items(), key=lambda kv: depth[kv[0]]):
        key = frozenset(teams)
        if 2 <= len(key) < len(subjects) and key not in by_set:
            by_set[key] = manager
    return {manager: sorted(teams) for teams, manager in by_set.items()}


def _cells(
    campaign: Campaign, subjects: list[CampaignSubject], groups: Sequence[str], team_survey: bool
) -> tuple[list[Cut], dict[tuple[str, str], int]]:
    """Every permitted cut, each as the base groups (subject × rater group) it adds up."""
    base_index = {
        (str(s.pk), g): i * len(groups) + j
        for i, s in enumerate(subjects)
        for j, g in enumerate(groups)
    }
    every = list(range(len(subjects) * len(groups)))
    # No organisation-wide rater-group cuts: each subject's one-person manager group would
    # sit in an atom of its own under "organisation:manager", and the rule would then hide
    # every subject's overall cut to protect it (docs/assessments.md §4).
    cells = [Cut("organisation", CellKind.ORGANISATION, bases=every)]
    for i, subject in enumerate(subjects):
        own = list(range(i * len(groups), (i + 1) * len(groups)))
        cells.append(Cut(f"subject:{subject.pk}", CellKind.SUBJECT, subject, bases=own))
        if len(groups) > 1:
            for j, group in enumerate(groups):
                cells.append(
                    Cut(
                        f"subject:{subject.pk}:{group}",
                        CellKind.SUBJECT,
                        subject,
                        group=group,
                        bases=[own[j]],
                    )
                )
    if team_survey:
        day = (campaign.closed_at or campaign.closes_at).date()
        for manager, teams in _departments(subjects, day).items():
            cells.append(
                Cut(
                    f"department:{manager}",
                    CellKind.DEPARTMENT,
                    manager_id=manager,
                    bases=[t * len(groups) + j for t in teams for j in range(len(groups))],
                )
            )
    return cells, base_index


# --- sums per base group ------------------------------------------------------------------


def _sums(answers: AnswerSheets, n_base: int, instrument: Instrument) -> dict[str, FloatArray]:
    """Additive statistics per base group; every figure of a cell derives from their sum."""
    scale = instrument.scale
    points = scale.points
    n_dims = len(instrument.dimensions)
    grouped = engine.group_results(
        answers.scores,
        answers.base,
        n_base,
        answers.item_dimension,
        n_dims,
        points,
        scale.favourable[0],
        scale.unfavourable[1],
    )
    answered = grouped.item_answers.astype(np.float64)
    with np.errstate(invalid="ignore"):
        item_sum = np.nan_to_num(grouped.item_mean * answered)
        fav = np.nan_to_num(grouped.item_favourable * answered)
        unfav = np.nan_to_num(grouped.item_unfavourable * answered)
    dims = engine.dimension_scores(answers.scores, answers.item_dimension, n_dims)
    has = ~np.isnan(dims)
    filled = np.where(has, dims, 0.0)

    def per_base(weights: FloatArray) -> FloatArray:
        """Column-wise sums of ``weights`` (responses × columns) per base group."""
        columns = [
            np.bincount(answers.base, weights[:, c], n_base) for c in range(weights.shape[1])
        ]
        return np.stack(columns, axis=1).astype(np.float64)

    score_n = per_base(has.astype(np.float64))
    score_sum = per_base(filled)
    score_sq = per_base(filled**2)
    # Cronbach's alpha per dimension from sums over complete cases (listwise within the
    # dimension): n, Σ item, Σ item² and Σ total² suffice for the sample variances.
    alpha_n = np.zeros((n_base, n_dims))
    alpha_item_sum = np.zeros((n_base, len(answers.item_ids)))
    alpha_item_sq = np.zeros((n_base, len(answers.item_ids)))
    alpha_total_sum = np.zeros((n_base, n_dims))
    alpha_total_sq = np.zeros((n_base, n_dims))
    for d in range(n_dims):
        cols = np.flatnonzero(answers.item_dimension == d)
        block = answers.scores[:, cols]
        complete = ~np.isnan(block).any(axis=1)
        base = answers.base[complete]
        rows = block[complete]
        alpha_n[:, d] = np.bincount(base, minlength=n_base)
        for c, j in enumerate(cols):
            alpha_item_sum[:, j] = np.bincount(base, rows[:, c], n_base)
            alpha_item_sq[:, j] = np.bincount(base, rows[:, c] ** 2, n_base)
        total = rows.sum(axis=1)
        alpha_total_sum[:, d] = np.bincount(base, total, n_base)
        alpha_total_sq[:, d] = np.bincount(base, total**2, n_base)
    return {
        "respondents": grouped.respondents.astype(np.float64)[:, None],
        "item_answers": answered,
        "item_sum": item_sum,
        "item_fav": fav,
        "item_unfav": unfav,
        "distribution": grouped.item_distribution.reshape(n_base, -1).astype(np.float64),
        "score_n": score_n,
        "score_sum": score_sum,
        "score_sq": score_sq,
        "alpha_n": alpha_n,
        "alpha_item_sum": alpha_item_sum,
        "alpha_item_sq": alpha_item_sq,
        "alpha_total_sum": alpha_total_sum,
        "alpha_total_sq": alpha_total_sq,
    }


def _number(value: float) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


def _ratio(numerator: FloatArray, denominator: FloatArray) -> FloatArray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denominator > 0, numerator / denominator, np.nan)


def _variance(n: FloatArray, total: FloatArray, squares: FloatArray) -> FloatArray:
    """Sample variance from n, Σx and Σx² (nan below two values)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n >= 2, (squares - total**2 / n) / (n - 1), np.nan)


def _listed(values: FloatArray) -> list[list[float | None]]:
    """Rows of a 2-d array as lists of Python floats, ``None`` for nan."""
    return [[None if x != x else x for x in row] for row in values.tolist()]


def _figures(
    s: dict[str, FloatArray], instrument: Instrument, item_ids: list[str], item_dim: IntArray
) -> list[dict[str, Any]]:
    """Every shown cell's figures from its summed statistics (row i of each array = cell i),
    computed as arrays for all cells at once and only then turned into JSON-ready dicts."""
    n_cells = s["respondents"].shape[0]
    n_dims = len(instrument.dimensions)
    points = instrument.scale.points
    onehot = np.zeros((len(item_ids), n_dims))
    onehot[np.arange(len(item_ids)), item_dim] = 1.0
    answers, item_fav, item_unfav = s["item_answers"], s["item_fav"], s["item_unfav"]
    dim_answers = answers @ onehot
    dim_fav, dim_unfav = item_fav @ onehot, item_unfav @ onehot
    score_n = s["score_n"]
    # Cronbach's alpha: k/(k-1) · (1 - Σ var(item) / var(total)).
    item_var = _variance(s["alpha_n"][:, item_dim], s["alpha_item_sum"], s["alpha_item_sq"])
    total_var = _variance(s["alpha_n"], s["alpha_total_sum"], s["alpha_total_sq"])
    items_per_dim = onehot.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        alpha = (items_per_dim / (items_per_dim - 1)) * (
            1 - np.nan_to_num(item_var) @ onehot / total_var
        )
    alpha = np.where((items_per_dim >= 2) & (s["alpha_n"] >= 2) & (total_var > 0), alpha, np.nan)
    dims = {
        "answers": dim_answers.astype(np.int64).tolist(),
        "mean": _listed(_ratio(s["item_sum"] @ onehot, dim_answers)),
        "favourable": _listed(_ratio(dim_fav, dim_answers)),
        "neutral": _listed(_ratio(dim_answers - dim_fav - dim_unfav, dim_answers)),
        "unfavourable": _listed(_ratio(dim_unfav, dim_answers)),
        "score_n": score_n.astype(np.int64).tolist(),
        "score_mean": _listed(_ratio(s["score_sum"], score_n)),
        "score_variance": _listed(_variance(score_n, s["score_sum"], s["score_sq"])),
        "alpha": _listed(alpha),
    }
    items = {
        "answers": answers.astype(np.int64).tolist(),
        "mean": _listed(_ratio(s["item_sum"], answers)),
        "favourable": _listed(_ratio(item_fav, answers)),
        "neutral": _listed(_ratio(answers - item_fav - item_unfav, answers)),
        "unfavourable": _listed(_ratio(item_unfav, answers)),
    }
    distribution = (
        s["distribution"].reshape(n_cells, len(item_ids), points).astype(np.int64).tolist()
    )
    respondents = s["respondents"][:, 0].astype(np.int64).tolist()
    dims["id"] = [[d.id for d in instrument.dimensions]] * n_cells
    items["id"] = [list(item_ids)] * n_cells
    items["distribution"] = distribution
    # Stored by column (one list per figure), not one dict per item: a million answers over
    # ten thousand teams make 30,000 cuts of 30 items each (docs/assessments.md §4).
    return [
        {
            "respondents": respondents[c],
            "dimensions": {name: column[c] for name, column in dims.items()},
            "items": {name: column[c] for name, column in items.items()},
            "drivers": None,
        }
        for c in range(n_cells)
    ]


def rows_of(columns: dict[str, list[Any]]) -> list[dict[str, Any]]:
    """A stored cell's ``figures["dimensions"]`` or ``figures["items"]`` (one list per
    figure) as one dict per dimension or item, in order."""
    names = list(columns)
    return [dict(zip(names, values, strict=True)) for values in zip(*columns.values(), strict=True)]


def _drivers(
    answers: AnswerSheets, rows: IntArray, instrument: Instrument, seed: int
) -> dict[str, Any] | None:
    """Relative weights of the dimensions on the outcome item, bootstrapped (seeded by the
    campaign so a report reads the same every time)."""
    if instrument.outcome_item is None or instrument.outcome_item not in answers.item_ids:
        return None
    if rows.size < DRIVER_MIN_RESPONDENTS:
        return None
    outcome_col = answers.item_ids.index(instrument.outcome_item)
    outcome_dim = int(answers.item_dimension[outcome_col])
    predictors = [d for d in range(len(instrument.dimensions)) if d != outcome_dim]
    scores = engine.dimension_scores(
        answers.scores[rows], answers.item_dimension, len(instrument.dimensions)
    )[:, predictors]
    result = engine.driver_analysis(
        scores,
        answers.scores[rows, outcome_col],
        np.random.default_rng(seed),
        n_bootstrap=DRIVER_BOOTSTRAP,
    )
    if result.respondents < DRIVER_MIN_RESPONDENTS or not math.isfinite(result.r_squared):
        return None
    return {
        "outcome": instrument.outcome_item,
        "r_squared": _number(result.r_squared),
        "respondents": result.respondents,
        "dimensions": [
            {
                "id": instrument.dimensions[d].id,
                "weight": _number(result.weight[i]),
                "share": _number(result.share[i]),
                "low": _number(result.low[i]),
                "high": _number(result.high[i]),
            }
            for i, d in enumerate(predictors)
        ],
    }


# --- building -----------------------------------------------------------------------------


def comment_threshold(k: int) -> int:
    """Comments wait for a larger group than ratings: max(k, DEFAULT_COMMENT_K)."""
    return max(check_k(k), DEFAULT_COMMENT_K)


def build_results(campaign: Campaign) -> CampaignResults:
    """Decide and store a finished campaign's results (idempotent: built once, under a lock
    on the campaign row, so a response still being written finishes first)."""
    from trustledger.assessments.services import instrument_of  # noqa: PLC0415 (cycle)

    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
        existing = CampaignResults.objects.filter(campaign=campaign).first()
        if existing is not None:
            return existing
        if not has_ended(campaign):
            raise ResultsNotReady("the campaign has not ended")
        instrument = instrument_of(campaign)
        team_survey = any(RaterGroup.TEAM in f.rater_groups for f in instrument.forms)
        groups = (
            [RaterGroup.TEAM]
            if team_survey
            else [g for g in OTHERS_GROUPS if any(g in f.rater_groups for f in instrument.forms)]
        )
        subjects = list(
            CampaignSubject.objects.filter(campaign=campaign).order_by("pk").select_related("team")
        )
        cells, base_index = _cells(campaign, subjects, groups, team_survey)
        answers = _load_answers(campaign, instrument, base_index)
        k = campaign.anonymity_k
        decided = decide_cells(
            cells,
            answers,
            len(base_index),
            instrument,
            k,
            seed=int.from_bytes(campaign.pk.bytes[:8], "big"),
        )
        rows = [
            ResultCell(
                campaign=campaign,
                key=cell.key,
                kind=cell.kind,
                subject=cell.subject,
                manager_id=cell.manager_id,
                group=cell.group,
                shown=one.shown,
                reason=one.reason,
                respondents=one.respondents,
                figures=one.figures,
                comments=one.comments,
            )
            for cell, one in zip(cells, decided, strict=True)
        ]
        ResultCell.objects.bulk_create(rows, batch_size=2000)
        return CampaignResults.objects.create(
            campaign=campaign,
            anonymity_k=k,
            comment_k=comment_threshold(k),
            responses=len(answers.base),
        )


@dataclass(frozen=True)
class DecidedCell:
    """One cut's stored form: figures and comments only where shown."""

    shown: bool
    reason: str
    respondents: int | None
    figures: dict[str, Any] | None
    comments: list[str] | None


def decide_cells(
    cells: list[Cut],
    answers: AnswerSheets,
    n_base: int,
    instrument: Instrument,
    k: int,
    *,
    seed: int,
) -> list[DecidedCell]:
    """Everything :func:`build_results` computes, in memory: the anonymity decision over
    every cut, the comment decision, and the figures of the shown cuts (drivers seeded by
    ``seed``; comments shuffled with a fresh random order). Benchmarked on its own."""
    comment_k = comment_threshold(k)
    decision, members = _decide(cells, answers, n_base, k)
    comment_shown = _decide_comments(answers, members, decision, comment_k)
    sums = _sums(answers, n_base, instrument)
    rng = np.random.default_rng(secrets.randbits(64))
    shown_index = np.flatnonzero(decision.shown)
    lengths = [len(cells[c].bases or []) for c in shown_index]
    indicator = sparse.csr_matrix(
        (
            np.ones(sum(lengths)),
            (
                np.repeat(np.arange(shown_index.size), lengths),
                np.concatenate([cells[c].bases or [] for c in shown_index] or [[]]).astype(
                    np.int64
                ),
            ),
        ),
        shape=(shown_index.size, n_base),
    )
    summed = {name: np.asarray(indicator @ values) for name, values in sums.items()}
    position = {int(c): i for i, c in enumerate(shown_index)}
    all_figures = _figures(summed, instrument, answers.item_ids, answers.item_dimension)
    result = []
    for c, cell in enumerate(cells):
        if not decision.shown[c]:
            result.append(DecidedCell(False, str(decision.reason[c]), None, None, None))
            continue
        figures = all_figures[position[c]]
        # Drivers: for the organisation, and for each person assessed (a leader's own
        # report); a team survey's thousands of teams get the organisation's only.
        about_a_person = cell.subject is not None and cell.subject.person_id is not None
        if cell.group == "" and (cell.kind == CellKind.ORGANISATION or about_a_person):
            figures["drivers"] = _drivers(answers, members[c], instrument, seed)
        comments = None
        if comment_shown.get(c, False):
            texts = [answers.comments[r] for r in members[c] if answers.comments[r]]
            comments = [texts[j] for j in rng.permutation(len(texts))]
        result.append(DecidedCell(True, "", int(decision.respondents[c]), figures, comments))
    return result


def _decide(
    cells: list[Cut], answers: AnswerSheets, n_base: int, k: int
) -> tuple[ArrayDisclosure, list[IntArray]]:
    """The anonymity decision over every cell, with each cell's response indices."""
    order = np.argsort(answers.base, kind="stable")
    starts = np.searchsorted(answers.base[order], np.arange(n_base + 1))
    members = [
        np.concatenate(
            [order[starts[b] : starts[b + 1]] for b in (cell.bases or [])] or [np.empty(0, int)]
        ).astype(np.int64)
        for cell in cells
    ]
    ptr = np.zeros(len(cells) + 1, dtype=np.int64)
    np.cumsum([m.size for m in members], out=ptr[1:])
    flat = np.concatenate(members) if members else np.empty(0, dtype=np.int64)
    return disclose_arrays(ptr, flat, len(answers.base), k), members


def _decide_comments(
    answers: AnswerSheets,
    members: list[IntArray],
    decision: ArrayDisclosure,
    comment_k: int,
) -> dict[int, bool]:
    """Which shown cells may show comments: the anonymity rule again, on the sets of people
    who left a comment, with the comment threshold, among cells whose ratings are shown
    (as :func:`~trustledger.assessments.anonymity.disclose_comments`)."""
    commented = np.fromiter((bool(text) for text in answers.comments), np.bool_)
    eligible: list[int] = []
    parts: list[IntArray] = []
    for c in np.flatnonzero(decision.shown).tolist():
        who = members[c][commented[members[c]]]
        if who.size:
            eligible.append(c)
            parts.append(who)
    if not eligible:
        return {}
    ptr = np.concatenate([[0], np.cumsum([part.size for part in parts])])
    decided = disclose_arrays(ptr, np.concatenate(parts), commented.size, comment_k)
    return {c: bool(shown) for c, shown in zip(eligible, decided.shown.tolist(), strict=True)}
