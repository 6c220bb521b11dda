"""The evidence model: what the product records → positive/negative evidence per ABCD dimension.

The numbers live in a versioned TOML file (``data/evidence_model_v1.toml``); this module loads
and validates it and maps one product event to evidence rows with pure functions.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Literal, cast

#: The ABCD dimensions in their fixed order: a row's ``dimension`` is an index into this tuple.
DIMENSIONS: tuple[str, str, str, str] = ("able", "believable", "connected", "dependable")

Polarity = Literal["positive", "negative"]
Direction = Literal["requester_to_performer", "performer_to_requester", "recipient_to_actor"]

#: Defaults of the per-period cap when a model file does not set them (docs/engine.md §2).
DEFAULT_MAX_POSITIVE_PER_PERIOD = 4.0
DEFAULT_CAP_PERIOD_DAYS = 7.0
_COMMITMENT_DIRECTIONS = ("requester_to_performer", "performer_to_requester")
_SHARE_TOLERANCE = 1e-9


class EvidenceModelError(ValueError):
    """The evidence model file is malformed; the message names the file and the key."""


@dataclass(frozen=True, slots=True)
class EvidenceRule:
    """How one kind of event counts as evidence.

    ``shares`` gives each ABCD dimension's share of ``weight`` (in :data:`DIMENSIONS` order,
    summing to 1) so an event counts once in the overall figure however it is split.
    """

    kind: str
    polarity: Polarity
    weight: float
    shares: tuple[float, float, float, float]
    direction: Direction
    severe: bool = False
    severe_stakes: frozenset[str] = frozenset()
    #: Human wording for pages and forms (optional; no effect on any figure).
    label: str = ""
    description: str = ""


@dataclass(frozen=True, slots=True)
class EvidenceRow:
    """One evidence row for the relationship whose trust moves (see the rule's direction).

    ``severe`` is set on at most one row per event, so a severe breach wipes once.
    """

    dimension: int
    positive: float
    negative: float
    severe: bool


@dataclass(frozen=True)
class EvidenceModel:
    """A versioned, validated evidence model (see ``docs/engine.md`` for every default)."""

    version: str
    dimensions: tuple[str, ...]
    prior_weight: float
    base_rate: float
    half_life_days: float
    loss_aversion: float
    severe_wipe_share: float
    witness_discount: float
    assessment_weight: float
    assessment_scale: tuple[float, float]
    stakes: Mapping[str, float]
    commitments: Mapping[str, EvidenceRule]
    signals: Mapping[str, EvidenceRule]
    #: At most this much raw positive evidence per relationship, dimension and period counts
    #: (pass it to relationship_evidence / update / explain); negative evidence is not capped.
    max_positive_per_period: float = DEFAULT_MAX_POSITIVE_PER_PERIOD
    #: The period of the cap, in days: fixed buckets [k·P, (k+1)·P) of the time axis.
    cap_period_days: float = DEFAULT_CAP_PERIOD_DAYS

    @property
    def kinds(self) -> tuple[str, ...]:
        """Every event kind the model knows, commitments first (``commitment.X``, ``signal.Y``)."""
        return tuple(f"commitment.{k}" for k in self.commitments) + tuple(
            f"signal.{k}" for k in self.signals
        )


def default_evidence_model_path() -> Path:
    """The packaged version-1 model file."""
    return Path(str(resources.files("trustledger.engine") / "data" / "evidence_model_v1.toml"))


def load_evidence_model(path: str | Path | None = None) -> EvidenceModel:
    """Load and validate an evidence model file (the packaged v1 when ``path`` is None).

    Raises :class:`EvidenceModelError` naming the file and the offending key.
    """
    source = Path(path) if path is not None else default_evidence_model_path()
    try:
        with source.open("rb") as handle:
            data = tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:
        raise EvidenceModelError(f"{source}: not valid TOML: {error}") from error
    return parse_evidence_model(data, source=str(source))


def parse_evidence_model(
    data: Mapping[str, Any], source: str = "<evidence model>"
) -> EvidenceModel:
    """Validate a decoded model (a TOML/JSON mapping) and build the :class:`EvidenceModel`."""

    def fail(key: str, message: str) -> EvidenceModelError:
        return EvidenceModelError(f"{source}: {key}: {message}")

    def number(
        key: str, low: float, high: float, *, low_open: bool = False, default: float | None = None
    ) -> float:
        if key not in data:
            if default is not None:
                return default
            raise fail(key, "missing")
        value = data[key]
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise fail(key, f"must be a number, got {value!r}")
        value = float(value)
        too_low = value <= low if low_open else value < low
        if not math.isfinite(value) or too_low or value > high:
            bracket = "(" if low_open else "["
            raise fail(key, f"must be in {bracket}{low}, {high}], got {value!r}")
        return value

    version = data.get("version")
    if not isinstance(version, str) or not version:
        raise fail("version", "must be a non-empty string")
    dimensions = tuple(data.get("dimensions", ()))
    if dimensions != DIMENSIONS:
        raise fail("dimensions", f"must be exactly {list(DIMENSIONS)} in this order")
    scale = data.get("assessment_scale")
    if (
        not isinstance(scale, list)
        or len(scale) != 2
        or not all(isinstance(x, int | float) and not isinstance(x, bool) for x in scale)
        or not scale[0] < scale[1]
    ):
        raise fail("assessment_scale", "must be [lowest, highest] with lowest < highest")
    stakes_table = data.get("stakes")
    if not isinstance(stakes_table, dict) or not stakes_table:
        raise fail("stakes", "must be a table of stakes -> multiplier")
    stakes: dict[str, float] = {}
    for name, value in stakes_table.items():
        if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
            raise fail(f"stakes.{name}", f"must be a number > 0, got {value!r}")
        stakes[name] = float(value)

    def rules(family: str) -> dict[str, EvidenceRule]:
        table = data.get(family)
        if not isinstance(table, dict) or not table:
            raise fail(family, "must be a table of event kinds")
        parsed: dict[str, EvidenceRule] = {}
        for kind, spec in table.items():
            key = f"{family}.{kind}"
            if not isinstance(spec, dict):
                raise fail(key, "must be a table")
            known = {"polarity", "weight", "dimensions", "direction", "severe", "severe_stakes"}
            known |= {"label", "description"}
            unknown = sorted(set(spec) - known)
            if unknown:
                raise fail(key, f"unknown keys {unknown}")
            polarity = spec.get("polarity")
            if polarity not in ("positive", "negative"):
                raise fail(f"{key}.polarity", f"must be 'positive' or 'negative', got {polarity!r}")
            weight = spec.get("weight")
            if isinstance(weight, bool) or not isinstance(weight, int | float) or not weight > 0:
                raise fail(f"{key}.weight", f"must be a number > 0, got {weight!r}")
            shares_table = spec.get("dimensions")
            if not isinstance(shares_table, dict) or not shares_table:
                raise fail(f"{key}.dimensions", "must be a table of dimension -> share")
            for dim, share in shares_table.items():
                if dim not in DIMENSIONS:
                    raise fail(f"{key}.dimensions", f"unknown dimension {dim!r}")
                if isinstance(share, bool) or not isinstance(share, int | float) or not share > 0:
                    raise fail(f"{key}.dimensions.{dim}", f"must be a number > 0, got {share!r}")
            total = sum(float(v) for v in shares_table.values())
            if abs(total - 1.0) > _SHARE_TOLERANCE:
                raise fail(f"{key}.dimensions", f"shares must sum to 1, they sum to {total}")
            shares = tuple(float(shares_table.get(dim, 0.0)) for dim in DIMENSIONS)
            if family == "commitment":
                direction = spec.get("direction")
                if direction not in _COMMITMENT_DIRECTIONS:
                    raise fail(f"{key}.direction", f"must be one of {list(_COMMITMENT_DIRECTIONS)}")
            else:
                if "direction" in spec:
                    raise fail(f"{key}.direction", "signals always move the recipient's trust")
                direction = "recipient_to_actor"
            severe = spec.get("severe", False)
            if not isinstance(severe, bool):
                raise fail(f"{key}.severe", "must be true or false")
            severe_stakes = spec.get("severe_stakes", [])
            if not isinstance(severe_stakes, list) or any(s not in stakes for s in severe_stakes):
                raise fail(f"{key}.severe_stakes", f"must list stakes among {sorted(stakes)}")
            if family == "signal" and severe_stakes:
                raise fail(f"{key}.severe_stakes", "signals have no stakes; use severe = true")
            if (severe or severe_stakes) and polarity != "negative":
                raise fail(key, "only negative evidence can be a severe breach")
            label, description = spec.get("label", ""), spec.get("description", "")
            if not isinstance(label, str) or not isinstance(description, str):
                raise fail(key, "label and description must be strings")
            parsed[kind] = EvidenceRule(
                kind=kind,
                polarity=polarity,
                weight=float(weight),
                shares=(shares[0], shares[1], shares[2], shares[3]),
                direction=cast(Direction, direction),
                severe=severe,
                severe_stakes=frozenset(severe_stakes),
                label=label,
                description=description,
            )
        return parsed

    return EvidenceModel(
        version=version,
        dimensions=dimensions,
        prior_weight=number("prior_weight", 0.0, math.inf, low_open=True),
        base_rate=number("base_rate", 0.0, 1.0),
        half_life_days=number("half_life_days", 0.0, math.inf, low_open=True),
        loss_aversion=number("loss_aversion", 1.0, 10.0),
        severe_wipe_share=number("severe_wipe_share", 0.0, 1.0),
        witness_discount=number("witness_discount", 0.0, 1.0),
        assessment_weight=number("assessment_weight", 0.0, math.inf, low_open=True),
        assessment_scale=(float(scale[0]), float(scale[1])),
        stakes=stakes,
        commitments=rules("commitment"),
        signals=rules("signal"),
        max_positive_per_period=number(
            "max_positive_per_period", 0.0, math.inf, low_open=True,
            default=DEFAULT_MAX_POSITIVE_PER_PERIOD,
        ),
        cap_period_days=number(
            "cap_period_days", 0.0, math.inf, low_open=True, default=DEFAULT_CAP_PERIOD_DAYS
        ),
    )  # fmt: skip


def _rows(
    model: EvidenceModel, rule: EvidenceRule, multiplier: float, severe: bool
) -> tuple[EvidenceRow, ...]:
    amount = rule.weight * multiplier
    if rule.polarity == "negative":
        amount *= model.loss_aversion
    rows: list[EvidenceRow] = []
    for dimension, share in enumerate(rule.shares):
        if share == 0.0:
            continue
        value = amount * share
        positive, negative = (value, 0.0) if rule.polarity == "positive" else (0.0, value)
        rows.append(EvidenceRow(dimension, positive, negative, severe and not rows))
    return tuple(rows)


def commitment_evidence(
    model: EvidenceModel, outcome: str, stakes: str, *, witness: bool = False
) -> tuple[EvidenceRow, ...]:
    """Evidence rows for a commitment outcome at given stakes.

    The rows belong to the relationship named by the rule's ``direction``. Negative evidence
    is multiplied by the loss-aversion factor; a witness gets the rows scaled by the witness
    discount and never a severe flag (a wipe is for the party who was let down).
    """
    rule = model.commitments.get(outcome)
    if rule is None:
        raise ValueError(
            f"unknown commitment outcome {outcome!r}; known: {sorted(model.commitments)}"
        )
    if stakes not in model.stakes:
        raise ValueError(f"unknown stakes {stakes!r}; known: {sorted(model.stakes)}")
    multiplier = model.stakes[stakes] * (model.witness_discount if witness else 1.0)
    return _rows(model, rule, multiplier, severe=stakes in rule.severe_stakes and not witness)


def signal_evidence(
    model: EvidenceModel, kind: str, *, witness: bool = False
) -> tuple[EvidenceRow, ...]:
    """Evidence rows for a trust signal: the recipient's (or a witness's) trust in the actor."""
    rule = model.signals.get(kind)
    if rule is None:
        raise ValueError(f"unknown trust signal {kind!r}; known: {sorted(model.signals)}")
    multiplier = model.witness_discount if witness else 1.0
    return _rows(model, rule, multiplier, severe=rule.severe and not witness)


def assessment_evidence(
    model: EvidenceModel, dimension: int, mean_rating: float, n_raters: int
) -> EvidenceRow:
    """Group evidence from an assessment: the mean rating of ``n_raters`` on one dimension.

    A rating x on the scale [lo, hi] counts as (x - lo)/(hi - lo) positive and
    (hi - x)/(hi - lo) negative evidence per rater, times ``assessment_weight``: the
    standard binomial reading of a graded rating (Jøsang & Ismail, "The Beta Reputation
    System", 2002: r = (1+v)/2, s = (1-v)/2 for v in [-1, 1]). Only the group mean is
    taken, never a rater's own answer, and loss aversion is not applied: a survey answer is
    a measurement, not an event.
    """
    if not 0 <= dimension < len(DIMENSIONS):
        raise ValueError(f"dimension must be in 0..{len(DIMENSIONS) - 1}, got {dimension}")
    low, high = model.assessment_scale
    if not low <= mean_rating <= high:
        raise ValueError(f"mean_rating must be in [{low}, {high}], got {mean_rating}")
    if n_raters < 1:
        raise ValueError(f"n_raters must be >= 1, got {n_raters}")
    share = (mean_rating - low) / (high - low)
    amount = model.assessment_weight * n_raters
    return EvidenceRow(dimension, amount * share, amount * (1.0 - share), False)
