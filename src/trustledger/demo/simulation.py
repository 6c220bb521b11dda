"""A year of an organisation, simulated week by week from each person's latent behaviour.

Pure Python, no database: the input is the demo organisation's plan
(:func:`trustledger.org.demo.plan_organisation`), a seed and the moment "now"; the output is
what people promised and what became of it (as :class:`~trustledger.ledger.demo.DemoLedger`
commitments), the trust signals people recorded, who left and when, and the latent traits the
surveys draw their answers from. Same seed, same organisation, same year.

**Traits** (each a number in [0, 1]; :class:`Traits`):

- ``reliability`` — the chance a commitment is delivered by its due date when the person is
  not overloaded;
- ``over_promising`` — how readily they take on commitments beyond their capacity: the rate
  of new commitments rises with it, and beyond ``capacity`` open commitments each one is
  less likely to be kept on time;
- ``candour`` — when they are going to miss, the chance they renegotiate *before* the due
  date rather than deliver late, renegotiate after it or let it break;
- ``warmth`` — the weekly rate of the small positive acts others record as trust signals
  (recognition, information shared, empathy…);
- ``openness`` (leaders) — owning mistakes rather than blaming or withholding: low openness
  produces negative signals (withheld information, blamed others…).

**Pressure.** A manager's reliability and candour *towards their own reports* fall with how
little they can rely on their own manager (a running tally of what their manager kept and
broke towards them). That is the only mechanism of the trickle-down story: a VP who breaks
promises to their direct reports puts those managers under pressure, and they break more to
theirs — in that subtree only.

**Leaving.** Every week an individual contributor leaves with a small base hazard that rises
steeply as their running trust in their manager falls below one half.

The stories are planted through traits (:func:`cast_of`), never by writing outcomes: reliable
people, over-promisers, a leader who owns mistakes (one scheduled team-visible commitment that
they miss; their openness decides that they own it before the team), a VP low on reliability
and candour, and a manager whose career promise to a report breaks (the promise is scheduled;
the manager's ``career_follow_through`` trait of zero decides its fate).
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections import defaultdict
from dataclasses import dataclass, field

from trustledger.ledger.demo import NOTES_EARLY, NOTES_LATE, DemoCommitment, DemoLedger
from trustledger.org.demo import plan_organisation

_DAY = dt.timedelta(days=1)
_HOUR = dt.timedelta(hours=1)
WEEKS = 52
#: Story refs: fixed, so the tour and the tests find them.
CAREER_REF = "DEMO-C-CAREER"
MISTAKE_REF = "DEMO-C-MISTAKE"
#: Negative outcomes weigh more than positive ones (the evidence model's loss aversion).
_LOSS = 2.25


@dataclass
class Traits:
    """One person's latent behaviour (see the module docstring)."""

    reliability: float
    over_promising: float
    candour: float
    warmth: float
    openness: float
    #: How they rate themself in a survey compared with how others see them (7-point scale).
    self_view: float = 0.0
    #: Chance of keeping a promise about someone's career (1 = like any other promise).
    career_follow_through: float = 1.0


@dataclass
class Cast:
    """Who plays which part (employee ids): a pure function of the organisation and seed."""

    reliable: list[str] = field(default_factory=list)
    over_promisers: list[str] = field(default_factory=list)
    mistake_leader: str = ""
    mistake_team: list[str] = field(default_factory=list)
    vp: str = ""
    vp_reports: list[str] = field(default_factory=list)
    vp_subtree_managers: list[str] = field(default_factory=list)
    career_manager: str = ""
    career_report: str = ""
    survey_leaders: list[str] = field(default_factory=list)

    @property
    def protected(self) -> set[str]:
        """People whose story needs them to stay the whole year."""
        return {
            *self.reliable,
            *self.over_promisers,
            self.mistake_leader,
            *self.mistake_team,
            self.vp,
            *self.vp_reports,
            self.career_manager,
            self.career_report,
            *self.survey_leaders,
        }


@dataclass(frozen=True)
class Member:
    """A person as the simulation needs them."""

    employee_id: str
    team: str | None
    manager: str | None
    start: dt.date
    leave: dt.date | None
    title: str

    def active(self, day: dt.date) -> bool:
        return self.start <= day and (self.leave is None or day < self.leave)


@dataclass(frozen=True)
class Signal:
    """A trust signal to record: ``recorder`` says ``subject`` did ``kind`` (employee ids)."""

    kind: str
    subject: str
    recorder: str
    at: dt.datetime
    note: str = ""
    visibility: str = "parties"
    witnesses: tuple[str, ...] = ()
    commitment_ref: str = ""


@dataclass
class Year:
    """The simulated year."""

    start: dt.datetime
    now: dt.datetime
    members: dict[str, Member]
    traits: dict[str, Traits]
    cast: Cast
    ledger: DemoLedger
    signals: list[Signal]
    #: Employee id → the day they left (simulated leavers only).
    leavers: dict[str, dt.date]
    #: (truster, trustee) → running trust at the end of the year (what surveys draw on).
    trust: dict[tuple[str, str], float]
    #: The signal that the leader owned the mistake (recorded through the service).
    mistake_signal: Signal | None = None


# --- the organisation and the cast --------------------------------------------------------


def members_of(people: int, seed: int) -> dict[str, Member]:
    """The demo organisation's employees (not the external customers), by employee id."""
    plan = plan_organisation(people, seed)
    return {
        p.employee_id: Member(
            p.employee_id,
            p.team,
            plan[p.manager].employee_id if p.manager is not None else None,
            p.start,
            p.leave,
            p.title,
        )
        for p in plan
        if not p.external
    }


def _reports(members: dict[str, Member]) -> dict[str, list[str]]:
    reports: dict[str, list[str]] = defaultdict(list)
    for eid in sorted(members):
        manager = members[eid].manager
        if manager is not None:
            reports[manager].append(eid)
    return reports


def cast_of(members: dict[str, Member], seed: int, window_start: dt.date) -> Cast:
    """Choose who plays which part: the same organisation and seed give the same cast."""
    rng = random.Random(f"cast-{seed}")
    reports = _reports(members)
    by_title = {m.title: eid for eid, m in members.items()}
    cast = Cast()
    cast.vp = by_title["Chief Revenue Officer"]
    cast.vp_reports = sorted(reports[cast.vp])
    cast.vp_subtree_managers = [m for m in cast.vp_reports if reports.get(m)]
    cast.mistake_leader = by_title["Engineering Manager, Product"]
    cast.career_manager = by_title["Engineering Manager, Platform"]

    def stays(eid: str) -> bool:
        m = members[eid]
        return m.leave is None and m.start <= window_start - 60 * _DAY

    platform = reports[cast.career_manager]
    cast.career_report = next((e for e in platform if stays(e)), platform[0])
    team = [e for e in reports[cast.mistake_leader] if stays(e)] or reports[cast.mistake_leader]
    cast.mistake_team = team[:5]
    cast.survey_leaders = [cast.mistake_leader, cast.vp, cast.career_manager]
    in_vp_subtree = {cast.vp, *cast.vp_reports}
    for manager in cast.vp_subtree_managers:
        in_vp_subtree.update(reports[manager])
    ordinary = [
        eid
        for eid in sorted(members)
        if not reports.get(eid)
        and stays(eid)
        and eid not in in_vp_subtree
        and eid not in {cast.career_report, *cast.mistake_team}
    ]
    rng.shuffle(ordinary)
    cast.over_promisers = sorted(ordinary[:5])
    cast.reliable = sorted(ordinary[5 : 5 + len(ordinary) // 5])
    return cast


def traits_of(members: dict[str, Member], cast: Cast, seed: int) -> dict[str, Traits]:
    """Everyone's latent traits: drawn from one seeded distribution, the cast's planted."""
    rng = random.Random(f"traits-{seed}")
    traits: dict[str, Traits] = {}
    for eid in sorted(members):
        traits[eid] = Traits(
            reliability=min(0.97, rng.betavariate(14, 2.5)),
            over_promising=rng.betavariate(1.2, 8),
            candour=rng.betavariate(5, 2),
            warmth=rng.betavariate(3, 3),
            openness=rng.betavariate(6, 2),
            self_view=rng.gauss(0.3, 0.4),
        )
    for eid in cast.reliable:
        t = traits[eid]
        t.reliability, t.over_promising, t.candour = 0.97, 0.0, 1.0
    for eid in cast.over_promisers:
        t = traits[eid]
        t.reliability, t.over_promising, t.candour = 0.5, 1.0, 0.15
    leader = traits[cast.mistake_leader]
    leader.reliability, leader.candour, leader.openness, leader.warmth = 0.95, 0.95, 1.0, 0.85
    leader.self_view = -1.6  # modest: others rate them higher than they rate themself
    vp = traits[cast.vp]
    vp.reliability, vp.candour, vp.openness, vp.warmth = 0.12, 0.05, 0.1, 0.15
    vp.over_promising = 0.6
    vp.self_view = 2.2  # a blind spot: they rate themself far above how others see them
    reports = _reports(members)
    for eid in sorted(reports):  # capable managers: any distrust of them comes from pressure
        if eid != cast.vp:
            traits[eid].reliability = max(traits[eid].reliability, 0.88)
            traits[eid].candour = max(traits[eid].candour, 0.7)
    traits[cast.career_manager].career_follow_through = 0.0
    return traits


# --- the weekly simulation ----------------------------------------------------------------


class _Tally:
    """A running, decaying tally of what one person did towards another (both ways)."""

    def __init__(self) -> None:
        self.positive: dict[tuple[str, str], float] = defaultdict(float)
        self.negative: dict[tuple[str, str], float] = defaultdict(float)

    def add(self, truster: str, trustee: str, positive: float, negative: float) -> None:
        self.positive[(truster, trustee)] += positive
        self.negative[(truster, trustee)] += negative

    def trust(self, truster: str, trustee: str) -> float:
        """Projected trust with a prior of one half (weight 2), like the engine's opinions."""
        pos = self.positive.get((truster, trustee), 0.0)
        neg = self.negative.get((truster, trustee), 0.0)
        return (pos + 1.0) / (pos + neg + 2.0)

    def decay(self, factor: float) -> None:
        for table in (self.positive, self.negative):
            for key in table:
                table[key] *= factor


_POSITIVE_TO_REPORT = (
    "recognition",
    "autonomy_granted",
    "more_responsibility_delegated",
    "candid_feedback_with_care",
    "expectations_clarified",
)
_POSITIVE_TO_PEER = ("recognition", "information_shared", "empathy", "went_first")
_NEGATIVE_LOW_OPENNESS = ("withheld_information", "blamed_others", "took_credit")
_NEGATIVE_UNDER_PRESSURE = ("micromanaged", "withheld_information", "said_one_thing_did_another")


def _poisson(rng: random.Random, rate: float) -> int:
    """Knuth's method: small rates only."""
    limit, k, p = math.exp(-rate), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


class _Simulation:
    def __init__(self, people: int, seed: int, now: dt.datetime) -> None:
        self.now = now.replace(microsecond=0)
        self.start = self.now - WEEKS * 7 * _DAY
        self.members = members_of(people, seed)
        self.cast = cast_of(self.members, seed, self.start.date())
        self.traits = traits_of(self.members, self.cast, seed)
        self.rng = random.Random(f"year-{seed}")
        self.ledger = DemoLedger(random.Random(f"ledger-{seed}"))
        self.reports = _reports(self.members)
        self.teams: dict[str | None, list[str]] = defaultdict(list)
        for eid in sorted(self.members):
            self.teams[self.members[eid].team].append(eid)
        self.tally = _Tally()
        self.effects: list[tuple[dt.datetime, str, str, float, float]] = []
        self.open_until: dict[str, list[dt.datetime]] = defaultdict(list)
        self.signals: list[Signal] = []
        self.left: dict[str, dt.datetime] = {}
        self.mistake_signal: Signal | None = None

    # -- who is around ------------------------------------------------------------------

    def active(self, eid: str, at: dt.datetime) -> bool:
        gone = self.left.get(eid)
        return self.members[eid].active(at.date()) and (gone is None or at < gone)

    def pressure(self, manager: str) -> float:
        """How much a manager is under pressure from their own manager: 1 = none, towards 0
        as their running trust in their own manager falls."""
        above = self.members[manager].manager
        if above is None:
            return 1.0
        trust = self.tally.trust(manager, above)
        return max(0.1, min(1.0, (trust - 0.25) / 0.4))

    # -- one commitment -----------------------------------------------------------------

    def counterpart(self, performer: str, at: dt.datetime) -> tuple[str, str] | None:
        """Someone to promise something to, and where the promise was made."""
        m = self.members[performer]
        team = [t for t in self.teams[m.team] if t != performer and self.active(t, at)]
        reports = [r for r in self.reports.get(performer, []) if self.active(r, at)]
        roll = self.rng.random()
        if roll < 0.3 and m.manager is not None and self.active(m.manager, at):
            return m.manager, "one_on_one"
        if roll < 0.5 and reports:
            return self.rng.choice(reports), "one_on_one"
        if roll < 0.85 and team:
            return self.rng.choice(team), "meeting"
        anyone = [e for e in self.members if e != performer and self.active(e, at)]
        return (self.rng.choice(anyone), "other") if anyone else None

    def odds(self, performer: str, requester: str, at: dt.datetime) -> tuple[float, float]:
        """The performer's chance of delivering on time and of renegotiating in time, given
        their traits, their load and — towards their own reports — the pressure they are under."""
        t = self.traits[performer]
        reliability, candour = t.reliability, t.candour
        load = sum(1 for due in self.open_until[performer] if due > at)
        capacity = 4 + len(self.reports[performer]) // 2 if self.reports.get(performer) else 2
        if load >= capacity:
            reliability *= (capacity / (load + 1)) ** 0.8
        if self.members[requester].manager == performer:
            squeeze = self.pressure(performer)
            reliability *= squeeze
            candour *= squeeze
        return reliability, candour

    def play(
        self,
        c: DemoCommitment,
        reliability: float,
        candour: float,
        *,
        confirm: float = 0.9,
    ) -> None:
        """Draw what becomes of an accepted commitment and write its steps."""
        rng, performer, requester = self.rng, c.performer, c.requester
        proposed, span = c.at, c.due_at - c.at
        self.open_until[performer].append(c.due_at)
        if rng.random() < 0.03:
            c.add("release", requester, proposed + span * 0.5, note="Priorities changed.")
            self.effect(c.at, performer, requester, 0.2, 0.0)
            return
        if rng.random() < reliability:
            c.deliver(proposed + span * rng.uniform(0.3, 0.95))
            self.effect(c.at, requester, performer, 1.0, 0.0)
            if rng.random() < confirm:
                c.confirm(rng.uniform(1, 30) * _HOUR)
                self.effect(c.at, performer, requester, 0.5, 0.0)
            return
        if rng.random() < candour:
            c.renegotiate(
                proposed + span * rng.uniform(0.4, 0.8),
                c.due_at + rng.randint(3, 10) * _DAY,
                rng.choice(NOTES_EARLY),
            )
            self.effect(c.at, requester, performer, 0.6, 0.0)
            new_span = c.due_at - c.at
            if rng.random() < max(0.85, reliability):
                c.deliver(c.at + new_span * rng.uniform(0.3, 0.9))
                self.effect(c.at, requester, performer, 1.0, 0.0)
            else:
                c.deliver(c.due_at + rng.uniform(1, 5) * _DAY, "Done, later than promised.")
                self.effect(c.at, requester, performer, 0.4, 0.0)
            if rng.random() < confirm:
                c.confirm(rng.uniform(2, 30) * _HOUR)
            return
        roll = rng.random()
        if roll < 0.4:
            c.deliver(c.due_at + rng.uniform(1, 6) * _DAY, "Done, later than promised.")
            self.effect(c.at, requester, performer, 0.4, _LOSS)
            if rng.random() < confirm:
                c.confirm(rng.uniform(4, 72) * _HOUR)
        elif roll < 0.55:
            after = c.due_at + rng.uniform(1, 4) * _DAY
            c.renegotiate(after, after + rng.randint(5, 10) * _DAY, rng.choice(NOTES_LATE))
            c.deliver(c.due_at + rng.uniform(-2, 3) * _DAY)
            self.effect(c.at, requester, performer, 0.4, _LOSS)
        elif roll < 0.65:
            c.add("withdraw", performer, proposed + span * 0.8, note="I can't do this after all.")
            self.effect(c.at, requester, performer, 0.0, _LOSS)
        else:
            c.add("mark_broken", "", c.due_at + rng.uniform(2, 30) * _HOUR)
            self.effect(c.at, requester, performer, 0.0, _LOSS)

    def effect(
        self, at: dt.datetime, truster: str, trustee: str, positive: float, negative: float
    ) -> None:
        """What the truster experienced, felt from ``at`` on."""
        self.effects.append((at, truster, trustee, positive, negative))

    def promise(self, performer: str, requester: str, at: dt.datetime, origin: str) -> None:
        rng = self.rng
        due = at + rng.uniform(3, 21) * _DAY
        stakes = "significant" if rng.random() < 0.1 else "routine"
        visibility = "team" if origin == "meeting" and rng.random() < 0.5 else "parties"
        c = self.ledger.commitment(
            performer, requester, at, due, stakes=stakes, visibility=visibility, origin=origin
        )
        if rng.random() < 0.04:
            c.add("decline", c.answerer, at + rng.uniform(1, 20) * _HOUR, note="Not this sprint.")
            return
        c.accept(rng.uniform(1, 20) * _HOUR)
        reliability, candour = self.odds(performer, requester, at)
        confirm = 0.9 * (self.pressure(requester) if self.reports.get(requester) else 1.0)
        self.play(c, reliability, candour, confirm=confirm)

    # -- signals ------------------------------------------------------------------------

    def acts(self, eid: str, at: dt.datetime) -> None:
        """The small things ``eid`` did this week that someone recorded."""
        rng, t, m = self.rng, self.traits[eid], self.members[eid]
        reports = [r for r in self.reports.get(eid, []) if self.active(r, at)]
        team = [p for p in self.teams[m.team] if p != eid and self.active(p, at)]
        if not team and not reports:
            return
        when = at + rng.uniform(0, 5) * _DAY
        if rng.random() < 0.25 * t.warmth:
            if reports and rng.random() < 0.6:
                recorder, kind = rng.choice(reports), rng.choice(_POSITIVE_TO_REPORT)
            else:
                recorder, kind = rng.choice(team or reports), rng.choice(_POSITIVE_TO_PEER)
            self.signals.append(Signal(kind, eid, recorder, when))
            self.effect(when, recorder, eid, 0.5, 0.0)
        squeeze = self.pressure(eid) if reports else 1.0
        bad = 0.08 * (1 - t.openness) + (0.25 * (1 - squeeze) if reports else 0.0)
        if rng.random() < bad:
            recorder = rng.choice(reports or team)
            kinds = _NEGATIVE_UNDER_PRESSURE if squeeze < 0.7 else _NEGATIVE_LOW_OPENNESS
            kind = rng.choice(kinds)
            self.signals.append(Signal(kind, eid, recorder, when))
            self.effect(when, recorder, eid, 0.0, 0.5 * _LOSS)

    # -- the year -----------------------------------------------------------------------

    def run(self) -> Year:
        rng = self.rng
        pending = 0
        for week in range(WEEKS):
            monday = self.start + week * 7 * _DAY
            # Experiences so far become felt; older ones fade (half-life of about 26 weeks).
            self.effects.sort(key=lambda e: e[0])
            while pending < len(self.effects) and self.effects[pending][0] < monday:
                _, truster, trustee, positive, negative = self.effects[pending]
                self.tally.add(truster, trustee, positive, negative)
                pending += 1
            self.tally.decay(0.5 ** (1 / 26))
            if week == 36:
                self.owned_mistake(monday)
            if week == 40:
                self.career_promise(monday)
            for eid in sorted(self.members):
                if not self.active(eid, monday):
                    continue
                t = self.traits[eid]
                rate = 0.3 * (1 + 4 * t.over_promising)
                for _ in range(_poisson(rng, rate)):
                    at = monday + rng.uniform(0, 4.5) * _DAY
                    found = self.counterpart(eid, at)
                    if found and self.active(found[0], at):
                        self.promise(eid, found[0], at, found[1])
                for report in self.reports.get(eid, []):
                    if self.active(report, monday) and rng.random() < 0.2:
                        at = monday + rng.uniform(0, 4.5) * _DAY
                        self.promise(eid, report, at, "one_on_one")
                self.acts(eid, monday)
            self.leaving(monday)
        self.open_loops()
        trust = {
            pair: self.tally.trust(*pair)
            for pair in set(self.tally.positive) | set(self.tally.negative)
        }
        return Year(
            start=self.start,
            now=self.now,
            members=self.members,
            traits=self.traits,
            cast=self.cast,
            ledger=self.ledger,
            signals=self.signals,
            leavers={e: at.date() for e, at in self.left.items()},
            trust=trust,
            mistake_signal=self.mistake_signal,
        )

    def leaving(self, monday: dt.datetime) -> None:
        """Individual contributors leave more often when they cannot rely on their manager."""
        protected = self.cast.protected
        for eid in sorted(self.members):
            m = self.members[eid]
            if (
                eid in protected
                or self.reports.get(eid)
                or m.manager is None
                or not self.active(eid, monday)
                or m.start > (monday - 90 * _DAY).date()
            ):
                continue
            trust = self.tally.trust(eid, m.manager)
            hazard = 0.0006 + 0.012 * max(0.0, 0.5 - trust) / 0.5
            if self.rng.random() < hazard:
                day = monday + self.rng.randint(0, 4) * _DAY
                self.left[eid] = day.replace(hour=0, minute=0, second=0)

    # -- the scheduled scenes -------------------------------------------------------------

    def owned_mistake(self, monday: dt.datetime) -> None:
        """The leader promises the team something in a meeting, in front of witnesses, and
        misses it; their openness decides what happens next."""
        leader, team = self.cast.mistake_leader, self.cast.mistake_team
        requester, witnesses = team[0], tuple(team[1:5])
        proposed = monday + 9 * _HOUR
        c = self.ledger.commitment(
            leader,
            requester,
            proposed,
            proposed + 7 * _DAY,
            ref=MISTAKE_REF,
            what=(
                "Get the team's on-call rota approved by the VP",
                "Approved rota published in the team channel",
            ),
            by_requester=True,
            visibility="team",
            origin="meeting",
            witnesses=witnesses,
        )
        c.accept(_HOUR)
        self.open_until[leader].append(c.due_at)
        owned_at = c.due_at + 18 * _HOUR  # the next morning's stand-up
        if self.traits[leader].openness >= 0.5:
            c.renegotiate(
                owned_at,
                owned_at + 5 * _DAY,
                "My mistake: I said I had sent it for approval and I had not. Fixing it this week.",
            )
            c.deliver(c.at + 3 * _DAY, "Approved and published.")
            c.confirm(4 * _HOUR)
            self.effect(c.at, requester, leader, 0.4, _LOSS)
            self.mistake_signal = Signal(
                "mistake_owned",
                leader,
                requester,
                owned_at,
                note="Told the whole team at stand-up that the rota delay was their mistake.",
                visibility="team",
                witnesses=witnesses,
                commitment_ref=MISTAKE_REF,
            )
            for person in (requester, *witnesses):
                self.effect(owned_at, person, leader, 0.75, 0.0)
        else:
            c.add("mark_broken", "", c.due_at + _DAY)
            self.signals.append(Signal("blamed_others", leader, requester, owned_at))

    def career_promise(self, monday: dt.datetime) -> None:
        """A promotion review promised in a 1:1 and accepted; the manager's career
        follow-through decides whether it happens."""
        manager, report = self.cast.career_manager, self.cast.career_report
        proposed = monday + 14 * _HOUR
        c = self.ledger.commitment(
            manager,
            report,
            proposed,
            proposed + 30 * _DAY,
            ref=CAREER_REF,
            what=(
                "Put your promotion case to the calibration committee",
                "Your case presented at calibration and the outcome told to you",
            ),
            by_requester=True,
            stakes="career",
            origin="one_on_one",
            note="You asked where you stand for senior; I will take your case to calibration.",
        )
        c.accept(2 * _HOUR)
        if self.rng.random() < self.traits[manager].career_follow_through:
            c.deliver(c.due_at - 2 * _DAY, "Presented; the committee said yes.")
            c.confirm(3 * _HOUR)
            self.effect(c.at, report, manager, 4.0, 0.0)
        else:
            c.add("mark_broken", "", c.due_at + _DAY)
            self.effect(c.due_at, report, manager, 0.0, 4 * _LOSS)

    def open_loops(self) -> None:
        """Things still open today for the career pair, so their logins have work to do."""
        now = self.now
        manager, report = self.cast.career_manager, self.cast.career_report
        for performer, requester in ((report, manager), (manager, report)):
            soon = self.ledger.commitment(performer, requester, now - 3 * _DAY, now + _DAY)
            soon.accept(2 * _HOUR)
            overdue = self.ledger.commitment(performer, requester, now - 9 * _DAY, now - 2 * _DAY)
            overdue.accept(3 * _HOUR)
            awaiting = self.ledger.commitment(performer, requester, now - 6 * _DAY, now + 3 * _DAY)
            awaiting.accept(_HOUR)
            awaiting.deliver(now - 5 * _HOUR, "Done: have a look.")
            self.ledger.commitment(performer, requester, now - 4 * _HOUR, now + 6 * _DAY)


def simulate(people: int = 150, seed: int = 7, now: dt.datetime | None = None) -> Year:
    """Simulate the demo organisation's last year up to ``now`` (default: the current moment,
    UTC). Pure: no database."""
    moment = now or dt.datetime.now(dt.UTC)
    return _Simulation(people, seed, moment).run()
