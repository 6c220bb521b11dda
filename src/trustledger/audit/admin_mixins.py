"""Admin pages that cannot bypass the service layer: read-only, and every read audited.

People, reporting lines and roles change only through the services (audited, checked for
cycles, history kept); the Django admin is a window onto the data, not a second way to edit it.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse

from trustledger.accounts.actors import Actor
from trustledger.audit import services as audit


class ReadOnlyAdminMixin:
    """No add, change or delete buttons or views."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class AuditedReadsMixin:
    """Record every admin list and detail page view in the audit log (reads of personal data)."""

    audit_object_type: str = ""

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        audit.record(
            Actor.from_request(request, via="admin"),
            f"{self.audit_object_type}.list",
            self.audit_object_type,
            "",
            detail={"query": request.GET.urlencode()},
        )
        return super().changelist_view(request, extra_context)  # type: ignore[misc]

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        audit.record(
            Actor.from_request(request, via="admin"),
            f"{self.audit_object_type}.read",
            self.audit_object_type,
            object_id,
        )
        return super().change_view(request, object_id, form_url, extra_context)  # type: ignore[misc]
