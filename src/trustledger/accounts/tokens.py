"""API tokens: created and shown once, stored as a SHA-256 digest, scoped, revocable.

A token looks like ``tl_<prefix>_<secret>``; the prefix finds the row, the digest of the
whole token proves it. Tokens carry 256 bits of randomness, so a fast hash is the right one
(a slow password hash would buy nothing and cost every request).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import uuid

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from trustledger.accounts.actors import Actor
from trustledger.accounts.models import ApiToken, TokenScope, User
from trustledger.audit import services as audit

TOKEN_PREFIX = "tl_"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(
    actor: Actor, name: str, scopes: list[str], expires_at: dt.datetime | None = None
) -> tuple[ApiToken, str]:
    """Create a token for the acting user.

    Returns the row and the secret; the secret is never shown again.
    """
    if actor.user is None:
        raise ValidationError("API tokens belong to a user account")
    if actor.scopes is not None:
        audit.deny(actor, "token.create", "token", "", "API tokens cannot create API tokens")
    name = name.strip()
    if not name:
        raise ValidationError({"name": "give the token a name"})
    unknown = sorted(set(scopes) - set(TokenScope.values))
    if unknown or not scopes:
        raise ValidationError(
            {"scopes": f"choose from {', '.join(TokenScope.values)}; got {', '.join(unknown)}"}
        )
    prefix = secrets.token_hex(4)
    secret = f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(
        user=actor.user,
        name=name,
        prefix=prefix,
        digest=_digest(secret),
        scopes=sorted(set(scopes)),
        expires_at=expires_at,
    )
    audit.record(actor, "token.create", "token", token.pk, detail={"scopes": token.scopes})
    return token, secret


def list_tokens(actor: Actor) -> QuerySet[ApiToken]:
    """The acting user's tokens, newest first (secrets are not stored, so never shown)."""
    if actor.user is None:
        return ApiToken.objects.none()
    return ApiToken.objects.filter(user=actor.user)


def revoke_token(actor: Actor, token_id: uuid.UUID | str) -> ApiToken:
    """Revoke one of the acting user's tokens (admins may revoke anyone's)."""
    try:
        token = ApiToken.objects.get(pk=token_id)
    except (ApiToken.DoesNotExist, ValidationError, ValueError):
        raise Http404(f"no token with id {token_id}") from None
    if not (actor.is_admin or (actor.user is not None and token.user_id == actor.user.pk)):
        audit.deny(actor, "token.revoke", "token", token.pk, "not your token")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit.record(actor, "token.revoke", "token", token.pk)
    return token


def authenticate_token(raw: str) -> tuple[User, frozenset[str]] | None:
    """The user and scopes for a presented token; ``None`` if unknown, revoked or expired."""
    if not raw.startswith(TOKEN_PREFIX):
        return None
    prefix, _, _ = raw[len(TOKEN_PREFIX) :].partition("_")
    token = ApiToken.objects.select_related("user").filter(prefix=prefix).first()
    if token is None or not hmac.compare_digest(token.digest, _digest(raw)):
        return None
    now = timezone.now()
    if token.revoked_at is not None or (token.expires_at is not None and token.expires_at <= now):
        return None
    if not token.user.is_active:
        return None
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user, frozenset(token.scopes)
