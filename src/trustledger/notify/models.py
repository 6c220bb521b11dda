"""Outbound messages to a person and their delivery over channels (e-mail, webhook).

A :class:`Message` is what we decided to tell someone (a reminder today, a weekly digest later);
it is written in the same transaction as that decision, so nothing decided is ever lost. Each
channel gets a :class:`Delivery` with its own attempts, back-off and outcome; every try is a
:class:`DeliveryAttempt` row, so an administrator can see exactly what happened.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q


class Channel(models.TextChoices):
    EMAIL = "email", "E-mail"
    WEBHOOK = "webhook", "Webhook"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Waiting to be sent (or to be retried)"
    SENDING = "sending", "Being sent by a worker"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed for good (attempts exhausted or refused)"


class AttemptOutcome(models.TextChoices):
    DELIVERED = "delivered", "Delivered"
    RETRY = "retry", "Failed; will be retried"
    FAILED = "failed", "Failed; no more retries"
    INTERRUPTED = "interrupted", "The worker stopped before recording an outcome"


class Message(models.Model):
    """Something to tell one person, over one or more channels. Never edited once written."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    recipient = models.ForeignKey(
        "org.Person", on_delete=models.PROTECT, related_name="messages_received"
    )
    #: What sort of message: ``reminder.due_soon``, ``reminder.overdue``, ``digest.weekly`` …
    kind = models.CharField(max_length=64)
    subject = models.CharField(max_length=300)
    body = models.TextField()
    #: A link to the page the message is about (absolute URL), if any.
    url = models.CharField(max_length=500, blank=True)
    #: Structured content for machines (the webhook's ``trustledger`` object).
    data = models.JSONField(default=dict, blank=True)
    #: What it is about, for "which reminders went out about this commitment?".
    about_type = models.CharField(max_length=32, blank=True)
    about_id = models.CharField(max_length=64, blank=True)
    #: Makes sending idempotent: the same decision taken twice finds the first message.
    dedupe_key = models.CharField(max_length=200, null=True, blank=True, unique=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["recipient", "-created_at"]),
            models.Index(fields=["about_type", "about_id"]),
            models.Index(fields=["kind", "-created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.kind} to {self.recipient_id}: {self.subject}"


class Delivery(models.Model):
    """One message over one channel to one address, with its retries."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    message = models.ForeignKey(Message, on_delete=models.PROTECT, related_name="deliveries")
    channel = models.CharField(max_length=16, choices=Channel.choices)
    #: The e-mail address or webhook URL, as it was when the message was written.
    target = models.CharField(max_length=500)
    status = models.CharField(
        max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    max_attempts = models.PositiveIntegerField()
    #: When a worker may (re)try; ``None`` once delivered or failed.
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    #: While ``sending``: the worker's lease; past it, another worker may take over.
    claimed_until = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField()
    delivered_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(
                fields=["message", "channel"], name="delivery_once_per_channel"
            ),
            models.CheckConstraint(
                condition=Q(attempts__lte=models.F("max_attempts")),
                name="delivery_attempts_within_budget",
            ),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.channel} to {self.target} ({self.status})"


class DeliveryAttempt(models.Model):
    """One try at a delivery: when, how it ended, the HTTP status or the error."""

    id = models.BigAutoField(primary_key=True)
    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()
    outcome = models.CharField(max_length=16, choices=AttemptOutcome.choices)
    status_code = models.PositiveIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["delivery", "number"]
        constraints = [
            models.UniqueConstraint(fields=["delivery", "number"], name="attempt_number_unique"),
        ]

    def __str__(self) -> str:
        return f"attempt {self.number} of {self.delivery_id}: {self.outcome}"


class CalendarFeed(models.Model):
    """A person's secret calendar address. Only a SHA-256 digest of the token is stored."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    person = models.OneToOneField(
        "org.Person", on_delete=models.CASCADE, related_name="calendar_feed"
    )
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"calendar feed of {self.person_id}"


class Digest(models.Model):
    """One person's weekly digest: the nudges composed for them in one ISO week.

    Written once per (person, week) — the unique constraint is what makes ``trustledger
    digest --send`` idempotent within a week — and read by the web inbox (``/me/digest/``).
    ``nudges`` is the list of :class:`trustledger.insights.guidance.Nudge` as dicts (kind,
    title, why, url, key); the explanations are private to the person: only titles and links
    ever leave the product (e-mail and webhook), see docs/guidance.md.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    person = models.ForeignKey("org.Person", on_delete=models.CASCADE, related_name="digests")
    #: The ISO week, ``2026-W48``.
    week = models.CharField(max_length=8)
    #: The moment the rules were evaluated at.
    as_of = models.DateTimeField()
    nudges = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-week"]
        constraints = [
            models.UniqueConstraint(fields=["person", "week"], name="digest_once_per_week"),
        ]

    def __str__(self) -> str:
        return f"digest {self.week} for {self.person_id}"


class DigestPreferences(models.Model):
    """Which channels carry a person's weekly digest. No row means every channel is on.

    The web inbox is always kept (it is private and only read when the person opens it);
    e-mail and the chat webhook can each be turned off.
    """

    person = models.OneToOneField(
        "org.Person", primary_key=True, on_delete=models.CASCADE, related_name="digest_preferences"
    )
    email = models.BooleanField(default=True)
    webhook = models.BooleanField(default=True)
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name_plural = "digest preferences"

    def __str__(self) -> str:
        return f"digest preferences of {self.person_id}"
