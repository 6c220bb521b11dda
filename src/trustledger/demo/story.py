"""Load the demo: the organisation, a simulated year of its ledger, leavers, trust, surveys.

:func:`load_story` is what ``trustledger demo`` runs. Every write goes through the product's
own paths: the people through :func:`trustledger.org.demo.load_demo`, the year's commitments
through the commitment import (the state machine checks every step), the trust signals
through :func:`record_signals` (the signal service's checks, written in bulk), the leavers
through :mod:`trustledger.org.services`, trust through ``insights.services.compute`` and the
surveys through :mod:`trustledger.assessments.services`. Loading is idempotent.

:func:`story_of` finds who plays which part in a loaded demo again (for the guided tour and the
tests): the cast is a pure function of the organisation's size and seed, which loading records.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from trustledger.accounts.actors import Actor
from trustledger.audit import services as audit
from trustledger.audit.models import AuditEvent
from trustledger.demo import surveys
from trustledger.demo.simulation import (
    CAREER_REF,
    MISTAKE_REF,
    WEEKS,
    Cast,
    Signal,
    cast_of,
    members_of,
    simulate,
)
from trustledger.insights import services as insights
from trustledger.ledger import trust_signals
from trustledger.ledger.demo import is_history_loaded
from trustledger.ledger.imports import import_commitments
from trustledger.ledger.models import (
    ImportedCommitment,
    SignalRole,
    TrustSignal,
    TrustSignalWitness,
    Visibility,
)
from trustledger.org import services as org
from trustledger.org.demo import EMPLOYEE_ID_PREFIX, DemoRefused, DemoResult, load_demo
from trustledger.org.models import Person

_DEMO_MODES = ("demo", "development")
_STORY_ACTION = "demo.story"


@dataclass
class DemoStory:
    """A loaded demo and who plays which part (employee ids; ``pks`` maps them to people).

    ``created`` is false when the demo was already loaded (counts are then zero)."""

    created: bool
    people: int
    seed: int
    cast: Cast
    pks: dict[str, uuid.UUID]
    career_commitment: uuid.UUID | None = None
    mistake_commitment: uuid.UUID | None = None
    leavers: list[str] = field(default_factory=list)
    commitments: int = 0
    events: int = 0
    signals: int = 0
    survey_responses: int = 0
    seconds: float = 0.0
    organisation: DemoResult | None = None

    def pk(self, employee_id: str) -> uuid.UUID:
        return self.pks[employee_id]


def _refuse_outside_demo(actor: Actor) -> None:
    if settings.MODE not in _DEMO_MODES:
        reason = (
            "the demo (one shared, published password) is only for TRUSTLEDGER_MODE=demo or "
            f"development; this is {settings.MODE}"
        )
        audit.record(
            actor, _STORY_ACTION, "organisation", "", allowed=False, detail={"reason": reason}
        )
        raise DemoRefused(reason)
    if not actor.is_admin:
        audit.deny(actor, _STORY_ACTION, "organisation", "", "only administrators load the demo")


def load_story(actor: Actor, people: int = 150, seed: int = 7) -> DemoStory:
    """Load the demo organisation and simulate its last year (idempotent; demo and
    development mode only; administrators or the system)."""
    _refuse_outside_demo(actor)
    began = time.perf_counter()
    organisation = load_demo(actor, people=people, seed=seed)
    if is_history_loaded():
        found = story_of()
        if found is None:
            raise ValidationError(
                "this database holds demo history from an older trustledger without its story; "
                "start from a fresh database (make clean removes ./var) and load the demo again"
            )
        found.organisation = organisation
        return found
    now = timezone.now().replace(microsecond=0)
    year = simulate(people, seed, now)
    pks = dict(
        Person.objects.filter(employee_id__startswith=EMPLOYEE_ID_PREFIX).values_list(
            "employee_id", "id"
        )
    )
    left = {eid: dt.datetime.combine(day, dt.time(0), dt.UTC) for eid, day in year.leavers.items()}
    report = import_commitments(actor, year.ledger.to_csv(now, left), filename="demo-year.csv")
    signals = record_signals(actor, year.signals, pks, left, now)
    for eid, day in sorted(year.leavers.items()):
        org.update_person(actor, pks[eid], leave_date=day)
        org.set_manager(actor, pks[eid], None, valid_from=day)
    insights.compute(actor)
    refs = dict(
        ImportedCommitment.objects.filter(source_ref__in=[CAREER_REF, MISTAKE_REF]).values_list(
            "source_ref", "commitment_id"
        )
    )
    if year.mistake_signal is not None:
        _record_owned_mistake(actor, year.mistake_signal, pks, refs[MISTAKE_REF])
        signals += 1
    _rebuild_organisation_analytics(actor)
    waves = surveys.run_waves(actor, year, pks, seed)
    story = DemoStory(
        created=True,
        people=people,
        seed=seed,
        cast=year.cast,
        pks=pks,
        career_commitment=refs.get(CAREER_REF),
        mistake_commitment=refs.get(MISTAKE_REF),
        leavers=_leavers_since(year.start.date()),
        commitments=report.commitments_created,
        events=report.events_created,
        signals=signals,
        survey_responses=waves.responses,
        organisation=organisation,
    )
    audit.record(
        actor,
        _STORY_ACTION,
        "organisation",
        "",
        detail={
            "people": people,
            "seed": seed,
            "weeks": WEEKS,
            "commitments": story.commitments,
            "events": story.events,
            "signals": signals,
            "leavers": len(story.leavers),
            "survey_responses": waves.responses,
        },
    )
    story.seconds = time.perf_counter() - began
    return story


def _rebuild_organisation_analytics(actor: Actor) -> None:
    """The HR analytics snapshot, as ``trustledger compute`` rebuilds it after the trust."""
    from trustledger.insights import organisation  # noqa: PLC0415 (HR analytics, loaded late)

    organisation.rebuild(actor)


def story_of() -> DemoStory | None:
    """The loaded demo's story (who plays which part), or ``None`` if none is loaded."""
    event = AuditEvent.objects.filter(action=_STORY_ACTION, allowed=True).order_by("-at").first()
    if event is None or "seed" not in event.detail:
        return None
    people, seed = int(event.detail["people"]), int(event.detail["seed"])
    members = members_of(people, seed)
    window_start = (event.at - dt.timedelta(weeks=WEEKS)).date()
    cast = cast_of(members, seed, window_start)
    pks = dict(
        Person.objects.filter(employee_id__startswith=EMPLOYEE_ID_PREFIX).values_list(
            "employee_id", "id"
        )
    )
    refs = dict(
        ImportedCommitment.objects.filter(source_ref__in=[CAREER_REF, MISTAKE_REF]).values_list(
            "source_ref", "commitment_id"
        )
    )
    leavers = _leavers_since(window_start)
    return DemoStory(
        created=False,
        people=people,
        seed=seed,
        cast=cast,
        pks=pks,
        career_commitment=refs.get(CAREER_REF),
        mistake_commitment=refs.get(MISTAKE_REF),
        leavers=leavers,
    )


def _leavers_since(day: dt.date) -> list[str]:
    """Demo employees who left on or after ``day`` (the simulated year's leavers)."""
    return sorted(
        Person.objects.filter(
            employee_id__startswith=EMPLOYEE_ID_PREFIX, is_external=False, leave_date__gte=day
        ).values_list("employee_id", flat=True)
    )


# --- trust signals in bulk --------------------------------------------------------------


def record_signals(
    actor: Actor,
    signals: Iterable[Signal],
    pks: dict[str, uuid.UUID],
    left: dict[str, dt.datetime],
    now: dt.datetime,
) -> int:
    """Write many trust signals in one transaction, each checked by the rules of
    :func:`trustledger.ledger.trust_signals.record_signal`: a known kind, recorded by someone
    other than its subject, witnesses other than both, a valid visibility, a moment with a
    time zone that is not in the future. Signals by or about someone after they left are
    dropped (they were not there). The system only; one audit record for the batch.

    Bulk rows fire no per-row projection: callers run ``insights.services.compute`` after.
    """
    if not actor.is_system:
        audit.deny(actor, "signal.import", "signal", "", "only the system records signals in bulk")
    rows: list[TrustSignal] = []
    witnesses: list[TrustSignalWitness] = []
    for number, signal in enumerate(signals, start=1):
        where = f"signal {number} ({signal.kind} about {signal.subject})"
        kind = trust_signals.signal_kind(signal.kind).kind
        if signal.subject == signal.recorder:
            raise ValidationError(f"{where}: nobody records a trust signal about themself")
        if set(signal.witnesses) & {signal.subject, signal.recorder}:
            raise ValidationError(f"{where}: a witness is someone other than the two people")
        if signal.visibility not in Visibility.values:
            raise ValidationError(f"{where}: unknown visibility {signal.visibility!r}")
        if timezone.is_naive(signal.at):
            raise ValidationError(f"{where}: give a time zone")
        if signal.at > now:
            continue
        people = (signal.subject, signal.recorder, *signal.witnesses)
        if any(p in left and signal.at >= left[p] for p in people):
            continue
        missing = [p for p in people if p not in pks]
        if missing:
            raise ValidationError(f"{where}: no person with employee id {', '.join(missing)}")
        row = TrustSignal(
            id=uuid.uuid4(),
            kind=kind,
            subject_id=pks[signal.subject],
            recorded_by_id=pks[signal.recorder],
            role=SignalRole.RECIPIENT,
            occurred_at=signal.at,
            note=signal.note,
            visibility=signal.visibility,
        )
        rows.append(row)
        witnesses += [TrustSignalWitness(signal=row, person_id=pks[w]) for w in signal.witnesses]
    with transaction.atomic():
        TrustSignal.objects.bulk_create(rows, batch_size=500)
        TrustSignalWitness.objects.bulk_create(witnesses, batch_size=500)
        audit.record(actor, "signal.import", "signal", "", detail={"signals": len(rows)})
    return len(rows)


def _record_owned_mistake(
    actor: Actor, signal: Signal, pks: dict[str, uuid.UUID], commitment: uuid.UUID
) -> TrustSignal:
    """The teammate's "owned a mistake" signal, with the team as witnesses, through the
    signal service itself (its projection runs as for anyone who records one)."""
    return trust_signals.record_signal(
        actor,
        subject_id=pks[signal.subject],
        kind=signal.kind,
        role=SignalRole.RECIPIENT,
        occurred_at=signal.at,
        note=signal.note,
        visibility=signal.visibility,
        witness_ids=[pks[w] for w in signal.witnesses],
        commitment_id=commitment,
        recorded_by_id=pks[signal.recorder],
    )
