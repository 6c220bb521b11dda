"""People, teams, reporting lines, the org chart, and HR import/export.

Every handler: parse → ``Actor.from_request`` → one service call → schema. Permission checks,
queries and rules live in :mod:`trustledger.org.services` (and ``org.imports``/``org.exports``).
"""

from __future__ import annotations

import datetime as dt
import io
import uuid
from typing import Annotated, Any, Literal

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import File, Query, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field, model_validator

from trustledger.accounts.actors import Actor
from trustledger.api.errors import COMMON_ERRORS, OBJECT_ERRORS, ValidationErrorOut
from trustledger.api.schemas import Limit, Offset, Page, PersonRef, TeamRef, Text, page_of
from trustledger.org import exports, imports, services
from trustledger.org.models import Person, ReportingLine, Team
from trustledger.org.services import ChartNode

router = Router(tags=["people and organisation"])

#: Request bodies Django parses itself (so ``request.body`` can no longer be read).
FORM_TYPES = frozenset({"multipart/form-data", "application/x-www-form-urlencoded"})

BehaviourStyleIn = Literal["driving", "expressive", "amiable", "analytical", ""]


# --- schemas -----------------------------------------------------------------------------------


class DirectoryEntryOut(Schema):
    """A directory card: what everyone signed in may see about anyone."""

    id: uuid.UUID
    name: str
    title: str
    team: TeamRef | None
    manager: PersonRef | None

    @staticmethod
    def resolve_manager(obj: Any) -> dict[str, Any] | None:
        """The directory query annotates today's manager as ``manager_id``/``manager_name``."""
        manager_id = getattr(obj, "manager_id", None)
        if manager_id is None:
            return None
        return {"id": manager_id, "name": obj.manager_name}


class PersonRecordOut(Schema):
    """A person's full (private) record: for the person themself, HR and administrators."""

    id: uuid.UUID
    employee_id: str
    name: str
    email: str
    title: str
    team: TeamRef | None
    manager: PersonRef | None = None
    start_date: dt.date | None
    leave_date: dt.date | None
    behaviour_style: str
    is_external: bool
    created_at: dt.datetime
    updated_at: dt.datetime


class PersonIn(Schema):
    """A new person. ``employee_id`` is the key an HR-system import matches on."""

    employee_id: Text = Field(min_length=1, max_length=64)
    name: Text = Field(min_length=1, max_length=200)
    email: Text = Field(max_length=254)
    title: Text = Field("", max_length=200)
    team_id: uuid.UUID | None = None
    start_date: dt.date | None = None
    leave_date: dt.date | None = None
    behaviour_style: BehaviourStyleIn = ""
    is_external: bool = False


class PersonPatch(Schema):
    """Changes to a person: only the fields sent change (``null`` clears a date or the team)."""

    employee_id: Text | None = Field(None, min_length=1, max_length=64)
    name: Text | None = Field(None, min_length=1, max_length=200)
    email: Text | None = Field(None, max_length=254)
    title: Text | None = Field(None, max_length=200)
    team_id: uuid.UUID | None = None
    start_date: dt.date | None = None
    leave_date: dt.date | None = None
    behaviour_style: BehaviourStyleIn | None = None
    is_external: bool | None = None

    @model_validator(mode="after")
    def _required_fields_are_not_cleared(self) -> PersonPatch:
        cleared = [
            name
            for name in ("employee_id", "name", "email", "title", "behaviour_style", "is_external")
            if name in self.model_fields_set and getattr(self, name) is None
        ]
        if cleared:
            raise ValueError(f"{', '.join(cleared)} cannot be null")
        return self


class ReportingLineOut(Schema):
    """``person`` reported to ``manager`` from ``valid_from`` until ``valid_to`` (exclusive)."""

    id: uuid.UUID
    person: PersonRef
    manager: PersonRef
    valid_from: dt.date
    valid_to: dt.date | None


class ManagerIn(Schema):
    """Who the person reports to from ``valid_from`` (default today); ``null``: to nobody."""

    manager_id: uuid.UUID | None
    valid_from: dt.date | None = None


class ManagerOut(Schema):
    """The person's manager from ``valid_from`` on."""

    person_id: uuid.UUID
    manager: PersonRef | None
    valid_from: dt.date


class TeamOut(Schema):
    """A team and how many people are in it today."""

    id: uuid.UUID
    name: str
    description: str
    member_count: int = 0


class TeamDetailOut(TeamOut):
    """A team with its current members (directory cards)."""

    members: list[DirectoryEntryOut]


class TeamIn(Schema):
    """A new team."""

    name: Text = Field(min_length=1, max_length=200)
    description: Text = ""


class ChartNodeOut(Schema):
    """One box of the org chart and, nested, everyone who reports to that person."""

    id: uuid.UUID
    name: str
    title: str
    team: str
    size: int
    reports: list[ChartNodeOut]


ChartNodeOut.model_rebuild()


class OrgChartOut(Schema):
    """The reporting tree on ``on``: people without a manager at the top."""

    on: dt.date
    roots: list[ChartNodeOut]


class RowErrorOut(Schema):
    """One bad row of an import file: 1-based ``line``, the ``column`` at fault and why."""

    line: int
    column: str
    reason: str


class ImportRejectedOut(Schema):
    """An import refused as a whole (nothing was imported); every bad row is listed."""

    detail: str
    errors: list[RowErrorOut]


class ImportReportOut(Schema):
    """What an import changed."""

    created: int
    updated: int
    unchanged: int
    managers_changed: int
    teams_created: int


# --- helpers (parsing only) --------------------------------------------------------------------


def _actor(request: HttpRequest) -> Actor:
    return Actor.from_request(request, via="api")


def _person_fields(actor: Actor, payload: dict[str, Any]) -> dict[str, Any]:
    """Turn the wire format (``team_id``) into the service's keyword arguments (``team``)."""
    if "team_id" in payload:
        team_id = payload.pop("team_id")
        try:
            payload["team"] = services.team(actor, team_id) if team_id else None
        except Http404 as exc:
            raise ValidationError({"team_id": str(exc)}) from None
    return payload


def record_out(person: Person) -> PersonRecordOut:
    """A person's record as sent, with today's manager (the caller has passed the record check)."""
    record = PersonRecordOut.model_validate(person)
    manager = services.manager_of(person)
    record.manager = PersonRef(id=manager.pk, name=manager.name) if manager else None
    return record


def _chart(node: ChartNode) -> ChartNodeOut:
    return ChartNodeOut(
        id=node.id,
        name=node.name,
        title=node.title,
        team=node.team,
        size=node.size,
        reports=[_chart(child) for child in node.reports],
    )


# --- people ------------------------------------------------------------------------------------


@router.get("/people", response={200: Page[DirectoryEntryOut], **COMMON_ERRORS})
def list_people(
    request: HttpRequest,
    q: Annotated[Text, Query("", max_length=200, description="words to match")] = "",
    team: Annotated[uuid.UUID | None, Query(description="only members of this team")] = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> dict[str, object]:
    """The people directory (name, title, team, manager), searchable and paginated."""
    people = services.directory(_actor(request), query=q, team_id=team)
    return page_of(people, limit, offset)


@router.post("/people", response={201: PersonRecordOut, **COMMON_ERRORS})
def create_person(request: HttpRequest, payload: PersonIn) -> Status[PersonRecordOut]:
    """Add a person (HR and administrators)."""
    actor = _actor(request)
    person = services.create_person(actor, **_person_fields(actor, payload.model_dump()))
    return Status(201, record_out(person))


@router.post(
    "/people/import",
    response={200: ImportReportOut, **COMMON_ERRORS, 422: ImportRejectedOut | ValidationErrorOut},
    openapi_extra={
        "requestBody": {
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {"file": {"type": "string", "format": "binary"}},
                        "required": ["file"],
                    }
                },
                "text/csv": {"schema": {"type": "string"}},
            },
            "required": True,
        }
    },
)
def import_people(
    request: HttpRequest,
    effective: Annotated[dt.date | None, Query(description="reporting lines start then")] = None,
    file: Annotated[UploadedFile | None, File(description="the CSV file")] = None,
) -> Any:
    """Import people from an HR system's CSV export: all rows or none (HR and administrators).

    Send the file as multipart field ``file`` or as a raw ``text/csv`` body.
    """
    actor = _actor(request)
    if file is not None:
        data, filename = file.read(), file.name or "upload.csv"
    elif request.content_type in FORM_TYPES:  # the form was parsed: its raw body is gone
        raise ValidationError({"file": "send the CSV file as the multipart field 'file'"})
    else:
        data, filename = request.body, "request body"
    try:
        report = imports.import_people(actor, data, effective=effective, filename=filename)
    except imports.ImportRejected as rejected:
        errors = [
            {"line": error.line, "column": error.column, "reason": error.reason}
            for error in rejected.errors
        ]
        return Status(
            422, {"detail": str(rejected) or "the file was not imported", "errors": errors}
        )
    return Status(200, report)


@router.get(
    "/people/export",
    response={200: None, **COMMON_ERRORS},
    openapi_extra={
        "responses": {
            "200": {
                "description": "Every person, as CSV or JSON",
                "content": {"text/csv": {"schema": {"type": "string"}}, "application/json": {}},
            }
        }
    },
)
def export_people(
    request: HttpRequest,
    format: Annotated[Literal["csv", "json"], Query(description="csv or json")] = "csv",
) -> HttpResponse:
    """Export people as CSV (the import's columns, so it round-trips) or JSON."""
    out = io.StringIO()
    exports.export_people(_actor(request), out, format)
    content_type = "text/csv; charset=utf-8" if format == "csv" else "application/json"
    response = HttpResponse(out.getvalue(), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="people.{format}"'
    return response


@router.get("/people/{person_id}", response={200: DirectoryEntryOut, **OBJECT_ERRORS})
def get_person(request: HttpRequest, person_id: uuid.UUID) -> Person:
    """A person's directory card (anyone signed in)."""
    return services.directory_entry(_actor(request), person_id)


@router.patch("/people/{person_id}", response={200: PersonRecordOut, **OBJECT_ERRORS})
def update_person(request: HttpRequest, person_id: uuid.UUID, payload: PersonPatch) -> Any:
    """Change a person's record (HR and administrators); only the fields sent change."""
    actor = _actor(request)
    changes = _person_fields(actor, payload.model_dump(exclude_unset=True))
    person = services.update_person(actor, person_id, **changes)
    return record_out(person)


@router.get("/people/{person_id}/record", response={200: PersonRecordOut, **OBJECT_ERRORS})
def get_person_record(request: HttpRequest, person_id: uuid.UUID) -> PersonRecordOut:
    """A person's private record: the person themself, HR and administrators. Audited."""
    actor = _actor(request)
    return record_out(services.person_record(actor, person_id))


@router.get(
    "/people/{person_id}/reporting-lines",
    response={200: list[ReportingLineOut], **OBJECT_ERRORS},
)
def get_reporting_lines(request: HttpRequest, person_id: uuid.UUID) -> list[ReportingLine]:
    """Who the person reported to, and when (oldest first). Private, like the record."""
    return list(services.reporting_history(_actor(request), person_id))


@router.put(
    "/people/{person_id}/manager",
    response={200: ManagerOut, **OBJECT_ERRORS, 409: ValidationErrorOut},
)
def set_manager(request: HttpRequest, person_id: uuid.UUID, payload: ManagerIn) -> ManagerOut:
    """Change who a person reports to from a date (HR and administrators).

    History is kept. A change that would make anyone their own (indirect) manager is refused
    with 409 and the loop named.
    """
    line = services.set_manager(
        _actor(request), person_id, payload.manager_id, valid_from=payload.valid_from
    )
    if line is None:
        return ManagerOut(
            person_id=person_id, manager=None, valid_from=payload.valid_from or services.today()
        )
    return ManagerOut(
        person_id=person_id,
        manager=PersonRef(id=line.manager.pk, name=line.manager.name),
        valid_from=line.valid_from,
    )


# --- teams -------------------------------------------------------------------------------------


@router.get("/teams", response={200: list[TeamOut], **COMMON_ERRORS})
def list_teams(request: HttpRequest) -> list[Team]:
    """Every team with its member count."""
    return list(services.teams(_actor(request)))


@router.post("/teams", response={201: TeamOut, **COMMON_ERRORS})
def create_team(request: HttpRequest, payload: TeamIn) -> Status[Team]:
    """Add a team (HR and administrators)."""
    return Status(201, services.create_team(_actor(request), payload.name, payload.description))


@router.get("/teams/{team_id}", response={200: TeamDetailOut, **OBJECT_ERRORS})
def get_team(request: HttpRequest, team_id: uuid.UUID) -> dict[str, object]:
    """A team and its current members."""
    actor = _actor(request)
    found = services.team(actor, team_id)
    members = list(services.directory(actor, team_id=found.pk))
    return {
        "id": found.pk,
        "name": found.name,
        "description": found.description,
        "member_count": len(members),
        "members": members,
    }


# --- org chart ---------------------------------------------------------------------------------


@router.get("/org-chart", response={200: OrgChartOut, **COMMON_ERRORS})
def get_org_chart(
    request: HttpRequest,
    on: Annotated[dt.date | None, Query(description="the day to show; default today")] = None,
) -> OrgChartOut:
    """The reporting tree on a date, nested: each person with the people reporting to them."""
    day = on or services.today()
    roots = services.org_chart(_actor(request), on=day)
    return OrgChartOut(on=day, roots=[_chart(node) for node in roots])
