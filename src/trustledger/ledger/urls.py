from django.urls import path

from trustledger.ledger import views

urlpatterns = [
    path("commitments/", views.my_commitments_page, name="commitments"),
    path("commitments/follow-through/", views.my_follow_through, name="my_follow_through"),
    path("commitments/<uuid:commitment_id>/", views.commitment_page, name="commitment"),
    path("commitments/<uuid:commitment_id>/steps/", views.take_step, name="commitment_step"),
    path("people/<uuid:person_id>/commitments/new/", views.propose_page, name="commitment_propose"),
]
