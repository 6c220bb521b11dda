from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from trustledger.audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin[AuditEvent]):
    """Read-only: the audit log is append-only."""

    list_display = ["at", "actor_label", "action", "object_type", "object_id", "allowed", "via"]
    list_filter = ["action", "allowed", "via"]
    search_fields = ["actor_label", "object_id", "action"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
