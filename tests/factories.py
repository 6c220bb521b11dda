"""Test data built through the real models (no mocks). One place for every factory."""

from __future__ import annotations

import datetime as dt
import functools
import itertools
from typing import Any

from django.contrib.auth.hashers import make_password

from trustledger.accounts.actors import Actor
from trustledger.accounts.models import Role, User
from trustledger.org.models import Person, ReportingLine, Team

_seq = itertools.count(1)
PASSWORD = "correct-horse-battery-staple"


def team(name: str | None = None, **fields: Any) -> Team:
    return Team.objects.create(name=name or f"Team {next(_seq)}", **fields)


def person(name: str | None = None, **fields: Any) -> Person:
    n = next(_seq)
    fields.setdefault("employee_id", f"E{n:06d}")
    fields.setdefault("email", f"person{n}@example.com")
    fields.setdefault("title", "Engineer")
    return Person.objects.create(name=name or f"Person {n}", **fields)


def reports_to(
    report: Person,
    manager: Person,
    since: dt.date = dt.date(2020, 1, 1),
    until: dt.date | None = None,
) -> ReportingLine:
    return ReportingLine.objects.create(
        person=report, manager=manager, valid_from=since, valid_to=until
    )


@functools.cache
def _password_hash() -> str:
    """Argon2 is slow on purpose; hash the shared test password once per run."""
    return make_password(PASSWORD)


def user(
    person: Person | None = None, role: str = Role.EMPLOYEE, username: str | None = None
) -> User:
    """A login with password :data:`PASSWORD`, linked to ``person`` (a new one if not given)."""
    if person is None and role == Role.EMPLOYEE:
        person = globals()["person"]()
    name = username or (person.email if person else f"{role}{next(_seq)}@example.com")
    account = User.objects.create_user(username=name, email=name, password=None, role=role)
    account.password = _password_hash()
    account.person = person
    account.save(update_fields=["person", "password"])
    return account


def actor(account: User, via: str = "web") -> Actor:
    return Actor.for_user(account, via=via)
