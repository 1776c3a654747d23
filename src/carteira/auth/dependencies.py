"""`CurrentUser` and `AdminUser`: the authentication every router reuses."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer

from carteira.auth import service
from carteira.auth.exceptions import AdminRequiredError, CsrfError
from carteira.auth.service import Principal
from carteira.core.dependencies import RedisDep, SettingsDep
from carteira.core.errors import NotAuthenticatedError

ACCESS_COOKIE = "access_token"
CSRF_COOKIE = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

# Declared so that Swagger's "Authorize" button speaks the password flow to /auth/login.
bearer_scheme = OAuth2PasswordBearer(tokenUrl="/auth/login", auto_error=False)


async def get_current_user(
    request: Request,
    redis: RedisDep,
    settings: SettingsDep,
    bearer: Annotated[str | None, Depends(bearer_scheme)],
) -> Principal:
    # The Authorization header wins over the cookie; only cookie auth needs the CSRF check,
    # since a browser attaches cookies to cross-site requests but never this header.
    token = bearer or request.cookies.get(ACCESS_COOKIE)
    if not token:
        raise NotAuthenticatedError()
    principal = await service.authenticate_token(token=token, redis=redis, settings=settings)
    if bearer is None and request.method not in SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER, "")
        if not hmac.compare_digest(sent.encode(), principal.csrf.encode()):
            raise CsrfError()
    return principal


CurrentUser = Annotated[Principal, Depends(get_current_user)]


async def require_admin(user: CurrentUser) -> Principal:
    if not user.is_admin:
        raise AdminRequiredError()
    return user


AdminUser = Annotated[Principal, Depends(require_admin)]
