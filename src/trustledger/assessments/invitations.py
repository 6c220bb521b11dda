"""Survey invitations and reminders as messages: what a rater is told, and handing it to notify.

A rater's message carries their own one-time link, so it goes only to them — over their own
channels (:func:`trustledger.notify.services.default_channels`: e-mail, and the webhook when one
is configured, which must route to the person, docs/reminders.md). Nothing here says who has
or has not answered to anyone else: a reminder names only its recipient's own survey.

The link is a secret, and notify stores message bodies (``Message.url`` and ``body``) to deliver
and retry them; docs/assessments.md ("Invitations are sent") says why that is accepted and
what limits it. The secret is never put in ``Message.data``, the audit log or a log line.
"""

from __future__ import annotations

import datetime as dt
import enum

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from trustledger.accounts.actors import Actor
from trustledger.assessments.instruments import Instrument
from trustledger.assessments.models import Campaign, CampaignSubject, RaterGroup
from trustledger.notify import services as notify
from trustledger.org.models import Person

#: What a group's rater is asked, after "rate": the subject as that rater sees them.
_AS = {
    RaterGroup.MANAGER: "as their manager",
    RaterGroup.PEERS: "as one of their peers",
    RaterGroup.DIRECT_REPORTS: "as one of the people who report to them",
}


class MessageKind(enum.StrEnum):
    """``Message.kind`` of the two survey messages."""

    INVITATION = "survey.invitation"
    REMINDER = "survey.reminder"


def survey_url(token: str) -> str:
    """The absolute address of a one-time survey link (``TRUSTLEDGER_SITE_URL`` + the route)."""
    return f"{settings.SITE_URL}{reverse('survey_respond', args=[token])}"


def _when(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%a %d %b %Y, %H:%M %Z")


def _about(subject: CampaignSubject, group: str) -> str:
    if group == RaterGroup.SELF:
        return "yourself"
    if subject.person is None:
        return f"your team, {subject.team}"
    return f"{subject.person.name} {_AS.get(RaterGroup(group), '')}".strip()


def _privacy(instrument: Instrument, group: str, k: int) -> str:
    if group == RaterGroup.SELF:
        return (
            "Your self-rating is stored with your name and shown only to you, next to what "
            "others said."
        )
    if not instrument.anonymous:
        return "This survey is not anonymous: your answers are stored with your name."
    return (
        "Your answers are stored without your name, and results are shown only for groups "
        f"of at least {k} people."
    )


def compose(
    kind: MessageKind,
    campaign: Campaign,
    instrument: Instrument,
    subject: CampaignSubject,
    group: str,
    now: dt.datetime,
) -> tuple[str, str]:
    """The subject line and plain-text body of an invitation or a reminder (the link goes in
    the message's ``url``, which e-mail appends and the webhook sends as its own field)."""
    about = _about(subject, group)
    opens = (
        f"It opens {_when(campaign.opens_at)} and closes {_when(campaign.closes_at)}."
        if campaign.opens_at > now
        else f"It closes {_when(campaign.closes_at)}."
    )
    personal = (
        "The link below is yours alone and works once: please do not forward it. "
        + _privacy(instrument, group, campaign.anonymity_k)
    )
    if kind is MessageKind.REMINDER:
        return (
            f"Reminder: {campaign.title}",
            f"You have not yet answered “{campaign.title}” ({instrument.title}), where you "
            f"rate {about}. {opens}\n\n"
            "This reminder carries a new link; the one sent before no longer works. "
            f"{personal}",
        )
    return (
        f"Survey: {campaign.title}",
        f"You are invited to answer “{campaign.title}” ({instrument.title}): you rate "
        f"{about}. It takes a few minutes. {opens}\n\n{personal}",
    )


def send_link(
    sender: Actor,
    kind: MessageKind,
    *,
    campaign: Campaign,
    instrument: Instrument,
    subject: CampaignSubject,
    person: Person,
    group: str,
    token: str,
    now: dt.datetime,
    dedupe_key: str | None = None,
) -> bool:
    """Record a message with ``person``'s link over their channels, delivered after the
    caller's transaction commits; ``False`` (nothing recorded) when they have no channel —
    no e-mail address and no webhook — so the link must be handed over another way."""
    channels = notify.default_channels(person)
    if not channels:
        return False
    title, body = compose(kind, campaign, instrument, subject, group, now)
    notify.send(
        sender,
        recipient=person,
        kind=kind.value,
        subject=title,
        body=body,
        url=survey_url(token),
        data={
            "campaign_id": str(campaign.pk),
            "campaign": campaign.title,
            "instrument": f"{instrument.id} v{instrument.version}",
            "about": _about(subject, group),
            "opens_at": campaign.opens_at.isoformat(),
            "closes_at": campaign.closes_at.isoformat(),
        },
        about_type="campaign",
        about_id=campaign.pk,
        dedupe_key=dedupe_key,
        channels=channels,
        now=now,
    )
    return True
