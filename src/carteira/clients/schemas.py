from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    StringConstraints,
    model_validator,
)

from carteira.clients.examples import CLIENT, CLIENT_CREATE
from carteira.clients.models import ClientStatus
from carteira.core.pagination import Page, PageQuery
from carteira.core.types import Id, Label
from carteira.core.validators import cpf_digits, invalid, phone

ClientEmail = Annotated[EmailStr, StringConstraints(max_length=320), AfterValidator(str.lower)]
Cpf = Annotated[str, StringConstraints(max_length=20), AfterValidator(cpf_digits)]
Phone = Annotated[str, StringConstraints(max_length=24), AfterValidator(phone)]
ClientSort = Literal["name", "-name", "created_at", "-created_at"]


class ClientFilters(PageQuery):
    search: str | None = Field(None, max_length=100, description="in name or email, any case")
    status: ClientStatus | None = None
    advisor_id: Id | None = Field(None, description="one advisor's clients (an advisor: theirs)")


class _ClientInput(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ClientCreate(_ClientInput):
    model_config = ConfigDict(
        extra="forbid", str_strip_whitespace=True, json_schema_extra={"examples": [CLIENT_CREATE]}
    )

    name: Label
    email: ClientEmail
    document: Cpf | None = None
    phone: Phone | None = None
    status: ClientStatus = ClientStatus.ACTIVE
    advisor_id: Id | None = Field(
        None, description="admins only; an advisor's new client is always their own"
    )


class ClientReplace(_ClientInput):
    """PUT: the whole client; optional fields left out are cleared (except `advisor_id`,
    which changes only when sent)."""

    name: Label
    email: ClientEmail
    document: Cpf | None = None
    phone: Phone | None = None
    status: ClientStatus
    advisor_id: Id | None = Field(None, description="admins only; `null` unassigns")


class ClientPatch(_ClientInput):
    """PATCH: only the fields sent change; `null` clears an optional field."""

    name: Label | None = None
    email: ClientEmail | None = None
    document: Cpf | None = None
    phone: Phone | None = None
    status: ClientStatus | None = None
    advisor_id: Id | None = Field(None, description="admins only; `null` unassigns")

    @model_validator(mode="after")
    def _required_fields_are_not_null(self) -> ClientPatch:
        for field in ("name", "email", "status"):
            if field in self.model_fields_set and getattr(self, field) is None:
                raise invalid("field_null", "{field} cannot be null", field=field)
        return self


class ClientOut(BaseModel):
    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [CLIENT]})

    id: int
    name: str
    email: str
    document: str | None
    phone: str | None
    status: ClientStatus
    advisor_id: int | None
    created_at: datetime
    updated_at: datetime


ClientPage = Page[ClientOut]
