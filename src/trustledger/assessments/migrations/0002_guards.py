"""Rules the database itself enforces, so no code path (admin, shell, a bug) can break them.

* Responses are append-only: UPDATE raises (DELETE is refused by the models, docs/access.md).
* A campaign that has left draft keeps its anonymity threshold k, instrument and window, and
  its status never goes backwards (draft → live → closed).
* An invitation is used once: after ``used_at`` is set, the row never changes again; its
  rater, subject and group never change at all (an unused link's secret may be reissued).
"""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

from trustledger.db import allow_updates, forbid_updates

APPEND_ONLY = ("assessments_response", "assessments_attributedresponse")

GUARDS = {
    "assessments_campaign": (
        "(OLD.status <> 'draft' AND (NEW.anonymity_k <> OLD.anonymity_k"
        " OR NEW.instrument_id <> OLD.instrument_id"
        " OR NEW.instrument_version <> OLD.instrument_version"
        " OR NEW.opens_at <> OLD.opens_at OR NEW.closes_at <> OLD.closes_at))"
        " OR (OLD.status = 'live' AND NEW.status = 'draft')"
        " OR (OLD.status = 'closed' AND NEW.status <> 'closed')",
        "a live campaign keeps its anonymity threshold, instrument and window",
    ),
    "assessments_invitation": (
        "OLD.used_at IS NOT NULL"
        " OR NEW.person_id <> OLD.person_id OR NEW.subject_id <> OLD.subject_id"
        ' OR NEW."group" <> OLD."group" OR NEW.campaign_id <> OLD.campaign_id',
        "an invitation is used once and never reassigned",
    ),
}


def _guard(schema_editor: BaseDatabaseSchemaEditor, table: str, when: str, message: str) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(
            f"CREATE TRIGGER {table}_guard BEFORE UPDATE ON {table} "
            f"WHEN {when} BEGIN SELECT RAISE(ABORT, '{message}'); END;"
        )
    elif vendor == "postgresql":
        schema_editor.execute(
            f"CREATE FUNCTION {table}_guard() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN IF {when} THEN RAISE EXCEPTION '{message}'; END IF; RETURN NEW; END; $$;"
        )
        schema_editor.execute(
            f"CREATE TRIGGER {table}_guard BEFORE UPDATE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {table}_guard();"
        )


def _unguard(schema_editor: BaseDatabaseSchemaEditor, table: str) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_guard")
    elif vendor == "postgresql":
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_guard ON {table}")
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {table}_guard()")


def create_triggers(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    for table in APPEND_ONLY:
        forbid_updates(schema_editor, table)
    for table, (when, message) in GUARDS.items():
        _guard(schema_editor, table, when, message)


def drop_triggers(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    for table in APPEND_ONLY:
        allow_updates(schema_editor, table)
    for table in GUARDS:
        _unguard(schema_editor, table)


class Migration(migrations.Migration):
    dependencies = [("assessments", "0001_initial")]
    operations = [migrations.RunPython(create_triggers, drop_triggers)]
