from django.urls import path

from trustledger.notify import views

urlpatterns = [
    path("calendar/", views.calendar_page, name="calendar_page"),
    path("calendar/<str:token>.ics", views.calendar_feed, name="calendar_feed"),
]
