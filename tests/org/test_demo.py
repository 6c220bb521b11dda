"""Someone trying trustledger loads the demo organisation and signs in with a printed login."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from trustledger.accounts.actors import Actor
from trustledger.accounts.models import Role, User
from trustledger.audit.models import AuditEvent
from trustledger.org import services
from trustledger.org.demo import DEMO_PASSWORD, DemoRefused, load_demo, plan_organisation
from trustledger.org.models import Person, ReportingLine, Team
from trustledger.org.services import ChartNode


def depth(node: ChartNode) -> int:
    return 1 + max((depth(child) for child in node.reports), default=0)


@pytest.fixture
def demo(db: None):
    return load_demo(Actor.system("cli"))


def test_the_demo_has_150_people_in_14_teams_and_a_few_customers(demo):
    assert demo.created
    assert (demo.people, demo.teams) == (150, 14)
    assert Person.objects.filter(is_external=False).count() == 150
    assert Team.objects.count() == 14
    customers = Person.objects.filter(is_external=True)
    assert 2 <= customers.count() <= 5
    assert not customers.filter(manager_lines__isnull=False).exists()


def test_the_org_chart_is_exactly_four_levels_deep_under_one_chief_executive(demo):
    chart = services.org_chart(Actor.system("cli"))
    assert len(chart) == 1
    assert chart[0].title == "Chief Executive Officer"
    assert depth(chart[0]) == 4
    current_staff = Person.objects.filter(is_external=False, leave_date__isnull=True)
    assert chart[0].size == current_staff.count()


def test_every_team_has_a_manager_among_its_members(demo):
    for team in Team.objects.all():
        members = Person.objects.filter(team=team)
        assert any(services.is_manager(member) for member in members), team.name


def test_people_have_titles_start_dates_over_years_and_spread_behaviour_styles(demo):
    staff = Person.objects.filter(is_external=False)
    assert not staff.filter(title="").exists()
    years = {day.year for day in staff.values_list("start_date", flat=True)}
    assert len(years) >= 5
    styles = set(staff.values_list("behaviour_style", flat=True))
    assert {"driving", "expressive", "amiable", "analytical"} <= styles
    assert staff.values("email").distinct().count() == 150


def test_two_people_have_left_and_are_off_the_org_chart(demo):
    leavers = Person.objects.filter(leave_date__isnull=False)
    assert leavers.count() == 2
    for leaver in leavers:
        assert services.manager_of(leaver, leaver.leave_date) is None
        assert services.manager_of(leaver, leaver.leave_date - dt.timedelta(days=1)) is not None


def test_reporting_history_includes_a_past_change_of_manager(demo):
    changed = ReportingLine.objects.filter(
        valid_to__isnull=False, person__leave_date__isnull=True
    ).select_related("person", "manager")
    assert changed.exists()
    moved = changed.first()
    assert moved is not None
    before = services.manager_of(moved.person, moved.valid_to - dt.timedelta(days=1))
    after = services.manager_of(moved.person, moved.valid_to)
    assert before == moved.manager
    assert after is not None
    assert after != before


def test_loading_the_demo_twice_changes_nothing(demo):
    counts = (Person.objects.count(), Team.objects.count(), ReportingLine.objects.count())
    again = load_demo(Actor.system("cli"))
    assert not again.created
    assert (Person.objects.count(), Team.objects.count(), ReportingLine.objects.count()) == counts
    assert again.logins == demo.logins


def test_the_same_seed_plans_the_same_organisation():
    first = [(p.name, p.email, p.team, p.manager) for p in plan_organisation(150, seed=7)]
    again = [(p.name, p.email, p.team, p.manager) for p in plan_organisation(150, seed=7)]
    other = [(p.name, p.email, p.team, p.manager) for p in plan_organisation(150, seed=8)]
    assert first == again
    assert first != other


def test_the_printed_logins_have_the_promised_roles(demo):
    logins = {login.role: login for login in demo.logins}
    assert list(logins) == ["admin", "HR", "senior manager", "manager", "employee"]
    admin = User.objects.get(username=logins["admin"].email)
    assert admin.role == Role.ADMIN
    assert admin.is_superuser
    assert admin.is_staff
    assert User.objects.get(username=logins["HR"].email).role == Role.HR
    senior = User.objects.get(username=logins["senior manager"].email).person
    manager = User.objects.get(username=logins["manager"].email).person
    employee = User.objects.get(username=logins["employee"].email).person
    assert senior is not None
    assert manager is not None
    assert employee is not None
    assert all(services.is_manager(p) for p in services.direct_reports(senior))
    assert services.manager_of(manager) == senior
    assert services.manager_of(employee) == manager
    assert not services.is_manager(employee)


def test_every_current_employee_can_sign_in_with_the_demo_password(demo, client):
    for login in demo.logins:
        assert login.password == DEMO_PASSWORD
        response = client.post("/login/", {"username": login.email, "password": login.password})
        assert response.status_code == 302, login
        assert client.session.get("_auth_user_id")
        client.logout()
    current = Person.objects.filter(is_external=False, leave_date__isnull=True)
    assert User.objects.filter(person__in=current).count() == current.count()
    assert not User.objects.filter(person__is_external=True).exists()


def test_the_demo_is_refused_in_production_mode(db, settings):
    settings.MODE = "production"
    with pytest.raises(DemoRefused, match="only for TRUSTLEDGER_MODE=demo or development"):
        load_demo(Actor.system("cli"))
    assert not Person.objects.exists()
    assert not User.objects.exists()
    assert AuditEvent.objects.filter(action="demo.load", allowed=False).exists()


def test_an_employee_cannot_load_the_demo(org):
    with pytest.raises(PermissionDenied):
        load_demo(Actor.for_user(org["ben_user"]))
    assert not Person.objects.filter(employee_id__startswith="DEMO-").exists()
