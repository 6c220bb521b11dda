"""The audit log records reads of personal data and refused attempts, and cannot be rewritten."""

import pytest
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, connection, transaction

from tests import factories
from trustledger.audit import services as audit
from trustledger.audit.models import AuditEvent
from trustledger.db import AppendOnlyError
from trustledger.org import services


def test_reading_someone_elses_record_is_refused_and_logged(org):
    ben = factories.actor(org["ben_user"])
    with pytest.raises(PermissionDenied):
        services.person_record(ben, org["cai"].pk)
    event = AuditEvent.objects.get()
    assert (event.action, event.allowed, event.object_id) == (
        "person.read",
        False,
        str(org["cai"].pk),
    )
    assert event.actor_label == org["ben_user"].username


def test_hr_reading_a_record_is_logged(org):
    services.person_record(factories.actor(org["hr_user"]), org["ben"].pk)
    event = AuditEvent.objects.get()
    assert (event.action, event.allowed, event.actor_id) == ("person.read", True, org["hr_user"].pk)


def test_reading_my_own_record_is_allowed(org):
    record = services.person_record(factories.actor(org["ben_user"]), org["ben"].pk)
    assert record.email == org["ben"].email


def test_only_admins_read_the_audit_log(org):
    with pytest.raises(PermissionDenied):
        audit.list_events(factories.actor(org["hr_user"]))
    events = list(audit.list_events(factories.actor(org["admin_user"]), allowed=False))
    assert [e.action for e in events] == ["audit.read"]
    assert events[0].actor_label == "hr@example.com"


def test_an_audit_event_cannot_be_changed_through_the_model(org):
    event = audit.record(factories.actor(org["hr_user"]), "person.read", "person", "x")
    event.action = "nothing.happened"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()


def test_an_audit_event_cannot_be_changed_in_the_database(org):
    audit.record(factories.actor(org["hr_user"]), "person.read", "person", "x")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.update(action="nothing.happened")
    with connection.cursor() as cursor:
        cursor.execute("SELECT action FROM audit_auditevent")
        assert cursor.fetchall() == [("person.read",)]
