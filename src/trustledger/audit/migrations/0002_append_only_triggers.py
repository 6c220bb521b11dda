"""Audit events are never changed: UPDATE raises in the database itself.

DELETE is refused by the model (``AuditEvent.delete``) but not by a trigger, because the test
framework empties tables between live-server tests; see docs/audit.md.
"""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

TABLE = "audit_auditevent"
MESSAGE = "audit events are append-only"


def create_triggers(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(
            f"CREATE TRIGGER {TABLE}_no_update BEFORE UPDATE ON {TABLE} "
            f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;"
        )
    elif vendor == "postgresql":
        schema_editor.execute(
            f"CREATE FUNCTION {TABLE}_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN RAISE EXCEPTION '{MESSAGE}'; END; $$;"
        )
        schema_editor.execute(
            f"CREATE TRIGGER {TABLE}_no_update BEFORE UPDATE ON {TABLE} "
            f"FOR EACH ROW EXECUTE FUNCTION {TABLE}_append_only();"
        )


def drop_triggers(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {TABLE}_no_update")
    elif vendor == "postgresql":
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {TABLE}_no_update ON {TABLE}")
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {TABLE}_append_only()")


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]
    operations = [migrations.RunPython(create_triggers, drop_triggers)]
