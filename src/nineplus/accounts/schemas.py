"""Input and output shapes of the accounts capability."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, StringConstraints

from nineplus.core.schemas import Localized, Name
from nineplus.core.security import MIN_PASSWORD_LENGTH

Role = Literal["admin", "cx_lead", "team_lead", "team_member", "viewer"]
Scope = Literal["read", "write", "admin"]
Password = Annotated[str, StringConstraints(min_length=MIN_PASSWORD_LENGTH, max_length=200)]


class TeamIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Name
    description: Localized = Localized()


class TeamOut(BaseModel):
    id: int
    name: str
    description: dict[str, str]


class InviteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: EmailStr
    role: Role
    team_ids: list[int] = Field(default_factory=list, max_length=50)


class AcceptInviteIn(BaseModel):
    name: Name
    password: Password


class PasswordResetIn(BaseModel):
    password: Password


class UserCreateIn(BaseModel):
    email: EmailStr
    name: Name
    password: Password
    role: Role
    locale: Literal["nl", "en"] | None = None


class RoleChangeIn(BaseModel):
    role: Role


class ApiKeyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Name
    scopes: list[Scope] = Field(min_length=1, max_length=3)


class ApiKeyOut(BaseModel):
    id: int
    name: str
    prefix: str
    scopes: list[str]
    created_at: datetime
    revoked_at: datetime | None


class MeOut(BaseModel):
    organisation_id: int
    user_id: int | None
    name: str
    email: str
    role: str | None
    team_ids: list[int]
    scopes: list[str]
