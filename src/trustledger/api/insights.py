"""Relationship trust: "my trust with Ana", both directions, per ABCD dimension and overall.

Parse → ``Actor.from_request`` → one service call → schema. Only the two people see it; anyone
else gets 404 (docs/trust.md).
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.http import HttpRequest
from ninja import Router, Schema
from pydantic import Field

from trustledger.accounts.actors import Actor
from trustledger.api.errors import OBJECT_ERRORS
from trustledger.api.schemas import PersonRef
from trustledger.insights import services

router = Router(tags=["relationship trust"])


class FigureOut(Schema):
    """A subjective-logic opinion (b + d + u = 1) and its projected probability b + a·u."""

    dimension: str
    belief: float
    disbelief: float
    uncertainty: float
    base_rate: float
    projected: float
    certainty: str = Field(description='in words; "little evidence yet" is not low trust')
    positive_evidence: float
    negative_evidence: float


class EvidenceItemOut(Schema):
    """A ledger fact behind a figure and how much it moves it now."""

    kind: str
    label: str
    dimension: str
    at: dt.datetime
    positive: float
    negative: float
    wiped: float = Field(description="positive evidence this item lost to a later severe breach")
    capped: float = Field(
        description="positive evidence this item lost to the per-period cap (spam resistance)"
    )
    witness: bool
    source: str
    source_id: str
    pending: bool = Field(description="a due date passed unkept that no event has recorded yet")


class DirectionOut(Schema):
    """How much ``truster`` can rely on ``trustee``."""

    truster: PersonRef
    trustee: PersonRef
    overall: FigureOut
    dimensions: list[FigureOut]
    explanation: list[EvidenceItemOut]


class RelationshipOut(Schema):
    """Both directions between the caller and the person, as of a moment."""

    person: PersonRef
    as_of: dt.datetime
    model_version: str
    i_rely_on_them: DirectionOut
    they_rely_on_me: DirectionOut


def _ref(person: object) -> PersonRef:
    return PersonRef(id=person.pk, name=person.name)  # type: ignore[attr-defined]


def _direction(direction: services.Direction) -> DirectionOut:
    return DirectionOut(
        truster=_ref(direction.truster),
        trustee=_ref(direction.trustee),
        overall=FigureOut.model_validate(direction.overall, from_attributes=True),
        dimensions=[
            FigureOut.model_validate(f, from_attributes=True) for f in direction.dimensions
        ],
        explanation=[
            EvidenceItemOut.model_validate(i, from_attributes=True) for i in direction.explanation
        ],
    )


@router.get(
    "/people/{person_id}/trust",
    response={200: RelationshipOut, **OBJECT_ERRORS},
    summary="My trust with this person (both directions)",
)
def relationship_trust(
    request: HttpRequest, person_id: uuid.UUID, as_of: dt.datetime | None = None
) -> RelationshipOut:
    """How much I can rely on this person and how much they can rely on me, per dimension,
    with certainty and explanation. Only the two people see it: anyone else gets 404."""
    relationship = services.relationship_trust(
        Actor.from_request(request, via="api"), person_id, as_of=as_of
    )
    return RelationshipOut(
        person=_ref(relationship.other),
        as_of=relationship.as_of,
        model_version=relationship.model_version,
        i_rely_on_them=_direction(relationship.i_rely_on_them),
        they_rely_on_me=_direction(relationship.they_rely_on_me),
    )
