"""An operator runs the ``trustledger`` command line against a real database."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from typer.testing import CliRunner

from trustledger.accounts.models import Role, User
from trustledger.audit.models import AuditEvent
from trustledger.cli import app
from trustledger.org.models import Person, ReportingLine, Team

STRONG_PASSWORD = "plum-harbour-violin-42"

GOOD_CSV = """\
employee_id,name,email,title,team,manager_employee_id,start_date
E1,Ada Osei,ada@example.com,Chief Executive,Leadership,,2020-01-06
E2,Bo Lindqvist,bo@example.com,Engineering Manager,Platform,E1,2021-02-01
E3,Cy Tanaka,cy@example.com,Engineer,Platform,E2,2022-03-01
"""

# Three bad rows: line 3 an unknown manager, line 4 a bad date, line 5 a duplicate e-mail.
BAD_CSV = """\
employee_id,name,email,title,team,manager_employee_id,start_date
E1,Ada Osei,ada@example.com,Chief Executive,Leadership,,2020-01-06
E2,Bo Lindqvist,bo@example.com,Engineering Manager,Platform,E99,2021-02-01
E3,Cy Tanaka,cy@example.com,Engineer,Platform,E1,2022-31-01
E4,Di Kaur,ada@example.com,Engineer,Platform,E1,2022-03-01
"""


@pytest.fixture
def cli() -> CliRunner:
    return CliRunner()


def test_help_lists_every_command(cli):
    result = cli.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in (
        "demo",
        "serve",
        "migrate",
        "createadmin",
        "import",
        "export",
        "remind",
        "deliver",
        "worker",
        "sweep",
        "engine",
    ):
        assert command in result.output


def test_migrate_reports_the_database_is_up_to_date(db, cli):
    result = cli.invoke(app, ["migrate"])
    assert result.exit_code == 0, result.output
    assert "No migrations to apply" in result.output


def test_createadmin_creates_a_superuser_with_the_admin_role(db, cli):
    result = cli.invoke(
        app, ["createadmin", "--email", "Root@Example.com", "--password", STRONG_PASSWORD]
    )
    assert result.exit_code == 0, result.output
    admin = User.objects.get(username="root@example.com")
    assert admin.role == Role.ADMIN
    assert admin.is_superuser
    assert admin.is_staff
    assert admin.check_password(STRONG_PASSWORD)
    assert AuditEvent.objects.filter(action="user.create", object_id=str(admin.pk)).exists()


def test_createadmin_asks_for_the_password_twice_when_not_given(db, cli):
    result = cli.invoke(
        app,
        ["createadmin", "--email", "root@example.com"],
        input=f"{STRONG_PASSWORD}\n{STRONG_PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    assert User.objects.get(username="root@example.com").check_password(STRONG_PASSWORD)


def test_createadmin_refuses_a_weak_password_and_says_why(db, cli):
    result = cli.invoke(app, ["createadmin", "--email", "root@example.com", "--password", "12345"])
    assert result.exit_code == 1
    assert "too short" in result.stderr
    assert "too common" in result.stderr
    assert "Traceback" not in result.output
    assert not User.objects.exists()


def test_createadmin_refuses_an_existing_account(db, cli):
    args = ["createadmin", "--email", "root@example.com", "--password", STRONG_PASSWORD]
    assert cli.invoke(app, args).exit_code == 0
    again = cli.invoke(app, args)
    assert again.exit_code == 1
    assert "already exists" in again.stderr


def test_import_people_prints_what_it_created(db, cli, tmp_path):
    people = tmp_path / "people.csv"
    people.write_text(GOOD_CSV, encoding="utf-8")
    result = cli.invoke(app, ["import", "people", str(people), "--effective", "2024-01-01"])
    assert result.exit_code == 0, result.output
    assert "created" in result.stdout
    assert "3" in result.stdout
    assert Person.objects.count() == 3
    assert Team.objects.count() == 2
    cy = Person.objects.get(employee_id="E3")
    line = ReportingLine.objects.get(person=cy)
    assert (line.manager.employee_id, line.valid_from.isoformat()) == ("E2", "2024-01-01")

    again = cli.invoke(app, ["import", "people", str(people)])
    assert again.exit_code == 0, again.output
    assert Person.objects.count() == 3


def test_import_people_with_bad_rows_lists_each_line_and_imports_nothing(db, cli, tmp_path):
    people = tmp_path / "people.csv"
    people.write_text(BAD_CSV, encoding="utf-8")
    result = cli.invoke(app, ["import", "people", str(people)])
    assert result.exit_code == 1
    lines_reported = {
        int(row.split("│")[1].strip())
        for row in result.stderr.splitlines()
        if row.count("│") >= 3 and row.split("│")[1].strip().isdigit()
    }
    assert lines_reported == {3, 4, 5}
    assert "manager_employee_id" in result.stderr
    assert "start_date" in result.stderr
    assert "Nothing was imported" in result.stderr
    assert "Traceback" not in result.output
    assert not Person.objects.exists()
    assert not Team.objects.exists()


def test_import_people_from_a_missing_file_says_so(db, cli, tmp_path):
    result = cli.invoke(app, ["import", "people", str(tmp_path / "nope.csv")])
    assert result.exit_code == 1
    assert "no such file" in result.stderr
    assert "Traceback" not in result.output


def test_import_people_with_a_bad_effective_date_says_what_a_date_looks_like(db, cli, tmp_path):
    people = tmp_path / "people.csv"
    people.write_text(GOOD_CSV, encoding="utf-8")
    result = cli.invoke(app, ["import", "people", str(people), "--effective", "1/3/2024"])
    assert result.exit_code == 1
    assert "YYYY-MM-DD" in result.stderr
    assert not Person.objects.exists()


@pytest.fixture
def imported(db, cli, tmp_path):
    people = tmp_path / "people.csv"
    people.write_text(GOOD_CSV, encoding="utf-8")
    assert cli.invoke(app, ["import", "people", str(people)]).exit_code == 0


def test_export_people_as_csv_to_standard_output(imported, cli):
    result = cli.invoke(app, ["export", "people", "--format", "csv"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert lines[0].startswith("employee_id,")
    assert len(lines) == 4
    assert any(line.startswith("E3,Cy Tanaka,cy@example.com") for line in lines)


def test_export_people_as_json_to_a_file(imported, cli, tmp_path):
    out = tmp_path / "people.json"
    result = cli.invoke(app, ["export", "people", "--format", "json", "--out", str(out)])
    assert result.exit_code == 0, result.output
    exported = json.loads(out.read_text(encoding="utf-8"))
    rows = exported if isinstance(exported, list) else exported["people"]
    assert sorted(row["employee_id"] for row in rows) == ["E1", "E2", "E3"]


def test_an_exported_csv_imports_again_unchanged(imported, cli, tmp_path):
    out = tmp_path / "people.csv"
    assert cli.invoke(app, ["export", "people", "--out", str(out)]).exit_code == 0
    result = cli.invoke(app, ["import", "people", str(out)])
    assert result.exit_code == 0, result.output
    assert Person.objects.count() == 3


def test_export_refuses_an_unknown_format(db, cli):
    result = cli.invoke(app, ["export", "people", "--format", "xml"])
    assert result.exit_code == 2
    assert "xml" in result.output


def test_demo_loads_the_organisation_once_and_prints_the_logins(db, cli):
    first = cli.invoke(app, ["demo", "--no-serve"])
    assert first.exit_code == 0, first.output
    assert "150 people in 14 teams" in first.stdout
    for role in ("admin", "HR", "senior manager", "manager", "employee"):
        assert role in first.stdout
    assert "trustledger-demo" in first.stdout
    people = Person.objects.count()

    second = cli.invoke(app, ["demo", "--no-serve"])
    assert second.exit_code == 0, second.output
    assert "already loaded" in second.stdout
    assert Person.objects.count() == people


def test_serve_refuses_every_interface_in_demo_mode(db, cli, settings):
    settings.MODE = "demo"
    for host in ("0.0.0.0", "192.168.1.20", "::"):
        result = cli.invoke(app, ["serve", "--host", host])
        assert result.exit_code == 1
        assert "must not face a network" in result.stderr
    demo = cli.invoke(app, ["demo", "--host", "0.0.0.0"])
    assert demo.exit_code == 1
    assert not Person.objects.exists()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _get(url: str) -> tuple[int, bytes, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read(), response.headers.get("Content-Type", "")
    except urllib.error.HTTPError as error:
        return error.code, error.read(), ""


def _command(*args: str) -> list[str]:
    return [sys.executable, "-m", "trustledger", *args]


@pytest.fixture
def local_env(tmp_path: Path) -> dict[str, str]:
    """A fresh SQLite database in a temporary directory, demo mode."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("TRUSTLEDGER_")}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.update(TRUSTLEDGER_MODE="demo", TRUSTLEDGER_DATA_DIR=str(tmp_path))
    return env


@pytest.mark.slow
def test_serve_answers_pages_and_static_files_with_gunicorn(local_env):
    migrated = subprocess.run(
        _command("migrate"), env=local_env, capture_output=True, text=True, timeout=120
    )
    assert migrated.returncode == 0, migrated.stderr
    port = _free_port()
    server = subprocess.Popen(
        _command("serve", "--port", str(port), "--workers", "1"),
        env=local_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        status = 0
        while time.monotonic() < deadline:
            try:
                status, page, _ = _get(f"http://127.0.0.1:{port}/login/")
                break
            except OSError:
                time.sleep(0.2)
        assert status == 200
        assert b"csrfmiddlewaretoken" in page
        status, script, content_type = _get(
            f"http://127.0.0.1:{port}/static/vendor/htmx-2.0.8.min.js"
        )
        assert status == 200
        assert "javascript" in content_type
        assert len(script) > 10_000
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=30)
    assert "gunicorn" in output
    assert "Traceback" not in output


@pytest.mark.slow
def test_production_without_a_secret_key_is_a_message_not_a_traceback(local_env):
    local_env["TRUSTLEDGER_MODE"] = "production"
    result = subprocess.run(
        _command("migrate"), env=local_env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 1
    assert "TRUSTLEDGER_SECRET_KEY must be set" in result.stderr
    assert "Traceback" not in result.stderr


def test_sweep_records_each_unkept_commitment_once(db, cli):
    import datetime as dt

    from tests import factories
    from trustledger.accounts.actors import Actor
    from trustledger.ledger import services

    start = dt.datetime(2026, 1, 5, 9, tzinfo=dt.UTC)
    pat, rey = factories.person("Pat"), factories.person("Rey")
    promise = services.propose(
        Actor.system(),
        performer_id=pat.pk,
        requester_id=rey.pk,
        what="Draft",
        done_means="Sent",
        due_at=start + dt.timedelta(days=2),
        at=start,
        proposer_side="performer",
    )
    services.take_step(
        factories.actor(factories.user(rey)), promise.pk, "accept", at=start + dt.timedelta(1)
    )
    first = cli.invoke(app, ["sweep", "--as-of", "2026-01-10T09:00+00:00"])
    again = cli.invoke(app, ["sweep", "--as-of", "2026-01-10T09:00+00:00"])
    assert first.exit_code == 0, first.output
    assert "Recorded 1 broken commitment." in first.output
    assert "Recorded 0 broken commitments." in again.output


DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


@pytest.mark.skipif(not (DATA / "bitcoin-alpha.csv.gz").exists(), reason="shared/data not here")
def test_engine_evaluate_writes_predictions_for_a_seeded_sample(cli, tmp_path):
    out = tmp_path / "alpha.csv"
    args = ["engine", "evaluate", str(DATA / "bitcoin-alpha.csv.gz"), "--protocol", "loo"]
    result = cli.invoke(app, [*args, "--sample", "500", "--seed", "3", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "500 held-out edges" in result.output
    lines = out.read_text().splitlines()
    assert lines[0] == "source,target,rating,predicted"
    assert len(lines) == 501
    predicted = [float(line.split(",")[3]) for line in lines[1:]]
    assert all(-1.0 <= p <= 1.0 for p in predicted)


def test_engine_evaluate_explains_a_missing_file(cli, tmp_path):
    result = cli.invoke(
        app, ["engine", "evaluate", "missing.csv", "--protocol", "loo", "--out", "x.csv"]
    )
    assert result.exit_code == 1
    assert "missing.csv: no such file" in result.output
