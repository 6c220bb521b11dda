"""Passwords, sessions, CSRF and API tokens behave as a security review would expect."""

import datetime as dt

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone

from tests import factories
from trustledger.accounts import tokens
from trustledger.accounts.actors import Actor
from trustledger.accounts.models import ApiToken


def test_passwords_are_hashed_with_argon2(org):
    assert org["ben_user"].password.startswith("argon2")


def test_session_cookies_are_http_only_and_not_sent_cross_site():
    assert settings.SESSION_COOKIE_HTTPONLY
    assert settings.SESSION_COOKIE_SAMESITE == "Lax"
    assert settings.CSRF_COOKIE_SAMESITE == "Lax"


@pytest.mark.django_db
def test_a_form_post_without_a_csrf_token_is_refused(org):
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        "/login/", {"username": org["ben_user"].username, "password": factories.PASSWORD}
    )
    assert response.status_code == 403


def test_a_token_secret_is_shown_once_and_only_its_digest_is_stored(org):
    token, secret = tokens.create_token(factories.actor(org["ben_user"]), "laptop", ["read"])
    stored = ApiToken.objects.get(pk=token.pk)
    assert secret.startswith("tl_")
    assert secret not in (stored.digest, stored.prefix)
    assert tokens.authenticate_token(secret) == (org["ben_user"], frozenset({"read"}))


def test_a_revoked_or_expired_or_wrong_token_does_not_authenticate(org):
    actor = factories.actor(org["ben_user"])
    token, secret = tokens.create_token(actor, "old", ["read", "write"])
    assert tokens.authenticate_token(secret[:-1] + ("A" if secret[-1] != "A" else "B")) is None
    tokens.revoke_token(actor, token.pk)
    assert tokens.authenticate_token(secret) is None

    _, expired = tokens.create_token(
        actor, "short", ["read"], expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    assert tokens.authenticate_token(expired) is None


def test_nobody_revokes_another_persons_token(org):
    token, _ = tokens.create_token(factories.actor(org["ana_user"]), "ana", ["read"])
    with pytest.raises(PermissionDenied):
        tokens.revoke_token(factories.actor(org["ben_user"]), token.pk)
    assert tokens.revoke_token(factories.actor(org["admin_user"]), token.pk).revoked_at


def test_a_token_cannot_mint_more_tokens(org):
    user = org["ben_user"]
    via_token = Actor.for_user(user, via="api", scopes=frozenset({"read", "write"}))
    with pytest.raises(PermissionDenied):
        tokens.create_token(via_token, "child", ["read"])


def test_token_scopes_must_be_known(org):
    with pytest.raises(ValidationError, match="scopes"):
        tokens.create_token(factories.actor(org["ben_user"]), "x", ["admin"])


def test_the_role_decides_who_may_use_the_django_admin(org):
    admin = org["admin_user"]
    assert admin.is_staff
    assert admin.is_superuser
    admin.role = "employee"
    admin.save()
    admin.refresh_from_db()
    assert not admin.is_staff
    assert not admin.is_superuser
    ben = org["ben_user"]
    assert not ben.is_staff
