"""Run the projection after every committed ledger write.

The ledger does not know about insights: this module listens to ``post_save`` of the ledger's
append-only rows and, once the writing transaction commits, projects what is new. Before a
commitment event is inserted it takes a shared lock that keeps the projection from passing
that event's id until the transaction ends (PostgreSQL; see projection.final_event_id). If the
projection fails (or the process dies first), nothing is lost: the rows are in the ledger, after the
checkpoint, and the next run — the next write, ``trustledger compute --incremental`` or the
``project`` task — picks them up.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.db.models.signals import post_save, pre_save

from trustledger.ledger.models import CommitmentEvent, SignalRetraction, TrustSignal

logger = logging.getLogger(__name__)


def _project_after_commit(sender: type, instance: object, created: bool, **kwargs: Any) -> None:
    del sender, instance, kwargs
    if created:
        transaction.on_commit(_project, robust=True)


def _hold_event_ids_open(sender: type, instance: CommitmentEvent, **kwargs: Any) -> None:
    del sender, kwargs
    if instance._state.adding:
        from trustledger.insights.projection import hold_event_ids_open

        hold_event_ids_open()


def _project() -> None:
    from trustledger.insights.projection import project_new_events

    project_new_events()


def connect() -> None:
    """Listen to the ledger's append-only tables (idempotent: one receiver per model)."""
    for model in (CommitmentEvent, TrustSignal, SignalRetraction):
        post_save.connect(
            _project_after_commit, sender=model, dispatch_uid=f"insights-{model.__name__}"
        )
    pre_save.connect(
        _hold_event_ids_open, sender=CommitmentEvent, dispatch_uid="insights-event-ids"
    )
