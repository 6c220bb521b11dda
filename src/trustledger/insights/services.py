"""Relationship trust between two people, as of a moment, with its explanation.

Only the two people see it: anyone else — HR and administrators included — gets a 404 (the
figure's existence is private too), and the refusal is audited; the two people's own reads
are audited as reads of personal data. See docs/trust.md.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

import numpy as np
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from trustledger import engine
from trustledger.accounts.actors import Actor
from trustledger.audit import services as audit
from trustledger.insights import projection
from trustledger.insights.models import Evidence
from trustledger.ledger import lifecycle
from trustledger.ledger.lifecycle import Event, Side, Step
from trustledger.ledger.models import Commitment, CommitmentEvent, CommitmentWitness
from trustledger.org.models import Person

#: Uncertainty at or above which a figure says "little evidence yet" (PRODUCT.md principle 2:
#: little evidence is not low trust).
LITTLE_EVIDENCE_UNCERTAINTY = 0.6
#: Evidence items shown in an explanation, largest effect first.
EXPLANATION_ITEMS = 20


def certainty_in_words(uncertainty: float) -> str:
    """How sure a figure is, in words a person reads before the number."""
    if uncertainty >= LITTLE_EVIDENCE_UNCERTAINTY:
        return "little evidence yet"
    if uncertainty >= 0.35:
        return "some evidence"
    if uncertainty >= 0.15:
        return "a fair amount of evidence"
    return "a lot of evidence"


@dataclass(frozen=True)
class Figure:
    """One opinion: belief, disbelief, uncertainty, base rate, projected probability."""

    dimension: str
    belief: float
    disbelief: float
    uncertainty: float
    base_rate: float
    projected: float
    certainty: str
    positive_evidence: float
    negative_evidence: float


@dataclass(frozen=True)
class EvidenceItem:
    """One ledger fact behind a figure and how much it moves it now (after ageing and wipes)."""

    kind: str
    label: str
    dimension: str
    at: dt.datetime
    positive: float
    negative: float
    wiped: float
    #: Positive evidence (aged to the moment) this item lost to the per-period cap.
    capped: float
    witness: bool
    source: str
    source_id: str
    #: True for a due date that passed unkept and no event has recorded yet (read-time).
    pending: bool


@dataclass(frozen=True)
class Direction:
    """How much ``truster`` can rely on ``trustee``: per dimension, overall, and why."""

    truster: Person
    trustee: Person
    overall: Figure
    dimensions: list[Figure]
    explanation: list[EvidenceItem]


@dataclass(frozen=True)
class Relationship:
    """Both directions between the viewer and the other person, as of a moment."""

    viewer: Person
    other: Person
    as_of: dt.datetime
    i_rely_on_them: Direction
    they_rely_on_me: Direction
    model_version: str


def _get_person(person_id: uuid.UUID | str) -> Person:
    try:
        return Person.objects.get(pk=person_id)
    except (Person.DoesNotExist, ValidationError, ValueError):
        raise Http404(f"no person with id {person_id}") from None


def relationship_trust(
    actor: Actor,
    person_id: uuid.UUID | str,
    *,
    with_id: uuid.UUID | str | None = None,
    as_of: dt.datetime | None = None,
) -> Relationship:
    """The trust between ``person_id`` and ``with_id`` (default: the acting person).

    The acting person must be one of the two; otherwise 404, audited as a refused read.
    """
    other = _get_person(person_id)
    pair_id = with_id if with_id is not None else (actor.person.pk if actor.person else None)
    viewer = actor.person
    detail = {"person": str(other.pk), "with": str(pair_id) if pair_id else ""}
    if viewer is None or pair_id is None or str(pair_id) != str(viewer.pk) or viewer.pk == other.pk:
        audit.record(actor, "trust.read", "person", other.pk, allowed=False, detail=detail)
        raise Http404("no relationship to show")
    moment = as_of or timezone.now()
    if timezone.is_naive(moment):
        raise ValidationError({"as_of": "give a time zone"})
    projection.project_new_events()  # catch up with anything a failed trigger left behind
    audit.record(actor, "trust.read", "person", other.pk, detail=detail)
    model = projection.evidence_model()
    return Relationship(
        viewer=viewer,
        other=other,
        as_of=moment,
        i_rely_on_them=direction(viewer, other, moment),
        they_rely_on_me=direction(other, viewer, moment),
        model_version=model.version,
    )


def _pending_breaks(truster: Person, trustee: Person, as_of: dt.datetime) -> list[Evidence]:
    """Breaks by due date that no event has recorded yet, as of ``as_of`` (read time)."""
    model = projection.evidence_model()
    witnessed = CommitmentWitness.objects.filter(person=truster).values("commitment_id")
    candidates = Commitment.objects.filter(performer=trustee, due_at__lt=as_of).filter(
        Q(requester=truster) | Q(pk__in=witnessed)
    )
    rows: list[Evidence] = []
    for commitment in candidates:
        events = [
            Event(Step(e.step), Side(e.side) if e.side else None, e.at, _terms(e.payload))
            for e in CommitmentEvent.objects.filter(commitment=commitment, at__lte=as_of).order_by(
                "seq"
            )
        ]
        if not events:
            continue
        due = projection.pending_due_break(lifecycle.replay(events), as_of)
        if due is None:
            continue
        parties = projection.commitment_parties([commitment.pk])[commitment.pk]
        fact = projection.CommitmentFact("broken", due, 0)
        rows += [
            r
            for r in projection.commitment_rows(model, parties, [fact])
            if r.truster_id == truster.pk and r.trustee_id == trustee.pk
        ]
    return rows


def _terms(payload: dict[str, object]) -> lifecycle.Terms | None:
    return lifecycle.terms_from_payload(payload) if payload.get("due_at") else None


def direction(truster: Person, trustee: Person, as_of: dt.datetime) -> Direction:
    """One direction's figures from its evidence rows as of ``as_of`` (no permission check:
    callers check who may see it)."""
    model = projection.evidence_model()
    retracted = projection.retracted_signal_ids()
    stored = list(
        Evidence.objects.filter(truster=truster, trustee=trustee, day__lte=projection.day_of(as_of))
        .exclude(source="signal", source_id__in=retracted)
        .order_by("id")
    )
    recorded = {(r.source_id, r.day) for r in stored if r.kind == "commitment.broken"}
    pending = [
        r for r in _pending_breaks(truster, trustee, as_of) if (r.source_id, r.day) not in recorded
    ]
    rows = stored + pending
    n = len(rows)
    columns = (
        np.zeros(n, dtype=np.int64),
        np.fromiter((r.dimension for r in rows), np.int64, n),
        np.fromiter((r.positive for r in rows), np.float64, n),
        np.fromiter((r.negative for r in rows), np.float64, n),
        np.fromiter((r.day for r in rows), np.float64, n),
        np.fromiter((r.severe for r in rows), np.bool_, n),
    )
    day = projection.day_of(as_of)
    sums = engine.relationship_evidence(
        *columns,
        as_of=day,
        half_life_days=model.half_life_days,
        wipe_share=model.severe_wipe_share,
        n_relationships=1,
        **projection.cap_arguments(model),
    )
    opinions = engine.relationship_opinions(
        sums, base_rate=model.base_rate, prior_weight=model.prior_weight
    )
    by_dim, overall = opinions.by_dimension, opinions.overall
    projected_dim, projected_all = engine.projected(by_dim), engine.projected(overall)
    dimensions = [
        Figure(
            name,
            float(by_dim.b[0, i]),
            float(by_dim.d[0, i]),
            float(by_dim.u[0, i]),
            float(by_dim.a[0, i]),
            float(projected_dim[0, i]),
            certainty_in_words(float(by_dim.u[0, i])),
            float(sums.positive[0, i]),
            float(sums.negative[0, i]),
        )
        for i, name in enumerate(engine.DIMENSIONS)
    ]
    overall_figure = Figure(
        "overall",
        float(overall.b[0]),
        float(overall.d[0]),
        float(overall.u[0]),
        float(overall.a[0]),
        float(projected_all[0]),
        certainty_in_words(float(overall.u[0])),
        float(sums.positive[0].sum()),
        float(sums.negative[0].sum()),
    )
    items: list[EvidenceItem] = []
    if n:
        for index, name in enumerate(engine.DIMENSIONS):
            why = engine.explain(
                *columns,
                relationship=0,
                for_dimension=index,
                as_of=day,
                half_life_days=model.half_life_days,
                wipe_share=model.severe_wipe_share,
                **projection.cap_arguments(model),
            )
            for position, row_index in enumerate(why.rows.tolist()):
                row = rows[row_index]
                items.append(
                    EvidenceItem(
                        kind=row.kind,
                        label=_label(model, row.kind),
                        dimension=name,
                        at=row.at,
                        positive=float(why.positive[position]),
                        negative=float(why.negative[position]),
                        wiped=float(why.wiped[position]),
                        capped=float(why.capped[position]),
                        witness=row.witness,
                        source=row.source,
                        source_id=row.source_id,
                        pending=row.pk is None,
                    )
                )
    items.sort(key=lambda i: -(i.positive + i.negative + i.wiped + i.capped))
    return Direction(truster, trustee, overall_figure, dimensions, items[:EXPLANATION_ITEMS])


_OUTCOME_LABELS = {
    "kept_on_time": "Kept a promise on time",
    "kept_late": "Delivered a promise late",
    "renegotiated_in_time": "Renegotiated a promise in time",
    "broken": "Broke a promise",
    "released": "Released someone from a promise",
    "delivery_confirmed": "Confirmed a delivery",
    "delivery_not_confirmed": "Did not confirm a delivery",
}


def _label(model: engine.EvidenceModel, kind: str) -> str:
    family, _, name = kind.partition(".")
    if family == "signal" and name in model.signals and model.signals[name].label:
        return model.signals[name].label
    return _OUTCOME_LABELS.get(name, name.replace("_", " ").capitalize())


def compute(
    actor: Actor, *, incremental: bool = False, progress: projection.Progress | None = None
) -> projection.ProjectionRun:
    """Rebuild all relationship trust from the ledger (or, ``incremental``, project only what
    is new since the checkpoint). System and administrators only; audited."""
    if not actor.is_admin:
        audit.deny(actor, "trust.compute", "insights", "", "only administrators recompute trust")
    run = (
        projection.project_new_events(progress=progress)
        if incremental
        else projection.rebuild_all(progress=progress)
    )
    audit.record(
        actor, "trust.compute", "insights", "", detail={"incremental": incremental, **vars(run)}
    )
    return run
