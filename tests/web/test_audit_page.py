"""Administrators read the audit log, filtered and paginated; reading it is itself recorded."""

from trustledger.audit.models import AuditEvent


def test_an_admin_reads_the_audit_log_and_filters_refused_attempts(client, org):
    client.force_login(org["ben_user"])
    client.get(f"/people/{org['cai'].pk}/")
    client.get("/audit/")  # refused, recorded
    client.force_login(org["admin_user"])
    page = client.get("/audit/").content.decode()
    assert "audit.read" in page
    assert "refused" in page
    refused = client.get(
        "/audit/", {"allowed": "no"}, headers={"HX-Request": "true"}
    ).content.decode()
    assert "<html" not in refused
    assert org["ben_user"].username in refused
    assert "only administrators may read the audit log" in refused
    assert AuditEvent.objects.filter(action="audit.read", allowed=True).count() == 2


def test_the_audit_log_filters_by_who(client, org):
    client.force_login(org["hr_user"])
    client.get(f"/people/{org['cai'].pk}/")
    client.force_login(org["admin_user"])
    page = client.get("/audit/", {"actor": "hr@", "action": "person.read"}).content.decode()
    assert "1 entry" in page
    assert "hr@example.com" in page
