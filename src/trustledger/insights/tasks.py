"""Background task (django-tasks): project new ledger facts now.

The ledger rows after the checkpoint are the durable record; the task is only the nudge.
"""

from __future__ import annotations

from django_tasks import task


@task()
def project() -> int:
    """Project every ledger fact recorded since the last run; returns the evidence rows written."""
    from trustledger.insights.projection import project_new_events

    return project_new_events().evidence_rows


@task()
def rebuild_organisation() -> int:
    """Rebuild the organisation analytics snapshot (enqueue daily: decay moves every figure a
    little each day, and trickle-down and retention are only computed here); returns its id."""
    from trustledger.accounts.actors import Actor
    from trustledger.insights.organisation import rebuild

    return rebuild(Actor.system(via="task")).pk
