"""Private fields are shown only to the person, HR and admins, and every read is audited."""

from trustledger.audit.models import AuditEvent


def test_an_employee_sees_the_directory_card_but_not_anothers_private_fields(client, org):
    client.force_login(org["ben_user"])
    cai = org["cai"]
    response = client.get(f"/people/{cai.pk}/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "Cai Report" in page
    assert "Engineer" in page
    assert "Ana Manager" in page
    assert cai.email not in page
    assert cai.employee_id not in page
    assert "Private record" not in page
    assert not AuditEvent.objects.filter(action="person.read", object_id=str(cai.pk)).exists()


def test_hr_sees_private_fields_and_the_read_is_audited(client, org):
    client.force_login(org["hr_user"])
    cai = org["cai"]
    page = client.get(f"/people/{cai.pk}/").content.decode()
    assert cai.email in page
    assert cai.employee_id in page
    read = AuditEvent.objects.get(action="person.read", object_id=str(cai.pk))
    assert read.allowed
    assert read.actor == org["hr_user"]


def test_a_person_sees_their_own_record_on_their_profile(client, org):
    client.force_login(org["ana_user"])
    page = client.get("/me/").content.decode()
    assert org["ana"].email in page
    assert "Cora CEO" in page  # my manager
    assert "Ben Report" in page
    assert "Cai Report" in page
    assert AuditEvent.objects.filter(action="person.read", object_id=str(org["ana"].pk)).exists()


def test_an_account_without_a_person_gets_a_plain_explanation(client, org):
    client.force_login(org["admin_user"])
    page = client.get("/me/").content.decode()
    assert "not linked to a person" in page


def test_an_unknown_person_is_a_plain_404(client, org):
    client.force_login(org["ben_user"])
    response = client.get("/people/00000000-0000-0000-0000-000000000000/")
    assert response.status_code == 404
    assert "does not exist" in response.content.decode()


def test_an_employee_is_refused_the_import_and_audit_pages_and_both_attempts_are_audited(
    client, org
):
    client.force_login(org["ben_user"])
    for url, action in (("/people/import/", "person.import"), ("/audit/", "audit.read")):
        response = client.get(url)
        assert response.status_code == 403
        assert "not allowed" in response.content.decode()
        refused = AuditEvent.objects.get(action=action, allowed=False)
        assert refused.actor == org["ben_user"]
    upload = client.post("/people/import/", {"file": b""})
    assert upload.status_code == 403
    assert AuditEvent.objects.filter(action="person.import", allowed=False).count() == 2


def test_the_navigation_shows_import_audit_and_admin_only_to_those_who_may_use_them(client, org):
    client.force_login(org["ben_user"])
    page = client.get("/me/").content.decode()
    assert "/people/import/" not in page
    assert "/audit/" not in page
    assert "/admin/" not in page
    client.force_login(org["hr_user"])
    page = client.get("/me/").content.decode()
    assert "/people/import/" in page
    assert "/audit/" not in page
    client.force_login(org["admin_user"])
    page = client.get("/me/").content.decode()
    assert "/people/import/" in page
    assert "/audit/" in page


def test_an_administrator_created_by_createadmin_can_use_the_django_admin(client, db):
    from trustledger.accounts.actors import Actor
    from trustledger.accounts.provisioning import create_admin

    admin = create_admin(Actor.system(), "root@example.com", "a-long-admin-passphrase-7")
    client.force_login(admin)
    assert "/admin/" in client.get("/me/").content.decode()
    assert client.get("/admin/").status_code == 200
