"""The audit log in the admin: read-only, and reading it is itself audited."""

from django.contrib import admin

from trustledger.audit.admin_mixins import AuditedReadsMixin, ReadOnlyAdminMixin
from trustledger.audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(AuditedReadsMixin, ReadOnlyAdminMixin, admin.ModelAdmin[AuditEvent]):
    """Read-only: the audit log is append-only."""

    audit_object_type = "audit"
    list_display = ["at", "actor_label", "action", "object_type", "object_id", "allowed", "via"]
    list_filter = ["action", "allowed", "via"]
    search_fields = ["actor_label", "object_id", "action"]
