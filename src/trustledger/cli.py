"""The ``trustledger`` command line: demo, serve, migrate, createadmin, import and export.

Each command parses its arguments, calls a service function (or a Django management command)
and prints the outcome. Rules live in the services; errors the user can fix are printed as one
clear line on stderr with a non-zero exit code, never a traceback.
"""

from __future__ import annotations

import datetime as dt
import enum
import ipaddress
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

if TYPE_CHECKING:
    from trustledger.accounts.actors import Actor

app = typer.Typer(
    name="trustledger",
    help="trustledger: records the small actions that build or break trust at work.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
import_app = typer.Typer(help="Import data from other systems.", no_args_is_help=True)
export_app = typer.Typer(help="Export data to other systems.", no_args_is_help=True)
app.add_typer(import_app, name="import")
app.add_typer(export_app, name="export")
engine_app = typer.Typer(help="Work with the trust engine directly.", no_args_is_help=True)
app.add_typer(engine_app, name="engine")

#: Modes in which the built-in secret key is allowed; such a server must not face a network.
_LOCAL_ONLY_MODES = ("development", "demo")


def _console(stderr: bool = False) -> Console:
    """A rich console; wide enough for the login table when output is not a terminal."""
    stream = sys.stderr if stderr else sys.stdout
    width = None if stream.isatty() else 120
    return Console(file=stream, width=width, highlight=False, soft_wrap=True)


def _fail(*messages: str, code: int = 1) -> NoReturn:
    """Print ``error: message`` on stderr (one line each) and exit with ``code``."""
    console = _console(stderr=True)
    for message in messages:
        console.print(f"[bold red]error:[/] {escape(message)}")
    raise typer.Exit(code)


def _setup() -> None:
    """Configure Django on first use, so ``--help`` works without a database or settings."""
    import django
    from django.core.exceptions import ImproperlyConfigured

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trustledger.settings")
    try:
        django.setup()
    except (ImproperlyConfigured, ValueError) as problem:
        _fail(f"configuration: {problem}")


def _system_actor() -> Actor:
    from trustledger.accounts.actors import Actor

    return Actor.system("cli")


@contextmanager
def _user_errors() -> Iterator[None]:
    """Turn the errors a user can fix (refused, invalid, unreachable database) into messages."""
    from django.core.exceptions import PermissionDenied, ValidationError
    from django.db import DatabaseError

    try:
        yield
    except PermissionDenied as refused:
        _fail(f"refused: {refused}")
    except ValidationError as invalid:
        _fail(*_validation_messages(invalid))
    except DatabaseError as database:
        _fail(f"database: {database} (is TRUSTLEDGER_DATABASE_URL right, and did you migrate?)")


def _validation_messages(error: Any) -> list[str]:
    if hasattr(error, "error_dict"):
        return [
            f"{name}: {message}"
            for name, messages in error.message_dict.items()
            for message in messages
        ]
    return list(error.messages)


def _parse_day(value: str | None, option: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        _fail(f"{option} {value!r} is not a date; use YYYY-MM-DD, for example 2026-03-01")


def _migrate(verbosity: int = 1) -> None:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=verbosity)


# --- commands ------------------------------------------------------------------------------


@app.command()
def migrate() -> None:
    """Create or update the database tables (safe to run again)."""
    _setup()
    with _user_errors():
        _migrate()


@app.command()
def createadmin(
    email: Annotated[str, typer.Option(help="E-mail address; also the login name.")],
    password: Annotated[
        str | None,
        typer.Option(help="Password; asked for (hidden, twice) when not given."),
    ] = None,
) -> None:
    """Create an administrator account (can also use the Django admin at /admin/)."""
    _setup()
    from trustledger.accounts.provisioning import create_admin

    if password is None:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    with _user_errors():
        admin = create_admin(_system_actor(), email, password)
    _console().print(f"Created administrator {escape(admin.username)}. Sign in at /login/.")


@import_app.command("people")
def import_people(
    file: Annotated[Path, typer.Argument(help="CSV export from the HR system (UTF-8).")],
    effective: Annotated[
        str | None,
        typer.Option(help="Date the reporting lines take effect (YYYY-MM-DD); default today."),
    ] = None,
) -> None:
    """Import people from a CSV file: all rows or none; every bad row is reported."""
    day = _parse_day(effective, "--effective")
    data = _read_file(file)
    _setup()
    from trustledger.org.imports import ImportRejected
    from trustledger.org.imports import import_people as run_import

    try:
        with _user_errors(), _progress_bar(f"Importing {file.name}") as progress:
            report = run_import(
                _system_actor(), data, effective=day, filename=file.name, progress=progress
            )
    except ImportRejected as rejected:
        _print_rejected(rejected.errors, file.name)
        raise typer.Exit(1) from None
    table = Table(title=f"Imported {escape(file.name)}", title_justify="left")
    for column in ("created", "updated", "unchanged", "managers changed", "teams created"):
        table.add_column(column, justify="right")
    table.add_row(
        str(report.created),
        str(report.updated),
        str(report.unchanged),
        str(report.managers_changed),
        str(report.teams_created),
    )
    _console().print(table)


@import_app.command("commitments")
def import_commitments(
    file: Annotated[Path, typer.Argument(help="CSV history, one row per event (UTF-8).")],
) -> None:
    """Import commitment history from another tool: all rows or none; bad rows are reported."""
    data = _read_file(file)
    _setup()
    from trustledger.imports_common import ImportRejected
    from trustledger.ledger.imports import import_commitments as run_import

    try:
        with _user_errors(), _progress_bar(f"Importing {file.name}") as progress:
            report = run_import(_system_actor(), data, filename=file.name, progress=progress)
    except ImportRejected as rejected:
        _print_rejected(rejected.errors, file.name)
        raise typer.Exit(1) from None
    table = Table(title=f"Imported {escape(file.name)}", title_justify="left")
    for column in ("commitments created", "events created", "unchanged"):
        table.add_column(column, justify="right")
    table.add_row(
        str(report.commitments_created), str(report.events_created), str(report.unchanged)
    )
    _console().print(table)


@import_app.command("instrument")
def import_instrument(
    file: Annotated[Path, typer.Argument(help="An instrument file (TOML, UTF-8).")],
) -> None:
    """Import a custom survey instrument (docs/assessments.md): every problem is reported."""
    data = _read_file(file)
    _setup()
    from trustledger.assessments.custom_instruments import import_instrument as run_import
    from trustledger.assessments.instruments import InstrumentError

    try:
        with _user_errors():
            instrument = run_import(_system_actor(), data, file.name)
    except InstrumentError as rejected:
        console = _console(stderr=True)
        count = len(rejected.problems)
        table = Table(
            title=f"{escape(file.name)}: {count} problem{'s' if count != 1 else ''}",
            title_justify="left",
        )
        table.add_column("where")
        table.add_column("field")
        table.add_column("problem")
        for problem in rejected.problems:
            table.add_row(
                escape(problem.where or "—"), escape(problem.field), escape(problem.message)
            )
        console.print(table)
        console.print("[bold red]Nothing was imported.[/] Fix the file and run it again.")
        raise typer.Exit(1) from None
    items = sum(len(form.items) for form in instrument.forms)
    _console().print(
        f"Imported {escape(instrument.title)} ({escape(instrument.id)} version "
        f"{instrument.version}): {len(instrument.forms)} form"
        f"{'s' if len(instrument.forms) != 1 else ''}, {items} items. "
        "Importing the same file again changes nothing."
    )


def _read_file(file: Path) -> bytes:
    if not file.exists():
        _fail(f"{file}: no such file")
    if file.is_dir():
        _fail(f"{file} is a directory, not a file")
    try:
        return file.read_bytes()
    except OSError as problem:
        _fail(f"{file}: {problem.strerror}")


@contextmanager
def _progress_bar(label: str) -> Iterator[Callable[[int, int], None]]:
    """A rich progress bar on stderr; yields ``progress(done, total)`` for the service."""
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=_console(stderr=True), transient=True) as bar:
        task = bar.add_task(label, total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield progress


def _print_rejected(errors: list[Any], filename: str) -> None:
    console = _console(stderr=True)
    title = f"{escape(filename)}: {len(errors)} bad row{'s' if len(errors) != 1 else ''}"
    table = Table(title=title, title_justify="left")
    table.add_column("line", justify="right")
    table.add_column("column")
    table.add_column("reason")
    for error in errors:
        table.add_row(str(error.line), escape(error.column or ""), escape(error.reason))
    console.print(table)
    console.print("[bold red]Nothing was imported.[/] Fix the rows above and run it again.")


class ExportFormat(enum.StrEnum):
    CSV = "csv"
    JSON = "json"


@export_app.command("people")
def export_people(
    fmt: Annotated[ExportFormat, typer.Option("--format", help="csv or json.")] = ExportFormat.CSV,
    out: Annotated[str, typer.Option(help="File to write, or - for standard output.")] = "-",
) -> None:
    """Export every person (private fields included: keep the file safe)."""
    _setup()
    from trustledger.org.exports import export_people as run_export

    if out == "-":
        with _user_errors():
            run_export(_system_actor(), sys.stdout, fmt.value)
        sys.stdout.flush()
        return
    target = Path(out)
    if not target.parent.is_dir():
        _fail(f"{target.parent}: no such directory")
    with _user_errors(), target.open("w", encoding="utf-8", newline="") as stream:
        run_export(_system_actor(), stream, fmt.value)
    _console(stderr=True).print(f"Wrote {target}")


@app.command()
def demo(
    people: Annotated[int, typer.Option(min=40, max=5000, help="Employees to create.")] = 150,
    seed: Annotated[int, typer.Option(help="Random seed: same seed, same organisation.")] = 7,
    serve: Annotated[bool, typer.Option(help="Serve the site after loading.")] = True,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8000,
) -> None:
    """Migrate, load the demo (once): the organisation and a simulated year of its ledger,
    trust and surveys (docs/demo.md); print the demo logins and the guided tour; serve."""
    _setup()
    if serve:
        _refuse_network_with_builtin_key(host)
    from trustledger.demo import load_story

    console = _console()
    with _user_errors():
        console.print("Migrating the database…")
        _migrate(verbosity=0)
        story = load_story(_system_actor(), people=people, seed=seed)
    result = story.organisation
    assert result is not None
    if result.created:
        console.print(
            f"Loaded the demo organisation: {result.people} people in {result.teams} teams, "
            f"{result.externals} external customers, {result.accounts} accounts."
        )
    else:
        console.print("The demo organisation is already loaded; nothing changed.")
    if story.created:
        console.print(
            f"Simulated a year: {story.commitments} commitments ({story.events} events), "
            f"{story.signals} trust signals, {len(story.leavers)} leavers, "
            f"{story.survey_responses} survey answers; trust computed "
            f"({story.seconds:.0f} s)."
        )
    table = Table(title="Demo logins (every employee can sign in with the same password)")
    for column in ("role", "name", "e-mail (login)", "password"):
        table.add_column(column)
    for login in result.logins:
        table.add_row(
            *(escape(cell) for cell in (login.role, login.name, login.email, login.password))
        )
    console.print(table)
    console.print(
        f"Guided tour of the stories: http://{host}:{port}/tour/ (which login shows what)"
    )
    if serve:
        _serve(host, port, workers=2)


@app.command("serve")
def serve_command(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8000,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Worker processes.")] = 2,
) -> None:
    """Serve the site with gunicorn (a production server; static files through WhiteNoise)."""
    _setup()
    _refuse_network_with_builtin_key(host)
    _serve(host, port, workers)


def _refuse_network_with_builtin_key(host: str) -> None:
    """In development and demo mode the secret key is public: listen on loopback only."""
    from django.conf import settings

    if settings.MODE not in _LOCAL_ONLY_MODES or _is_loopback(host):
        return
    _fail(
        f"refusing to listen on {host} in TRUSTLEDGER_MODE={settings.MODE}: this mode uses a "
        "built-in secret key and demo passwords, which must not face a network. Listen on "
        "127.0.0.1, or set TRUSTLEDGER_MODE=production with a TRUSTLEDGER_SECRET_KEY."
    )


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _serve(host: str, port: int, workers: int) -> None:
    """Run gunicorn in this process (its arbiter forks the workers)."""
    from django.db import connections
    from gunicorn.app.base import BaseApplication

    # Connections opened by migrate or the demo loader must not be shared with forked workers.
    connections.close_all()
    bind = f"[{host.strip('[]')}]:{port}" if ":" in host.strip("[]") else f"{host}:{port}"
    options: dict[str, object] = {
        "bind": [bind],
        "workers": workers,
        "worker_class": "gthread",
        "threads": 4,
        "timeout": 60,
        "graceful_timeout": 10,
        "accesslog": "-",
        "errorlog": "-",
        "proc_name": "trustledger",
        "control_socket_disable": True,
    }

    class TrustledgerServer(BaseApplication):  # type: ignore[misc,unused-ignore]
        def load_config(self) -> None:
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            from trustledger.wsgi import application

            return application

    _console().print(f"Serving on [bold]http://{bind}/[/] (Ctrl+C stops)")
    TrustledgerServer().run()


def _parse_moment(value: str | None, option: str) -> dt.datetime | None:
    """An ISO date-time (``2026-03-01T09:00``, time zone optional: the server's is assumed)."""
    if value is None:
        return None
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        _fail(f"{option} {value!r} is not a date and time; use e.g. 2026-03-01T09:00")
    if moment.tzinfo is None:
        from django.utils import timezone

        moment = timezone.make_aware(moment)
    return moment


@app.command()
def remind(
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="Compute reminders as of this moment (ISO); default now."),
    ] = None,
    deliver: Annotated[
        bool,
        typer.Option(
            "--deliver/--no-deliver",
            help="Also deliver now in this process (no worker needed); otherwise the worker does.",
        ),
    ] = True,
) -> None:
    """Send the day's reminders (commitments due soon, overdue or awaiting confirmation, and
    unanswered survey invitations); safe to run twice."""
    _setup()
    moment = _parse_moment(as_of, "--as-of")
    from trustledger.assessments.services import send_survey_reminders
    from trustledger.ledger.reminders import send_reminders

    with _user_errors():
        run = send_reminders(_system_actor(), as_of=moment)
        surveys = send_survey_reminders(_system_actor(), now=run.as_of)
    kinds = ", ".join(f"{count} {kind}" for kind, count in sorted(run.by_kind.items()))
    _console().print(
        f"Reminders as of {run.as_of.isoformat(timespec='minutes')}: {run.sent} new"
        f"{f' ({kinds})' if kinds else ''}, {run.already_sent} already sent."
    )
    no_channel = f", {surveys.no_channel} without e-mail or webhook" if surveys.no_channel else ""
    _console().print(f"Survey reminders: {surveys.sent} sent{no_channel}.")
    if deliver:
        _deliver_now()


@app.command()
def digest(
    send: Annotated[
        bool,
        typer.Option(
            "--send",
            help="Store this week's digests in the inboxes and queue e-mail and webhook "
            "messages; without it, only count what would be sent.",
        ),
    ] = False,
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="Evaluate the guidance rules as of this moment (ISO)."),
    ] = None,
    deliver: Annotated[
        bool,
        typer.Option(
            "--deliver/--no-deliver",
            help="With --send, also deliver now in this process (no worker needed).",
        ),
    ] = True,
) -> None:
    """The weekly digest for everyone (docs/guidance.md); at most once per ISO week, so
    running it twice in a week sends nothing new."""
    _setup()
    moment = _parse_moment(as_of, "--as-of")
    from trustledger.insights.digest import send_digests

    with _user_errors(), _progress_bar("Storing digests") as progress:
        run = send_digests(
            _system_actor(), as_of=moment, send=send, dry_run=not send, progress=progress
        )
    kinds = ", ".join(f"{count} {kind}" for kind, count in sorted(run.by_kind.items()))
    verb = "stored" if send else "would store"
    _console().print(
        f"Digest {run.week} for {run.people} people: {verb} {run.people - run.already} "
        f"({run.already} already had this week's), {run.nudges} suggestions"
        f"{f' ({kinds})' if kinds else ''}."
    )
    if send:
        _console().print(
            f"Messages queued: {run.messages}; {run.opted_out} with every channel turned off."
        )
        if deliver:
            _deliver_now()


def _deliver_now() -> None:
    from trustledger.notify.services import deliver_due

    with _user_errors():
        result = deliver_due(_system_actor())
    _console().print(
        f"Delivered {result.delivered}; {result.retrying} will be retried; {result.failed} failed."
    )
    if result.failures:
        for failure in result.failures:
            _console(stderr=True).print(f"[bold red]failed:[/] {escape(failure)}")
        raise typer.Exit(2)


@app.command("deliver")
def deliver_command(
    retry_failed: Annotated[
        bool, typer.Option("--retry-failed", help="First give failed deliveries new attempts.")
    ] = False,
    delivery_id: Annotated[
        list[str] | None,
        typer.Option("--id", help="With --retry-failed: only this delivery (repeatable)."),
    ] = None,
) -> None:
    """Deliver every message that is due now (retries included) without waiting for the worker."""
    _setup()
    from trustledger.notify.services import retry_failed as reopen

    if retry_failed:
        with _user_errors():
            count = reopen(_system_actor(), delivery_id or None)
        _console().print(f"Put {count} failed deliver{'y' if count == 1 else 'ies'} back in line.")
    _deliver_now()


@app.command()
def worker(
    batch: Annotated[
        bool, typer.Option("--batch", help="Run what is queued now, then exit (for cron or tests).")
    ] = False,
    interval: Annotated[float, typer.Option(min=0.1, help="Seconds between polls.")] = 1.0,
) -> None:
    """Run the background worker (django-tasks' db_worker): delivers e-mail and webhooks."""
    _setup()
    from django.core.management import call_command

    with _user_errors():
        call_command("db_worker", batch=batch, interval=interval, reload=False, startup_delay=False)


@app.command()
def sweep(
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="Record breaks as of this moment (ISO); default now."),
    ] = None,
) -> None:
    """Record a "broken" event on every commitment whose due date passed unkept (safe to rerun).

    Figures do not need it (the due-date rule is applied whenever a state is read); it makes the
    break visible in each commitment's timeline.
    """
    _setup()
    moment = _parse_moment(as_of, "--as-of")
    from trustledger.ledger.services import sweep as record_breaks

    with _user_errors():
        marked = record_breaks(_system_actor(), as_of=moment)
    _console().print(f"Recorded {marked} broken commitment{'' if marked == 1 else 's'}.")


@app.command()
def compute(
    incremental: Annotated[
        bool, typer.Option(help="Only project ledger facts recorded since the last run.")
    ] = False,
) -> None:
    """Rebuild relationship trust from the whole ledger (docs/trust.md), then the organisation
    analytics snapshot (docs/insights.md); safe to rerun, meant to run daily."""
    _setup()
    from trustledger.insights.organisation import rebuild as rebuild_organisation
    from trustledger.insights.services import compute as compute_trust

    with _user_errors(), _progress_bar("Computing trust") as progress:
        run = compute_trust(_system_actor(), incremental=incremental, progress=progress)
    _console().print(
        f"Projected {run.commitment_events} commitment events and {run.signals} trust signals "
        f"into {run.evidence_rows} evidence rows."
    )
    if incremental:  # the projection already kept the team rows current
        return
    with _user_errors(), _progress_bar("Organisation analytics") as progress:
        snapshot = rebuild_organisation(_system_actor(), progress=progress)
    _console().print(
        f"Organisation analytics: {snapshot.teams} teams, {snapshot.people} people, "
        f"{len(snapshot.trickle_down.get('flags', []))} trickle-down flags "
        f"({snapshot.seconds:.1f} s)."
    )


class Protocol(enum.StrEnum):
    LOO = "loo"
    TEMPORAL = "temporal"


@engine_app.command("evaluate")
def engine_evaluate(
    dataset: Annotated[Path, typer.Argument(help="A source,target,rating,time CSV (.gz ok).")],
    protocol: Annotated[Protocol, typer.Option(help="loo: leave one out; temporal: last 20%.")],
    out: Annotated[Path, typer.Option(help="Where to write source,target,rating,predicted.")],
    sample: Annotated[
        int | None, typer.Option(min=1, help="loo only: hold out this many edges, seeded.")
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed for --sample and the cross-fitting folds.")] = 0,
) -> None:
    """Predict held-out ratings of a real trust network and print RMSE and PCC (docs/evaluation.md).

    Needs no database: the engine is a plain library.
    """
    from trustledger.engine._evaluation import EvaluationError, evaluate_file

    if not dataset.is_file():
        _fail(f"{dataset}: no such file")
    try:
        with _progress_bar("Evaluating") as progress:
            result = evaluate_file(
                dataset, protocol.value, sample=sample, seed=seed, out=out, progress=progress
            )
    except EvaluationError as problem:
        _fail(str(problem))
    _console().print(
        f"{dataset.name} {protocol.value}: {result.n} held-out edges, "
        f"RMSE {result.rmse:.3f}, PCC {result.pcc:.3f}; predictions in {out}"
    )


def main() -> None:
    """Entry point of the ``trustledger`` script."""
    app()
