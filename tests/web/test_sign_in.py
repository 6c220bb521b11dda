"""Signing in and out, being paused after repeated failures, resetting a forgotten password."""

import re

import pytest
from django.core import mail
from django.test import Client

from tests import factories


def test_a_person_signs_in_with_their_email_and_lands_on_their_profile(client, org):
    response = client.post(
        "/login/",
        {"username": org["ben_user"].username, "password": factories.PASSWORD},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == "/me/"
    assert "Ben Report" in response.content.decode()


def test_a_wrong_password_is_refused_with_a_message(client, org):
    response = client.post("/login/", {"username": org["ben_user"].username, "password": "nope"})
    assert response.status_code == 200
    assert "correct" in response.content.decode()  # Django: "enter a correct username and password"
    assert "_auth_user_id" not in client.session


def test_pages_ask_to_sign_in_first(client, org):
    for url in ("/me/", "/people/", "/teams/", "/org-chart/", "/audit/", "/me/tokens/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/login/?next=")


def test_signing_out_is_a_post_form_and_ends_the_session(client, org):
    client.force_login(org["ben_user"])
    assert 'action="/logout/"' in client.get("/me/").content.decode()
    client.post("/logout/")
    assert client.get("/me/").status_code == 302


def test_repeated_failures_pause_sign_in_and_say_how_long_to_wait(client, org, settings):
    username = org["ben_user"].username
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/login/", {"username": username, "password": "wrong"})
    response = client.post("/login/", {"username": username, "password": factories.PASSWORD})
    assert response.status_code == 429
    page = response.content.decode()
    assert "Sign-in paused" in page
    assert "wait 15 minutes" in page
    assert "_auth_user_id" not in client.session


def test_a_forgotten_password_is_reset_through_the_link_in_the_email(org):
    client = Client()
    email = org["ben_user"].email
    response = client.post("/password-reset/", {"email": email}, follow=True)
    assert "Check your e-mail" in response.content.decode()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [email]
    link = re.search(r"http://testserver(/password-reset/\S+/)", mail.outbox[0].body)
    assert link, mail.outbox[0].body

    form_page = client.get(link.group(1), follow=True)
    assert "Choose a new password" in form_page.content.decode()
    set_url = form_page.redirect_chain[-1][0]
    new_password = "a-brand-new-long-passphrase-42"
    done = client.post(
        set_url, {"new_password1": new_password, "new_password2": new_password}, follow=True
    )
    assert "Your password is changed" in done.content.decode()

    fresh = Client()
    old = fresh.post("/login/", {"username": email, "password": factories.PASSWORD})
    assert old.status_code == 200  # the form again: the old password no longer works
    signed_in = fresh.post("/login/", {"username": email, "password": new_password})
    assert signed_in.status_code == 302


@pytest.mark.django_db
def test_a_reset_for_an_unknown_address_sends_nothing_and_reveals_nothing(client):
    response = client.post("/password-reset/", {"email": "nobody@example.com"}, follow=True)
    assert "Check your e-mail" in response.content.decode()
    assert mail.outbox == []
