"""Pages for a person about themself: my trust profile (``/me/trust/``) and, for a manager,
my team (``/me/team/``). Views parse input, call one insights service and lay out the charts
(inline SVG with a table behind each); the rules live in the services."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse

from trustledger import engine
from trustledger.accounts.actors import Actor
from trustledger.insights import profiles, team
from trustledger.web.views import render_page

#: Series of the trend chart: dimension, label, colour (Okabe–Ito, safe for colour-blind
#: readers), dash pattern and marker, so no series is told apart by colour alone.
SERIES = (
    ("able", "Able", "#0072b2", "", "circle"),
    ("believable", "Believable", "#d55e00", "6 3", "square"),
    ("connected", "Connected", "#009e73", "2 3", "diamond"),
    ("dependable", "Dependable", "#cc79a7", "10 3 2 3", "triangle"),
    ("overall", "Overall", "#1b1f24", "", "circle"),
)

BAR_LEFT, BAR_WIDTH, ROW_HEIGHT = 130.0, 330.0, 34.0
PLOT_LEFT, PLOT_RIGHT, PLOT_TOP, PLOT_BOTTOM = 44.0, 604.0, 14.0, 196.0


@dataclass(frozen=True)
class BarRow:
    """One figure on the profile chart: the range belief…belief + uncertainty, the projected
    value marked in it, or only a note when the figure is not shown."""

    label: str
    y: float
    shown: bool
    low: float
    high: float
    x: float
    text: str

    @property
    def top(self) -> float:
        return self.y - 7

    @property
    def width(self) -> float:
        return max(self.high - self.low, 1.0)


@dataclass(frozen=True)
class BarChart:
    rows: list[BarRow]
    height: float
    ticks: list[tuple[float, str]]
    title: str


def _x(value: float) -> float:
    return round(BAR_LEFT + BAR_WIDTH * min(max(value, 0.0), 1.0), 2)


def bar_chart(figures: list[profiles.DimensionProfile], title: str) -> BarChart:
    """Lay out the figures of a profile (each a range with its projected value)."""
    rows = []
    for i, f in enumerate(figures):
        y = 18 + i * ROW_HEIGHT
        if f.shown and f.projected is not None:
            belief = f.belief or 0.0
            rows.append(
                BarRow(
                    f.dimension.capitalize(),
                    y,
                    True,
                    _x(belief),
                    _x(belief + (f.uncertainty or 0.0)),
                    _x(f.projected),
                    f"{f.projected:.2f}, {f.certainty}",
                )
            )
        else:
            rows.append(BarRow(f.dimension.capitalize(), y, False, 0, 0, 0, "not shown yet"))
    words = "; ".join(f"{r.label} {r.text}" for r in rows)
    return BarChart(
        rows=rows,
        height=18 + len(rows) * ROW_HEIGHT + 14,
        ticks=[(_x(t), f"{t:g}") for t in (0.0, 0.25, 0.5, 0.75, 1.0)],
        title=f"{title}: {words}",
    )


@dataclass(frozen=True)
class Series:
    key: str
    label: str
    colour: str
    dash: str
    marker: str
    #: Runs of consecutive shown points as SVG polyline "x,y x,y" strings.
    runs: list[str]
    #: One SVG path per shown point: the series' marker drawn there.
    markers: list[str]


@dataclass(frozen=True)
class TrendRow:
    """One moment of the table behind the trend chart: a value per series or None."""

    label: str
    values: list[str]


@dataclass(frozen=True)
class TrendChart:
    series: list[Series]
    x_labels: list[tuple[float, str]]
    y_ticks: list[tuple[float, str]]
    table: list[TrendRow]
    headers: list[str]
    title: str
    anything_shown: bool


def marker_path(marker: str, x: float, y: float, r: float = 4.0) -> str:
    """An SVG path drawing ``marker`` (circle, square, diamond, triangle) centred at x, y."""
    if marker == "square":
        return f"M{x - r:.2f},{y - r:.2f}h{2 * r:g}v{2 * r:g}h{-2 * r:g}Z"
    if marker == "diamond":
        s = r + 1
        return f"M{x:.2f},{y - s:.2f}l{s:g},{s:g}l{-s:g},{s:g}l{-s:g},{-s:g}Z"
    if marker == "triangle":
        return f"M{x:.2f},{y - r - 1:.2f}l{r + 1:g},{2 * r:g}h{-2 * r - 2:g}Z"
    return f"M{x - r:.2f},{y:.2f}a{r:g},{r:g} 0 1,0 {2 * r:g},0a{r:g},{r:g} 0 1,0 {-2 * r:g},0"


def trend_chart(points: list[profiles.TrendPoint], title: str) -> TrendChart:
    """Lay out monthly points as one line per dimension (and overall), broken where a point
    is not shown (fewer than k people then)."""
    n = max(len(points), 1)
    step = (PLOT_RIGHT - PLOT_LEFT) / max(n - 1, 1)

    def xy(i: int, value: float) -> tuple[float, float]:
        return (
            round(PLOT_LEFT + i * step, 2),
            round(PLOT_BOTTOM - (PLOT_BOTTOM - PLOT_TOP) * value, 2),
        )

    series = []
    table_values: list[list[str]] = [[] for _ in points]
    for key, label, colour, dash, marker in SERIES:
        runs: list[str] = []
        run: list[str] = []
        shown_points = []
        for i, point in enumerate(points):
            figure = (
                point.overall
                if key == "overall"
                else point.dimensions[engine.DIMENSIONS.index(key)]
            )
            if figure.shown and figure.projected is not None:
                x, y = xy(i, figure.projected)
                run.append(f"{x},{y}")
                shown_points.append((x, y))
                table_values[i].append(f"{figure.projected:.2f} ({figure.certainty})")
            else:
                if len(run) > 1:
                    runs.append(" ".join(run))
                run = []
                table_values[i].append("—")
        if len(run) > 1:
            runs.append(" ".join(run))
        markers = [marker_path(marker, x, y) for x, y in shown_points]
        series.append(Series(key, label, colour, dash, marker, runs, markers))
    every = max(1, n // 6)
    return TrendChart(
        series=series,
        x_labels=[
            (xy(i, 0)[0], p.label.replace(" (so far)", ""))
            for i, p in enumerate(points)
            if (len(points) - 1 - i) % every == 0
        ],
        y_ticks=[(xy(0, t)[1], f"{t:g}") for t in (0.0, 0.25, 0.5, 0.75, 1.0)],
        table=[TrendRow(p.label, v) for p, v in zip(points, table_values, strict=True)],
        headers=[label for _, label, *_ in SERIES],
        title=title,
        anything_shown=any(s.markers for s in series),
    )


@login_required
def my_trust_page(request: HttpRequest) -> HttpResponse:
    """My trust profile: private to me (an account without a person gets 403, audited)."""
    mine = profiles.my_trust(Actor.from_request(request))
    profile = mine.profile
    figures = [*profile.dimensions, profile.overall]
    return render_page(
        request,
        "insights/profile.html",
        "insights/_profile.html",
        {
            "mine": mine,
            "profile": profile,
            "figures": figures,
            "bars": bar_chart(figures, "How others experience you"),
            "trend": trend_chart(mine.trend, "How others have experienced you, month by month"),
            "why": [(f, mine.why.get(f.dimension, [])) for f in figures if f.shown],
            "performer": mine.follow_through.as_performer,
            "requester": mine.follow_through.as_requester,
        },
    )


@login_required
def my_team_page(request: HttpRequest) -> HttpResponse:
    """My team, as a manager: coaching readiness in words with tips, the team's trust in me
    over time (k-anonymous), my open commitments to my people."""
    dashboard = team.team_dashboard(Actor.from_request(request))
    return render_page(
        request,
        "insights/team.html",
        "insights/_team.html",
        {
            "dashboard": dashboard,
            "trend": trend_chart(dashboard.trend, "Your team's trust in you, month by month"),
        },
    )
