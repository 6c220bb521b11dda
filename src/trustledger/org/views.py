"""Pages about people, teams and the organisation. Views parse input and call org services."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from trustledger.accounts.actors import Actor
from trustledger.org import imports, services
from trustledger.org.services import ChartNode
from trustledger.web.views import paginate, render_page

#: The org chart opens this many levels by default (the top people and their direct reports).
CHART_OPEN_DEPTH = 2


@login_required
def my_profile(request: HttpRequest) -> HttpResponse:
    """My own full record, my manager, my direct reports and my team."""
    actor = Actor.from_request(request)
    context: dict[str, Any] = {"record": None}
    if actor.person is not None:
        record = services.person_record(actor, actor.person.pk)
        context.update(
            record=record,
            manager=services.manager_of(record),
            reports=services.direct_reports(record),
            teammates=(
                services.directory(actor, team_id=record.team_id).exclude(pk=record.pk)
                if record.team_id
                else []
            ),
        )
    return render(request, "org/me.html", context)


class DirectoryFilter(forms.Form):
    q = forms.CharField(required=False, max_length=200, label="Search")
    team = forms.UUIDField(required=False, label="Team")


@login_required
def people(request: HttpRequest) -> HttpResponse:
    """The people directory: search as you type, filter by team, 50 per page."""
    actor = Actor.from_request(request)
    form = DirectoryFilter(request.GET)
    query, team_id = "", None
    if form.is_valid():
        query = form.cleaned_data["q"].strip()
        team_id = form.cleaned_data["team"]
    page_obj = paginate(request, services.directory(actor, query=query, team_id=team_id))
    context = {
        "page_obj": page_obj,
        "query": query,
        "team_id": team_id,
        "teams": services.teams(actor),
    }
    return render_page(request, "org/people.html", "org/_people_table.html", context)


@login_required
def person_page(request: HttpRequest, person_id: uuid.UUID) -> HttpResponse:
    """A person's directory card for everyone; their private record only for self, HR and admins."""
    actor = Actor.from_request(request)
    entry = services.directory_entry(actor, person_id)
    record = None
    if services.can_read_private(actor, entry):
        record = services.person_record(actor, person_id)  # audited read
    context = {
        "entry": entry,
        "record": record,
        "reports": services.direct_reports(entry),
        "is_me": actor.is_self(entry),
    }
    return render(request, "org/person.html", context)


@login_required
def teams_page(request: HttpRequest) -> HttpResponse:
    """Every team with how many people are in it."""
    actor = Actor.from_request(request)
    return render(request, "org/teams.html", {"teams": services.teams(actor)})


@login_required
def team_page(request: HttpRequest, team_id: uuid.UUID) -> HttpResponse:
    """A team's members and who manages each of them."""
    actor = Actor.from_request(request)
    team = services.team(actor, team_id)
    members = services.directory(actor, team_id=team.pk)
    return render(request, "org/team.html", {"team": team, "members": members})


@login_required
def org_chart_page(request: HttpRequest) -> HttpResponse:
    """The reporting tree as nested, collapsible lists; ``?q=`` opens the path to matches.

    The filter also runs in the browser (static/web/org-chart.js); the server side keeps it
    working without JavaScript.
    """
    actor = Actor.from_request(request)
    roots = services.org_chart(actor)
    query = request.GET.get("q", "").strip()
    matches: set[uuid.UUID] = set()
    on_path: set[uuid.UUID] = set()
    if query:
        _mark_matches(roots, query.casefold(), matches, on_path)
    context = {
        "roots": roots,
        "query": query,
        "matches": matches,
        "on_path": on_path,
        "open_depth": CHART_OPEN_DEPTH,
        "people_total": sum(root.size for root in roots),
    }
    return render(request, "org/org_chart.html", context)


def _mark_matches(
    nodes: Iterable[ChartNode], needle: str, matches: set[uuid.UUID], on_path: set[uuid.UUID]
) -> bool:
    """Collect nodes whose name, title or team contain ``needle`` and the managers above them."""
    found_any = False
    for node in nodes:
        below = _mark_matches(node.reports, needle, matches, on_path)
        haystack = f"{node.name} {node.title} {node.team}".casefold()
        if needle in haystack:
            matches.add(node.id)
        if below:
            on_path.add(node.id)
        found_any = found_any or below or node.id in matches
    return found_any


# --- HR import -----------------------------------------------------------------------------

#: What each import column means, shown on the page (docs/import.md has the full rules).
_COLUMN_MEANINGS = {
    "employee_id": "The key: a row with a known employee id updates that person.",
    "name": "Full name.",
    "email": "Work e-mail, unique (case does not matter).",
    "title": "Job title.",
    "team": "Team name; a new name creates the team.",
    "manager_employee_id": "Employee id of the manager (in the file or already known).",
    "start_date": "YYYY-MM-DD.",
    "leave_date": "YYYY-MM-DD, not before the start date.",
    "behaviour_style": "driving, expressive, amiable or analytical.",
    "external": "yes/no: a counterpart outside the organisation, such as a customer.",
}
IMPORT_COLUMNS = tuple(
    (name, "yes" if name in imports.REQUIRED_COLUMNS else "no", _COLUMN_MEANINGS.get(name, ""))
    for name in imports.COLUMNS
)


class ImportForm(forms.Form):
    file = forms.FileField(label="CSV file", help_text="UTF-8, comma-separated, with a header row.")
    effective = forms.DateField(
        required=False,
        label="Effective date",
        help_text="Manager changes take effect on this day (default: today).",
        widget=forms.DateInput(attrs={"type": "date"}),
    )


@login_required
def import_people_page(request: HttpRequest) -> HttpResponse:
    """Upload an HR system's CSV export: every row is imported, or none and each bad one shown."""
    actor = Actor.from_request(request)
    imports.require_importer(actor)
    posted = request.method == "POST"
    form = ImportForm(request.POST, request.FILES) if posted else ImportForm()
    context: dict[str, Any] = {"form": form, "columns": IMPORT_COLUMNS}
    if posted and form.is_valid():
        upload = form.cleaned_data["file"]
        effective: dt.date | None = form.cleaned_data["effective"]
        try:
            report = imports.import_people(
                actor, upload.read(), effective=effective, filename=upload.name
            )
        except imports.ImportRejected as rejected:
            context.update(errors=rejected.errors, filename=upload.name)
        else:
            context.update(report=report, filename=upload.name, form=ImportForm())
    return render(request, "org/import.html", context)
