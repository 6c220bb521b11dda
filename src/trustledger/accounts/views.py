"""Pages for signing in and for the signed-in user's API tokens."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.contrib.auth.views import LoginView, PasswordResetView
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from trustledger.accounts import password_reset, tokens
from trustledger.accounts.actors import Actor
from trustledger.accounts.models import TokenScope


class EmailAuthenticationForm(AuthenticationForm):
    """Django's sign-in form, labelled for what people type: their e-mail address."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        username = self.fields["username"]
        username.label = "E-mail"
        username.widget.attrs.update({"inputmode": "email", "autocomplete": "username"})


class SignInView(LoginView):
    """Sign in with e-mail and password (django-axes pauses an address after repeated failures)."""

    form_class = EmailAuthenticationForm
    redirect_authenticated_user = True


class LimitedPasswordResetView(PasswordResetView):
    """Django's reset flow, with a limit per address and per client (accounts/password_reset).

    Over the limit nothing is sent, and the page says the same as when it is: the form must not
    tell a stranger which addresses have accounts.
    """

    template_name = "accounts/password_reset_form.html"
    email_template_name = "accounts/password_reset_email.txt"
    subject_template_name = "accounts/password_reset_subject.txt"

    def form_valid(self, form: PasswordResetForm) -> HttpResponse:
        email = form.cleaned_data["email"]
        if not password_reset.allow_request(email, self.request.META.get("REMOTE_ADDR")):
            return HttpResponseRedirect(self.get_success_url())
        return super().form_valid(form)


class NewTokenForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="Where the token is used, e.g. “HR sync”.")
    scopes = forms.MultipleChoiceField(
        choices=TokenScope.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=[TokenScope.READ],
    )


@login_required
def tokens_page(request: HttpRequest) -> HttpResponse:
    """List my API tokens and create one; a new token's secret is shown once, in this response."""
    actor = Actor.from_request(request)
    posted = request.method == "POST"
    form = NewTokenForm(request.POST) if posted else NewTokenForm()
    secret: str | None = None
    new_token = None
    if posted and form.is_valid():
        try:
            new_token, secret = tokens.create_token(
                actor, form.cleaned_data["name"], list(form.cleaned_data["scopes"])
            )
        except ValidationError as error:
            _attach_errors(form, error)
        else:
            form = NewTokenForm()
    context = {
        "form": form,
        "tokens": tokens.list_tokens(actor),
        "secret": secret,
        "new_token": new_token,
    }
    response = render(request, "accounts/tokens.html", context)
    # The page may hold a secret that must not be kept in any cache.
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def revoke_token(request: HttpRequest, token_id: uuid.UUID) -> HttpResponse:
    """Revoke one of my tokens: integrations using it stop working at once."""
    token = tokens.revoke_token(Actor.from_request(request), token_id)
    messages.success(request, f"Token “{token.name}” is revoked.")
    return HttpResponseRedirect(reverse("tokens"))


def _attach_errors(form: forms.Form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, field_errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, field_errors)
    else:
        form.add_error(None, error.messages)
