"""Write and read the append-only audit log."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from nineplus.audit.models import AuditEvent
from nineplus.core.principal import Principal


def record(
    session: Session,
    actor: Principal,
    action: str,
    obj: object | None = None,
    *,
    object_type: str | None = None,
    object_id: object | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str = "",
) -> AuditEvent:
    """Append one event; the caller's transaction commits it together with the change it describes."""
    event_row = AuditEvent(
        organisation_id=actor.organisation_id,
        actor_user_id=actor.user_id,
        actor=actor.label[:300],
        action=action,
        object_type=object_type or (type(obj).__name__ if obj is not None else ""),
        object_id=str(object_id if object_id is not None else getattr(obj, "id", "")),
        before=before,
        after=after,
        reason=reason,
    )
    session.add(event_row)
    return event_row


def recent(session: Session, *, limit: int = 100, before_id: int | None = None) -> list[AuditEvent]:
    """Return the newest events first, keyset-paginated by id."""
    stmt = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
    if before_id is not None:
        stmt = stmt.where(AuditEvent.id < before_id)
    return list(session.scalars(stmt))


def snapshot(obj: object, fields: tuple[str, ...]) -> dict[str, Any]:
    """Copy the named attributes of ``obj`` into a JSON-able dict for before/after."""
    out: dict[str, Any] = {}
    for name in fields:
        value = getattr(obj, name)
        out[name] = value.isoformat() if hasattr(value, "isoformat") else value
    return out


@event.listens_for(Session, "before_flush")
def _refuse_audit_changes(session: Session, _context, _instances) -> None:  # type: ignore[no-untyped-def]
    for obj in (*session.dirty, *session.deleted):
        if isinstance(obj, AuditEvent):
            raise RuntimeError("audit_events is append-only")
