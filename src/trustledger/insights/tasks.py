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
