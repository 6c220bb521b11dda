from django.contrib import admin

from trustledger.org.models import Person, ReportingLine, Team


class ReportingLineInline(admin.TabularInline[ReportingLine, Person]):
    model = ReportingLine
    fk_name = "person"
    extra = 0
    autocomplete_fields = ["manager"]


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin[Person]):
    list_display = ["name", "employee_id", "title", "team", "start_date", "leave_date"]
    list_filter = ["team", "is_external", "behaviour_style"]
    search_fields = ["name", "email", "employee_id", "title"]
    inlines = [ReportingLineInline]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin[Team]):
    list_display = ["name"]
    search_fields = ["name"]
