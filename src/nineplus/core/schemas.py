"""Reusable Pydantic field types."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from nineplus.journeys.models import EMOTION_MAX, EMOTION_MIN

Emotion = Annotated[int, Field(ge=EMOTION_MIN, le=EMOTION_MAX)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


def _strip_empty(value: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in value.items() if v}


class Localized(BaseModel):
    """Text in Dutch and English; either may be empty."""

    model_config = ConfigDict(extra="forbid")

    nl: LongText = ""
    en: LongText = ""

    def as_dict(self) -> dict[str, str]:
        return _strip_empty({"nl": self.nl, "en": self.en})


class LocalizedName(BaseModel):
    """A name in Dutch and English; at least one is required."""

    model_config = ConfigDict(extra="forbid")

    nl: ShortText = ""
    en: ShortText = ""

    def as_dict(self) -> dict[str, str]:
        return _strip_empty({"nl": self.nl, "en": self.en})


def _require_one(value: LocalizedName) -> LocalizedName:
    if not (value.nl or value.en):
        raise ValueError("required")
    return value


RequiredName = Annotated[LocalizedName, AfterValidator(_require_one)]
