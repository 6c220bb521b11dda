"""A campaign ends; its results are decided once, and each reader sees only their cuts."""

from __future__ import annotations

import numpy as np
import pytest
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, transaction

from tests import factories
from tests.assessments.conftest import all_answered, new_campaign
from trustledger import engine
from trustledger.assessments import reports, services
from trustledger.assessments.models import ResultCell
from trustledger.assessments.results import ResultsNotReady


def _instrument():
    return services.find_instrument("abcd-leader", 1)


def _keyed(form, value: int, reverse_value: int | None = None) -> dict[str, int | None]:
    """Answer ``value`` to every item, ``reverse_value`` to reverse-keyed ones."""
    return {
        item.id: (reverse_value if item.reverse and reverse_value is not None else value)
        for item in form.items
    }


def _run_leader_campaign(people, others_value=4, comment="Share plans earlier."):
    campaign = new_campaign(people["hr"], [people["lea"].pk])
    links = services.launch(people["hr"], campaign.pk)
    instrument = _instrument()
    for link in links:
        if link.group == "self":
            services.respond(link.token, _keyed(instrument.form("self"), 7, 1))
        else:
            services.respond(link.token, _keyed(instrument.form("others"), others_value), comment)
    return campaign


def test_results_wait_until_the_campaign_has_ended(people):
    campaign = new_campaign(people["hr"], [people["lea"].pk])
    services.launch(people["hr"], campaign.pk)
    with pytest.raises(ResultsNotReady, match="once the campaign has ended"):
        reports.overview(people["hr"], campaign.pk)


def test_the_leader_sees_her_report_with_blind_spots_and_small_groups_hidden(people):
    campaign = _run_leader_campaign(people)
    services.close(people["hr"], campaign.pk)
    subject = campaign.subjects.get()

    report = reports.report(people["lea_actor"], campaign.pk, subject.pk)

    assert report.own
    assert report.overall.shown
    assert report.overall.respondents == 11
    by_group = {cell.group: cell for cell in report.groups}
    assert not by_group["manager"].shown
    assert "Not enough responses" in by_group["manager"].note
    # Manager (1) hidden: peers (5) and direct reports (5) cannot both be shown, or the
    # manager's answers would be overall − peers − direct reports.
    shown = [g for g in ("peers", "direct_reports") if by_group[g].shown]
    assert len(shown) == 1
    hidden = next(g for g in ("peers", "direct_reports") if g not in shown)
    assert "cannot be worked out" in by_group[hidden].note
    assert by_group[hidden].respondents is None
    assert by_group[hidden].dimensions == []
    # Lea rates herself 7; everyone else 4 (reverse items too): a 3-point blind spot.
    assert report.self_scores == {d.id: 7.0 for d in _instrument().dimensions}
    overall_gaps = [g for g in report.gaps if g.group == ""]
    assert {g.classification for g in overall_gaps} == {engine.BLIND_SPOT}
    assert overall_gaps[0].gap == pytest.approx(3.0)
    assert report.overall.dimensions[0].mean == pytest.approx(4.0)
    assert report.overall.comments == ["Share plans earlier."] * 11


def test_hr_reads_the_aggregates_but_never_the_self_rating(people):
    campaign = _run_leader_campaign(people)
    services.close(people["hr"], campaign.pk)
    subject = campaign.subjects.get()

    report = reports.report(people["hr"], campaign.pk, subject.pk)

    assert not report.own
    assert report.self_scores is None
    assert report.gaps == []
    assert report.overall.respondents == 11


def test_nobody_else_reads_a_leaders_report(people):
    campaign = _run_leader_campaign(people)
    services.close(people["hr"], campaign.pk)
    subject = campaign.subjects.get()
    director = factories.actor(factories.user(people["max"]))

    for outsider in (people["employee"], director):
        with pytest.raises(PermissionDenied):
            reports.report(outsider, campaign.pk, subject.pk)
        with pytest.raises(PermissionDenied):
            reports.export_csv(outsider, campaign.pk)


def test_results_are_frozen_once_built(people):
    campaign = _run_leader_campaign(people)
    services.close(people["hr"], campaign.pk)
    cell = ResultCell.objects.filter(campaign=campaign, shown=True).first()
    with pytest.raises(DatabaseError), transaction.atomic():
        ResultCell.objects.filter(pk=cell.pk).update(figures={"respondents": 1})


def test_reliability_of_a_cell_is_cronbachs_alpha_of_its_answers(people):
    campaign = new_campaign(people["hr"], [people["lea"].pk])
    links = services.launch(people["hr"], campaign.pk)
    form = _instrument().form("others")
    rng = np.random.default_rng(7)
    given = []
    for link in links:
        if link.group == "self":
            continue
        answers = {item.id: int(rng.integers(1, 8)) for item in form.items}
        given.append([answers[item.id] for item in form.items])
        services.respond(link.token, answers)
    services.close(people["hr"], campaign.pk)

    report = reports.report(people["hr"], campaign.pk, campaign.subjects.get().pk)

    dims, reverse = _instrument().engine_arrays("others")
    keyed = engine.reverse_key(np.array(given, dtype=float), reverse, 7)
    expected = engine.cronbach_alpha_by_dimension(keyed, dims, len(_instrument().dimensions))
    got = [d.alpha for d in report.overall.dimensions]
    for want, have in zip(expected, got, strict=True):
        if np.isnan(want):
            assert have is None
        else:
            assert have == pytest.approx(want, abs=1e-9)


def test_the_csv_export_holds_only_shown_figures(people):
    campaign = _run_leader_campaign(people)
    services.close(people["hr"], campaign.pk)

    text = reports.export_csv(people["hr"], campaign.pk)

    lines = text.splitlines()
    assert lines[0].startswith("campaign,cell,label")
    manager_rows = [line for line in lines if ":manager," in line]
    assert len(manager_rows) == 1  # the subject's one-person manager group
    assert all("Not enough responses" in row for row in manager_rows)
    assert all(",,,,," in row for row in manager_rows)


def test_a_rater_follows_the_actions_taken_on_results(people):
    campaign = _run_leader_campaign(people)
    services.close(people["hr"], campaign.pk)
    rater = factories.actor(factories.user(people["peers"][0]))

    followed = reports.followed_up(rater)

    assert [(c.pk, s.person_id) for c, s, _ in followed] == [(campaign.pk, people["lea"].pk)]
    assert followed[0][2] == []


def test_a_team_survey_has_department_cuts(people):
    extra = [factories.team(f"Team {i}") for i in range(2)]
    for i, team in enumerate(extra):
        for j in range(6):
            factories.reports_to(factories.person(f"T{i}-{j}", team=team), people["lea"])
    subject_ids = [people["platform"].pk, *(t.pk for t in extra)]
    campaign = new_campaign(people["hr"], subject_ids, "team-trust-pulse")
    links = services.launch(people["hr"], campaign.pk)
    form = services.find_instrument("team-trust-pulse").form("team")
    for link in links:
        services.respond(link.token, all_answered(form, 6))
    services.close(people["hr"], campaign.pk)

    cells = reports.overview(people["hr"], campaign.pk)

    # Lea leads both extra teams (not Platform, where she is a member under Max): her
    # department is those two; Max's would be every team, the organisation again.
    assert {c.key for c in cells if c.kind == "department"} == {f"department:{people['lea'].pk}"}
    assert {c.respondents for c in cells if c.kind == "department"} == {12}
    assert all(c.shown for c in cells if c.kind == "subject")
    lea_view = reports.overview(people["lea_actor"], campaign.pk)
    assert {c.key for c in lea_view} >= {f"subject:{s.pk}" for s in campaign.subjects.all()}


def test_the_leader_commits_publicly_and_the_raters_see_the_status(people):
    import datetime as dt

    from django.utils import timezone

    from trustledger.ledger import services as ledger

    campaign = _run_leader_campaign(people)
    services.close(people["hr"], campaign.pk)
    subject = campaign.subjects.get()
    action = reports.commit_to_action(
        people["lea_actor"],
        campaign.pk,
        subject.pk,
        what="Share the quarterly plan with the team before it is final",
        done_means="Draft plan reviewed in a team meeting",
        due_at=timezone.now() + dt.timedelta(days=30),
        dimension="connected",
    )

    assert action.commitment.performer_id == people["lea"].pk
    assert action.commitment.requester_id == people["max"].pk  # her manager holds her to it
    rater = factories.actor(factories.user(people["reports"][1]))
    [(_, _, actions)] = reports.followed_up(rater)
    assert [(a.what, a.status) for a in actions] == [
        ("Share the quarterly plan with the team before it is final", "proposed")
    ]
    # Public: a rater can open the commitment itself.
    assert ledger.get_commitment(rater, action.commitment_id).pk == action.commitment_id
    with pytest.raises(PermissionDenied):
        reports.commit_to_action(
            rater,
            campaign.pk,
            subject.pk,
            what="x",
            done_means="y",
            due_at=timezone.now() + dt.timedelta(days=3),
        )
