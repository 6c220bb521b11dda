"""My trust profile page (/me/trust/, GET /api/v1/me/trust-profile): a dimension appears once
k people contribute, the trend month by month, why (by kind of evidence, never by person), my
follow-through — and nobody else reads it."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import timezone

from tests import factories
from trustledger.audit.models import AuditEvent
from trustledger.insights import profiles
from trustledger.ledger import services as ledger
from trustledger.ledger import trust_signals

from .conftest import promise


def _client(user) -> Client:
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def _kept(performer, requesters, at: dt.datetime) -> None:
    for i, requester in enumerate(requesters):
        moment = at + dt.timedelta(hours=i)
        pk = promise(performer, requester, at=moment)
        ledger.take_step(performer, pk, "deliver", at=moment + dt.timedelta(days=2))


def _newcomer(name: str):
    return factories.actor(factories.user(factories.person(name)))


@pytest.fixture(autouse=True)
def _k3(settings) -> None:
    settings.ANONYMITY_K = 3


def _dependable(profile: profiles.Profile) -> profiles.DimensionProfile:
    return next(d for d in profile.dimensions if d.dimension == "dependable")


def test_dependable_appears_on_my_page_once_a_third_person_contributes(people):
    ben = people["ben_actor"]
    _kept(ben, [people["ana_actor"], people["wes_actor"]], timezone.now() - dt.timedelta(days=30))
    client = _client(people["ben_user"])

    page = client.get("/me/trust/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "My trust profile" in html
    assert "Shown once at least 3 people have worked with you on this" in html
    assert 'id="profile-table"' in html  # the table behind the chart
    assert "Why am I seeing this?" not in html  # nothing shown, so nothing to explain

    _kept(ben, [_newcomer("Tia Third")], timezone.now() - dt.timedelta(days=20))
    html = client.get("/me/trust/").content.decode()
    table = html.split('id="profile-table"')[1].split("</table>")[0]
    dependable = re.search(r"Dependable</th>(.*?)</tr>", table, re.S)
    assert dependable is not None
    cells = dependable.group(1)
    assert "Shown once" not in cells
    assert "<td>3</td>" in cells  # three people behind it
    assert "Why am I seeing this?" in html
    assert 'role="img"' in html  # the charts are images with a title for screen readers


def test_why_names_the_kinds_of_evidence_and_never_who_gave_them(people):
    ben = people["ben_actor"]
    others = [people["ana_actor"], people["wes_actor"], _newcomer("Tia Third")]
    _kept(ben, others, timezone.now() - dt.timedelta(days=30))
    for other in others[:2]:
        trust_signals.record_signal(other, subject_id=people["ben"].pk, kind="mistake_owned")

    mine = profiles.my_trust(ben)
    kinds = {e.kind for e in mine.why["dependable"]}
    assert "commitment.kept_on_time" in kinds
    believable = {e.kind: e for e in mine.why["believable"]}
    assert believable["signal.mistake_owned"].positive > 0

    html = _client(people["ben_user"]).get("/me/trust/").content.decode()
    assert "Kept a promise on time" in html
    for other in others:
        assert other.person.name not in html  # no one is named anywhere on the page


def test_the_trend_has_a_point_per_month_and_shows_a_month_only_over_k_people(people):
    ben = people["ben_actor"]
    now = timezone.now()
    # two people four months ago, a third one two months ago
    _kept(ben, [people["ana_actor"], people["wes_actor"]], now - dt.timedelta(days=125))
    _kept(ben, [_newcomer("Tia Third")], now - dt.timedelta(days=62))

    mine = profiles.my_trust(ben)
    trend = mine.trend
    assert len(trend) == 12
    assert trend[-1].label.endswith("(so far)")
    assert [p.at for p in trend] == sorted(p.at for p in trend)
    shown = [_dep(p).shown for p in trend]
    # nothing before the third person, shown from the month they contributed on
    assert shown[:8] == [False] * 8
    assert shown[-1]
    assert shown[-2]
    first = shown.index(True)
    assert all(shown[first:])
    assert trend[first].at >= now - dt.timedelta(days=62)
    # the last point is exactly the profile the projection keeps (same evidence model)
    assert _dep(trend[-1]).projected == pytest.approx(_dependable(mine.profile).projected)
    assert _dep(trend[-1]).people == 3

    body = _client(people["ben_user"]).get("/api/v1/me/trust-profile").json()
    assert len(body["trend"]) == 12
    assert body["trend"][0]["dimensions"][3]["projected"] is None
    assert body["trend"][-1]["dimensions"][3]["shown"] is True


def _dep(point: profiles.TrendPoint) -> profiles.DimensionProfile:
    return point.dimensions[3]


def test_the_trend_applies_the_per_period_cap_like_the_projection(people):
    """A flurry of praise in one week counts only up to the evidence model's weekly cap, in
    the trend as in the stored figures."""
    ben = people["ben"]
    others = [people["ana_actor"], people["wes_actor"], _newcomer("Tia Third")]
    at = timezone.now() - dt.timedelta(days=40)
    for other in others:
        for hour in range(12):
            trust_signals.record_signal(
                other,
                subject_id=ben.pk,
                kind="recognition",
                occurred_at=at + dt.timedelta(hours=hour),
            )
    mine = profiles.my_trust(people["ben_actor"])
    last = mine.trend[-1]
    for stored, rebuilt in zip(mine.profile.dimensions, last.dimensions, strict=True):
        assert stored.shown == rebuilt.shown
        if stored.shown:
            assert rebuilt.projected == pytest.approx(stored.projected, abs=1e-9)
    capped = sum(e.capped for e in mine.why["overall"])
    assert capped > 0  # the page says how much did not count


def test_my_follow_through_is_on_my_page(people):
    _kept(people["ben_actor"], [people["ana_actor"]], timezone.now() - dt.timedelta(days=10))
    promise(people["ben_actor"], people["wes_actor"], at=timezone.now() - dt.timedelta(days=1))
    html = _client(people["ben_user"]).get("/me/trust/").content.decode()
    assert re.search(r"<dt>Kept on time</dt><dd>1</dd>", html)
    assert re.search(r"<dt>Open</dt><dd>1</dd>", html)
    body = _client(people["ben_user"]).get("/api/v1/me/trust-profile").json()
    assert body["follow_through"]["as_performer"]["kept_on_time"] == 1
    assert body["assessment"] is None


def test_without_an_ended_assessment_the_page_says_so(people):
    html = _client(people["tom_user"]).get("/me/trust/").content.decode()
    assert "No assessment about you has ended yet." in html
    assert "Nothing to show over time yet" in html


@pytest.mark.parametrize("who", ["hr_user", "admin_user"])
def test_hr_and_admins_have_no_profile_to_read(people, who):
    client = _client(people[who])
    assert client.get("/me/trust/").status_code == 403
    assert client.get("/api/v1/me/trust-profile").status_code == 403
    assert AuditEvent.objects.filter(action="profile.read", allowed=False).count() == 2


def test_another_employee_only_ever_sees_their_own_profile(people):
    ben = people["ben_actor"]
    _kept(ben, [people["ana_actor"], people["wes_actor"], _newcomer("Tia")], timezone.now())
    body = _client(people["tom_user"]).get("/api/v1/me/trust-profile").json()
    assert body["person_id"] == str(people["tom"].pk)
    assert all(not d["shown"] for d in body["dimensions"])
    assert body["why"] == []
    # the only way to name someone else is the relationship page: 404 for a third party
    assert (
        _client(people["tom_user"])
        .get(f"/people/{people['ben'].pk}/trust/?with={people['ana'].pk}")
        .status_code
        == 404
    )


def test_reading_my_profile_is_audited(people):
    _client(people["ben_user"]).get("/me/trust/")
    entry = AuditEvent.objects.filter(action="profile.read", allowed=True).get()
    assert entry.object_id == str(people["ben"].pk)


def test_the_page_answers_htmx_with_the_fragment(people):
    response = _client(people["ben_user"]).get("/me/trust/", headers={"HX-Request": "true"})
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="trust-profile"')
    assert "<html" not in html


def test_my_latest_assessment_shows_blind_spots_and_survey_group_evidence(db):
    """Lea rates herself 7 everywhere; her manager, peers and reports answer 2: every ABCD
    dimension is a blind spot, the page links to the full report, and the survey's shown
    cells appear as group evidence."""
    from tests.assessments.conftest import new_campaign  # noqa: PLC0415
    from trustledger.assessments import services as surveys  # noqa: PLC0415

    max_ = factories.person("Max Director")
    lea = factories.person("Lea Leader")
    factories.reports_to(lea, max_)
    for i in range(5):
        factories.reports_to(factories.person(f"Peer {i}"), max_)
        factories.reports_to(factories.person(f"Report {i}"), lea)
    hr = factories.actor(factories.user(None, role="hr", username="hr@example.com"))
    lea_user = factories.user(lea)
    campaign = new_campaign(hr, [lea.pk])
    instrument = surveys.find_instrument("abcd-leader")
    for link in surveys.launch(hr, campaign.pk):
        own = link.group == "self"
        form = instrument.form("self" if own else "others")
        surveys.respond(link.token, {item.id: 7 if own else 2 for item in form.items})
    surveys.close(hr, campaign.pk)

    html = _client(lea_user).get("/me/trust/").content.decode()
    assert f'href="/surveys/campaigns/{campaign.pk}/subjects/' in html
    blind = html.split("<h3>Blind spots</h3>")[1].split("</div>")[0]
    assert "dependable" in blind.lower()
    assert "None." in html.split("<h3>Hidden strengths</h3>")[1].split("</div>")[0]
    survey_table = html.split('id="survey-table"')[1].split("</table>")[0]
    assert "No shown survey result" not in survey_table

    body = _client(lea_user).get("/api/v1/me/trust-profile").json()
    assert body["assessment"]["campaign_id"] == str(campaign.pk)
    assert body["assessment"]["rated_myself"] is True
    assert len(body["assessment"]["blind_spots"]) >= 4
    assert all(s["shown"] and s["raters"] >= 10 for s in body["survey"])
    assert all(s["projected"] < 0.5 for s in body["survey"])


def test_a_retracted_signal_leaves_the_profile_the_trend_and_the_why(people):
    others = [people["ana_actor"], people["wes_actor"], _newcomer("Tia Third")]
    signals = [
        trust_signals.record_signal(other, subject_id=people["ben"].pk, kind="mistake_owned")
        for other in others
    ]
    believable = profiles.my_trust(people["ben_actor"]).trend[-1].dimensions[1]
    assert believable.shown
    assert believable.people == 3

    trust_signals.retract_signal(others[0], signals[0].pk, reason="recorded by mistake")
    mine = profiles.my_trust(people["ben_actor"])
    assert not mine.profile.dimensions[1].shown
    assert not mine.trend[-1].dimensions[1].shown
    assert "believable" not in mine.why
