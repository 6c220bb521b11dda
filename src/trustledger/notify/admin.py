"""Read-only admin pages for deliveries: what went out, what failed and why.

The message text is not shown: it may quote a private commitment, which administrators do not
read (PRODUCT.md). Failed deliveries are retried with ``trustledger deliver --retry-failed``.
"""

from __future__ import annotations

from django.contrib import admin

from trustledger.audit.admin_mixins import ReadOnlyAdminMixin
from trustledger.notify.models import CalendarFeed, Delivery, DeliveryAttempt


class AttemptInline(ReadOnlyAdminMixin, admin.TabularInline[DeliveryAttempt, Delivery]):
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
class DeliveryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin[Delivery]):
    # Who got which reminder is personal (an overdue reminder says someone is late): the list
    # shows deliveries, not people. Retry one by id with `trustledger deliver --retry-failed`.
    list_display = [
        "id",
        "created_at",
        "channel",
        "status",
        "attempts",
        "next_attempt_at",
        "last_error",
    ]
    list_filter = ["status", "channel"]
    fields = readonly_fields = (
        "id",
        "channel",
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


@admin.register(CalendarFeed)
class CalendarFeedAdmin(ReadOnlyAdminMixin, admin.ModelAdmin[CalendarFeed]):
    list_display = ["person", "created_at", "last_used_at"]
    fields = readonly_fields = ("person", "created_at", "last_used_at")
