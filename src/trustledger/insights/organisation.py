"""Organisation analytics for HR: trust by team × dimension, follow-through rates, trickle-down
of distrust and trust versus retention — aggregates only, never a person's figures.

Every figure is an aggregate over at least k people (``settings.ANONYMITY_K``), and which
figures may be shown *together* is decided by THE anonymity rule of the assessments,
:func:`trustledger.assessments.anonymity.disclose`, over every cut the page, the API and the
CSV export show at once (each team, and the organisation): no difference of two shown figures
isolates fewer than k people (docs/insights.md).

Dashboards read snapshots (:class:`~trustledger.insights.models.TeamSnapshot`,
:class:`~trustledger.insights.models.OrgSnapshot`): :func:`rebuild` recomputes everything in
bulk (``trustledger compute``, the daily task) and :func:`refresh_for_pairs` keeps the team
rows current when the projection changes relationships (only the teams the change touches,
then the anonymity decision over all rows). Team trust is stored as evidence sums aged to the
row's ``as_of``; decay is uniform, so a page ages them to the moment it is read by one factor.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db import transaction
from django.db.models import Min, Q
from django.utils import timezone

from trustledger import engine
from trustledger.accounts.actors import Actor
from trustledger.assessments import anonymity
from trustledger.audit import services as audit
from trustledger.insights import projection
from trustledger.insights.models import (
    Evidence,
    OrgSnapshot,
    RelationshipTrust,
    SnapshotKind,
    TeamSnapshot,
)
from trustledger.insights.profiles import EVIDENCE_FLOOR, TrustTable, incoming, trust_table
from trustledger.insights.services import LITTLE_EVIDENCE_UNCERTAINTY, certainty_in_words
from trustledger.ledger.figures import PerformerFigures, _count_given, _replayed
from trustledger.org.models import Person, ReportingLine, Team

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
Pair = tuple[uuid.UUID, uuid.UUID]
Progress = Callable[[int, int], None]

ACTION = "organisation_insights.read"
#: The heatmap's columns: the four ABCD dimensions, then overall.
MEASURES = (*engine.DIMENSIONS, "overall")
MEASURE_LABELS = {
    "able": "Able",
    "believable": "Believable",
    "connected": "Connected",
    "dependable": "Dependable",
    "overall": "Overall",
}
#: Trust-in-manager levels for retention (projected overall of person → manager).
LEVELS = ("high", "medium", "low", "little_evidence")
LEVEL_LABELS = {
    "high": "High trust in manager (≥ 0.7)",
    "medium": "Medium trust in manager (0.5–0.7)",
    "low": "Low trust in manager (< 0.5)",
    "little_evidence": "Little evidence yet",
}
LOW_BELOW, HIGH_FROM = 0.5, 0.7
#: Survival curves are reported at multiples of this many days of tenure (merged further so
#: that each reported step holds no leavers or at least k of them, in every group shown).
SURVIVAL_STEP_DAYS = 90
_SNAPSHOT_FIELDS = (
    "kept_on_time",
    "kept_late",
    "renegotiated_in_time",
    "renegotiated_late",
    "broken",
    "released",
    "disputed",
    "open",
)
_REASONS = {
    anonymity.TOO_FEW: "fewer than {k} people",
    anonymity.PROTECTS_OTHERS: "hidden so that other figures cannot single out fewer than {k}",
    "dimension_hidden": "hidden because a dimension is hidden (it could be worked out)",
}


# --- who is in which team --------------------------------------------------------------------


def _today() -> dt.date:
    return timezone.localdate()


def _active(day: dt.date) -> Q:
    return (
        Q(is_external=False)
        & (Q(start_date__isnull=True) | Q(start_date__lte=day))
        & (Q(leave_date__isnull=True) | Q(leave_date__gt=day))
    )


def _team_of(day: dt.date, people: Iterable[uuid.UUID] | None = None) -> dict[uuid.UUID, Any]:
    """Active colleagues (no external counterparts) → their team id (``None``: no team)."""
    rows = Person.objects.filter(_active(day))
    if people is not None:
        rows = rows.filter(pk__in=list(people))
    return dict(rows.values_list("pk", "team_id"))


# --- the team rows: trust in the team's members, follow-through -------------------------------


@dataclass
class _Aggregate:
    """Raw (not yet disclosed) figures of one row: trust and follow-through sums."""

    members: int = 0
    positive: FloatArray = field(default_factory=lambda: np.zeros(4))
    negative: FloatArray = field(default_factory=lambda: np.zeros(4))
    people: IntArray = field(default_factory=lambda: np.zeros(5, dtype=np.int64))
    performers: int = 0
    figures: PerformerFigures = field(default_factory=PerformerFigures)


def _aggregate(
    team_of: Mapping[uuid.UUID, Any], table: TrustTable, as_of: dt.datetime, commitments: Q
) -> dict[Any, _Aggregate]:
    """Per team id (``None`` = no team): member count, the members' fused incoming evidence
    and how many members have any, and their summed performer figures (one bulk pass each)."""
    rows: dict[Any, _Aggregate] = defaultdict(_Aggregate)
    for team in team_of.values():
        rows[team].members += 1
    totals = incoming(table)
    keys: list[Any] = list(set(team_of.values()))
    position = {key: i for i, key in enumerate(keys)}
    row_of = np.fromiter(
        (position.get(team_of[p], -1) if p in team_of else -1 for p in table.people),
        np.int64,
        len(table.people),
    )
    inside = row_of >= 0
    n = len(keys)
    positive = np.zeros((n, 4))
    negative = np.zeros((n, 4))
    np.add.at(positive, row_of[inside], totals.positive[inside])
    np.add.at(negative, row_of[inside], totals.negative[inside])
    has = np.column_stack([totals.trusters > 0, totals.trusters_overall > 0])
    people = np.zeros((n, 5), dtype=np.int64)
    np.add.at(people, row_of[inside], has[inside].astype(np.int64))
    for key, i in position.items():
        rows[key].positive, rows[key].negative, rows[key].people = (
            positive[i],
            negative[i],
            people[i],
        )
    per_person: dict[uuid.UUID, PerformerFigures] = defaultdict(PerformerFigures)
    for performer, _requester, created, state in _replayed(commitments, as_of):
        if performer in team_of:
            _count_given(per_person[performer], state, created, as_of)
    for performer, figures in per_person.items():
        row = rows[team_of[performer]]
        row.performers += 1
        row.figures.add(figures)
    return rows


def _snapshot_of(
    kind: str, team: Any, aggregate: _Aggregate, as_of: dt.datetime, name: str = ""
) -> TeamSnapshot:
    return TeamSnapshot(
        kind=kind,
        team_id=team,
        name=name,
        as_of=as_of,
        members=aggregate.members,
        positive=[float(x) for x in aggregate.positive],
        negative=[float(x) for x in aggregate.negative],
        people=[int(x) for x in aggregate.people],
        shown=[False] * len(MEASURES),
        reasons=[anonymity.TOO_FEW] * len(MEASURES),
        performers=aggregate.performers,
        **{name: getattr(aggregate.figures, name) for name in _SNAPSHOT_FIELDS},
    )


def _age(rows: Iterable[TeamSnapshot], moment: dt.datetime) -> dict[int, tuple[FloatArray, ...]]:
    """Each row's evidence sums aged from its ``as_of`` to ``moment`` (never younger)."""
    half_life = projection.evidence_model().half_life_days
    aged: dict[int, tuple[FloatArray, ...]] = {}
    for row in rows:
        days = max(0.0, (moment - row.as_of).total_seconds() / projection.SECONDS_PER_DAY)
        factor = 2.0 ** (-days / half_life)
        aged[id(row)] = (
            np.asarray(row.positive, dtype=np.float64) * factor,
            np.asarray(row.negative, dtype=np.float64) * factor,
        )
    return aged


def _decide(rows: list[TeamSnapshot], k: int) -> None:
    """The anonymity decision for every team row and the organisation row, in place.

    Teams are disjoint and the organisation is all of them plus the people in no team, so
    each cut's member set is determined by its count: the cells passed to
    :func:`anonymity.disclose_arrays` are ranges of stand-in ids with exactly that structure
    (the same atoms as the real sets). Per measure (each dimension, overall) and for the
    follow-through rates. A row's overall is hidden when any of its dimensions is: overall
    evidence is the sum of the dimensions', so it would give a hidden one away (hiding more
    cells only merges atoms, so the guarantee holds).
    """
    teams = [r for r in rows if r.kind == SnapshotKind.TEAM]
    rest = [r for r in rows if r.kind == SnapshotKind.NO_TEAM]
    org = next(r for r in rows if r.kind == SnapshotKind.ORGANISATION)
    cells = [*teams, org]

    def decide(counts: list[int], outside: int) -> anonymity.ArrayDisclosure:
        ptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        total = int(ptr[-1]) + outside
        members = np.concatenate([np.arange(int(ptr[-1])), np.arange(total)]).astype(np.int64)
        return anonymity.disclose_arrays(np.append(ptr, ptr[-1] + total), members, total, k)

    for m in range(len(MEASURES)):
        for row in cells:
            row.shown, row.reasons = list(row.shown), list(row.reasons)
        decided = decide([r.people[m] for r in teams], sum(r.people[m] for r in rest))
        for i, row in enumerate(cells):
            row.shown[m], row.reasons[m] = bool(decided.shown[i]), str(decided.reason[i])
    overall = len(MEASURES) - 1
    for row in cells:
        row.overall_shown = row.shown[overall]
        gives_away = any(
            not row.shown[m] and row.people[m] > 0 for m in range(overall)
        )  # a dimension nobody has evidence on adds nothing to overall: it gives nothing away
        if row.shown[overall] and gives_away:
            row.shown[overall], row.reasons[overall] = False, "dimension_hidden"
            row.overall_shown = False
    decided = decide([r.performers for r in teams], sum(r.performers for r in rest))
    for i, row in enumerate(cells):
        row.rates_shown, row.rates_reason = bool(decided.shown[i]), str(decided.reason[i])


def _organisation_row(rows: list[TeamSnapshot], as_of: dt.datetime) -> TeamSnapshot:
    """The organisation: the sum of every team row and the no-team row (aged to ``as_of``)."""
    parts = [r for r in rows if r.kind != SnapshotKind.ORGANISATION]
    aged = _age(parts, as_of)
    total = _Aggregate()
    for row in parts:
        positive, negative = aged[id(row)]
        total.members += row.members
        total.positive = total.positive + positive
        total.negative = total.negative + negative
        total.people = total.people + np.asarray(row.people, dtype=np.int64)
        total.performers += row.performers
        for name in _SNAPSHOT_FIELDS:
            setattr(total.figures, name, getattr(total.figures, name) + getattr(row, name))
    return _snapshot_of(SnapshotKind.ORGANISATION, None, total, as_of)


# --- trickle-down and retention (the whole tree at once; rebuilt daily) -------------------------


def _current_lines(day: dt.date) -> dict[uuid.UUID, uuid.UUID]:
    """person → manager on ``day``."""
    return dict(
        ReportingLine.objects.filter(valid_from__lte=day)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=day))
        .values_list("person_id", "manager_id")
    )


def _trickle_down(
    team_of: Mapping[uuid.UUID, Any], table: TrustTable, day: dt.date, k: int
) -> dict[str, Any]:
    """Trust in each manager from their direct reports (fused evidence of the reports with
    any, shown only over at least k of them), then ``engine.trickle_down`` over the reporting
    tree; returns the flagged subtrees, each with its explanation."""
    ids = list(team_of)
    index = {pid: i for i, pid in enumerate(ids)}
    n = len(ids)
    parent = np.full(n, -1, dtype=np.int64)
    for person, manager in _current_lines(day).items():
        if person in index and manager in index:
            parent[index[person]] = index[manager]
    global_of = np.fromiter((index.get(p, -1) for p in table.people), np.int64, len(table.people))
    truster, trustee = global_of[table.truster], global_of[table.trustee]
    has = (table.positive + table.negative).sum(axis=1) > EVIDENCE_FLOOR
    to_manager = (truster >= 0) & (trustee >= 0) & has
    to_manager[to_manager] = parent[truster[to_manager]] == trustee[to_manager]
    m = trustee[to_manager]
    reports = np.bincount(m, minlength=n)
    positive = np.bincount(m, weights=table.positive[to_manager].sum(axis=1), minlength=n)
    negative = np.bincount(m, weights=table.negative[to_manager].sum(axis=1), minlength=n)
    model = projection.evidence_model()
    opinions = engine.from_evidence(positive, negative, model.base_rate, model.prior_weight)
    trust = np.where(reports >= k, engine.projected(opinions), np.nan)
    result = engine.trickle_down(parent, trust)
    size = _subtree_sizes(parent)
    flagged = np.flatnonzero(result.starts_here).tolist()
    leaders = {
        p.pk: p
        for p in Person.objects.filter(pk__in=[ids[i] for i in flagged]).select_related("team")
    }
    flags: list[dict[str, Any]] = []
    for i in flagged:
        leader = leaders[ids[i]]
        flags.append(
            {
                "leader_id": str(leader.pk),
                "leader": leader.name,
                "title": leader.title,
                "team": leader.team.name if leader.team else "",
                "people_under": int(size[i] - 1),
                "reports_with_evidence": int(reports[i]),
                "trust_in_leader": float(trust[i]),
                "certainty": certainty_in_words(float(opinions.u[i])),
                "managers_below": int(result.below_managers[i]),
                "distrusted_below": int(result.below_distrusted[i]),
                "share_below": float(result.below_share[i]),
                "base_rate": float(result.base_rate),
                "p_value": float(result.p_value[i]),
            }
        )
    flags.sort(key=lambda f: (-f["people_under"], f["leader"]))
    return {
        "managers_measured": int(np.isfinite(trust).sum()),
        "managers_distrusted": int(result.distrusted.sum()),
        "base_rate": None if math.isnan(result.base_rate) else float(result.base_rate),
        "flags": flags,
    }


def _subtree_sizes(parent: IntArray) -> IntArray:
    """How many people each person's subtree holds (themself included): one pass up the tree
    in reverse depth-first order."""
    n = parent.size
    children: list[list[int]] = [[] for _ in range(n)]
    stack: list[int] = []
    for i, p in enumerate(parent.tolist()):
        (stack if p < 0 else children[p]).append(i)
    order: list[int] = []
    while stack:
        i = stack.pop()
        order.append(i)
        stack.extend(children[i])
    size = np.ones(n, dtype=np.int64)
    for i in reversed(order):
        if parent[i] >= 0:
            size[parent[i]] += size[i]
    return size


_EVIDENCE_FIELDS = tuple(
    f"{prefix}_{name}" for prefix in ("positive", "negative") for name in engine.DIMENSIONS
)


def _chunks(ids: list[uuid.UUID], size: int = 5000) -> Iterable[list[uuid.UUID]]:
    """Ids in slices small enough for one ``IN (…)`` (SQLite limits bound variables)."""
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _manager_states(
    table: TrustTable, manager_of: Mapping[uuid.UUID, uuid.UUID]
) -> dict[Pair, tuple[float, float, float]]:
    """(person, their manager) → (day, positive, negative) summed over the dimensions, from
    the trust table (already aged to its moment), for the people in ``manager_of``."""
    n = len(table.people)
    wanted = np.fromiter(
        (table.index.get(manager_of[p], -1) if p in manager_of else -1 for p in table.people),
        np.int64,
        n,
    )
    rows = np.flatnonzero(wanted[table.truster] == table.trustee)
    day = projection.day_of(table.as_of)
    positive = table.positive[rows].sum(axis=1)
    negative = table.negative[rows].sum(axis=1)
    return {
        (table.people[table.truster[r]], table.people[table.trustee[r]]): (
            day,
            float(positive[i]),
            float(negative[i]),
        )
        for i, r in enumerate(rows.tolist())
    }


def _retention(day: dt.date, k: int, table: TrustTable) -> dict[str, Any]:
    """Time from start (or first evidence) to leaving, by the level of trust the person had
    in their manager (at leaving, or today): Kaplan–Meier per level shown over at least k
    people, log-rank test between the levels shown."""
    people = list(
        Person.objects.filter(is_external=False)
        .filter(Q(start_date__isnull=True) | Q(start_date__lte=day))
        .values_list("pk", "start_date", "leave_date")
    )
    lines: dict[uuid.UUID, list[tuple[dt.date, dt.date | None, uuid.UUID]]] = defaultdict(list)
    for person, boss, valid_from, valid_to in ReportingLine.objects.values_list(
        "person_id", "manager_id", "valid_from", "valid_to"
    ):
        lines[person].append((valid_from, valid_to, boss))
    now = timezone.now()
    subjects: list[tuple[uuid.UUID, uuid.UUID, dt.date | None, dt.date | None, dt.datetime]] = []
    for pk, started, leave in people:
        gone = leave is not None and leave <= day
        on = leave - dt.timedelta(days=1) if gone and leave else day
        boss_then = next(
            (m for s, e, m in lines.get(pk, ()) if s <= on and (e is None or e > on)), None
        )
        if boss_then is None:
            continue
        moment = dt.datetime.combine(leave, dt.time(), tzinfo=dt.UTC) if gone and leave else now
        subjects.append((pk, boss_then, started, leave if gone else None, moment))
    if not subjects:
        return {"groups": [], "logrank_p": None, "people": 0}
    first_evidence: dict[uuid.UUID, float] = {}
    for chunk in _chunks([s[0] for s in subjects if s[2] is None]):
        first_evidence.update(
            Evidence.objects.filter(truster_id__in=chunk)
            .values("truster_id")
            .annotate(first=Min("day"))
            .values_list("truster_id", "first")
        )
    states = _manager_states(table, {s[0]: s[1] for s in subjects if s[3] is None})
    for chunk in _chunks([s[0] for s in subjects if s[3] is not None]):  # leavers: at leaving
        for truster, trustee, last_day, *numbers in (
            RelationshipTrust.objects.filter(truster_id__in=chunk)
            .exclude(last_day=None)
            .values_list("truster_id", "trustee_id", "last_day", *_EVIDENCE_FIELDS)
        ):
            states[(truster, trustee)] = (float(last_day), sum(numbers[:4]), sum(numbers[4:]))
    model = projection.evidence_model()
    durations: list[float] = []
    events: list[bool] = []
    ids: list[uuid.UUID] = []
    evidence: list[tuple[float, float, float]] = []  # (positive, negative, ageing factor)
    for pk, manager, start, left, moment in subjects:
        if start is not None:
            begin = float(dt.datetime.combine(start, dt.time(), tzinfo=dt.UTC).timestamp())
            begin /= projection.SECONDS_PER_DAY
        elif pk in first_evidence:
            begin = float(first_evidence[pk])
        else:
            continue
        end = projection.day_of(moment)
        if end < begin:
            continue
        last, pos, neg = states.get((pk, manager), (end, 0.0, 0.0))
        evidence.append((pos, neg, 2.0 ** (-max(0.0, end - last) / model.half_life_days)))
        durations.append(end - begin)
        events.append(left is not None)
        ids.append(pk)
    if not ids:
        return {"groups": [], "logrank_p": None, "people": 0}
    sums = np.array(evidence, dtype=np.float64).reshape(len(evidence), 3)
    opinions = engine.from_evidence(
        sums[:, 0] * sums[:, 2], sums[:, 1] * sums[:, 2], model.base_rate, model.prior_weight
    )
    projected, uncertainty = engine.projected(opinions), opinions.u
    levels = np.where(
        uncertainty >= LITTLE_EVIDENCE_UNCERTAINTY,
        "little_evidence",
        np.where(projected < LOW_BELOW, "low", np.where(projected < HIGH_FROM, "medium", "high")),
    ).tolist()
    groups_of = {lv: {p for p, g in zip(ids, levels, strict=True) if g == lv} for lv in LEVELS}
    decided = anonymity.disclose(groups_of, k)
    t, e, g = np.array(durations), np.array(events, dtype=np.bool_), np.array(levels)
    shown = [lv for lv in LEVELS if decided.shown[lv]]
    curves = {lv: engine.kaplan_meier(t[g == lv], e[g == lv]) for lv in shown}
    cuts = _survival_cuts({lv: t[(g == lv) & e] for lv in shown}, k)
    groups = []
    for lv in LEVELS:
        if lv not in shown:
            groups.append(
                {
                    "level": lv,
                    "shown": False,
                    "people": None,
                    "note": f"fewer than {k} people"
                    if decided.reason[lv] == anonymity.TOO_FEW
                    else _REASONS[decided.reason[lv]].format(k=k),
                }
            )
            continue
        curve = curves[lv]
        points = []
        for cut in [0.0, *cuts]:
            i = int(np.searchsorted(curve.time, cut, side="right")) - 1
            points.append(
                {
                    "days": cut,
                    "survival": 1.0 if i < 0 else float(curve.survival[i]),
                    "low": 1.0 if i < 0 else float(curve.low[i]),
                    "high": 1.0 if i < 0 else float(curve.high[i]),
                }
            )
        groups.append(
            {
                "level": lv,
                "shown": True,
                "people": int(curve.n),
                "left": int(e[g == lv].sum()),
                "points": points,
                "note": "",
            }
        )
    p_value = None
    if len(shown) >= 2:
        mask = np.isin(g, shown)
        _, p = engine.logrank(t[mask], e[mask], g[mask])
        p_value = None if math.isnan(p) else p
    return {"groups": groups, "logrank_p": p_value, "people": len(ids)}


def _survival_cuts(leaving: Mapping[str, FloatArray], k: int) -> list[float]:
    """Tenure points (multiples of SURVIVAL_STEP_DAYS) at which curves are reported: a point is
    kept only when, in every group shown, the leavers since the previous point are none or at
    least k — so no reported step stands for fewer than k people leaving."""
    if not leaving or not any(v.size for v in leaving.values()):
        return []
    top = max(float(v.max()) for v in leaving.values() if v.size)
    cuts: list[float] = []
    previous = -1.0  # the first interval includes day 0
    step = SURVIVAL_STEP_DAYS
    point = float(step)
    while point <= top + step:
        counts = [int(((v > previous) & (v <= point)).sum()) for v in leaving.values()]
        if all(c == 0 or c >= k for c in counts):
            cuts.append(point)
            previous = point
        point += step
    return cuts


# --- building and keeping the snapshot -----------------------------------------------------------


def rebuild(actor: Actor, *, progress: Progress | None = None) -> OrgSnapshot:
    """Recompute every organisation aggregate in bulk and store it (administrators and the
    system only; audited). Run by ``trustledger compute`` after the relationships, and daily."""
    if not actor.is_admin:
        audit.deny(
            actor, "organisation.rebuild", "insights", "", "only administrators rebuild analytics"
        )
    started = time.perf_counter()
    k = settings.ANONYMITY_K
    now = timezone.now()
    day = _today()

    def step(done: int) -> None:
        if progress is not None:
            progress(done, 4)

    step(0)
    team_of = _team_of(day)
    table = trust_table(now)
    aggregates = _aggregate(team_of, table, now, Q())
    step(1)
    teams = list(Team.objects.values_list("pk", "name"))
    rows = [
        _snapshot_of(SnapshotKind.TEAM, team, aggregates.get(team, _Aggregate()), now, name)
        for team, name in teams
    ]
    rows.append(_snapshot_of(SnapshotKind.NO_TEAM, None, aggregates.get(None, _Aggregate()), now))
    rows.append(_organisation_row(rows, now))
    _decide(rows, k)
    step(2)
    trickle = _trickle_down(team_of, table, day, k)
    step(3)
    retention = _retention(day, k, table)
    with transaction.atomic():
        TeamSnapshot.objects.all().delete()
        TeamSnapshot.objects.bulk_create(rows, batch_size=1000)
        snapshot = OrgSnapshot.objects.create(
            as_of=now,
            k=k,
            model_version=projection.evidence_model().version,
            people=len(team_of),
            teams=len(teams),
            trickle_down=trickle,
            retention=retention,
            seconds=time.perf_counter() - started,
        )
    step(4)
    audit.record(
        actor, "organisation.rebuild", "insights", snapshot.pk, detail={"teams": len(teams)}
    )
    return snapshot


def refresh_for_pairs(pairs: Collection[Pair]) -> int:
    """Bring the team rows touched by changed relationships up to date (called by the
    projection in its transaction): recompute the teams of everyone in ``pairs``, the
    organisation row, then the anonymity decision over all rows. Returns the teams
    recomputed; does nothing before the first :func:`rebuild`."""
    if not pairs or not TeamSnapshot.objects.filter(kind=SnapshotKind.ORGANISATION).exists():
        return 0
    now = timezone.now()
    people = {p for pair in pairs for p in pair}
    touched = set(_team_of(_today(), people).values())
    if not touched:
        return 0
    team_filter = Q(team_id__in=[t for t in touched if t is not None])
    if None in touched:
        team_filter |= Q(team__isnull=True)
    team_of = dict(
        Person.objects.filter(_active(_today())).filter(team_filter).values_list("pk", "team_id")
    )
    # A large touched set (everyone in no team, in an organisation without teams) reads the
    # whole table rather than one IN (…) longer than SQLite binds.
    table = trust_table(now, trustees=list(team_of) if len(team_of) <= 20_000 else None)
    commitments = Q(performer__team_id__in=[t for t in touched if t is not None])
    if None in touched:
        commitments |= Q(performer__team__isnull=True)
    aggregates = _aggregate(team_of, table, now, commitments)
    names = dict(Team.objects.filter(pk__in=[t for t in touched if t]).values_list("pk", "name"))
    fresh = {
        (kind, team): _snapshot_of(kind, team, aggregates.get(team, _Aggregate()), now, name)
        for team in touched
        for kind, name in [_kind_and_name(team, names)]
    }
    old = {
        (r.kind, r.team_id): r
        for r in TeamSnapshot.objects.filter(
            Q(team_id__in=[t for t in touched if t is not None])
            | Q(kind=SnapshotKind.ORGANISATION)
            | (Q(kind=SnapshotKind.NO_TEAM) if None in touched else Q(pk__in=[]))
        )
    }
    if all(key in old and _same_counts(old[key], row) for key, row in fresh.items()):
        _refresh_in_place(fresh, old, now)
    else:
        _refresh_and_decide(fresh, now)
    return len(touched)


_UPDATE_FIELDS = (
    "as_of",
    "members",
    "positive",
    "negative",
    "people",
    "name",
    "shown",
    "reasons",
    "overall_shown",
    "performers",
    *_SNAPSHOT_FIELDS,
    "rates_shown",
    "rates_reason",
)


def _kind_and_name(team: Any, names: Mapping[Any, str]) -> tuple[str, str]:
    if team is None:
        return SnapshotKind.NO_TEAM, ""
    return SnapshotKind.TEAM, names.get(team, "")


def _same_counts(old: TeamSnapshot, new: TeamSnapshot) -> bool:
    """The anonymity decision depends on these counts only."""
    return (old.members, list(old.people), old.performers) == (
        new.members,
        list(new.people),
        new.performers,
    )


def _refresh_in_place(
    fresh: Mapping[tuple[str, Any], TeamSnapshot],
    old: Mapping[tuple[str, Any], TeamSnapshot],
    now: dt.datetime,
) -> None:
    """The common case: no count changed, so every anonymity decision stands. Store the
    touched rows and move the organisation row by their difference (aged to ``now``)."""
    organisation = old[(SnapshotKind.ORGANISATION, None)]
    previous = [old[key] for key in fresh]
    aged = _age([organisation, *previous], now)
    positive, negative = aged[id(organisation)]
    for before in previous:
        positive = positive - aged[id(before)][0]
        negative = negative - aged[id(before)][1]
    for key, row in fresh.items():
        before = old[key]
        positive = positive + np.asarray(row.positive)
        negative = negative + np.asarray(row.negative)
        row.pk = before.pk
        row.shown, row.reasons, row.overall_shown = (
            before.shown,
            before.reasons,
            before.overall_shown,
        )
        row.rates_shown, row.rates_reason = before.rates_shown, before.rates_reason
        for name in _SNAPSHOT_FIELDS:
            change = getattr(row, name) - getattr(before, name)
            setattr(organisation, name, getattr(organisation, name) + change)
    organisation.as_of = now
    organisation.positive = [float(x) for x in np.maximum(positive, 0.0)]
    organisation.negative = [float(x) for x in np.maximum(negative, 0.0)]
    TeamSnapshot.objects.bulk_update([*fresh.values(), organisation], _UPDATE_FIELDS)


def _refresh_and_decide(fresh: Mapping[tuple[str, Any], TeamSnapshot], now: dt.datetime) -> None:
    """A count changed: store the touched rows, recompute the organisation row from all rows
    and decide again which figures may be shown, for every row."""
    rows = list(TeamSnapshot.objects.all())
    position = {(r.kind, r.team_id): i for i, r in enumerate(rows)}
    for key, row in fresh.items():
        if key in position:
            row.pk = rows[position[key]].pk
            rows[position[key]] = row
        else:
            rows.append(row)
    organisation = next(r for r in rows if r.kind == SnapshotKind.ORGANISATION)
    rows.remove(organisation)
    fresh_org = _organisation_row(rows, now)
    fresh_org.pk = organisation.pk
    rows.append(fresh_org)
    before = {r.pk: (list(r.shown), r.rates_shown) for r in rows if r.pk}
    _decide(rows, settings.ANONYMITY_K)
    recomputed = {*fresh, (SnapshotKind.ORGANISATION, None)}
    changed = [
        r
        for r in rows
        if r.pk
        and ((r.kind, r.team_id) in recomputed or before.get(r.pk) != (r.shown, r.rates_shown))
    ]
    TeamSnapshot.objects.bulk_update(changed, _UPDATE_FIELDS, batch_size=500)
    TeamSnapshot.objects.bulk_create([r for r in rows if not r.pk])


# --- reading (HR and administrators) -------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """One heatmap cell: trust in a team's members on one measure, or why it is hidden."""

    measure: str
    shown: bool
    projected: float | None
    uncertainty: float | None
    certainty: str
    people: int | None
    note: str


@dataclass(frozen=True)
class Rates:
    """Follow-through of a team's performers (commitments they gave), or why it is hidden."""

    shown: bool
    performers: int | None
    given: int | None
    finished: int | None
    kept_rate: float | None
    on_time_rate: float | None
    broken_rate: float | None
    renegotiation_rate: float | None
    note: str


@dataclass(frozen=True)
class TeamFigures:
    team_id: uuid.UUID | None
    name: str
    members: int
    as_of: dt.datetime
    cells: list[Cell]
    rates: Rates


@dataclass(frozen=True)
class OrganisationInsights:
    """What HR sees: the organisation row, a page of team rows, trickle-down flags and
    retention, with the moments they were computed."""

    ready: bool
    as_of: dt.datetime | None
    rebuilt_at: dt.datetime | None
    k: int
    organisation: TeamFigures | None
    teams: Page[TeamFigures] | None
    hidden_teams: int
    trickle_down: dict[str, Any]
    retention: dict[str, Any]


def _note(reason: str, k: int, people: int) -> str:
    if reason == anonymity.TOO_FEW and people == 0:
        return "no evidence yet"
    return _REASONS.get(reason, reason).format(k=k) if reason else ""


def _figures(row: TeamSnapshot, name: str, moment: dt.datetime, k: int) -> TeamFigures:
    positive, negative = _age([row], moment)[id(row)]
    model = projection.evidence_model()
    sums_p = np.append(positive, positive.sum())
    sums_n = np.append(negative, negative.sum())
    opinions = engine.from_evidence(sums_p, sums_n, model.base_rate, model.prior_weight)
    values = engine.projected(opinions)
    cells = []
    for m, measure in enumerate(MEASURES):
        shown = bool(row.shown[m]) if m < len(row.shown) else False
        cells.append(
            Cell(
                measure=measure,
                shown=shown,
                projected=float(values[m]) if shown else None,
                uncertainty=float(opinions.u[m]) if shown else None,
                certainty=certainty_in_words(float(opinions.u[m])) if shown else "",
                people=int(row.people[m]) if shown else None,
                note="" if shown else _note(row.reasons[m], k, int(row.people[m])),
            )
        )
    finished = row.kept_on_time + row.kept_late + row.broken
    given = finished + row.released + row.disputed + row.open
    renegotiations = row.renegotiated_in_time + row.renegotiated_late

    def share(part: int, whole: int) -> float | None:
        return part / whole if row.rates_shown and whole else None

    rates = Rates(
        shown=row.rates_shown,
        performers=row.performers if row.rates_shown else None,
        given=given if row.rates_shown else None,
        finished=finished if row.rates_shown else None,
        kept_rate=share(row.kept_on_time + row.kept_late, finished),
        on_time_rate=share(row.kept_on_time, finished),
        broken_rate=share(row.broken, finished),
        renegotiation_rate=share(renegotiations, given),
        note="" if row.rates_shown else _note(row.rates_reason, k, row.performers),
    )
    return TeamFigures(row.team_id, name, row.members, row.as_of, cells, rates)


def _require_hr(actor: Actor, action: str = ACTION) -> None:
    if not actor.manages_people:
        audit.deny(
            actor,
            action,
            "organisation",
            "",
            "only HR and administrators see organisation analytics",
        )


def organisation_insights(
    actor: Actor, *, page: int | str | None = 1, per_page: int = 50, query: str = ""
) -> OrganisationInsights:
    """The organisation analytics HR may read, from the snapshot (nothing is recomputed): the
    organisation row, one page of teams (by name, optionally filtered by ``query``), the
    trickle-down flags and the retention curves. HR and administrators only; audited."""
    _require_hr(actor)
    audit.record(actor, ACTION, "organisation", "", detail={"page": str(page or 1)})
    k = settings.ANONYMITY_K
    snapshot = OrgSnapshot.objects.order_by("-as_of").first()
    org_row = TeamSnapshot.objects.filter(kind=SnapshotKind.ORGANISATION).first()
    if snapshot is None or org_row is None:
        return OrganisationInsights(False, None, None, k, None, None, 0, {}, {})
    now = timezone.now()
    teams_shown = TeamSnapshot.objects.filter(kind=SnapshotKind.TEAM, members__gt=0)
    rows = teams_shown.order_by("name", "team_id")
    if query.strip():
        rows = rows.filter(name__icontains=query.strip())
    paginator = Paginator(rows, per_page)
    found = paginator.get_page(page)
    teams: Page[TeamFigures] = Page(
        [_figures(row, row.name, now, k) for row in found.object_list],
        found.number,
        paginator,  # type: ignore[arg-type]  # a page of figures over the rows' paginator
    )
    hidden = teams_shown.filter(overall_shown=False).count()
    return OrganisationInsights(
        ready=True,
        as_of=now,
        rebuilt_at=snapshot.as_of,
        k=k,
        organisation=_figures(org_row, "Whole organisation", now, k),
        teams=teams,
        hidden_teams=hidden,
        trickle_down=snapshot.trickle_down,
        retention=snapshot.retention,
    )


def all_team_figures(actor: Actor) -> tuple[OrganisationInsights, list[TeamFigures]]:
    """Every team's figures (for the API and the CSV export): the same rows as the page."""
    insights = organisation_insights(actor, page=1, per_page=10**9)
    teams = list(insights.teams.object_list) if insights.teams is not None else []
    return insights, teams


CSV_COLUMNS = (
    "section",
    "cut",
    "measure",
    "people",
    "value",
    "uncertainty",
    "certainty",
    "note",
)


def export_csv(actor: Actor) -> str:
    """The same aggregates the page shows, as CSV: shown figures only (a hidden one is a row
    with its reason and no numbers). HR and administrators only; audited."""
    _require_hr(actor, "organisation_insights.export")
    insights, teams = all_team_figures(actor)
    audit.record(actor, "organisation_insights.export", "organisation", "")
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    if not insights.ready or insights.organisation is None:
        return out.getvalue()

    def number(value: float | None, digits: int = 4) -> str:
        return "" if value is None else f"{value:.{digits}f}"

    for figures in [insights.organisation, *teams]:
        for cell in figures.cells:
            writer.writerow(
                [
                    "trust",
                    figures.name,
                    cell.measure,
                    "" if cell.people is None else cell.people,
                    number(cell.projected),
                    number(cell.uncertainty),
                    cell.certainty,
                    cell.note,
                ]
            )
        rates = figures.rates
        for measure, value in (
            ("kept_rate", rates.kept_rate),
            ("on_time_rate", rates.on_time_rate),
            ("broken_rate", rates.broken_rate),
            ("renegotiation_rate", rates.renegotiation_rate),
        ):
            people = "" if rates.performers is None else rates.performers
            writer.writerow(
                ["follow_through", figures.name, measure, people, number(value), "", "", rates.note]
            )
    for flag in insights.trickle_down.get("flags", []):
        cut = f"organisation under {flag['leader']} ({flag['title']})"
        for measure in ("trust_in_leader", "share_below", "base_rate", "p_value"):
            writer.writerow(
                [
                    "trickle_down",
                    cut,
                    measure,
                    flag["reports_with_evidence"] if measure == "trust_in_leader" else "",
                    number(flag[measure]),
                    "",
                    flag["certainty"] if measure == "trust_in_leader" else "",
                    f"{flag['distrusted_below']} of {flag['managers_below']} managers below "
                    "distrusted",
                ]
            )
    for group in insights.retention.get("groups", []):
        if not group["shown"]:
            writer.writerow(["retention", group["level"], "", "", "", "", "", group["note"]])
            continue
        for point in group["points"]:
            writer.writerow(
                [
                    "retention",
                    group["level"],
                    f"still here after {point['days']:.0f} days",
                    group["people"],
                    number(point["survival"]),
                    "",
                    "",
                    f"95% interval {point['low']:.3f}–{point['high']:.3f}",
                ]
            )
    if insights.retention.get("logrank_p") is not None:
        writer.writerow(
            ["retention", "levels", "logrank_p", "", number(insights.retention["logrank_p"])]
            + ["", "", ""]
        )
    return out.getvalue()
