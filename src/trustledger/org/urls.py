from django.urls import path

from trustledger.org import views

urlpatterns = [
    path("me/", views.my_profile, name="me"),
    path("people/", views.people, name="people"),
    path("people/import/", views.import_people_page, name="people_import"),
    path("people/<uuid:person_id>/", views.person_page, name="person"),
    path("teams/", views.teams_page, name="teams"),
    path("teams/<uuid:team_id>/", views.team_page, name="team"),
    path("org-chart/", views.org_chart_page, name="org_chart"),
]
