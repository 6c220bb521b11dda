"""A curious manager and HR try to recover one person's answers from everything the product
shows about survey results — and fail.

The organisation is realistic: a chief executive, directors, managers leading one or several
teams of 2 to 12 people (so departments of several teams exist at two levels), the leaders
assessed with ``abcd-leader`` and every team surveyed with ``team-trust-pulse``, each in two
waves with a new hire in between. Answers are random (every answer sheet is distinguishable),
some items are skipped, most people leave a unique comment.

The adversaries call every permitted read — ``reports.overview``, ``reports.report`` for every
subject, ``reports.export_csv``, the same through the HTTP API with a token, and the campaign
progress rows — and keep everything shown: respondents, means, shares, distributions,
comments. They then attack with:

* the **atom argument** (docs/assessments.md §3): every figure shown is a sum over a cell's
  responses of a per-response quantity (answers, sums, squares, one-hot distributions), so any
  linear combination of shown cells covers whole *atoms* — the groups of responses that lie
  in exactly the same shown cells. Every atom must hold at least k responses. This covers
  differencing nested or overlapping cuts (organisation, rater groups, subjects, departments),
  across waves, and any subtraction one could think of;
* **explicit differencing** of every nested pair of shown cells;
* a **least-squares solve** for each response's indicator from all shown cells, and the
  estimate of each response's answers it gives from the numbers actually shown;
* the **comment threshold**: the same atom rule over the sets of people whose comments are
  shown, with ``comment_k``;
* **time**: nothing exists before a campaign ends; after it, results never change.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.http import Http404
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests import factories
from tests.assessments.conftest import new_campaign
from trustledger import engine
from trustledger.accounts import tokens
from trustledger.accounts.actors import Actor
from trustledger.assessments import reports, services
from trustledger.assessments.models import (
    Campaign,
    CampaignResults,
    CampaignSubject,
    Invitation,
    Response,
    ResultCell,
)
from trustledger.assessments.results import ResultsNotReady, comment_threshold, rows_of
from trustledger.org.models import Person, Team

# --- the organisation --------------------------------------------------------------------------


@dataclass
class Org:
    """Who is who, kept by the test (the adversary knows the org chart too)."""

    hr: Actor
    ceo: Person
    directors: list[Person]
    managers: list[Person]
    teams: list[Team]
    members: dict[uuid.UUID, list[Person]]  # team id → members
    lead: dict[uuid.UUID, Person]  # team id → the manager leading it
    boss: dict[uuid.UUID, uuid.UUID]  # person id → their manager's id
    rng: np.random.Generator
    #: Links nobody used, per campaign id (to try after the end).
    unused: dict[str, list[str]] = field(default_factory=dict)

    def under(self, person_id: uuid.UUID) -> set[uuid.UUID]:
        """Everyone reporting to ``person_id``, directly or through others."""
        below = set()
        for person, boss in self.boss.items():
            while boss is not None:
                if boss == person_id:
                    below.add(person)
                    break
                boss = self.boss.get(boss)
        return below


def build_org(
    rng: np.random.Generator,
    directors: int = 2,
    managers_per_director: tuple[int, int] = (2, 3),
    teams_per_manager: tuple[int, int] = (1, 2),
    team_sizes: tuple[int, int] = (2, 12),
) -> Org:
    """A reporting tree: CEO → directors → managers → teams of ``team_sizes`` people. The first
    manager leads two teams, so there is always a department below director level. Leaders
    belong to no surveyed team (their teams are the ones they lead)."""
    org = Org(
        hr=factories.actor(factories.user(None, role="hr")),
        ceo=factories.person("Chief Executive", title="CEO"),
        directors=[],
        managers=[],
        teams=[],
        members={},
        lead={},
        boss={},
        rng=rng,
    )
    for d in range(directors):
        director = _report(org, factories.person(f"Director {d}", title="Director"), org.ceo)
        org.directors.append(director)
        for m in range(int(rng.integers(*managers_per_director, endpoint=True))):
            manager = _report(org, factories.person(f"Manager {d}.{m}", title="Manager"), director)
            org.managers.append(manager)
            n_teams = 2 if not org.teams else int(rng.integers(*teams_per_manager, endpoint=True))
            for t in range(n_teams):
                team = factories.team(f"Team {d}.{m}.{t}")
                org.teams.append(team)
                org.members[team.pk] = []
                org.lead[team.pk] = manager
                for i in range(int(rng.integers(*team_sizes, endpoint=True))):
                    hire(org, team, f"Member {d}.{m}.{t}.{i}")
    return org


def _report(org: Org, person: Person, manager: Person) -> Person:
    factories.reports_to(person, manager)
    org.boss[person.pk] = manager.pk
    return person


def hire(org: Org, team: Team, name: str | None = None) -> Person:
    """A new member of ``team``, reporting to the team's manager."""
    person = factories.person(name, team=team)
    org.members[team.pk].append(_report(org, person, org.lead[team.pk]))
    return person


def leaders(org: Org) -> list[Person]:
    return [*org.directors, *org.managers]


# --- running campaigns -------------------------------------------------------------------------


def random_answers(form: Any, rng: np.random.Generator, skip_rate: float) -> dict[str, Any]:
    """A random, distinguishable answer sheet; some items "cannot say" where allowed."""
    return {
        item.id: (None if form.allow_skip and rng.random() < skip_rate else int(rng.integers(1, 8)))
        for item in form.items
    }


def run_wave(
    org: Org,
    instrument_id: str,
    subject_ids: list[Any],
    k: int,
    respond_rate: float = 0.85,
    comment_rate: float = 0.7,
    skip_rate: float = 0.05,
) -> Campaign:
    """Create, launch and answer a campaign (each rater answers with ``respond_rate``; every
    subject rates themself), leaving it live: the caller closes it."""
    rng = org.rng
    campaign = new_campaign(org.hr, subject_ids, instrument_id, anonymity_k=k)
    instrument = services.find_instrument(instrument_id)
    unused = org.unused.setdefault(str(campaign.pk), [])
    for link in services.launch(org.hr, campaign.pk):
        if link.group != "self" and rng.random() > respond_rate:
            unused.append(link.token)
            continue
        form = services.form_for(instrument, link.group)
        assert form is not None
        comment = ""
        if instrument.comment_prompt and link.group != "self" and rng.random() < comment_rate:
            comment = f"comment {uuid.uuid4().hex[:12]}"
        services.respond(link.token, random_answers(form, rng, skip_rate), comment)
    return campaign


# --- what the adversary sees -------------------------------------------------------------------


@dataclass
class Shown:
    """One shown cell as seen: per item (answers, mean, distribution), per dimension the
    pooled figures, and comments if any."""

    respondents: int
    items: dict[str, tuple[int, float | None, tuple[int, ...]]]
    dimensions: dict[str, tuple[int, float | None, float | None]]
    comments: tuple[str, ...] | None


@dataclass
class Seen:
    """Everything an adversary collected, keyed by (campaign id, cell key)."""

    shown: dict[tuple[str, str], Shown] = field(default_factory=dict)
    hidden: set[tuple[str, str]] = field(default_factory=set)
    csv_rows: list[dict[str, str]] = field(default_factory=list)
    progress: list[tuple[str, Any]] = field(default_factory=list)  # (campaign id, row)
    reports: list[reports.Report] = field(default_factory=list)
    sources: Counter[str] = field(default_factory=Counter)

    def add(self, campaign_id: Any, cell: dict[str, Any], source: str) -> None:
        """Record a cell (as a dict shaped like :class:`reports.Cell`); one key must always
        read the same, whichever page, route or export showed it."""
        key = (str(campaign_id), cell["key"])
        self.sources[source] += 1
        if not cell["shown"]:
            assert cell["respondents"] is None, key
            assert not any((cell["dimensions"], cell["items"], cell["comments"])), key
            assert key not in self.shown, f"{key} shown in one place, hidden in another"
            self.hidden.add(key)
            return
        assert key not in self.hidden, f"{key} hidden in one place, shown in another"
        seen = Shown(
            respondents=cell["respondents"],
            items={
                i["id"]: (i["answers"], i["mean"], tuple(i["distribution"])) for i in cell["items"]
            },
            dimensions={
                d["id"]: (d["answers"], d["mean"], d["score_mean"]) for d in cell["dimensions"]
            },
            comments=None if cell["comments"] is None else tuple(cell["comments"]),
        )
        before = self.shown.setdefault(key, seen)
        assert before.respondents == seen.respondents, key
        assert before.items == seen.items, key
        assert before.dimensions == seen.dimensions, key
        if before.comments is not None and seen.comments is not None:
            assert sorted(before.comments) == sorted(seen.comments), key


def _as_dict(cell: reports.Cell) -> dict[str, Any]:
    return dataclasses.asdict(cell)


def token_client(actor: Actor) -> Client:
    """A Django test client calling the API with a fresh bearer token of ``actor``'s user."""
    _, secret = tokens.create_token(actor, "adversary", ["read", "write"])
    return Client(headers={"Authorization": f"Bearer {secret}"})


def collect(actor: Actor, campaigns: list[Campaign]) -> Seen:
    """Call every permitted read for every campaign and every subject, as ``actor``: the
    services, the HTTP API and the CSV export, and the progress rows. Refusals are fine."""
    seen = Seen()
    api = token_client(actor)
    listed = {c["id"] for c in api.get("/api/v1/results").json()}
    assert listed == {str(c.pk) for c in reports.ended_campaigns(actor)}
    for campaign in campaigns:
        try:
            cells = reports.overview(actor, campaign.pk)
        except PermissionDenied:
            cells = []
            assert api.get(f"/api/v1/campaigns/{campaign.pk}/results").status_code == 403
        for cell in cells:
            seen.add(campaign.pk, _as_dict(cell), "overview")
        if cells:
            text = reports.export_csv(actor, campaign.pk)
            seen.csv_rows += list(csv.DictReader(io.StringIO(text)))
            via_api = api.get(f"/api/v1/campaigns/{campaign.pk}/results.csv")
            assert via_api.status_code == 200
            seen.csv_rows += list(csv.DictReader(io.StringIO(via_api.content.decode())))
            response = api.get(f"/api/v1/campaigns/{campaign.pk}/results")
            assert response.status_code == 200
            for cell in response.json():
                seen.add(campaign.pk, cell, "api overview")
        for subject in CampaignSubject.objects.filter(campaign=campaign):
            try:
                report = reports.report(actor, campaign.pk, subject.pk)
            except (PermissionDenied, Http404):
                report = None
            response = api.get(f"/api/v1/campaigns/{campaign.pk}/subjects/{subject.pk}/report")
            if report is None:
                assert response.status_code in (403, 404)
                continue
            assert response.status_code == 200
            body = response.json()
            for cell in [report.overall, *report.groups, report.benchmark]:
                if cell is not None:
                    seen.add(campaign.pk, _as_dict(cell), "report")
            for cell in [body["overall"], *body["groups"], body["benchmark"]]:
                if cell is not None:
                    seen.add(campaign.pk, cell, "api report")
            seen.reports.append(report)
            assert len(body["trend"]) == len(report.trend)
            own = actor.person is not None and subject.person_id == actor.person.pk
            assert (body["self_scores"] is not None) == (own and report.self_scores is not None)
            assert bool(body["gaps"]) == bool(own and report.gaps)
        try:
            rows = services.campaign_progress(actor, campaign.pk)
        except PermissionDenied:
            rows = []
        seen.progress += [(str(campaign.pk), row) for row in rows]
    return seen


# --- the truth (the test's, not the adversary's) -----------------------------------------------


@dataclass
class Truth:
    """Every non-self response of the campaigns, as arrays, and which cell holds which."""

    k: dict[str, int]  # campaign id → k
    campaign_of: list[str]  # per response
    items: list[str]  # every item id, across instruments
    scores: np.ndarray  # (responses, items): reverse-keyed answer, nan if skipped / absent
    comments: list[str]
    instrument: dict[str, str]  # campaign id → instrument id
    members: dict[tuple[str, str], np.ndarray] = field(default_factory=dict)  # cell → bool


def truth(org: Org, campaigns: list[Campaign]) -> Truth:
    """Read the stored responses (the test is omniscient) and every cell's membership, worked
    out from the org chart independently of the code under test."""
    rows: list[tuple[str, Any, str, str, list[Any], str]] = []
    items: list[str] = []
    keyed: dict[str, tuple[list[str], np.ndarray]] = {}
    for campaign in campaigns:
        instrument = services.instrument_of(campaign)
        for form in instrument.forms:
            if "self" in form.rater_groups:
                continue
            _, reverse = instrument.engine_arrays(form.id)
            keyed[f"{campaign.pk}:{form.id}"] = ([i.id for i in form.items], reverse)
            items += [
                f"{instrument.id}:{i.id}"
                for i in form.items
                if f"{instrument.id}:{i.id}" not in items
            ]
        for r in Response.objects.filter(campaign=campaign).values_list(
            "subject_id", "group", "form_id", "answers", "comment"
        ):
            rows.append((str(campaign.pk), *r))
    column = {item: j for j, item in enumerate(items)}
    scores = np.full((len(rows), len(items)), np.nan)
    instrument_of = {str(c.pk): c.instrument_id for c in campaigns}
    for r, (cid, _subject, _group, form_id, answers, _comment) in enumerate(rows):
        ids, reverse = keyed[f"{cid}:{form_id}"]
        given = np.array([np.nan if a is None else a for a in answers], dtype=float)
        cols = [column[f"{instrument_of[cid]}:{i}"] for i in ids]
        scores[r, cols] = engine.reverse_key(given[None, :], reverse, 7)[0]
    result = Truth(
        k={str(c.pk): c.anonymity_k for c in campaigns},
        campaign_of=[row[0] for row in rows],
        items=items,
        scores=scores,
        comments=[row[5] for row in rows],
        instrument=instrument_of,
    )
    campaign_col = np.array(result.campaign_of)
    subject_col = np.array([str(row[1]) for row in rows])
    group_col = np.array([row[2] for row in rows])
    for campaign in campaigns:
        mine = campaign_col == str(campaign.pk)
        for key, mask in cell_members(org, campaign, subject_col, group_col).items():
            result.members[(str(campaign.pk), key)] = mine & mask
    return result


def cell_members(
    org: Org, campaign: Campaign, subjects: np.ndarray, groups: np.ndarray
) -> dict[str, np.ndarray]:
    """Every cut a campaign may have, as a mask over rows with the given subject ids and
    rater groups (responses or invitations), worked out from the org chart independently
    of the code under test. Self ratings are in no cell."""
    others = groups != "self"
    members = {"organisation": others.copy()}
    rows = list(CampaignSubject.objects.filter(campaign=campaign))
    for subject in rows:
        own = others & (subjects == str(subject.pk))
        members[f"subject:{subject.pk}"] = own
        for group in ("manager", "peers", "direct_reports", "team"):
            members[f"subject:{subject.pk}:{group}"] = own & (groups == group)
    team_subject = {s.team_id: str(s.pk) for s in rows if s.person_id is None}
    for boss in [org.ceo, *leaders(org)]:
        below = org.under(boss.pk)
        teams = [
            team_subject[t]
            for t in team_subject
            if org.members[t] and all(p.pk in below for p in org.members[t])
        ]
        members[f"department:{boss.pk}"] = others & np.isin(subjects, teams)
    return members


def _item_column(truth_: Truth, campaign_id: str, item_id: str) -> int:
    return truth_.items.index(f"{truth_.instrument[campaign_id]}:{item_id}")


# --- the attacks -------------------------------------------------------------------------------


def check_figures_are_the_cells_responses(seen: Seen, t: Truth) -> None:
    """Every shown figure is exactly the aggregate of the responses the test says the cell
    holds (so the membership below is the one the figures were computed from)."""
    for key, cell in seen.shown.items():
        members = t.members[key]
        assert cell.respondents == int(members.sum()), key
        for item_id, (answers, mean, distribution) in cell.items.items():
            j = _item_column(t, key[0], item_id)
            values = t.scores[members, j]
            given = values[~np.isnan(values)]
            assert answers == given.size, (key, item_id)
            if given.size:
                assert mean == pytest.approx(given.mean(), abs=1e-9), (key, item_id)
            counts = np.bincount(given.astype(int), minlength=8)[1:]  # reverse-keyed points
            assert distribution == tuple(int(c) for c in counts), (key, item_id)


def atoms(members: list[np.ndarray]) -> Counter[tuple[int, ...]]:
    """Responses grouped by the exact set of cells they belong to (empty set left out)."""
    if not members:
        return Counter()
    matrix = np.array(members)
    found: Counter[tuple[int, ...]] = Counter()
    for r in range(matrix.shape[1]):
        signature = tuple(np.flatnonzero(matrix[:, r]).tolist())
        if signature:
            found[signature] += 1
    return found


def check_atoms(seen: Seen, t: Truth) -> int:
    """No linear combination of shown cells isolates fewer than k responses. Returns the
    number of atoms (for the test to show the attack had material)."""
    keys = sorted(seen.shown)
    by_campaign: dict[str, list[np.ndarray]] = defaultdict(list)
    for key in keys:
        by_campaign[key[0]].append(t.members[key])
    total = 0
    for cid, members in by_campaign.items():
        found = atoms(members)
        total += len(found)
        small = {sig: n for sig, n in found.items() if n < t.k[cid]}
        assert not small, f"atoms under k={t.k[cid]}: {small}"
    return total


def check_differencing(seen: Seen, t: Truth) -> int:
    """Every nested pair of shown cells differs by nobody or by at least k responses; every
    overlapping pair with its intersection or union shown leaves at least k on each side."""
    keys = sorted(seen.shown)
    pairs = 0
    for a in keys:
        for b in keys:
            if a == b or a[0] != b[0]:
                continue
            k = t.k[a[0]]
            ma, mb = t.members[a], t.members[b]
            if not (ma & ~mb).any():  # a ⊆ b
                pairs += 1
                rest = int((mb & ~ma).sum())
                assert rest == 0 or rest >= k, f"{b} − {a} isolates {rest} responses"
                # The figures agree: b's distribution minus a's counts exactly the rest.
                for item_id, (answers_b, _, dist_b) in seen.shown[b].items.items():
                    answers_a, _, dist_a = seen.shown[a].items[item_id]
                    assert sum(dist_b) - sum(dist_a) == answers_b - answers_a
    return pairs


def least_squares_attack(seen: Seen, t: Truth) -> None:
    """For every response, the best linear combination of every shown cell's statistics
    that could isolate it: solve cells' indicators · w ≈ e_r; it must never reach e_r, and
    the estimate it gives from the numbers shown must never be that person's answers."""
    keys = sorted(seen.shown)
    if not keys:
        return
    matrix = np.array([t.members[key] for key in keys], dtype=float)  # cells × responses
    n = matrix.shape[1]
    weights, *_ = np.linalg.lstsq(matrix.T, np.eye(n), rcond=None)  # cells × responses
    residual = np.linalg.norm(matrix.T @ weights - np.eye(n), axis=0)
    assert residual.min() > 1e-6, "a response is a linear combination of shown cells"
    # The adversary's estimate of every response from the figures shown (sums = mean ×
    # answers, per item; distributions as counts).
    sums = np.zeros((len(keys), len(t.items)))
    dist = np.zeros((len(keys), len(t.items), 7))
    for c, key in enumerate(keys):
        for item_id, (answers, mean, distribution) in seen.shown[key].items.items():
            j = _item_column(t, key[0], item_id)
            sums[c, j] = (mean or 0.0) * answers
            dist[c, j] = distribution
    estimate = weights.T @ sums  # responses × items
    answered = ~np.isnan(t.scores)
    for r in range(n):
        cols = answered[r]
        if not matrix[:, r].any() or not cols.any():
            continue  # in no shown cell: nothing about it is shown
        recovered = np.isclose(estimate[r, cols], t.scores[r, cols], atol=1e-6)
        assert not recovered.all(), f"response {r}'s answers recovered by least squares"
        onehot = np.einsum("c,cjp->jp", weights[:, r], dist)[cols]
        truth_onehot = np.eye(7)[t.scores[r, cols].astype(int) - 1]
        assert not np.allclose(onehot, truth_onehot, atol=1e-6), f"response {r} by counts"


def check_comments(seen: Seen, t: Truth, comment_k: dict[str, int]) -> tuple[int, int]:
    """Comments appear only in cells where at least comment_k people of the cell commented,
    verbatim and complete, and the comment cells obey the atom rule with comment_k."""
    shown = {key: cell for key, cell in seen.shown.items() if cell.comments}
    by_campaign: dict[str, list[np.ndarray]] = defaultdict(list)
    for key, cell in shown.items():
        commented = t.members[key] & np.array([bool(c) for c in t.comments])
        assert int(commented.sum()) >= comment_k[key[0]], key
        expected = sorted(t.comments[r] for r in np.flatnonzero(commented))
        assert sorted(cell.comments or ()) == expected, key
        by_campaign[key[0]].append(commented)
    for cid, members in by_campaign.items():
        small = {s: n for s, n in atoms(members).items() if n < comment_k[cid]}
        assert not small, f"comment atoms under {comment_k[cid]}: {small}"
    # Differencing the verbatim texts of nested comment cells (the texts are unique, so a
    # multiset difference names exactly the comments of the difference).
    nested = 0
    for a in shown:
        for b in shown:
            if a == b or a[0] != b[0]:
                continue
            left, right = Counter(shown[a].comments), Counter(shown[b].comments)
            if left <= right:
                nested += 1
                rest = (right - left).total()
                assert rest == 0 or rest >= comment_k[a[0]], f"{b} − {a}: {rest} comments"
    return len(shown), nested


def check_csv(seen: Seen) -> None:
    """The export holds only cells the pages show, with the same figures (rounded), and a
    hidden cell's rows carry no figure at all."""
    for row in seen.csv_rows:
        assert None not in (*row, *row.values()), f"ragged CSV row: {row}"
        key = (row["campaign"], row["cell"])
        if key in seen.hidden:
            assert row["note"], row
        if row["note"]:
            assert key in seen.hidden, key
            assert all(row[c] == "" for c in ("respondents", "answers", "mean", "alpha")), row
            continue
        cell = seen.shown[key]
        assert int(row["respondents"]) == cell.respondents
        if row["level"] == "item":
            answers, mean, _ = cell.items[row["id"]]
            assert int(row["answers"]) == answers
            if mean is not None:
                assert float(row["mean"]) == pytest.approx(mean, abs=5e-5)


def check_progress(org: Org, seen: Seen, campaigns: list[Campaign]) -> None:
    """Progress rows are counts over invitations: hidden rows carry none, and the shown rows'
    atoms (over invitations) hold at least k invitations each.

    Counts of who answered say nothing about *what* anyone answered (every figure about
    answers is a result cell, attacked above). But an adversary who knows who was invited
    can combine the progress counts with the result cells' respondent counts — both are
    counts of used invitations — to learn whether one person answered. Solved by least
    squares over invitations, the only such person is a subject's own self rating (the
    subject's progress row counts it, their result cells do not): self ratings are
    attributed, not anonymous. No rater's participation can be worked out.
    """
    k = {str(c.pk): c.anonymity_k for c in campaigns}
    for campaign in campaigns:
        cid = str(campaign.pk)
        rows = list(Invitation.objects.filter(campaign=campaign).values_list("subject_id", "group"))
        if not rows:
            continue
        subjects = np.array([str(s) for s, _ in rows])
        groups = np.array([g for _, g in rows])
        progress: list[np.ndarray] = []
        for row_cid, row in seen.progress:
            if row_cid != cid:
                continue
            if not row.shown:
                assert row.invited is None
                assert row.responded is None
                assert row.note
                continue
            member = (row.subject_id is None or subjects == str(row.subject_id)) & (
                row.group is None or groups == row.group
            )
            member = np.broadcast_to(member, subjects.shape).copy()
            assert row.invited == int(member.sum())
            progress.append(member)
        small = {s: n for s, n in atoms(progress).items() if n < k[cid]}
        assert not small, f"progress atoms under k: {small}"
        masks = cell_members(org, campaign, subjects, groups)
        results = [masks[key] for c, key in seen.shown if c == cid]
        matrix = np.array(progress + results, dtype=float)
        if not matrix.size:
            continue
        n = matrix.shape[1]
        weights, *_ = np.linalg.lstsq(matrix.T, np.eye(n), rcond=None)
        isolated = np.linalg.norm(matrix.T @ weights - np.eye(n), axis=0) < 1e-6
        assert set(groups[isolated]) <= {"self"}, "a rater's participation can be worked out"


def check_trends(seen: Seen) -> int:
    """A trend compares two shown cuts only: the subject's overall cut now and in the
    previous wave, both shown, with exactly their shown means (so it adds nothing a hidden
    cut holds)."""
    compared = 0
    for report in seen.reports:
        if not report.trend:
            continue
        assert report.overall.shown
        assert report.previous_campaign is not None
        now = {d.id: d.score_mean for d in report.overall.dimensions}
        subject = report.subject
        same = {"person": subject.person} if subject.person_id else {"team": subject.team}
        before = ResultCell.objects.get(
            campaign=report.previous_campaign,
            subject=CampaignSubject.objects.get(campaign=report.previous_campaign, **same),
            group="",
        )
        assert before.shown
        assert before.figures is not None
        earlier = {d["id"]: d["score_mean"] for d in rows_of(before.figures["dimensions"])}
        for change in report.trend:
            compared += 1
            assert change.current == pytest.approx(now[change.dimension])
            assert change.previous == pytest.approx(earlier[change.dimension])
    return compared


def attack(org: Org, campaigns: list[Campaign], seen: Seen) -> dict[str, int]:
    """Every attack above on what one adversary collected."""
    t = truth(org, campaigns)
    check_figures_are_the_cells_responses(seen, t)
    found = {
        "shown cells": len(seen.shown),
        "hidden cells": len(seen.hidden),
        "atoms": check_atoms(seen, t),
        "nested pairs": check_differencing(seen, t),
    }
    least_squares_attack(seen, t)
    found["comment cells"], found["nested comment pairs"] = check_comments(
        seen, t, {str(c.pk): comment_threshold(c.anonymity_k) for c in campaigns}
    )
    found["trends"] = check_trends(seen)
    check_csv(seen)
    check_progress(org, seen, campaigns)
    return found


# --- the scenario ------------------------------------------------------------------------------


def run_organisation(org: Org, k: int) -> list[Campaign]:
    """Two waves of the leader assessment and of the team pulse, a new hire in between.
    Before each campaign ends, no result exists anywhere."""
    campaigns: list[Campaign] = []
    team_ids = [t.pk for t in org.teams]
    for wave in range(2):
        if wave == 1:
            team = org.teams[0]
            hire(org, team)
        leader = run_wave(org, "abcd-leader", [p.pk for p in leaders(org)], k)
        pulse = run_wave(org, "team-trust-pulse", team_ids, k)
        for campaign in (leader, pulse):
            assert_nothing_before_the_end(org, campaign)
            services.close(org.hr, campaign.pk)
            campaigns.append(campaign)
    return campaigns


def assert_nothing_before_the_end(org: Org, campaign: Campaign) -> None:
    """While live — every answer in — every read refuses and no result row exists."""
    api = token_client(org.hr)
    subject = CampaignSubject.objects.filter(campaign=campaign).first()
    assert subject is not None
    with pytest.raises(ResultsNotReady):
        reports.overview(org.hr, campaign.pk)
    with pytest.raises(ResultsNotReady):
        reports.report(org.hr, campaign.pk, subject.pk)
    with pytest.raises(ResultsNotReady):
        reports.export_csv(org.hr, campaign.pk)
    for path in ("results", "results.csv", f"subjects/{subject.pk}/report"):
        assert api.get(f"/api/v1/campaigns/{campaign.pk}/{path}").status_code == 409
    assert campaign.pk not in {c.pk for c in reports.ended_campaigns(org.hr)}
    assert not ResultCell.objects.filter(campaign=campaign).exists()
    assert not CampaignResults.objects.filter(campaign=campaign).exists()


def curious_manager(org: Org) -> Actor:
    """A director: a subject of the leader assessment, above several managers' teams."""
    return factories.actor(factories.user(org.directors[0]))


@pytest.fixture
def organisation(db: None) -> tuple[Org, list[Campaign]]:
    org = build_org(np.random.default_rng(20261125), directors=3, managers_per_director=(2, 4))
    return org, run_organisation(org, k=5)


def test_a_curious_manager_cannot_recover_anyones_answers(organisation):
    org, campaigns = organisation
    manager = curious_manager(org)

    seen = collect(manager, campaigns)
    found = attack(org, campaigns, seen)

    # The manager saw real material: his own report, his teams and departments, the benchmark.
    assert found["shown cells"] >= 8
    assert found["atoms"] >= 5
    assert any(key.startswith("department:") for _, key in seen.shown)
    assert seen.sources["api report"] > 0
    assert seen.sources["report"] > 0
    assert seen.progress  # his own progress rows as a subject


def test_hr_with_every_cut_cannot_recover_anyones_answers(organisation):
    org, campaigns = organisation

    seen = collect(org.hr, campaigns)
    found = attack(org, campaigns, seen)

    sizes = [len(members) for members in org.members.values()]
    assert min(sizes) < 5 <= max(sizes)  # teams below k and teams well above it
    assert found["hidden cells"] > 0  # small groups exist and are hidden
    assert found["nested pairs"] > 20
    assert found["comment cells"] > 0
    assert found["nested comment pairs"] > 0
    assert found["trends"] > 0  # teams shown in both waves
    kinds = Counter(key.split(":")[0] for _, key in seen.shown)
    assert kinds["organisation"]
    assert kinds["subject"]
    assert kinds["department"]
    # Together: HR and the manager pooling what they saw are no better off.
    pooled = collect(curious_manager(org), campaigns)
    for key, cell in seen.shown.items():
        pooled.shown.setdefault(key, cell)
    attack(org, campaigns, pooled)


def test_a_hidden_cell_has_no_figures_in_the_database(organisation):
    _, campaigns = organisation
    hidden = ResultCell.objects.filter(campaign__in=campaigns, shown=False)

    assert hidden.exists()
    assert set(hidden.values_list("figures", "comments", "respondents")) == {(None, None, None)}
    assert set(hidden.values_list("reason", flat=True)) <= {"too_few", "protects_others"}


def test_comments_are_shown_only_where_enough_people_commented(organisation):
    org, campaigns = organisation
    t = truth(org, campaigns)
    commented = np.array([bool(c) for c in t.comments])

    for cell in ResultCell.objects.filter(campaign__in=campaigns):
        key = (str(cell.campaign_id), cell.key)
        n = int((t.members[key] & commented).sum())
        if cell.comments:
            assert n >= comment_threshold(cell.campaign.anonymity_k), key
    # Unattributed, and not in the order they were given.
    organisation_cells = ResultCell.objects.filter(
        campaign__in=campaigns, key="organisation", comments__isnull=False
    )
    for cell in organisation_cells:
        given = [
            t.comments[r]
            for r in np.flatnonzero(t.members[(str(cell.campaign_id), "organisation")])
            if t.comments[r]
        ]
        assert sorted(cell.comments) == sorted(given)
        assert cell.comments != given


def test_an_anonymous_response_cannot_be_joined_to_anyone(organisation):
    _, campaigns = organisation
    fields = {f.name: f for f in Response._meta.get_fields()}

    # No relation but campaign, subject and the subject's team; no time; a random key.
    related = {name: f.related_model for name, f in fields.items() if f.is_relation and f.concrete}
    assert related == {"campaign": Campaign, "subject": CampaignSubject, "team": Team}
    assert not [f for f in fields.values() if isinstance(f, models.DateField | models.TimeField)]
    assert not [f for f in fields.values() if f.is_relation and not f.concrete]  # nothing points in
    ids = list(Response.objects.filter(campaign__in=campaigns).values_list("pk", flat=True))
    assert {i.version for i in ids} == {4}
    # No stored value is anyone's: the team is the subject's, never the respondent's.
    for response in Response.objects.filter(campaign__in=campaigns).select_related("subject"):
        assert response.team_id == response.subject.team_id
        for value in (response.comment, *map(str, response.answers)):
            assert not Person.objects.filter(
                models.Q(name=value) | models.Q(email=value) | models.Q(employee_id=value)
            ).exists()
    # Submission order leaves no trace: the row order is not the order of the invitations used.
    campaign = campaigns[1]
    used = list(
        Invitation.objects.filter(campaign=campaign, used_at__isnull=False)
        .exclude(group="self")
        .order_by("used_at")
        .values_list("subject_id", "group")
    )
    stored = list(Response.objects.filter(campaign=campaign).values_list("subject_id", "group"))
    assert sorted(used) == sorted(stored)
    assert used != stored


def test_results_are_frozen_after_the_end(organisation):
    org, campaigns = organisation
    for campaign in campaigns:
        before = list(ResultCell.objects.filter(campaign=campaign).values_list("key", "figures"))
        assert before
        late = org.unused[str(campaign.pk)]
        assert late  # somebody did not answer in time
        with pytest.raises(services.LinkRefused, match="closed"):
            services.respond(late[0], {})
        reports.overview(org.hr, campaign.pk)
        after = list(ResultCell.objects.filter(campaign=campaign).values_list("key", "figures"))
        assert before == after
        assert CampaignResults.objects.filter(campaign=campaign).count() == 1


# --- randomised: many organisations ------------------------------------------------------------


class _Rollback(Exception):
    """Ends one generated organisation's transaction so the next starts clean."""


@settings(
    max_examples=4,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    seed=st.integers(0, 2**32 - 1),
    k=st.sampled_from([3, 4, 5]),
    respond_rate=st.floats(0.5, 1.0),
    directors=st.integers(1, 3),
)
def test_random_organisations_resist_every_attack(db, seed, k, respond_rate, directors):
    try:
        with transaction.atomic():
            rng = np.random.default_rng(seed)
            org = build_org(rng, directors=directors, managers_per_director=(2, 3))
            campaigns: list[Campaign] = []
            for instrument_id, subjects in (
                ("abcd-leader", [p.pk for p in leaders(org)]),
                ("team-trust-pulse", [t.pk for t in org.teams]),
            ):
                campaign = run_wave(org, instrument_id, subjects, k, respond_rate=respond_rate)
                services.close(org.hr, campaign.pk)
                campaigns.append(campaign)
            for adversary in (org.hr, curious_manager(org)):
                attack(org, campaigns, collect(adversary, campaigns))
            raise _Rollback
    except _Rollback:
        pass


def test_the_attack_finds_a_leak_when_there_is_one(organisation):
    """Guard against an attack that can never fail: show one hidden cell's true figures and
    the atom and least-squares checks both catch it."""
    org, campaigns = organisation
    t = truth(org, campaigns)
    seen = collect(org.hr, campaigns)
    hidden = next(
        key
        for key in sorted(seen.hidden)
        if 0 < int(t.members[key].sum()) < t.k[key[0]] and key[1].startswith("subject:")
    )
    members = t.members[hidden]
    leaked = dataclasses.replace(
        next(iter(seen.shown.values())), respondents=int(members.sum()), items={}, comments=None
    )
    seen.shown[hidden] = leaked

    with pytest.raises(AssertionError, match="atoms under k"):
        check_atoms(seen, t)
    if int(members.sum()) == 1:
        with pytest.raises(AssertionError, match="linear combination"):
            least_squares_attack(seen, t)
