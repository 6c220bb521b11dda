"""Guidance for a person: rule-based nudges, each with the facts that triggered it.

Six rules (docs/guidance.md), each a function over bulk data for everyone at once — a few
queries read whole columns into numpy, then array operations; never one query per person:

* :func:`commitments_due` — promises I owe that are due soon, at risk or just overdue:
  "renegotiate now, before the due date";
* :func:`deliveries_to_confirm` — deliveries made to me that await my confirmation;
* :func:`weakest_dimension` — the ABCD dimension others rely on me least for (only dimensions
  at least k people's experience supports), with two or three behaviours from
  ``data/behaviours_v1.toml``;
* :func:`start_small` — people I work closely with where the evidence is thin both ways;
* :func:`go_first` — a teammate I have not gone towards lately (or who just joined);
* :func:`introductions` — someone I must work with and have no history with, and a person
  we both know who can introduce us (trust through the network, named without figures).

Every :class:`Nudge` carries a title, a "why am I seeing this?" text built from the facts
that fired the rule, a link to act on it and a key that identifies the situation (the same
situation keeps its key from week to week). :func:`guidance` runs every rule for everyone (the
weekly digest); :func:`guidance_for` for one person, reading only their neighbourhood.
"""

from __future__ import annotations

import datetime as dt
import functools
import tomllib
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from django.conf import settings
from django.db.models import Max, Q, QuerySet
from django.utils import timezone

from trustledger import engine
from trustledger.insights import projection
from trustledger.insights.profiles import (
    EVIDENCE_FLOOR,
    TrustTable,
    as_uuid,
    raw_values,
    trust_table,
)
from trustledger.insights.services import certainty_in_words
from trustledger.ledger.lifecycle import BrokenReason, Status, Step
from trustledger.ledger.models import Commitment, CommitmentEvent, TrustSignal
from trustledger.org.models import Person, ReportingLine

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

# --- the rules' parameters (documented in docs/guidance.md) ----------------------------------

#: "Due soon": an accepted, undelivered promise falls due within this many days.
DUE_SOON_DAYS = 3
#: "At risk": this share of the time between agreeing and the due date has passed with
#: nothing delivered and no renegotiation proposed.
AT_RISK_SHARE = 0.75
#: "Overdue" is shown while the due date passed at most this many days ago.
OVERDUE_DAYS = 14
#: Deliveries awaiting my answer are shown for this many days after delivery.
CONFIRM_DAYS = 30
#: Evidence is "thin" while the overall uncertainty is at least this.
THIN_UNCERTAINTY = 0.6
#: A relationship is "established" (may introduce, may be introduced through) when trust is
#: positive (belief > disbelief) and the overall uncertainty is at most this.
ESTABLISHED_UNCERTAINTY = 0.5
#: "Go first": no promise or positive signal between us in this many days.
GO_FIRST_DAYS = 60
#: Someone who started within this many days is a new team member.
NEW_MEMBER_DAYS = 90
#: Commitments created within this many days (or still open) make people "close".
SHARED_COMMITMENT_DAYS = 180
#: Teams larger than this are not "close" as a whole (people sharing a manager still are).
CLOSE_TEAM_LIMIT = 40
#: At most this many nudges of one people-rule per person and week, so a digest stays short.
PER_RULE = 2

KINDS = (
    "commitment_due",
    "confirm_delivery",
    "introduction",
    "start_small",
    "go_first",
    "weakest_dimension",
)


@dataclass(frozen=True)
class Nudge:
    """One piece of guidance for ``person``: what to do (``title``), why they see it (``why``,
    built from the facts that fired the rule), where to act (``url``, site-relative) and a
    key naming the situation (``key``: the same situation keeps its key)."""

    kind: str
    person: uuid.UUID
    title: str
    why: str
    url: str
    key: str

    @property
    def advice(self) -> str:
        """What to do about it, in general: the same for every nudge of a kind, so it is not
        stored with each digest (only the facts in ``why`` are)."""
        if self.kind == "weakest_dimension":
            entry = _behaviours_for(self.key)
            return entry.summary if entry else ""
        if self.key.startswith("due:overdue:"):
            return ADVICE["overdue"]
        return ADVICE.get(self.kind, "")

    @property
    def behaviours(self) -> tuple[str, ...]:
        """Two or three concrete behaviours (the weakest-dimension nudge only)."""
        entry = _behaviours_for(self.key) if self.kind == "weakest_dimension" else None
        return entry.behaviours[:3] if entry else ()

    @classmethod
    def from_dict(cls, person: uuid.UUID, data: dict[str, str]) -> Nudge:
        """A stored nudge back (see :meth:`as_dict`)."""
        return cls(data["kind"], person, data["title"], data["why"], data["url"], data["key"])

    def as_dict(self) -> dict[str, str]:
        """The stored form (without the person: the digest row names them)."""
        return {
            "kind": self.kind,
            "title": self.title,
            "why": self.why,
            "url": self.url,
            "key": self.key,
        }


#: The general advice of each kind of nudge (``Nudge.advice``); the facts are in ``why``.
ADVICE = {
    "commitment_due": "If it will not be ready, renegotiate now: before the due date that is "
    "honest and keeps trust, while a broken promise costs more.",
    "overdue": "Saying so openly and proposing new terms keeps more trust than silence.",
    "confirm_delivery": "Confirm it if it is done, or dispute it and say what is missing: caring "
    "whether promises to you land shows that follow-through matters.",
    "introduction": "Ask them to introduce you. Only that is shown: what the two of them think "
    "of each other stays between them.",
    "start_small": "Little evidence is not low trust. Trust grows from small promises kept: "
    "offer one you are sure to keep this week.",
    "go_first": "Trust starts with someone extending it: offer a hand with something they are "
    "working on, or share what you know that would help.",
}


def _behaviours_for(key: str) -> DimensionBehaviours | None:
    """The behaviours of the dimension a ``weakest:<dimension>:v<version>`` key names."""
    parts = key.split(":")
    return behaviours().dimensions.get(parts[1]) if len(parts) > 1 else None


# --- behaviours per dimension (a versioned data file) --------------------------------------


class BehavioursError(ValueError):
    """The behaviours file is malformed; the message names the place."""


@dataclass(frozen=True)
class DimensionBehaviours:
    dimension: str
    summary: str
    behaviours: tuple[str, ...]


@dataclass(frozen=True)
class Behaviours:
    version: str
    dimensions: dict[str, DimensionBehaviours]


BEHAVIOURS_PATH = Path(__file__).with_name("data") / "behaviours_v1.toml"


def parse_behaviours(text: str, source: str = "behaviours") -> Behaviours:
    """Parse and validate a behaviours file: a ``version``; each ABCD dimension with a
    ``summary`` and 2 to 5 non-empty ``behaviours``; nothing else."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as problem:
        raise BehavioursError(f"{source}: not valid TOML: {problem}") from None
    expected = {"version", *engine.DIMENSIONS}
    unknown = sorted(set(data) - expected)
    if unknown:
        raise BehavioursError(f"{source}: unknown key(s) {', '.join(unknown)}")
    version = data.get("version")
    if not isinstance(version, str) or not version.strip():
        raise BehavioursError(f"{source}: `version` must be a non-empty string")
    dimensions: dict[str, DimensionBehaviours] = {}
    for name in engine.DIMENSIONS:
        table = data.get(name)
        where = f"{source}: [{name}]"
        if not isinstance(table, dict):
            raise BehavioursError(f"{where} is missing")
        extra = sorted(set(table) - {"summary", "behaviours"})
        if extra:
            raise BehavioursError(f"{where}: unknown key(s) {', '.join(extra)}")
        summary = table.get("summary")
        if not isinstance(summary, str) or not summary.strip():
            raise BehavioursError(f"{where}: `summary` must be a non-empty string")
        items = table.get("behaviours")
        if not isinstance(items, list) or not 2 <= len(items) <= 5:
            raise BehavioursError(f"{where}: `behaviours` must list 2 to 5 behaviours")
        for i, item in enumerate(items, start=1):
            if not isinstance(item, str) or not item.strip():
                raise BehavioursError(f"{where}: behaviour {i} must be a non-empty string")
        dimensions[name] = DimensionBehaviours(name, summary.strip(), tuple(items))
    return Behaviours(version.strip(), dimensions)


@functools.cache
def behaviours() -> Behaviours:
    """The shipped behaviours (validated once per process)."""
    return parse_behaviours(BEHAVIOURS_PATH.read_text(encoding="utf-8"), BEHAVIOURS_PATH.name)


# --- the bulk data every rule reads ----------------------------------------------------------


@dataclass
class Situation:
    """Everything the rules read, as arrays over ``people`` (index = position).

    ``subject`` marks the people nudges are computed for (everyone active, or one person).
    Relationships are the stored trust states aged to ``as_of``: ``edge_key`` (sorted,
    truster·n + trustee) with each edge's overall opinion (b, d, u) and the table itself.
    """

    as_of: dt.datetime
    people: list[uuid.UUID]
    index: dict[uuid.UUID, int]
    names: list[str]
    team: IntArray
    manager: IntArray
    start_day: IntArray  # date ordinal, -1 when unknown
    active: BoolArray
    subject: BoolArray
    table: TrustTable
    edge_truster: IntArray  # in ``people`` indexing, sorted by edge_key
    edge_trustee: IntArray
    edge_key: IntArray
    edge_b: FloatArray
    edge_d: FloatArray
    edge_u: FloatArray
    edge_rows: IntArray  # row of each edge in ``table``
    #: Person ids as the database driver returns them (see :func:`_raw`) → index.
    raw_index: dict[Any, int] = field(default_factory=dict)
    #: Computed for one person (their page) rather than everyone.
    focused: bool = False

    @property
    def n(self) -> int:
        return len(self.people)

    @property
    def today(self) -> dt.date:
        return timezone.localdate(self.as_of)

    def lookup(self, truster: IntArray, trustee: IntArray) -> IntArray:
        """The edge position of each pair, -1 where there is no stored relationship."""
        keys = truster.astype(np.int64) * self.n + trustee
        if self.edge_key.size == 0:
            return np.full(keys.size, -1, dtype=np.int64)
        at = np.searchsorted(self.edge_key, keys)
        np.minimum(at, self.edge_key.size - 1, out=at)
        return np.where(self.edge_key[at] == keys, at, -1).astype(np.int64)

    def uncertainty(self, truster: IntArray, trustee: IntArray) -> FloatArray:
        """Overall uncertainty of each pair (1 where nothing is recorded)."""
        at = self.lookup(truster, trustee)
        if self.edge_u.size == 0:
            return np.ones(at.size)
        return np.where(at >= 0, self.edge_u[np.maximum(at, 0)], 1.0)

    @property
    def established(self) -> BoolArray:
        """Edges with positive trust (b > d) and uncertainty at most ESTABLISHED_UNCERTAINTY."""
        return (self.edge_b > self.edge_d) & (self.edge_u <= ESTABLISHED_UNCERTAINTY)

    @functools.cached_property
    def id_strings(self) -> list[str]:
        """Each person's id as text (for links and keys), converted once."""
        return [str(pk) for pk in self.people]

    def ids(self, positions: Iterable[int]) -> list[uuid.UUID]:
        return [self.people[int(i)] for i in positions]


_PEOPLE_FIELDS = ("pk", "name", "team_id", "start_date", "leave_date", "is_external")


def _to_date(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _focus_people(person_id: uuid.UUID, as_of: dt.datetime) -> set[uuid.UUID]:
    """One person and everyone a rule may pair them with (teammates, manager, reports, peers,
    commitment counterparts): the neighbourhood :func:`guidance_for` reads."""
    day = timezone.localdate(as_of)
    me = Person.objects.filter(pk=person_id).values_list("team_id", flat=True).first()
    found = {person_id}
    if me is not None:
        found |= set(Person.objects.filter(team_id=me).values_list("pk", flat=True))
    lines = ReportingLine.objects.filter(_line_on(day))
    managers = set(lines.filter(person_id=person_id).values_list("manager_id", flat=True))
    found |= managers
    found |= set(lines.filter(manager_id=person_id).values_list("person_id", flat=True))
    found |= set(lines.filter(manager_id__in=managers).values_list("person_id", flat=True))
    mine = Q(performer_id=person_id) | Q(requester_id=person_id)
    for performer, requester in Commitment.objects.filter(mine).values_list(
        "performer_id", "requester_id"
    ):
        found |= {performer, requester}
    return found


def _line_on(day: dt.date) -> Q:
    return Q(valid_from__lte=day) & (Q(valid_to__isnull=True) | Q(valid_to__gt=day))


def load(as_of: dt.datetime | None = None, person_id: uuid.UUID | None = None) -> Situation:
    """Read what the rules need: people, reporting lines and relationship trust as of
    ``as_of``. For everyone (the digest: a handful of whole-table reads) or, with
    ``person_id``, for that person's neighbourhood only (their page)."""
    moment = as_of or timezone.now()
    day = timezone.localdate(moment)
    people_rows = Person.objects.all()
    lines = ReportingLine.objects.filter(_line_on(day))
    if person_id is not None:
        focus = _focus_people(person_id, moment)
        around = _table_around(moment, focus)
        people_rows = people_rows.filter(pk__in=focus | set(around.people))
        lines = lines.filter(person_id__in=focus | set(around.people))
    rows = raw_values(people_rows.order_by("name", "pk"), *_PEOPLE_FIELDS)
    raw_index = {row[0]: i for i, row in enumerate(rows)}
    people = [as_uuid(row[0]) for row in rows]
    index = {pk: i for i, pk in enumerate(people)}
    n = len(people)
    team_ids: dict[Any, int] = {}
    team = np.fromiter(
        (team_ids.setdefault(row[2], len(team_ids)) if row[2] else -1 for row in rows),
        dtype=np.int64,
        count=n,
    )
    starts = [_to_date(row[3]) for row in rows]
    leaves = [_to_date(row[4]) for row in rows]
    start_day = np.fromiter((d.toordinal() if d else -1 for d in starts), dtype=np.int64, count=n)
    active = np.fromiter(
        (
            not row[5] and (s is None or s <= day) and (e is None or e > day)
            for row, s, e in zip(rows, starts, leaves, strict=True)
        ),
        dtype=np.bool_,
        count=n,
    )
    manager = np.full(n, -1, dtype=np.int64)
    for report, boss in raw_values(lines, "person_id", "manager_id"):
        if report in raw_index and boss in raw_index:
            manager[raw_index[report]] = raw_index[boss]
    if person_id is None:
        subject = active.copy()
        table = trust_table(moment, indexed_by=(raw_index, people))
    else:
        subject = np.zeros(n, dtype=np.bool_)
        if person_id in index:
            subject[index[person_id]] = active[index[person_id]]
        table = around
    situation = _with_edges(
        moment,
        people,
        index,
        [row[1] for row in rows],
        team,
        manager,
        start_day,
        active,
        subject,
        table,
    )
    situation.raw_index = raw_index
    situation.focused = person_id is not None
    return situation


def _table_around(moment: dt.datetime, focus: set[uuid.UUID]) -> TrustTable:
    """Relationships from or to anyone in ``focus`` (one person's rules need no more)."""
    outgoing = trust_table(moment, trusters=focus)
    incoming = trust_table(moment, trustees=focus)
    people = list(dict.fromkeys([*outgoing.people, *incoming.people]))
    index = {pk: i for i, pk in enumerate(people)}

    def remap(part: TrustTable, column: IntArray) -> IntArray:
        lookup = np.array([index[pk] for pk in part.people], dtype=np.int64)
        return lookup[column] if column.size else column

    truster = np.concatenate((remap(outgoing, outgoing.truster), remap(incoming, incoming.truster)))
    trustee = np.concatenate((remap(outgoing, outgoing.trustee), remap(incoming, incoming.trustee)))
    keys = truster * max(len(people), 1) + trustee
    _, first = np.unique(keys, return_index=True)
    return TrustTable(
        people=people,
        index=index,
        truster=truster[first],
        trustee=trustee[first],
        positive=np.concatenate((outgoing.positive, incoming.positive))[first],
        negative=np.concatenate((outgoing.negative, incoming.negative))[first],
        as_of=moment,
    )


def _with_edges(
    moment: dt.datetime,
    people: list[uuid.UUID],
    index: dict[uuid.UUID, int],
    names: list[str],
    team: IntArray,
    manager: IntArray,
    start_day: IntArray,
    active: BoolArray,
    subject: BoolArray,
    table: TrustTable,
) -> Situation:
    n = len(people)
    to_ours = np.array([index.get(pk, -1) for pk in table.people], dtype=np.int64)
    truster = to_ours[table.truster] if table.truster.size else table.truster
    trustee = to_ours[table.trustee] if table.trustee.size else table.trustee
    keep = (truster >= 0) & (trustee >= 0)
    rows_kept = np.flatnonzero(keep)
    key = truster[keep] * n + trustee[keep]
    order = np.argsort(key, kind="stable")
    overall = table.opinions().overall if table.truster.size else None
    b = overall.b[rows_kept][order] if overall is not None else np.empty(0)
    d = overall.d[rows_kept][order] if overall is not None else np.empty(0)
    u = overall.u[rows_kept][order] if overall is not None else np.empty(0)
    return Situation(
        as_of=moment,
        people=people,
        index=index,
        names=names,
        team=team,
        manager=manager,
        start_day=start_day,
        active=active,
        subject=subject,
        table=table,
        edge_truster=truster[keep][order],
        edge_trustee=trustee[keep][order],
        edge_key=key[order],
        edge_b=b,
        edge_d=d,
        edge_u=u,
        edge_rows=rows_kept[order],
    )


# --- helpers ---------------------------------------------------------------------------------


def _when(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%a %-d %b %Y")


def _group_pairs(group: IntArray, members: IntArray, limit: int) -> tuple[IntArray, IntArray]:
    """Every ordered pair (a, b), a ≠ b, of ``members`` sharing a ``group`` (-1 = none), for
    groups of at most ``limit`` members; vectorised."""
    has = group >= 0
    g, who = group[has], members[has]
    if g.size == 0:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    order = np.argsort(g, kind="stable")
    g, who = g[order], who[order]
    starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
    sizes = np.diff(np.r_[starts, g.size])
    size_of = np.repeat(sizes, sizes)
    start_of = np.repeat(starts, sizes)
    small = size_of <= limit
    owner = np.repeat(np.arange(g.size)[small], size_of[small])
    first = np.repeat(start_of[small], size_of[small])
    offsets = np.arange(owner.size) - np.repeat(
        np.cumsum(size_of[small]) - size_of[small], size_of[small]
    )
    partner = first + offsets
    a, b = who[owner], who[partner]
    distinct = a != b
    return a[distinct], b[distinct]


@dataclass(frozen=True)
class _Pairs:
    """Ordered pairs (me, other) and how they are close (lower ``rank`` = closer)."""

    me: IntArray
    other: IntArray
    rank: IntArray
    #: In the same team (or sharing a manager), whatever closer reason ``rank`` names.
    teammate: BoolArray


_CLOSE_WHY = {
    0: "{other} is your manager",
    1: "{other} reports to you",
    2: "{other} and you have a commitment together, recent or still open",
    3: "{other} is in your team",
}


def _pairs_of(s: Situation, rows: QuerySet[Any], first: str, second: str) -> IntArray:
    """(n, 2) indices of ``first``/``second`` person columns of ``rows`` (raw read; rows with
    someone unknown are dropped)."""
    get = s.raw_index.get
    found = [(get(a, -1), get(b, -1)) for a, b in raw_values(rows, first, second)]
    pairs = np.array(found, dtype=np.int64).reshape(-1, 2)
    return pairs[(pairs >= 0).all(axis=1)]


def _shared_commitments(s: Situation) -> tuple[IntArray, IntArray]:
    """People with a commitment between them created recently or still open (both ways)."""
    since = s.as_of - dt.timedelta(days=SHARED_COMMITMENT_DAYS)
    open_statuses = [Status.PROPOSED, Status.COUNTER_OFFERED, Status.ACCEPTED, Status.DELIVERED]
    rows = Commitment.objects.filter(created_at__lte=s.as_of).filter(
        Q(created_at__gte=since) | Q(status__in=open_statuses)
    )
    if s.focused:
        mine = s.ids(np.flatnonzero(s.subject))
        rows = rows.filter(Q(performer_id__in=mine) | Q(requester_id__in=mine))
    both = _pairs_of(s, rows, "performer_id", "requester_id")
    return np.r_[both[:, 0], both[:, 1]], np.r_[both[:, 1], both[:, 0]]


def close_pairs(s: Situation) -> _Pairs:
    """Everyone each subject works closely with: manager, direct reports, people with a
    recent or open commitment between them, teammates (teams up to CLOSE_TEAM_LIMIT) and
    people sharing their manager. Active people only; each pair once, closest reason kept."""
    everyone = np.arange(s.n, dtype=np.int64)
    has_manager = s.manager >= 0
    parts: list[tuple[IntArray, IntArray, int]] = [
        (everyone[has_manager], s.manager[has_manager], 0),
        (s.manager[has_manager], everyone[has_manager], 1),
        (*_shared_commitments(s), 2),
        (*_group_pairs(s.team, everyone, CLOSE_TEAM_LIMIT), 3),
        (*_group_pairs(s.manager, everyone, CLOSE_TEAM_LIMIT), 3),
    ]
    me = np.concatenate([p[0] for p in parts])
    other = np.concatenate([p[1] for p in parts])
    rank = np.concatenate([np.full(p[0].size, p[2], dtype=np.int64) for p in parts])
    keep = (me != other) & s.subject[me] & s.active[other]
    me, other, rank = me[keep], other[keep], rank[keep]
    key = me * s.n + other
    order = np.lexsort((rank, key))
    _, first = np.unique(key[order], return_index=True)
    chosen = order[first]
    # A pair is teammates if any of its reasons (a run of equal keys in ``order``) is rank 3.
    in_team = (rank[order] == 3).astype(np.int64)
    teammate = np.add.reduceat(in_team, first) > 0 if first.size else np.zeros(0, np.bool_)
    return _Pairs(me[chosen], other[chosen], rank[chosen], teammate)


def _pick(me: IntArray, order_keys: tuple[npt.NDArray[Any], ...], per_person: int) -> IntArray:
    """Positions of at most ``per_person`` rows per ``me``, best first by ``order_keys``
    (most significant last, as :func:`numpy.lexsort`)."""
    if me.size == 0:
        return np.empty(0, dtype=np.int64)
    order = np.lexsort((*order_keys, me))
    sorted_me = me[order]
    starts = np.flatnonzero(np.r_[True, sorted_me[1:] != sorted_me[:-1]])
    rank = np.arange(sorted_me.size) - np.repeat(starts, np.diff(np.r_[starts, sorted_me.size]))
    return order[rank < per_person]


# --- rule 1: promises I owe that are due soon, at risk or overdue ---------------------------


def commitments_due(s: Situation) -> list[Nudge]:
    """Accepted, undelivered promises with no renegotiation proposed, that fall due within
    DUE_SOON_DAYS, have used AT_RISK_SHARE of their time, or passed their due date at most
    OVERDUE_DAYS ago. Resolved by delivering, or by proposing new terms (renegotiating): once a
    renegotiation is proposed the next move is the requester's."""
    now = s.as_of
    rows = Commitment.objects.filter(
        Q(status=Status.ACCEPTED) | Q(status=Status.BROKEN, broken_reason=BrokenReason.DUE_PASSED),
        pending_due_at__isnull=True,
        due_at__gte=now - dt.timedelta(days=OVERDUE_DAYS),
        accepted_at__lte=now,
    )
    if s.focused:
        rows = rows.filter(performer_id__in=s.ids(np.flatnonzero(s.subject)))
    fields = ("pk", "performer_id", "requester_id", "what", "due_at", "accepted_at", "stakes")
    candidates = list(rows.values_list(*fields).iterator(chunk_size=20_000))
    renegotiated = dict(
        CommitmentEvent.objects.filter(
            step=Step.ACCEPT_RENEGOTIATION,
            commitment__in=rows.filter(Q(renegotiated_in_time__gt=0) | Q(renegotiated_late__gt=0)),
        )
        .values("commitment_id")
        .annotate(last=Max("at"))
        .values_list("commitment_id", "last")
    )
    soon = now + dt.timedelta(days=DUE_SOON_DAYS)
    nudges = []
    for pk, performer, requester, what, due, accepted, stakes in candidates:
        me = s.index.get(performer)
        if me is None or not s.subject[me]:
            continue
        other = s.names[s.index[requester]] if requester in s.index else "them"
        agreed = renegotiated.get(pk, accepted)
        url = f"/commitments/{pk}/"
        career = (
            " It is a career promise: breaking it costs the most trust."
            if stakes == "career"
            else ""
        )
        if due < now:
            title = f"Overdue: “{what}” — deliver it or propose new terms"
            why = (
                f"You promised {other} “{what}” by {_when(due)}. The due date has passed and "
                f"nothing is delivered.{career}"
            )
            key = f"due:overdue:{pk}:{due.isoformat()}"
        elif due <= soon:
            title = f"Due {_when(due)}: “{what}” — deliver, or renegotiate now, before the due date"
            why = (
                f"You promised {other} “{what}” by {_when(due)}: it is accepted, not "
                f"delivered, and falls due within {DUE_SOON_DAYS} days.{career}"
            )
            key = f"due:soon:{pk}:{due.isoformat()}"
        else:
            span = (due - agreed).total_seconds()
            used = (now - agreed).total_seconds() / span if span > 0 else 1.0
            if used < AT_RISK_SHARE:
                continue
            title = f"At risk: “{what}” (due {_when(due)}) — renegotiate now, before the due date"
            why = (
                f"You promised {other} “{what}” by {_when(due)}. {round(used * 100)}% of the "
                f"time since you agreed ({_when(agreed)}) has passed with nothing delivered and "
                f"no new terms proposed.{career}"
            )
            key = f"due:risk:{pk}:{due.isoformat()}"
        nudges.append(Nudge("commitment_due", performer, title, why, url, key))
    return nudges


# --- rule 2: deliveries I should confirm -----------------------------------------------------


def deliveries_to_confirm(s: Situation) -> list[Nudge]:
    """Promises made to me that the performer marked delivered in the last CONFIRM_DAYS and I
    have neither confirmed nor disputed. Resolved by confirming or disputing."""
    rows = Commitment.objects.filter(
        status=Status.DELIVERED,
        delivered_at__gte=s.as_of - dt.timedelta(days=CONFIRM_DAYS),
        delivered_at__lte=s.as_of,
    )
    if s.focused:
        rows = rows.filter(requester_id__in=s.ids(np.flatnonzero(s.subject)))
    nudges = []
    for pk, performer, requester, what, delivered in rows.values_list(
        "pk", "performer_id", "requester_id", "what", "delivered_at"
    ).iterator(chunk_size=20_000):
        me = s.index.get(requester)
        if me is None or not s.subject[me] or delivered is None:
            continue
        other = s.names[s.index[performer]] if performer in s.index else "They"
        nudges.append(
            Nudge(
                "confirm_delivery",
                requester,
                f"Confirm {other}’s delivery: “{what}”",
                f"{other} marked “{what}” delivered on {_when(delivered)} and it awaits your "
                "answer.",
                f"/commitments/{pk}/",
                f"confirm:{pk}:{delivered.isoformat()}",
            )
        )
    return nudges


# --- rule 3: my weakest dimension ------------------------------------------------------------


def weakest_dimension(s: Situation) -> list[Nudge]:
    """For each subject with at least two dimensions shown (each backed by at least k distinct
    people, as on the trust profile), the one with the lowest projected trust, with its
    behaviours. Resolved when evidence lifts it above another shown dimension."""
    table, k = s.table, settings.ANONYMITY_K
    if table.truster.size == 0:
        return []
    to_ours = np.array([s.index.get(pk, -1) for pk in table.people], dtype=np.int64)
    trustee = to_ours[table.trustee]
    keep = trustee >= 0
    positive = np.zeros((s.n, 4))
    negative = np.zeros((s.n, 4))
    np.add.at(positive, trustee[keep], table.positive[keep])
    np.add.at(negative, trustee[keep], table.negative[keep])
    has = (table.positive[keep] + table.negative[keep]) > EVIDENCE_FLOOR
    people = np.zeros((s.n, 4), dtype=np.int64)
    np.add.at(people, trustee[keep], has.astype(np.int64))
    model = projection.evidence_model()
    opinions = engine.from_evidence(positive, negative, model.base_rate, model.prior_weight)
    trust = engine.projected(opinions)
    shown = people >= k
    eligible = s.subject & (shown.sum(axis=1) >= 2)
    masked = np.where(shown, trust, np.inf)
    weakest = np.argmin(masked, axis=1)
    library = behaviours()
    nudges = []
    for i in np.flatnonzero(eligible):
        d = int(weakest[i])
        name = engine.DIMENSIONS[d]
        others = ", ".join(
            f"{engine.DIMENSIONS[j].capitalize()} {trust[i, j]:.2f}"
            for j in range(4)
            if shown[i, j] and j != d
        )
        why = (
            f"Of the dimensions at least {k} people's experience of you supports, "
            f"{name.capitalize()} is the lowest: {trust[i, d]:.2f} "
            f"({certainty_in_words(float(opinions.u[i, d]))}, from {people[i, d]} people), "
            f"against {others}. Only you see this."
        )
        nudges.append(
            Nudge(
                "weakest_dimension",
                s.people[i],
                f"Grow how others experience you as {name.capitalize()}",
                why,
                "/me/trust/",
                f"weakest:{name}:v{library.version}",
            )
        )
    return nudges


# --- rule 4: start small ---------------------------------------------------------------------


def start_small(s: Situation, pairs: _Pairs | None = None) -> list[Nudge]:
    """People I work closely with where the evidence is thin both ways (overall uncertainty
    at least THIN_UNCERTAINTY from me to them and from them to me): suggest a small,
    low-stakes promise. At most PER_RULE per person, closest first. Resolved once either
    direction has enough evidence."""
    return _start_small(s, pairs or close_pairs(s))[0]


def _start_small(s: Situation, pairs: _Pairs) -> tuple[list[Nudge], IntArray]:
    """:func:`start_small`, and the suggested pairs' keys (me·n + other) for go first."""
    thin = (s.uncertainty(pairs.me, pairs.other) >= THIN_UNCERTAINTY) & (
        s.uncertainty(pairs.other, pairs.me) >= THIN_UNCERTAINTY
    )
    me, other, rank = pairs.me[thin], pairs.other[thin], pairs.rank[thin]
    chosen = _pick(me, (other, rank), PER_RULE)
    ids = s.id_strings
    nudges = []
    for at in chosen:
        i, j = int(me[at]), int(other[at])
        name = s.names[j]
        close = _CLOSE_WHY[int(rank[at])].format(other=name)
        nudges.append(
            Nudge(
                "start_small",
                s.people[i],
                f"Start small with {name}: make one small, low-stakes promise",
                f"{close[0].upper()}{close[1:]}, yet there is little evidence between you in "
                "either direction: neither of you has much to go on yet.",
                f"/people/{ids[j]}/commitments/new/",
                f"start_small:{ids[j]}",
            )
        )
    return nudges, np.sort(me[chosen] * s.n + other[chosen])


def _in_sorted(values: IntArray, sorted_set: IntArray) -> BoolArray:
    """Which ``values`` are in ``sorted_set`` (ascending): a binary search, no sort of
    ``values`` (faster than :func:`numpy.isin` for a large ``values``)."""
    if sorted_set.size == 0:
        return np.zeros(values.size, dtype=np.bool_)
    at = np.minimum(np.searchsorted(sorted_set, values), sorted_set.size - 1)
    return sorted_set[at] == values


# --- rule 5: go first ------------------------------------------------------------------------


def _recent_gestures(s: Situation) -> IntArray:
    """Keys (me·n + other) of pairs where I went towards them in the last GO_FIRST_DAYS: a
    promise I made them, or a positive signal between us (my recognition of them, or theirs of
    something I did)."""
    since = s.as_of - dt.timedelta(days=GO_FIRST_DAYS)
    positive_kinds = [
        kind
        for kind, rule in projection.evidence_model().signals.items()
        if rule.polarity == "positive"
    ]
    subjects = s.ids(np.flatnonzero(s.subject)) if s.focused else None
    promises = Commitment.objects.filter(created_at__gte=since, created_at__lte=s.as_of)
    signals = TrustSignal.objects.filter(
        occurred_at__gte=since, occurred_at__lte=s.as_of, kind__in=positive_kinds
    )
    if subjects is not None:
        promises = promises.filter(performer_id__in=subjects)
        signals = signals.filter(Q(recorded_by_id__in=subjects) | Q(subject_id__in=subjects))
    made = _pairs_of(s, promises, "performer_id", "requester_id")
    noticed = _pairs_of(s, signals, "recorded_by_id", "subject_id")
    keys = np.concatenate(
        (
            made[:, 0] * s.n + made[:, 1],
            noticed[:, 0] * s.n + noticed[:, 1],
            noticed[:, 1] * s.n + noticed[:, 0],
        )
    )
    return np.unique(keys)


def go_first(
    s: Situation, pairs: _Pairs | None = None, skip: IntArray | None = None
) -> list[Nudge]:
    """One teammate (same team or same manager) per person whom I have not gone towards in
    GO_FIRST_DAYS — a new team member first, otherwise a different one each week: offer help
    or share something useful. Resolved by a promise to them or a positive signal between us.
    ``skip``: pair keys (me·n + other) already suggested by :func:`start_small`."""
    pairs = pairs or close_pairs(s)
    me, other = pairs.me[pairs.teammate], pairs.other[pairs.teammate]
    gestures = _recent_gestures(s)
    keys = me * s.n + other
    fresh = ~_in_sorted(keys, gestures)
    if skip is not None and skip.size:
        fresh &= ~_in_sorted(keys, np.sort(skip))
    me, other = me[fresh], other[fresh]
    today = s.today.toordinal()
    new = (s.start_day[other] >= 0) & (today - s.start_day[other] <= NEW_MEMBER_DAYS)
    week = s.as_of.isocalendar().week
    rotation = (other * 2654435761 + week * 40503) % 4294967296
    chosen = _pick(me, (rotation, ~new), 1)
    nudges = []
    for at in chosen:
        i, j = int(me[at]), int(other[at])
        name = s.names[j]
        if new[at]:
            started = dt.date.fromordinal(int(s.start_day[j])).strftime("%-d %b %Y")
            fact = f"{name} joined your team on {started}."
        else:
            fact = (
                f"{name} is in your team, and in the last {GO_FIRST_DAYS} days you have not made "
                f"{name} a promise and no positive signal has passed between you."
            )
        nudges.append(
            Nudge(
                "go_first",
                s.people[i],
                f"Go first with {name}: offer help or share something useful",
                fact,
                f"/people/{s.id_strings[j]}/",
                f"go_first:{s.id_strings[j]}",
            )
        )
    return nudges


# --- rule 6: introductions -------------------------------------------------------------------


def _must_work_with(s: Situation) -> tuple[IntArray, IntArray, IntArray]:
    """(me, other, why) for people I need to work with and have no evidence with either way:
    the other side of an open commitment (why 0) and new team members (why 1)."""
    open_statuses = [Status.PROPOSED, Status.COUNTER_OFFERED, Status.ACCEPTED]
    rows = Commitment.objects.filter(status__in=open_statuses, created_at__lte=s.as_of)
    if s.focused:
        mine = s.ids(np.flatnonzero(s.subject))
        rows = rows.filter(Q(performer_id__in=mine) | Q(requester_id__in=mine))
    both = _pairs_of(s, rows, "performer_id", "requester_id")
    me = [both[:, 0], both[:, 1]]
    other = [both[:, 1], both[:, 0]]
    why = [np.zeros(2 * len(both), dtype=np.int64)]
    everyone = np.arange(s.n, dtype=np.int64)
    a, b = _group_pairs(s.team, everyone, CLOSE_TEAM_LIMIT)
    today = s.today.toordinal()
    new = (s.start_day[b] >= 0) & (today - s.start_day[b] <= NEW_MEMBER_DAYS)
    me.append(a[new])
    other.append(b[new])
    why.append(np.ones(int(new.sum()), dtype=np.int64))
    m, o, w = np.concatenate(me), np.concatenate(other), np.concatenate(why)
    keep = s.subject[m] & s.active[o] & (m != o)
    keep &= (s.lookup(m, o) < 0) & (s.lookup(o, m) < 0)
    return m[keep], o[keep], w[keep]


def introductions(s: Situation) -> list[Nudge]:
    """For someone I must work with and have no direct evidence with, a person who can
    introduce us: someone I have an established, positive relationship with who has an
    established, positive relationship with them. The strongest is chosen by the engine's
    discounting along the 2-hop path (Jøsang 2016, §14.3, as :func:`engine.vouch` does).

    Privacy: the voucher's trust in the other person belongs to their relationship. The nudge
    names the voucher and nothing else — no figure, no path — and only when my trust in the
    voucher (mine to know) and the voucher's trust in the other are both established and
    positive; a voucher's doubts are never revealed. See docs/guidance.md.
    """
    me, other, why = _must_work_with(s)
    if me.size == 0 or s.edge_key.size == 0:
        return []
    key = me * s.n + other
    _, first = np.unique(key, return_index=True)
    me, other, why = me[first], other[first], why[first]
    good = s.established & s.active[s.edge_trustee]
    firsts = np.flatnonzero(good)  # established edges, sorted by truster (edge_key order)
    truster = s.edge_truster[firsts]
    starts = np.searchsorted(truster, me)
    ends = np.searchsorted(truster, me, side="right")
    lengths = ends - starts
    owner = np.repeat(np.arange(me.size), lengths)
    offsets = np.arange(owner.size) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    first_edge = firsts[np.repeat(starts, lengths) + offsets]
    voucher = s.edge_trustee[first_edge]
    second_edge = s.lookup(voucher, other[owner])
    hit = (second_edge >= 0) & (voucher != other[owner])
    hit[hit] &= good[second_edge[hit]]
    owner, first_edge, second_edge, voucher = (
        owner[hit],
        first_edge[hit],
        second_edge[hit],
        voucher[hit],
    )
    if owner.size == 0:
        return []
    trust = engine.Opinions(
        s.edge_b[first_edge], s.edge_d[first_edge], s.edge_u[first_edge], np.full(owner.size, 0.5)
    )
    model = projection.evidence_model()
    advice = engine.Opinions(
        s.edge_b[second_edge],
        s.edge_d[second_edge],
        s.edge_u[second_edge],
        np.full(owner.size, model.base_rate),
    )
    derived = engine.discount(trust, advice)
    # Strongest voucher per pair: least uncertain, then higher projected trust (engine.vouch).
    order = np.lexsort((-engine.projected(derived), derived.u, owner))
    _, best = np.unique(owner[order], return_index=True)
    picked_pairs = owner[order][best]
    picked_voucher = voucher[order][best]
    chosen = _pick(me[picked_pairs], (other[picked_pairs], why[picked_pairs]), PER_RULE)
    nudges = []
    for at in chosen:
        pair = int(picked_pairs[at])
        i, j, v = int(me[pair]), int(other[pair]), int(picked_voucher[at])
        name, via = s.names[j], s.names[v]
        reason = (
            f"You have an open commitment with {name}"
            if why[pair] == 0
            else f"{name} joined your team recently"
        )
        nudges.append(
            Nudge(
                "introduction",
                s.people[i],
                f"{via} can introduce you to {name}",
                f"{reason}, and there is no history between you yet. {via}, whom you have come to "
                f"rely on, has worked well with {name}.",
                f"/people/{s.id_strings[v]}/",
                f"introduction:{s.id_strings[j]}:{s.id_strings[v]}",
            )
        )
    return nudges


# --- everything ------------------------------------------------------------------------------


def run_rules(s: Situation) -> dict[uuid.UUID, list[Nudge]]:
    """Every rule over the situation; each subject's nudges in KINDS order."""
    found: list[Nudge] = []
    for rule in (commitments_due, deliveries_to_confirm, introductions):
        found += rule(s)
    pairs = close_pairs(s)
    small, suggested = _start_small(s, pairs)
    found += small
    found += go_first(s, pairs, suggested)
    found += weakest_dimension(s)
    by_person: dict[uuid.UUID, list[Nudge]] = {}
    for nudge in found:  # the rules ran in KINDS order
        by_person.setdefault(nudge.person, []).append(nudge)
    return by_person


def guidance(as_of: dt.datetime | None = None) -> tuple[Situation, dict[uuid.UUID, list[Nudge]]]:
    """Every active person's nudges as of ``as_of`` (the weekly digest; no permission check:
    system use only — the digest service checks)."""
    situation = load(as_of)
    return situation, run_rules(situation)


def guidance_for(person_id: uuid.UUID, as_of: dt.datetime | None = None) -> list[Nudge]:
    """One person's nudges now, reading only their neighbourhood (their digest page)."""
    return run_rules(load(as_of, person_id)).get(person_id, [])
