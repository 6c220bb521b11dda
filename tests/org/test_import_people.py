"""HR imports people from an HR system's CSV export: idempotent, all-or-nothing, bad rows named."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests import factories
from trustledger.accounts.actors import Actor
from trustledger.accounts.models import Role, User
from trustledger.audit.models import AuditEvent
from trustledger.org import services
from trustledger.org.exports import export_people
from trustledger.org.imports import ImportRejected, ImportReport, RowError, import_people
from trustledger.org.models import Person, ReportingLine, Team

HEADER = (
    "employee_id,name,email,title,team,manager_employee_id,start_date,leave_date,"
    "behaviour_style,external"
)
GOOD_ROWS = (
    "E1,Cora Chief,cora@example.com,Chief Executive,Leadership,,2019-01-07,,Driving,no",
    "E2,Ana Lead,ana@example.com,Engineering Manager,Engineering,E1,2020-03-01,,analytical,false",
    "E3,Ben Dev,ben@example.com,Engineer,Engineering,E2,2021-05-10,,,",
    "E4,Cai Dev,Cai@Example.com,Engineer,engineering,E2,2022-01-01,2026-06-30,AMIABLE,0",
    "E5,Dee Buyer,dee@customer.example,Buyer,,,,,,yes",
)
JAN = dt.date(2026, 1, 1)
MARCH = dt.date(2026, 3, 1)


def csv_file(*rows: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


def row(
    eid: str = "E1",
    name: str = "Ana Lead",
    email: str = "ana@example.com",
    title: str = "",
    team: str = "",
    manager: str = "",
    start: str = "",
    leave: str = "",
    style: str = "",
    external: str = "",
) -> str:
    return ",".join([eid, name, email, title, team, manager, start, leave, style, external])


def counts() -> tuple[int, int, int]:
    return Person.objects.count(), ReportingLine.objects.count(), Team.objects.count()


def manager_eid(employee_id: str, on: dt.date) -> str | None:
    manager = services.manager_of(Person.objects.get(employee_id=employee_id), on)
    return manager.employee_id if manager else None


def rejected(actor: Actor, data: bytes, **options: object) -> list[tuple[int, str]]:
    """Import a bad file; return ``(line, column)`` of each error after checking nothing changed."""
    before = counts(), AuditEvent.objects.filter(action="person.import").count()
    with pytest.raises(ImportRejected) as caught:
        import_people(actor, data, **options)  # type: ignore[arg-type]
    assert (counts(), AuditEvent.objects.filter(action="person.import").count()) == before
    return [(error.line, error.column) for error in caught.value.errors]


@pytest.fixture
def hr(db: None) -> Actor:
    """An HR account (no password: these tests never sign in, and hashing one is slow)."""
    return factories.actor(User.objects.create(username="hr@example.com", role=Role.HR))


def test_hr_imports_a_good_file_with_teams_managers_and_all_fields(hr):
    report = import_people(hr, csv_file(*GOOD_ROWS), effective=JAN, filename="people.csv")

    assert report == ImportReport(
        created=5, updated=0, unchanged=0, managers_changed=3, teams_created=2
    )
    assert report.total == 5
    cai = Person.objects.select_related("team").get(employee_id="E4")
    assert (cai.name, cai.email, cai.title, cai.team.name if cai.team else None) == (
        "Cai Dev",
        "cai@example.com",
        "Engineer",
        "Engineering",
    )
    assert (cai.start_date, cai.leave_date, cai.behaviour_style, cai.is_external) == (
        dt.date(2022, 1, 1),
        dt.date(2026, 6, 30),
        "amiable",
        False,
    )
    assert Person.objects.get(employee_id="E5").is_external
    assert Person.objects.get(employee_id="E5").team is None
    assert sorted(Team.objects.values_list("name", flat=True)) == ["Engineering", "Leadership"]
    assert manager_eid("E3", JAN) == "E2"
    assert manager_eid("E2", JAN) == "E1"
    assert manager_eid("E3", dt.date(2025, 12, 31)) is None  # lines start on the effective date
    event = AuditEvent.objects.get(action="person.import")
    assert event.detail["filename"] == "people.csv"
    assert event.detail["created"] == 5
    assert event.detail["effective"] == "2026-01-01"


def test_importing_the_same_file_again_changes_nothing(hr):
    data = csv_file(*GOOD_ROWS)
    import_people(hr, data, effective=JAN)
    stamps = dict(Person.objects.values_list("employee_id", "updated_at"))
    lines = set(ReportingLine.objects.values_list("id", "valid_from", "valid_to"))

    again = import_people(hr, data, effective=MARCH)

    assert again == ImportReport(
        created=0, updated=0, unchanged=5, managers_changed=0, teams_created=0
    )
    assert dict(Person.objects.values_list("employee_id", "updated_at")) == stamps
    assert set(ReportingLine.objects.values_list("id", "valid_from", "valid_to")) == lines
    assert AuditEvent.objects.filter(action="person.import").count() == 2


def test_hr_changes_a_title_and_a_manager_and_the_history_is_kept(hr):
    import_people(hr, csv_file(*GOOD_ROWS), effective=JAN)
    changed = [
        r.replace(
            "E3,Ben Dev,ben@example.com,Engineer,Engineering,E2",
            "E3,Ben Dev,ben@example.com,Senior Engineer,Engineering,E1",
        )
        for r in GOOD_ROWS
    ]

    report = import_people(hr, csv_file(*changed), effective=MARCH)

    assert report == ImportReport(
        created=0, updated=1, unchanged=4, managers_changed=1, teams_created=0
    )
    assert Person.objects.get(employee_id="E3").title == "Senior Engineer"
    ben = Person.objects.get(employee_id="E3")
    history = ReportingLine.objects.filter(person=ben).order_by("valid_from")
    assert [(line.manager.employee_id, line.valid_from, line.valid_to) for line in history] == [
        ("E2", JAN, MARCH),
        ("E1", MARCH, None),
    ]
    assert manager_eid("E3", dt.date(2026, 2, 28)) == "E2"
    assert manager_eid("E3", MARCH) == "E1"


def test_emptying_the_manager_closes_the_reporting_line(hr):
    import_people(hr, csv_file(*GOOD_ROWS), effective=JAN)
    freed = [r.replace("Engineering,E2,2021-05-10", "Engineering,,2021-05-10") for r in GOOD_ROWS]

    report = import_people(hr, csv_file(*freed), effective=MARCH)

    assert report.managers_changed == 1
    assert manager_eid("E3", MARCH) is None
    assert manager_eid("E3", dt.date(2026, 2, 1)) == "E2"


def test_a_second_manager_change_on_the_same_day_replaces_the_first(hr):
    import_people(hr, csv_file(*GOOD_ROWS), effective=JAN)
    to_cora = [r.replace("Engineering,E2,2021", "Engineering,E1,2021") for r in GOOD_ROWS]
    to_nobody = [r.replace("Engineering,E2,2021", "Engineering,,2021") for r in GOOD_ROWS]

    import_people(hr, csv_file(*to_cora), effective=MARCH)
    import_people(hr, csv_file(*GOOD_ROWS), effective=MARCH)  # changed our mind: back to Ana
    ben = Person.objects.get(employee_id="E3")
    assert list(
        ReportingLine.objects.filter(person=ben)
        .order_by("valid_from")
        .values_list("manager__employee_id", "valid_from", "valid_to")
    ) == [("E2", JAN, MARCH), ("E2", MARCH, None)]

    import_people(hr, csv_file(*to_nobody), effective=MARCH)
    assert list(ReportingLine.objects.filter(person=ben).values_list("valid_from", "valid_to")) == [
        (JAN, MARCH)
    ]


def test_a_column_left_out_of_the_file_keeps_what_trustledger_has(hr):
    import_people(hr, csv_file(*GOOD_ROWS), effective=JAN)

    report = import_people(
        hr, csv_file("E3,Ben Dev,ben@example.com", header="employee_id,name,email"), effective=MARCH
    )

    assert report == ImportReport(
        created=0, updated=0, unchanged=1, managers_changed=0, teams_created=0
    )
    ben = Person.objects.select_related("team").get(employee_id="E3")
    assert (ben.title, ben.team and ben.team.name, ben.start_date) == (
        "Engineer",
        "Engineering",
        dt.date(2021, 5, 10),
    )
    assert manager_eid("E3", MARCH) == "E2"


def test_a_manager_may_be_someone_already_in_trustledger(hr):
    boss = factories.person("Old Boss", employee_id="X1", email="boss@example.com")

    import_people(hr, csv_file(row(manager="X1")), effective=JAN)

    assert services.manager_of(Person.objects.get(employee_id="E1"), JAN) == boss


def test_two_people_can_swap_e_mail_addresses(hr):
    import_people(hr, csv_file(row("E1", "Ana", "a@example.com"), row("E2", "Bo", "b@example.com")))

    report = import_people(
        hr, csv_file(row("E1", "Ana", "b@example.com"), row("E2", "Bo", "a@example.com"))
    )

    assert report.updated == 2
    assert dict(Person.objects.values_list("employee_id", "email")) == {
        "E1": "b@example.com",
        "E2": "a@example.com",
    }


def test_column_names_ignore_case_spaces_and_order_and_semicolons_work(hr):
    data = b" Email ;  NAME;Employee ID;Team\nana@example.com;Ana;E1;Ops\n"

    report = import_people(hr, data)

    assert report.created == 1
    assert Person.objects.get(employee_id="E1").team == Team.objects.get(name="Ops")


def test_an_existing_team_is_reused_whatever_the_case(hr):
    factories.team("Engineering")

    report = import_people(hr, csv_file(row(team="ENGINEERING")))

    assert report.teams_created == 0
    assert Team.objects.count() == 1


def test_an_excel_file_with_a_byte_order_mark_is_accepted(hr):
    report = import_people(hr, b"\xef\xbb\xbf" + csv_file(*GOOD_ROWS).replace(b"\n", b"\r\n"))

    assert report.created == 5


def test_a_latin_1_file_is_refused_with_the_lines_that_are_not_utf8(hr):
    text = "\n".join(
        [
            HEADER,
            row("E1", "Ana", "ana@example.com"),
            row("E2", "José Núñez", "jose@example.com"),
            row("E3", "Ben", "ben@example.com"),
            row("E4", "Zoë", "zoe@example.com"),
        ]
    )
    with pytest.raises(ImportRejected) as caught:
        import_people(hr, text.encode("latin-1"))

    assert [(e.line, e.column) for e in caught.value.errors] == [(3, ""), (5, "")]
    assert "UTF-8" in caught.value.errors[0].reason
    assert Person.objects.count() == 0


def test_a_file_with_three_bad_rows_reports_exactly_those_and_imports_nothing(hr):
    import_people(hr, csv_file(*GOOD_ROWS), effective=JAN)
    before = counts()
    data = csv_file(
        row("E1", "Cora Chief", "cora@example.com", title="CEO"),  # good (a change)
        row("E6", "Eve New", "eve@example.com", start="01/02/2026"),  # line 3: bad date
        row("E7", "Fay New", "fay@example.com", manager="E1"),  # good
        row("E8", "Gus New", "gus@example.com", manager="E99"),  # line 5: unknown manager
        row("E9", "Hal New", "hal@example.com"),  # good
        row("E10", "Ida New", "ida-at-example.com"),  # line 7: bad e-mail
    )

    with pytest.raises(ImportRejected) as caught:
        import_people(hr, data, effective=MARCH)

    errors = caught.value.errors
    assert [(e.line, e.column) for e in errors] == [
        (3, "start_date"),
        (5, "manager_employee_id"),
        (7, "email"),
    ]
    assert all(e.reason for e in errors)
    assert str(caught.value) == "3 problems in the file; nothing was imported"
    assert counts() == before
    assert Person.objects.get(employee_id="E1").title == "Chief Executive"
    assert AuditEvent.objects.filter(action="person.import").count() == 1


OLD_TIMER = ("X1", "Old Timer", "old@example.com")


@pytest.mark.parametrize(
    ("data", "expected", "reason"),
    [
        pytest.param(b"", [(1, "")], "empty", id="empty file"),
        pytest.param(b" \r\n\n", [(1, "")], "empty", id="blank file"),
        pytest.param(csv_file(), [(1, "")], "no people", id="header only"),
        pytest.param(
            csv_file("E1,Ana,Lead", header="employee_id,name,title"),
            [(1, "email")],
            "required column 'email' is missing",
            id="missing required column",
        ),
        pytest.param(
            csv_file("E1,Ana,a@example.com,100", header="employee_id,name,email,salary"),
            [(1, "")],
            "unknown column 'salary'",
            id="unknown column",
        ),
        pytest.param(
            csv_file("E1,Ana,a@example.com,Ana", header="employee_id,name,email,Name"),
            [(1, "name")],
            "twice",
            id="column named twice",
        ),
        pytest.param(csv_file(row(name="")), [(2, "name")], "required", id="missing name"),
        pytest.param(csv_file(row(eid=" ")), [(2, "employee_id")], "required", id="missing id"),
        pytest.param(
            csv_file(row(start="01/03/2024")), [(2, "start_date")], "YYYY-MM-DD", id="bad date"
        ),
        pytest.param(
            csv_file(row(leave="2024-02-30")), [(2, "leave_date")], "not a real date", id="no date"
        ),
        pytest.param(
            csv_file(row(start="2024-03-01", leave="2024-02-01")),
            [(2, "leave_date")],
            "before start_date",
            id="leave before start",
        ),
        pytest.param(
            csv_file(row(email="ana.example.com")), [(2, "email")], "e-mail", id="bad e-mail"
        ),
        pytest.param(
            csv_file(row(style="bossy")),
            [(2, "behaviour_style")],
            "driving, expressive, amiable, analytical",
            id="bad behaviour style",
        ),
        pytest.param(
            csv_file(row(external="maybe")), [(2, "external")], "true/false", id="bad external"
        ),
        pytest.param(
            csv_file(row("E1", "Ana", "a@example.com"), row("E1", "Bo", "b@example.com")),
            [(3, "employee_id")],
            "already on line 2",
            id="duplicate employee id",
        ),
        pytest.param(
            csv_file(row("E1", "Ana", "a@example.com"), row("E2", "Bo", "A@Example.COM")),
            [(3, "email")],
            "already used on line 2",
            id="duplicate e-mail in the file",
        ),
        pytest.param(
            csv_file(row("E1", "Ana", "OLD@example.com")),
            [(2, "email")],
            "already belongs to Old Timer",
            id="e-mail of another person in trustledger",
        ),
        pytest.param(
            csv_file(row(manager="E404")),
            [(2, "manager_employee_id")],
            "neither in this file nor in trustledger",
            id="unknown manager",
        ),
        pytest.param(
            csv_file(row(eid="E1", manager="E1")),
            [(2, "manager_employee_id")],
            "own manager",
            id="own manager",
        ),
        pytest.param(
            csv_file(row(), "E2,Bo,b@example.com"),
            [(3, "")],
            "3 values but the header has 10 columns",
            id="wrong number of values",
        ),
        pytest.param(
            csv_file(row(name="A" * 201)), [(2, "name")], "at most 200", id="value too long"
        ),
        pytest.param(
            csv_file(row(), 'E2,"Bo,b@example.com,,,,,,,\nE3,Cy,c@example.com,,,,,,,'),
            [(3, "")],
            "cannot be read",
            id="unclosed quote",
        ),
        pytest.param(
            csv_file("E1,Ana,a@example.com,oops", header="employee_id,name,email,"),
            [(2, "")],
            "column with no name",
            id="value in a nameless column",
        ),
        pytest.param(
            "employee_id,name,email\nE1,Ana,a@example.com\n".encode("utf-16"),
            [(1, "")],
            "UTF-16",
            id="utf-16",
        ),
        pytest.param(
            "employee_id,name,email\nE1,Ana,a@example.com\n".encode("utf-16-le"),
            [(1, "")],
            "NUL",
            id="utf-16 without a byte order mark",
        ),
    ],
)
def test_each_kind_of_bad_file_is_reported_with_line_column_and_reason(hr, data, expected, reason):
    factories.person(OLD_TIMER[1], employee_id=OLD_TIMER[0], email=OLD_TIMER[2])
    before = counts()

    with pytest.raises(ImportRejected) as caught:
        import_people(hr, data)

    assert [(e.line, e.column) for e in caught.value.errors] == expected
    assert reason in caught.value.errors[0].reason
    assert counts() == before


def test_a_reporting_cycle_in_the_file_names_everyone_on_the_loop(hr):
    data = csv_file(
        row("E1", "Ana", "a@example.com", manager="E3"),
        row("E2", "Bo", "b@example.com", manager="E1"),
        row("E3", "Cy", "c@example.com", manager="E2"),
        row("E4", "Di", "d@example.com", manager="E1"),
        row("E5", "Ed", "e@example.com", manager="E6"),
        row("E6", "Flo", "f@example.com", manager="E5"),
    )

    with pytest.raises(ImportRejected) as caught:
        import_people(hr, data)

    errors = caught.value.errors
    assert [(e.line, e.column) for e in errors] == [
        (2, "manager_employee_id"),
        (3, "manager_employee_id"),
        (4, "manager_employee_id"),
        (6, "manager_employee_id"),
        (7, "manager_employee_id"),
    ]
    assert "Ana (E1) → Cy (E3) → Bo (E2) → Ana (E1)" in errors[0].reason
    assert "Ed (E5) → Flo (E6) → Ed (E5)" in errors[3].reason
    assert Person.objects.count() == 0


def test_a_cycle_through_people_already_in_trustledger_is_refused(hr):
    import_people(hr, csv_file(*GOOD_ROWS), effective=JAN)
    before = counts()
    # Cora (E1) would report to Ben (E3), who reports to Ana (E2), who reports to Cora.
    data = csv_file(
        "E1,Cora Chief,cora@example.com,E3", header="employee_id,name,email,manager_employee_id"
    )

    with pytest.raises(ImportRejected) as caught:
        import_people(hr, data, effective=MARCH)

    [error] = caught.value.errors
    assert (error.line, error.column) == (2, "manager_employee_id")
    assert "Cora Chief (E1) → Ben Dev (E3) → Ana Lead (E2) → Cora Chief (E1)" in error.reason
    assert counts() == before


def test_a_change_before_an_already_planned_reporting_line_is_refused(hr):
    import_people(hr, csv_file(*GOOD_ROWS), effective=JAN)
    ben = Person.objects.get(employee_id="E3")
    services.set_manager(hr, ben.pk, Person.objects.get(employee_id="E1").pk, dt.date(2026, 6, 1))
    moved = [r.replace("Engineering,E2,2021", "Engineering,,2021") for r in GOOD_ROWS]

    assert rejected(hr, csv_file(*moved), effective=MARCH) == [(4, "manager_employee_id")]


def test_an_employee_cannot_import_and_the_attempt_is_audited(org):
    ben = factories.actor(org["ben_user"])
    before = counts()

    with pytest.raises(PermissionDenied, match="HR"):
        import_people(ben, csv_file(*GOOD_ROWS), filename="sneaky.csv")

    assert counts() == before
    refused = AuditEvent.objects.get(action="person.import")
    assert refused.allowed is False
    assert refused.actor == org["ben_user"]


def test_a_read_only_token_cannot_import(org):
    token = Actor.for_user(org["hr_user"], via="api", scopes=frozenset({"read"}))

    with pytest.raises(PermissionDenied, match="read-only"):
        import_people(token, csv_file(*GOOD_ROWS))

    assert AuditEvent.objects.get(action="person.import").allowed is False


def test_the_import_reports_its_progress_a_few_hundred_times_at_most(hr):
    rows = [
        row(f"E{n}", f"Person {n}", f"p{n}@example.com", manager="E1" if n > 1 else "")
        for n in range(1, 1201)
    ]
    calls: list[tuple[int, int]] = []

    import_people(hr, csv_file(*rows), progress=lambda done, total: calls.append((done, total)))

    assert 10 <= len(calls) <= 400
    assert calls[-1][0] == calls[-1][1]
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)


def test_the_error_type_is_a_plain_value():
    error = RowError(line=3, column="email", reason="bad")
    assert error == RowError(3, "email", "bad")


# --- property: any valid organisation imports, and its export re-imports unchanged ----------

STYLES = ["", "driving", "Expressive", "AMIABLE", "analytical"]


@st.composite
def organisations(draw: st.DrawFn) -> list[str]:
    size = draw(st.integers(min_value=1, max_value=25))
    rows = []
    for n in range(size):
        manager = draw(st.one_of(st.none(), st.integers(0, n - 1))) if n else None
        start = draw(st.one_of(st.none(), st.dates(dt.date(2000, 1, 1), dt.date(2030, 1, 1))))
        leave = draw(
            st.one_of(st.none(), st.dates(start or dt.date(2000, 1, 1), dt.date(2035, 1, 1)))
        )
        rows.append(
            row(
                f"ID-{n}",
                draw(st.sampled_from(["Ana", "Bo Li", "José", "Zoë O'Neil", "Ng"])) + f" {n}",
                f"person{n}@example.com",
                title=draw(st.sampled_from(["", "Engineer", "Lead"])),
                team=draw(st.sampled_from(["", "Ops", "ops", "Sales"])),
                manager=f"ID-{manager}" if manager is not None else "",
                start=start.isoformat() if start else "",
                leave=leave.isoformat() if leave else "",
                style=draw(st.sampled_from(STYLES)),
                external=draw(st.sampled_from(["", "yes", "No", "1", "false"])),
            )
        )
    return rows


@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(people=organisations())
def test_any_valid_organisation_imports_and_its_export_reimports_unchanged(hr, people):
    with transaction.atomic():
        first = import_people(hr, csv_file(*people))
        out = io.StringIO()
        exported = export_people(hr, out, "csv")
        again = import_people(hr, out.getvalue().encode())

        assert first.created == exported == len(people)
        assert again == ImportReport(
            created=0, updated=0, unchanged=len(people), managers_changed=0, teams_created=0
        )
        transaction.set_rollback(True)
