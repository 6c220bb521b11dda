"""An organisation around one leader, and campaign helpers, for the campaign tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from tests import factories
from trustledger.accounts.actors import Actor
from trustledger.assessments import services
from trustledger.assessments.instruments import Form
from trustledger.assessments.models import Campaign


@pytest.fixture
def people(db: None) -> dict[str, Any]:
    """Lea leads Platform (5 direct reports) and reports to Max, who also manages her five
    peers; HR and an employee have accounts."""
    platform = factories.team("Platform")
    peers_team = factories.team("Product")
    max_ = factories.person("Max Director", title="Director")
    lea = factories.person("Lea Leader", title="Engineering Manager", team=platform)
    factories.reports_to(lea, max_)
    peers = [factories.person(f"Peer {i}", team=peers_team) for i in range(5)]
    reports = [factories.person(f"Report {i}", team=platform) for i in range(5)]
    for peer in peers:
        factories.reports_to(peer, max_)
    for report in reports:
        factories.reports_to(report, lea)
    return {
        "platform": platform,
        "max": max_,
        "lea": lea,
        "peers": peers,
        "reports": reports,
        "hr": factories.actor(factories.user(None, role="hr", username="hr@example.com")),
        "lea_actor": factories.actor(factories.user(lea)),
        "employee": factories.actor(factories.user(reports[0])),
    }


def new_campaign(
    actor: Actor,
    subject_ids: list[Any],
    instrument_id: str = "abcd-leader",
    closes_in: dt.timedelta = dt.timedelta(days=14),
    opens_in: dt.timedelta = dt.timedelta(0),
    **extra: Any,
) -> Campaign:
    """A draft campaign open from now (or ``opens_in``) for ``closes_in``."""
    now = timezone.now()
    return services.create_campaign(
        actor,
        title="Autumn 2026",
        instrument_id=instrument_id,
        subject_ids=subject_ids,
        opens_at=now + opens_in - dt.timedelta(seconds=1),
        closes_at=now + closes_in,
        **extra,
    )


def all_answered(form: Form, value: int = 5) -> dict[str, int | None]:
    """Every item of ``form`` answered with ``value``."""
    return {item.id: value for item in form.items}
