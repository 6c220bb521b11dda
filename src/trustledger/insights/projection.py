"""Ledger facts → engine evidence rows → per-relationship trust state.

The ledger's append-only tables are the durable queue: :func:`project_new_events` reads every
commitment event after the checkpoint (in id order) and every trust signal and retraction not
yet projected, writes :class:`~trustledger.insights.models.Evidence` rows, updates each touched
relationship's ``DecayedCounters`` with the engine's O(1) :func:`~trustledger.engine.update`,
and advances the checkpoint — all in one transaction per chunk, so a crash loses nothing and
doubles nothing. :func:`rebuild_all` recomputes everything from the ledger in batch (numpy,
:func:`~trustledger.engine.relationship_evidence`) and must agree. See docs/trust.md.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from django.db import connection, transaction
from django.db.models import Max

from trustledger import engine
from trustledger.engine import DecayedCounters, EvidenceModel
from trustledger.insights.models import (
    Evidence,
    ProjectedSignal,
    ProjectionCheckpoint,
    RelationshipTrust,
)
from trustledger.ledger import lifecycle
from trustledger.ledger.lifecycle import Event, Side, State, Status, Step
from trustledger.ledger.models import (
    Commitment,
    CommitmentEvent,
    CommitmentWitness,
    SignalRetraction,
    SignalRole,
    TrustSignal,
    TrustSignalWitness,
)

#: Commitment events projected per transaction (keeps SQLite write transactions short).
CHUNK_SIZE = 500
SECONDS_PER_DAY = 86400.0
DIMENSION_FIELDS = tuple(engine.DIMENSIONS)

Pair = tuple[uuid.UUID, uuid.UUID]
Progress = Callable[[int, int], None]


@functools.cache
def evidence_model() -> EvidenceModel:
    """The evidence model every figure is computed with (the packaged, versioned file)."""
    return engine.load_evidence_model()


def cap_arguments(model: EvidenceModel) -> dict[str, float]:
    """The evidence model's per-period cap on positive evidence, as the keyword arguments of
    ``engine.update`` / ``relationship_evidence`` / ``explain``: every call passes the same."""
    return {
        "max_positive_per_period": model.max_positive_per_period,
        "cap_period_days": model.cap_period_days,
    }


def day_of(moment: dt.datetime) -> float:
    """A moment as days since the Unix epoch: the engine's time axis."""
    return moment.timestamp() / SECONDS_PER_DAY


# --- ledger facts ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CommitmentFact:
    """A commitment outcome the evidence model knows, when it happened, which event showed it."""

    outcome: str
    at: dt.datetime
    event_id: int


def step_facts(previous: State, event: Event, after: State, event_id: int) -> list[CommitmentFact]:
    """The outcomes one step reveals, given the replayed state before and after it.

    A due date that passed unkept is a fact at the due date, revealed by the first event after
    it (often the sweep's ``mark_broken``); until then it is added at read time (docs/trust.md).
    """
    facts: list[CommitmentFact] = []
    settled = lifecycle.settle(previous, event.at)
    if settled.due_passed_unkept and not previous.due_passed_unkept:
        facts.append(CommitmentFact("broken", settled.terms.due_at, event_id))
    step = event.step
    if step is Step.DELIVER and settled.status is not Status.DISPUTED:
        outcome = "kept_on_time" if after.delivered_on_time else "kept_late"
        facts.append(CommitmentFact(outcome, event.at, event_id))
    elif step is Step.CONFIRM:
        facts.append(CommitmentFact("delivery_confirmed", event.at, event_id))
    elif step is Step.RELEASE:
        facts.append(CommitmentFact("released", event.at, event_id))
    elif step is Step.WITHDRAW:
        facts.append(CommitmentFact("broken", event.at, event_id))
    elif step is Step.ACCEPT_RENEGOTIATION and settled.pending_in_time:
        facts.append(CommitmentFact("renegotiated_in_time", event.at, event_id))
    return facts


def pending_due_break(state: State, as_of: dt.datetime) -> dt.datetime | None:
    """The due date, if ``state`` (replayed to its last event) is broken by ``as_of`` without
    any event having shown it yet: the break that read-time figures add."""
    settled = lifecycle.settle(state, as_of)
    if settled.due_passed_unkept and not state.due_passed_unkept:
        return settled.terms.due_at
    return None


@dataclass(frozen=True)
class CommitmentParties:
    """Who a commitment's evidence is about: the two parties, its witnesses, the stakes."""

    id: uuid.UUID
    performer_id: uuid.UUID
    requester_id: uuid.UUID
    stakes: str
    witness_ids: tuple[uuid.UUID, ...]


def commitment_rows(
    model: EvidenceModel, parties: CommitmentParties, facts: Iterable[CommitmentFact]
) -> list[Evidence]:
    """Evidence rows (unsaved) for commitment facts: the party let down or served, and each
    witness's own trust in the same person, discounted (evidence model ``witness_discount``)."""
    rows: list[Evidence] = []
    for fact in facts:
        rule = model.commitments[fact.outcome]
        if rule.direction == "requester_to_performer":
            truster, trustee = parties.requester_id, parties.performer_id
        else:
            truster, trustee = parties.performer_id, parties.requester_id
        observers = [(truster, False)] + [
            (w, True) for w in parties.witness_ids if w not in (truster, trustee)
        ]
        for person, is_witness in observers:
            for row in engine.commitment_evidence(
                model, fact.outcome, parties.stakes, witness=is_witness
            ):
                rows.append(
                    _row(model, person, trustee, row, fact.at, f"commitment.{fact.outcome}")
                )
                rows[-1].source, rows[-1].source_id = "commitment", str(parties.id)
                rows[-1].event_id, rows[-1].witness = fact.event_id, is_witness
    return rows


def signal_rows(
    model: EvidenceModel,
    *,
    signal_id: uuid.UUID,
    kind: str,
    subject_id: uuid.UUID,
    recorded_by_id: uuid.UUID,
    role: str,
    occurred_at: dt.datetime,
    witness_ids: Sequence[uuid.UUID],
) -> list[Evidence]:
    """Evidence rows (unsaved) for a trust signal: the recorder's trust in the subject (a
    recorder who only saw it counts as a witness) and each named witness's, discounted."""
    observers = [(recorded_by_id, role == SignalRole.WITNESS)] + [
        (w, True) for w in witness_ids if w not in (recorded_by_id, subject_id)
    ]
    rows: list[Evidence] = []
    for person, is_witness in observers:
        for row in engine.signal_evidence(model, kind, witness=is_witness):
            evidence = _row(model, person, subject_id, row, occurred_at, f"signal.{kind}")
            evidence.source, evidence.source_id = "signal", str(signal_id)
            evidence.witness = is_witness
            rows.append(evidence)
    return rows


def _row(
    model: EvidenceModel,
    truster: uuid.UUID,
    trustee: uuid.UUID,
    row: engine.EvidenceRow,
    at: dt.datetime,
    kind: str,
) -> Evidence:
    return Evidence(
        truster_id=truster,
        trustee_id=trustee,
        dimension=row.dimension,
        positive=row.positive,
        negative=row.negative,
        severe=row.severe,
        at=at,
        day=day_of(at),
        kind=kind,
        model_version=model.version,
    )


def _as_event(step: str, side: str, at: dt.datetime, payload: dict[str, object]) -> Event:
    terms = lifecycle.terms_from_payload(payload) if payload.get("due_at") else None
    return Event(Step(step), Side(side) if side else None, at, terms)


def commitment_parties(ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, CommitmentParties]:
    """The parties, witnesses and stakes of each commitment in ``ids`` (three queries)."""
    wanted = list(set(ids))
    witnesses: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    for commitment_id, person_id in CommitmentWitness.objects.filter(
        commitment_id__in=wanted
    ).values_list("commitment_id", "person_id"):
        witnesses[commitment_id].append(person_id)
    return {
        pk: CommitmentParties(pk, performer, requester, stakes, tuple(sorted(witnesses[pk])))
        for pk, performer, requester, stakes in Commitment.objects.filter(
            pk__in=wanted
        ).values_list("pk", "performer_id", "requester_id", "stakes")
    }


def _facts_from_event_rows(
    rows: Iterable[tuple[int, uuid.UUID, str, str, dt.datetime, dict[str, object]]],
    emit_after_id: int,
) -> dict[uuid.UUID, list[CommitmentFact]]:
    """Replay each commitment's events (rows in (commitment, seq) order); collect the facts of
    events with id > ``emit_after_id``."""
    facts: dict[uuid.UUID, list[CommitmentFact]] = defaultdict(list)
    states: dict[uuid.UUID, State] = {}
    for event_id, commitment_id, step, side, at, payload in rows:
        event = _as_event(step, side, at, payload)
        previous = states.get(commitment_id)
        if previous is None:
            states[commitment_id] = lifecycle.start(event)
            continue
        after = lifecycle.apply(previous, event)
        states[commitment_id] = after
        if event_id > emit_after_id:
            facts[commitment_id].extend(step_facts(previous, event, after, event_id))
    return facts


_EVENT_COLUMNS = ("id", "commitment_id", "step", "side", "at", "payload")


def _signal_evidence(signal_ids: Sequence[uuid.UUID]) -> list[Evidence]:
    model = evidence_model()
    witnesses: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    for signal_id, person_id in TrustSignalWitness.objects.filter(
        signal_id__in=signal_ids
    ).values_list("signal_id", "person_id"):
        witnesses[signal_id].append(person_id)
    rows: list[Evidence] = []
    columns = ("pk", "kind", "subject_id", "recorded_by_id", "role", "occurred_at")
    for pk, kind, subject, recorder, role, occurred in (
        TrustSignal.objects.filter(pk__in=signal_ids)
        .order_by("recorded_at", "pk")
        .values_list(*columns)
    ):
        rows += signal_rows(
            model,
            signal_id=pk,
            kind=kind,
            subject_id=subject,
            recorded_by_id=recorder,
            role=role,
            occurred_at=occurred,
            witness_ids=sorted(witnesses[pk]),
        )
    return rows


def retracted_signal_ids() -> set[str]:
    """Signals their recorder took back: their evidence counts for nothing, at any time."""
    return {str(pk) for pk in SignalRetraction.objects.values_list("signal_id", flat=True)}


# --- relationship state ------------------------------------------------------------------------


def counters_of(state: RelationshipTrust) -> DecayedCounters:
    """A stored relationship state as the engine's counters."""
    if state.last_day is None:
        return DecayedCounters()

    def four(prefix: str) -> tuple[float, float, float, float]:
        a, b, c, d = (float(getattr(state, f"{prefix}_{name}")) for name in DIMENSION_FIELDS)
        return (a, b, c, d)

    return DecayedCounters(
        four("positive"),
        four("negative"),
        four("same_day_positive"),
        float(state.last_day),
        -math.inf if state.period is None else float(state.period),
        four("period_positive"),
    )


def _store(state: RelationshipTrust, counters: DecayedCounters, version: str) -> None:
    for index, name in enumerate(DIMENSION_FIELDS):
        setattr(state, f"positive_{name}", counters.positive[index])
        setattr(state, f"negative_{name}", counters.negative[index])
        setattr(state, f"same_day_positive_{name}", counters.positive_at_last_time[index])
        setattr(state, f"period_positive_{name}", counters.positive_in_period[index])
    state.last_day = None if counters.last_time == -math.inf else counters.last_time
    state.period = None if counters.period == -math.inf else counters.period
    state.model_version = version


#: Relationships whose latest rows are this many half-lives apart or less are computed in one
#: batch call (evaluated at the latest of them, then scaled back): far below any underflow.
_GROUP_SPAN_HALF_LIVES = 64.0


def counters_from_rows(
    rel: np.ndarray,
    dimension: np.ndarray,
    positive: np.ndarray,
    negative: np.ndarray,
    day: np.ndarray,
    severe: np.ndarray,
    n_relationships: int,
    model: EvidenceModel,
) -> list[DecayedCounters]:
    """Every relationship's counters at its own latest row, in batch, the per-period cap on.

    Rows keep their absolute times (the cap's periods are fixed buckets of the time axis).
    Relationships are grouped so that their latest rows lie within
    ``_GROUP_SPAN_HALF_LIVES`` half-lives; each group is one vectorised
    :func:`engine.relationship_evidence` call as of the group's latest row, and each
    relationship's sums are then scaled back (×2^((as_of − last)/h) ≤ 2^64) to its own last
    time — exactly what the O(1) update keeps. The cap's bookkeeping (the period of the last
    row, the raw positive evidence in it, what the rows at the last instant kept) comes from
    the same telescoping sums min(c, C_after) − min(c, C_before) the engine uses.
    """
    if rel.size == 0:
        return [DecayedCounters() for _ in range(n_relationships)]
    half_life, cap, period_days = (
        model.half_life_days,
        model.max_positive_per_period,
        model.cap_period_days,
    )
    last = np.full(n_relationships, -np.inf)
    np.maximum.at(last, rel, day)
    positive_sums = np.zeros((n_relationships, 4))
    negative_sums = np.zeros((n_relationships, 4))
    has_rows = np.flatnonzero(last > -np.inf)
    order = has_rows[np.argsort(last[has_rows], kind="stable")]
    group_of = np.full(n_relationships, -1, dtype=np.int64)
    groups: list[float] = []
    start = -np.inf
    for index in order.tolist():
        if last[index] - start > _GROUP_SPAN_HALF_LIVES * half_life:
            start = float(last[index])
            groups.append(start)
        group_of[index] = len(groups) - 1
        groups[-1] = float(last[index])  # the group's as_of: its latest row
    row_group = group_of[rel]
    for number, as_of in enumerate(groups):
        mask = row_group == number
        sums = engine.relationship_evidence(
            rel[mask],
            dimension[mask],
            positive[mask],
            negative[mask],
            day[mask],
            severe[mask],
            as_of=as_of,
            half_life_days=half_life,
            wipe_share=model.severe_wipe_share,
            n_relationships=n_relationships,
            **cap_arguments(model),
        )
        members = np.flatnonzero(group_of == number)
        scale = np.exp2((as_of - last[members]) / half_life)[:, None]
        positive_sums[members] = sums.positive[members] * scale
        negative_sums[members] = sums.negative[members] * scale
    # The cap period of each relationship's last row, and the rows that fall in it.
    last_period = np.floor(last / period_days)
    in_last_period = np.floor(day / period_days) == last_period[rel]
    at_last = day == last[rel]
    cell = rel * 4 + dimension
    size = n_relationships * 4
    raw_in_period = np.bincount(cell, weights=positive * in_last_period, minlength=size)
    raw_at_last = np.bincount(cell, weights=positive * at_last, minlength=size)
    kept_at_last = np.minimum(cap, raw_in_period) - np.minimum(cap, raw_in_period - raw_at_last)
    kept_at_last[kept_at_last <= cap * 1e-12] = 0.0  # the engine's sliver rule
    same = np.where(raw_in_period > cap, kept_at_last, raw_at_last).reshape(n_relationships, 4)
    in_period = raw_in_period.reshape(n_relationships, 4)
    result = []
    for index in range(n_relationships):
        if last[index] == -np.inf:
            result.append(DecayedCounters())
            continue
        p, n, s, r = positive_sums[index], negative_sums[index], same[index], in_period[index]
        result.append(
            DecayedCounters(
                (float(p[0]), float(p[1]), float(p[2]), float(p[3])),
                (float(n[0]), float(n[1]), float(n[2]), float(n[3])),
                (float(s[0]), float(s[1]), float(s[2]), float(s[3])),
                float(last[index]),
                float(last_period[index]),
                (float(r[0]), float(r[1]), float(r[2]), float(r[3])),
            )
        )
    return result


_ROW_COLUMNS = ("truster_id", "trustee_id", "dimension", "positive", "negative", "day", "severe")


def _rebuild_pairs(pairs: set[Pair] | None, model: EvidenceModel) -> int:
    """Recompute the stored state of ``pairs`` from their evidence rows; ``None`` = all pairs,
    into an empty table (the full rebuild)."""
    retracted = retracted_signal_ids()
    rows = Evidence.objects.exclude(source="signal", source_id__in=retracted)
    if pairs is not None:
        trusters = {t for t, _ in pairs}
        rows = rows.filter(truster_id__in=trusters)
    data = [
        r
        for r in rows.order_by("id").values_list(*_ROW_COLUMNS)
        if pairs is None or (r[0], r[1]) in pairs
    ]
    index: dict[Pair, int] = {}
    if pairs is not None:
        for pair in sorted(pairs):
            index.setdefault(pair, len(index))
    rel = np.fromiter(
        (index.setdefault((r[0], r[1]), len(index)) for r in data), np.int64, len(data)
    )
    counters = counters_from_rows(
        rel,
        np.fromiter((r[2] for r in data), np.int64, len(data)),
        np.fromiter((r[3] for r in data), np.float64, len(data)),
        np.fromiter((r[4] for r in data), np.float64, len(data)),
        np.fromiter((r[5] for r in data), np.float64, len(data)),
        np.fromiter((r[6] for r in data), np.bool_, len(data)),
        len(index),
        model,
    )
    if pairs is None:  # a full rebuild starts from an empty table: insert in bulk
        fresh = []
        for pair, position in index.items():
            state = RelationshipTrust(truster_id=pair[0], trustee_id=pair[1])
            _store(state, counters[position], model.version)
            fresh.append(state)
        RelationshipTrust.objects.bulk_create(fresh, batch_size=500)
        return len(index)
    existing = {
        (s.truster_id, s.trustee_id): s
        for s in RelationshipTrust.objects.filter(
            truster_id__in={t for t, _ in index}, trustee_id__in={t for _, t in index}
        )
    }
    for pair, position in index.items():
        state = existing.get(pair) or RelationshipTrust(truster_id=pair[0], trustee_id=pair[1])
        _store(state, counters[position], model.version)
        state.save()
    return len(index)


def _apply_rows(rows: list[Evidence], model: EvidenceModel) -> set[Pair]:
    """Update each touched relationship with the O(1) ``engine.update``, row by row in time
    order; returns the pairs that received a row older than their state (rebuild those)."""
    by_pair: dict[Pair, list[Evidence]] = defaultdict(list)
    for row in rows:
        by_pair[(row.truster_id, row.trustee_id)].append(row)
    if not by_pair:
        return set()
    existing = {
        (s.truster_id, s.trustee_id): s
        for s in RelationshipTrust.objects.filter(
            truster_id__in={t for t, _ in by_pair}, trustee_id__in={t for _, t in by_pair}
        )
    }
    stale: set[Pair] = set()
    for pair, pair_rows in by_pair.items():
        state = existing.get(pair) or RelationshipTrust(truster_id=pair[0], trustee_id=pair[1])
        counters = counters_of(state)
        for row in sorted(pair_rows, key=lambda r: r.day):
            if row.day < counters.last_time:
                stale.add(pair)
                break
            counters = engine.update(
                counters,
                dimension=row.dimension,
                positive=row.positive,
                negative=row.negative,
                time=row.day,
                severe=row.severe,
                half_life_days=model.half_life_days,
                wipe_share=model.severe_wipe_share,
                **cap_arguments(model),
            )
        if pair not in stale:
            _store(state, counters, model.version)
            state.save()
    return stale


# --- incremental -------------------------------------------------------------------------------

#: PostgreSQL advisory-lock key ("TLPR") that orders commitment-event ids against the projection:
#: ledger writers hold it shared from before their event takes its id until they commit or roll
#: back; the projection takes it exclusively for one instant to learn how far ids are final.
EVENT_ID_LOCK = 0x544C5052


def hold_event_ids_open() -> None:
    """Called before a commitment event is inserted (``pre_save``): on PostgreSQL, take the
    shared event-id lock until the writing transaction ends, so the projection never moves its
    checkpoint past an id this transaction has taken but not committed yet (docs/trust.md).

    SQLite has one writer at a time, so event ids there commit in id order already.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock_shared(%s)", [EVENT_ID_LOCK])


def final_event_id() -> int:
    """The highest commitment event id below which no event can still appear.

    On PostgreSQL two writers can commit out of id order, so ``max(id)`` alone is not enough:
    with the event-id lock held exclusively, no writer is between taking an id and ending its
    transaction, so every id up to the committed maximum is final (committed or rolled back);
    any later writer takes a larger id. The lock is held for that one query only.
    """
    if connection.vendor != "postgresql":
        return CommitmentEvent.objects.aggregate(top=Max("id"))["top"] or 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [EVENT_ID_LOCK])
        try:
            with transaction.atomic():  # a savepoint: the unlock below runs even if this fails
                top = CommitmentEvent.objects.aggregate(top=Max("id"))["top"] or 0
        finally:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [EVENT_ID_LOCK])
    return int(top)


@dataclass(frozen=True)
class ProjectionRun:
    """What one :func:`project_new_events` call did."""

    commitment_events: int
    signals: int
    retractions: int
    evidence_rows: int


def project_new_events(
    *,
    chunk_size: int = CHUNK_SIZE,
    before_commit: Callable[[], None] | None = None,
    progress: Progress | None = None,
) -> ProjectionRun:
    """Project every ledger fact recorded since the last run, one transaction per chunk.

    Each chunk writes its evidence rows, the touched relationships' states and the checkpoint
    together; if anything fails (``before_commit`` lets a caller stop a chunk just before it
    commits), that chunk rolls back whole and the next run starts from the same place.
    """
    totals = [0, 0, 0, 0]
    remaining = CommitmentEvent.objects.filter(
        id__gt=ProjectionCheckpoint.objects.filter(pk=1)
        .values_list("last_commitment_event_id", flat=True)
        .first()
        or 0
    ).count()
    done = 0
    while True:
        with transaction.atomic():
            checkpoint, _ = ProjectionCheckpoint.objects.select_for_update().get_or_create(pk=1)
            counts = _project_chunk(checkpoint, chunk_size)
            if before_commit is not None:
                before_commit()
        totals = [a + b for a, b in zip(totals, counts, strict=True)]
        done += counts[0]
        if progress is not None:
            progress(done, max(done, remaining))
        if counts[0] < chunk_size and counts[1] < chunk_size:
            return ProjectionRun(*totals)


def _project_chunk(checkpoint: ProjectionCheckpoint, chunk_size: int) -> tuple[int, int, int, int]:
    model = evidence_model()
    after = checkpoint.last_commitment_event_id
    new_events = list(
        CommitmentEvent.objects.filter(id__gt=after, id__lte=final_event_id())
        .order_by("id")
        .values_list("id", "commitment_id")[:chunk_size]
    )
    rows: list[Evidence] = []
    if new_events:
        last_id = new_events[-1][0]
        commitments = {c for _, c in new_events}
        history = (
            CommitmentEvent.objects.filter(commitment_id__in=commitments, id__lte=last_id)
            .order_by("commitment_id", "seq")
            .values_list(*_EVENT_COLUMNS)
        )
        facts = _facts_from_event_rows(history, emit_after_id=after)
        parties = commitment_parties(commitments)
        for commitment_id, commitment_facts in facts.items():
            rows += commitment_rows(model, parties[commitment_id], commitment_facts)
        checkpoint.last_commitment_event_id = last_id
        checkpoint.save()
    signal_ids = list(
        TrustSignal.objects.filter(
            pk__in=TrustSignal.objects.exclude(
                pk__in=ProjectedSignal.objects.values("signal_id")
            ).values("pk")
        )
        .order_by("recorded_at", "pk")
        .values_list("pk", flat=True)[:chunk_size]
    )
    if signal_ids:
        rows += _signal_evidence(signal_ids)
        ProjectedSignal.objects.bulk_create(ProjectedSignal(signal_id=pk) for pk in signal_ids)
    Evidence.objects.bulk_create(rows, batch_size=500)
    stale = _apply_rows(rows, model)
    retracted = list(
        ProjectedSignal.objects.filter(retraction_seen=False)
        .filter(signal_id__in=SignalRetraction.objects.values("signal_id"))
        .values_list("signal_id", flat=True)
    )
    if retracted:
        stale |= set(
            Evidence.objects.filter(source="signal", source_id__in=[str(s) for s in retracted])
            .values_list("truster_id", "trustee_id")
            .distinct()
        )
        ProjectedSignal.objects.filter(signal_id__in=retracted).update(retraction_seen=True)
    if stale:
        _rebuild_pairs(stale, model)
    touched = {(r.truster_id, r.trustee_id) for r in rows} | stale
    if touched:  # keep the organisation snapshot's team rows current (docs/insights.md)
        from trustledger.insights.organisation import refresh_for_pairs

        refresh_for_pairs(touched)
    return (len(new_events), len(signal_ids), len(retracted), len(rows))


# --- batch -------------------------------------------------------------------------------------


def rebuild_all(progress: Progress | None = None) -> ProjectionRun:
    """Throw away all derived state and recompute it from the whole ledger in one transaction.

    Evidence rows come from the same mapping as the incremental projection; relationship
    states come from one vectorised :func:`engine.relationship_evidence` pass over all rows.
    """
    model = evidence_model()
    with transaction.atomic():
        ProjectionCheckpoint.objects.select_for_update().get_or_create(pk=1)
        Evidence.objects.all().delete()
        RelationshipTrust.objects.all().delete()
        ProjectedSignal.objects.all().delete()
        last_id = CommitmentEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
        history = list(
            CommitmentEvent.objects.filter(id__lte=last_id)
            .order_by("commitment_id", "seq")
            .values_list(*_EVENT_COLUMNS)
        )
        total = len(history) + 1
        facts = _facts_from_event_rows(history, emit_after_id=0)
        parties = commitment_parties(facts)
        rows: list[Evidence] = []
        for commitment_id, commitment_facts in facts.items():
            rows += commitment_rows(model, parties[commitment_id], commitment_facts)
        if progress is not None:
            progress(len(history), total)
        signal_ids = list(TrustSignal.objects.values_list("pk", flat=True))
        rows += _signal_evidence(signal_ids)
        retracted = set(SignalRetraction.objects.values_list("signal_id", flat=True))
        ProjectedSignal.objects.bulk_create(
            (ProjectedSignal(signal_id=pk, retraction_seen=pk in retracted) for pk in signal_ids),
            batch_size=500,
        )
        Evidence.objects.bulk_create(rows, batch_size=500)
        relationships = _rebuild_pairs(None, model)
        ProjectionCheckpoint.objects.filter(pk=1).update(last_commitment_event_id=last_id)
        if progress is not None:
            progress(total, total)
    del relationships
    return ProjectionRun(len(history), len(signal_ids), len(retracted), len(rows))


def relationship_states() -> dict[Pair, DecayedCounters]:
    """Every stored relationship state, for checks and exports."""
    return {(s.truster_id, s.trustee_id): counters_of(s) for s in RelationshipTrust.objects.all()}
