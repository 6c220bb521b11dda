"""Append-only tables: the model guard every append-only model inherits, and the database
trigger its migration installs, so a row is never changed whichever way code reaches it."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor


class AppendOnlyError(RuntimeError):
    """Raised when code tries to change or delete a row of an append-only table."""


class AppendOnlyModel(models.Model):
    """Rows written once: ``save`` refuses updates and ``delete`` always refuses.

    Corrections are new rows (a retraction, a new event), never edits in place.
    """

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError(f"{self._meta.verbose_name} rows are never changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError(f"{self._meta.verbose_name} rows are never deleted")


def forbid_updates(schema_editor: BaseDatabaseSchemaEditor, table: str) -> None:
    """Make ``UPDATE`` on ``table`` fail in the database itself (SQLite and PostgreSQL).

    DELETE is refused by the models, not by a trigger: the test framework empties tables
    between live-server tests (see docs/access.md).
    """
    message = f"{table} is append-only"
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(
            f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{message}'); END;"
        )
    elif vendor == "postgresql":
        schema_editor.execute(
            f"CREATE FUNCTION {table}_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN RAISE EXCEPTION '{message}'; END; $$;"
        )
        schema_editor.execute(
            f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {table}_append_only();"
        )


def allow_updates(schema_editor: BaseDatabaseSchemaEditor, table: str) -> None:
    """Undo :func:`forbid_updates` (for reversing a migration)."""
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
    elif vendor == "postgresql":
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_update ON {table}")
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {table}_append_only()")
