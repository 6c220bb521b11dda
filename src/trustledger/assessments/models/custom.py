"""Instruments HR imported: the TOML text of each version, exactly as it was accepted.

The built-in instruments are files shipped with trustledger; a custom one is the same file
format stored in the database (:func:`trustledger.assessments.services.import_instrument`).
Versions are append-only: a campaign points at an (id, version) and must find the same
wording for as long as its results exist, so a new wording is a new version and a stored one
never changes (the model refuses, and a trigger in migration 0003 refuses ``UPDATE``).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from trustledger.db import AppendOnlyModel


class CustomInstrument(AppendOnlyModel):
    """One version of an instrument imported by HR: its TOML text, who imported it and when.

    ``instrument_id`` and ``version`` repeat what the text says, so the (id, version) pair is
    unique in the database; ``text_sha256`` tells an identical re-import (a no-op) from a
    different wording under a version that already exists (refused).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    instrument_id = models.CharField(max_length=64)
    version = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    text = models.TextField()
    text_sha256 = models.CharField(max_length=64)
    #: The file name it was imported from (shown in problems and on the instruments page).
    source_name = models.CharField(max_length=255)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    #: Who imported it, as the audit log names them (a user, or the system for the CLI).
    imported_by_label = models.CharField(max_length=200)
    imported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["instrument_id", "version"]
        constraints = [
            models.UniqueConstraint(
                fields=["instrument_id", "version"], name="custom_instrument_version_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.instrument_id} v{self.version}"
