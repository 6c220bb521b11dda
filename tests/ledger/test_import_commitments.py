"""HR imports commitment history from another tool: all or nothing, every bad row reported."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from typer.testing import CliRunner

from tests import factories
from trustledger.accounts.actors import Actor
from trustledger.audit.models import AuditEvent
from trustledger.cli import app
from trustledger.imports_common import ImportRejected
from trustledger.ledger import services
from trustledger.ledger.imports import COLUMNS, import_commitments
from trustledger.ledger.lifecycle import BrokenReason, Status
from trustledger.ledger.models import Commitment, CommitmentEvent, ImportedCommitment

HEADER = ",".join(COLUMNS)


def row(ref: str, step: str, actor: str, at: str, **values: str) -> str:
    """One CSV line in the import's column order."""
    fields = {"commitment_ref": ref, "step": step, "actor_employee_id": actor, "at": at, **values}
    return ",".join(fields.get(column, "") for column in COLUMNS)


def propose(ref: str, actor: str, at: str, due: str, **values: str) -> str:
    values.setdefault("performer_employee_id", "P1")
    values.setdefault("requester_employee_id", "R1")
    values.setdefault("what", f"Deliver {ref}")
    values.setdefault("done_means", "It is in the shared drive")
    return row(ref, "propose", actor, at, due_at=due, **values)


def csv(*lines: str) -> bytes:
    return ("\n".join([HEADER, *lines]) + "\n").encode()


@pytest.fixture
def people(db: None) -> dict[str, object]:
    team = factories.team("Delivery")
    return {
        "P1": factories.person("Pat Performer", employee_id="P1", team=team),
        "R1": factories.person("Rey Requester", employee_id="R1", team=team),
        "W1": factories.person("Wes Witness", employee_id="W1"),
        "X1": factories.person("Xena Stranger", employee_id="X1"),
        "C1": factories.person("Cas Customer", employee_id="C1", is_external=True),
        "hr": Actor.for_user(factories.user(None, role="hr", username="hr@example.com")),
    }


HISTORY = csv(
    # kept on time: proposed by the requester, accepted, delivered, confirmed
    propose("T-1", "R1", "2026-03-02T09:00:00+00:00", "2026-03-10T17:00:00+00:00"),
    row("T-1", "accept", "P1", "2026-03-02T10:00:00+00:00"),
    row("T-1", "deliver", "P1", "2026-03-09T16:00:00+00:00", note="Uploaded"),
    row("T-1", "confirm", "R1", "2026-03-09T18:00:00Z"),
    # renegotiated in time, then delivered on the new date and confirmed; dates only
    propose(
        "T-2", "P1", "2026-03-02", "2026-03-05", stakes="significant", visibility="team",
        origin="meeting", witness_employee_ids="W1", customer_employee_id="C1",
    ),
    row("T-2", "accept", "R1", "2026-03-02"),
    row("T-2", "renegotiate", "P1", "2026-03-04", due_at="2026-03-12", note="Blocked on data"),
    row("T-2", "accept_renegotiation", "R1", "2026-03-04"),
    row("T-2", "deliver", "P1", "2026-03-11"),
    row("T-2", "confirm", "R1", "2026-03-12"),
    # broken: due passed, recorded by the system
    propose("T-3", "P1", "2026-03-02T09:00:00+00:00", "2026-03-03T17:00:00+00:00"),
    row("T-3", "accept", "R1", "2026-03-02T09:30:00+00:00"),
    row("T-3", "mark_broken", "", "2026-03-04T00:00:00+00:00"),
    # counter-offered, still waiting for the requester
    propose("T-4", "R1", "2026-03-02T09:00:00+00:00", "2026-03-03T17:00:00+00:00"),
    row("T-4", "counter", "P1", "2026-03-02T11:00:00+00:00", due_at="2026-03-06T17:00:00+00:00"),
)  # fmt: skip


def test_hr_imports_a_tools_history_and_the_cached_state_is_the_replay(people):
    report = import_commitments(people["hr"], HISTORY, filename="tool.csv")

    assert (report.commitments_created, report.events_created, report.unchanged) == (4, 15, 0)
    imported = {
        source.source_ref: source.commitment
        for source in ImportedCommitment.objects.select_related("commitment")
    }
    for commitment in imported.values():
        state = services.state_of(commitment)
        replayed = Commitment(id=commitment.id)
        services.cache_state(replayed, state)
        for column in (
            "status", "what", "done_means", "due_at", "proposed_by", "awaiting",
            "pending_due_at", "pending_in_time", "renegotiated_in_time", "renegotiated_late",
            "accepted_at", "delivered_at", "delivered_on_time", "closed_at", "broken_reason",
            "broken_recorded",
        ):  # fmt: skip
            assert getattr(commitment, column) == getattr(replayed, column), column
        assert commitment.event_count == commitment.events.count()

    kept = imported["T-1"]
    assert (kept.status, kept.delivered_on_time) == (Status.CONFIRMED, True)
    assert kept.proposed_by == "requester"
    assert [e.step for e in kept.events.order_by("seq")] == [
        "propose", "accept", "deliver", "confirm"
    ]  # fmt: skip
    assert kept.events.get(step="deliver").payload == {"note": "Uploaded"}
    assert kept.events.get(step="accept").actor == people["P1"]

    renegotiated = imported["T-2"]
    assert renegotiated.status == Status.CONFIRMED
    assert renegotiated.renegotiated_in_time == 1
    assert renegotiated.due_at == dt.datetime(2026, 3, 12, 23, 59, 59, tzinfo=dt.UTC)
    assert (renegotiated.stakes, renegotiated.visibility, renegotiated.origin) == (
        "significant", "team", "meeting"
    )  # fmt: skip
    assert list(renegotiated.witnesses.all()) == [people["W1"]]
    assert renegotiated.customer == people["C1"]

    broken = imported["T-3"]
    assert (broken.status, broken.broken_reason, broken.broken_recorded) == (
        Status.BROKEN, BrokenReason.DUE_PASSED, True
    )  # fmt: skip
    assert broken.events.get(step="mark_broken").actor is None

    countered = imported["T-4"]
    assert (countered.status, countered.awaiting) == (Status.COUNTER_OFFERED, "requester")
    assert AuditEvent.objects.filter(action="commitment.import", allowed=True).count() == 1


def test_importing_the_same_file_again_changes_nothing(people):
    import_commitments(people["hr"], HISTORY)
    events = CommitmentEvent.objects.count()

    again = import_commitments(people["hr"], HISTORY)

    assert (again.commitments_created, again.events_created, again.unchanged) == (0, 0, 4)
    assert Commitment.objects.count() == 4
    assert CommitmentEvent.objects.count() == events


def test_a_longer_file_adds_only_the_new_commitments(people):
    import_commitments(people["hr"], HISTORY)
    longer = (
        HISTORY
        + (
            propose("T-5", "P1", "2026-03-05T09:00:00+00:00", "2026-03-09T17:00:00+00:00") + "\n"
        ).encode()
    )

    report = import_commitments(people["hr"], longer)

    assert (report.commitments_created, report.events_created, report.unchanged) == (1, 1, 4)


def test_a_known_ref_with_a_different_history_is_refused(people):
    import_commitments(people["hr"], HISTORY)
    changed = HISTORY.replace(b"Uploaded", b"Uploaded twice")

    with pytest.raises(ImportRejected) as rejected:
        import_commitments(people["hr"], changed)

    [error] = rejected.value.errors
    assert (error.line, error.column) == (2, "commitment_ref")
    assert "'T-1' was imported before with a different history" in error.reason


def test_an_illegal_step_names_the_line_and_the_steps_allowed(people):
    data = csv(
        propose("T-1", "P1", "2026-03-02T09:00:00+00:00", "2026-03-10T17:00:00+00:00"),
        row("T-1", "accept", "R1", "2026-03-02T10:00:00+00:00"),
        row("T-1", "deliver", "R1", "2026-03-03T10:00:00+00:00"),
    )

    with pytest.raises(ImportRejected) as rejected:
        import_commitments(people["hr"], data)

    [error] = rejected.value.errors
    assert (error.line, error.column) == (4, "step")
    assert error.reason == (
        "deliver is not allowed for the requester while the commitment is accepted; "
        "allowed now: release"
    )
    assert not Commitment.objects.exists()


def test_every_problem_in_the_file_is_reported_and_nothing_is_imported(people):
    data = csv(
        propose("A", "P1", "2026-03-02T09:00:00+00:00", "2026-03-10T17:00:00+00:00"),
        propose("B", "P1", "2026-03-02", "2026-03-10", performer_employee_id="NOBODY"),
        propose("C", "P1", "02/03/2026", "2026-03-10"),
        propose("D", "P1", "2026-03-02T09:00:00", "2026-03-10"),
        propose("E", "P1", "2026-03-05", "2026-03-10"),
        row("E", "accept", "R1", "2026-03-04"),
        row("F", "accept", "R1", "2026-03-04"),
        propose("G", "P1", "2026-03-02", "2026-03-10"),
        row("G", "accept", "X1", "2026-03-03"),
        propose("H", "P1", "2026-03-02", "2026-03-10", stakes="huge"),
        row("I", "sign", "P1", "2026-03-02"),
        propose("J", "P1", "2099-03-02", "2099-03-10"),
        propose("K", "P1", "2026-03-05", "2026-03-01"),
        propose("L", "P1", "2026-03-02", "2026-03-10"),
        row("L", "accept", "", "2026-03-03"),
    )

    with pytest.raises(ImportRejected) as rejected:
        import_commitments(people["hr"], data)

    problems = [(e.line, e.column, e.reason) for e in rejected.value.errors]
    by_line = {line: (column, reason) for line, column, reason in problems}
    assert by_line[3][0] == "performer_employee_id"
    assert "'NOBODY' is not a person in trustledger" in by_line[3][1]
    assert by_line[4][0] == "at"
    assert "'02/03/2026' is not a date and time" in by_line[4][1]
    assert by_line[5][0] == "at"
    assert "has no time zone" in by_line[5][1]
    assert by_line[7][0] == "at"
    assert "before the previous event of 'E' on line 6" in by_line[7][1]
    assert by_line[8] == (
        "step",
        "the history of 'F' starts with accept; a commitment's first event is propose",
    )
    assert by_line[10][0] == "actor_employee_id"
    assert "neither the performer (P1) nor the requester (R1)" in by_line[10][1]
    assert by_line[11][0] == "stakes"
    assert "'huge' is not a valid stakes" in by_line[11][1]
    assert by_line[12][0] == "step"
    assert "'sign' is not a step" in by_line[12][1]
    assert by_line[13][0] == "at"
    assert "is in the future" in by_line[13][1]
    assert by_line[14][0] == "due_at"
    assert "must be after" in by_line[14][1]
    assert by_line[16][0] == "actor_employee_id"
    assert "only records mark_broken" in by_line[16][1]
    assert 2 not in by_line
    assert 9 not in by_line
    assert [line for line, _, _ in problems] == sorted(line for line, _, _ in problems)
    assert not Commitment.objects.exists()
    assert not ImportedCommitment.objects.exists()


def test_header_problems_are_reported_on_line_one(people):
    with pytest.raises(ImportRejected) as rejected:
        import_commitments(people["hr"], b"commitment_ref,step,when\nA,propose,2026-03-02\n")

    reasons = {(e.column, e.reason.split(";")[0]) for e in rejected.value.errors}
    assert ("", "unknown column 'when'") in reasons
    assert ("at", "required column 'at' is missing") in reasons
    assert all(e.line == 1 for e in rejected.value.errors)


def test_an_empty_file_and_a_header_alone_are_refused(people):
    for data, reason in (
        (b"", "the file is empty"),
        (HEADER.encode() + b"\n", "the file has a header but no events"),
    ):
        with pytest.raises(ImportRejected) as rejected:
            import_commitments(people["hr"], data)
        assert rejected.value.errors[0].reason.startswith(reason)


def test_an_employee_cannot_import_history_and_the_attempt_is_audited(people):
    employee = Actor.for_user(factories.user(people["P1"]))

    with pytest.raises(PermissionDenied):
        import_commitments(employee, HISTORY)

    assert AuditEvent.objects.filter(action="commitment.import", allowed=False).exists()
    assert not Commitment.objects.exists()


def test_the_command_line_imports_a_file_and_lists_bad_rows(people, tmp_path):
    good = tmp_path / "history.csv"
    good.write_bytes(HISTORY)
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv(row("Z", "accept", "R1", "2026-03-04")))
    cli = CliRunner()

    result = cli.invoke(app, ["import", "commitments", str(good)])
    assert result.exit_code == 0, result.output
    assert "commitments created" in result.output
    assert "15" in result.output

    refused = cli.invoke(app, ["import", "commitments", str(bad)])
    assert refused.exit_code == 1
    assert "starts with accept" in refused.output
    assert "Nothing was imported" in refused.output
