"""Reading survey results over the API, over real HTTP with tokens: nothing before the campaign
ends, then each reader their own cuts; the leader's report with blind spots; the CSV export;
a public action on results that the raters follow."""

from __future__ import annotations

import csv
import datetime as dt
import io
import uuid

import pytest
from django.utils import timezone

from tests import factories
from tests.assessments.conftest import new_campaign
from tests.assessments.conftest import people as people  # the fixture
from trustledger.assessments import services
from trustledger.assessments.models import Campaign


def _in(days: float) -> str:
    return (timezone.now() + dt.timedelta(days=days)).replace(microsecond=0).isoformat()


def _answers(form, value: int, reverse_value: int | None = None) -> dict[str, int | None]:
    return {
        item.id: (reverse_value if item.reverse and reverse_value is not None else value)
        for item in form.items
    }


def _live_leader_campaign(people) -> Campaign:
    """Lea assessed by her manager (1), peers (5) and direct reports (5): every link answered,
    Lea rating herself 7 and everyone else 4, with a comment."""
    campaign = new_campaign(people["hr"], [people["lea"].pk])
    instrument = services.find_instrument("abcd-leader")
    for link in services.launch(people["hr"], campaign.pk):
        if link.group == "self":
            services.respond(link.token, _answers(instrument.form("self"), 7, 1))
        else:
            services.respond(link.token, _answers(instrument.form("others"), 4), "Plan ahead.")
    return campaign


@pytest.fixture
def client_for(people, token_client):
    def make(key_or_person):
        if isinstance(key_or_person, str):
            return token_client(people[key_or_person].user)
        return token_client(factories.user(key_or_person))

    return make


def test_results_do_not_exist_before_the_campaign_ends(people, client_for):
    campaign = _live_leader_campaign(people)
    subject = campaign.subjects.get()
    hr = client_for("hr")

    assert hr.get("/results").json() == []
    for path in (
        f"/campaigns/{campaign.pk}/results",
        f"/campaigns/{campaign.pk}/results.csv",
        f"/campaigns/{campaign.pk}/subjects/{subject.pk}/report",
    ):
        response = hr.get(path)
        assert response.status_code == 409, path
        assert "results are shown once the campaign has ended" in response.json()["detail"]


def test_hr_reads_every_cut_and_hidden_cuts_carry_no_figures(people, client_for):
    campaign = _live_leader_campaign(people)
    services.close(people["hr"], campaign.pk)
    hr = client_for("hr")

    listed = hr.get("/results").json()
    assert [c["id"] for c in listed] == [str(campaign.pk)]
    assert listed[0]["anonymity_k"] == 5

    response = hr.get(f"/campaigns/{campaign.pk}/results")
    assert response.status_code == 200, response.text
    cells = {c["key"]: c for c in response.json()}
    assert cells["organisation"]["shown"]
    assert cells["organisation"]["respondents"] == 11
    assert cells["organisation"]["dimensions"][0]["mean"] == pytest.approx(4.0)
    assert cells["organisation"]["items"][0]["distribution"][3] == 11
    hidden = [c for c in cells.values() if not c["shown"]]
    assert {c["group"] for c in hidden} >= {"manager"}
    for cell in hidden:
        assert cell["respondents"] is None
        assert cell["dimensions"] == []
        assert cell["items"] == []
        assert cell["comments"] is None
        assert cell["note"]
    # Manager (1) hidden: peers and direct reports cannot both be shown.
    subject_groups = [c for c in cells.values() if c["kind"] == "subject" and c["group"]]
    assert sum(c["shown"] for c in subject_groups) == 1


def test_the_csv_export_is_text_csv_with_only_shown_figures(people, client_for):
    campaign = _live_leader_campaign(people)
    services.close(people["hr"], campaign.pk)

    response = client_for("hr").get(f"/campaigns/{campaign.pk}/results.csv")

    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    cells = {r["cell"] for r in rows}
    manager_cell = next(c for c in cells if c.endswith(":manager"))
    assert "organisation" in cells
    assert all(None not in row and None not in row.values() for row in rows)  # not ragged
    hidden = [row for row in rows if row["note"]]
    assert manager_cell in {row["cell"] for row in hidden}
    for row in hidden:
        assert "Not enough responses" in row["note"] or "worked out" in row["note"]
        assert row["respondents"] == row["mean"] == row["answers"] == ""
    assert "Plan ahead." not in response.text  # comments are not exported


def test_the_leader_gets_her_self_rating_and_blind_spots_hr_does_not(people, client_for):
    campaign = _live_leader_campaign(people)
    services.close(people["hr"], campaign.pk)
    subject = campaign.subjects.get()
    path = f"/campaigns/{campaign.pk}/subjects/{subject.pk}/report"

    mine = client_for("lea_actor").get(path)

    assert mine.status_code == 200, mine.text
    report = mine.json()
    assert report["own"] is True
    assert report["subject"]["person_id"] == str(people["lea"].pk)
    assert report["overall"]["respondents"] == 11
    assert report["overall"]["comments"] == ["Plan ahead."] * 11
    assert report["self_scores"]["able"] == 7.0
    overall_gaps = [g for g in report["gaps"] if g["group"] == ""]
    assert {g["classification"] for g in overall_gaps} == {"blind_spot"}
    assert overall_gaps[0]["gap"] == pytest.approx(3.0)
    assert report["benchmark"]["key"] == "organisation"

    theirs = client_for("hr").get(path).json()
    assert theirs["own"] is False
    assert theirs["self_scores"] is None
    assert theirs["gaps"] == []
    assert theirs["overall"]["respondents"] == 11


def test_nobody_else_reads_a_report_and_unknown_ids_are_404(people, client_for, anonymous):
    campaign = _live_leader_campaign(people)
    services.close(people["hr"], campaign.pk)
    subject = campaign.subjects.get()
    employee = client_for("employee")

    refused = employee.get(f"/campaigns/{campaign.pk}/subjects/{subject.pk}/report")
    assert refused.status_code == 403
    assert employee.get(f"/campaigns/{campaign.pk}/results").status_code == 403
    assert employee.get(f"/campaigns/{campaign.pk}/results.csv").status_code == 403
    assert employee.get("/results").json() == []
    hr = client_for("hr")
    missing = hr.get(f"/campaigns/{uuid.uuid4()}/results")
    assert missing.status_code == 404
    assert "no campaign" in missing.json()["detail"]
    missing = hr.get(f"/campaigns/{campaign.pk}/subjects/{uuid.uuid4()}/report")
    assert missing.status_code == 404
    assert anonymous.get(f"/campaigns/{campaign.pk}/results").status_code == 401


def test_the_leader_commits_to_an_action_and_the_raters_follow_it(people, client_for):
    campaign = _live_leader_campaign(people)
    services.close(people["hr"], campaign.pk)
    subject = campaign.subjects.get()
    path = f"/campaigns/{campaign.pk}/subjects/{subject.pk}/actions"
    body = {
        "what": "Share the quarterly plan before it is final",
        "done_means": "Draft reviewed in a team meeting",
        "due_at": _in(30),
        "dimension": "connected",
    }
    lea = client_for("lea_actor")

    created = lea.post(path, json=body)

    assert created.status_code == 201, created.text
    action = created.json()
    assert action["status"] == "proposed"
    assert action["dimension"] == "connected"
    rater = client_for(people["reports"][1])
    [followed] = rater.get("/surveys/follow-up").json()
    assert followed["campaign"]["id"] == str(campaign.pk)
    assert followed["subject"]["person_id"] == str(people["lea"].pk)
    assert [a["what"] for a in followed["actions"]] == [body["what"]]
    # The commitment is public: the rater opens it in the ledger.
    assert rater.get(f"/commitments/{action['commitment_id']}").status_code == 200
    report = lea.get(f"/campaigns/{campaign.pk}/subjects/{subject.pk}/report").json()
    assert [a["id"] for a in report["actions"]] == [action["id"]]

    assert rater.post(path, json=body).status_code == 403
    bad = lea.post(path, json={**body, "dimension": "kindness"})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "dimension"
    missing = lea.post(path, json={k: v for k, v in body.items() if k != "what"})
    assert missing.status_code == 422
    assert "what" in missing.text


def test_no_action_before_the_campaign_ends(people, client_for):
    campaign = _live_leader_campaign(people)
    subject = campaign.subjects.get()

    response = client_for("lea_actor").post(
        f"/campaigns/{campaign.pk}/subjects/{subject.pk}/actions",
        json={"what": "x", "done_means": "y", "due_at": _in(3)},
    )

    assert response.status_code == 409
