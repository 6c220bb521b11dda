"""The survey instruments page for HR: every instrument with its items, and importing a new one.

``/surveys/instruments/`` lists the built-in instruments and the ones HR imported (each
version, with who imported it and when) and takes an upload of an instrument file. A file
with problems is refused with **every** problem and where it is (form, item, field); the
rules are :mod:`trustledger.assessments.custom_instruments`'s, shared with the CLI and API.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods

from trustledger.accounts.actors import Actor
from trustledger.assessments import custom_instruments
from trustledger.assessments.instruments import InstrumentError
from trustledger.web.views import is_htmx, render_page


class InstrumentUploadForm(forms.Form):
    file = forms.FileField(
        label="Instrument file",
        help_text="TOML, UTF-8, in the format of the built-in instruments (docs/assessments.md).",
    )


@login_required
@require_http_methods(["GET", "POST"])
def instrument_list(request: HttpRequest) -> HttpResponse:
    """GET: the instruments and the upload form. POST: import the uploaded file; on success
    redirect to the page (``HX-Redirect`` for htmx), on failure show every problem (400; for
    htmx 200, since it swaps only 2xx answers, and the upload section alone)."""
    actor = Actor.from_request(request)
    custom_instruments.require_instrument_admin(actor, "instrument.read")
    context: dict[str, Any] = {"form": InstrumentUploadForm(), "open": request.GET.get("open")}
    status = 200
    if request.method == "POST":
        form = InstrumentUploadForm(request.POST, request.FILES)
        context["form"] = form
        if not form.is_valid():
            status = 400
        else:
            upload = form.cleaned_data["file"]
            try:
                instrument = custom_instruments.import_instrument(
                    actor, upload.read(), upload.name or "upload.toml"
                )
            except InstrumentError as rejected:
                context.update(problems=rejected.problems, filename=upload.name)
                status = 400
            else:
                messages.success(
                    request,
                    f"{instrument.title} ({instrument.id} version {instrument.version}) "
                    "is available for new campaigns.",
                )
                # ``open`` opens the new version in the list (and, being a new query, makes
                # htmx's HX-Redirect a real page load, not a jump to the anchor).
                anchor = f"instrument-{instrument.id}-v{instrument.version}"
                target = f"{request.path}?open={anchor}#{anchor}"
                if is_htmx(request):
                    response = HttpResponse(status=204)
                    response["HX-Redirect"] = target
                    return response
                return redirect(target)
    if not is_htmx(request) or request.method == "GET":
        context["entries"] = custom_instruments.instrument_catalogue(actor)
    return render_page(
        request,
        "assessments/instruments.html",
        "assessments/_instrument_upload.html",
        context,
        # htmx swaps only 2xx answers: the problems are shown with 200 there.
        status=200 if is_htmx(request) else status,
    )
