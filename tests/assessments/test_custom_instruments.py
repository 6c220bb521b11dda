"""HR imports a custom instrument in the built-in file format and runs a campaign with it."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from tests.assessments.conftest import all_answered, new_campaign
from trustledger.accounts.actors import Actor
from trustledger.assessments import services
from trustledger.assessments.custom_instruments import import_instrument
from trustledger.assessments.instruments import InstrumentError
from trustledger.assessments.models import CustomInstrument, Response
from trustledger.audit.models import AuditEvent
from trustledger.db import AppendOnlyError

SYSTEM = Actor.system("test")

ONBOARDING = """\
id = "onboarding-pulse"
version = 1
title = "Onboarding"
description = "How well a team takes in its newest people."
anonymous = true
comment_prompt = "What would have helped in your first month?"
outcome_item = "overall"

[scale]
points = 5
labels = ["Strongly disagree", "Disagree", "Neither", "Agree", "Strongly agree"]
unfavourable = [1, 2]
neutral = [3, 3]
favourable = [4, 5]

[[dimensions]]
id = "welcome"
name = "Welcome"

[[dimensions]]
id = "overall"
name = "Overall"

[[forms]]
id = "team"
title = "About your team"
rater_groups = ["team"]

[[forms.items]]
id = "settled"
dimension = "welcome"
text = "I feel settled in on this team."

[[forms.items]]
id = "buddy"
dimension = "welcome"
text = "Someone on the team showed me how things really work here."

[[forms.items]]
id = "overall"
dimension = "overall"
text = "I would recommend this team to a friend who is starting out."
"""

#: Three problems: a bad version, a scale with too few labels, an unknown dimension.
BROKEN = (
    ONBOARDING.replace("version = 1", "version = 0")
    .replace('"Neither", ', "")
    .replace('id = "buddy"\ndimension = "welcome"', 'id = "buddy"\ndimension = "kindness"')
)


@pytest.fixture
def hr_client(people: dict[str, Any]) -> Client:
    client = Client()
    client.force_login(people["hr"].user)
    return client


def test_hr_imports_an_instrument_and_a_campaign_runs_it(people):
    instrument = import_instrument(people["hr"], ONBOARDING, "onboarding.toml")

    assert (instrument.id, instrument.version, instrument.scale.points) == (
        "onboarding-pulse",
        1,
        5,
    )
    row = CustomInstrument.objects.get()
    assert row.text == ONBOARDING
    assert row.imported_by == people["hr"].user
    assert row.source_name == "onboarding.toml"
    assert AuditEvent.objects.filter(action="instrument.import", object_id=str(row.pk)).exists()
    # Built-in first, then the custom one.
    assert [i.id for i in services.available_instruments()] == [
        "abcd-leader",
        "culture-survey",
        "team-trust-pulse",
        "onboarding-pulse",
    ]
    assert services.find_instrument("onboarding-pulse") == instrument

    campaign = new_campaign(people["hr"], [people["platform"].pk], "onboarding-pulse")
    links = services.launch(people["hr"], campaign.pk)
    form = instrument.form("team")
    services.respond(links[0].token, all_answered(form, 4), comment="A buddy from day one.")
    [response] = Response.objects.filter(campaign=campaign)
    assert (response.instrument_id, response.instrument_version) == ("onboarding-pulse", 1)
    assert response.answers == [4, 4, 4]
    with pytest.raises(ValidationError, match="choose a point from 1 to 5"):
        services.respond(links[1].token, all_answered(form, 6))


def test_the_same_text_again_is_a_no_op_and_windows_line_endings_are_the_same_text(people):
    first = import_instrument(people["hr"], ONBOARDING, "onboarding.toml")
    again = import_instrument(people["hr"], ONBOARDING.replace("\n", "\r\n").encode(), "copy.toml")
    assert again == first
    assert CustomInstrument.objects.count() == 1
    assert AuditEvent.objects.filter(action="instrument.import").count() == 1


def test_a_new_wording_is_a_new_version_and_campaigns_keep_theirs(people):
    import_instrument(people["hr"], ONBOARDING, "onboarding.toml")
    campaign = new_campaign(people["hr"], [people["platform"].pk], "onboarding-pulse")
    reworded = ONBOARDING.replace("I feel settled in", "I have settled in")

    with pytest.raises(InstrumentError) as refused:
        import_instrument(people["hr"], reworded, "onboarding-reworded.toml")
    [problem] = refused.value.problems
    assert problem.field == "version"
    assert "onboarding-pulse version 1 was already imported (onboarding.toml)" in problem.message
    assert "a new wording needs a new version number" in problem.message

    v2 = import_instrument(
        people["hr"], reworded.replace("version = 1", "version = 2"), "onboarding.v2.toml"
    )
    assert services.find_instrument("onboarding-pulse") == v2
    assert services.find_instrument("onboarding-pulse", 1).form("team").items[0].text == (
        "I feel settled in on this team."
    )
    assert services.instrument_of(campaign).version == 1
    assert [i.version for i in services.available_instruments() if i.id == "onboarding-pulse"] == [
        2
    ]
    with pytest.raises(ValidationError, match=r"onboarding-pulse has versions \[1, 2\]"):
        services.find_instrument("onboarding-pulse", 3)


def test_stored_versions_never_change(people):
    import_instrument(people["hr"], ONBOARDING, "onboarding.toml")
    row = CustomInstrument.objects.get()
    row.text = "changed"
    with pytest.raises(AppendOnlyError):
        row.save()
    with pytest.raises(AppendOnlyError):
        row.delete()
    from django.db import DatabaseError, transaction

    with pytest.raises(DatabaseError), transaction.atomic():
        CustomInstrument.objects.filter(pk=row.pk).update(text="changed")
    assert CustomInstrument.objects.get().text == ONBOARDING


def test_every_problem_is_listed_with_where_it_is(people):
    with pytest.raises(InstrumentError) as refused:
        import_instrument(people["hr"], BROKEN, "onboarding.toml")
    assert [str(p) for p in refused.value.problems] == [
        "onboarding.toml: version: must be a positive integer",
        "onboarding.toml: scale: labels: has 4 labels for 5 points",
        "onboarding.toml: form team, item buddy: dimension: unknown dimension 'kindness'",
    ]
    assert not CustomInstrument.objects.exists()


def test_ids_that_cannot_be_stored_or_clash_with_a_built_in_are_refused(people):
    clash = ONBOARDING.replace('id = "onboarding-pulse"', 'id = "team-trust-pulse"')
    with pytest.raises(InstrumentError, match="'team-trust-pulse' is a built-in instrument"):
        import_instrument(people["hr"], clash, "clash.toml")

    mixed = (
        ONBOARDING.replace('id = "onboarding-pulse"', 'id = "Onboarding Pulse"')
        + '\n[[forms]]\nid = "self"\ntitle = "About you"\nrater_groups = ["self"]\n'
        '[[forms.items]]\nid = "settled"\ndimension = "welcome"\ntext = "I settled in."\n'
    )
    with pytest.raises(InstrumentError) as refused:
        import_instrument(people["hr"], mixed, "mixed.toml")
    assert [(p.where, p.field) for p in refused.value.problems] == [
        ("", "id"),
        ("form self", "rater_groups"),
    ]

    with pytest.raises(InstrumentError, match="is not UTF-8 text"):
        import_instrument(people["hr"], b"id = \xff", "latin1.toml")
    with pytest.raises(InstrumentError, match="toml"):
        import_instrument(people["hr"], "this is = not [toml", "junk.toml")
    assert not CustomInstrument.objects.exists()


def test_only_hr_and_administrators_import_and_refusals_are_audited(people):
    with pytest.raises(PermissionDenied):
        import_instrument(people["employee"], ONBOARDING, "onboarding.toml")
    assert AuditEvent.objects.filter(action="instrument.import", allowed=False).exists()
    assert not CustomInstrument.objects.exists()
    import_instrument(SYSTEM, ONBOARDING, "onboarding.toml")  # the command line
    assert CustomInstrument.objects.get().imported_by_label.startswith("system (test")


# --- the instruments page ----------------------------------------------------------------------


def test_hr_sees_every_instrument_with_its_items(people, hr_client):
    import_instrument(people["hr"], ONBOARDING, "onboarding.toml")

    page = hr_client.get(reverse("instruments"))

    assert page.status_code == 200
    html = page.content.decode()
    for title in ("ABCD leader assessment", "Team trust pulse", "Culture survey", "Onboarding"):
        assert title in html
    assert "I trust this team." in html  # a built-in item
    assert "Someone on the team showed me how things really work here." in html
    assert "imported by hr@example.com" in html
    assert html.index("Team trust pulse") < html.index("Onboarding</strong>")  # built-in first


def test_hr_uploads_a_file_and_is_sent_to_it_in_the_list(people, hr_client):
    upload = _file("onboarding.toml", ONBOARDING)

    response = hr_client.post(reverse("instruments"), {"file": upload})

    assert response.status_code == 302
    assert response["Location"] == (
        "/surveys/instruments/?open=instrument-onboarding-pulse-v1#instrument-onboarding-pulse-v1"
    )
    page = hr_client.get(response["Location"])
    assert "is available for new campaigns" in page.content.decode()
    assert 'id="instrument-onboarding-pulse-v1" open>' in page.content.decode()

    htmx = hr_client.post(
        reverse("instruments"),
        {"file": _file("onboarding.toml", ONBOARDING)},
        HTTP_HX_REQUEST="true",
    )
    assert htmx.status_code == 204
    assert htmx["HX-Redirect"].endswith("#instrument-onboarding-pulse-v1")


def test_a_broken_upload_shows_every_problem_and_where_it_is(people, hr_client):
    response = hr_client.post(reverse("instruments"), {"file": _file("onboarding.toml", BROKEN)})

    assert response.status_code == 400
    html = response.content.decode()
    assert "Nothing was imported" in html
    assert "onboarding.toml has 3 problems" in html
    assert "<td>form team, item buddy</td><td><code>dimension</code></td>" in html
    assert "unknown dimension &#x27;kindness&#x27;" in html
    assert "has 4 labels for 5 points" in html
    assert "Team trust pulse" in html  # the full page, list included

    partial = hr_client.post(
        reverse("instruments"), {"file": _file("onboarding.toml", BROKEN)}, HTTP_HX_REQUEST="true"
    )
    assert partial.status_code == 200  # htmx swaps only 2xx answers
    assert "<html" not in partial.content.decode()
    assert "onboarding.toml has 3 problems" in partial.content.decode()
    assert not CustomInstrument.objects.exists()


def test_an_employee_cannot_see_or_use_the_instruments_page(people):
    client = Client()
    client.force_login(people["employee"].user)
    assert client.get(reverse("instruments")).status_code == 403
    upload = client.post(reverse("instruments"), {"file": _file("onboarding.toml", ONBOARDING)})
    assert upload.status_code == 403
    assert not CustomInstrument.objects.exists()


def _file(name: str, text: str) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, text.encode(), content_type="application/toml")


# --- the command line ----------------------------------------------------------------------------


def test_the_import_instrument_command_imports_a_file(db, tmp_path):
    from typer.testing import CliRunner

    from trustledger.cli import app

    file = tmp_path / "onboarding.toml"
    file.write_text(ONBOARDING, encoding="utf-8")

    result = CliRunner().invoke(app, ["import", "instrument", str(file)])

    assert result.exit_code == 0, result.output
    assert "Imported Onboarding (onboarding-pulse version 1): 1 form, 3 items." in result.output
    assert CustomInstrument.objects.get().source_name == "onboarding.toml"
    again = CliRunner().invoke(app, ["import", "instrument", str(file)])
    assert again.exit_code == 0, again.output
    assert CustomInstrument.objects.count() == 1


def test_the_import_instrument_command_lists_every_problem(db, tmp_path):
    from typer.testing import CliRunner

    from trustledger.cli import app

    file = tmp_path / "broken.toml"
    file.write_text(BROKEN, encoding="utf-8")

    result = CliRunner().invoke(app, ["import", "instrument", str(file)])

    assert result.exit_code == 1
    output = " ".join(result.output.split())
    assert "broken.toml: 3 problems" in output
    assert "form team, item buddy" in output
    assert "unknown dimension 'kindness'" in output
    assert "has 4 labels for 5 points" in output
    assert "Nothing was imported." in output
    assert not CustomInstrument.objects.exists()
    missing = CliRunner().invoke(app, ["import", "instrument", str(tmp_path / "nope.toml")])
    assert missing.exit_code == 1
    assert "no such file" in missing.output
