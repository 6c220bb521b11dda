"""A rater opens a one-time survey link in a browser, signed out, and answers."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils.html import escape

from tests.assessments.conftest import new_campaign
from trustledger.assessments import services
from trustledger.assessments.models import Invitation, Response
from trustledger.assessments.services import IssuedLink


def _links(people, instrument_id: str = "abcd-leader", **kwargs) -> list[IssuedLink]:
    subject = people["lea"].pk if instrument_id == "abcd-leader" else people["platform"].pk
    campaign = new_campaign(people["hr"], [subject], instrument_id, **kwargs)
    return services.launch(people["hr"], campaign.pk)


def _link(links: list[IssuedLink], group: str) -> IssuedLink:
    return next(link for link in links if link.group == group)


def _url(link: IssuedLink) -> str:
    return f"/survey/{link.token}/"


def _others_form():
    return services.find_instrument("abcd-leader", 1).form("others")


def _all(form, value: str = "6") -> dict[str, str]:
    return {f"item-{item.id}": value for item in form.items}


def _assert_private(response) -> None:
    assert response["Cache-Control"] == "no-store"
    assert response["Referrer-Policy"] == "same-origin"


def test_a_signed_out_peer_sees_every_item_with_the_scale_and_cannot_say(people):
    link = _link(_links(people), "peers")
    response = Client().get(_url(link))

    assert response.status_code == 200
    _assert_private(response)
    page = response.content.decode()
    form = _others_form()
    assert page.count("<fieldset") == len(form.items)
    for item in form.items:
        assert escape(item.text) in page
        assert f'name="item-{item.id}" value="7"' in page
    assert page.count('value="skip"') == len(form.items)
    assert "Strongly disagree" in page
    assert "Strongly agree" in page
    assert "About Lea Leader" in page
    assert "Your answers are anonymous" in page
    assert "your name, your account, this link, or when you answered" in page
    assert "at least 5 people" in page
    assert "at least 10 people in a group left one, without names and in random order" in page
    assert "csrfmiddlewaretoken" in page


def test_a_team_pulse_has_no_cannot_say(people):
    link = _link(_links(people, "team-trust-pulse"), "team")
    page = Client().get(_url(link)).content.decode()
    assert page.count("<fieldset") == 5
    assert 'value="skip"' not in page
    assert "What would make this team easier to rely on?" in page


def test_a_self_rating_says_it_is_stored_with_the_name(people):
    link = _link(_links(people), "self")
    page = Client().get(_url(link)).content.decode()
    assert "About yourself" in page
    assert "Your self-rating is stored with your name" in page
    assert "Your answers are anonymous" not in page


def test_answering_every_item_records_one_response_and_thanks_the_rater(people):
    link = _link(_links(people), "peers")
    client = Client()
    data = _all(_others_form()) | {"item-able-2": "skip", "comment": "Share plans earlier."}
    response = client.post(_url(link), data)

    assert response.status_code == 302
    assert response["Location"] == "/survey/thanks/"
    _assert_private(response)
    stored = Response.objects.get()
    assert stored.answers[0] == 6
    assert stored.answers[1] is None
    assert stored.comment == "Share plans earlier."

    thanks = client.get("/survey/thanks/")
    assert thanks.status_code == 200
    _assert_private(thanks)
    assert "your answers are recorded" in thanks.content.decode()
    assert "<form" not in thanks.content.decode().split('id="main"')[1]


def test_missing_answers_are_named_and_the_given_ones_kept(people):
    link = _link(_links(people), "peers")
    data = _all(_others_form(), "3")
    del data["item-believable-1"]
    data["item-dependable-2"] = "99"
    data["comment"] = "Keep this text"
    response = Client().post(_url(link), data)

    assert response.status_code == 400
    _assert_private(response)
    page = response.content.decode()
    assert "Some answers need another look" in page
    assert page.count('class="field-error"') == 2
    assert '<a href="#q-believable-1">Item 5: answer this item or skip it</a>' in page
    assert '<a href="#q-dependable-2">Item 14: choose a point from 1 to 7</a>' in page
    assert 'name="item-able-1" value="3" checked' in page
    assert 'name="item-dependable-2" value="3" checked' not in page
    assert "Keep this text</textarea>" in page
    assert Response.objects.count() == 0
    assert Invitation.objects.get(pk=link.invitation_id).used_at is None


def test_a_too_long_comment_is_refused_next_to_the_comment_box(people):
    link = _link(_links(people), "peers")
    data = _all(_others_form()) | {"comment": "x" * (services.COMMENT_MAX + 1)}
    page = Client().post(_url(link), data).content.decode()
    assert 'id="comment-error"' in page
    assert Response.objects.count() == 0


def test_a_used_link_is_gone_and_cannot_be_answered_again(people):
    link = _link(_links(people), "peers")
    client = Client()
    client.post(_url(link), _all(_others_form()))

    again = client.get(_url(link))
    assert again.status_code == 410
    _assert_private(again)
    assert "This link has already been used" in again.content.decode()
    assert "Lea Leader" not in again.content.decode()

    resend = client.post(_url(link), _all(_others_form(), "1"))
    assert resend.status_code == 410
    assert Response.objects.count() == 1


def test_an_unknown_link_says_nothing_about_any_campaign(people):
    _links(people)
    response = Client().get("/survey/not-a-real-token-at-all/")

    assert response.status_code == 404
    _assert_private(response)
    page = response.content.decode()
    assert "This link does not work" in page
    for secret in ("Autumn 2026", "Lea Leader", "ABCD", "leader assessment", "<fieldset"):
        assert secret not in page
    assert Client().post("/survey/not-a-real-token-at-all/", {}).status_code == 404


def test_a_closed_survey_is_gone(people):
    links = _links(people)
    services.close(people["hr"], Invitation.objects.first().campaign_id)
    response = Client().get(_url(_link(links, "peers")))
    assert response.status_code == 410
    assert "This survey has closed" in response.content.decode()


def test_a_survey_not_open_yet_says_so(people):
    links = _links(people, opens_in=dt.timedelta(days=2))
    response = Client().get(_url(_link(links, "peers")))
    assert response.status_code == 403
    _assert_private(response)
    assert "This survey is not open yet" in response.content.decode()
    assert "<fieldset" not in response.content.decode()


def test_a_post_without_the_csrf_token_is_refused(people):
    link = _link(_links(people), "peers")
    response = Client(enforce_csrf_checks=True).post(_url(link), _all(_others_form()))
    assert response.status_code == 403
    assert Response.objects.count() == 0


def test_a_post_from_another_site_is_refused_even_with_a_token(people):
    link = _link(_links(people), "peers")
    client = Client(enforce_csrf_checks=True)
    page = client.get(_url(link), secure=True).content.decode()
    token = page.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
    data = _all(_others_form()) | {"csrfmiddlewaretoken": token}
    foreign = client.post(_url(link), data, secure=True, headers={"origin": "https://evil.example"})
    assert foreign.status_code == 403
    assert Response.objects.count() == 0
    sent = client.post(_url(link), data, secure=True, headers={"origin": "https://testserver"})
    assert sent.status_code == 302
    assert Response.objects.count() == 1


def test_a_signed_in_person_can_answer_too(people, client):
    link = _link(_links(people, "team-trust-pulse"), "team")
    client.force_login(people["employee"].user)
    assert client.get(_url(link)).status_code == 200


@pytest.mark.parametrize("method", ["put", "delete"])
def test_only_get_and_post_are_allowed(people, method):
    link = _link(_links(people), "peers")
    assert getattr(Client(), method)(_url(link)).status_code == 405
