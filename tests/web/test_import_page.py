"""HR uploads the HR system's CSV: all rows imported, or none and every bad row shown."""

from django.core.files.uploadedfile import SimpleUploadedFile

from trustledger.audit.models import AuditEvent
from trustledger.org.models import Person

HEADER = "employee_id,name,email,title,team,manager_employee_id,start_date\n"


def upload(client, text, **extra):
    return client.post(
        "/people/import/",
        {"file": SimpleUploadedFile("people.csv", text.encode(), "text/csv"), **extra},
    )


def test_hr_sees_the_import_page_with_the_columns_explained(client, org):
    client.force_login(org["hr_user"])
    page = client.get("/people/import/").content.decode()
    assert "manager_employee_id" in page
    assert "behaviour_style" in page
    assert 'enctype="multipart/form-data"' in page


def test_a_file_with_three_bad_rows_shows_exactly_those_and_imports_nothing(client, org):
    client.force_login(org["hr_user"])
    before = Person.objects.count()
    text = (
        HEADER
        + "N1,Nia New,nia@example.com,Engineer,Platform,,2024-01-02\n"
        + "N2,Noa New,noa@example.com,Engineer,Platform,N1,2024-13-45\n"
        + "N3,Nel New,nel@example.com,Engineer,Platform,N1,\n"
        + "N4,Ned New,ned@example.com,Engineer,Platform,NOBODY,\n"
        + "N5,Nim New,not-an-email,Engineer,Platform,N1,\n"
        + "N6,Nor New,nor@example.com,Engineer,Platform,N1,\n"
    )
    response = upload(client, text)
    page = response.content.decode()
    assert "Nothing was imported" in page
    assert "has 3 problems" in page
    rows = page.split('<table class="errors">')[1].split("</table>")[0]
    lines = [cell.split(">")[1] for cell in rows.split('<td class="num"')[1:]]
    assert lines == ["3</td", "5</td", "6</td"]
    assert Person.objects.count() == before


def test_a_clean_file_is_imported_and_the_counts_are_shown(client, org):
    client.force_login(org["hr_user"])
    text = (
        HEADER
        + "N1,Nia New,nia@example.com,Head of Platform,Platform,,2024-01-02\n"
        + "N2,Noa New,noa@example.com,Engineer,Platform,N1,2024-02-01\n"
    )
    page = upload(client, text, effective="2024-03-01").content.decode()
    assert "is imported" in page
    assert "<dt>Created</dt><dd>2</dd>" in page
    assert "<dt>Teams created</dt><dd>1</dd>" in page
    assert Person.objects.filter(employee_id__in=["N1", "N2"]).count() == 2
    assert AuditEvent.objects.filter(action="person.import", allowed=True).exists()


def test_an_upload_without_a_file_asks_for_one(client, org):
    client.force_login(org["hr_user"])
    response = client.post("/people/import/", {})
    assert response.status_code == 200
    assert "This field is required" in response.content.decode()
