"""Accounts, roles and API tokens."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib.auth.models import AbstractUser
from django.db import models


class Role(models.TextChoices):
    """What an account may do. "Manager" is not a role: it follows from reporting lines."""

    EMPLOYEE = "employee", "Employee"
    HR = "hr", "HR / people analytics"
    ADMIN = "admin", "Administrator"


class User(AbstractUser):
    """A login. Linked to the :class:`~trustledger.org.models.Person` it acts as, if any."""

    person = models.OneToOneField(
        "org.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="user"
    )
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.EMPLOYEE)

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Keep Django's admin flags in step with the role: admins (and only admins) use /admin/.

        A superuser made with Django's own ``createsuperuser`` becomes an admin.
        """
        if self._state.adding and self.is_superuser:
            self.role = Role.ADMIN
        admin = self.role == Role.ADMIN
        self.is_staff = self.is_superuser = admin
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "role", "is_staff", "is_superuser"}
        super().save(*args, **kwargs)

    @property
    def is_hr(self) -> bool:
        return self.role == Role.HR

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN or self.is_superuser

    @property
    def manages_people(self) -> bool:
        """HR and admins manage people records."""
        return self.is_hr or self.is_admin


class TokenScope(models.TextChoices):
    READ = "read", "Read what the owner may read"
    WRITE = "write", "Change what the owner may change (includes imports)"


class ApiToken(models.Model):
    """A bearer token for integrations. Only a SHA-256 digest of the secret is stored."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, unique=True)
    digest = models.CharField(max_length=64)
    scopes = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
