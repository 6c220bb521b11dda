"""Forms of the commitment pages: parse and check input; the rules are in ledger.services."""

from __future__ import annotations

from typing import Any

from django import forms

from trustledger.ledger.models import Stakes, Visibility
from trustledger.ledger.services import WHAT_MAX
from trustledger.org.models import Person

PROMISE, ASK = "promise", "ask"

_MOMENT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class ProposeForm(forms.Form):
    """I promise them … / I ask them …: what, what done means, by when, stakes, who sees it."""

    direction = forms.ChoiceField(
        label="I…",
        choices=[(PROMISE, "promise them"), (ASK, "ask them")],
        initial=PROMISE,
        widget=forms.RadioSelect,
    )
    what = forms.CharField(label="What", max_length=WHAT_MAX)
    done_means = forms.CharField(
        label="Done means",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="How both of you will tell it is done.",
    )
    due_at = forms.DateTimeField(label="Due", widget=_MOMENT)
    stakes = forms.ChoiceField(label="Stakes", choices=Stakes.choices, initial=Stakes.ROUTINE)
    visibility = forms.ChoiceField(
        label="Who can see it", choices=Visibility.choices, initial=Visibility.PARTIES
    )
    witnesses = forms.ModelMultipleChoiceField(
        label="Witnesses",
        queryset=Person.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 4}),
        help_text="Optional: people who see it and can vouch for it.",
    )

    def __init__(self, *args: Any, witness_choices: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if witness_choices is not None:
            self.fields["witnesses"].queryset = witness_choices  # type: ignore[attr-defined]


class StepForm(forms.Form):
    """One step on a commitment; ``counter`` and ``renegotiate`` also carry new terms."""

    step = forms.CharField(max_length=32)
    what = forms.CharField(label="What", max_length=WHAT_MAX, required=False)
    done_means = forms.CharField(
        label="Done means",
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    due_at = forms.DateTimeField(label="New due date", required=False, widget=_MOMENT)
    note = forms.CharField(label="Note", max_length=2000, required=False)

    def terms(self) -> dict[str, Any]:
        """The service's keyword arguments: only the terms that were filled in, and the note."""
        data = self.cleaned_data
        fields: dict[str, Any] = {"note": data.get("note", "").strip()}
        for name in ("what", "done_means", "due_at"):
            value = data.get(name)
            if value not in (None, ""):
                fields[name] = value
        return fields
