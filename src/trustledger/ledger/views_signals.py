"""Pages for trust signals (a card on a person's page) and 1:1 check-ins.

Views parse input and call :mod:`trustledger.ledger.trust_signals` and
:mod:`trustledger.ledger.checkins`; every rule (who may see or do what) lives there.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from trustledger.accounts.actors import Actor
from trustledger.ledger import checkins, trust_signals
from trustledger.ledger.models import SignalRole, Stakes, Visibility
from trustledger.ledger.services import WHAT_MAX
from trustledger.org import services as org_services
from trustledger.web.views import is_htmx, render_page

_MOMENT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def _status_for(request: HttpRequest, status: int) -> int:
    """htmx swaps only 2xx answers: a bad form is shown with 200 there."""
    return 200 if is_htmx(request) else status


def _attach(form: forms.Form, error: ValidationError) -> None:
    """Put a service's validation errors on the form fields they are about."""
    for name, messages in error.message_dict.items():
        field = name if name in form.fields else None
        for message in messages:
            form.add_error(field, message)


# --- trust signals -----------------------------------------------------------------------------


def _kind_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    kinds = trust_signals.signal_kinds()
    return [
        ("Builds trust", [(k.kind, k.label) for k in kinds if k.is_positive]),
        ("Breaks trust", [(k.kind, k.label) for k in kinds if not k.is_positive]),
    ]


class SignalForm(forms.Form):
    """What they did, how I know, a note, and who may see it."""

    kind = forms.ChoiceField(label="What they did", choices=_kind_choices)
    role = forms.ChoiceField(
        label="How I know",
        choices=SignalRole.choices,
        initial=SignalRole.RECIPIENT,
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label="Note",
        required=False,
        max_length=trust_signals.NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="What happened, in a sentence. They will read it.",
    )
    visibility = forms.ChoiceField(
        label="Who can see it", choices=Visibility.choices, initial=Visibility.PARTIES
    )
    occurred_at = forms.DateTimeField(
        label="When", required=False, widget=_MOMENT, help_text="Leave empty for now."
    )


class RetractForm(forms.Form):
    reason = forms.CharField(label="Why", max_length=trust_signals.NOTE_MAX)


def _signals_context(
    actor: Actor,
    person_id: uuid.UUID,
    form: SignalForm | None = None,
    recorded: Any = None,
) -> dict[str, Any]:
    subject = org_services.directory_entry(actor, person_id)
    is_me = actor.is_self(subject)
    kinds = {k.kind: k for k in trust_signals.signal_kinds()}
    shown = [
        {"signal": s, "kind": kinds.get(s.kind), "retraction": getattr(s, "retraction", None)}
        for s in trust_signals.signals_about(actor, subject.pk)
    ]
    return {
        "subject": subject,
        "is_me": is_me,
        "signals": shown,
        "form": form or SignalForm(),
        "can_record": actor.person is not None and not is_me,
        "recorded": recorded,
        "me_id": actor.person.pk if actor.person else None,
    }


@login_required
def person_signals(request: HttpRequest, person_id: uuid.UUID) -> HttpResponse:
    """The signals about a person that I may see, and a form to record one (htmx partial)."""
    actor = Actor.from_request(request)
    form: SignalForm | None = None
    recorded = None
    status = 200
    if request.method == "POST":
        form = SignalForm(request.POST)
        if form.is_valid():
            try:
                recorded = trust_signals.record_signal(
                    actor, subject_id=person_id, **form.cleaned_data
                )
            except ValidationError as error:
                _attach(form, error)
        if recorded is not None:
            if not is_htmx(request):
                return redirect("person", person_id=person_id)
            form = None
        else:
            status = _status_for(request, 422)
    context = _signals_context(actor, person_id, form, recorded)
    return render_page(
        request,
        "ledger/signals/person_signals.html",
        "ledger/signals/_signals.html",
        context,
        status=status,
    )


@login_required
@require_POST
def retract_signal(request: HttpRequest, signal_id: uuid.UUID) -> HttpResponse:
    """Take back a signal I recorded; shows the subject's signals again."""
    actor = Actor.from_request(request)
    signal = trust_signals.get_signal(actor, signal_id)
    form = RetractForm(request.POST)
    status = 200
    if form.is_valid():
        try:
            trust_signals.retract_signal(actor, signal.pk, reason=form.cleaned_data["reason"])
        except ValidationError:
            status = _status_for(request, 422)
    else:
        status = _status_for(request, 422)
    if not is_htmx(request) and status == 200:
        return redirect("person", person_id=signal.subject_id)
    context = _signals_context(actor, signal.subject_id)
    return render_page(
        request,
        "ledger/signals/person_signals.html",
        "ledger/signals/_signals.html",
        context,
        status=status,
    )


# --- 1:1 check-ins -----------------------------------------------------------------------------


class OneOnOneForm(forms.Form):
    with_id = forms.ChoiceField(label="With")
    held_at = forms.DateTimeField(label="When", widget=_MOMENT)
    agenda = forms.CharField(
        label="First agenda item",
        required=False,
        max_length=checkins.AGENDA_ITEM_MAX,
        help_text="Optional; both of you can add more.",
    )

    def __init__(self, *args: Any, partners: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["with_id"].choices = [(str(p.pk), p.name) for p in partners]  # type: ignore[attr-defined]


class AgendaForm(forms.Form):
    text = forms.CharField(label="Add to the agenda", max_length=checkins.AGENDA_ITEM_MAX)


class NotesForm(forms.Form):
    notes = forms.CharField(
        label="Private notes",
        required=False,
        max_length=checkins.NOTES_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="Only the two of you ever see these: not HR, not administrators.",
    )


class ActionItemForm(forms.Form):
    performer = forms.ChoiceField(
        label="Who will do it",
        choices=[("manager", "the manager"), ("report", "the report")],
        widget=forms.RadioSelect,
    )
    what = forms.CharField(label="What", max_length=WHAT_MAX)
    done_means = forms.CharField(
        label="Done means", max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )
    due_at = forms.DateTimeField(label="Due", widget=_MOMENT)
    stakes = forms.ChoiceField(label="Stakes", choices=Stakes.choices, initial=Stakes.ROUTINE)


@login_required
def one_on_ones_page(request: HttpRequest) -> HttpResponse:
    """My 1:1s, newest first, and a form to plan one with my manager or a report."""
    actor = Actor.from_request(request)
    partners = checkins.one_on_one_partners(actor)
    status = 200
    if request.method == "POST":
        form = OneOnOneForm(request.POST, partners=partners)
        if form.is_valid():
            data = form.cleaned_data
            try:
                created = checkins.create_one_on_one(
                    actor,
                    with_id=data["with_id"],
                    held_at=data["held_at"],
                    agenda=[data["agenda"]] if data["agenda"] else [],
                )
            except ValidationError as error:
                _attach(form, error)
            else:
                return redirect("one_on_one", one_on_one_id=created.pk)
        status = 422
    else:
        form = OneOnOneForm(partners=partners)
    context = {
        "section": "one_on_ones",
        "one_on_ones": checkins.my_one_on_ones(actor),
        "form": form,
        "partners": partners,
    }
    return render_page(
        request,
        "ledger/checkins/one_on_ones.html",
        "ledger/checkins/_one_on_one_list.html",
        context,
        status=status,
    )


def _one_on_one_context(actor: Actor, one_on_one_id: uuid.UUID, **forms_: Any) -> dict[str, Any]:
    one_on_one = checkins.get_one_on_one(actor, one_on_one_id)
    return {
        "section": "one_on_ones",
        "one_on_one": one_on_one,
        "agenda": checkins.agenda_of(actor, one_on_one.pk),
        "action_items": checkins.action_items(actor, one_on_one.pk),
        "agenda_form": forms_.get("agenda_form") or AgendaForm(),
        "notes_form": forms_.get("notes_form") or NotesForm(initial={"notes": one_on_one.notes}),
        "action_form": forms_.get("action_form") or ActionItemForm(),
        "saved": forms_.get("saved", ""),
    }


def _render_one_on_one(
    request: HttpRequest, actor: Actor, one_on_one_id: uuid.UUID, status: int = 200, **forms_: Any
) -> HttpResponse:
    context = _one_on_one_context(actor, one_on_one_id, **forms_)
    return render_page(
        request,
        "ledger/checkins/one_on_one.html",
        "ledger/checkins/_one_on_one.html",
        context,
        status=_status_for(request, status),
    )


@login_required
def one_on_one_page(request: HttpRequest, one_on_one_id: uuid.UUID) -> HttpResponse:
    """One 1:1: the shared agenda, the private notes and the action items (its two people only)."""
    return _render_one_on_one(request, Actor.from_request(request), one_on_one_id)


def _post_to_one_on_one(
    request: HttpRequest,
    one_on_one_id: uuid.UUID,
    form_class: type[forms.Form],
    save: Callable[[Actor, dict[str, Any]], object],
    saved: str,
) -> HttpResponse:
    """Validate a form posted to a 1:1 page, save it through a service, or show the errors."""
    actor = Actor.from_request(request)
    checkins.get_one_on_one(actor, one_on_one_id)  # 404 before reading any input
    form = form_class(request.POST)
    if form.is_valid():
        try:
            save(actor, form.cleaned_data)
        except ValidationError as error:
            _attach(form, error)
        else:
            return _after_change(request, actor, one_on_one_id, saved=saved)
    forms_by_name = {f"{saved}_form": form}
    return _render_one_on_one(request, actor, one_on_one_id, 422, **forms_by_name)


@login_required
@require_POST
def one_on_one_agenda(request: HttpRequest, one_on_one_id: uuid.UUID) -> HttpResponse:
    """Add an agenda item."""
    return _post_to_one_on_one(
        request,
        one_on_one_id,
        AgendaForm,
        lambda actor, data: checkins.add_agenda_item(actor, one_on_one_id, data["text"]),
        "agenda",
    )


@login_required
@require_POST
def one_on_one_notes(request: HttpRequest, one_on_one_id: uuid.UUID) -> HttpResponse:
    """Save the private notes."""
    return _post_to_one_on_one(
        request,
        one_on_one_id,
        NotesForm,
        lambda actor, data: checkins.update_notes(actor, one_on_one_id, data["notes"]),
        "notes",
    )


@login_required
@require_POST
def one_on_one_action(request: HttpRequest, one_on_one_id: uuid.UUID) -> HttpResponse:
    """Add an action item: a commitment in either direction, for the other side to accept."""
    return _post_to_one_on_one(
        request,
        one_on_one_id,
        ActionItemForm,
        lambda actor, data: checkins.add_action_item(actor, one_on_one_id, **data),
        "action",
    )


def _after_change(
    request: HttpRequest, actor: Actor, one_on_one_id: uuid.UUID, saved: str
) -> HttpResponse:
    """htmx: the refreshed 1:1; a plain form post: back to the 1:1 page (post/redirect/get)."""
    if not is_htmx(request):
        return redirect("one_on_one", one_on_one_id=one_on_one_id)
    return _render_one_on_one(request, actor, one_on_one_id, saved=saved)
