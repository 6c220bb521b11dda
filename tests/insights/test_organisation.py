"""Organisation analytics for HR: team figures only over k people and never differencable,
trickle-down flags the subtree built to show it, retention curves per trust level, CSV export
of the same figures, and a snapshot kept current that equals a fresh rebuild."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import numpy as np
import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.utils import timezone

from tests import factories
from trustledger.accounts.actors import Actor
from trustledger.audit.models import AuditEvent
from trustledger.insights import organisation
from trustledger.insights.models import SnapshotKind, TeamSnapshot
from trustledger.ledger import services as ledger
from trustledger.org import services as org

from .conftest import promise, start


@pytest.fixture(autouse=True)
def _k_of_three(settings: Any) -> None:
    settings.ANONYMITY_K = 3


def _actor(person: Any) -> Actor:
    return factories.actor(factories.user(person))


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def _kept(performer: Actor, requester: Actor, at: dt.datetime, capture: Any) -> None:
    """``performer`` keeps a promise to ``requester``: requester's trust in performer grows."""
    with capture(execute=True):
        pk = promise(performer, requester, at=at)
        ledger.take_step(performer, pk, "deliver", at=at + dt.timedelta(days=1))


def _broken(performer: Actor, requester: Actor, at: dt.datetime, capture: Any) -> None:
    """``performer`` withdraws from a promise to ``requester``: a broken promise."""
    with capture(execute=True):
        pk = promise(performer, requester, at=at, stakes="significant")
        ledger.take_step(performer, pk, "withdraw", at=at + dt.timedelta(days=1))


def _system() -> Actor:
    return Actor.system(via="test")


@pytest.fixture
def hr() -> Actor:
    return factories.actor(factories.user(None, role="hr", username="hr-org@example.com"))


@pytest.fixture
def teams(db: None, django_capture_on_commit_callbacks: Any) -> dict[str, Any]:
    """Alpha (4 members trusted), Beta (3), Gamma (2): every member kept a promise to Rita,
    who is in no team (so she has no incoming evidence)."""
    rita = _actor(factories.person("Rita Requester"))
    result: dict[str, Any] = {"rita": rita}
    t = start()
    for name, size in (("Alpha", 4), ("Beta", 3), ("Gamma", 2)):
        team = factories.team(name)
        members = [_actor(factories.person(f"{name} {i}", team=team)) for i in range(size)]
        for i, member in enumerate(members):
            _kept(member, rita, t + dt.timedelta(hours=i), django_capture_on_commit_callbacks)
        result[name] = team
        result[f"{name}_members"] = members
    return result


def _by_name(insights: organisation.OrganisationInsights) -> dict[str, Any]:
    assert insights.teams is not None
    return {figures.name: figures for figures in insights.teams.object_list}


def test_hr_sees_team_figures_only_over_k_and_never_a_differencable_remainder(teams, hr):
    organisation.rebuild(_system())

    insights = organisation.organisation_insights(hr)

    assert insights.ready
    assert insights.organisation is not None
    overall = insights.organisation.cells[-1]
    assert overall.shown
    assert overall.people == 9
    shown = _by_name(insights)
    alpha = shown["Alpha"]
    # Keeping a promise is evidence on Able, Believable and Dependable (not Connected).
    assert [c.shown for c in alpha.cells] == [True, True, False, True, True]
    assert alpha.cells[2].note == "no evidence yet"
    assert alpha.cells[-1].people == 4
    assert alpha.cells[-1].projected > 0.5
    assert alpha.cells[-1].certainty
    assert alpha.rates.shown
    assert alpha.rates.kept_rate == 1.0
    assert alpha.rates.broken_rate == 0
    gamma = shown["Gamma"]
    assert not any(c.shown for c in gamma.cells)
    assert gamma.cells[-1].projected is None
    assert gamma.cells[-1].people is None
    assert gamma.cells[-1].note == "fewer than 3 people"
    # Organisation (9) − Alpha (4) − Beta (3) would be Gamma's 2: Beta is hidden to protect them.
    beta = shown["Beta"]
    assert not beta.cells[-1].shown
    assert beta.cells[-1].projected is None
    assert "cannot single out fewer than 3" in beta.cells[-1].note
    assert not beta.rates.shown
    assert beta.rates.kept_rate is None
    assert insights.hidden_teams == 2
    assert AuditEvent.objects.filter(action=organisation.ACTION, allowed=True).exists()


def test_a_manager_or_an_employee_is_refused_and_the_refusal_is_audited(teams):
    boss = factories.person("Bo Boss")
    for member in teams["Alpha_members"]:
        factories.reports_to(member.person, boss)
    for who in (_actor(boss), teams["Alpha_members"][0]):
        with pytest.raises(PermissionDenied):
            organisation.organisation_insights(who)
        with pytest.raises(PermissionDenied):
            organisation.export_csv(who)
    refused = AuditEvent.objects.filter(action=organisation.ACTION, allowed=False)
    assert refused.count() == 2
    page = _client(teams["Alpha_members"][0].user).get("/insights/organisation/")
    assert page.status_code == 403
    assert _client(teams["Alpha_members"][0].user).get(
        "/insights/organisation.csv"
    ).status_code == (403)


def test_the_page_shows_the_heatmap_with_a_table_and_says_why_a_team_is_hidden(teams, hr):
    organisation.rebuild(_system())
    assert hr.user is not None
    client = _client(hr.user)

    page = client.get("/insights/organisation/")

    assert page.status_code == 200
    html = page.content.decode()
    assert "<svg" in html
    assert "Trust in team members by dimension" in html
    assert "Alpha" in html
    assert "Gamma" in html
    assert "fewer than 3 people" in html
    assert "cannot single out fewer than 3" in html
    assert 'href="/insights/organisation.csv"' in html
    partial = client.get("/insights/organisation/?page=1", headers={"HX-Request": "true"})
    assert partial.status_code == 200
    assert "<html" not in partial.content.decode()
    assert "Alpha" in partial.content.decode()


def test_the_csv_has_only_the_figures_that_are_shown(teams, hr):
    organisation.rebuild(_system())

    text = organisation.export_csv(hr)

    rows = list(csv.DictReader(io.StringIO(text)))
    trust = {(r["cut"], r["measure"]): r for r in rows if r["section"] == "trust"}
    assert trust[("Alpha", "overall")]["value"] != ""
    assert trust[("Alpha", "overall")]["people"] == "4"
    for team in ("Beta", "Gamma"):
        for measure in organisation.MEASURES:
            row = trust[(team, measure)]
            assert row["value"] == row["people"] == row["uncertainty"] == ""
            assert row["note"]
    rates = {(r["cut"], r["measure"]): r for r in rows if r["section"] == "follow_through"}
    assert rates[("Alpha", "kept_rate")]["value"] == "1.0000"
    assert rates[("Beta", "kept_rate")]["value"] == ""
    assert AuditEvent.objects.filter(action="organisation_insights.export").exists()


def test_incremental_snapshot_equals_a_fresh_rebuild_after_new_events(
    teams, hr, django_capture_on_commit_callbacks
):
    organisation.rebuild(_system())
    beta_before = _by_name(organisation.organisation_insights(hr))["Beta"]
    assert not beta_before.cells[-1].shown
    # A third Gamma member earns trust, a Beta member breaks a promise: the projection keeps
    # the touched teams' rows (and the anonymity decision) current.
    gamma3 = _actor(factories.person("Gamma 3", team=teams["Gamma"]))
    later = start() + dt.timedelta(days=5)
    _kept(gamma3, teams["rita"], later, django_capture_on_commit_callbacks)
    _broken(teams["Beta_members"][0], teams["rita"], later, django_capture_on_commit_callbacks)

    incremental = _rows()
    organisation.rebuild(_system())
    rebuilt = _rows()

    assert incremental.keys() == rebuilt.keys()
    for key, row in rebuilt.items():
        other = incremental[key]
        assert other["shown"] == row["shown"], key
        assert other["reasons"] == row["reasons"], key
        for name in ("members", "people", "performers", "broken", "kept_on_time", "rates_shown"):
            assert other[name] == row[name], (key, name)
        np.testing.assert_allclose(
            other["positive"], row["positive"], rtol=1e-7, atol=1e-12, err_msg=str(key)
        )
        np.testing.assert_allclose(other["negative"], row["negative"], rtol=1e-7, atol=1e-12)
    shown = _by_name(organisation.organisation_insights(hr))
    assert shown["Beta"].cells[-1].shown
    assert shown["Gamma"].cells[-1].shown
    assert shown["Beta"].rates.broken_rate == pytest.approx(1 / 4)


def _rows() -> dict[tuple[str, str], dict[str, Any]]:
    """Every snapshot row, its evidence aged to one common moment."""
    moment = timezone.now() + dt.timedelta(days=1)
    rows = list(TeamSnapshot.objects.all())
    aged = organisation._age(rows, moment)
    result = {}
    for row in rows:
        values = {
            name: getattr(row, name)
            for name in (
                "shown",
                "reasons",
                "members",
                "people",
                "performers",
                "broken",
                "kept_on_time",
                "rates_shown",
            )
        }
        values["positive"], values["negative"] = aged[id(row)]
        result[(row.kind, str(row.team_id))] = values
    return result


# --- trickle-down ------------------------------------------------------------------------


def _manager_with_reports(
    name: str, over: Any, reports: int, *, kept: bool, capture: Any, at: dt.datetime
) -> Actor:
    """A manager under ``over`` with ``reports`` reports who each experienced the manager
    keep (or break) a promise to them."""
    manager = factories.person(name, title="Engineering manager")
    if over is not None:
        factories.reports_to(manager, over)
    boss = _actor(manager)
    for i in range(reports):
        report = factories.person(f"{name} report {i}")
        factories.reports_to(report, manager)
        (_kept if kept else _broken)(boss, _actor(report), at + dt.timedelta(hours=i), capture)
    return boss


def test_trickle_down_flags_the_subtree_where_distrust_starts_at_the_top(
    db, hr, django_capture_on_commit_callbacks
):
    at = start()
    cap = django_capture_on_commit_callbacks
    top = factories.person("Tess Top", title="Chief executive")
    for i in range(9):
        _manager_with_reports(f"Trusted {i}", top, 3, kept=True, capture=cap, at=at)
    vp = _manager_with_reports("Vic VP", top, 0, kept=False, capture=cap, at=at)
    for i in range(3):
        manager = _manager_with_reports(
            f"Under Vic {i}", vp.person, 3, kept=False, capture=cap, at=at
        )
        _broken(vp, manager, at + dt.timedelta(days=1, hours=i), cap)

    organisation.rebuild(_system())
    trickle = organisation.organisation_insights(hr).trickle_down

    assert [f["leader"] for f in trickle["flags"]] == ["Vic VP"]
    flag = trickle["flags"][0]
    assert flag["title"] == "Engineering manager"
    assert flag["managers_below"] == 3
    assert flag["distrusted_below"] == 3
    assert flag["trust_in_leader"] < 0.5
    assert flag["reports_with_evidence"] == 3
    assert flag["base_rate"] == pytest.approx(4 / 13)
    assert flag["p_value"] < 0.05
    assert flag["people_under"] == 3 + 3 * 3
    page = _client(hr.user).get("/insights/organisation/").content.decode()
    assert "The organisation under Vic VP" in page


def test_retention_shows_survival_per_trust_in_manager_level(
    db, hr, django_capture_on_commit_callbacks
):
    at = start()
    cap = django_capture_on_commit_callbacks
    began = timezone.localdate() - dt.timedelta(days=400)
    left = timezone.localdate() - dt.timedelta(days=10)
    groups = {}
    for name, kept in (("Kim Kind", True), ("Len Late", False)):
        manager = factories.person(name, start_date=began)
        boss = _actor(manager)
        members = []
        for i in range(5):
            report = factories.person(f"{name} report {i}", start_date=began)
            factories.reports_to(report, manager)
            colleague = _actor(report)
            for n in range(3):  # enough evidence to be past "little evidence"
                when = at + dt.timedelta(days=n, hours=i)
                (_kept if kept else _broken)(boss, colleague, when, cap)
            members.append(report)
        groups[name] = members
    for report in groups["Len Late"][:3]:  # three of the distrusted manager's reports leave
        org.update_person(_system(), report.pk, leave_date=left)

    organisation.rebuild(_system())
    retention = organisation.organisation_insights(hr).retention

    by_level = {g["level"]: g for g in retention["groups"]}
    assert by_level["high"]["shown"]
    assert by_level["high"]["people"] == 5
    assert by_level["low"]["shown"]
    assert by_level["low"]["people"] == 5
    assert by_level["low"]["left"] == 3
    assert by_level["high"]["left"] == 0
    assert not by_level["medium"]["shown"]
    assert by_level["medium"]["people"] is None
    assert by_level["low"]["points"][-1]["survival"] == pytest.approx(0.4)
    assert by_level["high"]["points"][-1]["survival"] == 1.0
    assert all(p["days"] % organisation.SURVIVAL_STEP_DAYS == 0 for p in by_level["low"]["points"])
    assert retention["logrank_p"] is not None
    assert retention["logrank_p"] < 0.1
    page = _client(hr.user).get("/insights/organisation/").content.decode()
    assert "Low trust in manager" in page
    assert "Still here after" in page


def test_the_api_gives_hr_the_same_aggregates_and_refuses_anyone_else(teams, hr):
    organisation.rebuild(_system())
    assert hr.user is not None

    answer = _client(hr.user).get("/api/v1/insights/organisation")

    assert answer.status_code == 200
    body = answer.json()
    assert body["ready"]
    assert body["k"] == 3
    assert body["organisation"]["cells"][-1]["people"] == 9
    teams_by_name = {t["name"]: t for t in body["teams"]}
    assert teams_by_name["Alpha"]["cells"][-1]["shown"]
    assert teams_by_name["Gamma"]["cells"][-1]["projected"] is None
    assert teams_by_name["Beta"]["rates"]["kept_rate"] is None
    exported = _client(hr.user).get("/api/v1/insights/organisation.csv")
    assert exported.status_code == 200
    assert exported["Content-Type"].startswith("text/csv")
    employee = teams["Alpha_members"][0].user
    assert _client(employee).get("/api/v1/insights/organisation").status_code == 403
    assert _client(employee).get("/api/v1/insights/organisation.csv").status_code == 403


def test_before_the_first_rebuild_the_page_says_how_to_build_it(db, hr):
    page = _client(hr.user).get("/insights/organisation/")

    assert page.status_code == 200
    assert "trustledger compute" in page.content.decode()


def test_trustledger_compute_rebuilds_the_snapshot_and_so_does_the_daily_task(teams, hr):
    from typer.testing import CliRunner

    from trustledger import cli
    from trustledger.insights import tasks
    from trustledger.insights.models import OrgSnapshot

    result = CliRunner().invoke(cli.app, ["compute"])

    assert result.exit_code == 0, result.output
    assert "Organisation analytics: 3 teams" in result.output
    assert OrgSnapshot.objects.count() == 1
    assert TeamSnapshot.objects.filter(kind=SnapshotKind.ORGANISATION).count() == 1
    tasks.rebuild_organisation.call()
    assert OrgSnapshot.objects.count() == 2
    assert TeamSnapshot.objects.filter(kind=SnapshotKind.TEAM).count() == 3
    with pytest.raises(PermissionDenied):
        organisation.rebuild(hr)
