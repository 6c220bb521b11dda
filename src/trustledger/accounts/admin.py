from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from trustledger.accounts.models import ApiToken, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "email", "role", "person", "is_active", "last_login"]
    list_filter = ["role", "is_active"]
    fieldsets = (*(BaseUserAdmin.fieldsets or ()), ("trustledger", {"fields": ("role", "person")}))
    autocomplete_fields = ["person"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin[ApiToken]):
    list_display = ["name", "user", "prefix", "scopes", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["prefix", "digest", "created_at", "last_used_at"]
