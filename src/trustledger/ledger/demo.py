"""Demo ledger history as event rows, in the format of ``trustledger import commitments``.

The demo simulation (:mod:`trustledger.demo`) decides what people promise and what becomes of
it; this module writes those decisions as the import's CSV rows, so the history is imported
through :func:`trustledger.ledger.imports.import_commitments` and every step of it passes the
same state machine as real history. Steps in the future are dropped (a commitment simply stays
open), and so are steps taken by someone after the day they left the organisation.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
from dataclasses import dataclass, field

from trustledger.ledger.imports import COLUMNS
from trustledger.ledger.models import ImportedCommitment

#: Source refs of demo commitments start with this (and mark the history as loaded).
REF_PREFIX = "DEMO-C"
_HOUR = dt.timedelta(hours=1)

ROUTINE_WORK = (
    ("Review the pull request for the billing export", "Approved or changes requested on it"),
    ("Send the customer the migration plan", "Plan sent and receipt acknowledged"),
    ("Write up the decisions from Tuesday's planning", "Notes shared in the team channel"),
    ("Fix the flaky integration test", "Green on main for five consecutive runs"),
    ("Draft the onboarding checklist for new joiners", "Checklist reviewed by two people"),
    ("Prepare the quarterly numbers for the review", "Slides in the shared folder"),
    ("Update the on-call runbook", "Runbook updated and linked from the alert"),
    ("Introduce you to the data team lead", "An intro e-mail to both of you"),
    ("Give feedback on your design proposal", "Written comments on the document"),
    ("Interview two candidates for the open role", "Scorecards submitted"),
    ("Answer the security questionnaire", "Questionnaire returned to the customer"),
    ("Pair with you on the deployment pipeline", "One session held, notes written"),
    ("Book the venue for the team offsite", "Booking confirmed by the venue"),
    ("Share the customer interview recordings", "Links in the research folder"),
    ("Clean up the unused feature flags", "Flags removed and the change deployed"),
    ("Reconcile last month's invoices", "Reconciliation signed off by finance"),
    ("Get you a budget answer for the conference", "A yes or no in writing"),
    ("Raise your workload in the leadership meeting", "Outcome told to you in our next 1:1"),
)
NOTES_EARLY = (
    "Heads-up before the date: the dependency slipped, this needs a few more days.",
    "I underestimated this; telling you now rather than on the day.",
    "Blocked on access; proposing a new date while there is still time.",
)
NOTES_LATE = ("Sorry, this slipped past the date.", "Missed it; can I have until next week?")


def iso(moment: dt.datetime) -> str:
    """A moment as the import reads it."""
    return moment.isoformat(timespec="seconds")


@dataclass
class DemoCommitment:
    """One commitment being written: ``add`` appends a step at or after the previous one."""

    ref: str
    performer: str
    requester: str
    at: dt.datetime
    due_at: dt.datetime
    proposer: str = ""
    rows: list[dict[str, str]] = field(default_factory=list)

    def add(self, step: str, actor: str, at: dt.datetime, **values: str) -> None:
        """Record ``step`` by ``actor`` (employee id; ``""`` for the system) at ``at``."""
        at = max(at, self.at)
        if step == "propose":
            self.proposer = actor
        self.at = at
        self.rows.append(
            {"commitment_ref": self.ref, "step": step, "actor_employee_id": actor, "at": iso(at)}
            | values
        )

    @property
    def answerer(self) -> str:
        """Who answers the proposal: the side that did not make it."""
        return self.requester if self.proposer == self.performer else self.performer

    def accept(self, after: dt.timedelta) -> None:
        self.add("accept", self.answerer, self.at + after)

    def deliver(self, at: dt.datetime, note: str = "") -> None:
        self.add("deliver", self.performer, at, note=note)

    def confirm(self, after: dt.timedelta) -> None:
        self.add("confirm", self.requester, self.at + after)

    def renegotiate(self, at: dt.datetime, new_due: dt.datetime, note: str) -> None:
        """Propose new terms; the requester accepts them a few hours later."""
        self.add("renegotiate", self.performer, at, due_at=iso(new_due), note=note)
        self.due_at = new_due
        self.add("accept_renegotiation", self.requester, self.at + 3 * _HOUR)


class DemoLedger:
    """Collects demo commitments and writes them as the import's CSV."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.commitments: list[DemoCommitment] = []

    def commitment(
        self,
        performer: str,
        requester: str,
        proposed_at: dt.datetime,
        due_at: dt.datetime,
        *,
        ref: str = "",
        what: tuple[str, str] | None = None,
        by_requester: bool | None = None,
        stakes: str = "routine",
        visibility: str = "parties",
        origin: str = "other",
        witnesses: tuple[str, ...] = (),
        note: str = "",
    ) -> DemoCommitment:
        """Propose a commitment; returns a handle to add its next steps."""
        ref = ref or f"{REF_PREFIX}{len(self.commitments) + 1:05d}"
        if by_requester is None:
            by_requester = self.rng.random() < 0.5
        summary, done_means = what or self.rng.choice(ROUTINE_WORK)
        handle = DemoCommitment(ref, performer, requester, proposed_at, due_at)
        handle.add(
            "propose",
            requester if by_requester else performer,
            proposed_at,
            performer_employee_id=performer,
            requester_employee_id=requester,
            what=summary,
            done_means=done_means,
            due_at=iso(due_at),
            stakes=stakes,
            visibility=visibility,
            origin=origin,
            witness_employee_ids=" ".join(witnesses),
            note=note,
        )
        self.commitments.append(handle)
        return handle

    def rows(self, now: dt.datetime, left: dict[str, dt.datetime]) -> list[dict[str, str]]:
        """Every commitment's steps up to the first one in the future or by someone who had
        left by then (``left``: employee id → the moment they left)."""
        kept: list[dict[str, str]] = []
        for handle in self.commitments:
            for row in handle.rows:
                at = dt.datetime.fromisoformat(row["at"])
                actor = row["actor_employee_id"]
                if at > now or (actor in left and at >= left[actor]):
                    break
                kept.append(row)
        return kept

    def to_csv(self, now: dt.datetime, left: dict[str, dt.datetime]) -> bytes:
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(self.rows(now, left))
        return out.getvalue().encode("utf-8")


def is_history_loaded() -> bool:
    """Has demo ledger history been loaded into this database?"""
    return ImportedCommitment.objects.filter(source_ref__startswith=REF_PREFIX).exists()
