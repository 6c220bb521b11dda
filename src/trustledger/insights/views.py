"""The relationship page: "my trust with Ana". Views parse input and call insights services."""

from __future__ import annotations

import uuid

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse

from trustledger.accounts.actors import Actor
from trustledger.insights import services
from trustledger.web.views import render_page


@login_required
def relationship_page(request: HttpRequest, person_id: uuid.UUID) -> HttpResponse:
    """Both directions between me and this person; 404 for anyone else (see services)."""
    actor = Actor.from_request(request)
    relationship = services.relationship_trust(
        actor, person_id, with_id=request.GET.get("with") or None
    )
    return render_page(
        request,
        "insights/relationship.html",
        "insights/_relationship.html",
        {"rel": relationship, "directions": _directions(relationship)},
    )


def _directions(
    relationship: services.Relationship,
) -> list[tuple[str, services.Direction]]:
    other = relationship.other.name
    return [
        (f"How much you can rely on {other}", relationship.i_rely_on_them),
        (f"How much {other} can rely on you", relationship.they_rely_on_me),
    ]
