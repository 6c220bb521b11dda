"""Stored answers. Append-only: ``save`` refuses updates, ``delete`` refuses always, and a
database trigger refuses ``UPDATE`` (migration 0002).

:class:`Response` is an anonymous answer sheet. It has no column or relation that leads to
the person who answered: no person, user, invitation or token digest, and no timestamp (the
campaign is the time window), so nothing can be joined with the invitation's ``used_at``.
Its primary key is random, so not even its order says who answered when.

:class:`AttributedResponse` holds the answers that are not anonymous: a subject's self
rating (shown only to its author and in their own gap analysis) and answers to an
instrument declared ``anonymous = false``.
"""

from __future__ import annotations

import uuid

from django.db import models

from trustledger.assessments.models.campaigns import Campaign, CampaignSubject, RaterGroup
from trustledger.db import AppendOnlyModel


class _Answers(AppendOnlyModel):
    """What every stored answer sheet carries, in the form's item order."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="+")
    subject = models.ForeignKey(CampaignSubject, on_delete=models.PROTECT, related_name="+")
    group = models.CharField(max_length=16, choices=RaterGroup.choices)
    #: The team the results are reported under: the subject's team (docs/assessments.md).
    team = models.ForeignKey(
        "org.Team", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    instrument_id = models.CharField(max_length=64)
    instrument_version = models.PositiveIntegerField()
    form_id = models.CharField(max_length=64)
    #: One entry per item of the form, in the form's order: a point on the scale or ``null``
    #: for an item the rater skipped ("cannot say", where the form allows it).
    answers = models.JSONField()
    comment = models.TextField(blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.id}"


class Response(_Answers):  # noqa: DJ008 (__str__ is inherited)
    """An anonymous answer sheet: no link to who answered (module docstring)."""

    class Meta:
        ordering = ["id"]


class AttributedResponse(_Answers):  # noqa: DJ008 (__str__ is inherited)
    """A self rating, or an answer to a non-anonymous instrument: linked to its author."""

    respondent = models.ForeignKey("org.Person", on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["submitted_at"]
