"""My digest: the guidance rules' nudges for me now, my past weekly digests, and which
channels carry the digest (``/me/digest``, ``/me/digest/preferences``).

Parse → ``Actor.from_request`` → one service call (:mod:`trustledger.insights.digest`) →
schema. Private to the caller; an account without a person gets 403. See docs/guidance.md.
"""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Router, Schema
from pydantic import Field

from trustledger.accounts.actors import Actor
from trustledger.api.errors import COMMON_ERRORS
from trustledger.insights import digest
from trustledger.insights.guidance import Nudge

router = Router(tags=["guidance"])


class NudgeOut(Schema):
    """One suggestion: what to do, why I see it (the facts that triggered it), where to act."""

    kind: str = Field(
        description="commitment_due, confirm_delivery, introduction, start_small, go_first "
        "or weakest_dimension"
    )
    title: str
    why: str = Field(description='"why am I seeing this?", built from the triggering facts')
    advice: str = Field(description="what to do about it, the same for every nudge of a kind")
    behaviours: list[str] = Field(description="concrete behaviours (weakest dimension only)")
    url: str = Field(description="where to act, relative to the site")
    key: str = Field(description="names the situation; the same situation keeps its key")


class PastDigestOut(Schema):
    week: str = Field(description="ISO week, e.g. 2026-W48")
    as_of: dt.datetime
    nudges: list[NudgeOut]


class DigestOut(Schema):
    """My nudges as of now and my past weekly digests, newest first."""

    as_of: dt.datetime
    week: str
    nudges: list[NudgeOut]
    past: list[PastDigestOut]


class PreferencesIO(Schema):
    """Which channels carry my weekly digest; the web inbox always does."""

    email: bool = True
    webhook: bool = True


def _nudge(nudge: Nudge) -> NudgeOut:
    return NudgeOut(**nudge.as_dict(), advice=nudge.advice, behaviours=list(nudge.behaviours))


def _actor(request: HttpRequest) -> Actor:
    return Actor.from_request(request, via="api")


@router.get("/me/digest", response={200: DigestOut, **COMMON_ERRORS}, summary="My digest")
def my_digest(request: HttpRequest) -> DigestOut:
    """The guidance for me now (each nudge with why I see it) and my past weekly digests."""
    inbox = digest.my_digest(_actor(request))
    return DigestOut(
        as_of=inbox.as_of,
        week=inbox.week,
        nudges=[_nudge(n) for n in inbox.nudges],
        past=[
            PastDigestOut(week=p.week, as_of=p.as_of, nudges=[_nudge(n) for n in p.nudges])
            for p in inbox.past
        ],
    )


@router.get(
    "/me/digest/preferences",
    response={200: PreferencesIO, **COMMON_ERRORS},
    summary="My digest channels",
)
def my_digest_preferences(request: HttpRequest) -> PreferencesIO:
    """Whether my weekly digest also comes by e-mail and to the chat webhook."""
    prefs = digest.preferences(_actor(request))
    return PreferencesIO(email=prefs.email, webhook=prefs.webhook)


@router.put(
    "/me/digest/preferences",
    response={200: PreferencesIO, **COMMON_ERRORS},
    summary="Choose my digest channels",
)
def set_my_digest_preferences(request: HttpRequest, payload: PreferencesIO) -> PreferencesIO:
    """Turn the e-mail and webhook channels of my weekly digest on or off."""
    prefs = digest.set_preferences(_actor(request), email=payload.email, webhook=payload.webhook)
    return PreferencesIO(email=prefs.email, webhook=prefs.webhook)
