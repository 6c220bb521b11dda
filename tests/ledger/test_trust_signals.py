"""Recording, retracting and reading trust signals (services, real database)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.http import Http404
from django.utils import timezone

from tests import factories
from trustledger.audit.models import AuditEvent
from trustledger.db import AppendOnlyError
from trustledger.engine import load_evidence_model
from trustledger.ledger import services as ledger
from trustledger.ledger import trust_signals as signals
from trustledger.ledger.models import SignalRetraction, TrustSignal

DOC = Path(__file__).resolve().parents[2] / "docs" / "signals.md"


@pytest.fixture
def people(org):
    """Ana manages Ben and Cai; Dee is in another team; everyone signs in."""
    other = factories.team("Sales")
    dee = factories.person("Dee Outsider", team=other)
    return {
        **org,
        "dee": dee,
        "ana_a": factories.actor(org["ana_user"]),
        "ben_a": factories.actor(org["ben_user"]),
        "cai_a": factories.actor(factories.user(org["cai"])),
        "dee_a": factories.actor(factories.user(dee)),
        "hr_a": factories.actor(org["hr_user"]),
        "admin_a": factories.actor(org["admin_user"]),
    }


def test_signal_kinds_are_the_evidence_models_signals():
    model = load_evidence_model()
    kinds = signals.signal_kinds()
    assert {k.kind for k in kinds} == set(model.signals)
    for kind in kinds:
        rule = model.signals[kind.kind]
        assert kind.polarity == rule.polarity
        assert kind.weight == rule.weight
        assert sum(kind.dimensions.values()) == pytest.approx(1.0)
        assert kind.label
        assert kind.description
    assert [k.polarity for k in kinds] == sorted((k.polarity for k in kinds), reverse=True)


def test_every_kind_named_in_the_product_is_there():
    named = {
        "recognition", "more_responsibility_delegated", "autonomy_granted", "mistake_owned",
        "stood_up_for_someone", "information_shared", "went_first", "empathy",
        "candid_feedback_with_care", "expectations_clarified", "blamed_others", "micromanaged",
        "withheld_information", "broke_a_confidence", "took_credit", "said_one_thing_did_another",
    }  # fmt: skip
    assert {k.kind for k in signals.signal_kinds()} == named


def test_docs_table_matches_the_evidence_model():
    doc = DOC.read_text(encoding="utf-8")
    section = doc.split("## The kinds", 1)[1].split("\n## ", 1)[0]
    rows = {
        cells[0].strip("`"): cells
        for line in section.splitlines()
        if line.startswith("| `")
        for cells in [[cell.strip() for cell in line.strip().strip("|").split("|")]]
    }
    assert list(rows) == [k.kind for k in signals.signal_kinds()]
    for kind in signals.signal_kinds():
        dimensions = ", ".join(f"{d} {share:g}" for d, share in kind.dimensions.items())
        expected = [kind.label, kind.polarity, f"{kind.weight:g}", dimensions]
        assert rows[kind.kind][1:5] == expected, kind.kind
        assert (rows[kind.kind][5] == "yes") == kind.severe


def test_recipient_records_a_signal_and_the_subject_sees_it(people):
    signal = signals.record_signal(
        people["ben_a"],
        subject_id=people["ana"].pk,
        kind="mistake_owned",
        note="Said it was her call",
    )
    assert signal.recorded_by == people["ben"]
    assert signal.role == "recipient"
    assert signal.visibility == "parties"
    about_ana = signals.signals_about(people["ana_a"], people["ana"].pk)
    assert list(about_ana) == [signal]
    assert AuditEvent.objects.filter(action="signal.record", object_id=str(signal.pk)).exists()


def test_a_negative_private_signal_is_feedback_the_subject_sees(people):
    signal = signals.record_signal(
        people["ben_a"], subject_id=people["ana"].pk, kind="micromanaged", role="witness"
    )
    assert list(signals.signals_about(people["ana_a"], people["ana"].pk)) == [signal]


def test_nobody_records_a_signal_about_themself(people):
    with pytest.raises(PermissionDenied):
        signals.record_signal(people["ben_a"], subject_id=people["ben"].pk, kind="recognition")
    assert not TrustSignal.objects.exists()
    refused = AuditEvent.objects.get(action="signal.record", allowed=False)
    assert "themself" in refused.detail["reason"]


def test_hr_without_a_person_cannot_record_a_signal(people):
    with pytest.raises(PermissionDenied):
        signals.record_signal(people["hr_a"], subject_id=people["ana"].pk, kind="recognition")


def test_unknown_kinds_and_future_dates_are_refused(people):
    with pytest.raises(ValidationError) as error:
        signals.record_signal(people["ben_a"], subject_id=people["ana"].pk, kind="bribed_me")
    assert "kind" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        signals.record_signal(
            people["ben_a"],
            subject_id=people["ana"].pk,
            kind="empathy",
            occurred_at=timezone.now() + dt.timedelta(days=1),
        )
    assert "occurred_at" in error.value.message_dict
    with pytest.raises(ValidationError):
        signals.record_signal(
            people["ben_a"],
            subject_id=people["ana"].pk,
            kind="empathy",
            witness_ids=[people["ana"].pk],
        )
    assert not TrustSignal.objects.exists()


def test_a_third_party_hr_and_admins_cannot_see_a_private_signal(people):
    signal = signals.record_signal(people["ben_a"], subject_id=people["ana"].pk, kind="took_credit")
    for who in ("cai_a", "dee_a", "hr_a", "admin_a"):
        assert list(signals.signals_about(people[who], people["ana"].pk)) == []
        with pytest.raises(Http404):
            signals.get_signal(people[who], signal.pk)
    assert (
        AuditEvent.objects.filter(
            action="signal.read", object_id=str(signal.pk), allowed=False
        ).count()
        == 4
    )


def test_named_witnesses_see_the_signal(people):
    signal = signals.record_signal(
        people["ben_a"],
        subject_id=people["ana"].pk,
        kind="stood_up_for_someone",
        witness_ids=[people["dee"].pk],
    )
    assert list(signals.signals_about(people["dee_a"], people["ana"].pk)) == [signal]
    assert signals.witnesses_of(signal) == [people["dee"]]
    assert list(signals.signals_about(people["cai_a"], people["ana"].pk)) == []


def test_team_signals_are_seen_by_the_team_and_public_ones_by_everyone(people):
    team_signal = signals.record_signal(
        people["ben_a"], subject_id=people["ana"].pk, kind="recognition", visibility="team"
    )
    public = signals.record_signal(
        people["ben_a"], subject_id=people["ana"].pk, kind="information_shared", visibility="public"
    )
    assert set(signals.signals_about(people["cai_a"], people["ana"].pk)) == {team_signal, public}
    assert list(signals.signals_about(people["dee_a"], people["ana"].pk)) == [public]
    assert list(signals.signals_about(people["hr_a"], people["ana"].pk)) == [public]


def test_reading_signals_about_someone_else_is_audited(people):
    signals.signals_about(people["cai_a"], people["ana"].pk)
    assert AuditEvent.objects.filter(
        action="signal.read", object_id=str(people["ana"].pk), actor_label=people["cai_a"].label
    ).exists()


def test_the_recorder_retracts_with_a_new_row(people):
    signal = signals.record_signal(
        people["ben_a"], subject_id=people["ana"].pk, kind="blamed_others"
    )
    retraction = signals.retract_signal(people["ben_a"], signal.pk, reason="I misread the meeting")
    assert retraction.by == people["ben"]
    assert signals.is_retracted(signal)
    assert TrustSignal.objects.filter(pk=signal.pk).exists()  # still there
    listed = list(signals.signals_about(people["ana_a"], people["ana"].pk))
    assert listed == [signal]
    assert listed[0].retraction.reason == "I misread the meeting"
    assert (
        list(signals.signals_about(people["ana_a"], people["ana"].pk, include_retracted=False))
        == []
    )
    with pytest.raises(ValidationError):
        signals.retract_signal(people["ben_a"], signal.pk, reason="again")


def test_only_the_recorder_may_retract(people):
    signal = signals.record_signal(
        people["ben_a"], subject_id=people["ana"].pk, kind="blamed_others"
    )
    with pytest.raises(PermissionDenied):
        signals.retract_signal(people["ana_a"], signal.pk, reason="I disagree")
    with pytest.raises(Http404):
        signals.retract_signal(people["dee_a"], signal.pk, reason="nosy")
    with pytest.raises(ValidationError):
        signals.retract_signal(people["ben_a"], signal.pk, reason="  ")
    assert not SignalRetraction.objects.exists()
    assert AuditEvent.objects.filter(action="signal.retract", allowed=False).count() == 1


def test_signals_are_never_changed_or_deleted(people):
    signal = signals.record_signal(people["ben_a"], subject_id=people["ana"].pk, kind="empathy")
    signal.note = "edited"
    with pytest.raises(AppendOnlyError):
        signal.save()
    with pytest.raises(AppendOnlyError):
        signal.delete()
    with pytest.raises(Exception, match="append-only"), transaction.atomic():  # noqa: PT011
        TrustSignal.objects.filter(pk=signal.pk).update(note="edited in bulk")
    with pytest.raises(IntegrityError), transaction.atomic():
        TrustSignal.objects.create(
            kind="empathy",
            subject=people["ben"],
            recorded_by=people["ben"],
            role="recipient",
            occurred_at=timezone.now(),
        )
    assert connection.vendor in ("sqlite", "postgresql")


def test_a_signal_can_point_at_a_commitment_of_the_subject(people):
    commitment = ledger.propose(
        people["ana_a"],
        performer_id=people["ana"].pk,
        requester_id=people["ben"].pk,
        what="Review the design",
        done_means="Comments in the doc",
        due_at=timezone.now() + dt.timedelta(days=3),
    )
    signal = signals.record_signal(
        people["ben_a"],
        subject_id=people["ana"].pk,
        kind="expectations_clarified",
        commitment_id=commitment.pk,
    )
    assert signal.commitment == commitment
    # Dee cannot see the commitment, so she cannot point at it.
    with pytest.raises(ValidationError) as error:
        signals.record_signal(
            people["dee_a"],
            subject_id=people["ana"].pk,
            kind="empathy",
            commitment_id=commitment.pk,
        )
    assert "commitment_id" in error.value.message_dict
    # The subject must be one of its parties.
    with pytest.raises(ValidationError):
        signals.record_signal(
            people["ana_a"],
            subject_id=people["cai"].pk,
            kind="empathy",
            commitment_id=commitment.pk,
        )


def test_the_system_records_on_someones_behalf(people):
    from trustledger.accounts.actors import Actor

    signal = signals.record_signal(
        Actor.system("demo"),
        subject_id=people["ana"].pk,
        kind="recognition",
        recorded_by_id=people["ben"].pk,
        occurred_at=timezone.now() - dt.timedelta(days=30),
    )
    assert signal.recorded_by == people["ben"]
