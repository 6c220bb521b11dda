"""1:1 check-ins, expectations and progression plans (services, real database)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from tests import factories
from trustledger.audit.models import AuditEvent
from trustledger.ledger import checkins
from trustledger.ledger import services as ledger
from trustledger.ledger.models import Commitment, OneOnOne


@pytest.fixture
def people(org):
    """Ana manages Ben and Cai (and new hire Eve); Dee is elsewhere; everyone signs in."""
    dee = factories.person("Dee Outsider")
    eve = factories.person("Eve New", start_date=timezone.localdate() - dt.timedelta(days=20))
    factories.reports_to(eve, org["ana"])
    return {
        **org,
        "dee": dee,
        "eve": eve,
        "ana_a": factories.actor(org["ana_user"]),
        "ben_a": factories.actor(org["ben_user"]),
        "cai_a": factories.actor(factories.user(org["cai"])),
        "dee_a": factories.actor(factories.user(dee)),
        "eve_a": factories.actor(factories.user(eve)),
        "ceo_a": factories.actor(factories.user(org["ceo"])),
        "hr_a": factories.actor(org["hr_user"]),
        "admin_a": factories.actor(org["admin_user"]),
    }


def in_days(days: float) -> dt.datetime:
    return timezone.now() + dt.timedelta(days=days)


@pytest.fixture
def one_on_one(people):
    meeting = checkins.create_one_on_one(
        people["ana_a"], with_id=people["ben"].pk, held_at=in_days(1), agenda=["Career goals"]
    )
    checkins.update_notes(people["ben_a"], meeting.pk, "Ben wants to lead the next project.")
    return meeting


# --- 1:1s -----------------------------------------------------------------------------------


def test_manager_and_report_create_a_one_on_one_from_either_side(people):
    by_manager = checkins.create_one_on_one(
        people["ana_a"], with_id=people["ben"].pk, held_at=in_days(1)
    )
    by_report = checkins.create_one_on_one(
        people["ben_a"], with_id=people["ana"].pk, held_at=in_days(8)
    )
    for meeting in (by_manager, by_report):
        assert (meeting.manager, meeting.report) == (people["ana"], people["ben"])
    assert list(checkins.my_one_on_ones(people["ben_a"])) == [by_report, by_manager]


def test_only_the_current_manager_and_the_report_create_a_one_on_one(people):
    for actor, other in (
        ("cai_a", "ben"),  # a peer
        ("ceo_a", "ben"),  # the manager's manager
        ("dee_a", "ana"),  # a stranger
        ("hr_a", "ben"),  # HR
        ("admin_a", "ben"),  # an admin
    ):
        with pytest.raises(PermissionDenied):
            checkins.create_one_on_one(people[actor], with_id=people[other].pk, held_at=in_days(1))
    assert not OneOnOne.objects.exists()
    assert AuditEvent.objects.filter(action="one_on_one.create", allowed=False).count() == 5


def test_a_former_manager_cannot_create_a_new_one_on_one(people):
    gil = factories.person("Gil Former")
    factories.reports_to(gil, people["ana"], since=dt.date(2020, 1, 1), until=dt.date(2021, 1, 1))
    with pytest.raises(PermissionDenied):
        checkins.create_one_on_one(people["ana_a"], with_id=gil.pk, held_at=in_days(1))


def test_both_parties_share_the_agenda_and_notes(people, one_on_one):
    checkins.add_agenda_item(people["ben_a"], one_on_one.pk, "Conference budget")
    agenda = [item.text for item in checkins.agenda_of(people["ana_a"], one_on_one.pk)]
    assert agenda == ["Career goals", "Conference budget"]
    assert checkins.get_one_on_one(people["ana_a"], one_on_one.pk).notes.startswith("Ben wants")


def test_hr_admins_and_third_parties_cannot_read_one_on_one_notes(people, one_on_one):
    for who in ("hr_a", "admin_a", "cai_a", "ceo_a", "dee_a"):
        with pytest.raises(Http404):
            checkins.get_one_on_one(people[who], one_on_one.pk)
        with pytest.raises(Http404):
            checkins.agenda_of(people[who], one_on_one.pk)
        with pytest.raises(Http404):
            checkins.update_notes(people[who], one_on_one.pk, "overwritten")
        with pytest.raises(Http404):
            checkins.action_items(people[who], one_on_one.pk)
        assert list(checkins.my_one_on_ones(people[who], with_id=people["ben"].pk)) == []
    assert (
        AuditEvent.objects.filter(
            action="one_on_one.read", object_id=str(one_on_one.pk), allowed=False
        ).count()
        == 20
    )
    one_on_one.refresh_from_db()
    assert one_on_one.notes.startswith("Ben wants")


def test_admins_see_only_that_a_one_on_one_happened(people, one_on_one):
    log = checkins.one_on_one_log(people["admin_a"], person_id=people["ben"].pk)
    assert len(log) == 1
    held = log[0]
    assert (held.manager_name, held.report_name) == ("Ana Manager", "Ben Report")
    assert held.held_at == one_on_one.held_at
    assert not hasattr(held, "notes")
    assert not hasattr(held, "agenda")
    assert AuditEvent.objects.filter(action="one_on_one.log", allowed=True).exists()


def test_hr_and_employees_cannot_list_which_one_on_ones_happened(people, one_on_one):
    for who in ("hr_a", "ana_a", "ben_a"):
        with pytest.raises(PermissionDenied):
            checkins.one_on_one_log(people[who])


def test_action_items_become_commitments_in_both_directions(people, one_on_one):
    from_manager = checkins.add_action_item(
        people["ana_a"],
        one_on_one.pk,
        performer="manager",
        what="Ask for a conference budget",
        done_means="A yes or no from finance",
        due_at=in_days(7),
    )
    from_report = checkins.add_action_item(
        people["ana_a"],
        one_on_one.pk,
        performer="report",
        what="Write a project proposal",
        done_means="A one-page proposal shared with Ana",
        due_at=in_days(14),
    )
    assert (from_manager.performer, from_manager.requester) == (people["ana"], people["ben"])
    assert (from_report.performer, from_report.requester) == (people["ben"], people["ana"])
    for commitment in (from_manager, from_report):
        assert commitment.origin == "one_on_one"
        assert commitment.visibility == "parties"
        assert commitment.status == "proposed"
        assert checkins.one_on_one_of(commitment) == one_on_one.pk
    # Ben (who did not propose them) can answer both through the ordinary lifecycle.
    ledger.take_step(people["ben_a"], from_report.pk, "accept")
    ledger.take_step(people["ben_a"], from_manager.pk, "accept")
    items = list(checkins.action_items(people["ben_a"], one_on_one.pk))
    assert items == [from_manager, from_report]
    assert {c.status for c in items} == {"accepted"}


def test_an_action_item_needs_a_performer_and_valid_terms(people, one_on_one):
    with pytest.raises(ValidationError):
        checkins.add_action_item(
            people["ben_a"],
            one_on_one.pk,
            performer="hr",
            what="x",
            done_means="y",
            due_at=in_days(1),
        )
    with pytest.raises(ValidationError):
        checkins.add_action_item(
            people["ben_a"],
            one_on_one.pk,
            performer="report",
            what="",
            done_means="y",
            due_at=in_days(1),
        )
    with pytest.raises(Http404):
        checkins.add_action_item(
            people["cai_a"],
            one_on_one.pk,
            performer="report",
            what="x",
            done_means="y",
            due_at=in_days(1),
        )
    assert not Commitment.objects.exists()


# --- expectations --------------------------------------------------------------------------


def test_an_expectation_is_proposed_by_one_and_agreed_by_the_other(people):
    expectation = checkins.propose_expectation(
        people["ana_a"],
        performer_id=people["ben"].pk,
        requester_id=people["ana"].pk,
        what="Own the on-call rota",
        measure_of_success="No gap in the rota for a quarter",
        by=in_days(90),
    )
    assert expectation.origin == "expectation"
    assert expectation.done_means == "No gap in the rota for a quarter"
    assert expectation.status == "proposed"
    # The proposer cannot agree on the other's behalf.
    with pytest.raises(ledger.StepRefused):
        checkins.agree_expectation(people["ana_a"], expectation.pk)
    agreed = checkins.agree_expectation(people["ben_a"], expectation.pk)
    assert agreed.status == "accepted"
    assert list(checkins.my_expectations(people["ben_a"])) == [agreed]
    assert list(checkins.my_expectations(people["cai_a"])) == []


def test_only_expectations_are_agreed_as_expectations(people):
    plain = ledger.propose(
        people["ana_a"],
        performer_id=people["ben"].pk,
        requester_id=people["ana"].pk,
        what="Fix the build",
        done_means="Green",
        due_at=in_days(2),
    )
    with pytest.raises(ValidationError):
        checkins.agree_expectation(people["ben_a"], plain.pk)
    with pytest.raises(Http404):
        checkins.agree_expectation(people["dee_a"], plain.pk)


# --- progression plans ---------------------------------------------------------------------


def test_add_months_keeps_the_day_or_takes_the_last_of_the_month():
    assert checkins.add_months(dt.date(2026, 1, 31), 1) == dt.date(2026, 2, 28)
    assert checkins.add_months(dt.date(2026, 8, 31), 6) == dt.date(2027, 2, 28)
    assert checkins.add_months(dt.date(2026, 3, 15), 18) == dt.date(2027, 9, 15)


def test_a_manager_sets_a_new_hires_6_12_18_month_plan(people):
    plan = checkins.create_progression_plan(
        people["ana_a"],
        people["eve"].pk,
        [
            (6, "Own a service end to end", "On-call for it without help"),
            (12, "Lead a project", "Shipped, retro held"),
            (18, "Promotion case to senior", "Case reviewed by the promotion panel"),
        ],
    )
    start = people["eve"].start_date
    assert [timezone.localtime(c.due_at).date() for c in plan] == [
        checkins.add_months(start, 6),
        checkins.add_months(start, 12),
        checkins.add_months(start, 18),
    ]
    for commitment in plan:
        assert commitment.stakes == "career"
        assert commitment.origin == "progression_plan"
        assert (commitment.performer, commitment.requester) == (people["ana"], people["eve"])
        assert commitment.status == "proposed"
        assert timezone.localtime(commitment.due_at).time() == checkins.MILESTONE_DUE_TIME
    assert checkins.progression_plan(people["eve_a"], people["eve"].pk) == plan
    assert checkins.progression_plan(people["cai_a"], people["eve"].pk) == []
    assert checkins.progression_plan(people["hr_a"], people["eve"].pk) == []
    ledger.take_step(people["eve_a"], plan[0].pk, "accept")


def test_only_the_reports_manager_sets_a_progression_plan(people):
    milestones = [(6, "Lead a project", "Shipped")]
    for who in ("eve_a", "cai_a", "ceo_a", "hr_a", "admin_a"):
        with pytest.raises(PermissionDenied):
            checkins.create_progression_plan(people[who], people["eve"].pk, milestones)
    assert not Commitment.objects.exists()
    assert AuditEvent.objects.filter(action="progression_plan.create", allowed=False).count() == 5


def test_a_plan_is_all_or_nothing(people):
    with pytest.raises(ValidationError) as error:
        checkins.create_progression_plan(
            people["ana_a"], people["eve"].pk, [(6, "Lead a project", "Shipped"), (12, "", "x")]
        )
    assert "what" in error.value.message_dict
    assert not Commitment.objects.exists()


def test_milestones_already_past_or_without_a_start_date_are_refused(people):
    with pytest.raises(ValidationError) as error:
        checkins.create_progression_plan(people["ana_a"], people["ben"].pk, [(6, "x", "y")])
    assert "report_id" in error.value.message_dict  # Ben has no start date on record
    people["eve"].start_date = timezone.localdate() - dt.timedelta(days=400)
    people["eve"].save()
    with pytest.raises(ValidationError) as error:
        checkins.create_progression_plan(people["ana_a"], people["eve"].pk, [(6, "x", "y")])
    assert "milestones.0.months" in error.value.message_dict
    with pytest.raises(ValidationError):
        checkins.create_progression_plan(people["ana_a"], people["eve"].pk, [(0, "x", "y")])
    with pytest.raises(ValidationError):
        checkins.create_progression_plan(people["ana_a"], people["eve"].pk, [])
