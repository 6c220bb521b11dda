"""Pages for trust signals and 1:1 check-ins (included from trustledger.urls)."""

from django.urls import path

from trustledger.ledger import views_signals as views

urlpatterns = [
    path("people/<uuid:person_id>/signals/", views.person_signals, name="person_signals"),
    path("signals/<uuid:signal_id>/retract/", views.retract_signal, name="signal_retract"),
    path("one-on-ones/", views.one_on_ones_page, name="one_on_ones"),
    path("one-on-ones/<uuid:one_on_one_id>/", views.one_on_one_page, name="one_on_one"),
    path(
        "one-on-ones/<uuid:one_on_one_id>/agenda/",
        views.one_on_one_agenda,
        name="one_on_one_agenda",
    ),
    path(
        "one-on-ones/<uuid:one_on_one_id>/notes/", views.one_on_one_notes, name="one_on_one_notes"
    ),
    path(
        "one-on-ones/<uuid:one_on_one_id>/actions/",
        views.one_on_one_action,
        name="one_on_one_action",
    ),
]
