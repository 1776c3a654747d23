from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, Field, StringConstraints

from carteira.auth.models import Role
from carteira.auth.security import MAX_PASSWORD_BYTES, password_too_long


def _fits_bcrypt(password: str) -> str:
    if password_too_long(password):
        raise ValueError(f"password must be at most {MAX_PASSWORD_BYTES} bytes in UTF-8")
    return password


NewPassword = Annotated[
    str,
    StringConstraints(min_length=8, max_length=MAX_PASSWORD_BYTES),
    AfterValidator(_fits_bcrypt),
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


class RefreshRequest(StrictModel):
    refresh_token: Annotated[str, StringConstraints(min_length=1, max_length=4096)]


class LogoutRequest(StrictModel):
    refresh_token: Annotated[str | None, StringConstraints(max_length=4096)] = None


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    email: str
    role: Role
    is_active: bool
    created_at: datetime
    last_login_at: datetime | None


class UserCreate(StrictModel):
    email: Email
    password: NewPassword
    role: Role = Role.READER


class UserUpdate(StrictModel):
    role: Role | None = None
    is_active: bool | None = None
    password: NewPassword | None = None
