"""The respond page: a rater answers a survey from a one-time link, signed in or not.

The link's secret is the credential, so the page needs no sign-in. It parses the form and
calls :func:`trustledger.assessments.services.respond`; what a link may do is decided there.
The secret is in the URL, so every answer here is ``Cache-Control: no-store`` (no copy in a
shared browser's cache or a proxy) and ``Referrer-Policy: same-origin`` (the URL is never sent
to another site; ``no-referrer`` would also make browsers send ``Origin: null`` with the form,
which Django's CSRF check rightly refuses).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from trustledger.assessments import services
from trustledger.assessments.anonymity import DEFAULT_COMMENT_K
from trustledger.assessments.instruments import Form, Instrument, Item
from trustledger.assessments.models import Invitation, RaterGroup
from trustledger.assessments.services import LinkRefused

#: The radio value for "cannot say" (stored as a skipped item).
SKIP = "skip"
#: How each refusal is answered: HTTP status and the page's heading.
REFUSALS = {
    LinkRefused.UNKNOWN: (404, "This link does not work"),
    LinkRefused.USED: (410, "This link has already been used"),
    LinkRefused.EXPIRED: (410, "This survey has closed"),
    LinkRefused.NOT_OPEN: (403, "This survey is not open yet"),
}
GROUP_NAMES: dict[str, str] = {
    RaterGroup.SELF: "yourself",
    RaterGroup.MANAGER: "their manager",
    RaterGroup.PEERS: "a peer",
    RaterGroup.DIRECT_REPORTS: "a direct report",
    RaterGroup.TEAM: "a team member",
}


@dataclass(frozen=True)
class Question:
    """One item as the page shows it: its text, the chosen value and any error."""

    number: int
    item: Item
    chosen: str
    error: str

    @property
    def field(self) -> str:
        """The name of the item's radio group."""
        return f"item-{self.item.id}"


def _private(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "same-origin"
    return response


def _refused(request: HttpRequest, refused: LinkRefused) -> HttpResponse:
    status, heading = REFUSALS.get(refused.reason, REFUSALS[LinkRefused.UNKNOWN])
    context = {"reason": refused.reason, "heading": heading, "message": str(refused)}
    return _private(render(request, "assessments/refused.html", context, status=status))


def _parse_answers(data: QueryDict, form: Form, points: int) -> dict[str, int | None]:
    """The answers the form sent: a point, ``None`` for "cannot say"; unanswered items are
    left out (the service names them). A value that is not a point becomes 0, which the
    service refuses for that item, so a tampered form gets the same per-item message."""
    answers: dict[str, int | None] = {}
    for item in form.items:
        raw = data.get(f"item-{item.id}")
        if raw is None or raw == "":
            continue
        if raw == SKIP:
            answers[item.id] = None
        else:
            answers[item.id] = int(raw) if raw.isdigit() and 1 <= int(raw) <= points else 0
    return answers


def _form_context(
    invitation: Invitation,
    instrument: Instrument,
    chosen: dict[str, str],
    errors: dict[str, str],
    comment: str,
) -> dict[str, Any]:
    campaign = invitation.campaign
    form = instrument.form(invitation.form_id)
    questions = [
        Question(n, item, chosen.get(item.id, ""), errors.get(item.id, ""))
        for n, item in enumerate(form.items, start=1)
    ]
    subject = invitation.subject
    is_self = invitation.group == RaterGroup.SELF
    return {
        "campaign": campaign,
        "instrument": instrument,
        "form": form,
        "subject_name": str(subject.person) if subject.person else str(subject.team),
        "about_a_team": subject.person is None,
        "group_name": GROUP_NAMES.get(invitation.group, invitation.group),
        "group_label": RaterGroup(invitation.group).label.lower(),
        "is_self": is_self,
        "attributed": is_self or not instrument.anonymous,
        "questions": questions,
        "scale": list(enumerate(instrument.scale.labels, start=1)),
        "skip": SKIP,
        "k": campaign.anonymity_k,
        "comment_k": max(DEFAULT_COMMENT_K, campaign.anonymity_k),
        "comment": comment,
        "comment_max": services.COMMENT_MAX,
        "comment_error": errors.get("comment", ""),
        "other_errors": [
            m
            for key, m in errors.items()
            if key not in {i.id for i in form.items} and key != "comment"
        ],
        "error_questions": [q for q in questions if q.error],
    }


@login_not_required
@require_http_methods(["GET", "POST"])
def respond_page(request: HttpRequest, token: str) -> HttpResponse:
    """Show a survey's form to the holder of a one-time link, and record their answers.

    No sign-in: the link is the credential. A link that cannot be used gets a page saying
    why (404 unknown — nothing about any campaign —, 410 used or closed, 403 not open yet).
    Bad answers re-show the form with each problem next to its item and the answers kept;
    the link is only used up by a valid response, which leads to the thank-you page.
    """
    try:
        invitation = services.invitation_for_token(token)
    except LinkRefused as refused:
        return _refused(request, refused)
    instrument = services.instrument_of(invitation.campaign)
    form = instrument.form(invitation.form_id)
    chosen: dict[str, str] = {}
    errors: dict[str, str] = {}
    comment = ""
    status = 200
    if request.method == "POST":
        comment = request.POST.get("comment", "")
        answers = _parse_answers(request.POST, form, instrument.scale.points)
        try:
            services.respond(token, answers, comment)
        except LinkRefused as refused:
            return _refused(request, refused)
        except ValidationError as error:
            errors = {key: " ".join(messages) for key, messages in error.message_dict.items()}
            chosen = {
                item_id: SKIP if value is None else str(value)
                for item_id, value in answers.items()
                if value != 0
            }
            status = 400
        else:
            return _private(redirect("survey_thanks"))
    context = _form_context(invitation, instrument, chosen, errors, comment)
    return _private(render(request, "assessments/respond.html", context, status=status))


@login_not_required
@require_http_methods(["GET"])
def thanks_page(request: HttpRequest) -> HttpResponse:
    """After a response: thanks, and no way back to the answers (the link is used up)."""
    return _private(render(request, "assessments/thanks.html"))
