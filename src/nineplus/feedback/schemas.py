"""Input shapes of surveys, protocols, questions, persons and submissions."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, StringConstraints, model_validator

from nineplus.core.schemas import Localized, LocalizedName, LongText, Name, RequiredName, ShortText

Key = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[a-z][a-z0-9_]{0,59}$")]
Domain = Annotated[
    str, StringConstraints(strip_whitespace=True, to_lower=True, pattern=r"^[a-z0-9.-]+\.[a-z]{2,}$")
]
ClientId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{8,64}$")]
QuestionType = Literal[
    "nps", "csat", "effort", "emotion", "start_feeling", "single", "multiple", "text", "consent"
]


class SurveyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    journey_id: int
    audience: Literal["customer", "employee"] = "customer"
    kind: Literal["relationship", "transactional"] = "relationship"
    moment_id: int | None = None
    title: RequiredName

    @model_validator(mode="after")
    def _moment_for_transactional(self) -> SurveyIn:
        if (self.kind == "transactional") != (self.moment_id is not None):
            raise ValueError(
                "a transactional survey is about exactly one moment; a relationship survey about none"
            )
        return self


class ProtocolIn(BaseModel):
    """What is agreed before fielding and frozen with the version."""

    model_config = ConfigDict(extra="forbid")
    frame: LongText = ""  # who is invited, in words
    excluded_domains: list[Domain] = Field(default_factory=list, max_length=50)
    starts_on: date | None = None
    ends_on: date | None = None
    contact_days: int = Field(90, ge=0, le=3650)  # no person is invited more than once in this many days
    reminder_days: int = Field(5, ge=0, le=60)  # one reminder this many days after the invitation (0: none)
    # Anonymous: answered through the anonymous link (or the public API) only; no person, no device
    # hash and no time of day is kept with a response (its day only). Frozen with the version.
    anonymous: bool = False

    @model_validator(mode="after")
    def _period(self) -> ProtocolIn:
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValueError("the period ends before it starts")
        return self


class OptionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    value: Key
    label: LocalizedName


class QuestionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    key: Key
    type: QuestionType
    text: RequiredName
    help: Localized = Localized()
    options: list[OptionIn] = Field(default_factory=list, max_length=30)
    per_moment: bool = False
    moment_id: int | None = None
    required: bool = False
    page: int = Field(1, ge=1, le=20)
    # a consent question: what it asks permission for (none: the answer is recorded and restricts nothing)
    purpose: Literal["contact", "link"] | None = None

    @model_validator(mode="after")
    def _options_for_choices(self) -> QuestionIn:
        if self.type != "consent" and self.purpose is not None:
            raise ValueError("only a consent question has a purpose")
        if (self.type in ("single", "multiple")) != bool(self.options):
            raise ValueError("choice questions need options; other questions have none")
        if len({o.value for o in self.options}) != len(self.options):
            raise ValueError("option values must differ")
        if self.per_moment and self.moment_id is not None:
            raise ValueError("a question is asked per moment or about one moment, not both")
        return self


class RevisionIn(BaseModel):
    """A change to a live survey: the whole new protocol and question list, and why."""

    model_config = ConfigDict(extra="forbid")
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=2000)]
    protocol: ProtocolIn
    questions: list[QuestionIn] = Field(min_length=1, max_length=200)


class PersonIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["customer", "employee"] = "customer"
    email: EmailStr | None = None
    external_id: ShortText | None = None
    name: ShortText = ""
    team_id: int | None = None
    attributes: dict[ShortText, ShortText] = Field(default_factory=dict, max_length=50)

    @model_validator(mode="after")
    def _identified(self) -> PersonIn:
        if not self.email and not self.external_id:
            raise ValueError("a person needs an e-mail address or an external id")
        return self


class AnswerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    question_id: int
    moment_id: int | None = None
    value: int | str | list[str] | None = None


class SubmitIn(BaseModel):
    """One page of answers; ``final`` submits the response. The same ``client_id`` on a retry (or a later
    page) continues the same response instead of making a second one."""

    model_config = ConfigDict(extra="forbid")
    client_id: ClientId
    locale: Literal["nl", "en"] = "nl"
    moments_experienced: list[int] | None = Field(None, max_length=200)
    answers: list[AnswerIn] = Field(default_factory=list, max_length=500)
    page: int = Field(0, ge=0, le=20)  # the page these answers come from (0: not from a paged form)
    final: bool = False


__all__ = ["Name", "ProtocolIn", "QuestionIn", "RevisionIn", "SubmitIn", "SurveyIn"]
