"""Organisation scoping: one mechanism that filters every ORM query on tenant-owned tables.

A session is *scoped* to an organisation (``scope(session, organisation_id)``): every SELECT, UPDATE
and DELETE through the ORM on a ``TenantMixin`` table then carries ``organisation_id = :id``, and every
new tenant row is stamped with it. A session that is neither scoped nor explicitly marked as a system
session (``system(session)``) refuses to query tenant tables at all, so a code path that forgets to scope
fails loudly instead of leaking another organisation's rows.
"""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria
from sqlalchemy.sql.util import find_tables

from nineplus.core.models import Base, TenantMixin

ORG_KEY = "nineplus_organisation_id"
SYSTEM_KEY = "nineplus_system"

# Tests switch the scoping off for one model at a time to prove the cross-tenant test would notice.
_unscoped_for_test: set[type] = set()


class TenancyError(RuntimeError):
    """A tenant table was queried from a session that is neither scoped nor a system session."""


def scope(session: Session, organisation_id: int) -> Session:
    """Scope ``session`` to one organisation. After a system step, what that step loaded is written and
    forgotten, so no object of another organisation lingers in the identity map."""
    if session.info.get(SYSTEM_KEY) or session.info.get(ORG_KEY, organisation_id) != organisation_id:
        session.flush()
        session.expunge_all()
    session.info[ORG_KEY] = organisation_id
    session.info.pop(SYSTEM_KEY, None)
    return session


def system(session: Session) -> Session:
    """Mark ``session`` as a system session that may see every organisation (CLI, jobs, login)."""
    session.info[SYSTEM_KEY] = True
    session.info.pop(ORG_KEY, None)
    return session


def current_organisation(session: Session) -> int | None:
    return session.info.get(ORG_KEY)


def tenant_models() -> list[type[TenantMixin]]:
    """Return every mapped class that is owned by an organisation."""
    return sorted(
        (m.class_ for m in Base.registry.mappers if issubclass(m.class_, TenantMixin)),
        key=lambda cls: cls.__name__,
    )


def _tenant_tables() -> set[str]:
    return {cls.__tablename__ for cls in tenant_models()}  # type: ignore[attr-defined]


def _criteria_for(cls: type, organisation_id: int):  # type: ignore[no-untyped-def]
    return with_loader_criteria(cls, lambda c: c.organisation_id == organisation_id, include_aliases=True)


@event.listens_for(Session, "do_orm_execute")
def _scope_orm_execute(state: ORMExecuteState) -> None:
    if not (state.is_select or state.is_update or state.is_delete):
        return
    if state.is_column_load or state.is_relationship_load:
        return  # criteria added to the parent statement propagate to these loads
    info = state.session.info
    if info.get(SYSTEM_KEY):
        return
    organisation_id = info.get(ORG_KEY)
    if organisation_id is None:
        # all_mappers misses some shapes (count over select_from, exists, unions): look at every table.
        tables = {t.name for t in find_tables(state.statement, include_crud=True, include_joins=True)}
        if tables & _tenant_tables():
            raise TenancyError("query on a tenant table from a session without organisation scope")
        return
    state.statement = state.statement.options(
        *(_criteria_for(cls, organisation_id) for cls in tenant_models() if cls not in _unscoped_for_test)
    )


@event.listens_for(Session, "before_flush")
def _stamp_new_rows(session: Session, _context, _instances) -> None:  # type: ignore[no-untyped-def]
    organisation_id = session.info.get(ORG_KEY)
    if organisation_id is None:
        if session.info.get(SYSTEM_KEY):
            return
        if any(isinstance(obj, TenantMixin) for obj in (*session.new, *session.dirty)):
            raise TenancyError("write to a tenant table from a session without organisation scope")
        return
    for obj in (*session.new, *session.dirty):
        if isinstance(obj, TenantMixin):
            if obj.organisation_id is None:
                obj.organisation_id = organisation_id
            elif obj.organisation_id != organisation_id:
                raise TenancyError("attempt to write another organisation's row")
