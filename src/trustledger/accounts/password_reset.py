"""Password-reset requests are limited, so nobody can flood a mailbox through the reset form.

Each request is written to the audit log (who asked, from where); the limits count those rows,
so they hold across server processes and restarts without a shared cache.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from django.utils import timezone

from trustledger.accounts.actors import Actor
from trustledger.audit import services as audit
from trustledger.audit.models import AuditEvent

ACTION = "account.password_reset_requested"
PER_ADDRESS_PER_HOUR = 3
PER_CLIENT_PER_HOUR = 20


def _address_key(email: str) -> str:
    # The audit log identifies the address by a digest: it need not hold e-mails of strangers.
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]


def allow_request(email: str, ip: str | None) -> bool:
    """Record a reset request; ``False`` when this address or this client asked too often in
    the last hour (the caller then sends nothing, and says the same as when it sends)."""
    key = _address_key(email)
    recent = AuditEvent.objects.filter(
        action=ACTION, at__gte=timezone.now() - dt.timedelta(hours=1)
    )
    too_many = recent.filter(object_id=key).count() >= PER_ADDRESS_PER_HOUR
    if ip and not too_many:
        too_many = recent.filter(detail__ip=ip).count() >= PER_CLIENT_PER_HOUR
    audit.record(Actor.visitor(ip), ACTION, "account", key, allowed=not too_many, detail={"ip": ip})
    return not too_many
