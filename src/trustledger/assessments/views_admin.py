"""Campaign administration pages for HR: list, create, edit rater groups, launch, progress, close.

Views parse input (:mod:`trustledger.assessments.forms`) and call
:mod:`trustledger.assessments.services`, which decide who may do what (HR and administrators;
anyone else gets 403, and the refusal is audited there). After a launch the one-time links are
shown in that one response only: they are never stored, not even in the session.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from trustledger.accounts.actors import Actor
from trustledger.assessments import invitations, services
from trustledger.assessments.forms import ADD, CampaignForm, RaterChangeForm
from trustledger.assessments.models import Campaign, CampaignStatus, CampaignSubject, RaterGroup
from trustledger.assessments.services import IssuedLink, ProgressRow
from trustledger.org import services as org_services
from trustledger.org.models import Person, Team
from trustledger.web.views import is_htmx, paginate

#: How many search matches the subject and rater pickers show.
MATCHES_SHOWN = 12
#: A new campaign's default window.
DEFAULT_WINDOW = dt.timedelta(days=14)
GROUP_LABELS: dict[str, str] = dict(RaterGroup.choices)


# --- presentation helpers (they only describe what the services decided) --------------------


def instrument_title(campaign: Campaign) -> str:
    """The instrument's title, or its id and version if it is no longer known."""
    try:
        return services.instrument_of(campaign).title
    except ValidationError:
        return f"{campaign.instrument_id} v{campaign.instrument_version}"


@dataclass(frozen=True)
class CampaignRow:
    """One campaign as a row of the list, with its overall progress (if shown)."""

    campaign: Campaign
    instrument: str
    progress: ProgressRow | None


@dataclass(frozen=True)
class GroupBox:
    """One rater group of a subject as the draft page shows it."""

    group: str
    label: str
    people: list[Person]


@dataclass
class SubjectBox:
    """A subject of a draft campaign, its rater groups and the add/remove form's state."""

    subject: CampaignSubject
    groups: list[GroupBox]
    form: RaterChangeForm
    query: str = ""
    matches: Sequence[Person] = ()


def _actor(request: HttpRequest) -> Actor:
    return Actor.from_request(request)


def _progress_label(row: ProgressRow) -> str:
    if row.subject_id is None:
        return "Whole campaign"
    if row.group is None:
        return "All groups"
    return GROUP_LABELS.get(row.group, row.group)


def _people_matches(actor: Actor, query: str, exclude: set[uuid.UUID]) -> list[Person]:
    if not query:
        return []
    found = org_services.directory(actor, query=query)[: MATCHES_SHOWN + len(exclude)]
    return [p for p in found if p.pk not in exclude][:MATCHES_SHOWN]


def _team_matches(actor: Actor, query: str, exclude: set[uuid.UUID]) -> list[Team]:
    needle = query.casefold()
    found = [
        t
        for t in org_services.teams(actor)
        if t.pk not in exclude and (not needle or needle in t.name.casefold())
    ]
    return found[:MATCHES_SHOWN]


# --- the list ---------------------------------------------------------------------------------


@login_required
@require_GET
def campaign_list(request: HttpRequest) -> HttpResponse:
    """Every campaign: title, instrument, status, window, subjects and response progress."""
    actor = _actor(request)
    page_obj = paginate(request, services.list_campaigns(actor))
    rows = []
    for campaign in page_obj:
        progress = None
        if campaign.status != CampaignStatus.DRAFT:
            overall = services.campaign_progress(actor, campaign.pk)
            progress = next((r for r in overall if r.subject_id is None), None)
        rows.append(CampaignRow(campaign, instrument_title(campaign), progress))
    return render(request, "assessments/campaign_list.html", {"page_obj": page_obj, "rows": rows})


# --- a new campaign ---------------------------------------------------------------------------


def _picker_context(actor: Actor, data: QueryDict | dict[str, Any]) -> dict[str, Any]:
    """The subject picker: the chosen subjects (kept while searching) and the matches of ``q``.

    Subjects of the wrong kind for the instrument (people for a team survey) are dropped.
    """
    instruments = services.available_instruments()
    wanted = str(data.get("instrument") or (instruments[0].id if instruments else ""))
    instrument = next((i for i in instruments if i.id == wanted), None)
    teams = instrument is not None and services.subjects_are_teams(instrument)
    raw = data.getlist("subjects") if isinstance(data, QueryDict) else data.get("subjects", [])
    ids: list[uuid.UUID] = []
    for value in raw:
        try:
            ids.append(uuid.UUID(str(value)))
        except ValueError:
            continue
    query = str(data.get("q") or "").strip()[:200]
    chosen: list[Person] | list[Team]
    matches: list[Person] | list[Team]
    if teams:
        by_id = {t.pk: t for t in org_services.teams(actor) if t.pk in ids}
        chosen = [by_id[i] for i in ids if i in by_id]
        matches = _team_matches(actor, query, set(by_id)) if query else []
    else:
        people = org_services.directory(actor).filter(pk__in=ids)
        by_person = {p.pk: p for p in people}
        chosen = [by_person[i] for i in ids if i in by_person]
        matches = _people_matches(actor, query, set(by_person))
    return {
        "subjects_are_teams": teams,
        "kind": "teams" if teams else "people",
        "chosen": chosen,
        "matches": matches,
        "subject_query": query,
    }


def _default_window() -> dict[str, Any]:
    start = timezone.localtime().replace(second=0, microsecond=0)
    return {"opens_at": start, "closes_at": start + DEFAULT_WINDOW}


@login_required
@require_http_methods(["GET", "POST"])
def campaign_new(request: HttpRequest) -> HttpResponse:
    """The "New campaign" form. A valid one makes a draft and opens it for rater review."""
    actor = _actor(request)
    services.require_campaign_admin(actor, "campaign.create")
    tz = timezone.get_current_timezone_name()
    if request.method == "GET":
        form = CampaignForm(initial=_default_window())
        context = {"form": form, **_picker_context(actor, request.GET), "time_zone": tz}
        return render(request, "assessments/campaign_new.html", context)
    form = CampaignForm(request.POST)
    context = {"form": form, **_picker_context(actor, request.POST), "time_zone": tz}
    if "search" in request.POST:  # the search button, for browsers without JavaScript
        form.errors.clear()
        return render(request, "assessments/campaign_new.html", context)
    if form.is_valid():
        data = form.cleaned_data
        try:
            campaign = services.create_campaign(
                actor,
                title=data["title"],
                instrument_id=data["instrument"],
                subject_ids=data["subjects"],
                opens_at=data["opens_at"],
                closes_at=data["closes_at"],
                anonymity_k=data["anonymity_k"],
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, "Draft created. Review the raters, then launch.")
            return redirect("campaign_detail", campaign_id=campaign.pk)
    return render(request, "assessments/campaign_new.html", context, status=400)


@login_required
@require_GET
def campaign_subject_picker(request: HttpRequest) -> HttpResponse:
    """The subject picker as a fragment, for the live search on the "New campaign" form."""
    actor = _actor(request)
    services.require_campaign_admin(actor, "campaign.create")
    context = _picker_context(actor, request.GET)
    return render(request, "assessments/_campaign_subject_picker.html", context)


# --- one campaign -----------------------------------------------------------------------------


def _subject_boxes(
    actor: Actor,
    campaign: Campaign,
    forms: dict[uuid.UUID, SubjectBox] | None = None,
) -> list[SubjectBox]:
    """Every subject with its rater groups (empty ones too); ``forms`` carries a bound form."""
    groups = services.rater_groups(services.instrument_of(campaign))
    members: dict[tuple[uuid.UUID, str], list[Person]] = {}
    for rater in services.raters_of(actor, campaign.pk):
        members.setdefault((rater.subject_id, rater.group), []).append(rater.person)
    boxes = []
    for subject in services.subjects_of(actor, campaign.pk):
        if forms and subject.pk in forms:
            box = forms[subject.pk]
        else:
            box = SubjectBox(subject, [], RaterChangeForm(groups=groups))
        box.groups = [
            GroupBox(g, GROUP_LABELS.get(g, g), members.get((subject.pk, g), [])) for g in groups
        ]
        boxes.append(box)
    return boxes


def _detail_context(
    actor: Actor, campaign: Campaign, forms: dict[uuid.UUID, SubjectBox] | None = None
) -> dict[str, Any]:
    context: dict[str, Any] = {
        "campaign": campaign,
        "instrument": instrument_title(campaign),
        "is_draft": campaign.status == CampaignStatus.DRAFT,
        "results_url": reverse("campaign_detail", args=[campaign.pk]) + "results/",
    }
    if campaign.status == CampaignStatus.DRAFT:
        context["subjects"] = _subject_boxes(actor, campaign, forms)
    else:
        context["progress"] = [
            (row, _progress_label(row)) for row in services.campaign_progress(actor, campaign.pk)
        ]
    return context


@login_required
@require_GET
def campaign_detail(request: HttpRequest, campaign_id: uuid.UUID) -> HttpResponse:
    """A draft's rater groups (editable) and Launch; a live or closed campaign's progress."""
    actor = _actor(request)
    campaign = services.get_campaign(actor, campaign_id)
    return render(request, "assessments/campaign_detail.html", _detail_context(actor, campaign))


def _change_raters(
    actor: Actor, campaign: Campaign, subject: CampaignSubject, form: RaterChangeForm
) -> None:
    """Apply a valid add/remove through ``set_rater_groups``; its refusals go on the form."""
    groups = services.rater_groups(services.instrument_of(campaign))
    wanted: dict[str, list[uuid.UUID]] = {g: [] for g in groups}
    for rater in services.raters_of(actor, campaign.pk).filter(subject=subject):
        wanted.setdefault(rater.group, []).append(rater.person_id)
    person: uuid.UUID = form.cleaned_data["person"]
    if form.cleaned_data["action"] == ADD:
        wanted.setdefault(form.cleaned_data["group"], []).append(person)
    else:
        wanted = {g: [p for p in ids if p != person] for g, ids in wanted.items()}
    try:
        services.set_rater_groups(actor, campaign.pk, subject.pk, wanted)
    except ValidationError as error:
        if not hasattr(error, "error_dict"):  # e.g. the campaign was launched meanwhile
            for text in error.messages:
                form.add_error(None, text)
            return
        for key, texts in error.message_dict.items():
            # The service names a group ("self") or "groups" (a person twice, or unknown).
            field = "person" if key == "groups" else "group" if key in groups else None
            for text in texts:
                form.add_error(field, text)


@login_required
@require_POST
def campaign_raters(
    request: HttpRequest, campaign_id: uuid.UUID, subject_id: uuid.UUID
) -> HttpResponse:
    """Add a person to a subject's rater group, or remove them (draft only).

    htmx gets the subject's card back (with any error next to its field); without
    JavaScript the page is reloaded, or shown again with the error.
    """
    actor = _actor(request)
    campaign = services.get_campaign(actor, campaign_id)
    subject = next(
        (s for s in services.subjects_of(actor, campaign.pk) if s.pk == subject_id), None
    )
    if subject is None:
        raise Http404(f"no subject {subject_id} in this campaign")
    groups = services.rater_groups(services.instrument_of(campaign))
    form = RaterChangeForm(request.POST, groups=groups)
    if form.is_valid():
        _change_raters(actor, campaign, subject, form)
    query = request.POST.get("q", "").strip()[:200]
    failed = bool(form.errors)
    if not failed:  # a fresh form, still on the group just used
        form = RaterChangeForm(groups=groups, initial={"group": request.POST.get("group")})
        query = ""
    box = SubjectBox(subject, [], form, query, _people_matches(actor, query, set()))
    is_draft = campaign.status == CampaignStatus.DRAFT
    if is_htmx(request):
        _subject_boxes(actor, campaign, {subject.pk: box})  # fills in box.groups
        context = {"campaign": campaign, "box": box, "is_draft": is_draft}
        return render(request, "assessments/_campaign_subject.html", context)
    if not failed or not is_draft:  # a live campaign's page has no rater forms to show it on
        if failed:
            refusal = (
                " ".join(map(str, form.non_field_errors())) or "the campaign has been launched"
            )
            messages.error(request, refusal)
        return redirect(reverse("campaign_detail", args=[campaign.pk]) + f"#subject-{subject.pk}")
    context = _detail_context(actor, campaign, {subject.pk: box})
    return render(request, "assessments/campaign_detail.html", context, status=400)


@login_required
@require_GET
def campaign_people(
    request: HttpRequest, campaign_id: uuid.UUID, subject_id: uuid.UUID
) -> HttpResponse:
    """People matching ``q``, each with an Add button for the subject's add form (htmx)."""
    actor = _actor(request)
    campaign = services.get_campaign(actor, campaign_id)
    query = request.GET.get("q", "").strip()[:200]
    context = {
        "campaign": campaign,
        "subject_id": subject_id,
        "query": query,
        "matches": _people_matches(actor, query, set()),
    }
    return render(request, "assessments/_campaign_people.html", context)


# --- launch and close -------------------------------------------------------------------------


@dataclass(frozen=True)
class ShownLink:
    """An issued link as the launch page lists it."""

    person: Person
    subject: str
    group: str
    url: str


def _shown_links(actor: Actor, campaign: Campaign, links: list[IssuedLink]) -> list[ShownLink]:
    names = {s.pk: str(s) for s in services.subjects_of(actor, campaign.pk)}
    order = {group: n for n, group in enumerate(RaterGroup.values)}
    links = sorted(
        links,
        key=lambda k: (
            names.get(k.subject_id, "").casefold(),
            order.get(k.group, len(order)),
            k.person.name.casefold(),
        ),
    )
    return [
        ShownLink(
            person=link.person,
            subject=names.get(link.subject_id, ""),
            group=GROUP_LABELS.get(link.group, link.group),
            url=invitations.survey_url(link.token),
        )
        for link in links
    ]


@login_required
@require_http_methods(["GET", "POST"])
def campaign_launch(request: HttpRequest, campaign_id: uuid.UUID) -> HttpResponse:
    """GET: confirm the launch (what becomes fixed). POST: launch and show the links once.

    Links sent to the rater (e-mail, webhook) are theirs and not shown; the others — raters
    without a channel — are rendered into this one response (``Cache-Control: no-store``)
    and kept nowhere: only their digests are stored, so they cannot be shown again.
    """
    actor = _actor(request)
    campaign = services.get_campaign(actor, campaign_id)
    context: dict[str, Any] = {
        "campaign": campaign,
        "instrument": instrument_title(campaign),
        "invitations": services.raters_of(actor, campaign.pk).count(),
        "subject_count": len(services.subjects_of(actor, campaign.pk)),
    }
    if request.method == "GET":
        return render(request, "assessments/campaign_launch.html", context)
    try:
        links = services.launch(actor, campaign.pk)
    except ValidationError as error:
        context["errors"] = error.messages
        return render(request, "assessments/campaign_launch.html", context, status=400)
    campaign.refresh_from_db()
    # A link that went out by e-mail or webhook is the rater's own: HR sees only the others.
    context.update(
        campaign=campaign,
        links=_shown_links(actor, campaign, [link for link in links if not link.sent]),
        issued=len(links),
        sent=sum(link.sent for link in links),
    )
    response = render(request, "assessments/campaign_launched.html", context)
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "same-origin"
    return response


@login_required
@require_POST
def campaign_close(request: HttpRequest, campaign_id: uuid.UUID) -> HttpResponse:
    """End a live campaign now: its links stop working."""
    actor = _actor(request)
    try:
        services.close(actor, campaign_id)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Campaign closed: its links no longer work.")
    return redirect("campaign_detail", campaign_id=campaign_id)
