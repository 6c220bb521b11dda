"""The demo's guided tour (``/tour/``): each story the simulated year tells, which demo login
to sign in with and the pages that show it (docs/demo.md).

Only in demo and development mode, and only once the demo is loaded; a 404 otherwise. It is
open without signing in: it lists demo accounts whose one password is published anyway.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from trustledger.accounts.models import User
from trustledger.assessments.models import Campaign, CampaignSubject
from trustledger.demo import DemoStory, story_of
from trustledger.demo.surveys import LEADER_TITLE, PULSE_TITLE
from trustledger.org.demo import DEMO_ADMIN_EMAIL, DEMO_PASSWORD
from trustledger.org.models import Person

_DEMO_MODES = ("demo", "development")


@dataclass(frozen=True)
class Link:
    label: str
    url: str


@dataclass(frozen=True)
class Visit:
    """Sign in as ``name`` (``email``) and open ``links``."""

    name: str
    email: str
    why: str
    links: list[Link]


@dataclass(frozen=True)
class Stop:
    """One story of the tour."""

    slug: str
    title: str
    story: str
    traits: str
    visits: list[Visit] = field(default_factory=list)


def _login(story: DemoStory, employee_id: str) -> tuple[str, str]:
    person = Person.objects.get(pk=story.pk(employee_id))
    email = User.objects.filter(person=person).values_list("username", flat=True).first()
    return person.name, email or person.email


def _visit(story: DemoStory, employee_id: str, why: str, links: list[Link]) -> Visit:
    name, email = _login(story, employee_id)
    return Visit(name, email, why, links)


def _report(title: str, story: DemoStory, employee_id: str) -> Link | None:
    campaign = Campaign.objects.filter(title=title).order_by("-created_at").first()
    if campaign is None:
        return None
    subject = CampaignSubject.objects.filter(
        campaign=campaign, person_id=story.pk(employee_id)
    ).first()
    if subject is None:
        return None
    return Link(
        f"Their report in “{campaign.title}”",
        reverse("results_report", args=[campaign.pk, subject.pk]),
    )


def _trust(person_id: uuid.UUID, label: str) -> Link:
    return Link(label, reverse("relationship_trust", args=[person_id]))


def stops(story: DemoStory) -> list[Stop]:
    """The tour's stops for a loaded demo."""
    cast = story.cast
    organisation = Link("Organisation insights", "/insights/organisation/")
    digest = Link("My weekly digest", "/me/digest/")
    mine = Link("My commitments", reverse("commitments"))
    follow_through = Link("My follow-through figures", reverse("my_follow_through"))
    me = Link("My page and trust profile", reverse("me"))
    hr = (
        User.objects.filter(role="hr", person__employee_id__in=list(story.pks))
        .order_by("person__employee_id")
        .values_list("person__employee_id", flat=True)
        .first()
    ) or cast.career_manager
    leader_report = _report(LEADER_TITLE, story, cast.mistake_leader)
    vp_report = _report(LEADER_TITLE, story, cast.vp)
    result: list[Stop] = [
        Stop(
            "reliable",
            "Reliable people",
            f"{len(cast.reliable)} people keep nearly every promise on time, and when they "
            "cannot, they say so before the due date. Their Dependable figures are the highest.",
            "reliability 0.97, candour 1.0 (always renegotiate before the due date), no "
            "over-promising",
            [
                _visit(story, cast.reliable[0], "a reliable person", [mine, follow_through, me]),
            ],
        ),
        Stop(
            "over-promisers",
            "Over-promisers",
            f"{len(cast.over_promisers)} people say yes to far more than they can do: many "
            "commitments, delivered late, renegotiated after the fact or broken. They have the "
            "lowest Dependable figures among individual contributors; their digest suggests "
            "renegotiating before the due date.",
            "over-promising 1.0 (about five times the usual rate of new commitments, beyond a "
            "capacity of two open at a time), reliability 0.5, candour 0.15",
            [
                _visit(
                    story,
                    cast.over_promisers[0],
                    "an over-promiser",
                    [mine, follow_through, me, digest],
                ),
            ],
        ),
        Stop(
            "owned-mistake",
            "A leader who owns mistakes",
            "A team manager promised the team, in a meeting, to get the on-call rota approved, "
            "and missed it. The next morning they said so in front of the team, renegotiated and "
            "delivered. A teammate recorded “owned a mistake” with the team as witnesses, so the "
            "witnesses' trust in the leader grew too. In the leader survey they rate themself "
            "lower than others do: hidden strengths.",
            "openness 1.0, reliability 0.95, candour 0.95, warmth 0.85, modest self-view",
            [
                _visit(
                    story,
                    cast.mistake_team[1],
                    "a witness",
                    [
                        Link(
                            "The commitment and its timeline",
                            reverse("commitment", args=[story.mistake_commitment]),
                        ),
                        _trust(story.pk(cast.mistake_leader), "Their trust in the leader"),
                    ]
                    if story.mistake_commitment
                    else [],
                ),
                _visit(
                    story,
                    cast.mistake_leader,
                    "the leader",
                    [link for link in (leader_report,) if link] + [me],
                ),
            ],
        ),
        Stop(
            "trickle-down",
            "A VP whose distrust trickles down",
            "The Chief Revenue Officer breaks commitments to their direct reports and rarely "
            "warns before a due date. Those managers, under pressure, break more commitments "
            "to their own teams — distrust flows down that subtree only, and more people leave "
            "there. The organisation page flags the subtree; the VP's survey shows a blind spot.",
            "VP: reliability 0.12, candour 0.05, openness 0.1, a high self-view. Their managers "
            "are as capable as any; their reliability towards their reports falls with their "
            "own trust in the VP",
            [
                _visit(story, hr, "HR", [organisation]),
                _visit(
                    story,
                    cast.vp_reports[0],
                    "a manager under the VP",
                    [_trust(story.pk(cast.vp), "Their trust in the VP"), mine],
                ),
                _visit(story, cast.vp, "the VP", [link for link in (vp_report,) if link] + [me]),
            ],
        ),
        Stop(
            "career-promise",
            "A broken career promise",
            "In a 1:1 a manager promised to put their report's promotion case to calibration. "
            "The report accepted; the date passed; nothing happened. A career promise broken is "
            "a severe breach: it wipes most of the trust built before it.",
            "the manager's career follow-through 0 (otherwise an ordinary, capable manager)",
            [
                _visit(
                    story,
                    cast.career_report,
                    "the report (the “employee” login)",
                    (
                        [
                            Link(
                                "The promise and its timeline",
                                reverse("commitment", args=[story.career_commitment]),
                            )
                        ]
                        if story.career_commitment
                        else []
                    )
                    + [_trust(story.pk(cast.career_manager), "Their trust in the manager"), digest],
                ),
                _visit(story, cast.career_manager, "the manager (the “manager” login)", [mine]),
            ],
        ),
        Stop(
            "leavers",
            "Leavers",
            f"{len(story.leavers)} people left during the year, more often where they could "
            "not rely on their manager: the trust-versus-retention view of the organisation "
            "page shows it.",
            "each week a small chance of leaving that rises steeply as trust in one's manager "
            "falls below one half",
            [
                _visit(
                    story,
                    hr,
                    "HR",
                    [organisation, Link("The organisation chart", reverse("org_chart"))],
                )
            ],
        ),
        Stop(
            "surveys",
            "Two survey waves",
            "An ABCD leader assessment about three leaders and a team trust pulse about every "
            "team, answered from the same latent traits and closed, so results exist.",
            "answers drawn around each subject's traits and each rater's own experience of them",
            [_visit(story, hr, "HR", _campaign_links())],
        ),
    ]
    return result


def _campaign_links() -> list[Link]:
    links = [Link("Survey campaigns", reverse("campaigns"))]
    for title in (LEADER_TITLE, PULSE_TITLE):
        campaign = Campaign.objects.filter(title=title).order_by("-created_at").first()
        if campaign is not None:
            links.append(Link(f"Results: {title}", reverse("results_campaign", args=[campaign.pk])))
    return links


def tour_page(request: HttpRequest) -> HttpResponse:
    """The guided tour of the demo's stories."""
    if settings.MODE not in _DEMO_MODES:
        raise Http404("the guided tour is part of the demo")
    story = story_of()
    if story is None:
        raise Http404("the demo is not loaded: run trustledger demo")
    context = {
        "stops": stops(story),
        "password": DEMO_PASSWORD,
        "admin_email": DEMO_ADMIN_EMAIL,
        "story": story,
    }
    return render(request, "web/tour.html", context)
