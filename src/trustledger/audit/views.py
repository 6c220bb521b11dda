"""The audit log page: administrators see who did what, when, and what was refused."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse

from trustledger.accounts.actors import Actor
from trustledger.audit import services
from trustledger.web.views import paginate, render_page


class AuditFilter(forms.Form):
    action = forms.CharField(required=False, max_length=64)
    actor = forms.CharField(required=False, max_length=200)
    allowed = forms.TypedChoiceField(
        required=False,
        choices=[("", "Allowed and refused"), ("yes", "Allowed only"), ("no", "Refused only")],
        coerce=lambda value: value == "yes",
        empty_value=None,
    )


@login_required
def audit_log(request: HttpRequest) -> HttpResponse:
    """The audit log, newest first, filtered by action, actor and outcome; 50 per page."""
    actor = Actor.from_request(request)
    form = AuditFilter(request.GET)
    filters = form.cleaned_data if form.is_valid() else {}
    events = services.list_events(
        actor,
        action=filters.get("action") or None,
        actor_label=filters.get("actor") or None,
        allowed=filters.get("allowed"),
    )
    context = {"form": form, "page_obj": paginate(request, events)}
    return render_page(request, "audit/audit_log.html", "audit/_audit_table.html", context)
