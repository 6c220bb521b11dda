from django.urls import path

from trustledger.assessments import views

urlpatterns = [
    path("survey/thanks/", views.thanks_page, name="survey_thanks"),
    path("survey/<str:token>/", views.respond_page, name="survey_respond"),
]
