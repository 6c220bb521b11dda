"""Shared pieces of the server-rendered pages: full page or htmx partial, the home redirect."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.views.generic import RedirectView

#: Rows per page on every paginated list.
PAGE_SIZE = 50


def is_htmx(request: HttpRequest) -> bool:
    """Whether htmx sent the request (it then wants a fragment, not a whole page)."""
    return request.headers.get("HX-Request") == "true"


def render_page(
    request: HttpRequest,
    page_template: str,
    partial_template: str,
    context: Mapping[str, Any],
    status: int = 200,
) -> HttpResponse:
    """Render the partial for an htmx request and the full page otherwise.

    The full page includes the partial, so both always show the same thing.
    """
    template = partial_template if is_htmx(request) else page_template
    response = render(request, template, dict(context), status=status)
    patch_vary_headers(response, ["HX-Request"])
    return response


def paginate(request: HttpRequest, rows: QuerySet[Any], per_page: int = PAGE_SIZE) -> Page[Any]:
    """The page of ``rows`` named by ``?page=`` (the last page if it is past the end)."""
    return Paginator(rows, per_page).get_page(request.GET.get("page"))


#: The start page is the signed-in person's own profile.
home = login_required(RedirectView.as_view(pattern_name="me"))
