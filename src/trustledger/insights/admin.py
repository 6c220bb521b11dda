"""Read-only admin for derived trust state: inspect, never edit (rebuild with ``compute``).

Only the checkpoint is shown: evidence rows and relationship states are visible only to the
two people concerned (docs/trust.md), administrators included, so they are not in the admin.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from trustledger.insights.models import ProjectionCheckpoint


class _ReadOnly(admin.ModelAdmin[ProjectionCheckpoint]):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ProjectionCheckpoint)
class ProjectionCheckpointAdmin(_ReadOnly):
    list_display = ("id", "last_commitment_event_id", "updated_at")
