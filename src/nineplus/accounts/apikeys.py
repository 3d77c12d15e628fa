"""API keys: belong to the organisation, carry scopes, shown once, stored hashed, revocable."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from nineplus.accounts.models import ApiKey
from nineplus.accounts.roles import Permission
from nineplus.accounts.schemas import ApiKeyIn
from nineplus.accounts.service import require
from nineplus.audit.service import record
from nineplus.core.errors import get_or_404
from nineplus.core.models import utcnow
from nineplus.core.principal import Principal
from nineplus.core.security import new_token, token_hash

KEY_PREFIX = "np_"


def create_key(session: Session, actor: Principal, data: ApiKeyIn) -> tuple[ApiKey, str]:
    """Create a key and return it with its secret, which is never shown again."""
    require(actor, Permission.MANAGE_API_KEYS)
    secret = KEY_PREFIX + new_token(30)
    key = ApiKey(
        name=data.name,
        prefix=secret[:10],
        key_hash=token_hash(secret),
        scopes=sorted(set(data.scopes)),
        created_by_id=actor.user_id,
    )
    session.add(key)
    session.flush()
    record(session, actor, "api_key.created", key, after={"name": key.name, "scopes": key.scopes})
    return key, secret


def revoke_key(session: Session, actor: Principal, key_id: int) -> ApiKey:
    require(actor, Permission.MANAGE_API_KEYS)
    key = get_or_404(session, ApiKey, key_id)
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        record(session, actor, "api_key.revoked", key, before={"revoked": False}, after={"revoked": True})
    return key


def principal_from_key(session: Session, secret: str) -> Principal | None:
    """Resolve a presented key (system session); unknown or revoked keys give None."""
    key = session.scalar(select(ApiKey).where(ApiKey.key_hash == token_hash(secret)))
    if key is None or key.revoked_at is not None:
        return None
    key.last_used_at = utcnow()
    return Principal(
        organisation_id=key.organisation_id, api_key_id=key.id, name=key.name, scopes=frozenset(key.scopes)
    )


def record_use(session: Session, principal: Principal, method: str, path: str, status: int) -> None:
    """One request made with a key, in the audit log: written after the answer, in its own transaction,
    so that a refused or failed request (whose own transaction rolled back) is in the log too."""
    record(
        session,
        principal,
        "api_key.used",
        object_type="ApiKey",
        object_id=principal.api_key_id,
        after={"method": method, "path": path, "status": status},
    )
