"""The demo organisation: about 150 people in 14 teams, four reporting levels, printed logins.

Everything is generated from a seed (``random.Random(seed)``), so two runs with the same seed build
the same organisation. Loading is idempotent: when the demo organisation is already there nothing is
written and the logins are returned again. Demo accounts share one published password, so loading is
refused outside ``TRUSTLEDGER_MODE=demo`` or ``development``.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.exceptions import PermissionDenied
from django.db import transaction

from trustledger.accounts.actors import Actor
from trustledger.accounts.models import Role, User
from trustledger.audit import services as audit
from trustledger.org.models import BehaviourStyle, Person, ReportingLine, Team

#: The one password of every demo account (demo and development mode only).
DEMO_PASSWORD = "trustledger-demo"
DEMO_DOMAIN = "acme.example"
DEMO_ADMIN_EMAIL = f"admin@{DEMO_DOMAIN}"
EMPLOYEE_ID_PREFIX = "DEMO-"
MINIMUM_PEOPLE = 40
_DEMO_MODES = ("demo", "development")

_FIRST_NAMES = (
    "Ana",
    "Ben",
    "Chiara",
    "Dmitri",
    "Esi",
    "Farid",
    "Grace",
    "Hiroshi",
    "Ines",
    "Jamal",
    "Kavya",
    "Lars",
    "Mei",
    "Nkechi",
    "Omar",
    "Priya",
    "Quentin",
    "Rosa",
    "Sipho",
    "Tamar",
    "Uma",
    "Viktor",
    "Wen",
    "Ximena",
    "Yusuf",
    "Zofia",
    "Aroha",
    "Bilal",
    "Carmen",
    "Dawit",
    "Elif",
    "Felipe",
    "Gulnara",
    "Hamza",
    "Ingrid",
    "Joon",
    "Kwame",
    "Leila",
    "Mateo",
    "Nadia",
    "Olu",
    "Paulo",
    "Rania",
    "Santiago",
    "Thandiwe",
    "Tomasz",
    "Valentina",
    "Wanjiru",
    "Yara",
    "Zainab",
    "Aiden",
    "Beatriz",
    "Chen",
    "Deepa",
    "Emeka",
    "Fatima",
    "Gabriel",
    "Hana",
    "Ivan",
    "Julia",
    "Kenji",
    "Lucia",
    "Marek",
    "Noor",
    "Oscar",
    "Pilar",
    "Ravi",
    "Saoirse",
)
_LAST_NAMES = (
    "Silva",
    "Okafor",
    "Rossi",
    "Ivanova",
    "Mensah",
    "Haddad",
    "Kim",
    "Tanaka",
    "Moreau",
    "Brown",
    "Iyer",
    "Nilsson",
    "Zhang",
    "Adeyemi",
    "Farouk",
    "Sharma",
    "Dubois",
    "Garcia",
    "Ndlovu",
    "Levi",
    "Patel",
    "Petrov",
    "Liu",
    "Hernandez",
    "Yilmaz",
    "Kowalski",
    "Ngata",
    "Qureshi",
    "Lopez",
    "Bekele",
    "Demir",
    "Costa",
    "Abenova",
    "Malik",
    "Johansson",
    "Park",
    "Boateng",
    "Rahimi",
    "Fernandez",
    "Novak",
    "Eze",
    "Santos",
    "Khalil",
    "Murphy",
    "Dlamini",
    "Wojcik",
    "Romero",
    "Kamau",
    "Cohen",
    "Hussein",
    "O'Brien",
    "Nakamura",
    "Gupta",
    "Schmidt",
)


@dataclass(frozen=True)
class _TeamPlan:
    name: str
    description: str
    vp: int  # index into _VPS
    manager_title: str
    titles: tuple[str, ...]
    weight: float


_VPS = (
    ("VP Engineering", "Engineering"),
    ("VP Product", "Product"),
    ("Chief Revenue Officer", "Revenue"),
    ("VP Operations", "Operations"),
)
_EXECUTIVE_TEAM = "Executive"
_TEAMS = (
    _TeamPlan("Platform", "Infrastructure, reliability and developer tooling", 0,
              "Engineering Manager, Platform",
              ("Software Engineer", "Senior Software Engineer", "Site Reliability Engineer",
               "Staff Engineer"), 1.4),
    _TeamPlan("Product Engineering", "Builds the product our customers use", 0,
              "Engineering Manager, Product",
              ("Software Engineer", "Senior Software Engineer", "Frontend Engineer",
               "QA Engineer"), 1.6),
    _TeamPlan("Data & Analytics", "Data platform, reporting and people analytics", 0,
              "Head of Data", ("Data Engineer", "Data Analyst", "Data Scientist"), 1.0),
    _TeamPlan("Design", "Product and brand design, user research", 1, "Design Lead",
              ("Product Designer", "UX Researcher", "Content Designer"), 0.7),
    _TeamPlan("Product Management", "Discovery, roadmaps and delivery", 1,
              "Group Product Manager", ("Product Manager", "Senior Product Manager"), 0.7),
    _TeamPlan("Sales", "New business", 2, "Head of Sales",
              ("Account Executive", "Sales Development Representative", "Solutions Engineer"),
              1.3),
    _TeamPlan("Customer Success", "Onboarding, support and renewals", 2,
              "Head of Customer Success",
              ("Customer Success Manager", "Support Specialist", "Implementation Consultant"),
              1.2),
    _TeamPlan("Marketing", "Brand, content and demand generation", 2, "Head of Marketing",
              ("Marketing Manager", "Content Strategist", "Events Coordinator"), 0.8),
    _TeamPlan("Partnerships", "Channel and technology partners", 2, "Head of Partnerships",
              ("Partner Manager", "Alliances Manager", "Partner Marketing Manager"), 0.6),
    _TeamPlan("Revenue Operations", "Pipeline, pricing, deal desk and sales tooling", 2,
              "Head of Revenue Operations",
              ("Revenue Operations Analyst", "Deal Desk Specialist", "Sales Enablement Manager"),
              0.6),
    _TeamPlan("People", "Hiring, growth and wellbeing (HR)", 3, "Head of People",
              ("People Partner", "Recruiter", "Learning & Development Specialist"), 0.6),
    _TeamPlan("Finance", "Accounting, planning and payroll", 3, "Finance Director",
              ("Accountant", "Financial Analyst", "Payroll Specialist"), 0.5),
    _TeamPlan("Operations", "Workplace, IT and legal operations", 3, "Head of Operations",
              ("Operations Specialist", "IT Administrator", "Legal Counsel"), 0.7),
)  # fmt: skip
_CUSTOMERS = (
    ("Hannah Weber", "Head of Procurement, Globex", "hannah.weber@globex.example"),
    ("Kofi Asante", "CTO, Initech", "kofi.asante@initech.example"),
    ("Marisol Vega", "Operations Director, Umbrella Health", "marisol.vega@umbrella.example"),
)


@dataclass(frozen=True)
class DemoLogin:
    """A printed demo login."""

    role: str
    name: str
    email: str
    password: str


@dataclass
class DemoResult:
    """What :func:`load_demo` did: ``created`` is false when the demo was already loaded."""

    created: bool
    people: int
    teams: int
    externals: int
    accounts: int
    logins: list[DemoLogin] = field(default_factory=list)


class DemoRefused(PermissionDenied):
    """Demo accounts share a published password: never in production mode."""


@dataclass
class _PersonPlan:
    employee_id: str
    name: str
    email: str
    title: str
    team: str | None
    start: dt.date
    style: str
    manager: int | None = None  # index into the plan list
    leave: dt.date | None = None
    external: bool = False
    role: str = Role.EMPLOYEE
    # Earlier reporting lines: (manager index, valid_from, valid_to), oldest first.
    history: list[tuple[int, dt.date, dt.date]] = field(default_factory=list)


class _Namer:
    """Unique, diverse names and e-mail addresses drawn from a seeded generator."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used_names: set[str] = set()
        self.used_emails: set[str] = set()

    def next(self) -> tuple[str, str]:
        while True:
            first = self.rng.choice(_FIRST_NAMES)
            last = self.rng.choice(_LAST_NAMES)
            name = f"{first} {last}"
            if name not in self.used_names:
                break
        self.used_names.add(name)
        local = f"{first}.{last}".lower().replace("'", "")
        email = f"{local}@{DEMO_DOMAIN}"
        suffix = 2
        while email in self.used_emails:
            email = f"{local}{suffix}@{DEMO_DOMAIN}"
            suffix += 1
        self.used_emails.add(email)
        return name, email


def _random_day(rng: random.Random, first: dt.date, last: dt.date) -> dt.date:
    return first + dt.timedelta(days=rng.randrange((last - first).days + 1))


def _style(rng: random.Random) -> str:
    """A behaviour style for most people; about one in seven has none recorded."""
    if rng.random() < 0.15:
        return ""
    return rng.choice(BehaviourStyle.values)


def plan_organisation(people: int = 150, seed: int = 7) -> list[_PersonPlan]:
    """The demo organisation as plain data: CEO → VPs → team managers → individual contributors.

    ``people`` counts employees (leavers included); a few external customers come on top.
    Index 0 is the CEO, 1-4 the VPs, 5-17 the team managers (in ``_TEAMS`` order), then the
    individual contributors team by team, so the named logins have stable employee ids.
    """
    if people < MINIMUM_PEOPLE:
        raise ValueError(f"the demo organisation needs at least {MINIMUM_PEOPLE} people")
    rng = random.Random(seed)
    namer = _Namer(rng)
    plan: list[_PersonPlan] = []

    def add(title: str, team: str | None, start: dt.date, manager: int | None) -> int:
        name, email = namer.next()
        plan.append(
            _PersonPlan(
                employee_id=f"{EMPLOYEE_ID_PREFIX}{len(plan) + 1:04d}",
                name=name,
                email=email,
                title=title,
                team=team,
                start=start,
                style=_style(rng),
                manager=manager,
            )
        )
        return len(plan) - 1

    ceo = add("Chief Executive Officer", _EXECUTIVE_TEAM, dt.date(2017, 3, 1), None)
    vps = [
        add(
            title,
            _EXECUTIVE_TEAM,
            _random_day(rng, dt.date(2017, 6, 1), dt.date(2019, 12, 31)),
            ceo,
        )
        for title, _area in _VPS
    ]
    managers = [
        add(
            team.manager_title,
            team.name,
            _random_day(rng, dt.date(2018, 1, 1), dt.date(2022, 6, 30)),
            vps[team.vp],
        )
        for team in _TEAMS
    ]
    # Individual contributors: at least five per team when there are enough people (so a
    # manager's team is large enough for k-anonymous figures), else three; the rest spread by
    # team weight.
    contributors = people - len(plan)
    floor = 5 if contributors >= 6 * len(_TEAMS) else 3
    sizes = [floor] * len(_TEAMS)
    for _ in range(contributors - sum(sizes)):
        sizes[rng.choices(range(len(_TEAMS)), weights=[t.weight for t in _TEAMS])[0]] += 1
    for team, manager, size in zip(_TEAMS, managers, sizes, strict=True):
        for _ in range(size):
            start = _random_day(rng, plan[manager].start, dt.date(2026, 6, 30))
            add(rng.choice(team.titles), team.name, start, manager)

    # HR: everyone in the People team works with personal data.
    for person in plan:
        if person.team == "People":
            person.role = Role.HR

    # History: the Data & Analytics team moved from Product to Engineering on 1 January 2025.
    data_manager = plan[managers[2]]
    since = max(data_manager.start, plan[vps[1]].start)
    data_manager.history.append((vps[1], since, dt.date(2025, 1, 1)))
    # Someone moved from Platform to Product Engineering on 1 April 2024.
    mover = [p for p in plan if p.manager == managers[1]][-1]
    mover.start = min(mover.start, dt.date(2021, 9, 1))
    mover.history.append((managers[0], mover.start, dt.date(2024, 4, 1)))
    # Two people have left.
    leavers = [
        p for p in plan if p.manager in managers and p.start < dt.date(2024, 1, 1) and not p.history
    ][-2:]
    for leaver, left in zip(leavers, (dt.date(2025, 9, 30), dt.date(2026, 2, 27)), strict=False):
        leaver.leave = left

    for name, title, email in _CUSTOMERS:
        plan.append(
            _PersonPlan(
                employee_id=f"{EMPLOYEE_ID_PREFIX}X{len(plan) + 1:04d}",
                name=name,
                email=email,
                title=title,
                team=None,
                start=_random_day(rng, dt.date(2020, 1, 1), dt.date(2025, 12, 31)),
                style=_style(rng),
                external=True,
            )
        )
    return plan


def _named_logins(plan: list[_PersonPlan]) -> list[tuple[str, _PersonPlan | None]]:
    """Who to print: an admin, HR, a senior manager, a manager and an employee."""
    platform_manager = 5
    head_of_people = 5 + next(i for i, t in enumerate(_TEAMS) if t.name == "People")
    employee = next(
        p for p in plan if p.manager == platform_manager and p.leave is None and not p.history
    )
    return [
        ("admin", None),
        ("HR", plan[head_of_people]),
        ("senior manager", plan[1]),
        ("manager", plan[platform_manager]),
        ("employee", employee),
    ]


def is_loaded() -> bool:
    """Has the demo organisation been loaded into this database?"""
    return Person.objects.filter(employee_id=f"{EMPLOYEE_ID_PREFIX}0001").exists()


def load_demo(actor: Actor, people: int = 150, seed: int = 7) -> DemoResult:
    """Load the demo organisation with a login for every employee (idempotent).

    Refused outside demo and development mode: every demo account has the same, published
    password. Only administrators (or the system, i.e. the command line) may load it.
    """
    if settings.MODE not in _DEMO_MODES:
        reason = (
            "the demo organisation (one shared, published password) is only for "
            f"TRUSTLEDGER_MODE=demo or development; this is {settings.MODE}"
        )
        audit.record(
            actor, "demo.load", "organisation", "", allowed=False, detail={"reason": reason}
        )
        raise DemoRefused(reason)
    if not actor.is_admin:
        audit.deny(actor, "demo.load", "organisation", "", "only administrators load the demo")
    plan = plan_organisation(people, seed)
    with transaction.atomic():
        if is_loaded():
            demo_people = Person.objects.filter(employee_id__startswith=EMPLOYEE_ID_PREFIX)
            return DemoResult(
                created=False,
                people=demo_people.filter(is_external=False).count(),
                teams=Team.objects.count(),
                externals=demo_people.filter(is_external=True).count(),
                accounts=User.objects.count(),
                logins=_logins(plan),
            )
        result = _write(plan)
        audit.record(
            actor,
            "demo.load",
            "organisation",
            "",
            detail={"people": result.people, "teams": result.teams, "seed": seed},
        )
    return result


def _logins(plan: list[_PersonPlan]) -> list[DemoLogin]:
    """The named logins, read from the accounts (they hold the truth if the seed differed)."""
    named = _named_logins(plan)
    ids = [who.employee_id for _role, who in named if who is not None]
    emails = dict(
        User.objects.filter(person__employee_id__in=ids).values_list(
            "person__employee_id", "username"
        )
    )
    names = dict(Person.objects.filter(employee_id__in=ids).values_list("employee_id", "name"))
    return [
        DemoLogin(role, "Demo Admin", DEMO_ADMIN_EMAIL, DEMO_PASSWORD)
        if who is None
        else DemoLogin(role, names[who.employee_id], emails[who.employee_id], DEMO_PASSWORD)
        for role, who in named
    ]


def _write(plan: list[_PersonPlan]) -> DemoResult:
    team_rows = {
        name: Team(name=name, description=description)
        for name, description in [
            (_EXECUTIVE_TEAM, "The chief executive and the leadership team"),
            *((t.name, t.description) for t in _TEAMS),
        ]
    }
    Team.objects.bulk_create(team_rows.values())
    rows = [
        Person(
            employee_id=p.employee_id,
            name=p.name,
            email=p.email,
            title=p.title,
            team=team_rows[p.team] if p.team else None,
            start_date=p.start,
            leave_date=p.leave,
            behaviour_style=p.style,
            is_external=p.external,
        )
        for p in plan
    ]
    for row in rows:
        row.full_clean(validate_unique=False, validate_constraints=False)
    Person.objects.bulk_create(rows)

    lines: list[ReportingLine] = []
    for p, row in zip(plan, rows, strict=True):
        for manager, since, until in p.history:
            lines.append(
                ReportingLine(person=row, manager=rows[manager], valid_from=since, valid_to=until)
            )
        if p.manager is not None:
            since = p.history[-1][2] if p.history else max(p.start, plan[p.manager].start)
            lines.append(
                ReportingLine(
                    person=row, manager=rows[p.manager], valid_from=since, valid_to=p.leave
                )
            )
    ReportingLine.objects.bulk_create(lines)

    # One argon2 hash for the one shared demo password: hashing 150 times would only cost time.
    password_hash = make_password(DEMO_PASSWORD)
    accounts = [
        User(
            username=p.email,
            email=p.email,
            first_name=p.name.split(" ", 1)[0],
            last_name=p.name.split(" ", 1)[1],
            password=password_hash,
            role=p.role,
            person=row,
        )
        for p, row in zip(plan, rows, strict=True)
        if not p.external and p.leave is None
    ]
    accounts.append(
        User(
            username=DEMO_ADMIN_EMAIL,
            email=DEMO_ADMIN_EMAIL,
            first_name="Demo",
            last_name="Admin",
            password=password_hash,
            role=Role.ADMIN,
            is_staff=True,
            is_superuser=True,
        )
    )
    User.objects.bulk_create(accounts)
    return DemoResult(
        created=True,
        people=sum(1 for p in plan if not p.external),
        teams=len(team_rows),
        externals=sum(1 for p in plan if p.external),
        accounts=len(accounts),
        logins=_logins(plan),
    )
