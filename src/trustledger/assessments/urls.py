from django.urls import path

from trustledger.assessments import views, views_admin, views_instruments, views_results

urlpatterns = [
    path("survey/thanks/", views.thanks_page, name="survey_thanks"),
    path("survey/<str:token>/", views.respond_page, name="survey_respond"),
    # HR campaign administration (views_admin.py)
    path("surveys/campaigns/", views_admin.campaign_list, name="campaigns"),
    path("surveys/campaigns/new/", views_admin.campaign_new, name="campaign_new"),
    path(
        "surveys/campaigns/new/subjects/",
        views_admin.campaign_subject_picker,
        name="campaign_subject_picker",
    ),
    path(
        "surveys/campaigns/<uuid:campaign_id>/",
        views_admin.campaign_detail,
        name="campaign_detail",
    ),
    path(
        "surveys/campaigns/<uuid:campaign_id>/subjects/<uuid:subject_id>/raters/",
        views_admin.campaign_raters,
        name="campaign_raters",
    ),
    path(
        "surveys/campaigns/<uuid:campaign_id>/subjects/<uuid:subject_id>/people/",
        views_admin.campaign_people,
        name="campaign_people",
    ),
    path(
        "surveys/campaigns/<uuid:campaign_id>/launch/",
        views_admin.campaign_launch,
        name="campaign_launch",
    ),
    path(
        "surveys/campaigns/<uuid:campaign_id>/close/",
        views_admin.campaign_close,
        name="campaign_close",
    ),
    # survey instruments: the list and importing a custom one (views_instruments.py)
    path("surveys/instruments/", views_instruments.instrument_list, name="instruments"),
    # survey results: mine, a campaign overview and CSV, a report (views_results.py)
    path("surveys/results/", views_results.my_results, name="results_mine"),
    path(
        "surveys/campaigns/<uuid:campaign_id>/results/",
        views_results.campaign_results,
        name="results_campaign",
    ),
    path(
        "surveys/campaigns/<uuid:campaign_id>/results.csv",
        views_results.campaign_results_csv,
        name="results_csv",
    ),
    path(
        "surveys/campaigns/<uuid:campaign_id>/subjects/<uuid:subject_id>/",
        views_results.subject_report,
        name="results_report",
    ),
    path(
        "surveys/campaigns/<uuid:campaign_id>/subjects/<uuid:subject_id>/actions/",
        views_results.commit_action,
        name="results_commit",
    ),
]
