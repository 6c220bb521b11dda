from django.urls import path

from trustledger.insights import views, views_guidance, views_organisation, views_people

urlpatterns = [
    path("people/<uuid:person_id>/trust/", views.relationship_page, name="relationship_trust"),
    # my trust profile and, for a manager, my team (views_people.py)
    path("me/trust/", views_people.my_trust_page, name="my_trust"),
    path("me/team/", views_people.my_team_page, name="my_team"),
    # my weekly digest and its channels (views_guidance.py)
    path("me/digest/", views_guidance.digest_page, name="digest"),
    path("me/digest/settings/", views_guidance.digest_settings_page, name="digest_settings"),
    # organisation analytics for HR (views_organisation.py)
    path(
        "insights/organisation/",
        views_organisation.organisation_page,
        name="organisation_insights",
    ),
    path(
        "insights/organisation.csv",
        views_organisation.organisation_csv,
        name="organisation_insights_csv",
    ),
]
