"""Background tasks (django-tasks): deliver one message over one channel.

The :class:`~trustledger.notify.models.Delivery` row is the durable record; the task is only
the nudge that makes a worker try it now. A lost task loses nothing: ``trustledger deliver``
(or the next retry) finds every delivery that is due.
"""

from __future__ import annotations

from django_tasks import task


@task()
def deliver(delivery_id: str) -> str:
    """Try one delivery now; returns its status afterwards (``skipped`` if it was not due)."""
    from trustledger.notify.services import attempt_delivery

    delivery = attempt_delivery(delivery_id)
    return delivery.status if delivery is not None else "skipped"
