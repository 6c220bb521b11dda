"""My digest (``/me/digest/``): the guidance rules' nudges for me now, each with "why am I
seeing this?", my past weekly digests, and which channels carry them
(``/me/digest/settings/``). Views parse input and call :mod:`trustledger.insights.digest`."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET, require_http_methods

from trustledger.accounts.actors import Actor
from trustledger.insights import digest
from trustledger.web.views import render_page

#: What each kind of nudge is called on the page (docs/guidance.md).
KIND_LABELS = {
    "commitment_due": "Due or at risk",
    "confirm_delivery": "To confirm",
    "introduction": "Introduction",
    "start_small": "Start small",
    "go_first": "Go first",
    "weakest_dimension": "Grow",
}


@login_required
@require_GET
def digest_page(request: HttpRequest) -> HttpResponse:
    """My nudges as of now and my past weekly digests (private to me)."""
    actor = Actor.from_request(request)
    if actor.person is None:
        return render_page(
            request, "insights/digest.html", "insights/_digest.html", {"inbox": None}
        )
    inbox = digest.my_digest(actor)
    return render_page(
        request,
        "insights/digest.html",
        "insights/_digest.html",
        {
            "inbox": inbox,
            "labelled": [(KIND_LABELS.get(n.kind, n.kind), n) for n in inbox.nudges],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def digest_settings_page(request: HttpRequest) -> HttpResponse:
    """Which channels carry my weekly digest; POST saves the two check boxes."""
    actor = Actor.from_request(request)
    if actor.person is None:
        return render_page(
            request,
            "insights/digest_settings.html",
            "insights/_digest_settings.html",
            {"prefs": None},
        )
    if request.method == "POST":
        saved = digest.set_preferences(
            actor,
            email=request.POST.get("email") == "on",
            webhook=request.POST.get("webhook") == "on",
        )
        on = [name for name, kept in (("e-mail", saved.email), ("chat", saved.webhook)) if kept]
        messages.success(
            request,
            f"Saved: your digest comes by {' and '.join(on)} and in your inbox."
            if on
            else "Saved: your digest now comes only to your inbox here.",
        )
        return redirect("digest_settings")
    return render_page(
        request,
        "insights/digest_settings.html",
        "insights/_digest_settings.html",
        {"prefs": digest.preferences(actor)},
    )
