"""Ledger events are never changed: UPDATE raises in the database itself."""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

from trustledger.db import allow_updates, forbid_updates


def create_triggers(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    forbid_updates(schema_editor, "ledger_commitmentevent")


def drop_triggers(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    allow_updates(schema_editor, "ledger_commitmentevent")


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]
    operations = [migrations.RunPython(create_triggers, drop_triggers)]
