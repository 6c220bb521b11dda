"""Importing custom survey instruments (``POST /instruments``; the list is in api/assessments.py).

Parse → ``Actor.from_request`` → one service call
(:func:`trustledger.assessments.custom_instruments.import_instrument`) → schema.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status

from trustledger.accounts.actors import Actor
from trustledger.api.errors import COMMON_ERRORS
from trustledger.assessments.custom_instruments import import_instrument as run_import
from trustledger.assessments.instruments import Instrument, InstrumentError

router = Router(tags=["survey instruments"])

#: Request bodies Django parses itself (their raw body can no longer be read).
FORM_TYPES = frozenset({"multipart/form-data", "application/x-www-form-urlencoded"})


class ImportedItemOut(Schema):
    """One statement to rate."""

    id: str
    text: str
    dimension: str
    reverse: bool


class ImportedFormOut(Schema):
    """What one kind of rater answers."""

    id: str
    title: str
    rater_groups: list[str]
    allow_skip: bool
    items: list[ImportedItemOut]


class ImportedDimensionOut(Schema):
    """What a group of items measures."""

    id: str
    name: str
    description: str


class ImportedInstrumentOut(Schema):
    """The instrument version as stored: campaigns can now run it by ``id`` and ``version``."""

    id: str
    version: int
    title: str
    description: str
    anonymous: bool
    comment_prompt: str | None
    outcome_item: str | None
    scale_points: int
    dimensions: list[ImportedDimensionOut]
    forms: list[ImportedFormOut]


class InstrumentProblemOut(Schema):
    """One thing wrong with the file: where (form and item), which field, and what."""

    where: str
    field: str
    message: str


class InstrumentRejectedOut(Schema):
    """The file was not imported; ``errors`` lists every problem, not only the first."""

    detail: str
    errors: list[InstrumentProblemOut]


def instrument_out(instrument: Instrument) -> dict[str, Any]:
    """The wire form of an instrument."""
    return {
        "id": instrument.id,
        "version": instrument.version,
        "title": instrument.title,
        "description": instrument.description,
        "anonymous": instrument.anonymous,
        "comment_prompt": instrument.comment_prompt,
        "outcome_item": instrument.outcome_item,
        "scale_points": instrument.scale.points,
        "dimensions": [
            {"id": d.id, "name": d.name, "description": d.description}
            for d in instrument.dimensions
        ],
        "forms": [
            {
                "id": form.id,
                "title": form.title,
                "rater_groups": list(form.rater_groups),
                "allow_skip": form.allow_skip,
                "items": [
                    {"id": i.id, "text": i.text, "dimension": i.dimension, "reverse": i.reverse}
                    for i in form.items
                ],
            }
            for form in instrument.forms
        ],
    }


@router.post(
    "/instruments",
    response={200: ImportedInstrumentOut, **COMMON_ERRORS, 422: InstrumentRejectedOut},
    openapi_extra={
        "requestBody": {
            "description": "The instrument file's TOML text (UTF-8), as the request body.",
            "content": {
                "application/toml": {"schema": {"type": "string"}},
                "text/plain": {"schema": {"type": "string"}},
            },
            "required": True,
        }
    },
)
def import_instrument(request: HttpRequest) -> Any:
    """Import a custom survey instrument (HR and administrators): the body is the TOML file.

    A new id or version is stored; the same text again changes nothing; a stored version
    with a different text, an id of a built-in instrument, or any problem in the file is
    refused with 422 and **every** problem, each with where it is and which field.
    """
    actor = Actor.from_request(request, via="api")
    if request.content_type in FORM_TYPES:  # Django parsed it: the raw body is gone
        return Status(422, _rejected([("", "body", "send the TOML text as the request body")]))
    try:
        instrument = run_import(actor, request.body, "request body")
    except InstrumentError as rejected:
        return Status(422, _rejected([(p.where, p.field, p.message) for p in rejected.problems]))
    return Status(200, instrument_out(instrument))


def _rejected(problems: list[tuple[str, str, str]]) -> dict[str, Any]:
    count = len(problems)
    return {
        "detail": f"the instrument was not imported: {count} problem{'s' if count != 1 else ''}",
        "errors": [{"where": w, "field": f, "message": m} for w, f, m in problems],
    }
