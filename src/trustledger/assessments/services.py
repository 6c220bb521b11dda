"""Campaign use cases: create, set rater groups, launch, respond, progress, close, reminders.

Every function but :func:`respond` takes an :class:`~trustledger.accounts.actors.Actor`,
checks permission before any transaction (so refused attempts stay in the audit log) and
does its work in one transaction. :func:`respond` takes no actor: the one-time link's secret
is the credential, and recording who answered is exactly what an anonymous survey must not do.

Lifecycle: draft (subjects and rater groups editable) → live (invitations issued, k and the
instrument locked — in the database too, migration 0002) → closed (no more responses).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import secrets
import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from trustledger.accounts.actors import Actor
from trustledger.assessments import custom_instruments, invitations, results
from trustledger.assessments.anonymity import PROTECTS_OTHERS, check_k, disclose
from trustledger.assessments.instruments import Form, Instrument, builtin_versions
from trustledger.assessments.models import (
    AttributedResponse,
    Campaign,
    CampaignStatus,
    CampaignSubject,
    Invitation,
    Rater,
    RaterGroup,
    Response,
)
from trustledger.audit import services as audit
from trustledger.notify.services import default_channels
from trustledger.org import services as org
from trustledger.org.models import Person, Team

TITLE_MAX = 200
COMMENT_MAX = 2000
#: Rater groups about a person, in report order.
PERSON_GROUPS = (
    RaterGroup.SELF,
    RaterGroup.MANAGER,
    RaterGroup.PEERS,
    RaterGroup.DIRECT_REPORTS,
)


class LinkRefused(Exception):
    """A response link that cannot be used now; ``reason`` is one of the constants below and
    the message says so in words a respondent understands."""

    UNKNOWN = "unknown"
    USED = "used"
    NOT_OPEN = "not_open"
    EXPIRED = "expired"

    def __init__(self, reason: str, message: str) -> None:
        self.reason = reason
        super().__init__(message)


@dataclass(frozen=True)
class IssuedLink:
    """One invitation's secret, returned by :func:`launch` and shown once: only its digest
    is stored, so it cannot be recovered later (:func:`reissue_link` makes a new one).

    ``sent``: the link went to the person in a message (e-mail, webhook); when ``False`` they
    have no channel and HR hands it over. Pages show HR only the links not sent: a sent link
    is the rater's own."""

    invitation_id: uuid.UUID
    person: Person
    subject_id: uuid.UUID
    group: str
    token: str
    sent: bool = False


@dataclass
class SurveyReminderRun:
    """What one pass of :func:`send_survey_reminders` did (counts only: who was reminded is
    for the people reminded alone)."""

    as_of: dt.datetime
    sent: int = 0
    not_due: int = 0
    no_channel: int = 0


@dataclass(frozen=True)
class ProgressRow:
    """Completion of one cut of a campaign: the whole campaign (``subject_id`` None), one
    subject (``group`` None) or one rater group of a subject. ``invited`` and ``responded``
    are ``None`` when the cut is hidden; ``note`` then says why."""

    subject_id: uuid.UUID | None
    subject_label: str
    group: str | None
    shown: bool
    invited: int | None
    responded: int | None
    note: str


# --- instruments --------------------------------------------------------------------------


@functools.cache
def _builtin() -> dict[tuple[str, int], Instrument]:
    return builtin_versions()


def find_instrument(instrument_id: str, version: int | None = None) -> Instrument:
    """An instrument by id and version (default: the newest): built-in first, then those HR
    imported (:mod:`trustledger.assessments.custom_instruments`); ``ValidationError`` naming
    the field if there is none."""
    versions = {v: i for (iid, v), i in _builtin().items() if iid == instrument_id}
    if not versions:
        versions = custom_instruments.custom_versions(instrument_id)
    if not versions:
        known = sorted({iid for iid, _ in _builtin()}) + custom_instruments.custom_ids()
        raise ValidationError(
            {"instrument_id": f"no instrument {instrument_id!r}; choose from {', '.join(known)}"}
        )
    if version is None:
        return versions[max(versions)]
    if version not in versions:
        raise ValidationError(
            {"instrument_version": f"{instrument_id} has versions {sorted(versions)}"}
        )
    return versions[version]


def available_instruments() -> list[Instrument]:
    """The newest version of every instrument a campaign can run: the built-in ones by title,
    then the ones HR imported, by title."""
    newest: dict[str, Instrument] = {}
    for (iid, version), instrument in _builtin().items():
        if iid not in newest or version > newest[iid].version:
            newest[iid] = instrument
    builtin = sorted(newest.values(), key=lambda i: i.title)
    return builtin + [i for i in custom_instruments.newest_custom() if i.id not in newest]


def instrument_of(campaign: Campaign) -> Instrument:
    """The instrument version a campaign runs."""
    return find_instrument(campaign.instrument_id, campaign.instrument_version)


def subjects_are_teams(instrument: Instrument) -> bool:
    """Team surveys (pulse, culture) are about teams; the others are about a person."""
    return any(RaterGroup.TEAM in form.rater_groups for form in instrument.forms)


def form_for(instrument: Instrument, group: str) -> Form | None:
    """The form a rater in ``group`` answers, if the instrument has one."""
    return next((f for f in instrument.forms if group in f.rater_groups), None)


def _groups_of(instrument: Instrument) -> list[str]:
    if subjects_are_teams(instrument):
        return [RaterGroup.TEAM]
    return [g for g in PERSON_GROUPS if form_for(instrument, g) is not None]


# --- permissions and lookups --------------------------------------------------------------


def _require_hr(actor: Actor, action: str, object_id: object = "") -> None:
    if not actor.manages_people:
        audit.deny(actor, action, "campaign", object_id, "only HR and administrators run surveys")
    if not actor.can_write():
        audit.deny(actor, action, "campaign", object_id, "this API token is read-only")


def _campaign(campaign_id: uuid.UUID | str, *, lock: bool = False) -> Campaign:
    rows = Campaign.objects.select_for_update() if lock else Campaign.objects.all()
    try:
        return rows.get(pk=campaign_id)
    except (Campaign.DoesNotExist, ValidationError, ValueError):
        raise Http404(f"no campaign with id {campaign_id}") from None


def get_campaign(actor: Actor, campaign_id: uuid.UUID | str) -> Campaign:
    """One campaign, for HR and administrators."""
    if not actor.manages_people:
        audit.deny(actor, "campaign.read", "campaign", campaign_id, "only HR reads campaigns")
    return _campaign(campaign_id)


def raters_of(actor: Actor, campaign_id: uuid.UUID | str) -> QuerySet[Rater]:
    """Every subject's raters with their group (HR, administrators), for review before launch."""
    campaign = get_campaign(actor, campaign_id)
    return Rater.objects.filter(subject__campaign=campaign).select_related(
        "person", "subject__person", "subject__team"
    )


def require_campaign_admin(actor: Actor, action: str) -> None:
    """Refuse (audited) anyone but HR and administrators, e.g. before showing a form that
    only they may send."""
    _require_hr(actor, action)


def list_campaigns(actor: Actor) -> QuerySet[Campaign]:
    """Every campaign, newest first, each with its number of subjects (``subject_count``):
    the HR campaign list (HR, administrators)."""
    if not actor.manages_people:
        audit.deny(actor, "campaign.read", "campaign", "", "only HR reads campaigns")
    return Campaign.objects.annotate(subject_count=Count("subjects")).order_by("-created_at")


def subjects_of(actor: Actor, campaign_id: uuid.UUID | str) -> list[CampaignSubject]:
    """A campaign's subjects by name (HR, administrators), including any left without raters."""
    campaign = get_campaign(actor, campaign_id)
    rows = CampaignSubject.objects.filter(campaign=campaign).select_related("person", "team")
    return sorted(rows, key=lambda s: str(s).casefold())


def rater_groups(instrument: Instrument) -> list[str]:
    """The rater groups a campaign of ``instrument`` has, in report order."""
    return _groups_of(instrument)


def _active(person: Person, day: dt.date) -> bool:
    return not person.is_external and person.is_active_on(day)


# --- creating and editing a draft ---------------------------------------------------------


def derive_rater_groups(
    instrument: Instrument, subject: CampaignSubject, day: dt.date
) -> dict[str, list[Person]]:
    """The rater groups the organisation gives a subject on ``day``.

    About a person: self; their manager; peers — the manager's other direct reports; their
    direct reports. About a team: its current members. Only groups the instrument has a form
    for, only people employed that day and not external; nobody is in two groups.
    """
    if subject.person is None:
        members = Person.objects.filter(team=subject.team).order_by("name")
        return {RaterGroup.TEAM: [p for p in members if _active(p, day)]}
    leader = subject.person
    manager = org.manager_of(leader, day)
    candidates: dict[str, list[Person]] = {
        RaterGroup.SELF: [leader],
        RaterGroup.MANAGER: [manager] if manager else [],
        RaterGroup.PEERS: (
            list(org.direct_reports(manager, day).exclude(pk=leader.pk)) if manager else []
        ),
        RaterGroup.DIRECT_REPORTS: list(org.direct_reports(leader, day)),
    }
    seen: set[uuid.UUID] = set()
    groups: dict[str, list[Person]] = {}
    for group in _groups_of(instrument):
        groups[group] = []
        for person in candidates[group]:
            if person.pk not in seen and (group == RaterGroup.SELF or _active(person, day)):
                seen.add(person.pk)
                groups[group].append(person)
    return groups


def create_campaign(
    actor: Actor,
    *,
    title: str,
    instrument_id: str,
    subject_ids: Sequence[uuid.UUID | str],
    opens_at: dt.datetime,
    closes_at: dt.datetime,
    instrument_version: int | None = None,
    anonymity_k: int | None = None,
) -> Campaign:
    """A draft campaign (HR, administrators) with its subjects — people for an instrument
    about a person, teams for a team survey — and rater groups derived from today's org.

    ``anonymity_k`` defaults to ``settings.ANONYMITY_K`` and is never below 3. Raises
    ``ValidationError`` naming each bad field.
    """
    _require_hr(actor, "campaign.create")
    errors: dict[str, str] = {}
    instrument: Instrument | None = None
    try:
        instrument = find_instrument(instrument_id, instrument_version)
    except ValidationError as error:
        errors.update({k: "; ".join(v) for k, v in error.message_dict.items()})
    k = settings.ANONYMITY_K if anonymity_k is None else anonymity_k
    try:
        check_k(k)
    except ValueError as error:
        errors["anonymity_k"] = str(error)
    title = title.strip()
    if not title or len(title) > TITLE_MAX:
        errors["title"] = f"give the campaign a title of at most {TITLE_MAX} characters"
    if closes_at <= opens_at:
        errors["closes_at"] = "the campaign must close after it opens"
    elif closes_at <= timezone.now():
        errors["closes_at"] = "the closing time has already passed"
    subjects: list[Person] | list[Team] = []
    if instrument is not None:
        subjects = _find_subjects(instrument, subject_ids, errors)
    if errors or instrument is None:
        raise ValidationError(errors)
    day = org.today()
    with transaction.atomic():
        campaign = Campaign.objects.create(
            title=title,
            instrument_id=instrument.id,
            instrument_version=instrument.version,
            opens_at=opens_at,
            closes_at=closes_at,
            anonymity_k=k,
            created_by=actor.user,
        )
        for subject in subjects:
            if isinstance(subject, Team):
                row = CampaignSubject.objects.create(campaign=campaign, team=subject)
            else:
                row = CampaignSubject.objects.create(
                    campaign=campaign, person=subject, team=subject.team
                )
            _replace_raters(row, derive_rater_groups(instrument, row, day))
        audit.record(
            actor,
            "campaign.create",
            "campaign",
            campaign.pk,
            detail={
                "instrument": f"{instrument.id} v{instrument.version}",
                "anonymity_k": k,
                "subjects": len(subjects),
            },
        )
    return campaign


def _find_subjects(
    instrument: Instrument, subject_ids: Sequence[uuid.UUID | str], errors: dict[str, str]
) -> list[Person] | list[Team]:
    ids = list(dict.fromkeys(str(s) for s in subject_ids))
    if not ids:
        errors["subject_ids"] = "choose at least one subject"
        return []
    model: type[Person] | type[Team] = Team if subjects_are_teams(instrument) else Person
    try:
        found = {str(row.pk): row for row in model.objects.filter(pk__in=ids)}
    except ValidationError:
        found = {}
    missing = [i for i in ids if i not in found]
    if missing:
        kind = "team" if model is Team else "person"
        errors["subject_ids"] = f"no {kind} with id {', '.join(missing)}"
    return [found[i] for i in ids if i in found]  # type: ignore[return-value]


def _replace_raters(subject: CampaignSubject, groups: Mapping[str, Iterable[Person]]) -> None:
    Rater.objects.filter(subject=subject).delete()
    Rater.objects.bulk_create(
        Rater(subject=subject, person=person, group=group)
        for group, people in groups.items()
        for person in people
    )


def set_rater_groups(
    actor: Actor,
    campaign_id: uuid.UUID | str,
    subject_id: uuid.UUID | str,
    groups: Mapping[str, Iterable[uuid.UUID | str]],
) -> None:
    """Replace one subject's raters (HR, administrators), before launch only.

    ``groups`` maps a rater group to person ids; groups left out end up empty. A person is
    in at most one group; only the subject rates themself. ``ValidationError`` otherwise.
    """
    _require_hr(actor, "campaign.raters", campaign_id)
    with transaction.atomic():
        campaign = _campaign(campaign_id, lock=True)
        if campaign.status != CampaignStatus.DRAFT:
            raise ValidationError("rater groups can only be changed before the campaign launches")
        try:
            subject = CampaignSubject.objects.select_related("person").get(
                pk=subject_id, campaign=campaign
            )
        except (CampaignSubject.DoesNotExist, ValidationError, ValueError):
            raise Http404(f"no subject {subject_id} in this campaign") from None
        allowed = _groups_of(instrument_of(campaign))
        errors: dict[str, str] = {}
        wanted = {g: list(dict.fromkeys(str(p) for p in ids)) for g, ids in groups.items()}
        for group in wanted:
            if group not in allowed:
                errors[group] = f"not a rater group of this survey; choose from {allowed}"
        all_ids = [pid for ids in wanted.values() for pid in ids]
        twice = sorted({pid for pid in all_ids if all_ids.count(pid) > 1})
        if twice:
            errors["groups"] = f"a person can be in one rater group only: {', '.join(twice)}"
        people = {str(p.pk): p for p in Person.objects.filter(pk__in=all_ids)}
        missing = [pid for pid in all_ids if pid not in people]
        if missing:
            errors["groups"] = f"no person with id {', '.join(missing)}"
        own = wanted.get(RaterGroup.SELF, [])
        if own and (subject.person is None or own != [str(subject.person.pk)]):
            errors[RaterGroup.SELF] = "only the subject rates themself"
        if errors:
            raise ValidationError(errors)
        _replace_raters(
            subject, {g: [people[pid] for pid in ids] for g, ids in wanted.items() if g in allowed}
        )
        audit.record(
            actor,
            "campaign.raters",
            "campaign",
            campaign.pk,
            detail={"subject": str(subject.pk), "sizes": {g: len(i) for g, i in wanted.items()}},
        )


# --- launching, links and responding ------------------------------------------------------


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _new_token() -> str:
    """256 random bits: unguessable, so a fast hash is the right one (as for API tokens)."""
    return secrets.token_urlsafe(32)


def launch(actor: Actor, campaign_id: uuid.UUID | str) -> list[IssuedLink]:
    """Make a draft campaign live (HR, administrators): one invitation per rater, each with a
    one-time link that expires when the campaign closes, sent to the rater over their own
    channels (:mod:`trustledger.assessments.invitations`) once the launch commits. Returns the
    links, ``sent`` saying which went out; they are shown this once. From now on k, the
    instrument and the raters are fixed."""
    _require_hr(actor, "campaign.launch", campaign_id)
    sender = Actor.system("survey")
    with transaction.atomic():
        campaign = _campaign(campaign_id, lock=True)
        if campaign.status != CampaignStatus.DRAFT:
            raise ValidationError("this campaign has already been launched")
        now = timezone.now()
        if campaign.closes_at <= now:
            raise ValidationError({"closes_at": "the closing time has already passed"})
        instrument = instrument_of(campaign)
        raters = list(
            Rater.objects.filter(subject__campaign=campaign).select_related(
                "person", "subject__person", "subject__team"
            )
        )
        if not raters:
            raise ValidationError("no subject has any raters: nobody would be invited")
        issued: list[tuple[Rater, Invitation, str]] = []
        for rater in raters:
            form = form_for(instrument, rater.group)
            if form is None:  # set_rater_groups only allows groups with a form
                raise ValidationError(f"no form for rater group {rater.group}")
            token = _new_token()
            invitation = Invitation(
                campaign=campaign,
                subject=rater.subject,
                person=rater.person,
                group=rater.group,
                form_id=form.id,
                token_digest=_digest(token),
                expires_at=campaign.closes_at,
            )
            issued.append((rater, invitation, token))
        Invitation.objects.bulk_create(invitation for _, invitation, _ in issued)
        campaign.status = CampaignStatus.LIVE
        campaign.launched_at = now
        campaign.save(update_fields=["status", "launched_at"])
        links: list[IssuedLink] = []
        for rater, invitation, token in issued:
            # Recorded in this transaction, delivered after it commits (notify.send). No
            # dedupe key: these invitations are new, so no earlier message can exist.
            sent = invitations.send_link(
                sender,
                invitations.MessageKind.INVITATION,
                campaign=campaign,
                instrument=instrument,
                subject=rater.subject,
                person=rater.person,
                group=rater.group,
                token=token,
                now=now,
            )
            links.append(
                IssuedLink(invitation.pk, rater.person, rater.subject_id, rater.group, token, sent)
            )
        audit.record(
            actor,
            "campaign.launch",
            "campaign",
            campaign.pk,
            detail={"invitations": len(links), "sent": sum(link.sent for link in links)},
        )
    return links


def reissue_link(actor: Actor, invitation_id: uuid.UUID | str) -> str:
    """A fresh secret for an unused invitation (a lost e-mail, a reminder that carries the
    link); the old link stops working. HR, administrators and the system (reminders)."""
    _require_hr(actor, "campaign.reissue", invitation_id)
    token = _new_token()
    with transaction.atomic():
        updated = Invitation.objects.filter(
            pk=invitation_id, used_at__isnull=True, campaign__status=CampaignStatus.LIVE
        ).update(token_digest=_digest(token))
        if not updated:
            raise ValidationError("only an unused invitation of a live campaign gets a new link")
        audit.record(actor, "campaign.reissue", "invitation", invitation_id)
    return token


def validate_answers(
    form: Form, points: int, answers: Mapping[str, int | None]
) -> list[int | None]:
    """The answers in the form's item order, or ``ValidationError`` naming every bad item.

    Every item needs an integer from 1 to ``points``, or ``None`` — an explicit "cannot say"
    — where the form allows skipping. A missing item is not a skip.
    """
    errors: dict[str, str] = {}
    ordered: list[int | None] = []
    for item in form.items:
        if item.id not in answers:
            errors[item.id] = "answer this item" + (" or skip it" if form.allow_skip else "")
            continue
        value = answers[item.id]
        if value is None:
            if not form.allow_skip:
                errors[item.id] = "this survey needs an answer to every item"
            ordered.append(None)
        elif isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= points:
            errors[item.id] = f"choose a point from 1 to {points}"
        else:
            ordered.append(value)
    for unknown in sorted(set(answers) - {item.id for item in form.items}):
        errors[unknown] = "not an item of this form"
    if errors:
        raise ValidationError(errors)
    return ordered


def invitation_for_token(token: str) -> Invitation:
    """The invitation a link belongs to, if it can still be answered (to show the form);
    :class:`LinkRefused` otherwise."""
    invitation = (
        Invitation.objects.select_related("campaign", "subject__person", "subject__team")
        .filter(token_digest=_digest(token))
        .first()
    )
    if invitation is None:
        raise LinkRefused(
            LinkRefused.UNKNOWN, "This link is not valid. Check that you copied all of it."
        )
    if invitation.used_at is not None:
        raise LinkRefused(
            LinkRefused.USED, "This link has already been used: each link records one response."
        )
    now = timezone.now()
    campaign = invitation.campaign
    if campaign.status == CampaignStatus.CLOSED or now >= invitation.expires_at:
        raise LinkRefused(LinkRefused.EXPIRED, "This survey has closed; the link has expired.")
    if now < campaign.opens_at:
        raise LinkRefused(LinkRefused.NOT_OPEN, "This survey is not open yet.")
    return invitation


def respond(token: str, answers: Mapping[str, int | None], comment: str = "") -> None:
    """Record one response from a one-time link; the link's secret is the credential.

    Refuses (:class:`LinkRefused`) an unknown, used, expired or not-yet-open link, and
    (``ValidationError``) answers that do not fit the form — before using up the link. For an
    anonymous instrument the stored :class:`Response` carries no link to the invitation or
    the person; the invitation only records that it was used. Self ratings and answers to a
    non-anonymous instrument are stored as an :class:`AttributedResponse`.
    """
    invitation = invitation_for_token(token)
    campaign = invitation.campaign
    instrument = instrument_of(campaign)
    form = instrument.form(invitation.form_id)
    ordered = validate_answers(form, instrument.scale.points, answers)
    comment = comment.strip()
    if comment and instrument.comment_prompt is None:
        raise ValidationError({"comment": "this survey does not take comments"})
    if len(comment) > COMMENT_MAX:
        raise ValidationError({"comment": f"keep the comment under {COMMENT_MAX} characters"})
    fields = {
        "campaign": campaign,
        "subject": invitation.subject,
        "group": invitation.group,
        "team": invitation.subject.team,
        "instrument_id": instrument.id,
        "instrument_version": instrument.version,
        "form_id": form.id,
        "answers": ordered,
        "comment": comment,
    }
    with transaction.atomic():
        # Lock the campaign row: results are built under the same lock once the campaign
        # ends, so an answer is either in them or refused, never written after them.
        still_open = Campaign.objects.select_for_update().filter(
            pk=campaign.pk, status=CampaignStatus.LIVE, closes_at__gt=timezone.now()
        )
        if still_open.only("pk").first() is None:
            raise LinkRefused(LinkRefused.EXPIRED, "This survey has closed; the link has expired.")
        # The conditional update is the single-use check: of two simultaneous submissions,
        # exactly one changes the row.
        used = Invitation.objects.filter(pk=invitation.pk, used_at__isnull=True).update(
            used_at=timezone.now()
        )
        if not used:
            raise LinkRefused(
                LinkRefused.USED,
                "This link has already been used: each link records one response.",
            )
        if invitation.group == RaterGroup.SELF or not instrument.anonymous:
            AttributedResponse.objects.create(respondent=invitation.person, **fields)
        else:
            Response.objects.create(**fields)


# --- progress, closing, reminders ---------------------------------------------------------


def campaign_progress(actor: Actor, campaign_id: uuid.UUID | str) -> list[ProgressRow]:
    """How many invitations were used: for the campaign, each subject and each rater group.

    Only counts, and only for cuts the anonymity rule allows (:func:`disclose` over the sets
    of invitations, with the campaign's k): a group with fewer than k invitations shows
    "fewer than k", and a group whose count could be worked out from the others (the
    subject's total minus its shown groups) is hidden too. HR and administrators see every
    subject; a person who is a subject sees their own rows. Audited.
    """
    campaign = _campaign(campaign_id)
    own = actor.person
    sees_all = actor.manages_people
    if not sees_all and (
        own is None or not CampaignSubject.objects.filter(campaign=campaign, person=own).exists()
    ):
        audit.deny(
            actor,
            "campaign.progress",
            "campaign",
            campaign.pk,
            "only HR and the people assessed see a campaign's progress",
        )
    rows = Invitation.objects.filter(campaign=campaign).values_list(
        "pk", "subject_id", "group", "used_at"
    )
    cells: dict[tuple[str, ...], set[uuid.UUID]] = defaultdict(set)
    used: set[uuid.UUID] = set()
    cell: tuple[str, ...]
    for pk, subject_id, group, used_at in rows:
        for cell in (
            ("campaign",),
            ("subject", str(subject_id)),
            ("subject", str(subject_id), group),
        ):
            cells[cell].add(pk)
        if used_at is not None:
            used.add(pk)
    decision = disclose(dict(cells), campaign.anonymity_k)
    subjects = {
        str(s.pk): s
        for s in CampaignSubject.objects.filter(campaign=campaign).select_related("person", "team")
    }

    def order(key: tuple[str, ...]) -> tuple[int, str, tuple[str, ...]]:
        return (len(key) > 1, str(subjects[key[1]]) if len(key) > 1 else "", key)

    result: list[ProgressRow] = []
    for key in sorted(cells, key=order):
        members = cells[key]
        subject = subjects[key[1]] if len(key) > 1 else None
        if not sees_all and (subject is None or own is None or subject.person_id != own.pk):
            continue
        shown = decision.shown[key]
        if shown:
            note = ""
        elif decision.reason[key] == PROTECTS_OTHERS:
            note = "hidden so that a smaller group's count cannot be worked out"
        else:
            note = f"fewer than {campaign.anonymity_k} invitations"
        result.append(
            ProgressRow(
                subject_id=subject.pk if subject else None,
                subject_label=str(subject) if subject else campaign.title,
                group=key[2] if len(key) > 2 else None,
                shown=shown,
                invited=len(members) if shown else None,
                responded=len(members & used) if shown else None,
                note=note,
            )
        )
    audit.record(actor, "campaign.progress", "campaign", campaign.pk)
    return result


def close(actor: Actor, campaign_id: uuid.UUID | str) -> Campaign:
    """End a live campaign now (HR, administrators): its links stop working."""
    _require_hr(actor, "campaign.close", campaign_id)
    with transaction.atomic():
        campaign = _campaign(campaign_id, lock=True)
        if campaign.status != CampaignStatus.LIVE:
            raise ValidationError("only a live campaign can be closed")
        campaign.status = CampaignStatus.CLOSED
        campaign.closed_at = timezone.now()
        campaign.save(update_fields=["status", "closed_at"])
        audit.record(actor, "campaign.close", "campaign", campaign.pk)
    results.build_results(campaign)
    return campaign


def unused_invitations(actor: Actor, now: dt.datetime | None = None) -> QuerySet[Invitation]:
    """Invitations of open, live campaigns that have not been used: whom to remind.

    The system only (the reminder job): who has not answered yet is not for HR or managers
    to browse. A reminder carries a fresh link from :func:`reissue_link`, since the first
    one's secret was never stored.
    """
    if not actor.is_system:
        audit.deny(
            actor,
            "campaign.unused",
            "campaign",
            "",
            "only the reminder job lists who has not answered",
        )
    moment = now or timezone.now()
    return Invitation.objects.filter(
        campaign__status=CampaignStatus.LIVE,
        campaign__opens_at__lte=moment,
        expires_at__gt=moment,
        used_at__isnull=True,
    ).select_related("campaign", "person", "subject__person", "subject__team")


def send_survey_reminders(actor: Actor, now: dt.datetime | None = None) -> SurveyReminderRun:
    """Remind everyone who has not used their link of a live campaign that is open and closes
    later, at most once per ``settings.SURVEY_REMINDER_DAYS`` (counted from the invitation,
    then from the last reminder). Each reminder carries a fresh link (the old one stops
    working) and goes only to its recipient. The system only (``trustledger remind``).

    Idempotent within the interval: the invitation's ``last_reminded_at`` moves in the same
    conditional ``UPDATE`` that rotates the secret, so of two runs at once one reminds. People
    without a channel are skipped without touching their link (HR handed it over by hand),
    and so are people who have left. One audit record with the counts; nothing per person.
    """
    if not actor.is_system:
        audit.deny(
            actor, "campaign.remind", "campaign", "", "only the reminder job sends survey reminders"
        )
    moment = now or timezone.now()
    interval = dt.timedelta(days=settings.SURVEY_REMINDER_DAYS)
    run = SurveyReminderRun(as_of=moment)
    day = timezone.localdate(moment)
    instruments: dict[uuid.UUID, Instrument] = {}
    for invitation in unused_invitations(actor, moment).order_by("created_at", "pk"):
        last = invitation.last_reminded_at or invitation.created_at
        if last > moment - interval or not invitation.person.is_active_on(day):
            run.not_due += 1
            continue
        if not default_channels(invitation.person):
            run.no_channel += 1
            continue
        campaign = invitation.campaign
        if campaign.pk not in instruments:
            instruments[campaign.pk] = instrument_of(campaign)
        token = _new_token()
        with transaction.atomic():
            same_round = (
                Q(last_reminded_at=invitation.last_reminded_at)
                if invitation.last_reminded_at is not None
                else Q(last_reminded_at__isnull=True)
            )
            rotated = Invitation.objects.filter(
                same_round,
                pk=invitation.pk,
                used_at__isnull=True,
                campaign__status=CampaignStatus.LIVE,
                expires_at__gt=moment,
            )
            if not rotated.update(token_digest=_digest(token), last_reminded_at=moment):
                run.not_due += 1  # answered, closed or reminded by another run meanwhile
                continue
            invitations.send_link(
                actor,
                invitations.MessageKind.REMINDER,
                campaign=campaign,
                instrument=instruments[campaign.pk],
                subject=invitation.subject,
                person=invitation.person,
                group=invitation.group,
                token=token,
                now=moment,
                dedupe_key=f"survey.reminder:{invitation.pk}:{moment.isoformat()}",
            )
        run.sent += 1
    audit.record(
        actor,
        "campaign.remind",
        "campaign",
        "",
        detail={"as_of": moment.isoformat(), "sent": run.sent},
    )
    return run
