"""`CurrentUser`, `WriterUser` and `AdminUser`: the authentication every router reuses.

Each is ONE dependency (an OAuth2 scheme subclass): FastAPI charges per resolved
dependency on every request, and Swagger still sees the password flow.
"""

from __future__ import annotations

import hmac
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer

from carteira.auth import service
from carteira.auth.exceptions import (
    AdminRequiredError,
    CsrfError,
    InvalidTokenError,
    ReadOnlyRoleError,
    StaffRequiredError,
)
from carteira.auth.service import Principal
from carteira.auth.sessions import SessionStore
from carteira.core import openapi
from carteira.core.errors import AppError, NotAuthenticatedError

ACCESS_COOKIE = "access_token"
CSRF_COOKIE = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class Authenticated(OAuth2PasswordBearer):
    def __init__(
        self, *, admin_only: bool = False, writes: bool = False, staff: bool = False
    ) -> None:
        super().__init__(
            tokenUrl="/auth/login", scheme_name="OAuth2PasswordBearer", auto_error=False
        )
        self.admin_only = admin_only
        self.writes = writes
        self.staff = staff

    async def __call__(self, request: Request) -> Principal:  # type: ignore[override]
        # The Authorization header wins over the cookie; only cookie auth needs the CSRF
        # check, since a browser attaches cookies to cross-site requests but never this header.
        bearer = await super().__call__(request)
        token = bearer or request.cookies.get(ACCESS_COOKIE)
        if not token:
            raise NotAuthenticatedError()
        state = request.app.state
        principal = await service.authenticate_token(
            token=token, sessions=state.sessions, settings=state.settings
        )
        if bearer is None and request.method not in SAFE_METHODS:
            sent = request.headers.get(CSRF_HEADER, "")
            if not hmac.compare_digest(sent.encode(), principal.csrf.encode()):
                raise CsrfError()
        if self.admin_only and not principal.is_admin:
            raise AdminRequiredError()
        if self.writes and not principal.can_write:
            raise ReadOnlyRoleError()
        if self.staff and not principal.can_write:
            raise StaffRequiredError()
        return principal


def authentication_errors(guard: Authenticated, *, unsafe: bool) -> list[type[AppError]]:
    """What a guard may answer: for the OpenAPI document."""
    errors: list[type[AppError]] = [NotAuthenticatedError, InvalidTokenError]
    if guard.admin_only:
        errors.append(AdminRequiredError)
    if guard.writes:
        errors.append(ReadOnlyRoleError)
    if guard.staff:
        errors.append(StaffRequiredError)
    if unsafe:
        errors.append(CsrfError)
    return errors


def security_requirement(unsafe: bool) -> list[dict[str, list[str]]]:
    """The bearer token, or the session cookie, which unsafe methods pair with the CSRF
    header."""
    cookie: dict[str, list[str]] = {"sessionCookie": []}
    if unsafe:
        cookie["csrfToken"] = []
    return [{"OAuth2PasswordBearer": []}, cookie]


# The bearer scheme FastAPI documents itself (an OAuth2PasswordBearer); the cookie and its
# CSRF header are ours.
SECURITY_SCHEMES: dict[str, dict[str, Any]] = {
    "sessionCookie": {
        "type": "apiKey",
        "in": "cookie",
        "name": ACCESS_COOKIE,
        "description": "HttpOnly cookie set by POST /auth/login",
    },
    "csrfToken": {
        "type": "apiKey",
        "in": "header",
        "name": CSRF_HEADER,
        "description": "the `csrf_token` cookie (or login body field), echoed on "
        "cookie-authenticated writes",
    },
}
openapi.register_guard(
    openapi.Guard(
        kind=Authenticated,
        errors=authentication_errors,
        requirement=security_requirement,
        schemes=SECURITY_SCHEMES,
    )
)


CurrentUser = Annotated[Principal, Depends(Authenticated())]
# Writes to clients and their ledgers: admins, and advisors within their own book (which the
# client's visibility check enforces); readers get 403.
WriterUser = Annotated[Principal, Depends(Authenticated(writes=True))]
AdminUser = Annotated[Principal, Depends(Authenticated(admin_only=True))]
# Admins and advisors (each within their scope), not readers: the audit trail.
StaffUser = Annotated[Principal, Depends(Authenticated(staff=True))]


async def get_sessions(request: Request) -> SessionStore:
    sessions: SessionStore = request.app.state.sessions
    return sessions


SessionsDep = Annotated[SessionStore, Depends(get_sessions)]
