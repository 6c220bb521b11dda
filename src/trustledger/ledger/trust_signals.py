"""Trust signals: record, retract and read the small things that build or break trust.

The kinds, their ABCD dimensions, polarity and weight come from one table, the engine's
evidence model (:func:`trustledger.engine.load_evidence_model`); nothing here repeats them.

Who may see a signal (docs/signals.md):

- its **parties** always: the subject (whose behaviour it was — a signal about you is feedback,
  so you always see it, whoever recorded it and whatever its visibility), the recorder, and the
  witnesses they named;
- for ``team`` visibility, also the teams of the subject and of the recorder;
- for ``public`` visibility, everyone signed in.

HR and administrators get no special view (PRODUCT.md: private by default, never surveillance);
the system (command line) sees everything. A signal someone may not see does not exist for them
(404, not 403). Signals are never changed; the recorder may retract one with a new row.
"""

from __future__ import annotations

import datetime as dt
import functools
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NoReturn

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from trustledger.accounts.actors import Actor
from trustledger.audit import services as audit
from trustledger.engine import DIMENSIONS, EvidenceModel, load_evidence_model
from trustledger.ledger import services as ledger
from trustledger.ledger.models import (
    Commitment,
    SignalRetraction,
    SignalRole,
    TrustSignal,
    TrustSignalWitness,
    Visibility,
)
from trustledger.org.models import Person

#: Longest note on a signal or reason for a retraction.
NOTE_MAX = 2000


def _refuse(
    actor: Actor, action: str, object_type: str, object_id: object, reason: str
) -> NoReturn:
    """Audit a refused attempt and raise ``PermissionDenied`` (typed so checkers know it raises)."""
    audit.deny(actor, action, object_type, object_id, reason)
    raise PermissionDenied(reason)  # not reached: audit.deny raises


@dataclass(frozen=True)
class SignalKind:
    """One kind of trust signal, as the evidence model defines it (for forms and docs)."""

    kind: str
    label: str
    description: str
    polarity: str
    weight: float
    #: Share of the weight per ABCD dimension, only the dimensions it touches, in ABCD order.
    dimensions: dict[str, float]
    severe: bool

    @property
    def is_positive(self) -> bool:
        """Whether the signal builds trust (rather than breaking it)."""
        return self.polarity == "positive"


@functools.cache
def evidence_model() -> EvidenceModel:
    """The packaged evidence model (loaded once per process: it is a file in the package)."""
    return load_evidence_model()


def signal_kinds() -> list[SignalKind]:
    """Every signal kind, positive ones first, in the evidence model's order.

    The evidence model is the single source of truth for kinds, dimensions, polarity and
    default weight; forms, the API and docs/signals.md all read it from here.
    """
    kinds = [
        SignalKind(
            kind=rule.kind,
            label=rule.label or rule.kind.replace("_", " ").capitalize(),
            description=rule.description,
            polarity=rule.polarity,
            weight=rule.weight,
            dimensions={d: s for d, s in zip(DIMENSIONS, rule.shares, strict=True) if s},
            severe=rule.severe,
        )
        for rule in evidence_model().signals.values()
    ]
    return sorted(kinds, key=lambda k: not k.is_positive)


def signal_kind(kind: str) -> SignalKind:
    """One signal kind; ``ValidationError`` naming the known kinds when it does not exist."""
    for known in signal_kinds():
        if known.kind == kind:
            return known
    names = ", ".join(sorted(evidence_model().signals))
    raise ValidationError({"kind": f"{kind!r} is not a trust signal; known kinds: {names}"})


# --- who may see what -------------------------------------------------------------------------


def _visible_q(actor: Actor) -> Q | None:
    """A filter for the signals ``actor`` may see (``None``: all of them)."""
    if actor.is_system:
        return None
    person = actor.person
    visible = Q(visibility=Visibility.PUBLIC)
    if person is None:
        return visible
    visible |= Q(subject=person) | Q(recorded_by=person) | Q(witnesses=person)
    if person.team_id is not None:
        visible |= Q(visibility=Visibility.TEAM) & (
            Q(subject__team_id=person.team_id) | Q(recorded_by__team_id=person.team_id)
        )
    return visible


def _visible(actor: Actor) -> QuerySet[TrustSignal]:
    signals = TrustSignal.objects.select_related("subject", "recorded_by", "retraction__by")
    visible = _visible_q(actor)
    if visible is None:
        return signals
    # The witness join can repeat a row; filter by id so the queryset stays plain.
    return signals.filter(pk__in=TrustSignal.objects.filter(visible).values("pk"))


def can_see_signal(actor: Actor, signal: TrustSignal) -> bool:
    """Whether ``actor`` may see ``signal`` (see the module docstring for the rules)."""
    return _visible(actor).filter(pk=signal.pk).exists()


def get_signal(actor: Actor, signal_id: uuid.UUID | str) -> TrustSignal:
    """One signal, if the actor may see it; otherwise 404 (its existence is private too).

    Reads by anyone but the subject and the recorder are audited, and so are refusals.
    """
    try:
        signal = TrustSignal.objects.select_related("subject", "recorded_by").get(pk=signal_id)
    except (TrustSignal.DoesNotExist, ValidationError, ValueError):
        raise Http404(f"no trust signal with id {signal_id}") from None
    if not can_see_signal(actor, signal):
        audit.record(actor, "signal.read", "signal", signal.pk, allowed=False)
        raise Http404(f"no trust signal with id {signal_id}")
    own = actor.person
    if own is None or own.pk not in (signal.subject_id, signal.recorded_by_id):
        audit.record(actor, "signal.read", "signal", signal.pk)
    return signal


def signals_about(
    actor: Actor, person_id: uuid.UUID | str, *, include_retracted: bool = True
) -> QuerySet[TrustSignal]:
    """The signals about a person that ``actor`` may see, newest first.

    The subject sees every signal about themself: it is feedback. Retracted signals stay in
    the list (marked by their ``retraction``) unless ``include_retracted`` is False. The read
    is audited when someone reads signals about somebody else.
    """
    subject = _person(person_id, "person_id", not_found=Http404)
    signals = _visible(actor).filter(subject=subject)
    if not include_retracted:
        signals = signals.filter(retraction__isnull=True)
    if not actor.is_self(subject):
        audit.record(actor, "signal.read", "person", subject.pk)
    return signals.order_by("-occurred_at", "-recorded_at")


def signals_recorded_by_me(actor: Actor) -> QuerySet[TrustSignal]:
    """The signals the acting person recorded (about anyone), newest first."""
    person = actor.person
    if person is None:
        return TrustSignal.objects.none()
    return (
        TrustSignal.objects.select_related("subject", "recorded_by", "retraction__by")
        .filter(recorded_by=person)
        .order_by("-occurred_at", "-recorded_at")
    )


def witnesses_of(signal: TrustSignal) -> list[Person]:
    """The witnesses the recorder named (for someone who may already see the signal)."""
    return list(Person.objects.filter(trust_signals_witnessed=signal).order_by("name"))


# --- recording --------------------------------------------------------------------------------


def _person(
    person_id: uuid.UUID | str | Person,
    field: str,
    not_found: type[Exception] = ValidationError,
) -> Person:
    if isinstance(person_id, Person):
        return person_id
    try:
        return Person.objects.select_related("team").get(pk=person_id)
    except (Person.DoesNotExist, ValidationError, ValueError):
        if not_found is Http404:
            raise Http404(f"no person with id {person_id}") from None
        raise ValidationError({field: f"no person with id {person_id}"}) from None


def _text(value: str, field: str, *, required: bool) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationError({field: "say why"})
    if len(value) > NOTE_MAX:
        raise ValidationError({field: f"at most {NOTE_MAX} characters (got {len(value)})"})
    return value


_REACH = {Visibility.PARTIES: 0, Visibility.TEAM: 1, Visibility.PUBLIC: 2}


def _check_no_wider_than(commitment: Commitment, visibility: str, witnesses: list[Person]) -> None:
    """A signal linked to a commitment is seen by no more people than the commitment, or the
    signal would reveal that a private commitment exists (and its id)."""
    if _REACH[Visibility(visibility)] > _REACH[Visibility(commitment.visibility)]:
        raise ValidationError(
            {
                "visibility": f"this signal is about a commitment visible to "
                f"{Visibility(commitment.visibility).label.lower()}; the signal cannot be "
                "seen more widely"
            }
        )
    if commitment.visibility == Visibility.PARTIES:
        allowed = {commitment.performer_id, commitment.requester_id}
        allowed |= set(commitment.witnesses.values_list("pk", flat=True))
        if any(w.pk not in allowed for w in witnesses):
            raise ValidationError(
                {"witness_ids": "a witness of this signal must be able to see the commitment"}
            )


def record_signal(
    actor: Actor,
    *,
    subject_id: uuid.UUID | str | Person,
    kind: str,
    role: str = SignalRole.RECIPIENT,
    occurred_at: dt.datetime | None = None,
    note: str = "",
    visibility: str = Visibility.PARTIES,
    witness_ids: Iterable[uuid.UUID | str] = (),
    commitment_id: uuid.UUID | str | None = None,
    recorded_by_id: uuid.UUID | str | None = None,
) -> TrustSignal:
    """Record that ``subject`` did ``kind``, to the acting person (recipient) or before them.

    Only the recipient or a witness records a signal, so the recorder is always the acting
    person (the system may name ``recorded_by_id``, for imports and demo data). Nobody records
    a signal about themself. A linked commitment must be one the recorder may see and the
    subject must be one of its two parties. Refusals are audited.
    """
    subject = _person(subject_id, "subject_id")
    if recorded_by_id is not None and actor.is_system:
        recorder = _person(recorded_by_id, "recorded_by_id")
    elif actor.person is not None:
        recorder = actor.person
    else:
        _refuse(
            actor,
            "signal.record",
            "person",
            subject.pk,
            "only the recipient or a witness records a trust signal",
        )
    if recorder.pk == subject.pk:
        _refuse(
            actor,
            "signal.record",
            "person",
            subject.pk,
            "a trust signal is recorded by someone else: nobody records one about themself",
        )
    if not actor.can_write():
        _refuse(actor, "signal.record", "person", subject.pk, "this token is read-only")

    kind = signal_kind(kind).kind
    if role not in SignalRole.values:
        raise ValidationError({"role": f"{role!r} is not one of {', '.join(SignalRole.values)}"})
    if visibility not in Visibility.values:
        raise ValidationError(
            {"visibility": f"{visibility!r} is not one of {', '.join(Visibility.values)}"}
        )
    now = timezone.now()
    when = occurred_at or now
    if timezone.is_naive(when):
        raise ValidationError({"occurred_at": "give a time zone (e.g. 2026-03-01T17:00:00+00:00)"})
    if when > now:
        raise ValidationError({"occurred_at": "a signal records something that already happened"})
    note = _text(note, "note", required=False)
    witnesses = [_person(w, "witness_ids") for w in dict.fromkeys(witness_ids)]
    if any(w.pk in (subject.pk, recorder.pk) for w in witnesses):
        raise ValidationError(
            {"witness_ids": "a witness is someone other than the subject and the recorder"}
        )
    commitment: Commitment | None = None
    if commitment_id is not None:
        try:
            commitment = ledger.get_commitment(actor, commitment_id)
        except Http404:
            raise ValidationError(
                {"commitment_id": f"no commitment with id {commitment_id}"}
            ) from None
        if subject.pk not in (commitment.performer_id, commitment.requester_id):
            raise ValidationError(
                {"commitment_id": "the subject must be one of the commitment's two parties"}
            )
        _check_no_wider_than(commitment, visibility, witnesses)

    with transaction.atomic():
        signal = TrustSignal.objects.create(
            kind=kind,
            subject=subject,
            recorded_by=recorder,
            role=role,
            occurred_at=when,
            note=note,
            visibility=visibility,
            commitment=commitment,
        )
        TrustSignalWitness.objects.bulk_create(
            TrustSignalWitness(signal=signal, person=w) for w in witnesses
        )
        audit.record(
            actor, "signal.record", "signal", signal.pk, detail={"kind": kind, "role": role}
        )
    return signal


def retract_signal(actor: Actor, signal_id: uuid.UUID | str, *, reason: str) -> SignalRetraction:
    """Take back a signal the acting person recorded: a new row, the signal itself stays.

    Only the recorder may retract; anyone else who can see the signal is refused (audited),
    anyone who cannot gets a 404. A signal is retracted at most once.
    """
    signal = get_signal(actor, signal_id)
    own = actor.person
    if own is None or own.pk != signal.recorded_by_id:
        _refuse(
            actor, "signal.retract", "signal", signal.pk, "only the recorder may retract a signal"
        )
    if not actor.can_write():
        _refuse(actor, "signal.retract", "signal", signal.pk, "this token is read-only")
    reason = _text(reason, "reason", required=True)
    if SignalRetraction.objects.filter(signal=signal).exists():
        raise ValidationError({"signal_id": "this signal is already retracted"})
    with transaction.atomic():
        retraction = SignalRetraction.objects.create(
            signal=signal, by=own, at=timezone.now(), reason=reason
        )
        audit.record(actor, "signal.retract", "signal", signal.pk)
    return retraction


def is_retracted(signal: TrustSignal) -> bool:
    """Whether the recorder took the signal back."""
    return SignalRetraction.objects.filter(signal=signal).exists()
