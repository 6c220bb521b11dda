"""Accounts in the admin: an administrator may change a role or deactivate an account (audited);
nobody sets another person's password or re-links an account to another person here."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.forms import ModelForm
from django.http import HttpRequest
from django.urls import URLPattern

from trustledger.accounts.actors import Actor
from trustledger.accounts.models import ApiToken, User
from trustledger.audit import services as audit
from trustledger.audit.admin_mixins import AuditedReadsMixin, ReadOnlyAdminMixin


@admin.register(User)
class UserAdmin(AuditedReadsMixin, BaseUserAdmin):
    audit_object_type = "account"
    list_display = ["username", "role", "is_active", "last_login"]
    list_filter = ["role", "is_active"]
    search_fields = ["username"]
    fieldsets = (
        (None, {"fields": ("username", "person")}),
        ("Access", {"fields": ("role", "is_active")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    readonly_fields = ["username", "person", "last_login", "date_joined"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # accounts come from `trustledger createadmin` and the people import

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # deactivate instead: the audit log keeps pointing at the account

    def get_urls(self) -> list[URLPattern]:
        # Drop Django's "change password" view: setting someone else's password would let an
        # administrator sign in as them and read what is private to them.
        return [url for url in super().get_urls() if "password" not in str(url.pattern)]

    def save_model(
        self, request: HttpRequest, obj: User, form: ModelForm[User], change: bool
    ) -> None:
        super().save_model(request, obj, form, change)
        audit.record(
            Actor.from_request(request, via="admin"),
            "account.update",
            "account",
            obj.pk,
            detail={"changed": sorted(form.changed_data)},
        )


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdminMixin, admin.ModelAdmin[ApiToken]):
    list_display = ["name", "user", "prefix", "scopes", "created_at", "last_used_at", "revoked_at"]
    fields = readonly_fields = (
        "name",
        "user",
        "prefix",
        "scopes",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    )
