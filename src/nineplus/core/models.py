"""The declarative base, reusable typed columns and the mixins every table builds on."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, MetaData, String, TypeDecorator
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC timestamp on every backend (SQLite stores naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware UTC datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class LocalizedText(TypeDecorator[dict[str, str]]):
    """Text kept in several UI languages, as a JSON object such as ``{"nl": "...", "en": "..."}``."""

    impl = JSON
    cache_ok = True

    def process_bind_param(self, value: dict[str, str] | None, dialect: Any) -> dict[str, str] | None:
        if value is None:
            return None
        return {k: v for k, v in value.items() if v}


intpk = Annotated[int, mapped_column(Integer, primary_key=True)]
created = Annotated[datetime, mapped_column(UTCDateTime, default=utcnow, nullable=False)]
name_str = Annotated[str, mapped_column(String(200), nullable=False)]


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime, dict[str, str]: LocalizedText}


class TenantMixin:
    """A row owned by one organisation; the tenancy scoping filters every query on it."""

    @declared_attr
    def organisation_id(cls) -> Mapped[int]:  # noqa: N805 - SQLAlchemy's declared_attr convention
        return mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), nullable=False, index=True)


def localized(value: dict[str, str] | None, locale: str) -> str:
    """Pick the text in ``locale``, falling back to any language that has one."""
    if not value:
        return ""
    if value.get(locale):
        return value[locale]
    for text in value.values():
        if text:
            return text
    return ""
