"""Survey instruments as versioned data files (TOML), loaded and validated without Django.

The format is documented in docs/assessments.md §1. :func:`parse_instrument` reports every
problem it finds at once (file, form, item and field named), so an HR person importing a
custom instrument fixes them in one go.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

BUILTIN_DIRECTORY = Path(__file__).with_name("instruments")
#: Who may answer a form. "team" is everyone in a team (pulse, culture survey).
RATER_GROUPS = ("self", "manager", "peers", "direct_reports", "team")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an instrument file."""

    source: str
    where: str
    field: str
    message: str

    def __str__(self) -> str:
        place = f"{self.where}: " if self.where else ""
        return f"{self.source}: {place}{self.field}: {self.message}"


class InstrumentError(ValueError):
    """An instrument file is invalid; ``problems`` lists everything wrong with it."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass(frozen=True)
class Scale:
    """An agreement scale: points 1 … ``points`` with a label each, split into three bands
    given as inclusive ranges (unfavourable low, neutral middle, favourable high)."""

    points: int
    labels: tuple[str, ...]
    unfavourable: tuple[int, int]
    neutral: tuple[int, int]
    favourable: tuple[int, int]


@dataclass(frozen=True)
class Dimension:
    """What a group of items measures (e.g. Able)."""

    id: str
    name: str
    description: str


@dataclass(frozen=True)
class Item:
    """One statement to rate."""

    id: str
    text: str
    dimension: str
    reverse: bool


@dataclass(frozen=True)
class Form:
    """The items one kind of rater answers (a self form, an others form)."""

    id: str
    title: str
    rater_groups: tuple[str, ...]
    items: tuple[Item, ...]
    #: A rater may answer "cannot say" to any item (stored as a skipped item, ``nan`` to the
    #: engine); otherwise every item needs a point on the scale.
    allow_skip: bool = False

    def item(self, item_id: str) -> Item:
        """The item with this id (KeyError if absent)."""
        for item in self.items:
            if item.id == item_id:
                return item
        raise KeyError(item_id)


@dataclass(frozen=True)
class Instrument:
    """A versioned survey instrument."""

    id: str
    version: int
    title: str
    description: str
    anonymous: bool
    comment_prompt: str | None
    outcome_item: str | None
    scale: Scale
    dimensions: tuple[Dimension, ...]
    forms: tuple[Form, ...]
    source: str

    def form(self, form_id: str) -> Form:
        """The form with this id (KeyError if absent)."""
        for form in self.forms:
            if form.id == form_id:
                return form
        raise KeyError(form_id)

    def dimension_ids(self) -> tuple[str, ...]:
        """Dimension ids in file order: the column order of the engine's dimension arrays."""
        return tuple(d.id for d in self.dimensions)

    def engine_arrays(self, form_id: str) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
        """For one form: each item's dimension index and reverse-keyed flag, in item order —
        what ``trustledger.engine`` psychometrics take alongside a response matrix."""
        order = {d: i for i, d in enumerate(self.dimension_ids())}
        items = self.form(form_id).items
        return (
            np.array([order[i.dimension] for i in items], dtype=np.int64),
            np.array([i.reverse for i in items], dtype=np.bool_),
        )


def _text(
    table: dict[str, Any], name: str, where: str, problems: list[Problem], source: str,
    required: bool = True,
) -> str | None:  # fmt: skip
    value = table.get(name)
    if value is None:
        if required:
            problems.append(Problem(source, where, name, "is missing"))
        return None
    if not isinstance(value, str) or not value.strip():
        problems.append(Problem(source, where, name, "must be a non-empty string"))
        return None
    return value.strip()


def _band(value: Any) -> tuple[int, int] | None:
    if (
        isinstance(value, list)
        and len(value) == 2
        and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
        and value[0] <= value[1]
    ):
        return (value[0], value[1])
    return None


def _scale(raw: Any, source: str, problems: list[Problem]) -> Scale | None:
    if not isinstance(raw, dict):
        problems.append(Problem(source, "", "scale", "is missing (a [scale] table)"))
        return None
    before = len(problems)
    points = raw.get("points")
    if not isinstance(points, int) or isinstance(points, bool) or not 2 <= points <= 11:
        problems.append(Problem(source, "scale", "points", "must be an integer from 2 to 11"))
        points = None
    labels = raw.get("labels")
    if not isinstance(labels, list) or not all(isinstance(x, str) and x for x in labels):
        problems.append(Problem(source, "scale", "labels", "must be a list of strings"))
        labels = None
    elif points is not None and len(labels) != points:
        problems.append(
            Problem(source, "scale", "labels", f"has {len(labels)} labels for {points} points")
        )
    bands = {}
    for name in ("unfavourable", "neutral", "favourable"):
        band = _band(raw.get(name))
        if band is None:
            problems.append(Problem(source, "scale", name, "must be [lowest, highest] points"))
        bands[name] = band
    lo, mid, hi = bands["unfavourable"], bands["neutral"], bands["favourable"]
    if points is not None and lo and mid and hi:
        if not (lo[0] == 1 and lo[1] + 1 == mid[0] and mid[1] + 1 == hi[0] and hi[1] == points):
            problems.append(
                Problem(
                    source,
                    "scale",
                    "bands",
                    f"unfavourable, neutral and favourable must cover 1…{points} in order"
                    " without gaps or overlaps",
                )  # fmt: skip
            )
    if len(problems) > before or points is None or labels is None or not (lo and mid and hi):
        return None
    return Scale(points, tuple(labels), lo, mid, hi)


def parse_instrument(text: str, source: str = "<string>") -> Instrument:
    """Parse and validate an instrument from TOML text; raise :class:`InstrumentError`
    listing every problem (never only the first)."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise InstrumentError([Problem(source, "", "toml", str(error))]) from error
    problems: list[Problem] = []
    instrument_id = _text(raw, "id", "", problems, source)
    version = raw.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        problems.append(Problem(source, "", "version", "must be a positive integer"))
    title = _text(raw, "title", "", problems, source)
    description = _text(raw, "description", "", problems, source, required=False) or ""
    anonymous = raw.get("anonymous")
    if not isinstance(anonymous, bool):
        problems.append(Problem(source, "", "anonymous", "must be true or false"))
    comment_prompt = _text(raw, "comment_prompt", "", problems, source, required=False)
    outcome_item = _text(raw, "outcome_item", "", problems, source, required=False)
    scale = _scale(raw.get("scale"), source, problems)

    dimensions: list[Dimension] = []
    raw_dimensions = raw.get("dimensions")
    if not isinstance(raw_dimensions, list) or not raw_dimensions:
        problems.append(Problem(source, "", "dimensions", "must list at least one dimension"))
        raw_dimensions = []
    for n, entry in enumerate(raw_dimensions, 1):
        where = f"dimension {n}"
        if not isinstance(entry, dict):
            problems.append(Problem(source, where, "dimensions", "must be a table"))
            continue
        did = _text(entry, "id", where, problems, source)
        name = _text(entry, "name", f"dimension {did or n}", problems, source)
        if did and any(d.id == did for d in dimensions):
            problems.append(Problem(source, f"dimension {did}", "id", "is used twice"))
        elif did and name:
            dimensions.append(Dimension(did, name, str(entry.get("description", ""))))
    known = {d.id for d in dimensions}

    forms: list[Form] = []
    raw_forms = raw.get("forms")
    if not isinstance(raw_forms, list) or not raw_forms:
        problems.append(Problem(source, "", "forms", "must list at least one form"))
        raw_forms = []
    for n, entry in enumerate(raw_forms, 1):
        if not isinstance(entry, dict):
            problems.append(Problem(source, f"form {n}", "forms", "must be a table"))
            continue
        fid = _text(entry, "id", f"form {n}", problems, source)
        fwhere = f"form {fid or n}"
        ftitle = _text(entry, "title", fwhere, problems, source)
        groups = entry.get("rater_groups")
        if not isinstance(groups, list) or not groups or any(g not in RATER_GROUPS for g in groups):
            problems.append(
                Problem(
                    source, fwhere, "rater_groups", f"must list some of {', '.join(RATER_GROUPS)}"
                )
            )
            groups = []
        allow_skip = entry.get("allow_skip", False)
        if not isinstance(allow_skip, bool):
            problems.append(Problem(source, fwhere, "allow_skip", "must be true or false"))
            allow_skip = False
        if fid and any(f.id == fid for f in forms):
            problems.append(Problem(source, fwhere, "id", "is used twice"))
        items: list[Item] = []
        raw_items = entry.get("items")
        if not isinstance(raw_items, list) or not raw_items:
            problems.append(Problem(source, fwhere, "items", "must list at least one item"))
            raw_items = []
        for m, item in enumerate(raw_items, 1):
            iwhere = f"{fwhere}, item {m}"
            if not isinstance(item, dict):
                problems.append(Problem(source, iwhere, "items", "must be a table"))
                continue
            iid = _text(item, "id", iwhere, problems, source)
            iwhere = f"{fwhere}, item {iid or m}"
            itext = _text(item, "text", iwhere, problems, source)
            idim = _text(item, "dimension", iwhere, problems, source)
            if idim and idim not in known:
                problems.append(Problem(source, iwhere, "dimension", f"unknown dimension {idim!r}"))
            reverse = item.get("reverse", False)
            if not isinstance(reverse, bool):
                problems.append(Problem(source, iwhere, "reverse", "must be true or false"))
            unknown = set(item) - {"id", "text", "dimension", "reverse"}
            if unknown:
                problems.append(
                    Problem(source, iwhere, ", ".join(sorted(unknown)), "unknown field")
                )
            if iid and any(i.id == iid for i in items):
                problems.append(Problem(source, iwhere, "id", "is used twice in this form"))
            elif iid and itext and idim in known and isinstance(reverse, bool):
                items.append(Item(iid, itext, idim, reverse))
        if fid and ftitle and groups:
            forms.append(Form(fid, ftitle, tuple(groups), tuple(items), allow_skip))
    if outcome_item and not any(i.id == outcome_item for f in forms for i in f.items):
        problems.append(Problem(source, "", "outcome_item", f"no item has id {outcome_item!r}"))
    if (
        problems
        or instrument_id is None
        or title is None
        or scale is None
        or not isinstance(version, int)
        or not isinstance(anonymous, bool)
    ):
        raise InstrumentError(problems)
    return Instrument(
        id=instrument_id,
        version=version,
        title=title,
        description=description,
        anonymous=anonymous,
        comment_prompt=comment_prompt,
        outcome_item=outcome_item,
        scale=scale,
        dimensions=tuple(dimensions),
        forms=tuple(forms),
        source=source,
    )


def load_instrument(path: str | Path) -> Instrument:
    """Load and validate an instrument file (errors name the file)."""
    file = Path(path)
    return parse_instrument(file.read_text(encoding="utf-8"), source=file.name)


def builtin_versions() -> dict[tuple[str, int], Instrument]:
    """Every version of every built-in instrument, keyed by (id, version): a campaign keeps
    pointing at the version it was launched with after a newer one ships."""
    found: dict[tuple[str, int], Instrument] = {}
    for file in sorted(BUILTIN_DIRECTORY.glob("*.toml")):
        instrument = load_instrument(file)
        found[(instrument.id, instrument.version)] = instrument
    return found


def builtin_instruments() -> dict[str, Instrument]:
    """The instruments shipped with trustledger, keyed by id (the newest version of each)."""
    found: dict[str, Instrument] = {}
    for file in sorted(BUILTIN_DIRECTORY.glob("*.toml")):
        instrument = load_instrument(file)
        if instrument.id not in found or found[instrument.id].version < instrument.version:
            found[instrument.id] = instrument
    return found
