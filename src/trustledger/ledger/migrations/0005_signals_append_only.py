"""Trust signals, their witnesses and retractions are never changed: UPDATE raises in the database."""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

from trustledger.db import allow_updates, forbid_updates

TABLES = ("ledger_trustsignal", "ledger_trustsignalwitness", "ledger_signalretraction")


def create_triggers(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    for table in TABLES:
        forbid_updates(schema_editor, table)


def drop_triggers(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    for table in TABLES:
        allow_updates(schema_editor, table)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0004_signals_and_one_on_ones")]
    operations = [migrations.RunPython(create_triggers, drop_triggers)]
