"""Finding people: the directory with live search, team filter and pages; teams; the org chart."""

from tests import factories


def test_searching_the_directory_with_htmx_returns_only_the_results_table(client, org):
    client.force_login(org["ben_user"])
    response = client.get("/people/", {"q": "cai"}, headers={"HX-Request": "true"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Cai Report" in page
    assert "Ana Manager" in page
    assert "Ben Report" not in page
    assert "<html" not in page
    assert "<table" in page
    assert "HX-Request" in response["Vary"]


def test_the_directory_without_htmx_is_a_whole_page_with_a_live_search_box(client, org):
    client.force_login(org["ben_user"])
    page = client.get("/people/", {"q": "cai"}).content.decode()
    assert "<html" in page
    assert "hx-get" in page
    assert "Cai Report" in page
    assert 'hx-headers=\'{"X-CSRFToken"' in page


def test_the_directory_shows_only_public_fields(client, org):
    client.force_login(org["ben_user"])
    page = client.get("/people/").content.decode()
    for person in ("ceo", "ana", "cai"):
        assert org[person].email not in page
        assert org[person].employee_id not in page


def test_the_directory_filters_by_team_and_shows_fifty_people_a_page(client, org):
    other = factories.team("Finance")
    for n in range(55):
        factories.person(f"Fin {n:02d}", team=other)
    client.force_login(org["ben_user"])
    first = client.get("/people/", {"team": str(other.pk)}).content.decode()
    assert "55 people" in first
    assert "Page 1 of 2" in first
    assert first.count("Fin ") == 50
    assert "Ana Manager" not in first
    second = client.get("/people/", {"team": str(other.pk), "page": 2}).content.decode()
    assert second.count("Fin ") == 5


def test_a_bad_team_filter_is_ignored_rather_than_an_error(client, org):
    client.force_login(org["ben_user"])
    response = client.get("/people/", {"team": "not-a-uuid"})
    assert response.status_code == 200


def test_a_team_page_lists_its_members_and_who_manages_them(client, org):
    client.force_login(org["ben_user"])
    listing = client.get("/teams/").content.decode()
    assert "Engineering" in listing
    page = client.get(f"/teams/{org['team'].pk}/").content.decode()
    assert "Ana Manager" in page
    assert "Ben Report" in page
    assert "Cora CEO" in page
    assert "3 people" in page


def test_the_org_chart_nests_reports_under_their_manager(client, org):
    client.force_login(org["ben_user"])
    page = client.get("/org-chart/").content.decode()
    assert page.index("Cora CEO") < page.index("Ana Manager") < page.index("Ben Report")
    assert f'id="p-{org["ben"].pk}"' in page
    assert "4 people" in page  # Cora's subtree


def test_the_org_chart_filter_works_without_javascript(client, org):
    client.force_login(org["ben_user"])
    page = client.get("/org-chart/", {"q": "cai"}).content.decode()
    assert "1 person matches" in page
    assert 'class="node match" id="p-{}"'.format(org["cai"].pk) in page
