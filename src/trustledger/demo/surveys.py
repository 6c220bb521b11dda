"""Two survey waves for the demo, answered from the simulation's latent traits.

Both go through the assessments services exactly as HR and raters would use them: create the
campaign, launch it (one one-time link per rater), answer through each link with
:func:`~trustledger.assessments.services.respond`, close it so its results are built.

- **ABCD leader assessment** about a few leaders (the leader who owns mistakes, the VP, VP
  Engineering): rated by themselves, their manager, peers and direct reports. The leader who
  owns mistakes rates themself modestly (hidden strengths); the VP rates themself far above
  how others see them (a blind spot).
- **Team trust pulse** about every team, answered by its members about how far they can rely
  on the team's leadership, mostly from their running trust in their manager.

A rater's answer to an item is drawn around the subject's latent standing on the item's
dimension (from the traits, and the rater's own experience of the subject where they have
one), plus noise, on the instrument's scale; reverse-keyed items are mirrored.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from dataclasses import dataclass

from trustledger.accounts.actors import Actor
from trustledger.assessments import services as surveys
from trustledger.assessments.instruments import Form
from trustledger.assessments.models import RaterGroup
from trustledger.demo.simulation import Year
from trustledger.org import services as org
from trustledger.org.models import Person, Team

LEADER_TITLE = "ABCD leader assessment (demo)"
PULSE_TITLE = "Team trust pulse (demo)"


@dataclass(frozen=True)
class Waves:
    """The two closed campaigns."""

    leaders: uuid.UUID
    teams: uuid.UUID
    responses: int


def _standing(year: Year, subject: str) -> dict[str, float]:
    """The subject's latent standing per ABCD dimension, 0..1."""
    t = year.traits[subject]
    standing = {
        "able": 0.45 + 0.45 * t.reliability,
        "believable": 0.15 + 0.45 * t.candour + 0.35 * t.openness,
        "connected": 0.15 + 0.75 * t.warmth,
        "dependable": t.reliability,
    }
    standing["overall"] = sum(standing.values()) / 4
    return standing


def _seen_by(year: Year, rater: str, subject: str, standing: dict[str, float]) -> dict[str, float]:
    """How the rater sees the subject: half the latent standing, half their own experience
    (their running trust in the subject) where they have one."""
    experienced = year.trust.get((rater, subject))
    if experienced is None:
        return standing
    return {d: 0.5 * value + 0.5 * experienced for d, value in standing.items()}


def _answers(
    rng: random.Random,
    form: Form,
    points: int,
    view: dict[str, float],
    bias: float,
    noise: float,
) -> dict[str, int | None]:
    answers: dict[str, int | None] = {}
    for item in form.items:
        score = 1 + (points - 1) * view.get(item.dimension, view["overall"]) + bias
        point = max(1, min(points, round(rng.gauss(score, noise))))
        answers[item.id] = points + 1 - point if item.reverse else point
    return answers


def run_waves(actor: Actor, year: Year, pks: dict[str, uuid.UUID], seed: int) -> Waves:
    """Create, launch, answer and close the two demo campaigns (HR or the system)."""
    rng = random.Random(f"surveys-{seed}")
    by_pk = {pk: eid for eid, pk in pks.items()}
    now = dt.datetime.now(dt.UTC)
    opens, closes = now - dt.timedelta(days=14), now + dt.timedelta(hours=2)
    leaders = surveys.create_campaign(
        actor,
        title=LEADER_TITLE,
        instrument_id="abcd-leader",
        subject_ids=[pks[e] for e in year.cast.survey_leaders],
        opens_at=opens,
        closes_at=closes,
    )
    for subject in surveys.subjects_of(actor, leaders.pk):
        assert subject.person is not None
        surveys.set_rater_groups(
            actor, leaders.pk, subject.pk, _leader_raters(year, pks, subject.person)
        )
    responses = _answer_all(actor, leaders.pk, year, by_pk, rng, response_rate=1.0)
    team_ids = sorted(Team.objects.values_list("pk", flat=True), key=str)
    teams = surveys.create_campaign(
        actor,
        title=PULSE_TITLE,
        instrument_id="team-trust-pulse",
        subject_ids=team_ids,
        opens_at=opens,
        closes_at=closes,
    )
    responses += _answer_all(actor, teams.pk, year, by_pk, rng, response_rate=0.85)
    return Waves(leaders.pk, teams.pk, responses)


def _leader_raters(
    year: Year, pks: dict[str, uuid.UUID], leader: Person
) -> dict[str, list[uuid.UUID]]:
    """Who rates a leader, as HR would set it for a small 360: the leader, five fellow
    leaders as peers (the leader's manager's other reports first, then other team leaders)
    and the direct reports. No single-person manager group: with one rater it could never
    be shown, and it would make the leader's overall figure identifiable by subtraction."""
    eid = leader.employee_id
    members = year.members
    manages = {m.manager for m in members.values() if m.manager}
    here = [e for e in sorted(members) if e in manages and e not in year.leavers]
    siblings = [e for e in here if e != eid and members[e].manager == members[eid].manager]
    others = [e for e in here if e != eid and e not in siblings and members[e].manager != eid]
    peers = (siblings + others)[:5]
    reports = [p.pk for p in org.direct_reports(leader)]
    return {
        RaterGroup.SELF: [leader.pk],
        RaterGroup.PEERS: [pks[e] for e in peers],
        RaterGroup.DIRECT_REPORTS: reports,
    }


def _answer_all(
    actor: Actor,
    campaign_id: uuid.UUID,
    year: Year,
    by_pk: dict[uuid.UUID, str],
    rng: random.Random,
    *,
    response_rate: float,
) -> int:
    campaign = surveys.get_campaign(actor, campaign_id)
    instrument = surveys.instrument_of(campaign)
    subjects = {s.pk: s for s in surveys.subjects_of(actor, campaign_id)}
    links = surveys.launch(actor, campaign_id)
    answered = 0
    for link in sorted(links, key=lambda lk: (str(lk.subject_id), lk.group, str(lk.person.pk))):
        rater = by_pk.get(link.person.pk)
        if rater is None or rng.random() >= response_rate:
            continue
        subject = subjects[link.subject_id]
        if subject.person_id is not None:
            about = by_pk[subject.person_id]
        else:  # a team: how far its members can rely on the team's leadership (their manager)
            about = year.members[rater].manager or rater
        form = surveys.form_for(instrument, link.group)
        assert form is not None
        standing = _standing(year, about)
        if link.group == RaterGroup.SELF:
            view, bias, noise = standing, year.traits[about].self_view, 0.35
        else:
            view, bias, noise = _seen_by(year, rater, about, standing), 0.0, 0.7
        if about == rater:  # the team's own manager answering about their team
            view = dict.fromkeys(standing, 0.8)
        surveys.respond(link.token, _answers(rng, form, instrument.scale.points, view, bias, noise))
        answered += 1
    surveys.close(actor, campaign_id)
    return answered
