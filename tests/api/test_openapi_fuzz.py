"""Schemathesis drives every operation of the OpenAPI spec: no input ever causes a 5xx.

Run against the live server over real HTTP, once without credentials and once as an
administrator (the role that reaches the most code). Bounded so the whole file runs in well
under two minutes; the examples are deterministic (the suite's hypothesis profile).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import Failure

from tests.api.conftest import new_token

EXAMPLES_PER_OPERATION = 20
FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
    phases=[Phase.explicit, Phase.generate, Phase.shrink],
)


def _load(live_server) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_url(f"{live_server.url}/api/v1/openapi.json")


def _fuzz_operation(
    operation: schemathesis.APIOperation,
    call: Callable[[schemathesis.Case], requests.Response],
) -> None:
    """Send generated requests (valid and invalid) to one operation; raise on any 5xx."""
    cases = st.one_of(
        operation.as_strategy(generation_mode=GenerationMode.POSITIVE),
        operation.as_strategy(generation_mode=GenerationMode.NEGATIVE),
    )

    @FUZZ_SETTINGS
    @given(case=cases)
    def call_and_check(case: schemathesis.Case) -> None:
        response = call(case)
        case.validate_response(response, checks=[not_a_server_error])

    call_and_check()


def _fuzz(live_server, headers: dict[str, str]) -> tuple[Counter[str], Counter[int], list[str]]:
    """Fuzz every operation; returns calls per operation, status counts and failures."""
    schema = _load(live_server)
    calls: Counter[str] = Counter()
    statuses: Counter[int] = Counter()
    failures: list[str] = []
    with requests.Session() as http:

        def call(case: schemathesis.Case) -> requests.Response:
            response = case.call(
                base_url=live_server.url, session=http, headers=headers, timeout=30
            )
            calls[case.operation.label] += 1
            statuses[response.status_code] += 1
            return response

        for result in schema.get_all_operations():
            operation = result.ok()
            try:
                _fuzz_operation(operation, call)
            except Exception as exc:  # report every operation, not just the first to fail
                failures.append(f"{operation.label}: {exc}")
    return calls, statuses, failures


def _operations(live_server) -> set[str]:
    return {result.ok().label for result in _load(live_server).get_all_operations()}


@pytest.mark.slow
def test_no_request_without_credentials_causes_a_server_error(org, live_server):
    calls, statuses, failures = _fuzz(live_server, headers={})

    assert failures == []
    assert set(calls) == _operations(live_server)
    assert sum(calls.values()) >= len(calls) * 5
    assert statuses[401] > 0
    assert not any(status >= 500 for status in statuses)


@pytest.mark.slow
def test_no_request_by_an_administrator_causes_a_server_error(org, live_server):
    token = new_token(org["admin_user"])

    calls, statuses, failures = _fuzz(live_server, headers={"Authorization": f"Bearer {token}"})

    assert failures == []
    assert set(calls) == _operations(live_server)
    assert sum(calls.values()) >= len(calls) * 5
    assert sum(count for status, count in statuses.items() if 200 <= status < 300) > 0
    assert not any(status >= 500 for status in statuses)


def test_the_fuzzing_check_fails_on_a_server_error(live_server):
    """Guard against a fuzz test that can never fail: a 500 must be reported as a failure."""
    schema = _load(live_server)
    operation = schema["/api/v1/people"]["GET"]
    case = operation.Case(query={})
    crashed = requests.Response()
    crashed.status_code = 500
    crashed._content = b"Internal Server Error"
    crashed.headers["Content-Type"] = "text/plain"
    crashed.url = f"{live_server.url}/api/v1/people"
    crashed.request = requests.Request("GET", crashed.url).prepare()

    with pytest.raises((Failure, BaseExceptionGroup)):
        case.validate_response(crashed, checks=[not_a_server_error])


def test_the_openapi_spec_lists_every_operation(live_server):
    response = requests.get(f"{live_server.url}/api/v1/openapi.json", timeout=30)

    assert response.status_code == 200
    spec = response.json()
    assert spec["openapi"].startswith("3.")
    paths = {(path, method) for path, item in spec["paths"].items() for method in item}
    assert paths == {
        ("/api/v1/me", "get"),
        ("/api/v1/tokens", "get"),
        ("/api/v1/tokens", "post"),
        ("/api/v1/tokens/{token_id}", "delete"),
        ("/api/v1/people", "get"),
        ("/api/v1/people", "post"),
        ("/api/v1/people/import", "post"),
        ("/api/v1/people/export", "get"),
        ("/api/v1/people/{person_id}", "get"),
        ("/api/v1/people/{person_id}", "patch"),
        ("/api/v1/people/{person_id}/record", "get"),
        ("/api/v1/people/{person_id}/reporting-lines", "get"),
        ("/api/v1/people/{person_id}/manager", "put"),
        ("/api/v1/teams", "get"),
        ("/api/v1/teams", "post"),
        ("/api/v1/teams/{team_id}", "get"),
        ("/api/v1/org-chart", "get"),
        ("/api/v1/audit", "get"),
        ("/api/v1/commitments", "get"),
        ("/api/v1/commitments", "post"),
        ("/api/v1/commitments/{commitment_id}", "get"),
        ("/api/v1/commitments/{commitment_id}/events", "get"),
        ("/api/v1/commitments/{commitment_id}/steps", "post"),
        ("/api/v1/people/{person_id}/follow-through", "get"),
        # trust signals, 1:1s, expectations, progression plans (api/ledger_signals.py)
        ("/api/v1/signals/kinds", "get"),
        ("/api/v1/signals", "post"),
        ("/api/v1/signals/{signal_id}", "get"),
        ("/api/v1/signals/{signal_id}/retraction", "post"),
        ("/api/v1/people/{person_id}/signals", "get"),
        ("/api/v1/one-on-ones", "get"),
        ("/api/v1/one-on-ones", "post"),
        ("/api/v1/one-on-ones/held", "get"),
        ("/api/v1/one-on-ones/{one_on_one_id}", "get"),
        ("/api/v1/one-on-ones/{one_on_one_id}/notes", "put"),
        ("/api/v1/one-on-ones/{one_on_one_id}/agenda", "post"),
        ("/api/v1/one-on-ones/{one_on_one_id}/action-items", "post"),
        ("/api/v1/expectations", "post"),
        ("/api/v1/expectations/{commitment_id}/agreement", "post"),
        ("/api/v1/progression-plans", "post"),
        ("/api/v1/progression-plans/{report_id}", "get"),
        # relationship trust (api/insights.py)
        ("/api/v1/people/{person_id}/trust", "get"),
        # importing survey instruments (api/instruments.py)
        ("/api/v1/instruments", "post"),
        # survey campaigns (api/assessments.py)
        ("/api/v1/instruments", "get"),
        ("/api/v1/campaigns", "get"),
        ("/api/v1/campaigns", "post"),
        ("/api/v1/campaigns/{campaign_id}", "get"),
        ("/api/v1/campaigns/{campaign_id}/raters", "get"),
        ("/api/v1/campaigns/{campaign_id}/subjects/{subject_id}/raters", "put"),
        ("/api/v1/campaigns/{campaign_id}/launch", "post"),
        ("/api/v1/campaigns/{campaign_id}/progress", "get"),
        ("/api/v1/campaigns/{campaign_id}/close", "post"),
        # survey results (api/results.py)
        ("/api/v1/results", "get"),
        ("/api/v1/campaigns/{campaign_id}/results", "get"),
        ("/api/v1/campaigns/{campaign_id}/results.csv", "get"),
        ("/api/v1/campaigns/{campaign_id}/subjects/{subject_id}/report", "get"),
        ("/api/v1/campaigns/{campaign_id}/subjects/{subject_id}/actions", "post"),
        ("/api/v1/surveys/follow-up", "get"),
        # my trust profile, my team (api/me.py)
        ("/api/v1/me/trust-profile", "get"),
        ("/api/v1/me/team", "get"),
        # my digest and its channels (api/guidance.py)
        ("/api/v1/me/digest", "get"),
        ("/api/v1/me/digest/preferences", "get"),
        ("/api/v1/me/digest/preferences", "put"),
        # organisation analytics for HR (api/organisation.py)
        ("/api/v1/insights/organisation", "get"),
        ("/api/v1/insights/organisation.csv", "get"),
    }
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            assert {"401", "403"} <= set(operation["responses"]), f"{method} {path}"
            assert operation["security"], f"{method} {path} must require authentication"
    assert {"TokenAuth", "SessionCookieAuth"} <= set(spec["components"]["securitySchemes"])
