"""How API callers prove who they are: an API token, or the session cookie of the web UI.

- ``Authorization: Bearer tl_…``: an API token (accounts.tokens). A presented token that is
  unknown, revoked or expired is refused with 401 even when a session cookie is also sent, so
  a client never silently acts as someone else. A token without the ``write`` scope is refused
  (403, audited) on any method that changes something.
- The session cookie, with Django's CSRF check on every unsafe method, exactly as for a form.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.http import HttpRequest
from ninja.errors import AuthenticationError
from ninja.security import APIKeyCookie, HttpBearer

from trustledger.accounts.actors import Actor
from trustledger.accounts.tokens import authenticate_token
from trustledger.audit import services as audit

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
BAD_TOKEN_MESSAGE = "this API token is unknown, revoked or expired"


class TokenAuth(HttpBearer):
    """``Authorization: Bearer tl_…``. Sets ``request.user`` and ``request.token_scopes``."""

    def __call__(self, request: HttpRequest) -> Any:
        header = request.headers.get(self.header, "")
        if header and header.split(" ", 1)[0].lower() == "bearer":
            return super().__call__(request)
        return None

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        """The token's user, or a 401 for any token that does not authenticate."""
        found = authenticate_token(token.strip())
        if found is None:
            raise AuthenticationError(message=BAD_TOKEN_MESSAGE)
        user, scopes = found
        request.user = user
        request.token_scopes = scopes  # type: ignore[attr-defined]
        if request.method not in SAFE_METHODS and "write" not in scopes:
            audit.deny(
                Actor.from_request(request, via="api"),
                "api.write",
                "api",
                request.path[:64],
                "this API token is read-only",
            )
        return user


class SessionCookieAuth(APIKeyCookie):
    """The web UI's session; unsafe methods must carry the CSRF token (``X-CSRFToken``)."""

    param_name = settings.SESSION_COOKIE_NAME

    def _get_key(self, request: HttpRequest) -> str | None:
        # Without a signed-in session there is nothing to forge: answer 401, not a CSRF 403.
        if not request.user.is_authenticated:
            return None
        return super()._get_key(request)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        """The signed-in user of the session, if any."""
        user = request.user
        if isinstance(user, get_user_model()) and user.is_authenticated:
            return user
        return None


#: Every operation accepts either; the token is tried first.
API_AUTH = [TokenAuth(), SessionCookieAuth()]
