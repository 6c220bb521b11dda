"""Guidance rules: each situation, built through the public services, brings its nudge; once
resolved (renegotiated, confirmed, evidence gained …) the nudge is gone."""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pytest
from django.utils import timezone

from tests import factories
from trustledger import engine
from trustledger.accounts.actors import Actor
from trustledger.insights import guidance
from trustledger.ledger import services as ledger
from trustledger.ledger import trust_signals as signals

from .conftest import promise


@pytest.fixture
def run_projection(django_capture_on_commit_callbacks):
    """Run the insights projection after every write inside the block (as in production)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def someone(name: str, **fields) -> Actor:
    return factories.actor(factories.user(factories.person(name, **fields)))


def nudges(actor: Actor, kind: str | None = None) -> list[guidance.Nudge]:
    assert actor.person is not None
    found = guidance.guidance_for(actor.person.pk)
    return [n for n in found if kind is None or n.kind == kind]


def keys(actor: Actor, kind: str) -> set[str]:
    return {n.key for n in nudges(actor, kind)}


def kept(performer: Actor, requester: Actor, at: dt.datetime, times: int = 1) -> None:
    """``performer`` keeps ``times`` promises to ``requester``, each confirmed."""
    for i in range(times):
        when = at + dt.timedelta(days=i)
        pk = promise(performer, requester, at=when)
        ledger.take_step(performer, pk, "deliver", at=when + dt.timedelta(days=1))
        ledger.take_step(requester, pk, "confirm", at=when + dt.timedelta(days=1, hours=1))


# --- rule 1: due soon or at risk -------------------------------------------------------------


def test_a_promise_due_soon_brings_renegotiate_now_and_renegotiating_resolves_it(people):
    ben, ana = people["ben_actor"], people["ana_actor"]
    now = timezone.now()
    pk = promise(ben, ana, at=now - dt.timedelta(hours=2), due_in_days=2)

    due = nudges(ben, "commitment_due")
    assert len(due) == 1
    assert "renegotiate now, before the due date" in due[0].title
    assert due[0].url == f"/commitments/{pk}/"
    assert "You promised Ana Lead “Ship the report”" in due[0].why
    assert "within 3 days" in due[0].why
    assert due[0].advice.startswith("If it will not be ready, renegotiate now")
    assert nudges(ana, "commitment_due") == []  # the requester owes nothing

    ledger.take_step(
        ben, pk, "renegotiate", due_at=now + dt.timedelta(days=9), note="the data is late"
    )
    assert nudges(ben, "commitment_due") == []


def test_a_promise_that_used_most_of_its_time_is_at_risk_until_delivered(people):
    ben, ana = people["ben_actor"], people["ana_actor"]
    now = timezone.now()
    pk = promise(ben, ana, at=now - dt.timedelta(days=20), due_in_days=25)  # 80% used

    (risk,) = nudges(ben, "commitment_due")
    assert risk.title.startswith("At risk:")
    assert re.search(r"\b8\d% of the time since you agreed", risk.why)

    ledger.take_step(ben, pk, "deliver")
    assert nudges(ben, "commitment_due") == []


def test_a_promise_with_time_left_brings_no_nudge(people):
    promise(people["ben_actor"], people["ana_actor"], at=timezone.now() - dt.timedelta(days=1))
    assert nudges(people["ben_actor"], "commitment_due") == []


# --- rule 2: deliveries to confirm -----------------------------------------------------------


def test_a_delivery_awaits_the_requesters_confirmation_until_confirmed(people):
    ben, ana = people["ben_actor"], people["ana_actor"]
    pk = promise(ben, ana, at=timezone.now() - dt.timedelta(days=3))
    ledger.take_step(ben, pk, "deliver")

    (confirm,) = nudges(ana, "confirm_delivery")
    assert confirm.title == "Confirm Ben Builder’s delivery: “Ship the report”"
    assert "marked “Ship the report” delivered" in confirm.why
    assert confirm.url == f"/commitments/{pk}/"
    assert nudges(ben, "confirm_delivery") == []

    ledger.take_step(ana, pk, "confirm")
    assert nudges(ana, "confirm_delivery") == []


def test_a_disputed_delivery_is_not_to_confirm(people):
    ben, ana = people["ben_actor"], people["ana_actor"]
    pk = promise(ben, ana, at=timezone.now() - dt.timedelta(days=3))
    ledger.take_step(ben, pk, "deliver")
    ledger.take_step(ana, pk, "dispute", note="the totals are missing")
    assert nudges(ana, "confirm_delivery") == []


# --- rule 3: weakest dimension ---------------------------------------------------------------


def test_the_weakest_shown_dimension_comes_with_behaviours_and_moves_with_evidence(
    people, settings, run_projection
):
    settings.ANONYMITY_K = 3
    ben = people["ben_actor"]
    raters = [people["ana_actor"], people["wes_actor"], someone("Tia Third")]
    start = timezone.now() - dt.timedelta(days=30)
    with run_projection():
        for i, rater in enumerate(raters):
            kept(ben, rater, start + dt.timedelta(days=i), times=2)

    (weakest,) = nudges(ben, "weakest_dimension")
    # Kept promises say most about Dependable; Able and Believable trail (ABCD order on ties).
    assert weakest.title == "Grow how others experience you as Able"
    assert weakest.key == "weakest:able:v1"
    assert "at least 3 people" in weakest.why
    assert "Only you see this." in weakest.why
    assert weakest.behaviours[0].startswith("Before you take something on")  # the data file
    assert weakest.advice == guidance.behaviours().dimensions["able"].summary
    assert "Connected" not in weakest.why  # nobody has evidence on it: never shown

    with run_projection():
        for rater in raters:
            for day in range(3):
                signals.record_signal(
                    rater,
                    subject_id=ben.person.pk,
                    kind="candid_feedback_with_care",
                    occurred_at=timezone.now() - dt.timedelta(days=day, hours=1),
                )
    assert keys(ben, "weakest_dimension") == {"weakest:believable:v1"}


def test_no_weakest_dimension_below_k_people(people, settings, run_projection):
    settings.ANONYMITY_K = 3
    with run_projection():
        kept(people["ben_actor"], people["ana_actor"], timezone.now() - dt.timedelta(days=9), 3)
    assert nudges(people["ben_actor"], "weakest_dimension") == []


def test_the_behaviours_file_is_validated_on_load():
    loaded = guidance.behaviours()
    assert set(loaded.dimensions) == {"able", "believable", "connected", "dependable"}
    assert all(2 <= len(d.behaviours) <= 5 for d in loaded.dimensions.values())
    broken = guidance.BEHAVIOURS_PATH.read_text().replace("[connected]", "[connectd]")
    with pytest.raises(guidance.BehavioursError, match=r"unknown key\(s\) connectd"):
        guidance.parse_behaviours(broken, "v2.toml")
    one = 'version = "2"\n' + "".join(
        f'[{d}]\nsummary = "s"\nbehaviours = ["only one"]\n'
        for d in ("able", "believable", "connected", "dependable")
    )
    with pytest.raises(guidance.BehavioursError, match=r"\[able\]: `behaviours` must list 2 to 5"):
        guidance.parse_behaviours(one, "v2.toml")


# --- rule 4: start small ---------------------------------------------------------------------


def test_close_colleagues_with_thin_evidence_are_offered_a_small_promise(people, run_projection):
    ana, ben = people["ana_actor"], people["ben_actor"]
    small = {n.key: n for n in nudges(ana, "start_small")}
    assert set(small) == {f"start_small:{people['ben'].pk}", f"start_small:{people['wes'].pk}"}
    nudge = small[f"start_small:{people['ben'].pk}"]
    assert nudge.title == "Start small with Ben Builder: make one small, low-stakes promise"
    assert nudge.why.startswith("Ben Builder is in your team, yet there is little evidence")
    assert nudge.url == f"/people/{people['ben'].pk}/commitments/new/"

    with run_projection():
        kept(ben, ana, timezone.now() - dt.timedelta(days=10), times=3)
    assert f"start_small:{people['ben'].pk}" not in keys(ana, "start_small")
    assert f"start_small:{people['wes'].pk}" in keys(ana, "start_small")


def test_my_manager_is_close_even_in_another_team(people):
    boss = factories.person("Mo Manager", team=factories.team("Leadership"))
    factories.reports_to(people["tom"], boss)
    (nudge,) = nudges(people["tom_actor"], "start_small")
    assert nudge.why.startswith("Mo Manager is your manager")


# --- rule 5: go first ------------------------------------------------------------------------


def test_go_first_with_a_teammate_i_have_not_gone_towards_lately(run_projection, db):
    team = factories.team("Research")
    yan = someone("Yan Young", team=team)
    xia = someone("Xia Elder", team=team)
    # Yan kept promises to Xia three months ago: Xia has come to rely on Yan (not thin).
    with run_projection():
        kept(yan, xia, timezone.now() - dt.timedelta(days=90), times=4)
    assert nudges(yan, "start_small") == []

    (first,) = nudges(yan, "go_first")
    assert first.title == "Go first with Xia Elder: offer help or share something useful"
    assert "in the last 60 days you have not made Xia Elder a promise" in first.why
    assert first.url == f"/people/{xia.person.pk}/"

    signals.record_signal(yan, subject_id=xia.person.pk, kind="recognition")
    assert nudges(yan, "go_first") == []


def test_a_new_team_member_comes_first(db):
    team = factories.team("Research")
    me = someone("Ann Old", team=team)
    for name in ("Bea Old", "Cy Old", "Dan Old"):
        someone(name, team=team)
    new = someone("Zed New", team=team, start_date=timezone.localdate() - dt.timedelta(days=10))
    # Start small suggests two teammates (by name); go first picks the newcomer of the rest.
    assert len(nudges(me, "start_small")) == 2
    (first,) = nudges(me, "go_first")
    assert first.key == f"go_first:{new.person.pk}"
    assert "Zed New joined your team on" in first.why


# --- rule 6: introductions -------------------------------------------------------------------


def test_someone_i_rely_on_can_introduce_me_without_revealing_any_figure(run_projection, db):
    yan, vic, zoe = someone("Yan Young"), someone("Vic Voucher"), someone("Zoe Stranger")
    start = timezone.now() - dt.timedelta(days=40)
    with run_projection():
        kept(vic, yan, start, times=4)  # Yan relies on Vic
        kept(zoe, vic, start, times=4)  # Vic relies on Zoe
    # Yan asks Zoe for something: they must work together and have no history.
    commitment = ledger.propose(
        yan,
        performer_id=zoe.person.pk,
        requester_id=yan.person.pk,
        what="Review the budget",
        done_means="Comments in the sheet",
        due_at=timezone.now() + dt.timedelta(days=10),
    )

    (intro,) = nudges(yan, "introduction")
    assert intro.title == "Vic Voucher can introduce you to Zoe Stranger"
    assert intro.url == f"/people/{vic.person.pk}/"
    assert "You have an open commitment with Zoe Stranger" in intro.why
    assert not re.search(r"\d", intro.why)  # no figures about anyone's relationship

    with run_projection():
        ledger.take_step(zoe, commitment.pk, "accept")
        ledger.take_step(zoe, commitment.pk, "deliver")
        ledger.take_step(yan, commitment.pk, "confirm")
    assert nudges(yan, "introduction") == []


def test_no_introduction_through_someone_i_do_not_rely_on(run_projection, db):
    yan, vic, zoe = someone("Yan Young"), someone("Vic Voucher"), someone("Zoe Stranger")
    with run_projection():
        kept(zoe, vic, timezone.now() - dt.timedelta(days=40), times=4)
    ledger.propose(
        yan,
        performer_id=zoe.person.pk,
        requester_id=yan.person.pk,
        what="Review the budget",
        done_means="Comments in the sheet",
        due_at=timezone.now() + dt.timedelta(days=10),
    )
    assert nudges(yan, "introduction") == []


# --- everyone at once equals one at a time ---------------------------------------------------


def test_the_bulk_run_gives_each_person_what_their_own_page_gives(people, run_projection):
    ben, ana = people["ben_actor"], people["ana_actor"]
    with run_projection():
        pk = promise(ben, ana, at=timezone.now() - dt.timedelta(hours=3), due_in_days=1)
        kept(ben, people["wes_actor"], timezone.now() - dt.timedelta(days=20), times=2)
    ledger.take_step(ben, pk, "deliver")
    moment = timezone.now()
    situation, everyone = guidance.guidance(moment)
    assert situation.subject.sum() == 4
    for key in ("ana", "ben", "wes", "tom"):
        pk_person = people[key].pk
        assert everyone.get(pk_person, []) == guidance.guidance_for(pk_person, moment)


def test_the_introducer_is_the_strongest_voucher_the_engine_finds(run_projection, db):
    yan, zoe = someone("Yan Young"), someone("Zoe Stranger")
    vic, val = someone("Vic Voucher"), someone("Val Voucher")
    start = timezone.now() - dt.timedelta(days=40)
    with run_projection():
        kept(vic, yan, start, times=6)  # Yan relies on Vic a lot
        kept(val, yan, start, times=3)  # and on Val, less
        kept(zoe, vic, start, times=4)
        kept(zoe, val, start, times=4)
    ledger.propose(
        zoe,
        performer_id=zoe.person.pk,
        requester_id=yan.person.pk,
        what="Share the test plan",
        done_means="Linked in the ticket",
        due_at=timezone.now() + dt.timedelta(days=10),
    )
    (intro,) = nudges(yan, "introduction")
    assert intro.title == "Vic Voucher can introduce you to Zoe Stranger"

    s = guidance.load()
    graph = engine.TrustGraph.from_edges(
        s.edge_truster,
        s.edge_trustee,
        engine.Opinions(s.edge_b, s.edge_d, s.edge_u, np.full(s.edge_b.size, 0.5)),
        n_people=s.n,
    )
    vouching = engine.vouch(
        graph, s.index[yan.person.pk], s.index[zoe.person.pk], max_hops=2, exclude_direct=True
    )
    assert [s.people[v] for v in vouching.vouchers] == [vic.person.pk, val.person.pk]
