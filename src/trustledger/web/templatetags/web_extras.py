"""Small template filters for the web pages."""

from __future__ import annotations

import datetime as dt

from django import template

register = template.Library()


@register.filter
def minutes(value: dt.timedelta | None) -> int:
    """Whole minutes in a duration, rounded up, so "wait 15 minutes" is never too short."""
    if value is None:
        return 0
    seconds = int(value.total_seconds())
    return max(1, -(-seconds // 60))


@register.filter
def people_count(value: int) -> str:
    """``1 person`` / ``12 people``."""
    return f"{value} person" if value == 1 else f"{value} people"


@register.simple_tag
def demo_mode() -> bool:
    """Whether this server runs the demo (``TRUSTLEDGER_MODE=demo``): pages then point to
    the guided tour (``/tour/``)."""
    from django.conf import settings

    return bool(settings.MODE == "demo")
