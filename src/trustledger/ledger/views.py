"""Commitment pages: my commitments, propose from a person's page, a commitment and its timeline.

Views parse input and call :mod:`trustledger.ledger.services`; who may see or do what is decided
there. A commitment the visitor may not see is a plain 404, so its existence does not leak.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from trustledger.accounts.actors import Actor
from trustledger.ledger import figures, services
from trustledger.ledger.forms import PROMISE, ProposeForm, StepForm
from trustledger.ledger.lifecycle import BrokenReason, Status, Step
from trustledger.ledger.models import Commitment
from trustledger.org import services as org_services
from trustledger.web.views import is_htmx, paginate, render_page

#: The tabs of "my commitments", in order: (key, label, what it lists).
TABS = (
    ("given", "Given", "Promises you made."),
    ("received", "Received", "Promises made to you."),
    ("to_answer", "To answer", "Proposals waiting for your answer."),
    ("to_confirm", "To confirm", "Deliveries waiting for you to confirm (or dispute) them."),
    ("due_soon", "Due soon", "Your promises due in the next two days."),
    ("overdue", "Overdue", "Your promises past their due date: deliver or renegotiate."),
)
_TAB_ROWS = {"to_answer": "awaiting_my_answer"}

#: What each step is called on its button.
STEP_BUTTONS = {
    Step.ACCEPT: "Accept",
    Step.DECLINE: "Decline",
    Step.COUNTER: "Counter-offer",
    Step.CANCEL: "Take the proposal back",
    Step.DELIVER: "Mark delivered",
    Step.CONFIRM: "Confirm delivery",
    Step.DISPUTE: "Dispute the delivery",
    Step.RENEGOTIATE: "Renegotiate",
    Step.ACCEPT_RENEGOTIATION: "Accept the new terms",
    Step.REJECT_RENEGOTIATION: "Keep the old terms",
    Step.RELEASE: "Release them from it",
    Step.WITHDRAW: "Withdraw (breaks the promise)",
    Step.MARK_BROKEN: "Record as broken",
}
#: Steps that need new terms: they open a form instead of being a single button.
TERMS_STEPS = frozenset({Step.COUNTER, Step.RENEGOTIATE})
#: Steps that end or hurt the commitment: shown apart, as a warning.
GRAVE_STEPS = frozenset({Step.DECLINE, Step.WITHDRAW, Step.DISPUTE})

#: What the timeline says happened.
EVENT_LABELS = {
    Step.PROPOSE: "proposed it",
    Step.CANCEL: "took the proposal back",
    Step.ACCEPT: "accepted",
    Step.DECLINE: "declined",
    Step.COUNTER: "made a counter-offer",
    Step.DELIVER: "delivered",
    Step.CONFIRM: "confirmed the delivery",
    Step.DISPUTE: "disputed the delivery",
    Step.RENEGOTIATE: "proposed new terms",
    Step.ACCEPT_RENEGOTIATION: "accepted the new terms",
    Step.REJECT_RENEGOTIATION: "kept the old terms",
    Step.RELEASE: "released the performer from it",
    Step.WITHDRAW: "withdrew: the promise is broken",
    Step.MARK_BROKEN: "recorded it as broken: the due date passed",
}

STATUS_LABELS = {
    Status.PROPOSED: "proposed",
    Status.COUNTER_OFFERED: "counter-offered",
    Status.ACCEPTED: "accepted",
    Status.DECLINED: "declined",
    Status.DELIVERED: "delivered",
    Status.CONFIRMED: "confirmed",
    Status.DISPUTED: "disputed",
    Status.RELEASED: "released",
    Status.BROKEN: "broken",
    Status.CANCELLED: "cancelled",
}
_STILL_DUE = frozenset({Status.PROPOSED, Status.COUNTER_OFFERED, Status.ACCEPTED, Status.BROKEN})


# --- presentation helpers (no rules: they only describe what the services decided) -------------


@dataclass(frozen=True)
class TermsChange:
    """One term that changed: its label, the value before and the value after."""

    label: str
    before: str
    after: str


@dataclass(frozen=True)
class ShownEntry(services.TimelineEntry):
    """A timeline entry with the words the page shows for it."""

    @property
    def label(self) -> str:
        """What happened, in words ("proposed new terms")."""
        return EVENT_LABELS.get(Step(self.event.step), self.event.step)

    @property
    def who(self) -> str:
        """The person who took the step, or "the system"."""
        return self.event.actor.name if self.event.actor else "The system"

    @property
    def changes(self) -> list[TermsChange]:
        """The terms that differ between ``before`` and ``terms`` (before → after)."""
        if self.before is None or self.terms is None:
            return []
        changed = []
        for label, name in (("What", "what"), ("Done means", "done_means")):
            old, new = getattr(self.before, name), getattr(self.terms, name)
            if old != new:
                changed.append(TermsChange(label, old, new))
        if self.before.due_at != self.terms.due_at:
            changed.append(
                TermsChange("Due", _moment(self.before.due_at), _moment(self.terms.due_at))
            )
        return changed


def _moment(value: dt.datetime) -> str:
    return timezone.localtime(value).strftime("%-d %b %Y, %H:%M")


def _plural(count: int, unit: str) -> str:
    return f"{count} {unit}" if count == 1 else f"{count} {unit}s"


def _span(delta: dt.timedelta) -> str:
    seconds = abs(delta.total_seconds())
    if seconds < 3600:
        return _plural(max(1, round(seconds / 60)), "minute")
    if seconds < 86400:
        return _plural(round(seconds / 3600), "hour")
    return _plural(round(seconds / 86400), "day")


def due_phrase(due_at: dt.datetime, now: dt.datetime, still_due: bool = True) -> str:
    """When it is due, in words: "in 2 days", "3 days overdue" ("was due 3 days ago" if settled)."""
    delta = due_at - now
    if delta.total_seconds() >= 0:
        return f"in {_span(delta)}"
    return f"{_span(delta)} overdue" if still_due else f"was due {_span(delta)} ago"


def _row(commitment: Commitment, me: uuid.UUID | None, now: dt.datetime) -> dict[str, Any]:
    """A commitment as one row of a list, seen from ``me``."""
    status = services.effective_status(commitment, now)
    i_perform = commitment.performer_id == me
    still_due = status in _STILL_DUE and commitment.broken_reason != BrokenReason.WITHDRAWN
    return {
        "commitment": commitment,
        "status": status.value,
        "status_label": STATUS_LABELS[status],
        "direction": "to" if i_perform else "from",
        "other": commitment.requester if i_perform else commitment.performer,
        "due": due_phrase(commitment.due_at, now, still_due),
        "overdue": still_due and commitment.due_at < now,
    }


def _delivery_phrase(commitment: Commitment) -> str:
    """Once delivered: "delivered on time" or "delivered late"; empty before."""
    if commitment.delivered_at is None:
        return ""
    return "delivered on time" if commitment.delivered_on_time else "delivered late"


def _status_for(request: HttpRequest, status: int) -> int:
    """htmx swaps only 2xx answers: a refused step or bad form is shown with 200 there."""
    return 200 if is_htmx(request) else status


# --- my commitments ----------------------------------------------------------------------------


@login_required
def my_commitments_page(request: HttpRequest) -> HttpResponse:
    """Given / received / to answer / to confirm / due soon / overdue, as tabs, 50 per page."""
    actor = Actor.from_request(request)
    now = timezone.now()
    mine = services.my_commitments(actor, as_of=now)
    keys = [key for key, _, _ in TABS]
    tab = request.GET.get("tab", "given")
    if tab not in keys:
        tab = "given"
    lists = {key: getattr(mine, _TAB_ROWS.get(key, key)) for key in keys}
    page_obj = paginate(request, lists[tab])
    me = actor.person.pk if actor.person else None
    context = {
        "tabs": [
            {"key": key, "label": label, "help": help_text, "count": lists[key].count()}
            for key, label, help_text in TABS
        ],
        "tab": tab,
        "tab_help": {key: help_text for key, _, help_text in TABS}[tab],
        "page_obj": page_obj,
        "rows": [_row(commitment, me, now) for commitment in page_obj],
        "has_person": actor.person is not None,
    }
    return render_page(
        request, "ledger/my_commitments.html", "ledger/_my_commitments.html", context
    )


@login_required
def my_follow_through(request: HttpRequest) -> HttpResponse:
    """My own follow-through figures (private to me), loaded into the page by htmx."""
    actor = Actor.from_request(request)
    mine = figures.follow_through(actor, actor.person.pk) if actor.person else None
    context = {"figures": mine, "k": settings.ANONYMITY_K}
    return render(request, "ledger/_follow_through.html", context)


# --- propose from a person's page --------------------------------------------------------------


def _form_errors(form: ProposeForm, error: ValidationError) -> None:
    """Attach a service's validation errors to the form fields they are about."""
    fields = {"witness_ids": "witnesses", "performer_id": None, "requester_id": None}
    for name, messages in error.message_dict.items():
        field = fields.get(name, name)
        if field is not None and field not in form.fields:
            field = None
        for message in messages:
            form.add_error(field, message)


@login_required
def propose_page(request: HttpRequest, person_id: uuid.UUID) -> HttpResponse:
    """Propose to ``person_id``: "I promise them …" or "I ask them …"; htmx loads it inline."""
    actor = Actor.from_request(request)
    other = org_services.directory_entry(actor, person_id)
    me = actor.person
    witnesses = org_services.directory(actor).exclude(pk__in=[other.pk, me.pk if me else None])
    created: Commitment | None = None
    status = 200
    if request.method == "POST":
        form = ProposeForm(request.POST, witness_choices=witnesses)
        if form.is_valid():
            data = form.cleaned_data
            promise = data["direction"] == PROMISE
            mine = me.pk if me else None
            try:
                created = services.propose(
                    actor,
                    performer_id=mine if promise else other.pk,  # type: ignore[arg-type]
                    requester_id=other.pk if promise else mine,  # type: ignore[arg-type]
                    what=data["what"],
                    done_means=data["done_means"],
                    due_at=data["due_at"],
                    stakes=data["stakes"],
                    visibility=data["visibility"],
                    witness_ids=[person.pk for person in data["witnesses"]],
                )
            except ValidationError as error:
                _form_errors(form, error)
        if created is not None:
            if not is_htmx(request):
                return redirect("commitment", commitment_id=created.pk)
            form = ProposeForm(witness_choices=witnesses)
        else:
            status = _status_for(request, 422)
    else:
        form = ProposeForm(witness_choices=witnesses)
    context = {"other": other, "form": form, "created": created, "can_propose": me is not None}
    return render_page(
        request, "ledger/propose.html", "ledger/_propose_form.html", context, status=status
    )


# --- one commitment ----------------------------------------------------------------------------


def _commitment_context(
    actor: Actor, commitment_id: uuid.UUID, step_form: StepForm | None = None
) -> dict[str, Any]:
    commitment = services.get_commitment(actor, commitment_id)
    now = timezone.now()
    state = services.state_of(commitment)
    status = services.effective_status(commitment, now)
    steps = [Step(step) for step in services.steps_for(actor, commitment, at=now)]
    side = services.side_of(actor, commitment)
    still_due = status in _STILL_DUE and commitment.broken_reason != BrokenReason.WITHDRAWN
    return {
        "commitment": commitment,
        "status": status.value,
        "status_label": STATUS_LABELS[status],
        "due": _delivery_phrase(commitment) or due_phrase(commitment.due_at, now, still_due),
        "before_due": now <= commitment.due_at,
        "pending": state.pending_terms,
        "witnesses": list(commitment.witnesses.order_by("name")),
        "my_side": side.value if side else None,
        "entries": [
            ShownEntry(e.event, e.terms, e.before, e.note)
            for e in services.timeline(actor, commitment)
        ],
        "buttons": [
            {"step": step.value, "label": STEP_BUTTONS[step], "grave": step in GRAVE_STEPS}
            for step in steps
            if step not in TERMS_STEPS
        ],
        "terms_steps": [
            {"step": step.value, "label": STEP_BUTTONS[step]}
            for step in steps
            if step in TERMS_STEPS
        ],
        "terms": state.terms,
        "step_form": step_form,
    }


@login_required
def commitment_page(request: HttpRequest, commitment_id: uuid.UUID) -> HttpResponse:
    """A commitment, its timeline, and buttons for exactly the steps the visitor may take now."""
    actor = Actor.from_request(request)
    context = _commitment_context(actor, commitment_id)
    return render_page(request, "ledger/commitment.html", "ledger/_commitment.html", context)


@login_required
@require_POST
def take_step(request: HttpRequest, commitment_id: uuid.UUID) -> HttpResponse:
    """Take one step (a button, or the new-terms form); a refused step says what is allowed."""
    actor = Actor.from_request(request)
    form = StepForm(request.POST)
    error = ""
    status = 200
    if form.is_valid():
        try:
            services.take_step(actor, commitment_id, form.cleaned_data["step"], **form.terms())
        except services.StepRefused as refused:
            allowed = ", ".join(STEP_BUTTONS[step].lower() for step in refused.allowed)
            error = f"That step is not open to you now. You can: {allowed or 'nothing more'}."
            status = 409
        except ValidationError as invalid:
            error = "; ".join(invalid.messages)
            status = 422
        else:
            if not is_htmx(request):
                return redirect(reverse("commitment", args=[commitment_id]))
            form = None  # type: ignore[assignment]
    else:
        error = "; ".join(
            f"{name}: {' '.join(str(e) for e in errs)}" for name, errs in form.errors.items()
        )
        status = 422
    context = _commitment_context(actor, commitment_id, step_form=form if error else None)
    context["error"] = error
    return render_page(
        request,
        "ledger/commitment.html",
        "ledger/_commitment.html",
        context,
        status=_status_for(request, status),
    )
