"""Survey results pages: my results, a campaign's overview (and its CSV), a subject's report.

Every figure comes through :mod:`trustledger.assessments.reports`, which decides who may read
which cut and has already hidden the cells the anonymity rule withholds; these views only lay
the figures out, with charts from :mod:`trustledger.assessments.charts` (inline SVG drawn on
the server) and a table with the same figures next to each one.

Results are private: every answer here is ``Cache-Control: no-store``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_POST

from trustledger import engine
from trustledger.accounts.actors import Actor
from trustledger.assessments import charts, reports, services
from trustledger.assessments.anonymity import DEFAULT_COMMENT_K, PROTECTS_OTHERS
from trustledger.assessments.instruments import Instrument
from trustledger.assessments.models import Campaign, CellKind
from trustledger.assessments.reports import (
    Cell,
    DimensionRow,
    Gap,
    ItemRow,
    Report,
    ResultsNotReady,
)
from trustledger.ledger.services import WHAT_MAX
from trustledger.org import services as org_services
from trustledger.org.models import Person
from trustledger.web.views import is_htmx

#: People or teams per page of a campaign's overview (each with its rater groups).
SUBJECTS_PER_PAGE = 25
#: Below this, a dimension's items did not hang together well enough to read its score as
#: one thing (Nunnally, *Psychometric Theory*, 1978: 0.7 for early-stage research).
LOW_ALPHA = 0.7
#: "you rate yourself higher than <who>": each rater group named from the subject's side.
GROUP_AS_OTHERS = {
    "": "the others who rated you",
    "manager": "your manager",
    "peers": "your peers",
    "direct_reports": "your direct reports",
    "team": "your team",
}


# --- what the pages show ---------------------------------------------------------------------


@dataclass(frozen=True)
class ShownDimension:
    """A dimension row of a cell with its bar and its organisation benchmark."""

    row: DimensionRow
    bar: charts.StackedBar | None
    benchmark: DimensionRow | None

    @property
    def mean_text(self) -> str:
        """The mean, two decimals (— without answers)."""
        return "—" if self.row.mean is None else f"{self.row.mean:.2f}"

    @property
    def benchmark_text(self) -> str:
        """The organisation's mean and favourable share, or — where it is not shown."""
        bench = self.benchmark
        if bench is None or bench.mean is None:
            return "—"
        favourable = "" if bench.favourable is None else f" ({round(100 * bench.favourable)}% fav.)"
        return f"{bench.mean:.2f}{favourable}"

    @property
    def alpha_note(self) -> str:
        """Why a reliability figure should be read with care, or nothing."""
        alpha = self.row.alpha
        if alpha is None:
            return "No estimate: too few complete answers, or everyone answered alike."
        if alpha < LOW_ALPHA:
            return (
                f"Low (below {LOW_ALPHA}): the items of this dimension were answered "
                "inconsistently here; read its score with care."
            )
        return ""


@dataclass(frozen=True)
class ShownCell:
    """A cell as the pages lay it out."""

    cell: Cell
    dimensions: list[ShownDimension]
    report_url: str


def shown_cell(
    cell: Cell, benchmark: Cell | None, campaign_id: uuid.UUID, link: bool = True
) -> ShownCell:
    """A cell with a stacked bar per dimension and the benchmark beside each one (and, for a
    subject's overall cell, a link to its report unless ``link`` is false)."""
    bench = {d.id: d for d in benchmark.dimensions} if benchmark and benchmark.shown else {}
    url = ""
    if link and cell.kind == CellKind.SUBJECT and cell.subject_id is not None and not cell.group:
        url = reverse("results_report", args=[campaign_id, cell.subject_id])
    return ShownCell(
        cell=cell,
        dimensions=[ShownDimension(d, _bar(d), bench.get(d.id)) for d in cell.dimensions],
        report_url=url,
    )


def _bar(row: DimensionRow | ItemRow) -> charts.StackedBar | None:
    return charts.stacked_bar(row.favourable, row.neutral, row.unfavourable)


@dataclass(frozen=True)
class Source:
    """One source of scores beside the others: a label, its kind (the bar's fill), a score
    per dimension id, and why a score is missing."""

    label: str
    kind: str
    scores: dict[str, float | None]
    note: str = ""


@dataclass(frozen=True)
class ShownItem:
    """An item with its bar and its distribution over the scale."""

    item: ItemRow
    dimension: str
    bar: charts.StackedBar | None
    distribution: charts.Distribution


@dataclass(frozen=True)
class GapSentence:
    """One self-versus-others comparison in words."""

    gap: Gap
    sentence: str


def gap_sentence(gap: Gap) -> str:
    """A blind spot or hidden strength as a sentence addressed to the subject."""
    who = GROUP_AS_OTHERS.get(gap.group, gap.group_label.lower())
    size = abs(gap.gap or 0.0)
    points = f"{size:.1f} point{'' if round(size, 1) == 1 else 's'}"
    if gap.classification == engine.BLIND_SPOT:
        return f"You rate yourself higher than {who} by {points}."
    if gap.classification == engine.HIDDEN_STRENGTH:
        return f"You rate yourself lower than {who} by {points}: they see more than you do."
    if gap.classification == engine.ALIGNED:
        return f"You and {who} see it much the same (within {points} of each other)."
    return f"No comparison with {who}: their results are not shown."


def _scores(cell: Cell) -> dict[str, float | None]:
    """A cell's dimension scores (the mean of each rater's dimension score)."""
    if not cell.shown:
        return {}
    return {d.id: d.score_mean if d.score_mean is not None else d.mean for d in cell.dimensions}


def _report_context(
    report: Report, form: CommitForm | None, created: bool = False
) -> dict[str, Any]:
    """Everything the report templates lay out: charts, tables, gaps in words, the form."""
    instrument = report.instrument
    campaign = report.campaign
    subject = report.subject
    benchmark = report.benchmark
    sources = []
    if report.own:
        sources.append(Source("You", "self", report.self_scores or {}, "you did not rate yourself"))
    sources.append(
        Source(
            "Everyone but you" if report.own else "Everyone",
            "others",
            _scores(report.overall),
            "not enough responses",
        )
    )
    protecting = reports.note_for(PROTECTS_OTHERS, campaign.anonymity_k)
    for group in report.groups:
        sources.append(
            Source(
                reports.GROUP_LABELS.get(group.group, group.group),
                "others",
                _scores(group),
                "hidden to protect a smaller group"
                if group.note == protecting
                else "not enough responses",
            )
        )
    if benchmark is not None:
        sources.append(
            Source("Organisation", "benchmark", _scores(benchmark), "not enough responses")
        )
    dimension_rows = []
    for d in instrument.dimensions:
        dimension_rows.append(
            {
                "name": d.name,
                "values": [source.scores.get(d.id) for source in sources],
            }
        )
    overall = shown_cell(report.overall, benchmark, campaign.pk, link=False)
    groups = [shown_cell(g, benchmark, campaign.pk, link=False) for g in report.groups]
    # Reliability, items and comments come from the overall cut; where the anonymity rule hid
    # it (a group below k could otherwise be worked out), from each rater group shown.
    detail = [overall] if report.overall.shown else [g for g in groups if g.cell.shown]
    details = [
        {
            "label": "" if shown.cell is report.overall else _group_label(shown.cell),
            "shown": shown,
            "items": _items(shown.cell, instrument),
        }
        for shown in detail
    ]
    drivers = _drivers(report.overall, instrument)
    trend = None
    if report.trend:
        low = min(min(t.low for t in report.trend), -0.5)
        high = max(max(t.high for t in report.trend), 0.5)
        bound = max(abs(low), abs(high))
        step = 0.5 if bound <= 2 else 1.0
        reach = int(bound // step)
        ticks = [step * i for i in range(-reach, reach + 1)]
        trend = charts.interval_chart(
            "trend",
            [
                (
                    t.dimension_name,
                    t.difference,
                    t.low,
                    t.high,
                    f"{t.difference:+.2f} ({t.low:+.2f} to {t.high:+.2f})",
                )
                for t in report.trend
            ],
            -bound,
            bound,
            ticks,
            lambda v: f"{v:+.1f}" if v else "0",
            "Change since the previous wave, with 95% intervals",
        )
    gaps = [GapSentence(g, gap_sentence(g)) for g in report.gaps]
    names = {d.id: d.name for d in instrument.dimensions}
    points = instrument.scale.points
    return {
        "report": report,
        "campaign": campaign,
        "instrument": instrument,
        "subject_name": str(subject.person) if subject.person_id else str(subject.team),
        "about_a_team": subject.person_id is None,
        "k": campaign.anonymity_k,
        "points": points,
        "scale_labels": list(enumerate(instrument.scale.labels, start=1)),
        "sources": sources,
        "dimension_rows": dimension_rows,
        "charts": [
            charts.comparison_chart(
                f"cmp-{n}",
                d.name,
                [(s.label, s.kind, s.scores.get(d.id), s.note) for s in sources],
                points,
            )
            for n, d in enumerate(instrument.dimensions, 1)
        ],
        "overall": overall,
        "groups": groups,
        "details": details,
        "drivers": drivers,
        "trend": trend,
        "blind_spots": [g for g in gaps if g.gap.classification == engine.BLIND_SPOT],
        "hidden_strengths": [g for g in gaps if g.gap.classification == engine.HIDDEN_STRENGTH],
        "aligned": [g for g in gaps if g.gap.classification == engine.ALIGNED],
        "no_data": [g for g in gaps if g.gap.classification == engine.NO_DATA],
        "form": form,
        "created": created,
        "action_url": reverse("results_commit", args=[campaign.pk, subject.pk]),
        "report_url": reverse("results_report", args=[campaign.pk, subject.pk]),
        "actions": [
            (action, names.get(action.dimension, action.dimension) or "The results as a whole")
            for action in report.actions
        ],
        "comment_k": max(campaign.anonymity_k, DEFAULT_COMMENT_K),
    }


def _group_label(cell: Cell) -> str:
    return reports.GROUP_LABELS.get(cell.group, cell.group)


def _items(cell: Cell, instrument: Instrument) -> list[ShownItem]:
    """A cell's items in the instrument's dimension order, each with its distribution."""
    order = [d.id for d in instrument.dimensions]
    names = {d.id: d.name for d in instrument.dimensions}
    items = [
        ShownItem(
            item,
            names.get(item.dimension, item.dimension),
            _bar(item),
            charts.distribution(item.distribution, instrument),
        )
        for item in cell.items
    ]
    items.sort(
        key=lambda i: order.index(i.item.dimension) if i.item.dimension in order else len(order)
    )
    return items


def _drivers(cell: Cell, instrument: Instrument) -> dict[str, Any] | None:
    """Driver analysis: each dimension's relative weight with its interval, chart and rows."""
    drivers = cell.drivers if cell.shown else None
    if not drivers or drivers.get("r_squared") in (None, 0):
        return None
    names = {d.id: d.name for d in instrument.dimensions}
    r2 = float(drivers["r_squared"])
    rows = []
    for d in drivers["dimensions"]:
        if d["weight"] is None:
            continue
        low = d["low"] if d["low"] is not None else d["weight"]
        high = d["high"] if d["high"] is not None else d["weight"]
        rows.append(
            {
                "name": names.get(d["id"], d["id"]),
                "weight": d["weight"],
                "share": d["share"],
                "low": low,
                "high": high,
            }
        )
    rows.sort(key=lambda r: -r["weight"])
    top = max([r["high"] for r in rows] + [r2 / 2, 0.05])
    step = 0.1 if top <= 0.6 else 0.2
    chart = charts.interval_chart(
        "drivers",
        [
            (
                r["name"],
                r["weight"],
                r["low"],
                r["high"],
                f"{r['weight']:.2f} ({r['low']:.2f} to {r['high']:.2f})",
            )
            for r in rows
        ],
        0.0,
        top,
        [step * i for i in range(int(top / step) + 1)],
        lambda v: f"{v:.1f}",
        "Relative weight of each dimension on overall trust, with 95% intervals",
    )
    outcome = next(
        (
            item.text
            for form in instrument.forms
            for item in form.items
            if item.id == drivers.get("outcome") and "self" not in form.rater_groups
        ),
        drivers.get("outcome", ""),
    )
    return {
        "rows": rows,
        "chart": chart,
        "r_squared": r2,
        "respondents": drivers.get("respondents"),
        "outcome": outcome,
    }


# --- the commit-to-action form ---------------------------------------------------------------


class CommitForm(forms.Form):
    """What I will do about these results, what done means, by when, on which dimension."""

    what = forms.CharField(label="What I will do", max_length=WHAT_MAX)
    done_means = forms.CharField(
        label="Done means",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="How the people who rated you will tell it is done.",
    )
    due_at = forms.DateTimeField(
        label="Due",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    dimension = forms.ChoiceField(label="About", required=False)
    requester = forms.ModelChoiceField(
        label="Who holds me to it",
        queryset=Person.objects.none(),
        empty_label="Choose a person",
        help_text="You have no manager on record: choose who will confirm it is done.",
    )

    def __init__(
        self,
        *args: Any,
        instrument: Instrument,
        holder: Person | None,
        people: Any = None,
        **kwargs: Any,
    ) -> None:
        """``holder``: the manager who holds the person to it by default; without one, the
        form asks whom to commit to (from ``people``)."""
        super().__init__(*args, **kwargs)
        self.holder = holder
        self.fields["dimension"].choices = [("", "The results as a whole")] + [  # type: ignore[attr-defined]
            (d.id, d.name) for d in instrument.dimensions
        ]
        if holder is not None:
            del self.fields["requester"]
        elif people is not None:
            self.fields["requester"].queryset = people  # type: ignore[attr-defined]


#: Where a service's error about a keyword argument is shown on the form.
_FIELD_OF = {"requester_id": "requester", "performer_id": None, "witness_ids": None}


def _attach(form: CommitForm, error: ValidationError) -> None:
    """Put a service's validation errors next to the fields they are about."""
    if not hasattr(error, "error_dict"):
        for message in error.messages:
            form.add_error(None, message)
        return
    for name, messages_ in error.message_dict.items():
        field = _FIELD_OF.get(name, name)
        if field is not None and field not in form.fields:
            field = None
        for message in messages_:
            form.add_error(field, message)


def _commit_form(actor: Actor, report: Report, data: Any = None) -> CommitForm | None:
    """The form, for the person assessed or a manager of the team; None for anyone else."""
    if not reports.may_commit(actor, report.subject):
        return None
    person = actor.person
    holder = org_services.manager_of(person) if person is not None else None
    people = None
    if holder is None:
        people = org_services.directory(actor)
        if person is not None:
            people = people.exclude(pk=person.pk)
    initial = {"due_at": timezone.localtime(timezone.now() + dt.timedelta(days=30))}
    return CommitForm(
        data, instrument=report.instrument, holder=holder, people=people, initial=initial
    )


# --- responses -------------------------------------------------------------------------------


def _private(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    return response


def _not_ready(request: HttpRequest, campaign: Campaign, error: ResultsNotReady) -> HttpResponse:
    context = {"campaign": campaign, "message": str(error)}
    return _private(render(request, "assessments/results_not_ready.html", context, status=409))


@login_required
@require_GET
def my_results(request: HttpRequest) -> HttpResponse:
    """The ended campaigns I may read, and the actions taken on the surveys I answered."""
    actor = Actor.from_request(request)
    campaigns = [
        {"campaign": campaign, "instrument": _instrument_title(campaign)}
        for campaign in reports.ended_campaigns(actor)
    ]
    followed = [
        {
            "campaign": campaign,
            "subject_name": str(subject.person) if subject.person_id else str(subject.team),
            "actions": actions,
        }
        for campaign, subject, actions in reports.followed_up(actor)
    ]
    context = {"campaigns": campaigns, "followed": followed}
    return _private(render(request, "assessments/results_mine.html", context))


def _instrument_title(campaign: Campaign) -> str:
    try:
        return services.instrument_of(campaign).title
    except ValidationError:
        return f"{campaign.instrument_id} v{campaign.instrument_version}"


@login_required
@require_GET
def campaign_results(request: HttpRequest, campaign_id: uuid.UUID) -> HttpResponse:
    """A campaign's overview: the organisation, departments and subjects the reader may see."""
    actor = Actor.from_request(request)
    campaign = reports.campaign_of(campaign_id)
    try:
        cells = reports.overview(actor, campaign_id)
    except ResultsNotReady as error:
        return _not_ready(request, campaign, error)
    organisation = [c for c in cells if c.kind == CellKind.ORGANISATION]
    benchmark = next((c for c in organisation if not c.group), None)
    subjects: dict[Any, list[Cell]] = {}
    for cell in cells:
        if cell.kind == CellKind.SUBJECT:
            subjects.setdefault(cell.subject_id, []).append(cell)
    page = Paginator(list(subjects.values()), SUBJECTS_PER_PAGE).get_page(request.GET.get("page"))
    subject_blocks = []
    order = list(reports.GROUP_LABELS)
    for subject_cells in page:
        subject_cells.sort(key=lambda c: order.index(c.group) if c.group in order else len(order))
        overall = next((c for c in subject_cells if not c.group), subject_cells[0])
        subject_blocks.append(
            {
                "overall": shown_cell(overall, benchmark, campaign.pk),
                "groups": [shown_cell(c, benchmark, campaign.pk) for c in subject_cells if c.group],
            }
        )
    instrument = services.instrument_of(campaign)
    context = {
        "campaign": campaign,
        "instrument": instrument,
        "subjects_are_teams": services.subjects_are_teams(instrument),
        "k": campaign.anonymity_k,
        "organisation": [shown_cell(c, None, campaign.pk) for c in organisation],
        "departments": [
            shown_cell(c, benchmark, campaign.pk) for c in cells if c.kind == CellKind.DEPARTMENT
        ],
        "subjects": subject_blocks,
        "subject_count": len(subjects),
        "page_obj": page,
        "csv_url": reverse("results_csv", args=[campaign.pk]),
    }
    return _private(render(request, "assessments/results_campaign.html", context))


@login_required
@require_GET
def campaign_results_csv(request: HttpRequest, campaign_id: uuid.UUID) -> HttpResponse:
    """The aggregates the reader may see, as a CSV download (no self ratings, no comments)."""
    actor = Actor.from_request(request)
    campaign = reports.campaign_of(campaign_id)
    try:
        text = reports.export_csv(actor, campaign_id)
    except ResultsNotReady as error:
        return _not_ready(request, campaign, error)
    name = slugify(campaign.title) or "campaign"
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="results-{name}.csv"'
    return _private(response)


@login_required
@require_GET
def subject_report(
    request: HttpRequest, campaign_id: uuid.UUID, subject_id: uuid.UUID
) -> HttpResponse:
    """A leader's or a team's report; ``?print=1`` lays it out for printing."""
    actor = Actor.from_request(request)
    campaign = reports.campaign_of(campaign_id)
    try:
        report = reports.report(actor, campaign_id, subject_id)
    except ResultsNotReady as error:
        return _not_ready(request, campaign, error)
    printing = request.GET.get("print") == "1"
    context = _report_context(report, None if printing else _commit_form(actor, report))
    context["printing"] = printing
    template = "assessments/report_print.html" if printing else "assessments/report.html"
    return _private(render(request, template, context))


@login_required
@require_POST
def commit_action(
    request: HttpRequest, campaign_id: uuid.UUID, subject_id: uuid.UUID
) -> HttpResponse:
    """Commit publicly to an action on a report; errors come back next to their fields."""
    actor = Actor.from_request(request)
    campaign = reports.campaign_of(campaign_id)
    try:
        report = reports.report(actor, campaign_id, subject_id)
    except ResultsNotReady as error:
        return _not_ready(request, campaign, error)
    form = _commit_form(actor, report, request.POST)
    if form is None:
        # Not theirs to commit to: the service refuses (403) and records the refusal.
        reports.commit_to_action(
            actor, campaign_id, subject_id, what="", done_means="", due_at=timezone.now()
        )
        raise AssertionError("commit_to_action must refuse")  # pragma: no cover
    created = False
    if form.is_valid():
        data = form.cleaned_data
        try:
            reports.commit_to_action(
                actor,
                campaign_id,
                subject_id,
                what=data["what"],
                done_means=data["done_means"],
                due_at=data["due_at"],
                dimension=data["dimension"] or "",
                requester_id=data["requester"].pk if data.get("requester") else None,
            )
        except ValidationError as error:
            _attach(form, error)
        else:
            created = True
    if created and not is_htmx(request):
        messages.success(request, "Your action is recorded; the people who rated you see it.")
        return redirect(reverse("results_report", args=[campaign_id, subject_id]) + "#actions")
    if created:
        report = reports.report(actor, campaign_id, subject_id)
        form = _commit_form(actor, report)
    context = _report_context(report, form, created=created)
    context["printing"] = False
    status = 200 if created or is_htmx(request) else 422
    template = "assessments/_report_actions.html" if is_htmx(request) else "assessments/report.html"
    return _private(render(request, template, context, status=status))
