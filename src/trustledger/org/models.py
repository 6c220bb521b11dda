"""People, teams and reporting lines (with effective dates, so history is kept)."""

from __future__ import annotations

import datetime as dt
import uuid

from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower


class BehaviourStyle(models.TextChoices):
    """Social styles used to adapt coaching tips (Merrill & Reid)."""

    DRIVING = "driving", "Driving"
    EXPRESSIVE = "expressive", "Expressive"
    AMIABLE = "amiable", "Amiable"
    ANALYTICAL = "analytical", "Analytical"


class Team(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=200, unique=True)
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Person(models.Model):
    """Someone who gives or receives commitments: an employee or an external counterpart."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    employee_id = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=200)
    email = models.EmailField(max_length=254)
    title = models.CharField(max_length=200, blank=True)
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.PROTECT, related_name="members"
    )
    start_date = models.DateField(null=True, blank=True)
    leave_date = models.DateField(null=True, blank=True)
    behaviour_style = models.CharField(max_length=16, choices=BehaviourStyle.choices, blank=True)
    is_external = models.BooleanField(
        default=False, help_text="A counterpart outside the organisation, such as a customer."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="person_email_unique_ci"),
            models.CheckConstraint(
                condition=Q(leave_date__isnull=True)
                | Q(start_date__isnull=True)
                | Q(leave_date__gte=models.F("start_date")),
                name="person_leave_after_start",
            ),
        ]
        indexes = [models.Index(fields=["name"]), models.Index(fields=["team", "name"])]

    def __str__(self) -> str:
        return self.name

    def is_active_on(self, day: dt.date) -> bool:
        started = self.start_date is None or self.start_date <= day
        return started and (self.leave_date is None or self.leave_date > day)


class ReportingLine(models.Model):
    """``person`` reports to ``manager`` from ``valid_from`` (inclusive) to ``valid_to``
    (exclusive).

    A change of manager closes the current line and opens a new one, so the question
    "who was Ana's manager on 1 March?" always has an answer.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="manager_lines")
    manager = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="report_lines")
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["person", "valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(person=models.F("manager")), name="reporting_line_not_self"
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gt=models.F("valid_from")),
                name="reporting_line_valid_range",
            ),
            models.UniqueConstraint(fields=["person", "valid_from"], name="reporting_line_start"),
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(valid_to__isnull=True),
                name="reporting_line_one_open",
            ),
        ]
        indexes = [models.Index(fields=["manager", "valid_from"])]

    def __str__(self) -> str:
        return f"{self.person} → {self.manager} from {self.valid_from}"
