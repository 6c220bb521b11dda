"""Reading survey results in the pages: my results, a campaign's overview and CSV, a report,
printing it, and committing to an action on it."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import numpy as np
from django.test import Client
from django.utils import timezone

from tests import factories
from tests.assessments.conftest import all_answered, new_campaign
from trustledger.assessments import charts, reports, services
from trustledger.assessments.models import Campaign, CampaignAction
from trustledger.audit.models import AuditEvent

NOT_ENOUGH = "Not enough responses: results are shown only where at least 5 people answered."


def _keyed(form, value: int, reverse_value: int | None = None) -> dict[str, int | None]:
    """``value`` for every item, ``reverse_value`` for reverse-keyed ones."""
    return {
        item.id: (reverse_value if item.reverse and reverse_value is not None else value)
        for item in form.items
    }


def run_leader_campaign(people: dict[str, Any], comment: str = "Share plans earlier.") -> Campaign:
    """Lea rates herself 7 (1 on reverse items); eleven others rate her 4: a blind spot."""
    campaign = new_campaign(people["hr"], [people["lea"].pk])
    instrument = services.find_instrument("abcd-leader", 1)
    for link in services.launch(people["hr"], campaign.pk):
        if link.group == "self":
            services.respond(link.token, _keyed(instrument.form("self"), 7, 1))
        else:
            services.respond(link.token, _keyed(instrument.form("others"), 4), comment)
    services.close(people["hr"], campaign.pk)
    return campaign


def client_for(actor) -> Client:
    client = Client()
    client.force_login(actor.user)
    return client


def _report_url(campaign: Campaign) -> str:
    return f"/surveys/campaigns/{campaign.pk}/subjects/{campaign.subjects.get().pk}/"


def _text(html: str) -> str:
    """The page's words, tags dropped and spaces collapsed (for phrases across elements)."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_leader_sees_herself_beside_the_others_and_her_blind_spots(people):
    campaign = run_leader_campaign(people)

    response = client_for(people["lea_actor"]).get(_report_url(campaign))

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    html = response.content.decode()
    text = _text(html)
    assert "Your leader report" in text
    assert "Blind spots and hidden strengths" in text
    # Every dimension: self 7, the others 4 — a 3-point blind spot, in words.
    assert text.count("You rate yourself higher than the others who rated you by 3.0 points") == 5
    assert "(you 7.0; them 4.0)" in text
    # The self rating is a column beside the others', in the chart and the table behind it.
    assert '<th scope="col" class="num">You</th>' in html
    assert '<th scope="col" class="num">Everyone but you</th>' in html
    assert "<title" in html
    assert 'class="bar bar-self"' in html
    # Comments, unattributed; items with their 7-point distributions.
    assert text.count("Share plans earlier.") == 11
    assert html.count('<svg class="distribution"') == 17
    assert (
        "Answers per point: 1 (Strongly disagree): 0; 2 (Disagree): 0; "
        "3 (Slightly disagree): 0; 4 (Neither agree nor disagree): 11" in html
    )
    # Reliability: every answer 4 leaves no variance, so no alpha, and the page says why.
    assert "No estimate: too few complete answers, or everyone answered alike." in text
    assert AuditEvent.objects.filter(action="results.read", object_type="subject").exists()


def test_hr_reads_the_report_but_never_the_self_rating(people):
    campaign = run_leader_campaign(people)

    response = client_for(people["hr"]).get(_report_url(campaign))

    assert response.status_code == 200
    text = _text(response.content.decode())
    assert "Lea Leader: leader report" in text
    assert "Blind spots" not in text
    assert "You rate yourself" not in text
    assert 'class="bar bar-self"' not in response.content.decode()
    assert "7.00" not in text  # her self rating appears nowhere
    # HR reads, the subject commits: no form for HR.
    assert "Commit to an action" not in text


def test_an_employee_is_refused_the_report_the_overview_and_the_csv(people):
    campaign = run_leader_campaign(people)
    employee = client_for(people["employee"])

    for url in (
        _report_url(campaign),
        f"/surveys/campaigns/{campaign.pk}/results/",
        f"/surveys/campaigns/{campaign.pk}/results.csv",
    ):
        response = employee.get(url)
        assert response.status_code == 403, url
        assert "Share plans earlier." not in response.content.decode()
    assert AuditEvent.objects.filter(action="results.read", allowed=False).count() == 3
    # Nor is the campaign listed under their results.
    mine = employee.get("/surveys/results/")
    assert campaign.title not in _text(mine.content.decode()).split("Actions on surveys")[0]


def test_a_hidden_group_says_not_enough_responses_and_shows_no_figures(people):
    campaign = run_leader_campaign(people)

    report = client_for(people["lea_actor"]).get(_report_url(campaign)).content.decode()
    overview = client_for(people["hr"]).get(f"/surveys/campaigns/{campaign.pk}/results/")

    # The manager (one person) is below k; one of peers / direct reports is hidden too.
    manager = re.search(
        r'data-cell="subject:[^"]+:manager">(.*?)</article>', report, flags=re.S
    ).group(1)
    assert NOT_ENOUGH in manager
    assert "respondent" not in manager
    assert "<table" not in manager
    assert "cannot be worked out by subtracting" in report
    assert overview.status_code == 200
    html = overview.content.decode()
    assert html.count(NOT_ENOUGH) == 1  # Lea × manager (no organisation-wide group cuts)
    assert "Organisation benchmark" in html
    assert f'href="{_report_url(campaign)}"' in html


def test_hr_downloads_the_csv(people):
    campaign = run_leader_campaign(people)

    response = client_for(people["hr"]).get(f"/surveys/campaigns/{campaign.pk}/results.csv")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="results-autumn-2026.csv"'
    assert response["Cache-Control"] == "no-store"
    lines = response.content.decode().splitlines()
    assert lines[0].startswith("campaign,cell,label,rater_group,respondents")
    assert "Share plans earlier." not in response.content.decode()
    assert AuditEvent.objects.filter(action="results.export").count() == 1


def test_results_wait_until_the_campaign_has_ended(people):
    campaign = new_campaign(people["hr"], [people["lea"].pk])
    services.launch(people["hr"], campaign.pk)
    hr = client_for(people["hr"])

    for url in (
        f"/surveys/campaigns/{campaign.pk}/results/",
        f"/surveys/campaigns/{campaign.pk}/results.csv",
        _report_url(campaign),
    ):
        response = hr.get(url)
        assert response.status_code == 409, url
        assert "Results appear once the campaign ends" in response.content.decode()


def test_unknown_campaign_or_subject_is_not_found(people):
    campaign = run_leader_campaign(people)
    hr = client_for(people["hr"])

    other = "00000000-0000-0000-0000-000000000000"
    assert hr.get(f"/surveys/campaigns/{other}/results/").status_code == 404
    assert hr.get(f"/surveys/campaigns/{campaign.pk}/subjects/{other}/").status_code == 404


def test_my_results_lists_what_i_may_read_and_the_actions_on_surveys_i_answered(people):
    campaign = run_leader_campaign(people)
    reports.commit_to_action(
        people["lea_actor"],
        campaign.pk,
        campaign.subjects.get().pk,
        what="Share the quarterly plan before it is final",
        done_means="Draft reviewed in a team meeting",
        due_at=timezone.now() + dt.timedelta(days=30),
    )

    lea = _text(client_for(people["lea_actor"]).get("/surveys/results/").content.decode())
    rater = client_for(factories.actor(factories.user(people["peers"][0])))
    followed = _text(rater.get("/surveys/results/").content.decode())

    assert "Autumn 2026" in lea.split("Actions on surveys I answered")[1 - 1]
    assert "Survey results" in lea  # the navigation link
    assert "No results for you yet" in followed
    assert "Lea Leader · Autumn 2026" in followed
    assert "Share the quarterly plan before it is final proposed" in followed


def test_the_leader_commits_to_an_action_errors_next_to_their_fields(people):
    campaign = run_leader_campaign(people)
    lea = client_for(people["lea_actor"])
    url = _report_url(campaign) + "actions/"

    page = lea.get(_report_url(campaign)).content.decode()
    assert "Commit to an action" in page
    assert "Max Director, your manager, holds you to it" in page
    assert 'hx-post="' + url + '"' in page

    bad = lea.post(url, {"what": "", "done_means": "x", "due_at": "2001-01-01T10:00"})
    assert bad.status_code == 422
    html = bad.content.decode()
    assert re.search(
        r'id="id_what".*?class="form-errors"[^>]*>.*?This field is required', html, re.S
    )
    assert CampaignAction.objects.count() == 0

    past = lea.post(
        url, {"what": "Share plans", "done_means": "Reviewed", "due_at": "2001-01-01T10:00"}
    )
    assert past.status_code == 422
    assert re.search(r'id="id_due_at".*?class="form-errors"', past.content.decode(), re.S)

    due = timezone.localtime(timezone.now() + dt.timedelta(days=20)).strftime("%Y-%m-%dT%H:%M")
    done = lea.post(
        url,
        {
            "what": "Share the quarterly plan before it is final",
            "done_means": "Draft reviewed in a team meeting",
            "due_at": due,
            "dimension": "connected",
        },
    )
    assert done.status_code == 302
    assert done["Location"].endswith(_report_url(campaign) + "#actions")
    action = CampaignAction.objects.get()
    assert action.dimension == "connected"
    assert action.commitment.requester_id == people["max"].pk
    shown = _text(lea.get(_report_url(campaign)).content.decode())
    assert "Share the quarterly plan before it is final Connected" in shown
    assert "proposed" in shown

    # With htmx the actions section comes back alone, listing both.
    swapped = lea.post(
        url,
        {"what": "Hold monthly office hours", "done_means": "Three held", "due_at": due},
        HTTP_HX_REQUEST="true",
    )
    assert swapped.status_code == 200
    fragment = swapped.content.decode()
    assert fragment.lstrip().startswith('<section id="actions"')
    assert "Your action is recorded" in fragment
    assert "Hold monthly office hours" in fragment
    assert "The results as a whole" in fragment


def test_nobody_else_commits_on_a_leaders_results(people):
    campaign = run_leader_campaign(people)
    due = timezone.localtime(timezone.now() + dt.timedelta(days=20)).strftime("%Y-%m-%dT%H:%M")
    data = {"what": "x", "done_means": "y", "due_at": due}

    assert (
        client_for(people["hr"]).post(_report_url(campaign) + "actions/", data).status_code == 403
    )
    assert CampaignAction.objects.count() == 0


def test_the_print_layout_has_no_navigation_and_no_form(people):
    campaign = run_leader_campaign(people)
    lea = client_for(people["lea_actor"])

    page = lea.get(_report_url(campaign)).content.decode()
    printed = lea.get(_report_url(campaign) + "?print=1").content.decode()

    assert 'href="?print=1"' in page
    assert "Print / save as PDF" in page
    assert 'aria-label="Main"' not in printed
    assert "<form" not in printed
    assert "data-print" in printed
    assert "web/results.js" in printed
    assert "Blind spots and hidden strengths" in printed
    assert "confidential: includes Lea Leader" in printed


def test_a_team_report_and_its_manager_commits(people):
    lea = people["lea"]
    team = factories.team("Data")
    for i in range(6):
        factories.reports_to(factories.person(f"D{i}", team=team), lea)
    campaign = new_campaign(people["hr"], [team.pk], "team-trust-pulse")
    form = services.find_instrument("team-trust-pulse").form("team")
    for link in services.launch(people["hr"], campaign.pk):
        services.respond(link.token, all_answered(form, 6))
    services.close(people["hr"], campaign.pk)

    response = client_for(people["lea_actor"]).get(_report_url(campaign))

    assert response.status_code == 200
    text = _text(response.content.decode())
    assert "Data: team report" in text
    assert "Blind spots" not in text
    assert "Commit to an action" in text  # Lea manages the team's members
    assert "6 team members answered" in text
    overview = client_for(people["hr"]).get(f"/surveys/campaigns/{campaign.pk}/results/")
    assert "Teams (1)" in _text(overview.content.decode())


def leader_wave(
    people: dict[str, Any], colleagues: list, rng: np.random.Generator, shift: float = 0.0
) -> Campaign:
    """A wave about Lea with her manager, 5 + 15 peers and 5 + 10 direct reports (36 raters)
    answering around 4 + ``shift``; she rates herself 6."""
    campaign = new_campaign(people["hr"], [people["lea"].pk])
    subject = campaign.subjects.get()
    services.set_rater_groups(
        people["hr"],
        campaign.pk,
        subject.pk,
        {
            "self": [people["lea"].pk],
            "manager": [people["max"].pk],
            "peers": [p.pk for p in people["peers"] + colleagues[:15]],
            "direct_reports": [p.pk for p in people["reports"] + colleagues[15:25]],
        },
    )
    instrument = services.find_instrument("abcd-leader", 1)
    for link in services.launch(people["hr"], campaign.pk):
        if link.group == "self":
            services.respond(link.token, all_answered(instrument.form("self"), 6))
            continue
        base = rng.normal(4 + shift, 1.2)
        answers = {
            item.id: int(np.clip(round(base + rng.normal(0, 0.8)), 1, 7))
            for item in instrument.form("others").items
        }
        services.respond(link.token, answers, "More time for one-to-ones.")
    services.close(people["hr"], campaign.pk)
    return campaign


def test_a_large_group_gets_drivers_and_a_second_wave_a_trend(people):
    colleagues = [factories.person(f"Colleague {i}") for i in range(25)]
    rng = np.random.default_rng(3)
    leader_wave(people, colleagues, rng)
    second = leader_wave(people, colleagues, rng, shift=0.8)

    response = client_for(people["lea_actor"]).get(_report_url(second))

    html = response.content.decode()
    text = _text(html)
    assert "What drives overall trust" in text
    assert "95% bootstrap intervals" in text
    assert "Since the previous wave" in text
    assert "Compared with “Autumn 2026”" in text
    assert 'aria-labelledby="trend-t"' in html
    assert 'aria-labelledby="drivers-t"' in html
    assert "36 people answered" in text
    assert text.count("More time for one-to-ones.") >= 10


def test_a_leader_without_a_manager_chooses_who_holds_them_to_it(people):
    max_ = people["max"]
    campaign = new_campaign(people["hr"], [max_.pk])
    instrument = services.find_instrument("abcd-leader", 1)
    for link in services.launch(people["hr"], campaign.pk):
        form = instrument.form("self" if link.group == "self" else "others")
        services.respond(link.token, all_answered(form, 5))
    services.close(people["hr"], campaign.pk)
    director = client_for(factories.actor(factories.user(max_)))
    url = _report_url(campaign) + "actions/"
    due = timezone.localtime(timezone.now() + dt.timedelta(days=20)).strftime("%Y-%m-%dT%H:%M")
    data = {"what": "Publish the team's goals", "done_means": "On the wiki", "due_at": due}

    page = _text(director.get(_report_url(campaign)).content.decode())
    assert "Who holds me to it" in page
    missing = director.post(url, data)
    assert missing.status_code == 422
    assert re.search(
        r'id="id_requester".*?class="form-errors"[^>]*>.*?This field is required',
        missing.content.decode(),
        re.S,
    )
    chosen = director.post(url, {**data, "requester": str(people["lea"].pk)})
    assert chosen.status_code == 302
    assert CampaignAction.objects.get().commitment.requester_id == people["lea"].pk


def test_charts_escape_their_text_and_label_bars_in_whole_percents():
    chart = charts.comparison_chart(
        "cmp-1", "Able <b>", [("Peers & co", "others", 4.5, ""), ("<i>", "others", None, "x")], 7
    )
    svg = str(chart)
    assert "Able &lt;b&gt;" in svg
    assert "Peers &amp; co" in svg
    assert "<i>" not in svg
    assert svg.startswith('<svg viewBox="0 0 560 ')
    bar = charts.stacked_bar(0.39, 0.32, 0.29)
    assert bar is not None
    assert bar.title == "Favourable 39%, neutral 32%, unfavourable 29%"
    for shares in ([1 / 3] * 3, [0.455, 0.273, 0.272], [0.125, 0.125, 0.75]):
        assert sum(charts.whole_percents(shares)) == 100
