"""Organisation analytics pages for HR: heatmap, follow-through, trickle-down, retention.

Views parse input, call :mod:`trustledger.insights.organisation` (which checks the reader,
audits and reads the snapshot) and turn its figures into chart geometry: inline SVG with a
colour-blind-safe palette, every value also written as text, and a data table behind each
chart. Nothing here computes a figure or decides what may be shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse

from trustledger.accounts.actors import Actor
from trustledger.insights import organisation
from trustledger.web.views import render_page

#: PuOr (ColorBrewer, colour-blind safe): low trust orange → high trust purple, by projected
#: value. Each entry is (upper bound, fill, text colour, legend label).
HEAT_BANDS = (
    (0.35, "#b35806", "#ffffff", "below 0.35"),
    (0.5, "#f1a340", "#1b1f24", "0.35–0.5"),
    (0.6, "#f7f7f7", "#1b1f24", "0.5–0.6"),
    (0.75, "#998ec3", "#1b1f24", "0.6–0.75"),
    (1.01, "#542788", "#ffffff", "0.75 and above"),
)
HIDDEN_FILL = "#e9ecef"
#: Survival curves: colour and dash per level, so they differ without colour too.
LEVEL_STYLE = {
    "high": ("#542788", ""),
    "medium": ("#5e6b78", "6 3"),
    "low": ("#b35806", "2 3"),
    "little_evidence": ("#1b7f5a", "10 3 2 3"),
}
CELL_W, CELL_H, LABEL_W = 92, 30, 210


@dataclass(frozen=True)
class HeatCell:
    """One rect of the heatmap; coordinates as strings (templates would localise numbers)."""

    x: str
    y: str
    tx: str
    ty: str
    fill: str
    ink: str
    text: str
    title: str
    dashed: bool


@dataclass(frozen=True)
class Heatmap:
    width: int
    height: int
    headers: list[tuple[str, str]]
    rows: list[tuple[str, str]]
    cells: list[HeatCell]
    legend: list[tuple[str, str]]


def _band(value: float) -> tuple[str, str]:
    for upper, fill, ink, _ in HEAT_BANDS:
        if value < upper:
            return fill, ink
    return HEAT_BANDS[-1][1], HEAT_BANDS[-1][2]


def heatmap(rows: list[organisation.TeamFigures]) -> Heatmap:
    """Heatmap geometry: one row per team (the organisation first), one column per measure."""
    top = 34
    cells: list[HeatCell] = []
    for r, figures in enumerate(rows):
        y = top + r * CELL_H
        for c, cell in enumerate(figures.cells):
            x = LABEL_W + c * CELL_W
            label = organisation.MEASURE_LABELS[cell.measure]
            if cell.shown and cell.projected is not None:
                fill, ink = _band(cell.projected)
                title = (
                    f"{figures.name}, {label}: {cell.projected:.2f} "
                    f"({cell.certainty}; {cell.people} people)"
                )
                cells.append(
                    HeatCell(
                        str(x),
                        str(y),
                        str(x + CELL_W // 2 - 1),
                        str(y + 19),
                        fill,
                        ink,
                        f"{cell.projected:.2f}",
                        title,
                        cell.certainty.startswith("little"),
                    )
                )
            else:
                cells.append(
                    HeatCell(
                        str(x),
                        str(y),
                        str(x + CELL_W // 2 - 1),
                        str(y + 19),
                        HIDDEN_FILL,
                        "#5e6b78",
                        "—",
                        f"{figures.name}, {label}: {cell.note}",
                        False,
                    )
                )
    return Heatmap(
        width=LABEL_W + CELL_W * len(organisation.MEASURES),
        height=top + CELL_H * len(rows) + 4,
        headers=[
            (str(LABEL_W + c * CELL_W + CELL_W // 2), organisation.MEASURE_LABELS[m])
            for c, m in enumerate(organisation.MEASURES)
        ],
        rows=[
            (str(top + r * CELL_H + CELL_H // 2 + 5), _short(f.name)) for r, f in enumerate(rows)
        ],
        cells=cells,
        legend=[(fill, label) for _, fill, _, label in HEAT_BANDS] + [(HIDDEN_FILL, "not shown")],
    )


def _short(name: str, limit: int = 28) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "…"


@dataclass(frozen=True)
class RateBar:
    y: str
    ty: str
    tx: str
    label: str
    segments: list[tuple[str, str, str, str]]  # x, width, fill, title
    text: str


def rate_bars(rows: list[organisation.TeamFigures], width: int = 420) -> dict[str, Any]:
    """Stacked bars of finished commitments: kept on time, kept late, broken (shares)."""
    bars = []
    for r, figures in enumerate(rows):
        rates = figures.rates
        y = 8 + r * 26
        if not rates.shown or rates.kept_rate is None or rates.on_time_rate is None:
            note = rates.note or "no finished commitments"
            bars.append(
                RateBar(str(y), str(y + 13), str(LABEL_W + 4), _short(figures.name), [], note)
            )
            continue
        parts = (
            (rates.on_time_rate, "#542788", "kept on time"),
            (rates.kept_rate - rates.on_time_rate, "#998ec3", "kept late"),
            (rates.broken_rate or 0.0, "#b35806", "broken"),
        )
        x = 0.0
        segments = []
        for share, fill, label in parts:
            segments.append(
                (f"{LABEL_W + x:.1f}", f"{share * width:.1f}", fill, f"{label}: {share:.0%}")
            )
            x += share * width
        bars.append(
            RateBar(
                str(y),
                str(y + 13),
                str(LABEL_W + width + 4),
                _short(figures.name),
                segments,
                f"{rates.kept_rate:.0%} kept",
            )
        )
    return {"bars": bars, "width": str(LABEL_W + width + 90), "height": str(16 + 26 * len(rows))}


def survival_chart(
    retention: dict[str, Any], width: int = 560, height: int = 240
) -> dict[str, Any]:
    """Step curves (share still here by days of tenure) for each level shown."""
    shown = [g for g in retention.get("groups", []) if g["shown"]]
    if not shown:
        return {"lines": [], "width": width, "height": height}
    left, bottom, plot_w, plot_h = 48, height - 34, width - 64, height - 54
    top_day = max(p["days"] for g in shown for p in g["points"]) or 1.0

    def x(days: float) -> float:
        return left + plot_w * days / top_day

    def y(value: float) -> float:
        return bottom - plot_h * value

    lines = []
    for group in shown:
        colour, dash = LEVEL_STYLE[group["level"]]
        path = []
        previous = None
        for point in group["points"]:
            if previous is None:
                path.append(f"M{x(point['days']):.1f},{y(point['survival']):.1f}")
            else:
                path.append(f"H{x(point['days']):.1f}V{y(point['survival']):.1f}")
            previous = point
        lines.append(
            {
                "path": "".join(path),
                "colour": colour,
                "dash": dash,
                "label": organisation.LEVEL_LABELS[group["level"]],
                "people": group["people"],
            }
        )
    ticks_x = [(x(d), int(d)) for d in _ticks(top_day)]
    ticks_y = [(y(v), f"{v:.0%}") for v in (0.0, 0.25, 0.5, 0.75, 1.0)]
    return {
        "lines": lines,
        "width": width,
        "height": height,
        "left": left,
        "right": left + plot_w,
        "middle": left + plot_w // 2,
        "bottom": bottom,
        "top": bottom - plot_h,
        "ticks_x": ticks_x,
        "ticks_y": ticks_y,
    }


def _ticks(top_day: float) -> list[float]:
    step = 90.0
    while top_day / step > 8:
        step *= 2
    ticks, day = [], 0.0
    while day <= top_day + 1e-9:
        ticks.append(day)
        day += step
    return ticks


def survival_table(retention: dict[str, Any]) -> dict[str, Any]:
    """The table behind the survival chart: one row per reported tenure point."""
    shown = [
        {**g, "label": organisation.LEVEL_LABELS[g["level"]]}
        for g in retention.get("groups", [])
        if g["shown"]
    ]
    days = sorted({p["days"] for g in shown for p in g["points"]})
    rows = []
    for day in days:
        values = []
        for group in shown:
            point = next((p for p in group["points"] if p["days"] == day), None)
            values.append(point)
        rows.append({"days": int(day), "values": values})
    return {"groups": shown, "rows": rows}


@login_required
def organisation_page(request: HttpRequest) -> HttpResponse:
    """Organisation analytics (HR and administrators; others get 403). ``?page=`` and ``?q=``
    page and filter the teams; htmx asks for the teams section only."""
    actor = Actor.from_request(request)
    query = request.GET.get("q", "")[:200]
    insights = organisation.organisation_insights(actor, page=request.GET.get("page"), query=query)
    context: dict[str, Any] = {"insights": insights, "q": query}
    if insights.ready and insights.organisation is not None and insights.teams is not None:
        rows = [insights.organisation, *insights.teams.object_list]
        context.update(
            heatmap=heatmap(rows),
            rates=rate_bars(rows),
            rows=rows,
            survival=survival_chart(insights.retention),
            survival_rows=survival_table(insights.retention),
            hidden_levels=[
                {**g, "label": organisation.LEVEL_LABELS[g["level"]]}
                for g in insights.retention.get("groups", [])
                if not g["shown"]
            ],
            step_days=organisation.SURVIVAL_STEP_DAYS,
            measures=[organisation.MEASURE_LABELS[m] for m in organisation.MEASURES],
        )
    return render_page(
        request,
        "insights/organisation.html",
        "insights/_organisation_teams.html",
        context,
    )


@login_required
def organisation_csv(request: HttpRequest) -> HttpResponse:
    """The same aggregates as the page, as a CSV download (shown figures only)."""
    text = organisation.export_csv(Actor.from_request(request))
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="organisation-insights.csv"'
    return response
