"""The signed-in account (``/me``) and its API tokens."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field

from trustledger.accounts import tokens
from trustledger.accounts.actors import Actor
from trustledger.accounts.models import ApiToken
from trustledger.api.errors import COMMON_ERRORS, OBJECT_ERRORS
from trustledger.api.org import PersonRecordOut, record_out
from trustledger.api.schemas import Text
from trustledger.org import services as org

router = Router(tags=["accounts and tokens"])


class MeOut(Schema):
    """The signed-in account and, if it is linked to one, that person's full record."""

    username: str
    role: str
    is_manager: bool
    person: PersonRecordOut | None


class TokenOut(Schema):
    """An API token as listed: the secret is never shown again, only its ``prefix``."""

    id: uuid.UUID
    name: str
    prefix: str
    scopes: list[str]
    created_at: dt.datetime
    expires_at: dt.datetime | None
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None


class TokenCreatedOut(TokenOut):
    """A new token, with its ``secret`` — shown this once, store it now."""

    secret: str


Scope = Literal["read", "write"]


def _read_only() -> list[Scope]:
    return ["read"]


class TokenIn(Schema):
    """A new token for the signed-in account. ``read`` reads; ``write`` also changes."""

    name: Text = Field(min_length=1, max_length=100)
    scopes: list[Scope] = Field(default_factory=_read_only, min_length=1)
    expires_at: dt.datetime | None = None


def _actor(request: HttpRequest) -> Actor:
    return Actor.from_request(request, via="api")


@router.get("/me", response={200: MeOut, **COMMON_ERRORS})
def me(request: HttpRequest) -> MeOut:
    """Who am I: account, role, whether I manage anyone today, and my own record."""
    actor = _actor(request)
    assert actor.user is not None  # from_request only returns signed-in users
    own = actor.person
    record = record_out(org.person_record(actor, own.pk)) if own is not None else None
    return MeOut(
        username=actor.user.get_username(),
        role=actor.user.role,
        is_manager=org.is_manager(own) if own is not None else False,
        person=record,
    )


@router.get("/tokens", response={200: list[TokenOut], **COMMON_ERRORS})
def list_tokens(request: HttpRequest) -> list[ApiToken]:
    """My API tokens, newest first, revoked ones included."""
    return list(tokens.list_tokens(_actor(request)))


@router.post("/tokens", response={201: TokenCreatedOut, **COMMON_ERRORS})
def create_token(request: HttpRequest, payload: TokenIn) -> Status[dict[str, Any]]:
    """Create an API token; the response holds the secret, shown this once.

    Requests authenticated by a token cannot create tokens (sign in to the web UI or use a
    session): a leaked token must not be able to mint more.
    """
    token, secret = tokens.create_token(
        _actor(request), payload.name, list(payload.scopes), expires_at=payload.expires_at
    )
    return Status(201, {**TokenOut.model_validate(token).model_dump(), "secret": secret})


@router.delete("/tokens/{token_id}", response={200: TokenOut, **OBJECT_ERRORS})
def revoke_token(request: HttpRequest, token_id: uuid.UUID) -> ApiToken:
    """Revoke a token: it stops working at once. Revoking twice is harmless."""
    return tokens.revoke_token(_actor(request), token_id)
