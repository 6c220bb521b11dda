"""My trust profile: how others experience me, shown per dimension only over k people."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from tests import factories
from trustledger.insights import profiles
from trustledger.ledger import services as ledger

from .conftest import promise, start


def _kept_promises_to(performer, requesters, django_capture_on_commit_callbacks):
    t = start()
    with django_capture_on_commit_callbacks(execute=True):
        for i, requester in enumerate(requesters):
            at = t + dt.timedelta(days=i)
            pk = promise(performer, requester, at=at)
            ledger.take_step(performer, pk, "deliver", at=at + dt.timedelta(days=2))


def test_a_dimension_is_shown_only_once_k_people_stand_behind_it(
    people, django_capture_on_commit_callbacks, settings
):
    settings.ANONYMITY_K = 3
    others = [people["ana_actor"], people["wes_actor"]]
    _kept_promises_to(people["ben_actor"], others, django_capture_on_commit_callbacks)

    two = profiles.trust_profile(people["ben_actor"])
    dependable = next(d for d in two.dimensions if d.dimension == "dependable")
    assert not dependable.shown
    assert dependable.projected is None
    assert "at least 3 people" in dependable.note

    third = factories.actor(factories.user(factories.person("Tia Third")))
    _kept_promises_to(people["ben_actor"], [third], django_capture_on_commit_callbacks)

    three = profiles.trust_profile(people["ben_actor"])
    dependable = next(d for d in three.dimensions if d.dimension == "dependable")
    assert dependable.shown
    assert dependable.people == 3
    assert dependable.projected > 0.6
    assert three.weakest() is not None


def test_the_profile_is_only_ever_my_own(people):
    hr = factories.actor(people["hr_user"])
    with pytest.raises(PermissionDenied):
        profiles.trust_profile(hr)
    assert profiles.trust_profile(people["tom_actor"]).person_id == people["tom"].pk


def test_the_trust_table_ages_evidence_to_the_moment_asked(
    people, django_capture_on_commit_callbacks
):
    _kept_promises_to(
        people["ben_actor"], [people["ana_actor"]], django_capture_on_commit_callbacks
    )
    now = profiles.trust_table(trustees=[people["ben"].pk])
    later = profiles.trust_table(now.as_of + dt.timedelta(days=365), trustees=[people["ben"].pk])
    assert later.positive.sum() < now.positive.sum()
    assert later.positive.sum() == pytest.approx(now.positive.sum() / 2 ** (365 / 180), rel=0.5)
