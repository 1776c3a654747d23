from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Annotated, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    StringConstraints,
    model_validator,
)

from carteira.auth.models import Role
from carteira.auth.security import MAX_PASSWORD_BYTES, password_too_long
from carteira.core.validators import invalid

MIN_PASSWORD_LENGTH = 10


@lru_cache(maxsize=1)
def _common_passwords() -> frozenset[str]:
    # The 30,000 most common passwords of public breaches, as shipped with zxcvbn.
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


def _acceptable_password(password: str) -> str:
    if password_too_long(password):
        raise invalid(
            "password_too_long",
            "password must be at most {bytes} bytes in UTF-8",
            bytes=MAX_PASSWORD_BYTES,
        )
    if password.lower() in _common_passwords():
        raise invalid(
            "password_common", "password is one of the most common passwords; choose another"
        )
    return password


NewPassword = Annotated[
    str,
    StringConstraints(min_length=MIN_PASSWORD_LENGTH, max_length=MAX_PASSWORD_BYTES),
    AfterValidator(_acceptable_password),
]
Email = Annotated[EmailStr, AfterValidator(str.lower)]


class StrictModel(BaseModel):
    # Unknown fields (an `id`, a `role` where none belongs) are refused, not silently dropped.
    model_config = ConfigDict(extra="forbid")


class LoginRequest(StrictModel):
    email: Annotated[str, StringConstraints(min_length=1, max_length=320)]
    password: Annotated[str, StringConstraints(min_length=1, max_length=1024)]


class TokenResponse(BaseModel):
    access_token: str
    refresh_token: str
    token_type: str = "bearer"  # noqa: S105 - the OAuth2 token type, not a secret
    expires_in: int = Field(description="seconds until the access token expires")
    csrf_token: str = Field(
        description="echo it in X-CSRF-Token on cookie-authenticated writes (also set as the "
        "csrf_token cookie, which a page on another host cannot read)"
    )


class RefreshRequest(StrictModel):
    refresh_token: Annotated[str, StringConstraints(min_length=1, max_length=4096)]


class LogoutRequest(StrictModel):
    refresh_token: Annotated[str | None, StringConstraints(max_length=4096)] = None


class WsTicketOut(BaseModel):
    ticket: str = Field(description="single use, valid 30 seconds: /ws/...?ticket=")
    expires_in: int


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    email: str
    role: Role
    is_active: bool
    created_at: datetime
    last_login_at: datetime | None


def _not_the_email(email: str | None, password: str | None) -> None:
    if email and password and password.lower() in {email.lower(), email.split("@")[0].lower()}:
        raise invalid("password_is_email", "password must not be the email")


class UserCreate(StrictModel):
    email: Email
    password: NewPassword
    role: Role = Role.READER

    @model_validator(mode="after")
    def _password_is_not_the_email(self) -> Self:
        _not_the_email(self.email, self.password)
        return self


class UserUpdate(StrictModel):
    role: Role | None = None
    is_active: bool | None = None
    password: NewPassword | None = None
