"""The calendar feed (``/calendar/<token>.ics``) and the page to create or rotate its address."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from trustledger.accounts.actors import Actor
from trustledger.ledger import calendar


@require_GET
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The iCalendar document for the secret token in the address (no sign-in: calendar
    programs cannot; the token is the credential)."""
    person = calendar.person_for_token(token)
    document = calendar.build_calendar(person, request.build_absolute_uri("/"))
    response = HttpResponse(document, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="trustledger.ics"'
    response["Cache-Control"] = "private, max-age=300"
    response["X-Robots-Tag"] = "noindex"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def calendar_page(request: HttpRequest) -> HttpResponse:
    """Show whether the signed-in person has a feed; POST creates, rotates or turns it off."""
    actor = Actor.from_request(request)
    feed_url = None
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            if calendar.revoke_feed(actor):
                messages.success(request, "Your calendar address no longer works.")
            return redirect("calendar_page")
        token = calendar.rotate_feed_token(actor)
        feed_url = request.build_absolute_uri(f"/calendar/{token}.ics")
    return render(
        request,
        "notify/calendar.html",
        {"feed": calendar.feed_status(actor), "feed_url": feed_url, "has_person": actor.person},
    )
