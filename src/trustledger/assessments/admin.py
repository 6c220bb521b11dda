"""Read-only, audited admin pages for campaigns and their subjects.

Responses are deliberately not registered: one answer sheet of a small rater group is one
person's answers, and the admin cannot apply the anonymity rule. Invitations are not
registered either: who has or has not answered is not for browsing (the reminder job reads it
through ``services.unused_invitations``). Results and progress go through the services.
"""

from django.contrib import admin

from trustledger.assessments.models import Campaign, CampaignSubject
from trustledger.audit.admin_mixins import AuditedReadsMixin, ReadOnlyAdminMixin


class SubjectInline(ReadOnlyAdminMixin, admin.TabularInline[CampaignSubject, Campaign]):
    model = CampaignSubject
    extra = 0
    fields = readonly_fields = ("person", "team")


@admin.register(Campaign)
class CampaignAdmin(AuditedReadsMixin, ReadOnlyAdminMixin, admin.ModelAdmin[Campaign]):
    audit_object_type = "campaign"
    list_display = [
        "title",
        "instrument_id",
        "instrument_version",
        "status",
        "opens_at",
        "closes_at",
        "anonymity_k",
    ]
    list_filter = ["status", "instrument_id"]
    search_fields = ["title"]
    fields = readonly_fields = (
        "title",
        "instrument_id",
        "instrument_version",
        "status",
        "anonymity_k",
        "opens_at",
        "closes_at",
        "created_by",
        "created_at",
        "launched_at",
        "closed_at",
    )
    inlines = [SubjectInline]
