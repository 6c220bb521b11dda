"""Read-only admin pages for people and teams; changes go through import, the API or the pages."""

from django.contrib import admin

from trustledger.audit.admin_mixins import AuditedReadsMixin, ReadOnlyAdminMixin
from trustledger.org.models import Person, ReportingLine, Team


class ReportingLineInline(ReadOnlyAdminMixin, admin.TabularInline[ReportingLine, Person]):
    model = ReportingLine
    fk_name = "person"
    extra = 0
    fields = readonly_fields = ("manager", "valid_from", "valid_to")


@admin.register(Person)
class PersonAdmin(AuditedReadsMixin, ReadOnlyAdminMixin, admin.ModelAdmin[Person]):
    audit_object_type = "person"
    list_display = ["name", "employee_id", "title", "team", "start_date", "leave_date"]
    list_filter = ["team", "is_external"]
    search_fields = ["name", "email", "employee_id", "title"]
    inlines = [ReportingLineInline]


@admin.register(Team)
class TeamAdmin(ReadOnlyAdminMixin, admin.ModelAdmin[Team]):
    list_display = ["name"]
    search_fields = ["name"]
