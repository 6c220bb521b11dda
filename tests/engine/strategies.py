"""Hypothesis strategies shared by the engine tests."""

from __future__ import annotations

from hypothesis import strategies as st

from trustledger.engine import Opinion

unit = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)


@st.composite
def opinions(draw: st.DrawFn, min_uncertainty: float = 0.0) -> Opinion:
    """Any valid binomial opinion (u >= min_uncertainty)."""
    u = draw(st.floats(min_value=min_uncertainty, max_value=1.0))
    b = draw(st.floats(min_value=0.0, max_value=1.0 - u))
    d = max(0.0, 1.0 - u - b)
    return Opinion(b, d, 1.0 - b - d, draw(unit))


@st.composite
def opinions_in_millionths(draw: st.DrawFn, min_uncertainty: int = 0) -> Opinion:
    """Opinions whose components have 6 decimals: the subjective-logic package's precision."""
    u = draw(st.integers(min_value=min_uncertainty, max_value=1_000_000))
    b = draw(st.integers(min_value=0, max_value=1_000_000 - u))
    d = 1_000_000 - u - b
    a = draw(st.integers(min_value=0, max_value=1_000_000))
    return Opinion(b / 1e6, d / 1e6, u / 1e6, a / 1e6)
