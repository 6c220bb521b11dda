"""The audit log, for administrators: who did what to what, when, and what was refused."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Query, Router, Schema

from trustledger.accounts.actors import Actor
from trustledger.api.errors import COMMON_ERRORS
from trustledger.api.schemas import Limit, Offset, Page, Text, page_of
from trustledger.audit import services

router = Router(tags=["audit log"])


class AuditEventOut(Schema):
    """One entry of the append-only audit log. ``allowed`` is false for a refused attempt."""

    id: int
    at: dt.datetime
    actor_label: str
    action: str
    object_type: str
    object_id: str
    allowed: bool
    via: str
    detail: dict[str, Any]


@router.get("/audit", response={200: Page[AuditEventOut], **COMMON_ERRORS})
def list_audit_events(
    request: HttpRequest,
    action: Annotated[Text | None, Query(max_length=64, description="e.g. person.read")] = None,
    actor: Annotated[Text | None, Query(max_length=200, description="part of a name")] = None,
    object_id: Annotated[Text | None, Query(max_length=64)] = None,
    allowed: Annotated[bool | None, Query(description="false: only refused attempts")] = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> dict[str, object]:
    """The audit log, newest first (administrators only; the read is itself audited)."""
    events = services.list_events(
        Actor.from_request(request, via="api"),
        action=action,
        actor_label=actor,
        object_id=object_id,
        allowed=allowed,
    )
    return page_of(events, limit, offset)
