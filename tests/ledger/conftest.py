"""Fixtures for ledger tests: two parties, a witness, a third party, all with accounts."""

from __future__ import annotations

import datetime as dt

import pytest

from tests import factories

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def parties(db: None) -> dict[str, object]:
    team = factories.team("Delivery")
    other_team = factories.team("Elsewhere")
    people = {
        "pat": factories.person("Pat Performer", team=team),
        "rey": factories.person("Rey Requester", team=team),
        "wes": factories.person("Wes Witness", team=other_team),
        "tom": factories.person("Tom Third", team=other_team),
    }
    result: dict[str, object] = dict(people)
    for key, person in people.items():
        result[f"{key}_actor"] = factories.actor(factories.user(person))
    result["hr_actor"] = factories.actor(factories.user(None, role="hr", username="hr@x.example"))
    result["team"] = team
    return result
