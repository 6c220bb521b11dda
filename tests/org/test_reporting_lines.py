"""HR changes who reports to whom; history is kept and cycles are refused."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from tests import factories
from trustledger.audit.models import AuditEvent
from trustledger.org import services
from trustledger.org.services import ReportingCycleError


def test_manager_history_answers_who_was_the_manager_on_a_date(org):
    hr = factories.actor(org["hr_user"])
    dee = factories.person("Dee New Manager")
    services.set_manager(hr, org["ben"].pk, dee.pk, valid_from=dt.date(2024, 3, 1))

    assert services.manager_of(org["ben"], dt.date(2024, 2, 29)) == org["ana"]
    assert services.manager_of(org["ben"], dt.date(2024, 3, 1)) == dee
    history = list(services.reporting_history(hr, org["ben"].pk))
    assert [(line.manager.name, line.valid_from, line.valid_to) for line in history] == [
        ("Ana Manager", dt.date(2020, 1, 1), dt.date(2024, 3, 1)),
        ("Dee New Manager", dt.date(2024, 3, 1), None),
    ]


def test_a_direct_cycle_is_refused(org):
    hr = factories.actor(org["hr_user"])
    with pytest.raises(ReportingCycleError, match="Ana Manager → Ben Report → Ana Manager"):
        services.set_manager(hr, org["ana"].pk, org["ben"].pk, valid_from=dt.date(2024, 1, 1))
    assert services.manager_of(org["ana"], dt.date(2024, 1, 1)) == org["ceo"]


def test_an_indirect_cycle_is_refused(org):
    hr = factories.actor(org["hr_user"])
    with pytest.raises(ReportingCycleError, match="cycle"):
        services.set_manager(hr, org["ceo"].pk, org["cai"].pk, valid_from=dt.date(2024, 1, 1))


def test_a_cycle_that_would_only_form_after_a_planned_change_is_refused(org):
    hr = factories.actor(org["hr_user"])
    dee = factories.person("Dee")
    # From July, Ana will report to Dee. Making Dee report to Ben from May closes a loop in July.
    services.set_manager(hr, org["ana"].pk, dee.pk, valid_from=dt.date(2024, 7, 1))
    with pytest.raises(ReportingCycleError, match="2024-07-01"):
        services.set_manager(hr, dee.pk, org["ben"].pk, valid_from=dt.date(2024, 5, 1))


def test_manager_role_is_derived_from_reporting_lines(org):
    assert services.is_manager(org["ana"])
    assert not services.is_manager(org["ben"])
    assert [p.name for p in services.direct_reports(org["ana"])] == ["Ben Report", "Cai Report"]


def test_an_employee_cannot_change_reporting_lines_and_the_attempt_is_audited(org):
    ben = factories.actor(org["ben_user"])
    with pytest.raises(PermissionDenied, match="HR"):
        services.set_manager(ben, org["cai"].pk, org["ben"].pk)
    refused = AuditEvent.objects.get(action="reporting_line.create", allowed=False)
    assert refused.actor_label == org["ben_user"].username


def test_org_chart_nests_reports_under_their_manager(org):
    chart = services.org_chart(factories.actor(org["ben_user"]))
    assert [node.name for node in chart] == ["Cora CEO"]
    ana = chart[0].reports[0]
    assert ana.name == "Ana Manager"
    assert [n.name for n in ana.reports] == ["Ben Report", "Cai Report"]
    assert chart[0].size == 4
