"""The JSON API under /api/v1 (django-ninja), with its OpenAPI spec at /api/v1/openapi.json.

Every operation needs a signed-in caller: an API token (``Authorization: Bearer tl_…``) or
the web UI's session cookie (with the CSRF token on unsafe methods). See docs/api.md.
"""

from ninja import NinjaAPI

import trustledger
from trustledger.api import accounts, audit, ledger, org
from trustledger.api.auth import API_AUTH
from trustledger.api.errors import install_error_handlers

api = NinjaAPI(
    title="trustledger API",
    version=trustledger.__version__,
    description="People, teams and reporting lines; more with each release. "
    "Authenticate with a session cookie or an API token (`Authorization: Bearer tl_…`). "
    'Errors are `{"detail": …}`; validation errors add `errors`, one entry per field or row.',
    urls_namespace="api",
    auth=API_AUTH,
)
install_error_handlers(api)

api.add_router("", accounts.router)
api.add_router("", org.router)
api.add_router("", audit.router)
api.add_router("", ledger.router)
api.add_router("", "trustledger.api.ledger_signals.router")  # trust signals, 1:1s, plans
api.add_router("", "trustledger.api.insights.router")  # relationship trust
api.add_router("", "trustledger.api.instruments.router")  # importing survey instruments
api.add_router("", "trustledger.api.assessments.router")  # survey campaigns
api.add_router("", "trustledger.api.results.router")  # survey results, reports, follow-up
api.add_router("", "trustledger.api.me.router")  # my trust profile, my team (managers)
api.add_router("", "trustledger.api.guidance.router")  # my digest and its channels
api.add_router("", "trustledger.api.organisation.router")  # organisation analytics (HR)
