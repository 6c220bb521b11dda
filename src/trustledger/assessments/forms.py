"""Forms of the campaign administration pages: parse and check input.

The rules (who may, which subjects, k never below 3, one group per person) are in
:mod:`trustledger.assessments.services`; these forms only turn posted text into the
service's arguments, and put the service's refusals next to the field they name.
"""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError

from trustledger.assessments import services
from trustledger.assessments.anonymity import MINIMUM_K
from trustledger.assessments.models import RaterGroup

_MOMENT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")

#: Service error keys → the form field they are about.
CAMPAIGN_FIELDS = {
    "title": "title",
    "instrument_id": "instrument",
    "instrument_version": "instrument",
    "subject_ids": "subjects",
    "opens_at": "opens_at",
    "closes_at": "closes_at",
    "anonymity_k": "anonymity_k",
}


class UUIDListField(forms.Field):
    """Several ids under one name (``subjects=…&subjects=…``); each must be a UUID."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value: Any) -> list[uuid.UUID]:
        if not value:
            return []
        values = value if isinstance(value, list | tuple) else [value]
        ids: list[uuid.UUID] = []
        for raw in values:
            try:
                ids.append(uuid.UUID(str(raw)))
            except ValueError:
                raise ValidationError(f"{str(raw)[:40]!r} is not an id") from None
        return list(dict.fromkeys(ids))


def instrument_choices() -> list[tuple[str, str]]:
    """Every instrument a campaign can run, as (id, "title (about people/teams)")."""
    return [
        (i.id, f"{i.title} — about {'teams' if services.subjects_are_teams(i) else 'people'}")
        for i in services.available_instruments()
    ]


class CampaignForm(forms.Form):
    """A new campaign: title, instrument, subjects, the window, and the anonymity threshold."""

    title = forms.CharField(label="Title", max_length=services.TITLE_MAX)
    instrument = forms.ChoiceField(label="Instrument")
    subjects = UUIDListField(
        label="Subjects",
        help_text="People for an assessment about a person; teams for a team survey.",
        error_messages={"required": "choose at least one subject"},
    )
    opens_at = forms.DateTimeField(label="Opens", widget=_MOMENT)
    closes_at = forms.DateTimeField(label="Closes", widget=_MOMENT)
    anonymity_k = forms.IntegerField(
        label="Anonymity threshold (k)",
        min_value=MINIMUM_K,
        max_value=1000,
        help_text=(
            f"No result or count is shown for a group of fewer than k people. It cannot go "
            f"below {MINIMUM_K}, and it is locked when the campaign launches."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["instrument"].choices = instrument_choices()  # type: ignore[attr-defined]
        self.fields["anonymity_k"].initial = settings.ANONYMITY_K

    def add_service_errors(self, error: ValidationError) -> None:
        """Put a service's ``ValidationError`` next to the fields it names."""
        if not hasattr(error, "error_dict"):
            for message in error.messages:
                self.add_error(None, message)
            return
        for key, messages in error.message_dict.items():
            field = CAMPAIGN_FIELDS.get(key)
            for message in messages:
                self.add_error(field, message)


ADD, REMOVE = "add", "remove"


class RaterChangeForm(forms.Form):
    """Add a person to one rater group of a subject, or remove them from the subject."""

    action = forms.ChoiceField(choices=[(ADD, "add"), (REMOVE, "remove")])
    person = forms.UUIDField(
        label="Person",
        required=False,
        error_messages={"invalid": "choose a person from the search results"},
    )
    group = forms.ChoiceField(label="Rater group", required=False, choices=RaterGroup.choices)
    q = forms.CharField(label="Find a person", required=False, max_length=200)

    def __init__(self, *args: Any, groups: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        labels = dict(RaterGroup.choices)
        self.fields["group"].choices = [(g, labels[g]) for g in groups]  # type: ignore[attr-defined]
        if not self.initial.get("group"):  # the subject is already their own rater
            others = [g for g in groups if g != RaterGroup.SELF]
            self.initial["group"] = (others or groups or [""])[0]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("action") and not data.get("person") and "person" not in self.errors:
            self.add_error("person", "choose a person from the search results")
        if data.get("action") == ADD and not data.get("group") and "group" not in self.errors:
            self.add_error("group", "choose the rater group to add them to")
        return data
