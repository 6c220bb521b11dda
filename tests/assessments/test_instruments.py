"""Instruments are data files: the built-in three load, custom ones are validated in full."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from trustledger.assessments.instruments import (
    BUILTIN_DIRECTORY,
    InstrumentError,
    builtin_instruments,
    load_instrument,
    parse_instrument,
)

ABCD = ("able", "believable", "connected", "dependable")
CULTURE = (
    "recognition", "challenge", "discretion", "job-crafting", "information-sharing",
    "relationships", "whole-person-growth", "vulnerability",
)  # fmt: skip


def test_the_three_built_in_instruments_load():
    found = builtin_instruments()
    assert set(found) == {"abcd-leader", "team-trust-pulse", "culture-survey"}
    for instrument in found.values():
        assert instrument.scale.points == 7
        assert len(instrument.scale.labels) == 7
        assert instrument.anonymous


def test_built_in_files_are_named_after_their_id_and_version():
    for file in BUILTIN_DIRECTORY.glob("*.toml"):
        instrument = load_instrument(file)
        assert file.name == f"{instrument.id}.v{instrument.version}.toml"


def test_the_abcd_leader_assessment_has_paired_self_and_others_forms():
    abcd = builtin_instruments()["abcd-leader"]
    own, others = abcd.form("self"), abcd.form("others")
    assert own.rater_groups == ("self",)
    assert set(others.rater_groups) == {"manager", "peers", "direct_reports"}
    assert [i.id for i in own.items] == [i.id for i in others.items]
    for dimension in ABCD:
        items = [i for i in others.items if i.dimension == dimension]
        assert len(items) >= 4
        assert any(i.reverse for i in items)
    for a, b in zip(own.items, others.items, strict=True):
        assert (a.dimension, a.reverse) == (b.dimension, b.reverse)
        assert a.text != b.text
    assert abcd.outcome_item == "overall"


def test_the_pulse_has_five_items_and_the_culture_survey_covers_the_eight_behaviours():
    pulse = builtin_instruments()["team-trust-pulse"]
    assert len(pulse.forms) == 1
    assert len(pulse.forms[0].items) == 5
    culture = builtin_instruments()["culture-survey"]
    assert set(CULTURE) <= set(culture.dimension_ids())
    for behaviour in CULTURE:
        assert sum(i.dimension == behaviour for i in culture.forms[0].items) >= 3


def test_every_item_text_is_distinct_and_reads_as_a_sentence():
    for instrument in builtin_instruments().values():
        for form in instrument.forms:
            texts = [i.text for i in form.items]
            assert len(set(texts)) == len(texts)
            assert all(re.fullmatch(r"[A-Z].{10,120}[.]", t) for t in texts), texts


def test_engine_arrays_line_up_with_the_form():
    abcd = builtin_instruments()["abcd-leader"]
    dims, reverse = abcd.engine_arrays("others")
    items = abcd.form("others").items
    assert dims.dtype == np.int64
    assert len(dims) == len(items)
    assert abcd.dimension_ids()[dims[0]] == items[0].dimension
    assert reverse.tolist() == [i.reverse for i in items]


GOOD = (BUILTIN_DIRECTORY / "team-trust-pulse.v1.toml").read_text(encoding="utf-8")


def test_a_custom_instrument_in_the_same_format_loads(tmp_path: Path):
    custom = GOOD.replace('id = "team-trust-pulse"', 'id = "acme-pulse"')
    file = tmp_path / "acme.toml"
    file.write_text(custom, encoding="utf-8")
    assert load_instrument(file).id == "acme-pulse"


def test_every_problem_is_reported_with_file_item_and_field():
    broken = (
        GOOD.replace("version = 1", 'version = "one"')
        .replace("neutral = [4, 4]", "neutral = [4, 5]")
        .replace('dimension = "connected"', 'dimension = "kindness"')
        .replace('id = "pulse-overall"', 'id = "pulse-able"')
        .replace('text = "I trust this team."', 'text = ""\nweight = 2')
    )
    with pytest.raises(InstrumentError) as raised:
        parse_instrument(broken, source="acme.toml")
    message = str(raised.value)
    assert len(raised.value.problems) >= 6
    assert "acme.toml: version: must be a positive integer" in message
    assert "acme.toml: scale: bands:" in message
    assert (
        "acme.toml: form team, item pulse-connected: dimension: unknown dimension 'kindness'"
        in message
    )
    assert "form team, item pulse-able: text: must be a non-empty string" in message
    assert "form team, item pulse-able: weight: unknown field" in message
    assert "form team, item pulse-able: id: is used twice in this form" in message
    assert "outcome_item: no item has id 'pulse-overall'" in message


def test_a_file_that_is_not_toml_is_refused_with_its_name():
    with pytest.raises(InstrumentError, match=r"^x\.toml: toml: "):
        parse_instrument("id = ", source="x.toml")


def test_an_empty_file_lists_everything_that_is_missing():
    with pytest.raises(InstrumentError) as raised:
        parse_instrument("", source="empty.toml")
    fields = {p.field for p in raised.value.problems}
    assert {"id", "version", "title", "anonymous", "scale", "dimensions", "forms"} <= fields


def test_the_documentation_lists_every_built_in_item():
    docs = (Path(__file__).parents[2] / "docs" / "assessments.md").read_text(encoding="utf-8")
    for instrument in builtin_instruments().values():
        for form in instrument.forms:
            for item in form.items:
                assert f"| `{item.id}` |" in docs
                assert item.text in docs


def test_a_form_may_allow_skipping_items_and_the_flag_must_be_a_boolean():
    assert parse_instrument(GOOD).form("team").allow_skip is False
    skippable = GOOD.replace(
        'rater_groups = ["team"]', 'rater_groups = ["team"]\nallow_skip = true'
    )
    assert parse_instrument(skippable).form("team").allow_skip is True
    assert builtin_instruments()["abcd-leader"].form("others").allow_skip is True
    assert builtin_instruments()["abcd-leader"].form("self").allow_skip is False
    broken = GOOD.replace('rater_groups = ["team"]', 'rater_groups = ["team"]\nallow_skip = "yes"')
    with pytest.raises(InstrumentError, match="form team: allow_skip: must be true or false"):
        parse_instrument(broken, source="acme.toml")
