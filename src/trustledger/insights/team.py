"""For a manager: coaching readiness per direct report with tips for the report's style, the
team's trust in me over time (k-anonymous), and my open commitments to my people.

Privacy (PRODUCT.md principles): a manager never sees a report's trust figures. Coaching
readiness is derived from the report's trust *in the manager* — a relationship the manager is a
party to — and is shown only as words (ready / building / not yet), never as a number; the
team's trust in me is an aggregate shown only at moments where at least k reports stand behind
it. Every read is audited. See docs/insights.md, "For managers".
"""

from __future__ import annotations

import datetime as dt
import functools
import tomllib
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings
from django.utils import timezone

from trustledger import engine
from trustledger.accounts.actors import Actor
from trustledger.audit import services as audit
from trustledger.insights import profiles, projection
from trustledger.ledger import services as ledger
from trustledger.ledger.lifecycle import Status
from trustledger.ledger.models import Commitment
from trustledger.org import services as org
from trustledger.org.models import BehaviourStyle

#: The style key used when a report has no behaviour style recorded.
UNKNOWN_STYLE = "unknown"
READINESS = (engine.READY, engine.BUILDING, engine.NOT_YET)
READINESS_WORDS = {
    engine.READY: "ready",
    engine.BUILDING: "building",
    engine.NOT_YET: "not yet",
}
READINESS_MEANING = {
    engine.READY: "They rely on you, and there is enough shared history to be sure of it: "
    "coaching is likely to land.",
    engine.BUILDING: "There is not enough shared history yet to say (little evidence is not "
    "low trust), or their trust in you is middling: invest in the relationship first.",
    engine.NOT_YET: "What they have seen so far makes it hard for them to rely on you: "
    "rebuild trust before coaching.",
}
#: Commitments still for me to act on (delivered ones wait for the requester's confirmation).
OPEN_STATUSES = (Status.PROPOSED, Status.COUNTER_OFFERED, Status.ACCEPTED, Status.DISPUTED)


# --- the tips file ----------------------------------------------------------------------------


class CoachingTipsError(ValueError):
    """A coaching tips file that does not follow the format (the message names the key)."""


@dataclass(frozen=True)
class CoachingTips:
    """Tips per (behaviour style, readiness), from a versioned data file."""

    version: int
    source: str
    tips: Mapping[tuple[str, str], tuple[str, ...]]

    def for_report(self, style: str, readiness: str) -> tuple[str, ...]:
        """The tips for a report's style (``""`` = none recorded) and readiness."""
        return self.tips[(style or UNKNOWN_STYLE, readiness)]


def styles() -> tuple[str, ...]:
    """Every style the tips file must cover: the recorded styles and "unknown"."""
    return (*BehaviourStyle.values, UNKNOWN_STYLE)


def default_tips_path() -> Path:
    """The packaged version-1 tips file."""
    return Path(str(resources.files("trustledger.insights") / "data" / "coaching_tips_v1.toml"))


def parse_coaching_tips(data: Mapping[str, Any], source: str = "<coaching tips>") -> CoachingTips:
    """Validate a decoded tips file: ``version`` (a positive integer) and, for every style ×
    readiness, a table ``[style.readiness]`` with ``tips`` = 2–3 non-empty strings; nothing
    else. Raises :class:`CoachingTipsError` naming the file and the key."""

    def fail(key: str, message: str) -> CoachingTipsError:
        return CoachingTipsError(f"{source}: {key}: {message}")

    version = data.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise fail("version", f"must be a positive integer, got {version!r}")
    unknown = sorted(set(data) - {"version", *styles()})
    if unknown:
        raise fail(unknown[0], f"unknown style; expected one of {', '.join(styles())}")
    tips: dict[tuple[str, str], tuple[str, ...]] = {}
    for style in styles():
        table = data.get(style)
        if not isinstance(table, Mapping):
            raise fail(style, "missing (a table per style is required)")
        extra = sorted(set(table) - set(READINESS))
        if extra:
            raise fail(f"{style}.{extra[0]}", f"unknown readiness; expected {', '.join(READINESS)}")
        for readiness in READINESS:
            key = f"{style}.{readiness}"
            cell = table.get(readiness)
            if not isinstance(cell, Mapping):
                raise fail(key, "missing")
            if set(cell) != {"tips"}:
                raise fail(key, "must have exactly one key, tips")
            values = cell["tips"]
            if not isinstance(values, list) or not 2 <= len(values) <= 3:
                raise fail(f"{key}.tips", "must be a list of two or three tips")
            for number, tip in enumerate(values, start=1):
                if not isinstance(tip, str) or not tip.strip():
                    raise fail(f"{key}.tips[{number}]", "must be a non-empty string")
            tips[(style, readiness)] = tuple(t.strip() for t in values)
    return CoachingTips(version, source, tips)


def load_coaching_tips(path: str | Path | None = None) -> CoachingTips:
    """Load and validate a tips file (the packaged v1 when ``path`` is None)."""
    if path is None:
        return _packaged_tips()
    return _load(Path(path))


@functools.cache
def _packaged_tips() -> CoachingTips:
    return _load(default_tips_path())


def _load(source: Path) -> CoachingTips:
    try:
        with source.open("rb") as handle:
            data = tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:
        raise CoachingTipsError(f"{source}: not valid TOML: {error}") from error
    return parse_coaching_tips(data, source=str(source))


# --- the dashboard ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportReadiness:
    """One direct report: how ready they are to be coached by me, in words, and what to do."""

    person_id: uuid.UUID
    name: str
    title: str
    style: str
    style_label: str
    readiness: str
    readiness_words: str
    meaning: str
    tips: tuple[str, ...]


@dataclass(frozen=True)
class CommitmentToMyPeople:
    """An open commitment I gave to one of my direct reports."""

    id: uuid.UUID
    what: str
    requester_id: uuid.UUID
    requester_name: str
    status: str
    due_at: dt.datetime


@dataclass(frozen=True)
class TeamDashboard:
    """The manager dashboard: words and aggregates only, never a report's figures."""

    manager_id: uuid.UUID
    as_of: dt.datetime
    k: int
    reports: list[ReportReadiness]
    trend: list[profiles.TrendPoint]
    commitments: list[CommitmentToMyPeople]
    tips_version: int


def coaching_readiness(manager_id: uuid.UUID, report_ids: list[uuid.UUID]) -> list[str]:
    """Each report's readiness to be coached by the manager, from the report → manager
    relationship's overall opinion (no relationship yet: vacuous, so "building")."""
    if not report_ids:
        return []
    table = profiles.trust_table(trusters=report_ids, trustees=[manager_id])
    model = projection.evidence_model()
    projected = np.full(len(report_ids), model.base_rate)
    uncertainty = np.ones(len(report_ids))
    if len(table.truster):
        overall = table.opinions().overall
        position = {pk: i for i, pk in enumerate(report_ids)}
        rows = np.array([position[table.people[t]] for t in table.truster.tolist()])
        projected[rows] = engine.projected(overall)
        uncertainty[rows] = overall.u
    return [str(r) for r in engine.coaching_readiness(projected, uncertainty)]


def team_dashboard(actor: Actor) -> TeamDashboard:
    """My dashboard as a manager, for my direct reports today (none: an empty dashboard).
    Refused (audited) for an account that is not a person; the read is audited."""
    person = actor.person
    if person is None:
        audit.deny(actor, "team.read", "person", "", "only people have a team")
    assert person is not None
    profiles.catch_up()
    now = timezone.now()
    k = settings.ANONYMITY_K
    reports = list(org.direct_reports(person))
    ids = [r.pk for r in reports]
    tips = load_coaching_tips()
    readiness = coaching_readiness(person.pk, ids)
    styles_by_value = dict(BehaviourStyle.choices)
    rows = profiles.incoming_rows(person.pk, until=now, trusters=ids)
    trend = profiles.trend_points(rows, profiles.month_ends(now), k) if ids else []
    given = (
        Commitment.objects.filter(performer=person, requester_id__in=ids, status__in=OPEN_STATUSES)
        .select_related("requester")
        .order_by("due_at")
    )
    audit.record(actor, "team.read", "person", person.pk, detail={"reports": len(ids)})
    return TeamDashboard(
        manager_id=person.pk,
        as_of=now,
        k=k,
        reports=[
            ReportReadiness(
                person_id=report.pk,
                name=report.name,
                title=report.title,
                style=report.behaviour_style,
                style_label=styles_by_value.get(report.behaviour_style, "Not recorded"),
                readiness=ready,
                readiness_words=READINESS_WORDS[ready],
                meaning=READINESS_MEANING[ready],
                tips=tips.for_report(report.behaviour_style, ready),
            )
            for report, ready in zip(reports, readiness, strict=True)
        ],
        trend=trend,
        commitments=[
            CommitmentToMyPeople(
                id=c.pk,
                what=c.what,
                requester_id=c.requester_id,
                requester_name=c.requester.name,
                status=str(ledger.effective_status(c, now)),
                due_at=c.due_at,
            )
            for c in given
        ],
        tips_version=tips.version,
    )
