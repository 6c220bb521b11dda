"""The JSON API under /api/v1 (django-ninja), with its OpenAPI spec at /api/v1/openapi.json."""

from ninja import NinjaAPI

import trustledger

api = NinjaAPI(
    title="trustledger API",
    version=trustledger.__version__,
    description="People, teams and reporting lines; more with each release. "
    "Authenticate with a session cookie or an API token (`Authorization: Bearer tl_…`).",
    urls_namespace="api",
)
