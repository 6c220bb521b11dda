"""Two people who make promises to each other, a witness, a third party, HR and an admin."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from tests import factories
from trustledger.accounts.actors import Actor
from trustledger.ledger import services as ledger


@pytest.fixture
def people(db: None) -> dict[str, Any]:
    team = factories.team("Delivery")
    result: dict[str, Any] = {}
    for key, name in (("ana", "Ana Lead"), ("ben", "Ben Builder"), ("wes", "Wes Witness")):
        person = factories.person(name, team=team)
        account = factories.user(person)
        result[key], result[f"{key}_user"] = person, account
        result[f"{key}_actor"] = factories.actor(account)
    tom = factories.person("Tom Third")
    result["tom"], result["tom_user"] = tom, factories.user(tom)
    result["tom_actor"] = factories.actor(result["tom_user"])
    result["hr_user"] = factories.user(None, role="hr", username="hr@example.com")
    result["admin_user"] = factories.user(None, role="admin", username="admin@example.com")
    return result


def start() -> dt.datetime:
    """A moment far enough back that a history of steps fits before now."""
    return (timezone.now() - dt.timedelta(days=60)).replace(microsecond=0)


def promise(
    performer: Actor,
    requester: Actor,
    *,
    at: dt.datetime,
    due_in_days: float = 7,
    stakes: str = "routine",
    witnesses: tuple[Any, ...] = (),
) -> str:
    """``requester`` asks, ``performer`` accepts an hour later; returns the commitment id."""
    assert performer.person is not None
    assert requester.person is not None
    commitment = ledger.propose(
        requester,
        performer_id=performer.person.pk,
        requester_id=requester.person.pk,
        what="Ship the report",
        done_means="It is in the shared folder",
        due_at=at + dt.timedelta(days=due_in_days),
        stakes=stakes,
        witness_ids=[w.pk for w in witnesses],
        at=at,
    )
    ledger.take_step(performer, commitment.pk, "accept", at=at + dt.timedelta(hours=1))
    return str(commitment.pk)
