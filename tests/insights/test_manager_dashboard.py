"""The manager dashboard (/me/team/, GET /api/v1/me/team): coaching readiness per direct report
in words with tips for their style, the team's trust in me only over k reports, my open
commitments to my people — and never a report's figures or their trust in anyone else."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from tests import factories
from trustledger.audit.models import AuditEvent
from trustledger.insights import services
from trustledger.insights import team as coaching
from trustledger.ledger import services as ledger
from trustledger.ledger import trust_signals

from .conftest import promise


def _client(user) -> Client:
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


@pytest.fixture(autouse=True)
def _k3(settings) -> None:
    settings.ANONYMITY_K = 3


@pytest.fixture
def manager_team(people) -> dict[str, Any]:
    """Ana manages Ben (driving), Wes (analytical) and Rae (no style recorded)."""
    ana = people["ana"]
    people["ben"].behaviour_style = "driving"
    people["ben"].save()
    people["wes"].behaviour_style = "analytical"
    people["wes"].save()
    rae = factories.person("Rae Report")
    people["rae"], people["rae_user"] = rae, factories.user(rae)
    people["rae_actor"] = factories.actor(people["rae_user"])
    for report in (people["ben"], people["wes"], rae):
        factories.reports_to(report, ana)
    return people


def _ana_keeps_promises_to(people, report: str, count: int, start: dt.datetime) -> None:
    for week in range(count):
        at = start + dt.timedelta(days=7 * week)
        pk = promise(people["ana_actor"], people[f"{report}_actor"], at=at)
        ledger.take_step(people["ana_actor"], pk, "deliver", at=at + dt.timedelta(days=2))


def _ana_breaks_promises_to(people, report: str, count: int, start: dt.datetime) -> None:
    for week in range(count):
        at = start + dt.timedelta(days=7 * week)
        pk = promise(people["ana_actor"], people[f"{report}_actor"], at=at)
        ledger.take_step(people["ana_actor"], pk, "withdraw", at=at + dt.timedelta(days=2))


@pytest.fixture
def history(manager_team) -> dict[str, Any]:
    """Ben has seen Ana keep six promises; Wes has seen her break three; Rae, nothing yet."""
    start = timezone.now() - dt.timedelta(days=70)
    _ana_keeps_promises_to(manager_team, "ben", 6, start)
    _ana_breaks_promises_to(manager_team, "wes", 3, start)
    return manager_team


def _card(html: str, person) -> str:
    found = re.search(rf'<li id="report-{person.pk}">(.*?)</li>\s*</ul>\s*<p>', html, re.S)
    assert found is not None, f"no card for {person.name}"
    return found.group(1)


def test_a_manager_sees_readiness_in_words_and_tips_for_each_style(history):
    tips = coaching.load_coaching_tips()
    html = _client(history["ana_user"]).get("/me/team/").content.decode()

    ben, wes, rae = (
        _card(html, history["ben"]),
        _card(html, history["wes"]),
        _card(html, history["rae"]),
    )
    assert "Ready</span>" in ben
    assert "Style: Driving" in ben
    assert "Not yet</span>" in wes
    assert "Style: Analytical" in wes
    assert "Building</span>" in rae
    assert "Style: Not recorded" in rae
    for card, style, readiness in (
        (ben, "driving", "ready"),
        (wes, "analytical", "not_yet"),
        (rae, "", "building"),
    ):
        for tip in tips.for_report(style, readiness):
            assert tip.replace("'", "&#x27;").replace('"', "&quot;") in card

    body = _client(history["ana_user"]).get("/api/v1/me/team").json()
    readiness = {r["name"]: r["readiness"] for r in body["reports"]}
    assert readiness == {"Ben Builder": "ready", "Wes Witness": "not_yet", "Rae Report": "building"}


def test_the_dashboard_never_shows_a_reports_figures(history):
    """Readiness comes as words: neither the page nor the API carry any number about a
    report (the figure Ana could read on her own relationship page is not repeated here)."""
    ben_in_ana = services.relationship_trust(history["ben_actor"], history["ana"].pk)
    figure = f"{ben_in_ana.i_rely_on_them.overall.projected:.2f}"
    html = _client(history["ana_user"]).get("/me/team/").content.decode()
    coaching_section = html.split('id="coach-h"')[1].split("</section>")[0]
    assert figure not in coaching_section
    assert not re.search(r"\b0\.\d", coaching_section)

    body = _client(history["ana_user"]).get("/api/v1/me/team").json()
    for report in body["reports"]:
        assert set(report) == {
            "person_id",
            "name",
            "style",
            "readiness",
            "readiness_words",
            "meaning",
            "tips",
        }
        assert all(not isinstance(v, float) for v in report.values())


def test_a_manager_never_sees_a_reports_trust_in_anyone_else(history):
    """Ben trusts Tom (Tom kept a promise to him, Ben recognised him): nothing of it reaches
    Ana, from any page or API she can call."""
    tom, ben = history["tom"], history["ben"]
    pk = promise(
        history["tom_actor"], history["ben_actor"], at=timezone.now() - dt.timedelta(days=5)
    )
    ledger.take_step(history["tom_actor"], pk, "deliver", at=timezone.now() - dt.timedelta(days=3))
    signal = trust_signals.record_signal(
        history["ben_actor"], subject_id=tom.pk, kind="recognition"
    )
    ana = _client(history["ana_user"])

    page = ana.get("/me/team/").content.decode()
    api = ana.get("/api/v1/me/team").content.decode()
    for text in (page, api):
        assert tom.name not in text
        assert str(tom.pk) not in text
    assert ana.get(f"/people/{tom.pk}/trust/?with={ben.pk}").status_code == 404
    assert ana.get(f"/people/{ben.pk}/trust/?with={tom.pk}").status_code == 404
    assert ana.get(f"/api/v1/people/{tom.pk}/trust").json()["i_rely_on_them"]["explanation"] == []
    assert str(signal.pk) not in ana.get(f"/api/v1/people/{tom.pk}/signals").content.decode()
    assert ana.get(f"/api/v1/signals/{signal.pk}").status_code in (403, 404)
    assert ana.get(f"/api/v1/people/{ben.pk}/follow-through").status_code == 403


def test_team_trust_in_me_is_hidden_below_k_reports(history):
    """Two of three reports have experiences with Ana (k = 3): no month is shown; once Rae
    has one too, the current month is."""
    ana = _client(history["ana_user"])
    html = ana.get("/me/team/").content.decode()
    assert "Nothing to show over time yet" in html
    body = ana.get("/api/v1/me/team").json()
    assert len(body["trend"]) == 12
    assert all(
        not p["overall"]["shown"] and p["overall"]["projected"] is None for p in body["trend"]
    )

    _ana_keeps_promises_to(history, "rae", 1, timezone.now() - dt.timedelta(days=10))
    body = ana.get("/api/v1/me/team").json()
    last = body["trend"][-1]
    dependable = last["dimensions"][3]
    assert dependable["shown"]
    assert dependable["people"] == 3
    assert not body["trend"][0]["dimensions"][3]["shown"]  # a year ago: nobody yet
    # Wes has no evidence on Able (broken promises say nothing about ability): Able has two
    # people behind it and stays hidden, and so does the overall figure, which would
    # otherwise give Able away by subtraction.
    assert not last["dimensions"][0]["shown"]
    assert not last["overall"]["shown"]
    assert "worked out" in last["overall"]["note"]
    html = ana.get("/me/team/").content.decode()
    assert "Nothing to show over time yet" not in html
    assert 'id="team-trend-t"' in html


def test_my_open_commitments_to_my_people_are_listed(history):
    now = timezone.now()
    open_to_ben = promise(history["ana_actor"], history["ben_actor"], at=now - dt.timedelta(days=1))
    to_tom = promise(history["ana_actor"], history["tom_actor"], at=now - dt.timedelta(days=1))
    body = _client(history["ana_user"]).get("/api/v1/me/team").json()
    listed = {c["id"]: c for c in body["commitments"]}
    assert open_to_ben in listed
    assert listed[open_to_ben]["status"] == "accepted"
    assert listed[open_to_ben]["requester_name"] == "Ben Builder"
    assert to_tom not in listed  # Tom is not one of my people
    assert len(listed) == 1  # delivered and withdrawn ones are done
    html = _client(history["ana_user"]).get("/me/team/").content.decode()
    assert f'href="/commitments/{open_to_ben}/"' in html


def test_someone_without_reports_gets_an_empty_dashboard(people):
    html = _client(people["tom_user"]).get("/me/team/").content.decode()
    assert "You have no direct reports today" in html
    assert _client(people["tom_user"]).get("/api/v1/me/team").json()["reports"] == []


def test_hr_has_no_team_dashboard_and_the_refusal_is_audited(people):
    client = _client(people["hr_user"])
    assert client.get("/me/team/").status_code == 403
    assert client.get("/api/v1/me/team").status_code == 403
    assert AuditEvent.objects.filter(action="team.read", allowed=False).count() == 2


def test_reading_my_team_is_audited(manager_team):
    _client(manager_team["ana_user"]).get("/me/team/")
    entry = AuditEvent.objects.get(action="team.read", allowed=True)
    assert entry.detail == {"reports": 3}


# --- the tips file ----------------------------------------------------------------------------


def _valid() -> dict[str, Any]:
    return {
        "version": 1,
        **{
            style: {r: {"tips": ["One.", "Two."]} for r in coaching.READINESS}
            for style in coaching.styles()
        },
    }


def test_the_packaged_tips_cover_every_style_and_readiness():
    tips = coaching.load_coaching_tips()
    assert tips.version == 1
    for style in coaching.styles():
        for readiness in coaching.READINESS:
            assert 2 <= len(tips.for_report(style, readiness)) <= 3


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.pop("version"), "version: must be a positive integer"),
        (lambda d: d.pop("amiable"), "amiable: missing"),
        (lambda d: d["driving"].pop("not_yet"), "driving.not_yet: missing"),
        (lambda d: d.update(bossy={}), "bossy: unknown style"),
        (lambda d: d["driving"].update(eager={}), "driving.eager: unknown readiness"),
        (
            lambda d: d["expressive"]["ready"].update(tips=["Only one."]),
            "expressive.ready.tips: must be a list of two or three",
        ),
        (
            lambda d: d["analytical"]["building"].update(tips=["Fine.", " "]),
            "analytical.building.tips[2]: must be a non-empty string",
        ),
    ],
)
def test_a_bad_tips_file_is_refused_naming_the_key(change, message):
    data = _valid()
    change(data)
    with pytest.raises(coaching.CoachingTipsError, match=re.escape(f"tips.toml: {message}")):
        coaching.parse_coaching_tips(data, source="tips.toml")


def test_a_tips_file_that_is_not_toml_is_refused(tmp_path):
    broken = tmp_path / "tips.toml"
    broken.write_text("version = = 1\n")
    with pytest.raises(coaching.CoachingTipsError, match="not valid TOML"):
        coaching.load_coaching_tips(broken)
