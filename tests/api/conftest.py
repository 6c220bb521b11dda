"""Real HTTP against a live server: API clients signed in by token or by session cookie."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
import requests
from django.conf import settings
from django.test import Client

from tests import factories
from trustledger.accounts import tokens
from trustledger.accounts.models import User

CSRF_SECRET = "a" * 32  # an (unmasked) CSRF secret; Django accepts it in cookie and header alike


class Api(requests.Session):
    """A ``requests`` session resolving relative URLs against /api/v1 of the live server."""

    def __init__(self, base: str) -> None:
        super().__init__()
        self.base = base

    def request(self, method: str | bytes, url: str | bytes, *args, **kwargs):  # type: ignore[no-untyped-def, override]
        if isinstance(url, str) and url.startswith("/"):
            url = self.base + url
        kwargs.setdefault("timeout", 30)
        return super().request(method, url, *args, **kwargs)


@pytest.fixture
def api_base(live_server) -> str:
    return f"{live_server.url}/api/v1"


@pytest.fixture
def anonymous(api_base: str) -> Iterator[Api]:
    with Api(api_base) as session:
        yield session


def new_token(account: User, scopes: tuple[str, ...] = ("read", "write")) -> str:
    """A fresh API token for ``account``, made as the web UI makes it (a session actor)."""
    _, secret = tokens.create_token(factories.actor(account), "test token", list(scopes))
    return secret


@pytest.fixture
def token_client(api_base: str) -> Iterator[Callable[..., Api]]:
    """``token_client(user, scopes=...)``: an API client authenticated by a new bearer token."""
    sessions: list[Api] = []

    def make(account: User, scopes: tuple[str, ...] = ("read", "write")) -> Api:
        session = Api(api_base)
        session.headers["Authorization"] = f"Bearer {new_token(account, scopes)}"
        sessions.append(session)
        return session

    yield make
    for session in sessions:
        session.close()


@pytest.fixture
def session_client(api_base: str, live_server) -> Iterator[Callable[..., Api]]:
    """``session_client(user, csrf=True)``: an API client carrying a signed-in session cookie.

    With ``csrf`` it also sends the CSRF cookie and ``X-CSRFToken`` header, as the web UI does.
    """
    sessions: list[Api] = []

    def make(account: User, csrf: bool = True) -> Api:
        browser = Client()
        browser.force_login(account)
        session = Api(api_base)
        cookie = browser.cookies[settings.SESSION_COOKIE_NAME].value
        session.cookies.set(settings.SESSION_COOKIE_NAME, cookie)
        if csrf:
            session.cookies.set(settings.CSRF_COOKIE_NAME, CSRF_SECRET)
            session.headers["X-CSRFToken"] = CSRF_SECRET
        sessions.append(session)
        return session

    yield make
    for session in sessions:
        session.close()
