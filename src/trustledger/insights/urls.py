from django.urls import path

from trustledger.insights import views

urlpatterns = [
    path("people/<uuid:person_id>/trust/", views.relationship_page, name="relationship_trust"),
]
