"""A rater answers from a one-time link; what is stored cannot be traced back to them."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, models, transaction
from django.utils import timezone

from tests.assessments.conftest import all_answered, new_campaign
from trustledger.accounts.models import User
from trustledger.assessments import services
from trustledger.assessments.models import (
    AttributedResponse,
    Invitation,
    Rater,
    Response,
)
from trustledger.assessments.services import IssuedLink, LinkRefused
from trustledger.db import AppendOnlyError
from trustledger.org.models import Person


def _launched(people, instrument_id: str = "abcd-leader", **kwargs) -> list[IssuedLink]:
    subject = people["platform"].pk if instrument_id != "abcd-leader" else people["lea"].pk
    campaign = new_campaign(people["hr"], [subject], instrument_id, **kwargs)
    return services.launch(people["hr"], campaign.pk)


def _link(links: list[IssuedLink], group: str) -> IssuedLink:
    return next(link for link in links if link.group == group)


def _others_form():
    return services.find_instrument("abcd-leader", 1).form("others")


def test_a_link_records_one_response_and_refuses_a_second_use(people):
    link = _link(_launched(people), "peers")
    services.respond(link.token, all_answered(_others_form(), 6), "Share plans earlier.")

    stored = Response.objects.get()
    assert stored.answers == [6] * len(_others_form().items)
    assert stored.comment == "Share plans earlier."
    assert Invitation.objects.get(pk=link.invitation_id).used_at is not None

    with pytest.raises(LinkRefused, match="already been used") as refused:
        services.respond(link.token, all_answered(_others_form(), 1))
    assert refused.value.reason == LinkRefused.USED
    assert Response.objects.count() == 1


def test_a_link_past_the_close_is_refused(people):
    links = _launched(people, closes_in=dt.timedelta(seconds=1))
    time.sleep(max(0.0, (Invitation.objects.first().expires_at - timezone.now()).total_seconds()))
    time.sleep(0.05)
    with pytest.raises(LinkRefused, match="closed") as refused:
        services.respond(_link(links, "peers").token, all_answered(_others_form()))
    assert refused.value.reason == LinkRefused.EXPIRED
    assert not Response.objects.exists()


def test_a_link_of_a_campaign_closed_early_is_refused(people):
    links = _launched(people)
    services.close(people["hr"], Invitation.objects.first().campaign_id)
    with pytest.raises(LinkRefused) as refused:
        services.respond(_link(links, "manager").token, all_answered(_others_form()))
    assert refused.value.reason == LinkRefused.EXPIRED


def test_a_link_before_the_campaign_opens_is_refused(people):
    links = _launched(people, opens_in=dt.timedelta(days=1))
    with pytest.raises(LinkRefused, match="not open yet"):
        services.respond(_link(links, "peers").token, all_answered(_others_form()))


def test_an_unknown_or_mangled_link_is_refused(people):
    link = _link(_launched(people), "peers")
    for token in ("", "x" * 43, link.token[:-1]):
        with pytest.raises(LinkRefused) as refused:
            services.respond(token, all_answered(_others_form()))
        assert refused.value.reason == LinkRefused.UNKNOWN


def test_answers_must_fit_the_form_and_a_refused_answer_does_not_use_up_the_link(people):
    link = _link(_launched(people), "direct_reports")
    form = _others_form()
    answers: dict[str, object] = all_answered(form)
    answers.update({"able-1": 8, "able-2": 0, "able-3": True, "able-4": "5", "bogus": 3})
    del answers["overall"]
    with pytest.raises(ValidationError) as refused:
        services.respond(link.token, answers)  # type: ignore[arg-type]
    assert set(refused.value.message_dict) == {
        "able-1",
        "able-2",
        "able-3",
        "able-4",
        "bogus",
        "overall",
    }
    assert "choose a point from 1 to 7" in refused.value.message_dict["able-1"]
    with pytest.raises(ValidationError, match="comment"):
        services.respond(link.token, all_answered(form), "x" * 2001)

    assert Invitation.objects.get(pk=link.invitation_id).used_at is None
    services.respond(link.token, all_answered(form))
    assert Response.objects.count() == 1


def test_others_may_skip_an_item_explicitly_but_a_pulse_needs_every_answer(people):
    form = _others_form()
    link = _link(_launched(people), "peers")
    answers: dict[str, int | None] = all_answered(form, 4)
    answers["connected-2"] = None
    services.respond(link.token, answers)
    stored = Response.objects.get().answers
    assert stored[[i.id for i in form.items].index("connected-2")] is None
    assert stored.count(None) == 1

    pulse = services.find_instrument("team-trust-pulse").form("team")
    pulse_link = _link(_launched(people, "team-trust-pulse"), "team")
    skipped: dict[str, int | None] = all_answered(pulse)
    skipped["pulse-able"] = None
    with pytest.raises(ValidationError, match="every item"):
        services.respond(pulse_link.token, skipped)


def test_answers_are_stored_in_the_forms_item_order(people):
    form = _others_form()
    link = _link(_launched(people), "manager")
    answers = {item.id: 1 + n % 7 for n, item in enumerate(reversed(form.items))}
    services.respond(link.token, answers)
    stored = Response.objects.get()
    assert stored.answers == [answers[item.id] for item in form.items]
    assert (stored.instrument_id, stored.instrument_version, stored.form_id) == (
        "abcd-leader",
        1,
        "others",
    )
    assert (stored.group, stored.team) == ("manager", people["platform"])


def test_an_anonymous_response_has_no_column_or_relation_that_leads_to_a_person(people):
    traceable = {Person, User, Invitation, Rater, AttributedResponse}
    for field in Response._meta.get_fields():
        if field.is_relation:
            assert field.related_model not in traceable, field.name
            assert not field.auto_created, f"{field.name}: nothing may point at a response"
        assert not isinstance(field, models.DateField | models.DateTimeField), field.name
        assert not any(
            word in field.name for word in ("person", "user", "respondent", "token", "digest")
        ), field.name

    # And the stored row holds none of the invitation's identifiers.
    link = _link(_launched(people), "peers")
    services.respond(link.token, all_answered(_others_form()), "Keep it up.")
    invitation = Invitation.objects.get(pk=link.invitation_id)
    row = " ".join(str(v) for v in Response.objects.values().get().values())
    for secret in (
        str(invitation.pk),
        invitation.token_digest,
        str(invitation.person_id),
        link.token,
        str(invitation.used_at.date()),
    ):
        assert secret not in row


def test_a_self_rating_is_stored_with_its_author(people):
    links = _launched(people)
    self_form = services.find_instrument("abcd-leader", 1).form("self")
    services.respond(_link(links, "self").token, all_answered(self_form, 7))
    own = AttributedResponse.objects.get()
    assert own.respondent == people["lea"]
    assert own.group == "self"
    assert own.form_id == "self"
    assert not Response.objects.exists()


def test_stored_responses_are_never_changed_or_deleted(people):
    link = _link(_launched(people), "peers")
    services.respond(link.token, all_answered(_others_form()))
    response = Response.objects.get()
    response.comment = "edited"
    with pytest.raises(AppendOnlyError):
        response.save()
    with pytest.raises(AppendOnlyError):
        response.delete()
    with pytest.raises(DatabaseError), transaction.atomic():
        Response.objects.update(comment="edited")
    with pytest.raises(DatabaseError), transaction.atomic():
        Invitation.objects.filter(pk=link.invitation_id).update(used_at=None)
    assert Response.objects.get().comment == ""
