"""Errors that services raise and the web layer turns into pages and JSON."""

from __future__ import annotations


class DomainError(Exception):
    status_code = 400


class NotFound(DomainError):
    """The object does not exist, or belongs to another organisation (which we never reveal)."""

    status_code = 404


class Forbidden(DomainError):
    """The object exists in the user's organisation, but the user may not do this."""

    status_code = 403


class Invalid(DomainError):
    """Input failed validation; ``errors`` maps field names to messages (English source strings,
    translated when shown). ``__all__`` holds errors that belong to no single field."""

    status_code = 422

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


class Conflict(DomainError):
    status_code = 409


def get_or_404(session, model, object_id):  # type: ignore[no-untyped-def]
    """Return the row of ``model`` with this id in the session's organisation, or raise NotFound.
    (The tenancy scoping makes another organisation's row invisible, so it is "not found" too.)"""
    from nineplus.core import tenancy

    row = session.get(model, object_id)
    # session.get answers from the identity map without a query, so check the owner here as well
    # (unless a test switched the scoping of this model off, to prove the cross-tenant test notices).
    organisation_id = tenancy.current_organisation(session)
    foreign = (
        organisation_id is not None and getattr(row, "organisation_id", organisation_id) != organisation_id
    )
    if row is None or (foreign and model not in tenancy._unscoped_for_test):
        raise NotFound(model.__tablename__)
    return row
