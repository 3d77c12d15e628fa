"""The OpenAPI document as the API really answers: every error is ``{"detail": ..., "errors": {...}}``
(``web.errors``), not FastAPI's default validation body, and every operation lists the error statuses it
can give. Schemathesis checks the answers against this document (tests/hostile)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "title": "Error",
    "properties": {
        "detail": {"type": "string", "description": "What went wrong, in the caller's language."},
        "errors": {
            "type": "object",
            "description": "Per field, what is wrong with it (on 422).",
            "additionalProperties": {"type": "string"},
        },
    },
    "required": ["detail"],
}
ERRORS = {
    "400": "Bad request",
    "401": "No valid API key or login",
    "403": "The key's scope or the user's role does not allow this",
    "404": "No such object in the caller's organisation",
    "405": "Method not allowed",
    "409": "Conflicts with the current state",
    "413": "Request too large",
    "415": "Unsupported content type",
    "422": "Invalid input, per field",
    "429": "Too many requests (see Retry-After)",
    "503": "The database cannot be reached",
}


def install(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes
        )
        schemas = schema.setdefault("components", {}).setdefault("schemas", {})
        schemas.pop("HTTPValidationError", None)
        schemas.pop("ValidationError", None)
        schemas["Error"] = ERROR_SCHEMA
        body = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                responses = operation.setdefault("responses", {})
                for status, description in ERRORS.items():
                    responses[status] = {"description": description, "content": body}
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
