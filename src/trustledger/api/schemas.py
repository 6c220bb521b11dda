"""Schemas and input types shared by several routers."""

from __future__ import annotations

import uuid
from typing import Annotated, Generic, TypeVar

from django.db.models import QuerySet
from ninja import Schema
from pydantic import AfterValidator, Field

#: Largest page any list operation returns.
MAX_PAGE_SIZE = 500
#: Offsets beyond this are refused (no organisation has that many rows; keeps SQL integers sane).
MAX_OFFSET = 1_000_000_000


def _storable(value: str) -> str:
    """Refuse text no database can store: NUL characters and lone UTF-16 surrogates."""
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    if any("\ud800" <= char <= "\udfff" for char in value):
        raise ValueError("must be valid Unicode text")
    return value


#: A string that can be stored and searched on SQLite and PostgreSQL alike.
Text = Annotated[str, AfterValidator(_storable)]

Limit = Annotated[
    int, Field(ge=1, le=MAX_PAGE_SIZE, description=f"page size, at most {MAX_PAGE_SIZE}")
]
Offset = Annotated[int, Field(ge=0, le=MAX_OFFSET, description="rows to skip")]


class PersonRef(Schema):
    """A person named in another record (a manager, a member)."""

    id: uuid.UUID
    name: str


class TeamRef(Schema):
    """A team named in another record."""

    id: uuid.UUID
    name: str


T = TypeVar("T")


class Page(Schema, Generic[T]):
    """One page of a longer list: ``count`` is the total, ``items`` the rows from ``offset``."""

    count: int
    limit: int
    offset: int
    items: list[T]


def page_of(rows: QuerySet[T], limit: int, offset: int) -> dict[str, object]:  # type: ignore[type-var]
    """Slice a service's queryset into a :class:`Page` (two queries: count and rows)."""
    return {
        "count": rows.count(),
        "limit": limit,
        "offset": offset,
        "items": list(rows[offset : offset + limit]),
    }
