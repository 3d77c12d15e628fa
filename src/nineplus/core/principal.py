"""Who is acting: a logged-in user or an organisation's API key."""

from __future__ import annotations

from dataclasses import dataclass, field

from nineplus.accounts.roles import MATRIX, SCOPE_PERMISSIONS, Permission


@dataclass(frozen=True)
class Principal:
    organisation_id: int
    role: str | None = None  # None for an API key
    user_id: int | None = None
    name: str = ""
    email: str = ""
    team_ids: frozenset[int] = field(default_factory=frozenset)
    api_key_id: int | None = None
    scopes: frozenset[str] = field(default_factory=frozenset)

    @property
    def label(self) -> str:
        """A readable actor label for the audit log."""
        if self.api_key_id is not None:
            return f"api-key:{self.api_key_id}"
        return f"{self.name} <{self.email}>" if self.email else "system"

    def can(self, permission: Permission) -> bool:
        if self.api_key_id is not None:
            return any(permission in SCOPE_PERMISSIONS[s] for s in self.scopes)
        return self.role is not None and permission in MATRIX.get(self.role, frozenset())


def system_principal(organisation_id: int) -> Principal:
    """The actor of CLI commands and jobs."""
    return Principal(organisation_id=organisation_id, role="admin", name="system")
