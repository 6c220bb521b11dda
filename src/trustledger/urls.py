from django.contrib import admin
from django.urls import include, path

from trustledger.api.api import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("", include("trustledger.accounts.urls")),
    path("", include("trustledger.web.urls")),
    path("", include("trustledger.org.urls")),
    path("", include("trustledger.notify.urls")),
    path("", include("trustledger.ledger.urls")),
    path("", include("trustledger.ledger.urls_signals")),
    path("", include("trustledger.insights.urls")),
    path("", include("trustledger.assessments.urls")),
]
