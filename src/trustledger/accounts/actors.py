"""Who is acting: every service function takes an :class:`Actor` and checks it.

An actor is a signed-in user (through a page or an API token) or the system itself
(the command line, run by whoever has shell access to the server).
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied

if TYPE_CHECKING:
    from django.http import HttpRequest

    from trustledger.accounts.models import User
    from trustledger.org.models import Person


@dataclass(frozen=True)
class Actor:
    user: User | None
    via: str
    label: str
    ip: str | None = None
    # Scopes of the API token in use; ``None`` for a session or the system (no narrowing).
    scopes: frozenset[str] | None = field(default=None)
    #: Someone not signed in (a password-reset request): may do nothing, only be audited.
    anonymous: bool = False

    @classmethod
    def for_user(
        cls,
        user: User,
        via: str = "web",
        ip: str | None = None,
        scopes: frozenset[str] | None = None,
    ) -> Actor:
        return cls(user=user, via=via, label=user.get_username(), ip=ip, scopes=scopes)

    @classmethod
    def from_request(cls, request: HttpRequest, via: str = "web") -> Actor:
        from trustledger.accounts.models import User

        user = request.user
        if not isinstance(user, User) or not user.is_authenticated:
            raise PermissionDenied("sign in first")
        scopes = getattr(request, "token_scopes", None)
        return cls.for_user(user, via=via, ip=request.META.get("REMOTE_ADDR"), scopes=scopes)

    @classmethod
    def system(cls, via: str = "cli") -> Actor:
        try:
            who = getpass.getuser()
        except (KeyError, OSError):
            who = "unknown"
        return cls(user=None, via=via, label=f"system ({via}, {who})")

    @classmethod
    def visitor(cls, ip: str | None) -> Actor:
        """Someone who is not signed in; has no rights at all."""
        return cls(user=None, via="web", label="anonymous visitor", ip=ip, anonymous=True)

    @property
    def is_system(self) -> bool:
        return self.user is None and not self.anonymous

    @property
    def person(self) -> Person | None:
        return self.user.person if self.user is not None else None

    @property
    def manages_people(self) -> bool:
        """HR, admins and the system manage people records."""
        return self.is_system or (self.user is not None and self.user.manages_people)

    @property
    def is_admin(self) -> bool:
        return self.is_system or (self.user is not None and self.user.is_admin)

    def can_write(self) -> bool:
        return self.scopes is None or "write" in self.scopes

    def is_self(self, person: Person) -> bool:
        own = self.person
        return own is not None and own.pk == person.pk
