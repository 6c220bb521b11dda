"""HR runs a campaign from the pages: create, edit raters, launch (links shown once), close."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from tests.assessments.conftest import new_campaign
from trustledger.assessments import services
from trustledger.assessments.models import (
    Campaign,
    CampaignStatus,
    CampaignSubject,
    Invitation,
    Rater,
)
from trustledger.audit.models import AuditEvent
from trustledger.org.models import Person

LINK = re.compile(r"/survey/([A-Za-z0-9_-]{43})/")


@pytest.fixture
def hr(people: dict[str, Any]) -> Client:
    client = Client()
    client.force_login(people["hr"].user)
    return client


@pytest.fixture
def employee(people: dict[str, Any]) -> Client:
    client = Client()
    client.force_login(people["employee"].user)
    return client


def _moment(delta: dt.timedelta) -> str:
    return timezone.localtime(timezone.now() + delta).strftime("%Y-%m-%dT%H:%M")


def _new_campaign_data(**changes: Any) -> dict[str, Any]:
    data = {
        "title": "Leaders, autumn",
        "instrument": "abcd-leader",
        "subjects": [],
        "opens_at": _moment(dt.timedelta(minutes=-1)),
        "closes_at": _moment(dt.timedelta(days=14)),
        "anonymity_k": "5",
    }
    data.update(changes)
    return data


def _raters(campaign: Campaign, group: str) -> set[str]:
    rows = Rater.objects.filter(subject__campaign=campaign, group=group)
    return set(rows.values_list("person__name", flat=True))


def test_hr_creates_a_campaign_edits_raters_launches_sees_links_once_and_closes(
    hr, people, settings
):
    settings.WEBHOOK_URL = ""
    lea = people["lea"]
    form = hr.get("/surveys/campaigns/new/")
    assert form.status_code == 200
    assert "cannot go below 3" in form.content.decode()
    picker = hr.get(
        "/surveys/campaigns/new/subjects/",
        {"instrument": "abcd-leader", "q": "Lea"},
        headers={"HX-Request": "true"},
    )
    assert "Lea Leader" in picker.content.decode()

    created = hr.post("/surveys/campaigns/new/", _new_campaign_data(subjects=[str(lea.pk)]))
    assert created.status_code == 302
    campaign = Campaign.objects.get()
    assert created["Location"] == f"/surveys/campaigns/{campaign.pk}/"
    assert campaign.status == CampaignStatus.DRAFT
    assert campaign.anonymity_k == 5
    subject = CampaignSubject.objects.get(campaign=campaign)

    page = hr.get(created["Location"]).content.decode()
    assert "Peer 0" in page
    assert "Report 4" in page
    assert "Launch…" in page

    raters_url = f"/surveys/campaigns/{campaign.pk}/subjects/{subject.pk}/raters/"
    search = hr.get(
        f"/surveys/campaigns/{campaign.pk}/subjects/{subject.pk}/people/",
        {"q": "Director"},
        headers={"HX-Request": "true"},
    )
    assert "Add Max Director" in search.content.decode()
    removed = hr.post(
        raters_url,
        {"action": "remove", "person": str(people["peers"][0].pk)},
        headers={"HX-Request": "true"},
    )
    assert removed.status_code == 200
    assert "Peer 0" not in removed.content.decode()
    assert "Peer 0" not in _raters(campaign, "peers")
    added = hr.post(
        raters_url, {"action": "add", "group": "peers", "person": str(people["peers"][0].pk)}
    )
    assert added.status_code == 302  # without htmx: back to the page
    assert "Peer 0" in _raters(campaign, "peers")

    # Peer 0 has no e-mail address: theirs is the one link HR hands over.
    Person.objects.filter(pk=people["peers"][0].pk).update(email="")
    confirm = hr.get(f"/surveys/campaigns/{campaign.pk}/launch/")
    assert "12 invitations" in confirm.content.decode()
    launched = hr.post(f"/surveys/campaigns/{campaign.pk}/launch/")
    assert launched.status_code == 200
    assert launched["Cache-Control"] == "no-store"
    body = launched.content.decode()
    tokens = LINK.findall(body)
    assert len(tokens) == 1
    assert "Link for Peer 0 about Lea Leader" in body
    assert "11 links were sent to the raters by e-mail" in body
    assert "Copy them now, they are not shown again" in body
    assert Invitation.objects.filter(campaign=campaign).count() == 12
    assert not any(token in str(dict(hr.session)) for token in tokens)
    assert services.invitation_for_token(tokens[0]).person == people["peers"][0]

    detail = hr.get(f"/surveys/campaigns/{campaign.pk}/").content.decode()
    assert not any(token in detail for token in tokens)  # never shown again
    assert "Progress" in detail
    assert "Close the campaign now" in detail
    again = hr.post(f"/surveys/campaigns/{campaign.pk}/launch/")
    assert again.status_code == 400
    assert "already been launched" in again.content.decode()
    assert not LINK.search(again.content.decode())

    late = hr.post(raters_url, {"action": "remove", "person": str(people["max"].pk)}, follow=True)
    assert "rater groups can only be changed before the campaign launches" in (
        late.content.decode()
    )
    assert "Max Director" in _raters(campaign, "manager")

    listing = hr.get("/surveys/campaigns/").content.decode()
    assert "Leaders, autumn" in listing
    assert "ABCD leader assessment" in listing

    closed = hr.post(f"/surveys/campaigns/{campaign.pk}/close/", follow=True)
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.CLOSED
    page = closed.content.decode()
    assert "Campaign closed" in page
    assert f"/surveys/campaigns/{campaign.pk}/results/" in page


def test_progress_rows_hidden_by_anonymity_say_why_in_words(hr, people):
    campaign = new_campaign(people["hr"], [people["lea"].pk])
    services.launch(people["hr"], campaign.pk)

    page = hr.get(f"/surveys/campaigns/{campaign.pk}/").content.decode()

    # Lea's self and manager groups have one invitation each (k = 5).
    assert "Not shown: fewer than 5 invitations." in page
    assert "Whole campaign" in page


def test_choosing_subjects_works_without_javascript(hr, people):
    searched = hr.post(
        "/surveys/campaigns/new/",
        _new_campaign_data(subjects=[str(people["max"].pk)], q="Lea", search="1"),
    )
    assert searched.status_code == 200
    page = searched.content.decode()
    max_id, lea_id = people["max"].pk, people["lea"].pk
    assert re.search(rf'name="subjects" value="{max_id}"[^>]*checked', page)
    assert re.search(rf'name="subjects" value="{lea_id}" id="match-', page)
    assert 'id="error-' not in page  # a search is not a submission
    assert not Campaign.objects.exists()


def test_a_team_survey_picks_teams_not_people(hr, people):
    picker = hr.get(
        "/surveys/campaigns/new/subjects/",
        {"instrument": "team-trust-pulse", "q": "plat", "subjects": [str(people["lea"].pk)]},
    ).content.decode()
    assert "Platform" in picker
    assert "Lea Leader" not in picker  # a person is dropped when the survey is about teams
    created = hr.post(
        "/surveys/campaigns/new/",
        _new_campaign_data(instrument="team-trust-pulse", subjects=[str(people["platform"].pk)]),
    )
    assert created.status_code == 302
    assert _raters(Campaign.objects.get(), "team") == {"Lea Leader"} | {
        f"Report {i}" for i in range(5)
    }


def test_bad_input_is_refused_with_errors_naming_the_field(hr, people):
    refused = hr.post(
        "/surveys/campaigns/new/",
        _new_campaign_data(
            title="",
            anonymity_k="2",
            closes_at=_moment(dt.timedelta(days=-2)),
            opens_at=_moment(dt.timedelta(days=-1)),
        ),
    )
    assert refused.status_code == 400
    page = refused.content.decode()
    assert re.search(r'id="error-title"><strong>Title:</strong>', page)
    assert re.search(r'id="error-anonymity_k"><strong>Anonymity threshold \(k\):</strong>', page)
    assert re.search(r'id="error-subjects"><strong>Subjects:</strong> choose at least one', page)
    assert not Campaign.objects.exists()

    # The service's own checks land on the field too.
    refused = hr.post(
        "/surveys/campaigns/new/",
        _new_campaign_data(
            subjects=[str(people["lea"].pk)],
            opens_at=_moment(dt.timedelta(days=-2)),
            closes_at=_moment(dt.timedelta(days=-1)),
        ),
    )
    assert refused.status_code == 400
    assert re.search(
        r'id="error-closes_at"><strong>Closes:</strong> the closing time has already passed',
        refused.content.decode(),
    )

    campaign = new_campaign(people["hr"], [people["lea"].pk])
    subject = CampaignSubject.objects.get(campaign=campaign)
    url = f"/surveys/campaigns/{campaign.pk}/subjects/{subject.pk}/raters/"
    twice = hr.post(
        url,
        {"action": "add", "group": "peers", "person": str(people["reports"][0].pk)},
        headers={"HX-Request": "true"},
    )
    assert twice.status_code == 200  # htmx swaps 2xx only: the card comes back with the error
    assert re.search(
        r'id="error-person-[^"]+"><strong>Person:</strong> a person can be in one rater group',
        twice.content.decode(),
    )
    not_self = hr.post(
        url, {"action": "add", "group": "self", "person": str(people["reports"][1].pk)}
    )
    assert not_self.status_code == 400
    assert "<strong>Rater group:</strong> only the subject rates themself" in (
        not_self.content.decode()
    )
    no_person = hr.post(url, {"action": "add", "group": "peers", "person": "nobody"})
    assert "<strong>Person:</strong> choose a person from the search results" in (
        no_person.content.decode()
    )
    assert _raters(campaign, "peers") == {f"Peer {i}" for i in range(5)}


def test_an_employee_gets_403_on_every_page_and_the_refusal_is_audited(employee, people):
    campaign = new_campaign(people["hr"], [people["lea"].pk])
    subject = CampaignSubject.objects.get(campaign=campaign)
    base = f"/surveys/campaigns/{campaign.pk}/"
    for url in ("/surveys/campaigns/", "/surveys/campaigns/new/", base, base + "launch/"):
        assert employee.get(url).status_code == 403, url
    assert employee.get("/surveys/campaigns/new/subjects/?q=a").status_code == 403
    assert employee.post(base + "launch/").status_code == 403
    assert employee.post(base + "close/").status_code == 403
    removed = employee.post(
        f"{base}subjects/{subject.pk}/raters/",
        {"action": "remove", "person": str(people["max"].pk)},
    )
    assert removed.status_code == 403
    assert "Max Director" in _raters(campaign, "manager")
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.DRAFT
    assert AuditEvent.objects.filter(allowed=False, action__startswith="campaign.").count() >= 7
    assert "Surveys" not in employee.get("/me/").content.decode()


def test_the_navigation_shows_surveys_to_hr(hr):
    page = hr.get("/surveys/campaigns/").content.decode()
    assert re.search(r'<a href="/surveys/campaigns/" aria-current="page">Surveys</a>', page)
