"""Creating administrator accounts (the ``trustledger createadmin`` command calls this)."""

from __future__ import annotations

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from trustledger.accounts.actors import Actor
from trustledger.accounts.models import Role, User
from trustledger.audit import services as audit


def create_admin(actor: Actor, email: str, password: str) -> User:
    """Create an administrator who can also use Django's admin site (/admin/).

    Only the system (someone with shell access) or another administrator may do this. The
    password must pass Django's password validators; a ``ValidationError`` lists every reason.
    """
    if not actor.is_admin:
        audit.deny(actor, "user.create", "user", "", "only administrators create administrators")
    email = email.strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError({"email": f"{email!r} is not a valid e-mail address"}) from None
    if User.objects.filter(username__iexact=email).exists():
        raise ValidationError({"email": f"an account for {email} already exists"})
    candidate = User(username=email, email=email, role=Role.ADMIN)
    try:
        password_validation.validate_password(password, user=candidate)
    except ValidationError as weak:
        raise ValidationError({"password": weak.messages}) from None
    with transaction.atomic():
        admin = User.objects.create_superuser(
            username=email, email=email, password=password, role=Role.ADMIN
        )
        audit.record(actor, "user.create", "user", admin.pk, detail={"role": Role.ADMIN})
    return admin
