from django.urls import path

from trustledger.audit import views as audit_views
from trustledger.web import tour, views

urlpatterns = [
    path("", views.home, name="home"),
    path("audit/", audit_views.audit_log, name="audit_log"),
    path("tour/", tour.tour_page, name="tour"),
]
