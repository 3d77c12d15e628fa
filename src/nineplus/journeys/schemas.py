"""Input and output shapes of journeys, moments, channels, experience values and workshops."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from nineplus.core.schemas import Emotion, Localized, LocalizedName, LongText, Name, RequiredName, ShortText

Kind = Literal["standard", "potential"]
Contact = Literal["touchpoint", "customer_only"]
Predictability = Literal["scripted", "faq", "variable"]


class JourneyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: RequiredName
    description: Localized = Localized()
    start_feeling: Emotion = 0


class JourneyOut(BaseModel):
    id: int
    name: dict[str, str]
    description: dict[str, str]
    start_feeling: int
    archived: bool
    created_at: datetime


class MomentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: RequiredName
    description: Localized = Localized()
    channel: str = Field("", max_length=40, description="A standard channel code, 'custom:<id>', or empty.")
    team_id: int | None = None
    role_label: LocalizedName = LocalizedName()
    predictability: Predictability = "faq"
    kind: Kind = "standard"
    contact: Contact = "touchpoint"
    service_guideline: Localized = Localized()
    keywords: Localized = Localized()  # words customers use for it, comma-separated, per language


class MomentOut(BaseModel):
    id: int
    journey_id: int
    position: int
    name: dict[str, str]
    description: dict[str, str]
    channel: str
    team_id: int | None
    role_label: dict[str, str]
    predictability: str
    kind: str
    contact: str
    service_guideline: dict[str, str]
    keywords: dict[str, str]
    archived: bool


class MomentOrderIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    moment_ids: list[int] = Field(max_length=500)


class ChannelIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: RequiredName


class ExperienceValueIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: RequiredName
    description: Localized = Localized()


class WorkshopIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: Name
    held_on: date
    facilitator: ShortText = ""
    participants: LongText = ""
    notes: LongText = ""


class WorkshopEntryIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    moment_id: int
    wanted: LongText = ""
    today: LongText = ""
    feeling_today: LongText = ""
    quality_view: LongText = ""
    expected_emotion: Emotion | None = None


class WorkshopEntriesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    entries: list[WorkshopEntryIn] = Field(max_length=500)


class WorkshopOut(BaseModel):
    id: int
    journey_id: int
    title: str
    held_on: date
    facilitator: str
    participants: str
    notes: str
    entries: list[WorkshopEntryIn]


class WalkThroughIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    walker: Name
    walker_role: Literal["employee", "mystery_shopper", "together"] = "employee"
    walked_on: date
    notes: LongText = ""


class WalkEntryIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    moment_id: int
    feeling: Emotion | None = None
    note: LongText = ""


class WalkEntriesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    entries: list[WalkEntryIn] = Field(max_length=500)
