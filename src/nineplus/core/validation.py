"""Turn Pydantic validation errors into field messages in the user's language."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from nineplus.core.errors import Invalid
from nineplus.core.i18n import gettext as _

M = TypeVar("M", bound=BaseModel)


def message_for(error: Any) -> str:
    kind = error["type"]
    ctx = error.get("ctx") or {}
    if kind == "missing" or (kind == "string_too_short" and ctx.get("min_length") == 1):
        return _("This field is required.")
    if kind == "string_too_long":
        return _("Use at most %(max)s characters.", max=ctx.get("max_length"))
    if kind == "string_too_short":
        return _("Use at least %(min)s characters.", min=ctx.get("min_length"))
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return _("Enter a whole number.")
    if kind in ("greater_than_equal", "greater_than"):
        return _("Enter a value of at least %(min)s.", min=ctx.get("ge", ctx.get("gt")))
    if kind in ("less_than_equal", "less_than"):
        return _("Enter a value of at most %(max)s.", max=ctx.get("le", ctx.get("lt")))
    if kind in ("literal_error", "enum"):
        return _("Choose one of the listed options.")
    if kind in ("date_parsing", "date_from_datetime_parsing", "date_type"):
        return _("Enter a date as YYYY-MM-DD.")
    if kind == "value_error" and str(error.get("msg", "")).endswith("required"):
        return _("This field is required.")
    if kind == "value_error" and "email" in str(error.get("msg", "")).lower():
        return _("Enter a valid e-mail address.")
    if kind in ("list_type", "too_long", "too_short"):
        return _("This list is not valid.")
    if kind == "value_error":
        return _("This value is not valid.")
    return _("This value is not valid.")


def invalid_from(exc: ValidationError) -> Invalid:
    errors: dict[str, str] = {}
    for error in exc.errors():
        loc = [str(part) for part in error["loc"] if part not in ("body",)]
        field = ".".join(loc) if loc else "__all__"
        errors.setdefault(field, message_for(error))
    return Invalid(errors)


def parse(model: type[M], data: Any) -> M:
    """Validate ``data`` into ``model`` or raise ``Invalid`` with translated field messages."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise invalid_from(exc) from None
