"""Custom instruments: HR imports an instrument file in the built-in format (assessments.md §1).

One service for the command line, the instruments page and the API. The text is validated
with :func:`~trustledger.assessments.instruments.parse_instrument`, which lists every problem,
plus the rules that only hold for stored instruments (ids that fit their columns, no clash
with a built-in instrument, a team survey that is only about teams). Versions are
append-only: a new wording is a new version; re-importing the same text is a no-op; a version
that exists with a different text is refused.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from trustledger.accounts.actors import Actor
from trustledger.assessments.instruments import (
    Instrument,
    InstrumentError,
    Problem,
    builtin_versions,
    parse_instrument,
)
from trustledger.assessments.models import CustomInstrument
from trustledger.audit import services as audit

#: An instrument file is a few kilobytes; this bounds what an upload can make us parse.
MAX_BYTES = 1_000_000
#: Instrument and form ids are stored (campaigns, invitations) and appear in addresses.
ID_PATTERN = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?")
ID_RULE = "use 1 to 64 lowercase letters, digits and hyphens, starting and ending with one"
#: Versions are stored as a 32-bit positive integer.
MAX_VERSION = 2_147_483_647
TITLE_MAX = 200
SOURCE_MAX = 255
#: A team form's subjects are teams; a form for self, manager, peers or direct reports needs
#: a person as subject. One instrument cannot be both (services.subjects_are_teams).
PERSON_GROUPS = frozenset({"self", "manager", "peers", "direct_reports"})


@dataclass(frozen=True)
class CatalogueEntry:
    """One instrument version as the instruments page lists it."""

    instrument: Instrument
    builtin: bool
    imported_by: str = ""
    imported_at: dt.datetime | None = None


def require_instrument_admin(actor: Actor, action: str = "instrument.import") -> None:
    """Refuse (audited) anyone but HR and administrators, and read-only API tokens."""
    if not actor.manages_people:
        audit.deny(actor, action, "instrument", "", "only HR and administrators manage instruments")
    if action != "instrument.read" and not actor.can_write():
        audit.deny(actor, action, "instrument", "", "this API token is read-only")


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@functools.lru_cache(maxsize=64)
def _parse_stored(text: str, source: str) -> Instrument:
    """A stored version, parsed once per process (stored text never changes)."""
    return parse_instrument(text, source)


def _stored(row: CustomInstrument) -> Instrument:
    return _parse_stored(row.text, row.source_name)


def custom_versions(instrument_id: str) -> dict[int, Instrument]:
    """Every imported version of one instrument id, by version."""
    rows = CustomInstrument.objects.filter(instrument_id=instrument_id)
    return {row.version: _stored(row) for row in rows}


def newest_custom() -> list[Instrument]:
    """The newest imported version of each custom instrument, by title."""
    newest: dict[str, CustomInstrument] = {}
    for row in CustomInstrument.objects.all():
        if row.instrument_id not in newest or row.version > newest[row.instrument_id].version:
            newest[row.instrument_id] = row
    return sorted((_stored(row) for row in newest.values()), key=lambda i: i.title.casefold())


def custom_ids() -> list[str]:
    """Ids of all imported instruments."""
    return sorted(set(CustomInstrument.objects.values_list("instrument_id", flat=True)))


def _storage_problems(instrument: Instrument, source: str) -> list[Problem]:
    """What a valid instrument file still needs before it can be stored and run."""
    problems: list[Problem] = []
    if not ID_PATTERN.fullmatch(instrument.id):
        problems.append(Problem(source, "", "id", ID_RULE))
    if instrument.version > MAX_VERSION:
        problems.append(Problem(source, "", "version", f"must be at most {MAX_VERSION}"))
    if len(instrument.title) > TITLE_MAX:
        problems.append(Problem(source, "", "title", f"must be at most {TITLE_MAX} characters"))
    for form in instrument.forms:
        if not ID_PATTERN.fullmatch(form.id):
            problems.append(Problem(source, f"form {form.id}", "id", ID_RULE))
    team_forms = [f.id for f in instrument.forms if "team" in f.rater_groups]
    person_forms = [f.id for f in instrument.forms if PERSON_GROUPS & set(f.rater_groups)]
    if team_forms and person_forms:
        problems.append(
            Problem(
                source,
                f"form {person_forms[0]}",
                "rater_groups",
                "a survey about teams (a form for 'team') cannot also have forms for self, "
                "manager, peers or direct reports",
            )
        )
    builtin_ids = {iid for iid, _ in builtin_versions()}
    if instrument.id in builtin_ids:
        problems.append(
            Problem(
                source,
                "",
                "id",
                f"{instrument.id!r} is a built-in instrument; give yours an id of its own",
            )
        )
    return problems


def _decode(data: bytes | str, source: str) -> str:
    if isinstance(data, str):
        text = data
    else:
        if len(data) > MAX_BYTES:
            raise InstrumentError(
                [Problem(source, "", "file", f"is {len(data):,} bytes; at most {MAX_BYTES:,}")]
            )
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as problem:
            raise InstrumentError(
                [Problem(source, "", "file", f"is not UTF-8 text (byte {problem.start})")]
            ) from None
    if len(text.encode()) > MAX_BYTES:
        raise InstrumentError([Problem(source, "", "file", f"is larger than {MAX_BYTES:,} bytes")])
    if "\x00" in text:
        raise InstrumentError([Problem(source, "", "file", "contains a NUL character")])
    # One text for one wording, whichever system saved the file.
    return text.replace("\r\n", "\n").lstrip("\ufeff")


def import_instrument(actor: Actor, text: bytes | str, source_name: str) -> Instrument:
    """Store a custom instrument version from its TOML text (HR, administrators, the system).

    Raises :class:`InstrumentError` listing every problem — the file's, and a clash with a
    built-in id or with a stored version of different text. Importing a version that is
    already stored with the same text changes nothing and returns it. Audited.
    """
    require_instrument_admin(actor)
    source = (source_name or "upload.toml")[:SOURCE_MAX]
    body = _decode(text, source)
    instrument = parse_instrument(body, source)
    problems = _storage_problems(instrument, source)
    if problems:
        raise InstrumentError(problems)
    digest = _digest(body)
    existing = CustomInstrument.objects.filter(
        instrument_id=instrument.id, version=instrument.version
    ).first()
    if existing is None:
        try:
            with transaction.atomic():
                row = CustomInstrument.objects.create(
                    instrument_id=instrument.id,
                    version=instrument.version,
                    title=instrument.title,
                    text=body,
                    text_sha256=digest,
                    source_name=source,
                    imported_by=actor.user,
                    imported_by_label=actor.label[:200],
                )
                audit.record(
                    actor,
                    "instrument.import",
                    "instrument",
                    row.pk,
                    detail={
                        "instrument": f"{instrument.id} v{instrument.version}",
                        "source": source,
                        "sha256": digest,
                    },
                )
            return _stored(row)
        except IntegrityError:
            # Someone imported the same id and version at the same moment: compare with theirs.
            existing = CustomInstrument.objects.get(
                instrument_id=instrument.id, version=instrument.version
            )
    if existing.text_sha256 != digest:
        raise InstrumentError(
            [
                Problem(
                    source,
                    "",
                    "version",
                    f"{instrument.id} version {instrument.version} was already imported "
                    f"({existing.source_name}) with a different text; a new wording needs a "
                    "new version number",
                )
            ]
        )
    return _stored(existing)


def instrument_catalogue(actor: Actor) -> list[CatalogueEntry]:
    """Every instrument version a campaign can run — built-in first, then imported ones, each
    by title and version — with who imported it and when (HR, administrators)."""
    require_instrument_admin(actor, "instrument.read")
    entries = [
        CatalogueEntry(instrument, builtin=True)
        for instrument in sorted(
            builtin_versions().values(), key=lambda i: (i.title.casefold(), i.version)
        )
    ]
    rows = sorted(
        CustomInstrument.objects.all(),
        key=lambda r: (r.title.casefold(), r.instrument_id, r.version),
    )
    entries.extend(
        CatalogueEntry(
            _stored(row),
            builtin=False,
            imported_by=row.imported_by_label,
            imported_at=row.imported_at,
        )
        for row in rows
    )
    return entries
