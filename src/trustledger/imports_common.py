"""What every CSV import shares: reading the file, reporting problems, progress, batching.

The people import (:mod:`trustledger.org.imports`) and the commitments import
(:mod:`trustledger.ledger.imports`) both check a whole file first and write nothing unless it is
clean; a problem is a :class:`RowError` with the physical line, the column and a reason, and a
refused file raises :class:`ImportRejected` with all of them.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import re
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from django.db import connection, models
from django.db.models import Field

__all__ = [
    "ImportRejected",
    "MalformedCsv",
    "Progress",
    "ProgressCallback",
    "RowError",
    "chunks",
    "decode",
    "fast_insert",
    "normalise_column",
    "records",
]

_UTF8_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_DELIMITERS = (",", ";", "\t")
_PROGRESS_CALLS = 200
_WRITE_CHUNK = 2000

ProgressCallback = Callable[[int, int], None]


@dataclass(frozen=True)
class RowError:
    """One problem in an import file."""

    line: int  # physical line number in the file (header is line 1)
    column: str  # CSV column name ("" when the whole row/file is at fault)
    reason: str  # human sentence: what is wrong and what is expected


class ImportRejected(Exception):
    """The file has problems and nothing was written. ``errors``: every bad row, sorted by line.

    ``columns`` (the file format's columns in order) sorts the problems of one line by column.
    """

    def __init__(self, errors: Iterable[RowError], columns: Sequence[str] = ()) -> None:
        order = {name: index for index, name in enumerate(columns)}
        self.errors: list[RowError] = sorted(
            errors, key=lambda error: (error.line, order.get(error.column, -1), error.reason)
        )
        count = len(self.errors)
        super().__init__(
            f"{count} problem{'s' if count != 1 else ''} in the file; nothing was imported"
        )


class Progress:
    """Calls the caller's ``progress(done, total)`` a few hundred times at most."""

    def __init__(self, callback: ProgressCallback | None, total: int) -> None:
        self.callback = callback
        self.total = max(total, 1)
        self.step = max(1, self.total // _PROGRESS_CALLS)
        self.done = 0
        self.next_report = self.step

    def advance(self, units: int = 1) -> None:
        """``units`` more of the work are done."""
        self.done = min(self.done + units, self.total)
        if self.callback is not None and self.done >= self.next_report:
            self.callback(self.done, self.total)
            self.next_report = (self.done // self.step + 1) * self.step

    def finish(self) -> None:
        """All the work is done: report 100% if that was not reported yet."""
        if self.callback is not None and self.done < self.total:
            self.done = self.total
            self.callback(self.total, self.total)


def decode(data: bytes) -> tuple[str, list[RowError]]:
    """The file as text, or the lines that are not UTF-8. A UTF-8 BOM (Excel) is dropped."""
    if data.startswith(_UTF16_BOMS):
        return "", [
            RowError(
                1,
                "",
                "the file is encoded as UTF-16; save it as UTF-8 (in Excel: 'CSV UTF-8')",
            )
        ]
    if data.startswith(_UTF8_BOM):
        data = data[len(_UTF8_BOM) :]
    nul = data.find(b"\x00")
    if nul >= 0:
        return "", [
            RowError(
                data.count(b"\n", 0, nul) + 1,
                "",
                "this line contains NUL bytes: the file is not UTF-8 text (UTF-16 or a "
                "spreadsheet?); save it as 'CSV UTF-8'",
            )
        ]
    try:
        return data.decode("utf-8"), []
    except UnicodeDecodeError:
        pass
    errors = []
    for number, raw in enumerate(data.split(b"\n"), start=1):
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError as problem:
            bad = raw[problem.start : problem.start + 1].hex().upper()
            errors.append(
                RowError(
                    number,
                    "",
                    f"this line is not valid UTF-8 (byte 0x{bad} at position {problem.start + 1} "
                    "of the line); save the file as UTF-8 (in Excel: 'CSV UTF-8')",
                )
            )
    return "", errors


def normalise_column(name: str) -> str:
    """A header name as the imports match it: lower case, spaces and hyphens as ``_``."""
    return re.sub(r"[\s\-]+", "_", name.strip().lower())


def records(text: str) -> Iterator[tuple[int, list[str]]]:
    """``(first physical line, fields)`` for every CSV record; blank lines are skipped."""
    end = text.find("\n")
    first_line = text if end < 0 else text[:end]
    delimiter = max(_DELIMITERS, key=first_line.count) if first_line else ","
    reader = csv.reader(_lines(text), delimiter=delimiter, strict=True)
    start = 1
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as problem:
            raise MalformedCsv(start, str(problem)) from None
        if "".join(fields).strip():  # not blank, nor only separators
            yield start, fields
        start = reader.line_num + 1


#: One physical line with its ending, split as ``io.StringIO(text, newline="")`` splits: on
#: ``\n``, ``\r\n`` or ``\r``. (StringIO would first copy the text into 4 bytes a character.)
_LINE = re.compile(r"[^\r\n]*(?:\r\n?|\n)|[^\r\n]+\Z")


def _lines(text: str) -> Iterator[str]:
    """The lines of ``text``, endings kept, one at a time (no copy of the whole text)."""
    for match in _LINE.finditer(text):
        yield match.group()


class MalformedCsv(Exception):
    """The CSV cannot be read from ``line`` on (e.g. a quote that is never closed)."""

    def __init__(self, line: int, detail: str) -> None:
        super().__init__(detail)
        self.line = line
        self.detail = detail


T = TypeVar("T")


def read_header(
    header: list[str], columns: Sequence[str], required: Sequence[str]
) -> tuple[dict[str, int], list[int], list[RowError]]:
    """Column positions by name, positions of nameless columns, and header errors (line 1).

    Names are matched case-insensitively; an unknown column is an error, so a misspelt one is
    never dropped silently.
    """
    positions: dict[str, int] = {}
    nameless: list[int] = []
    unknown: list[str] = []
    errors: list[RowError] = []
    for index, raw in enumerate(header):
        name = normalise_column(raw)
        if not name:
            nameless.append(index)
        elif name not in columns:
            unknown.append(raw.strip())
        elif name in positions:
            errors.append(RowError(1, name, f"column {name!r} appears twice in the header"))
        else:
            positions[name] = index
    if unknown:
        names = ", ".join(repr(name) for name in unknown)
        errors.append(
            RowError(
                1,
                "",
                f"unknown column{'s' if len(unknown) > 1 else ''} {names}; the columns are "
                f"{', '.join(columns)} (remove or rename the others)",
            )
        )
    for name in required:
        if name not in positions:
            errors.append(
                RowError(
                    1,
                    name,
                    f"required column {name!r} is missing; the header must name "
                    f"{', '.join(required)}",
                )
            )
    return positions, nameless, errors


def chunks(items: list[T], size: int = _WRITE_CHUNK) -> Iterator[list[T]]:
    """``items`` in slices of ``size``: batches for ``bulk_create`` and ``IN (…)`` lists."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _converter(field: Field[Any, Any]) -> Callable[[Any], Any]:
    """How one value of ``field`` goes to the database driver, decided once per column.

    The same conversions as ``field.get_db_prep_save`` for the field types imports write
    (UUIDs, foreign keys to them, date-times, JSON; text, numbers and booleans pass as they are),
    without the per-value dispatch that makes ``bulk_create`` slow at millions of rows.
    """
    target = field.target_field if isinstance(field, models.ForeignKey) else field
    if isinstance(target, models.UUIDField):
        if connection.features.has_native_uuid_field:
            return _same
        return _uuid_hex
    if isinstance(target, models.DateTimeField):
        if connection.vendor == "sqlite":
            zone = connection.timezone

            def sqlite_datetime(value: dt.datetime | None) -> str | None:
                if value is None:
                    return None
                if value.tzinfo is not zone:
                    value = value.astimezone(zone)
                return str(value.replace(tzinfo=None))

            return sqlite_datetime
        return cast(Callable[[Any], Any], connection.ops.adapt_datetimefield_value)
    if isinstance(target, models.JSONField):
        encoder = target.encoder
        empty = connection.ops.adapt_json_value({}, encoder)

        def json_value(value: Any) -> Any:
            if value == {}:  # most events carry no payload: adapt it once
                return empty
            return connection.ops.adapt_json_value(value, encoder)

        return json_value
    if isinstance(
        target, (models.CharField, models.TextField, models.IntegerField, models.BooleanField)
    ):
        return _same
    return functools.partial(_prepared, target)


def _same(value: Any) -> Any:
    return value


def _uuid_hex(value: uuid.UUID | None) -> str | None:
    return None if value is None else value.hex


def _prepared(field: Field[Any, Any], value: Any) -> Any:
    return field.get_db_prep_save(value, connection)


def fast_insert(
    model: type[models.Model], attnames: Sequence[str], rows: Iterable[Sequence[Any]]
) -> int:
    """``INSERT`` plain tuples (values in ``attnames`` order) with one ``executemany``.

    For millions of rows: no model instances, no per-value field dispatch. Rows are inserted as
    given: no defaults, no ``auto_now``, no signals, no ``save()``; the caller supplies every
    column the table needs. Returns the number of rows.
    """
    meta = model._meta
    by_attname = {field.attname: field for field in meta.concrete_fields}
    fields = [by_attname[name] for name in attnames]
    converters = [_converter(field) for field in fields]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(str(field.column)) for field in fields)
    marks = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({marks})"
    pairs = list(enumerate(converters))
    params = [[convert(row[index]) for index, convert in pairs] for row in rows]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)
    return len(params)
