"""A demo-like organisation for the page and browser tests: 150 people, 12 teams, 4 levels."""

from __future__ import annotations

import itertools

import pytest

from tests import factories
from trustledger.accounts.models import User
from trustledger.org.models import Person

FIRST = (
    "Ana Ben Chiara Dmitri Esi Farid Grace Hiroshi Ines Jamal Kavya Lars Mei Nkechi Omar "
    "Priya Quentin Rosa Sven Tariq Uma Viktor Wen Ximena Yusuf Zofia Aiko Bruno Carmen Dara"
).split()
LAST = (
    "Okafor Lindqvist Moreau Tanaka Haddad Novak Silva Kowalski Mensah Rossi Jensen Patel "
    "Ibrahim Fischer Costa Nakamura Dubois Ahmed Varga Oyelaran"
).split()
TEAMS = (
    "Platform Payments Mobile Data Security Design Support Sales Marketing Finance "
    "People Operations"
).split()
TITLES = ("Engineer", "Senior Engineer", "Analyst", "Specialist", "Designer", "Consultant")


def build_organisation() -> dict[str, object]:
    """CEO → 4 vice presidents → 16 managers → 129 people: 150 people in 12 teams."""
    # Walk first and last names at different speeds: 600 distinct, varied names.
    names = (f"{FIRST[i % 30]} {LAST[(i // 30 + i) % 20]}" for i in itertools.count())
    teams = [factories.team(name) for name in TEAMS]
    ceo = factories.person(next(names), title="Chief Executive Officer", team=teams[-1])
    vps = []
    for n in range(4):
        vp = factories.person(next(names), title="Vice President", team=teams[n * 3])
        factories.reports_to(vp, ceo)
        vps.append(vp)
    managers = []
    for n in range(16):
        team = teams[n % 12]
        manager = factories.person(next(names), title=f"{team.name} Manager", team=team)
        factories.reports_to(manager, vps[n // 4])
        managers.append(manager)
    people = []
    for n in range(129):
        manager = managers[n % 16]
        report = factories.person(next(names), title=TITLES[n % len(TITLES)], team=manager.team)
        factories.reports_to(report, manager)
        people.append(report)
    return {"ceo": ceo, "vps": vps, "managers": managers, "people": people}


@pytest.fixture
def organisation(db: None) -> dict[str, object]:
    """The 150-person organisation and a login for one of its managers."""
    built = build_organisation()
    managers: list[Person] = built["managers"]  # type: ignore[assignment]
    built["manager_user"] = factories.user(managers[0])
    return built


def login_of(user: User) -> str:
    """The e-mail a person signs in with."""
    return user.get_username()
