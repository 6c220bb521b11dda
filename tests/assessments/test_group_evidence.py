"""Survey results become group evidence for the engine: the shown cells' means, never one
rater's answer, and never a rater → subject edge."""

from __future__ import annotations

import numpy as np
import pytest

from tests import factories
from tests.assessments.conftest import new_campaign
from trustledger import engine
from trustledger.assessments import services
from trustledger.assessments.evidence import group_evidence
from trustledger.assessments.models import ResultCell
from trustledger.assessments.results import rows_of
from trustledger.insights import projection
from trustledger.insights.models import Evidence

ABCD = ("able", "believable", "connected", "dependable")


def _wave(people, rng, respond=None):
    """A closed leader campaign about Lea with random answers from the raters in
    ``respond`` (default: everyone)."""
    campaign = new_campaign(people["hr"], [people["lea"].pk])
    instrument = services.find_instrument("abcd-leader")
    for link in services.launch(people["hr"], campaign.pk):
        if respond is not None and link.group not in respond:
            continue
        form = instrument.form("self" if link.group == "self" else "others")
        services.respond(link.token, {i.id: int(rng.integers(1, 8)) for i in form.items})
    services.close(people["hr"], campaign.pk)
    return campaign


def test_the_evidence_is_the_engine_applied_to_the_shown_cell_means(people):
    campaign = _wave(people, np.random.default_rng(1))
    model = projection.evidence_model()

    found = group_evidence(people["lea"])

    assert [d.dimension for d in found] == list(engine.DIMENSIONS)
    overall = ResultCell.objects.get(campaign=campaign, kind="subject", group="")
    figures = {d["id"]: d for d in rows_of(overall.figures["dimensions"])}
    shown_groups = set(
        ResultCell.objects.filter(campaign=campaign, kind="subject", shown=True)
        .exclude(group="")
        .values_list("group", flat=True)
    )
    assert shown_groups
    assert "manager" not in shown_groups
    for d, dimension in enumerate(found):
        want = engine.assessment_evidence(
            model,
            d,
            figures[dimension.dimension]["score_mean"],
            figures[dimension.dimension]["score_n"],
        )
        counted = [r for r in dimension.rows if r.counted]
        assert [r.row for r in counted] == [want]
        assert counted[0].raters == 11
        assert {r.group for r in dimension.rows if not r.counted} == shown_groups
        assert dimension.positive == pytest.approx(want.positive)
        assert dimension.negative == pytest.approx(want.negative)
        expected = engine.from_evidence(want.positive, want.negative, model.base_rate)
        assert dimension.opinion.belief == pytest.approx(expected.belief, abs=1e-12)
        assert dimension.opinion.uncertainty == pytest.approx(expected.uncertainty, abs=1e-12)
    # The instrument's "overall" dimension is not an ABCD dimension: ignored.
    assert all(r.dimension in ABCD for d in found for r in d.rows)


def test_two_waves_fuse_as_added_evidence(people):
    rng = np.random.default_rng(2)
    first, second = _wave(people, rng), _wave(people, rng)
    model = projection.evidence_model()

    found = group_evidence(people["lea"])

    for dimension in found:
        counted = [r for r in dimension.rows if r.counted]
        assert {r.campaign_id for r in counted} == {first.pk, second.pk}
        positive = sum(r.row.positive for r in counted)
        negative = sum(r.row.negative for r in counted)
        fused = engine.cumulative_fuse(
            *(
                engine.from_evidence(r.row.positive, r.row.negative, model.base_rate)
                for r in counted
            )
        )
        assert dimension.opinion.belief == pytest.approx(fused.belief, abs=1e-12)
        assert dimension.opinion.disbelief == pytest.approx(fused.disbelief, abs=1e-12)
        assert dimension.positive == pytest.approx(positive)
        assert dimension.negative == pytest.approx(negative)


def test_hidden_cells_contribute_nothing(people):
    # Only her manager answers: 1 < k = 5, every cell about Lea is hidden.
    campaign = _wave(people, np.random.default_rng(3), respond={"self", "manager"})
    assert not ResultCell.objects.filter(campaign=campaign, kind="subject", shown=True).exists()

    found = group_evidence(people["lea"])

    for dimension in found:
        assert dimension.rows == []
        assert dimension.positive == dimension.negative == 0.0
        assert dimension.opinion.uncertainty == pytest.approx(1.0)  # vacuous: nothing known


def test_no_rater_to_subject_edge_is_ever_created(people):
    _wave(people, np.random.default_rng(4))
    before = Evidence.objects.count()

    group_evidence(people["lea"])
    projection.rebuild_all()

    assert Evidence.objects.count() == before == 0
    raters = list(people["peers"]) + list(people["reports"]) + [people["max"]]
    assert not Evidence.objects.filter(trustee=people["lea"], truster__in=raters).exists()


def test_a_person_never_assessed_has_no_survey_evidence(people):
    _wave(people, np.random.default_rng(5))

    found = group_evidence(people["max"])

    assert all(d.rows == [] for d in found)


def test_a_running_campaign_gives_no_evidence(people):
    campaign = new_campaign(people["hr"], [people["lea"].pk])
    instrument = services.find_instrument("abcd-leader")
    for link in services.launch(people["hr"], campaign.pk):
        form = instrument.form("self" if link.group == "self" else "others")
        services.respond(link.token, {i.id: 6 for i in form.items})

    assert all(d.rows == [] for d in group_evidence(people["lea"]))
    assert not ResultCell.objects.filter(campaign=campaign).exists()


def test_two_leaders_in_one_campaign_each_count_their_overall_once(people):
    # A second leader beside Lea under Max: each has one manager (hidden). The rule hides a
    # rater group, not the overall (docs/assessments.md §4); were an overall hidden, its shown
    # rater groups would count instead — the loop below checks whichever case occurs.
    leo = factories.person("Leo Leader", team=factories.team("Data"))
    factories.reports_to(leo, people["max"])
    for i in range(5):
        factories.reports_to(factories.person(f"Data {i}", team=leo.team), leo)
    rng = np.random.default_rng(6)
    campaign = new_campaign(people["hr"], [people["lea"].pk, leo.pk])
    instrument = services.find_instrument("abcd-leader")
    for link in services.launch(people["hr"], campaign.pk):
        form = instrument.form("self" if link.group == "self" else "others")
        services.respond(link.token, {i.id: int(rng.integers(1, 8)) for i in form.items})
    services.close(people["hr"], campaign.pk)
    model = projection.evidence_model()

    for person in (people["lea"], leo):
        cells = {
            c.group: c for c in ResultCell.objects.filter(campaign=campaign, subject__person=person)
        }
        found = group_evidence(person)
        for d, dimension in enumerate(found):
            counted = {r.group: r for r in dimension.rows if r.counted}
            if cells[""].shown:
                assert set(counted) == {""}
            else:
                assert set(counted) == {g for g, c in cells.items() if c.shown}
            for group, row in counted.items():
                figures = {x["id"]: x for x in rows_of(cells[group].figures["dimensions"])}
                want = engine.assessment_evidence(
                    model,
                    d,
                    figures[dimension.dimension]["score_mean"],
                    figures[dimension.dimension]["score_n"],
                )
                assert row.row == want
            assert dimension.positive == pytest.approx(
                sum(r.row.positive for r in counted.values())
            )
    assert ResultCell.objects.get(campaign=campaign, subject__person=people["lea"], group="").shown
