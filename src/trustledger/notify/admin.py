"""Read-only admin pages for deliveries: what went out, what failed and why.

The message text is not shown: it may quote a private commitment, which administrators do not
read (PRODUCT.md). Failed deliveries are retried with ``trustledger deliver --retry-failed``.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from trustledger.notify.models import CalendarFeed, Delivery, DeliveryAttempt


class _ReadOnly:
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class AttemptInline(_ReadOnly, admin.TabularInline[DeliveryAttempt, Delivery]):
    model = DeliveryAttempt
    fields = readonly_fields = (
        "number",
        "started_at",
        "finished_at",
        "outcome",
        "status_code",
        "error",
    )
    extra = 0


@admin.register(Delivery)
class DeliveryAdmin(_ReadOnly, admin.ModelAdmin[Delivery]):
    list_display = [
        "created_at",
        "kind",
        "recipient",
        "channel",
        "status",
        "attempts",
        "next_attempt_at",
        "last_error",
    ]
    list_filter = ["status", "channel", "message__kind"]
    list_select_related = ["message", "message__recipient"]
    fields = readonly_fields = (
        "id",
        "kind",
        "recipient",
        "channel",
        "target",
        "status",
        "attempts",
        "max_attempts",
        "next_attempt_at",
        "created_at",
        "delivered_at",
        "failed_at",
        "last_error",
    )
    inlines = [AttemptInline]
    date_hierarchy = "created_at"

    @admin.display(description="kind")
    def kind(self, delivery: Delivery) -> str:
        return delivery.message.kind

    @admin.display(description="recipient")
    def recipient(self, delivery: Delivery) -> str:
        return str(delivery.message.recipient)


@admin.register(CalendarFeed)
class CalendarFeedAdmin(_ReadOnly, admin.ModelAdmin[CalendarFeed]):
    list_display = ["person", "created_at", "last_used_at"]
    fields = readonly_fields = ("person", "created_at", "last_used_at")
