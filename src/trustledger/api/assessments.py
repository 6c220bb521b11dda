"""Survey campaigns for HR: instruments, campaigns, rater groups, launch, progress, close.

Every handler: parse → ``Actor.from_request`` → one service call → schema. Who may do what
(HR and administrators; a subject person reads their own progress rows) and every rule live
in :mod:`trustledger.assessments.services`. ``POST /campaigns/{id}/launch`` answers with the
one-time links not sent to their raters: they are in that response only (only their digests
are stored).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field

from trustledger.accounts.actors import Actor
from trustledger.api import instruments
from trustledger.api.errors import COMMON_ERRORS, OBJECT_ERRORS
from trustledger.api.ledger import Moment
from trustledger.api.schemas import Limit, Offset, Page, PersonRef, TeamRef, Text, page_of
from trustledger.assessments import invitations, services
from trustledger.assessments.instruments import Instrument
from trustledger.assessments.models import Campaign, CampaignSubject

router = Router(tags=["survey campaigns"])

#: Most subjects or raters one request may name.
MAX_IDS = 2000
GroupName = Annotated[str, Field(min_length=1, max_length=32)]


# --- schemas -----------------------------------------------------------------------------------


class DimensionOut(Schema):
    """What an instrument measures."""

    id: str
    name: str


class FormOut(Schema):
    """A form: what the raters of ``rater_groups`` answer."""

    id: str
    title: str
    rater_groups: list[str]
    items: int = Field(description="how many items the form has")
    allow_skip: bool


class InstrumentOut(Schema):
    """An instrument a campaign can run (its newest version)."""

    id: str
    version: int
    title: str
    description: str
    anonymous: bool
    subjects: Literal["people", "teams"] = Field(description="what a campaign's subjects are")
    rater_groups: list[str]
    dimensions: list[DimensionOut]
    forms: list[FormOut]


class CampaignOut(Schema):
    """A campaign: one instrument version over some subjects, draft → live → closed."""

    id: uuid.UUID
    title: str
    instrument_id: str
    instrument_version: int
    status: Literal["draft", "live", "closed"]
    opens_at: dt.datetime
    closes_at: dt.datetime
    anonymity_k: int = Field(description="no cut of fewer people is shown; locked once live")
    subject_count: int
    created_at: dt.datetime
    launched_at: dt.datetime | None
    closed_at: dt.datetime | None


class SubjectOut(Schema):
    """Whom a campaign assesses: a person (``person``) or a team (``person`` null)."""

    id: uuid.UUID
    label: str
    person: PersonRef | None
    team: TeamRef | None = Field(description="the team results are reported under")


class CampaignDetailOut(CampaignOut):
    """A campaign with its subjects and the rater groups its instrument has."""

    rater_groups: list[str]
    subjects: list[SubjectOut]


class CampaignIn(Schema):
    """A new draft campaign. Subjects are person ids for an instrument about people, team ids
    for a team survey (``GET /instruments`` says which). ``anonymity_k`` defaults to the
    server's setting and is never below 3."""

    title: Text = Field(min_length=1, max_length=services.TITLE_MAX)
    instrument_id: Text = Field(min_length=1, max_length=64)
    instrument_version: int | None = Field(None, ge=1, le=1_000_000)
    subject_ids: list[uuid.UUID] = Field(min_length=1, max_length=MAX_IDS)
    opens_at: Moment
    closes_at: Moment
    anonymity_k: int | None = Field(None, ge=0, le=1000)


class SubjectRatersOut(Schema):
    """One subject's raters by group (every group of the instrument, empty ones too)."""

    subject_id: uuid.UUID
    label: str
    groups: dict[str, list[PersonRef]]


class RaterGroupsIn(Schema):
    """A subject's raters: rater group → person ids. Groups left out end up empty."""

    groups: dict[GroupName, Annotated[list[uuid.UUID], Field(max_length=MAX_IDS)]]


class LinkOut(Schema):
    """One rater's invitation. A link ``sent`` to the rater (e-mail, webhook) is theirs:
    ``token`` and ``url`` are then null. Otherwise they are in this response only — the
    link cannot be read again."""

    invitation_id: uuid.UUID
    person: PersonRef
    subject_id: uuid.UUID
    group: str
    sent: bool
    token: str | None
    url: str | None


class LaunchOut(Schema):
    """The campaign, now live, and one link per rater — **shown once**."""

    campaign: CampaignOut
    links: list[LinkOut]


class ProgressOut(Schema):
    """Responses for the campaign (``subject_id`` null), a subject (``group`` null) or one of its
    rater groups. A cut the anonymity rule hides has ``shown`` false, null counts and a
    ``note`` saying why."""

    subject_id: uuid.UUID | None
    subject_label: str
    group: str | None
    shown: bool
    invited: int | None
    responded: int | None
    note: str


# --- helpers (shaping only) --------------------------------------------------------------------


def _actor(request: HttpRequest) -> Actor:
    return Actor.from_request(request, via="api")


def _instrument_out(instrument: Instrument) -> InstrumentOut:
    teams = services.subjects_are_teams(instrument)
    return InstrumentOut(
        id=instrument.id,
        version=instrument.version,
        title=instrument.title,
        description=instrument.description,
        anonymous=instrument.anonymous,
        subjects="teams" if teams else "people",
        rater_groups=services.rater_groups(instrument),
        dimensions=[DimensionOut(id=d.id, name=d.name) for d in instrument.dimensions],
        forms=[
            FormOut(
                id=f.id,
                title=f.title,
                rater_groups=list(f.rater_groups),
                items=len(f.items),
                allow_skip=f.allow_skip,
            )
            for f in instrument.forms
        ],
    )


def _campaign_out(campaign: Campaign, subject_count: int) -> dict[str, Any]:
    return {
        "id": campaign.pk,
        "title": campaign.title,
        "instrument_id": campaign.instrument_id,
        "instrument_version": campaign.instrument_version,
        "status": campaign.status,
        "opens_at": campaign.opens_at,
        "closes_at": campaign.closes_at,
        "anonymity_k": campaign.anonymity_k,
        "subject_count": subject_count,
        "created_at": campaign.created_at,
        "launched_at": campaign.launched_at,
        "closed_at": campaign.closed_at,
    }


def _subject_out(subject: CampaignSubject) -> SubjectOut:
    return SubjectOut(
        id=subject.pk,
        label=str(subject),
        person=PersonRef(id=subject.person.pk, name=subject.person.name)
        if subject.person
        else None,
        team=TeamRef(id=subject.team.pk, name=subject.team.name) if subject.team else None,
    )


def _detail(actor: Actor, campaign: Campaign) -> CampaignDetailOut:
    subjects = services.subjects_of(actor, campaign.pk)
    return CampaignDetailOut(
        **_campaign_out(campaign, len(subjects)),
        rater_groups=services.rater_groups(services.instrument_of(campaign)),
        subjects=[_subject_out(s) for s in subjects],
    )


def _raters(
    actor: Actor, campaign_id: uuid.UUID, only: uuid.UUID | None = None
) -> list[SubjectRatersOut]:
    campaign = services.get_campaign(actor, campaign_id)
    groups = services.rater_groups(services.instrument_of(campaign))
    subjects = [s for s in services.subjects_of(actor, campaign.pk) if only is None or s.pk == only]
    shaped = {
        s.pk: SubjectRatersOut(subject_id=s.pk, label=str(s), groups={g: [] for g in groups})
        for s in subjects
    }
    for rater in services.raters_of(actor, campaign.pk).order_by("person__name"):
        if rater.subject_id in shaped:
            shaped[rater.subject_id].groups.setdefault(rater.group, []).append(
                PersonRef(id=rater.person.pk, name=rater.person.name)
            )
    return [shaped[s.pk] for s in subjects]


# --- instruments and campaigns -----------------------------------------------------------------


# On the instruments router, next to ``POST /instruments`` (api/instruments.py): one path
# must live in one router, or the first router's URL pattern answers 405 to the other method.
@instruments.router.get(
    "/instruments", response={200: list[InstrumentOut], **COMMON_ERRORS}, tags=["survey campaigns"]
)
def list_instruments(request: HttpRequest) -> list[InstrumentOut]:
    """The instruments a campaign can run (newest version of each), for anyone signed in."""
    _actor(request)
    return [_instrument_out(i) for i in services.available_instruments()]


@router.get("/campaigns", response={200: Page[CampaignOut], **COMMON_ERRORS})
def list_campaigns(
    request: HttpRequest, limit: Limit = 100, offset: Offset = 0
) -> dict[str, object]:
    """Every campaign, newest first (HR, administrators)."""
    page = page_of(services.list_campaigns(_actor(request)), limit, offset)
    page["items"] = [_campaign_out(c, c.subject_count) for c in page["items"]]  # type: ignore[attr-defined]
    return page


@router.post("/campaigns", response={201: CampaignDetailOut, **COMMON_ERRORS})
def create_campaign(request: HttpRequest, payload: CampaignIn) -> Status[CampaignDetailOut]:
    """Create a draft campaign with rater groups derived from today's organisation (HR,
    administrators). Every bad field is named (422)."""
    actor = _actor(request)
    campaign = services.create_campaign(actor, **payload.model_dump())
    return Status(201, _detail(actor, campaign))


@router.get("/campaigns/{campaign_id}", response={200: CampaignDetailOut, **OBJECT_ERRORS})
def get_campaign(request: HttpRequest, campaign_id: uuid.UUID) -> CampaignDetailOut:
    """One campaign with its subjects (HR, administrators)."""
    actor = _actor(request)
    return _detail(actor, services.get_campaign(actor, campaign_id))


@router.get(
    "/campaigns/{campaign_id}/raters", response={200: list[SubjectRatersOut], **OBJECT_ERRORS}
)
def get_raters(request: HttpRequest, campaign_id: uuid.UUID) -> list[SubjectRatersOut]:
    """Every subject's raters by group (HR, administrators), to review before launch."""
    return _raters(_actor(request), campaign_id)


@router.put(
    "/campaigns/{campaign_id}/subjects/{subject_id}/raters",
    response={200: SubjectRatersOut, **OBJECT_ERRORS},
)
def set_raters(
    request: HttpRequest, campaign_id: uuid.UUID, subject_id: uuid.UUID, payload: RaterGroupsIn
) -> SubjectRatersOut:
    """Replace one subject's raters (HR, administrators), before launch only.

    A person is in one group only, and only the subject is in ``self``; errors (422) are
    named by group (``peers``, ``self``…) or ``groups`` for the request as a whole.
    """
    actor = _actor(request)
    services.set_rater_groups(actor, campaign_id, subject_id, payload.groups)
    return _raters(actor, campaign_id, only=subject_id)[0]


@router.post("/campaigns/{campaign_id}/launch", response={200: LaunchOut, **OBJECT_ERRORS})
def launch_campaign(request: HttpRequest, campaign_id: uuid.UUID) -> LaunchOut:
    """Make a draft live (HR, administrators): one single-use link per rater, sent to each rater
    with an e-mail address (or over the webhook). The others' links are returned in this
    response **only** — hand them over now. k, the instrument and the raters are then fixed."""
    actor = _actor(request)
    links = services.launch(actor, campaign_id)
    campaign = services.get_campaign(actor, campaign_id)
    return LaunchOut(
        campaign=CampaignOut(
            **_campaign_out(campaign, len(services.subjects_of(actor, campaign_id)))
        ),
        links=[
            LinkOut(
                invitation_id=link.invitation_id,
                person=PersonRef(id=link.person.pk, name=link.person.name),
                subject_id=link.subject_id,
                group=link.group,
                sent=link.sent,
                token=None if link.sent else link.token,
                url=None if link.sent else invitations.survey_url(link.token),
            )
            for link in links
        ],
    )


@router.get("/campaigns/{campaign_id}/progress", response={200: list[ProgressOut], **OBJECT_ERRORS})
def get_progress(request: HttpRequest, campaign_id: uuid.UUID) -> list[services.ProgressRow]:
    """Responses per campaign, subject and rater group — counts only, and only for cuts the
    anonymity rule shows (HR, administrators; a subject person sees their own rows)."""
    return services.campaign_progress(_actor(request), campaign_id)


@router.post("/campaigns/{campaign_id}/close", response={200: CampaignOut, **OBJECT_ERRORS})
def close_campaign(request: HttpRequest, campaign_id: uuid.UUID) -> CampaignOut:
    """End a live campaign now (HR, administrators): its links stop working."""
    actor = _actor(request)
    campaign = services.close(actor, campaign_id)
    return CampaignOut(**_campaign_out(campaign, len(services.subjects_of(actor, campaign_id))))
