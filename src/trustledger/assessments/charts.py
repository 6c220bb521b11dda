"""Charts of survey results as inline SVG, drawn on the server (no script, no chart library).

Presentation only: the figures come from :mod:`trustledger.assessments.reports`. Each chart
is an object that lays out its marks and renders itself (``{{ chart }}`` in a template gives
its SVG), built as a string here rather than in a template loop, which keeps a report
with dozens of charts fast to render. Every chart is accessible on its own: ``role="img"``
with a ``<title>`` that reads out every figure, text labels on the marks, and classes whose
fills (``static/web/results.css``) are Okabe & Ito's colour-blind-safe blue and orange with
patterns that survive black-and-white printing. The pages put a table with the same figures
next to each chart.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from trustledger.assessments.instruments import Instrument

#: A segment of a stacked bar narrower than this (in chart units of 300) carries no label.
MIN_LABELLED_SEGMENT = 34.0
ROW_HEIGHT = 22.0


def _n(value: float) -> str:
    """A coordinate, short and locale-free."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


# --- favourable / neutral / unfavourable -----------------------------------------------------


@dataclass(frozen=True)
class Segment:
    """One band of a stacked favourable / neutral / unfavourable bar."""

    band: str  # favourable, neutral, unfavourable
    x: float
    width: float
    percent: int


@dataclass(frozen=True)
class StackedBar:
    """Favourable, neutral and unfavourable shares side by side on a 300-unit bar."""

    segments: list[Segment]
    title: str

    def __html__(self) -> SafeString:
        title = escape(self.title)
        parts = [
            f'<svg class="stacked" viewBox="0 0 300 22" role="img" aria-label="{title}" '
            f'preserveAspectRatio="xMinYMid meet"><title>{title}</title>'
        ]
        for s in self.segments:
            parts.append(
                f'<rect class="seg seg-{s.band}" x="{_n(s.x)}" y="1" width="{_n(s.width)}" '
                'height="20"/>'
            )
            if s.width >= MIN_LABELLED_SEGMENT:
                parts.append(
                    f'<text class="seg-label seg-label-{s.band}" x="{_n(s.x + s.width / 2)}" '
                    f'y="15.5" text-anchor="middle">{s.percent}%</text>'
                )
        parts.append("</svg>")
        return mark_safe("".join(parts))  # noqa: S308 (every text above is escaped)

    __str__ = __html__  # templates call str() before escaping: render as markup


def stacked_bar(
    favourable: float | None, neutral: float | None, unfavourable: float | None
) -> StackedBar | None:
    """The three shares as a stacked bar (None without answers)."""
    if favourable is None or neutral is None or unfavourable is None:
        return None
    shares = (
        ("favourable", float(favourable)),
        ("neutral", float(neutral)),
        ("unfavourable", float(unfavourable)),
    )
    percents = whole_percents([share for _, share in shares])
    segments = []
    x = 0.0
    for (band, share), percent in zip(shares, percents, strict=True):
        width = 300.0 * share
        if width > 0:
            segments.append(Segment(band, x, width, percent))
        x += width
    title = ", ".join(
        f"{band} {percent}%" for (band, _), percent in zip(shares, percents, strict=True)
    )
    return StackedBar(segments, title.capitalize())


def whole_percents(shares: Sequence[float]) -> list[int]:
    """Shares as whole percentages that add up to 100 (largest remainder), so the labels of
    a stacked bar never read 101%."""
    exact = [100.0 * s for s in shares]
    whole = [int(e) for e in exact]
    short = round(sum(exact)) - sum(whole)
    by_remainder = sorted(range(len(exact)), key=lambda i: whole[i] - exact[i])
    for i in by_remainder[: max(short, 0)]:
        whole[i] += 1
    return whole


# --- means per source, beside each other ---------------------------------------------------


@dataclass(frozen=True)
class BarRow:
    """One labelled bar: who, how long (None: no figure), the value in words."""

    label: str
    kind: str  # self, others, benchmark: the bar's fill
    width: float | None
    text: str


COMPARISON_LEFT = 150.0
COMPARISON_WIDTH = 360.0


@dataclass(frozen=True)
class ComparisonChart:
    """A dimension's mean per source (self, everyone, each rater group, the organisation) as
    labelled horizontal bars from the scale's first point."""

    key: str
    dimension: str
    rows: list[BarRow]
    points: int

    @property
    def title(self) -> str:
        """Every bar in words, for the chart's accessible name."""
        return f"{self.dimension}: " + "; ".join(f"{r.label} {r.text}" for r in self.rows)

    def __html__(self) -> SafeString:
        height = 8 + len(self.rows) * ROW_HEIGHT + 16
        axis = height - 14
        parts = [
            f'<svg viewBox="0 0 560 {_n(height)}" role="img" aria-labelledby="{self.key}-t">'
            f'<title id="{self.key}-t">{escape(self.title)}</title>'
        ]
        for p in range(1, self.points + 1):
            x = _n(COMPARISON_LEFT + COMPARISON_WIDTH * (p - 1) / (self.points - 1))
            parts.append(
                f'<line class="grid" x1="{x}" x2="{x}" y1="0" y2="{_n(axis)}"/>'
                f'<text class="tick" x="{x}" y="{_n(height - 2)}" text-anchor="middle">{p}</text>'
            )
        for i, row in enumerate(self.rows):
            y = 4 + i * ROW_HEIGHT
            parts.append(
                f'<text class="row-label" x="144" y="{_n(y + 13)}" text-anchor="end">'
                f"{escape(row.label)}</text>"
            )
            if row.width is None:
                parts.append(
                    f'<text class="value missing" x="155" y="{_n(y + 13)}">'
                    f"{escape(row.text)}</text>"
                )
            else:
                parts.append(
                    f'<rect class="bar bar-{row.kind}" x="{_n(COMPARISON_LEFT)}" y="{_n(y)}" '
                    f'width="{_n(row.width)}" height="16"/>'
                    f'<text class="value" x="{_n(COMPARISON_LEFT + row.width + 5)}" '
                    f'y="{_n(y + 13)}">{escape(row.text)}</text>'
                )
        parts.append("</svg>")
        return mark_safe("".join(parts))  # noqa: S308 (every text above is escaped)

    __str__ = __html__  # templates call str() before escaping: render as markup


def comparison_chart(
    key: str,
    dimension: str,
    values: Sequence[tuple[str, str, float | None, str]],
    points: int,
) -> ComparisonChart:
    """``values``: (label, kind, mean or None, why there is no figure) per source."""
    rows = []
    for label, kind, value, missing in values:
        if value is None:
            rows.append(BarRow(label, kind, None, missing or "no figure"))
        else:
            width = max(COMPARISON_WIDTH * (value - 1) / (points - 1), 1.0)
            rows.append(BarRow(label, kind, width, f"{value:.1f}"))
    return ComparisonChart(key, dimension, rows, points)


# --- answers per point -----------------------------------------------------------------------

DISTRIBUTION_HEIGHT = 60.0
COLUMN_STEP = 30.0


def band_of(point: int, instrument: Instrument) -> str:
    """The band (favourable, neutral, unfavourable) a scale point belongs to."""
    scale = instrument.scale
    if scale.favourable[0] <= point <= scale.favourable[1]:
        return "favourable"
    if scale.unfavourable[0] <= point <= scale.unfavourable[1]:
        return "unfavourable"
    return "neutral"


@dataclass(frozen=True)
class Distribution:
    """How many raters chose each point of the scale for one item: a column per point, its
    count above it, coloured by band; heights relative to the most chosen point."""

    counts: list[int]
    bands: list[str]
    labels: list[str]

    @property
    def title(self) -> str:
        """Every count in words, for the chart's accessible name."""
        spoken = "; ".join(
            f"{p} ({label}): {count}"
            for p, (label, count) in enumerate(zip(self.labels, self.counts, strict=True), 1)
        )
        return f"Answers per point: {spoken}"

    def __html__(self) -> SafeString:
        width = len(self.counts) * COLUMN_STEP
        top = max(max(self.counts, default=0), 1)
        title = escape(self.title)
        parts = [
            f'<svg class="distribution" viewBox="0 0 {_n(width)} 92" role="img" '
            f'aria-label="{title}"><title>{title}</title>'
        ]
        for i, (count, band) in enumerate(zip(self.counts, self.bands, strict=True)):
            height = DISTRIBUTION_HEIGHT * count / top
            x = i * COLUMN_STEP + 3
            y = 14 + DISTRIBUTION_HEIGHT - height
            parts.append(
                f'<rect class="seg seg-{band}" x="{_n(x)}" y="{_n(y)}" width="24" '
                f'height="{_n(height)}"/>'
                f'<text class="count" x="{_n(x + 12)}" y="{_n(y - 3)}" '
                f'text-anchor="middle">{count}</text>'
                f'<text class="tick" x="{_n(x + 12)}" y="88" text-anchor="middle">{i + 1}</text>'
            )
        parts.append(f'<line class="axis" x1="0" x2="{_n(width)}" y1="74.5" y2="74.5"/></svg>')
        return mark_safe("".join(parts))  # noqa: S308 (every text above is escaped)

    __str__ = __html__  # templates call str() before escaping: render as markup


def distribution(counts: Sequence[int], instrument: Instrument) -> Distribution:
    """An item's answers per point as columns."""
    labels = list(instrument.scale.labels)
    points = len(counts)
    return Distribution(
        counts=[int(c) for c in counts],
        bands=[band_of(p, instrument) for p in range(1, points + 1)],
        labels=[labels[p] if p < len(labels) else str(p + 1) for p in range(points)],
    )


# --- estimates with intervals (a trend, drivers) ------------------------------------------

INTERVAL_LEFT = 170.0
INTERVAL_WIDTH = 300.0


@dataclass(frozen=True)
class IntervalRow:
    """An estimate and its interval, in chart units, with its label and words."""

    label: str
    x: float
    low: float
    high: float
    text: str


@dataclass(frozen=True)
class IntervalChart:
    """Estimates with interval whiskers on a shared axis; ``zero`` marks no change."""

    key: str
    rows: list[IntervalRow]
    zero: float | None
    ticks: list[tuple[float, str]]
    caption: str

    @property
    def title(self) -> str:
        """Every estimate in words, for the chart's accessible name."""
        return self.caption + ": " + "; ".join(f"{r.label} {r.text}" for r in self.rows)

    def __html__(self) -> SafeString:
        height = 14 + len(self.rows) * ROW_HEIGHT + 18
        bottom = _n(height - 16)
        parts = [
            f'<svg viewBox="0 0 640 {_n(height)}" role="img" aria-labelledby="{self.key}-t">'
            f'<title id="{self.key}-t">{escape(self.title)}</title>'
        ]
        for x, label in self.ticks:
            parts.append(
                f'<line class="grid" x1="{_n(x)}" x2="{_n(x)}" y1="4" y2="{bottom}"/>'
                f'<text class="tick" x="{_n(x)}" y="{_n(height - 3)}" text-anchor="middle">'
                f"{escape(label)}</text>"
            )
        if self.zero is not None:
            z = _n(self.zero)
            parts.append(f'<line class="zero" x1="{z}" x2="{z}" y1="2" y2="{bottom}"/>')
        for i, row in enumerate(self.rows):
            y = 14 + i * ROW_HEIGHT
            low, high = _n(row.low), _n(row.high)
            parts.append(
                f'<text class="row-label" x="162" y="{_n(y + 4)}" text-anchor="end">'
                f"{escape(row.label)}</text>"
                f'<line class="whisker" x1="{low}" x2="{high}" y1="{_n(y)}" y2="{_n(y)}"/>'
                f'<line class="whisker" x1="{low}" x2="{low}" y1="{_n(y - 5)}" y2="{_n(y + 5)}"/>'
                f'<line class="whisker" x1="{high}" x2="{high}" y1="{_n(y - 5)}" '
                f'y2="{_n(y + 5)}"/>'
                f'<circle class="estimate" cx="{_n(row.x)}" cy="{_n(y)}" r="4.5"/>'
                f'<text class="value" x="478" y="{_n(y + 4)}">{escape(row.text)}</text>'
            )
        parts.append("</svg>")
        return mark_safe("".join(parts))  # noqa: S308 (every text above is escaped)

    __str__ = __html__  # templates call str() before escaping: render as markup


def interval_chart(
    key: str,
    rows: Sequence[tuple[str, float, float, float, str]],
    lowest: float,
    highest: float,
    ticks: Sequence[float],
    tick_text: Callable[[float], str],
    caption: str,
) -> IntervalChart:
    """Lay out (label, estimate, low, high, words) rows on the axis lowest…highest."""
    span = (highest - lowest) or 1.0

    def x(value: float) -> float:
        clipped = min(max(value, lowest), highest)
        return INTERVAL_LEFT + INTERVAL_WIDTH * (clipped - lowest) / span

    return IntervalChart(
        key=key,
        rows=[
            IntervalRow(label, x(value), x(low), x(high), text)
            for label, value, low, high, text in rows
        ],
        zero=x(0.0) if lowest < 0 < highest else None,
        ticks=[(x(t), tick_text(t)) for t in ticks],
        caption=caption,
    )
