"""Someone loads the demo and every story it tells is true in the figures the product shows.

The demo is loaded once for this module (a simulated year of 150 people takes seconds) and
each test reads it through the public services and the engine, as the pages do.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Iterator

import numpy as np
import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.db import connection

from trustledger import engine
from trustledger.accounts.actors import Actor
from trustledger.accounts.models import User
from trustledger.assessments import reports
from trustledger.assessments.models import Campaign, CampaignSubject
from trustledger.demo import DemoStory, load_story, story_of
from trustledger.demo.surveys import LEADER_TITLE, PULSE_TITLE
from trustledger.insights import projection
from trustledger.insights.profiles import incoming, trust_table
from trustledger.insights.services import relationship_trust
from trustledger.ledger import figures, services
from trustledger.ledger.lifecycle import Status
from trustledger.ledger.models import Commitment, CommitmentEvent, TrustSignal
from trustledger.org import services as org
from trustledger.org.models import Person

SYSTEM = Actor.system("test")
DEPENDABLE = engine.DIMENSIONS.index("dependable")
BELIEVABLE = engine.DIMENSIONS.index("believable")


@pytest.fixture(scope="module")
def story(django_db_setup: None, django_db_blocker: pytest.FixtureRequest) -> Iterator[DemoStory]:
    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        settings.MODE = "development"
        loaded = load_story(SYSTEM)
        yield loaded
        call_command("flush", interactive=False, verbosity=0)


@pytest.fixture
def demo(story: DemoStory, db: None) -> DemoStory:
    return story


def actor(employee_id: str) -> Actor:
    return Actor.for_user(User.objects.get(person__employee_id=employee_id))


def person(employee_id: str) -> Person:
    return Person.objects.get(employee_id=employee_id)


def test_loading_reports_what_it_simulated(demo):
    assert demo.created
    assert demo.commitments > 2000
    assert demo.signals > 300
    assert 5 <= len(demo.leavers) <= 40
    assert demo.survey_responses > 100
    if connection.vendor == "sqlite":  # the `make demo` database; PostgreSQL commits cost more
        assert demo.seconds < 60


def test_the_story_is_found_again_after_loading(demo):
    found = story_of()

    assert found is not None
    assert found.cast == demo.cast
    assert found.career_commitment == demo.career_commitment
    assert found.mistake_commitment == demo.mistake_commitment
    assert found.leavers == demo.leavers


def _dependable_by_person() -> dict[str, float]:
    """Everyone's Dependable figure as others experience them (incoming evidence, fused)."""
    table = trust_table()
    totals = incoming(table)
    model = projection.evidence_model()
    opinion = engine.from_evidence(
        totals.positive[:, DEPENDABLE], totals.negative[:, DEPENDABLE], model.base_rate,
        model.prior_weight,
    )  # fmt: skip
    figure = engine.projected(opinion)
    ids = dict(Person.objects.values_list("id", "employee_id"))
    return {
        ids[pk]: float(figure[i])
        for pk, i in table.index.items()
        if totals.trusters[i, DEPENDABLE] >= settings.ANONYMITY_K
    }


def test_the_over_promisers_have_the_lowest_dependable_figures(demo):
    dependable = _dependable_by_person()
    cast = demo.cast
    contributors = _all_contributors()
    over = [dependable[e] for e in cast.over_promisers]
    reliable = [dependable[e] for e in cast.reliable if e in dependable]
    others = [
        v
        for e, v in dependable.items()
        if e in contributors and e not in {*cast.over_promisers, *cast.reliable}
    ]

    assert statistics.mean(over) < statistics.mean(others) < statistics.mean(reliable)
    assert max(over) < min(reliable)
    # Among individual contributors, the over-promisers are the least dependable.
    lowest = sorted((e for e in dependable if e in contributors), key=dependable.__getitem__)[
        : len(cast.over_promisers)
    ]
    assert sorted(lowest) == cast.over_promisers


def test_reliable_people_renegotiate_before_the_due_date_never_after(demo):
    given = [figures.follow_through(SYSTEM, person(e).pk).as_performer for e in demo.cast.reliable]

    assert sum(g.renegotiated_in_time for g in given) > 0
    assert sum(g.renegotiated_late for g in given) == 0
    assert sum(g.broken for g in given) == 0


def _trust_in_managers(k: int) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Each person's manager (index) and the mean trust their direct reports place in them
    (projected overall), ``nan`` below ``k`` reports with evidence — trickle_down's input."""
    people = list(
        Person.objects.filter(is_external=False, leave_date__isnull=True).order_by("employee_id")
    )
    index = {p.pk: i for i, p in enumerate(people)}
    parent = np.full(len(people), -1, dtype=np.int64)
    for p in people:
        manager = org.manager_of(p)
        if manager is not None and manager.pk in index:
            parent[index[p.pk]] = index[manager.pk]
    table = trust_table(trustees=[p.pk for p in people])
    projected = engine.projected(table.opinions().overall)
    by_manager: dict[int, list[float]] = {}
    for row in range(len(projected)):
        truster, trustee = table.people[table.truster[row]], table.people[table.trustee[row]]
        if truster in index and trustee in index and parent[index[truster]] == index[trustee]:
            by_manager.setdefault(index[trustee], []).append(float(projected[row]))
    trust_in = np.full(len(people), np.nan)
    for i, values in by_manager.items():
        if len(values) >= k:
            trust_in[i] = float(np.mean(values))
    return [p.employee_id for p in people], parent, trust_in


@pytest.mark.parametrize("k", [1, 5])
def test_the_trickle_down_subtree_is_the_one_flagged(demo, k):
    ids, parent, trust_in = _trust_in_managers(k)

    result = engine.trickle_down(parent, trust_in)

    flagged = [ids[i] for i in np.flatnonzero(result.starts_here)]
    assert flagged == [demo.cast.vp]
    # Distrust sits in the VP's subtree only: every manager there who has enough reports to
    # be shown is distrusted, and nobody elsewhere is.
    distrusted = {ids[i] for i in np.flatnonzero(result.distrusted)}
    shown = {ids[i] for i in np.flatnonzero(~np.isnan(trust_in))}
    assert (set(demo.cast.vp_subtree_managers) & shown) <= distrusted
    assert distrusted <= {demo.cast.vp, *demo.cast.vp_reports}


def test_the_organisation_page_flags_the_vp_subtree(demo):
    from trustledger.insights import organisation

    hr = Actor.for_user(User.objects.filter(role="hr", person__isnull=False).first())
    insights = organisation.organisation_insights(hr)

    assert insights.ready
    flags = insights.trickle_down["flags"]
    assert [f["leader_id"] for f in flags] == [str(demo.pk(demo.cast.vp))]


def test_people_leave_more_where_they_cannot_rely_on_their_manager(demo):
    under_vp: set[str] = set()
    for manager in demo.cast.vp_subtree_managers:
        under_vp |= _reports_ever(manager)
    everyone_else = _all_contributors() - under_vp
    left = set(demo.leavers)

    share_under_vp = len(left & under_vp) / len(under_vp)
    share_elsewhere = len(left & everyone_else) / len(everyone_else)

    assert share_under_vp > 2 * share_elsewhere
    for employee_id in demo.leavers:
        leaver = person(employee_id)
        assert leaver.leave_date is not None
        assert org.manager_of(leaver) is None


def _reports_ever(manager: str) -> set[str]:
    from trustledger.org.models import ReportingLine

    return set(
        ReportingLine.objects.filter(manager__employee_id=manager).values_list(
            "person__employee_id", flat=True
        )
    )


def _all_contributors() -> set[str]:
    from trustledger.org.models import ReportingLine

    managers = set(ReportingLine.objects.values_list("manager__employee_id", flat=True))
    return {
        e
        for e in ReportingLine.objects.values_list("person__employee_id", flat=True)
        if e not in managers
    }


def test_the_leader_who_owned_a_mistake_gains_trust_from_the_witnesses_too(demo):
    promise = Commitment.objects.get(pk=demo.mistake_commitment)
    signal = TrustSignal.objects.get(kind="mistake_owned", commitment=promise)
    leader = person(demo.cast.mistake_leader)
    witnesses = list(signal.witnesses.all())
    before = signal.occurred_at - dt.timedelta(seconds=1)
    after = signal.occurred_at + dt.timedelta(seconds=1)

    assert (promise.visibility, promise.origin, promise.status) == ("team", "meeting", "confirmed")
    assert promise.events.get(step="renegotiate").payload["note"].startswith("My mistake")
    assert signal.subject == leader
    assert signal.visibility == "team"
    assert len(witnesses) >= 3
    for witness in witnesses:
        seen = actor(witness.employee_id)
        gained = relationship_trust(seen, leader.pk, as_of=after).i_rely_on_them.dimensions[
            BELIEVABLE
        ]
        had = relationship_trust(seen, leader.pk, as_of=before).i_rely_on_them.dimensions[
            BELIEVABLE
        ]
        assert gained.positive_evidence - had.positive_evidence == pytest.approx(0.375, abs=1e-3)
        assert gained.projected > had.projected


def test_the_broken_career_promise_is_a_severe_breach_on_that_relationship(demo):
    promise = Commitment.objects.get(pk=demo.career_commitment)
    report = actor(demo.cast.career_report)

    assert promise.performer == person(demo.cast.career_manager)
    assert promise.requester == report.person
    assert (promise.stakes, promise.origin, promise.status) == ("career", "one_on_one", "broken")
    assert "promotion" in promise.what.lower()
    relationship = relationship_trust(report, promise.performer_id)
    breach = [
        item
        for item in relationship.i_rely_on_them.explanation
        if item.source_id == str(promise.pk) and item.kind == "commitment.broken"
    ]
    assert breach
    assert sum(item.negative for item in breach) > 0
    # Severe: the break wiped most of the positive evidence the report had built up before it.
    earlier = [
        item
        for item in relationship.i_rely_on_them.explanation
        if item.at < promise.due_at and item.positive + item.wiped > 0
    ]
    assert earlier
    assert all(item.wiped > item.positive for item in earlier)


def _own_report(title: str, employee_id: str) -> reports.Report:
    campaign = Campaign.objects.get(title=title)
    subject = CampaignSubject.objects.get(campaign=campaign, person__employee_id=employee_id)
    return reports.report(actor(employee_id), campaign.pk, subject.pk)


def test_the_survey_shows_the_leader_hidden_strengths_and_the_vp_a_blind_spot(demo):
    leader = _own_report(LEADER_TITLE, demo.cast.mistake_leader)
    vp = _own_report(LEADER_TITLE, demo.cast.vp)

    assert any(g.classification == engine.HIDDEN_STRENGTH for g in leader.gaps)
    assert not any(g.classification == engine.BLIND_SPOT for g in leader.gaps)
    assert any(g.classification == engine.BLIND_SPOT for g in vp.gaps)
    pulse = Campaign.objects.get(title=PULSE_TITLE)
    assert pulse.status == "closed"


def test_the_demo_logins_have_something_to_do_today(demo):
    mine = services.my_commitments(actor(demo.cast.career_report))

    assert mine.given.exists()
    assert mine.received.exists()
    assert mine.due_soon.exists()
    assert mine.overdue.exists()
    assert mine.to_confirm.exists()
    assert mine.awaiting_my_answer.exists()


def test_every_demo_commitment_holds_the_replay_of_its_events(demo):
    commitments = list(Commitment.objects.order_by("id")[::10])

    assert commitments
    for commitment in commitments:
        state = services.state_of(commitment)
        assert commitment.status == state.status.value
        assert commitment.due_at == state.terms.due_at
    assert Commitment.objects.filter(status=Status.BROKEN).exists()


def test_loading_the_demo_twice_changes_nothing(demo):
    events, signals = CommitmentEvent.objects.count(), TrustSignal.objects.count()

    again = load_story(SYSTEM)

    assert not again.created
    assert again.cast == demo.cast
    assert (CommitmentEvent.objects.count(), TrustSignal.objects.count()) == (events, signals)


def test_the_demo_is_refused_to_employees_and_in_production(demo, settings):
    with pytest.raises(PermissionDenied):
        load_story(actor(demo.cast.career_report))
    settings.MODE = "production"
    with pytest.raises(PermissionDenied):
        load_story(SYSTEM)


def test_the_guided_tour_lists_each_story_with_its_login_and_pages(demo, client):
    response = client.get("/tour/")

    assert response.status_code == 200
    page = response.content.decode()
    for title in (
        "Reliable people",
        "Over-promisers",
        "A leader who owns mistakes",
        "A VP whose distrust trickles down",
        "A broken career promise",
        "Leavers",
        "Two survey waves",
    ):
        assert title in page
    vp = User.objects.get(person__employee_id=demo.cast.vp)
    report = User.objects.get(person__employee_id=demo.cast.career_report)
    assert vp.username in page
    assert report.username in page
    assert f"/commitments/{demo.career_commitment}/" in page
    assert f"/people/{demo.pk(demo.cast.mistake_leader)}/trust/" in page
    assert "/insights/organisation/" in page
    assert "/me/digest/" in page
    assert "/surveys/campaigns/" in page


def test_the_tour_links_work_for_the_login_it_names(demo, client):
    report = User.objects.get(person__employee_id=demo.cast.career_report)
    client.force_login(report)

    for url in (
        f"/commitments/{demo.career_commitment}/",
        f"/people/{demo.pk(demo.cast.career_manager)}/trust/",
    ):
        assert client.get(url).status_code == 200, url


def test_demo_pages_point_to_the_tour_and_the_tour_is_only_for_the_demo(demo, client, settings):
    settings.MODE = "demo"
    assert 'href="/tour/"' in client.get("/login/").content.decode()
    settings.MODE = "production"
    assert client.get("/tour/").status_code == 404
    assert 'href="/tour/"' not in client.get("/login/").content.decode()
