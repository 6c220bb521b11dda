"""Recording to and reading from the audit log."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from trustledger.accounts.actors import Actor
from trustledger.audit.models import AuditEvent


def record(
    actor: Actor,
    action: str,
    object_type: str = "",
    object_id: object = "",
    *,
    allowed: bool = True,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one entry: ``actor`` did ``action`` to ``object_type``/``object_id``."""
    return AuditEvent.objects.create(
        actor=actor.user,
        actor_label=actor.label,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        allowed=allowed,
        via=actor.via,
        detail=detail or {},
    )


def deny(actor: Actor, action: str, object_type: str, object_id: object, reason: str) -> None:
    """Record a refused attempt and raise :class:`PermissionDenied` with ``reason``."""
    record(actor, action, object_type, object_id, allowed=False, detail={"reason": reason})
    raise PermissionDenied(reason)


def list_events(
    actor: Actor,
    *,
    action: str | None = None,
    actor_label: str | None = None,
    object_id: str | None = None,
    allowed: bool | None = None,
) -> QuerySet[AuditEvent]:
    """The audit log, newest first. Admins only; reading it is itself audited."""
    if not actor.is_admin:
        deny(actor, "audit.read", "audit", "", "only administrators may read the audit log")
    events = AuditEvent.objects.all()
    if action:
        events = events.filter(action=action)
    if actor_label:
        events = events.filter(actor_label__icontains=actor_label)
    if object_id:
        events = events.filter(object_id=object_id)
    if allowed is not None:
        events = events.filter(allowed=allowed)
    record(
        actor,
        "audit.read",
        "audit",
        "",
        detail={
            "filters": {
                "action": action,
                "actor": actor_label,
                "object_id": object_id,
                "allowed": allowed,
            }
        },
    )
    return events
