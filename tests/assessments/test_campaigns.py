"""HR runs a campaign: subjects, rater groups from the organisation, launch, progress, close."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, transaction

from tests import factories
from tests.assessments.conftest import all_answered, new_campaign
from trustledger.accounts.actors import Actor
from trustledger.assessments import services
from trustledger.assessments.models import (
    Campaign,
    CampaignStatus,
    CampaignSubject,
    Invitation,
    Rater,
)
from trustledger.audit.models import AuditEvent

SYSTEM = Actor.system("test")


def _groups(campaign: Campaign) -> dict[str, set[str]]:
    groups: dict[str, set[str]] = {}
    for rater in Rater.objects.filter(subject__campaign=campaign).select_related("person"):
        groups.setdefault(rater.group, set()).add(rater.person.name)
    return groups


def test_hr_creates_a_leader_assessment_with_rater_groups_from_the_organisation(people):
    leaver = factories.person("Lou Leaver", leave_date=dt.date(2020, 6, 1))
    factories.reports_to(leaver, people["lea"])
    contractor = factories.person("Cy Customer", is_external=True)
    factories.reports_to(contractor, people["max"])

    campaign = new_campaign(people["hr"], [people["lea"].pk])

    assert campaign.status == CampaignStatus.DRAFT
    assert (campaign.instrument_id, campaign.instrument_version) == ("abcd-leader", 1)
    assert _groups(campaign) == {
        "self": {"Lea Leader"},
        "manager": {"Max Director"},
        "peers": {f"Peer {i}" for i in range(5)},
        "direct_reports": {f"Report {i}" for i in range(5)},
    }
    subject = CampaignSubject.objects.get(campaign=campaign)
    assert subject.team == people["platform"]  # results are reported under the leader's team
    assert AuditEvent.objects.filter(action="campaign.create", object_id=str(campaign.pk)).exists()


def test_a_leader_without_a_manager_has_no_manager_or_peer_group(people):
    campaign = new_campaign(people["hr"], [people["max"].pk])
    assert _groups(campaign) == {
        "self": {"Max Director"},
        "direct_reports": {"Lea Leader"} | {f"Peer {i}" for i in range(5)},
    }


def test_a_team_pulse_is_about_teams_and_invites_their_current_members(people):
    factories.person("Gone Member", team=people["platform"], leave_date=dt.date(2021, 1, 1))
    campaign = new_campaign(people["hr"], [people["platform"].pk], "team-trust-pulse")
    assert _groups(campaign) == {
        "team": {"Lea Leader"} | {f"Report {i}" for i in range(5)},
    }
    with pytest.raises(ValidationError) as refused:
        new_campaign(people["hr"], [people["lea"].pk], "team-trust-pulse")
    assert "no team with id" in str(refused.value)


def test_the_threshold_defaults_to_the_setting_and_is_never_below_three(people, settings):
    settings.ANONYMITY_K = 7
    assert new_campaign(people["hr"], [people["lea"].pk]).anonymity_k == 7
    assert new_campaign(people["hr"], [people["max"].pk], anonymity_k=4).anonymity_k == 4
    with pytest.raises(ValidationError) as refused:
        new_campaign(people["hr"], [people["lea"].pk], anonymity_k=2)
    assert "anonymity_k" in refused.value.message_dict
    with pytest.raises(DatabaseError), transaction.atomic():
        Campaign.objects.filter(anonymity_k=7).update(anonymity_k=2)  # the check constraint


def test_creating_a_campaign_names_every_bad_field(people):
    with pytest.raises(ValidationError) as refused:
        services.create_campaign(
            people["hr"],
            title=" ",
            instrument_id="nope",
            subject_ids=[],
            opens_at=dt.datetime(2026, 1, 2, tzinfo=dt.UTC),
            closes_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        )
    assert set(refused.value.message_dict) == {"title", "instrument_id", "closes_at"}


def test_an_employee_or_a_manager_cannot_create_or_launch_a_campaign(people):
    for outsider in (people["employee"], people["lea_actor"]):
        with pytest.raises(PermissionDenied):
            new_campaign(outsider, [people["lea"].pk])
    campaign = new_campaign(people["hr"], [people["lea"].pk])
    with pytest.raises(PermissionDenied):
        services.launch(people["employee"], campaign.pk)
    with pytest.raises(PermissionDenied):
        services.close(people["lea_actor"], campaign.pk)
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.DRAFT
    assert not Invitation.objects.exists()
    refusals = AuditEvent.objects.filter(allowed=False).values_list("action", flat=True)
    assert sorted(refusals) == [
        "campaign.close",
        "campaign.create",
        "campaign.create",
        "campaign.launch",
    ]


def test_hr_edits_rater_groups_before_launch_only(people):
    campaign = new_campaign(people["hr"], [people["lea"].pk])
    subject = CampaignSubject.objects.get(campaign=campaign)
    peers = people["peers"]
    services.set_rater_groups(
        people["hr"],
        campaign.pk,
        subject.pk,
        {
            "self": [people["lea"].pk],
            "manager": [people["max"].pk],
            "peers": [p.pk for p in peers[:3]],
            "direct_reports": [r.pk for r in people["reports"]] + [peers[4].pk],
        },
    )
    groups = _groups(campaign)
    assert groups["peers"] == {"Peer 0", "Peer 1", "Peer 2"}
    assert "Peer 4" in groups["direct_reports"]

    services.launch(people["hr"], campaign.pk)
    with pytest.raises(ValidationError, match="before the campaign launches"):
        services.set_rater_groups(people["hr"], campaign.pk, subject.pk, {"peers": []})
    assert _groups(campaign)["peers"] == {"Peer 0", "Peer 1", "Peer 2"}


def test_rater_groups_refuse_a_person_twice_a_stranger_as_self_and_unknown_groups(people):
    campaign = new_campaign(people["hr"], [people["lea"].pk])
    subject = CampaignSubject.objects.get(campaign=campaign)
    peer = people["peers"][0]
    with pytest.raises(ValidationError) as refused:
        services.set_rater_groups(
            people["hr"],
            campaign.pk,
            subject.pk,
            {"self": [peer.pk], "peers": [peer.pk], "team": [people["max"].pk]},
        )
    assert set(refused.value.message_dict) == {"self", "groups", "team"}
    with pytest.raises(PermissionDenied):
        services.set_rater_groups(people["lea_actor"], campaign.pk, subject.pk, {"peers": []})


def test_launch_issues_one_link_per_rater_stored_only_as_a_digest(people):
    campaign = new_campaign(people["hr"], [people["lea"].pk])
    links = services.launch(people["hr"], campaign.pk)

    assert len(links) == 12  # self, manager, 5 peers, 5 direct reports
    assert len({link.token for link in links}) == 12
    assert all(len(link.token) >= 43 for link in links)  # 32 random bytes, base64url
    stored = {i.pk: i for i in Invitation.objects.filter(campaign=campaign)}
    for link in links:
        invitation = stored[link.invitation_id]
        assert invitation.token_digest == hashlib.sha256(link.token.encode()).hexdigest()
        assert invitation.person == link.person
        assert invitation.expires_at == campaign.closes_at
        assert invitation.form_id == ("self" if link.group == "self" else "others")
        assert link.token not in str(Invitation.objects.filter(pk=invitation.pk).values().get())
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.LIVE
    with pytest.raises(ValidationError, match="already been launched"):
        services.launch(people["hr"], campaign.pk)


def test_k_and_the_instrument_are_locked_once_the_campaign_is_live(people):
    campaign = new_campaign(people["hr"], [people["lea"].pk], anonymity_k=5)
    Campaign.objects.filter(pk=campaign.pk).update(anonymity_k=6)  # a draft may change
    services.launch(people["hr"], campaign.pk)

    for change in ({"anonymity_k": 3}, {"anonymity_k": 9}, {"instrument_version": 2}):
        with pytest.raises(DatabaseError), transaction.atomic():
            Campaign.objects.filter(pk=campaign.pk).update(**change)
    live = Campaign.objects.get(pk=campaign.pk)
    live.anonymity_k = 3
    with pytest.raises(DatabaseError), transaction.atomic():
        live.save()
    with pytest.raises(DatabaseError), transaction.atomic():
        Campaign.objects.filter(pk=campaign.pk).update(status=CampaignStatus.DRAFT)
    assert Campaign.objects.get(pk=campaign.pk).anonymity_k == 6


def test_a_closed_campaign_never_reopens(people):
    campaign = new_campaign(people["hr"], [people["lea"].pk])
    with pytest.raises(ValidationError, match="only a live campaign"):
        services.close(people["hr"], campaign.pk)
    services.launch(people["hr"], campaign.pk)
    closed = services.close(people["hr"], campaign.pk)
    assert closed.status == CampaignStatus.CLOSED
    assert closed.closed_at is not None
    with pytest.raises(DatabaseError), transaction.atomic():
        Campaign.objects.filter(pk=campaign.pk).update(status=CampaignStatus.LIVE)


def test_progress_shows_only_counts_of_groups_with_at_least_k_invitations(people):
    campaign = new_campaign(people["hr"], [people["lea"].pk], anonymity_k=5)
    links = services.launch(people["hr"], campaign.pk)
    form = services.instrument_of(campaign).form("others")
    for link in links:
        if link.group in ("manager", "direct_reports"):
            services.respond(link.token, all_answered(form))
    self_link = next(link for link in links if link.group == "self")
    services.respond(self_link.token, all_answered(services.instrument_of(campaign).form("self")))

    rows = {row.group: row for row in services.campaign_progress(people["hr"], campaign.pk)}
    total = rows[None]  # the subject (the whole campaign has the same 12 invitations)
    assert (total.invited, total.responded) == (12, 7)
    for small in ("self", "manager"):
        assert rows[small].shown is False
        assert (rows[small].invited, rows[small].responded) == (None, None)
        assert rows[small].note == "fewer than 5 invitations"
    # Self and manager (2 people) are hidden, so one of the two groups of 5 must be hidden as
    # well: otherwise total − peers − direct reports would give the hidden groups' count.
    fives = [rows["peers"], rows["direct_reports"]]
    assert sorted(row.shown for row in fives) == [False, True]
    hidden = next(row for row in fives if not row.shown)
    assert hidden.invited is None
    assert "cannot be worked out" in hidden.note
    shown = next(row for row in fives if row.shown)
    assert shown.invited == 5
    assert shown.responded == (5 if shown.group == "direct_reports" else 0)
    assert AuditEvent.objects.filter(action="campaign.progress").count() == 1


def test_only_hr_and_the_assessed_leader_see_progress(people):
    campaign = new_campaign(people["hr"], [people["lea"].pk, people["max"].pk])
    services.launch(people["hr"], campaign.pk)
    with pytest.raises(PermissionDenied):
        services.campaign_progress(people["employee"], campaign.pk)
    own = services.campaign_progress(people["lea_actor"], campaign.pk)
    assert own
    assert {row.subject_label for row in own} == {"Lea Leader"}
    everyone = services.campaign_progress(people["hr"], campaign.pk)
    assert {row.subject_label for row in everyone} == {"Autumn 2026", "Lea Leader", "Max Director"}


def test_reminders_list_unused_invitations_for_the_system_only(people):
    campaign = new_campaign(people["hr"], [people["lea"].pk])
    links = services.launch(people["hr"], campaign.pk)
    form = services.instrument_of(campaign).form("others")
    answered = next(link for link in links if link.group == "peers")
    services.respond(answered.token, all_answered(form))

    unused = services.unused_invitations(SYSTEM)
    assert unused.count() == 11
    assert answered.invitation_id not in {i.pk for i in unused}
    with pytest.raises(PermissionDenied):
        services.unused_invitations(people["hr"])

    # A reminder carries a fresh link; the first one stops working.
    reminded = next(link for link in links if link.group == "direct_reports")
    fresh = services.reissue_link(SYSTEM, reminded.invitation_id)
    with pytest.raises(services.LinkRefused):
        services.respond(reminded.token, all_answered(form))
    services.respond(fresh, all_answered(form))
    with pytest.raises(ValidationError, match="only an unused invitation"):
        services.reissue_link(SYSTEM, reminded.invitation_id)

    services.close(people["hr"], campaign.pk)
    assert not services.unused_invitations(SYSTEM).exists()


def test_an_administrator_reads_campaigns_in_the_admin_read_only_and_audited(people, client):
    campaign = new_campaign(people["hr"], [people["lea"].pk])
    client.force_login(factories.user(None, role="admin", username="root@example.com"))
    assert client.get("/admin/assessments/campaign/").status_code == 200
    page = client.get(f"/admin/assessments/campaign/{campaign.pk}/change/")
    assert page.status_code == 200
    assert "Autumn 2026" in page.content.decode()
    assert client.get("/admin/assessments/campaign/add/").status_code == 403
    assert client.get("/admin/assessments/response/").status_code == 404  # not registered
    assert client.get("/admin/assessments/invitation/").status_code == 404
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"campaign.list", "campaign.read"} <= actions
