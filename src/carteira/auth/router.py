from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Request, Response, status
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from carteira.auth import service
from carteira.auth.dependencies import (
    ACCESS_COOKIE,
    CSRF_COOKIE,
    AdminUser,
    CurrentUser,
    SessionsDep,
)
from carteira.auth.devices import DEVICE_COOKIE, DEVICE_COOKIE_DAYS, DEVICE_COOKIE_PATH
from carteira.auth.exceptions import (
    EmailTakenError,
    InvalidCredentialsError,
    InvalidTokenError,
    LastAdminError,
    LoginThrottledError,
    PasswordIsEmailError,
    SelfModificationError,
    UserNotFoundError,
)
from carteira.auth.schemas import (
    LoginRequest,
    LogoutRequest,
    RefreshRequest,
    TokenResponse,
    UserCreate,
    UserOut,
    UserUpdate,
    WsTicketOut,
)
from carteira.auth.security import TokenPair
from carteira.core.config import Settings
from carteira.core.dependencies import SettingsDep
from carteira.core.errors import InputValidationError, PayloadTooLargeError
from carteira.core.openapi import raises
from carteira.core.pagination import Page, Pagination
from carteira.core.types import PathId

router = APIRouter(prefix="/auth", tags=["auth"])
users_router = APIRouter(prefix="/users", tags=["users"])

_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
_LOGIN_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": LoginRequest.model_json_schema()},
            "application/x-www-form-urlencoded": {
                "schema": {
                    "type": "object",
                    "required": ["username", "password"],
                    "properties": {
                        "username": {"type": "string", "description": "the user's email"},
                        "password": {"type": "string", "format": "password"},
                        "grant_type": {"type": "string", "enum": ["password"]},
                    },
                }
            },
        },
    }
}


async def _read_credentials(request: Request) -> LoginRequest:
    """The OAuth2 password form (Swagger's Authorize) or a JSON body, whichever was sent."""
    try:
        if request.headers.get("content-type", "").startswith(_FORM_TYPES):
            form = await request.form()
            return LoginRequest.model_validate(
                {"email": form.get("username"), "password": form.get("password")}
            )
        return LoginRequest.model_validate_json(await request.body())
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        raise RequestValidationError(
            [{**error, "loc": ("body", *error["loc"])} for error in errors]
        ) from exc


def _cookie_scope(settings: Settings) -> dict[str, Any]:
    """Where the session cookies live and travel (COOKIE_DOMAIN, COOKIE_SAMESITE,
    COOKIE_SECURE): the same on login, refresh and logout, or a browser keeps the old ones."""
    return {
        "path": "/",
        "domain": settings.cookie_domain,
        "secure": settings.cookie_secure,
        "samesite": settings.cookie_samesite,
    }


def _set_session_cookies(response: Response, pair: TokenPair, settings: Settings) -> None:
    scope = {"max_age": settings.jwt_expire_minutes * 60, **_cookie_scope(settings)}
    response.set_cookie(ACCESS_COOKIE, pair.access_token, httponly=True, **scope)
    # Readable by the page's script (on any host of COOKIE_DOMAIN), which echoes it in
    # X-CSRF-Token; the login and refresh bodies carry it too.
    response.set_cookie(CSRF_COOKIE, pair.csrf_token, httponly=False, **scope)


def _token_response(response: Response, pair: TokenPair, settings: Settings) -> TokenResponse:
    _set_session_cookies(response, pair, settings)
    return TokenResponse(
        access_token=pair.access_token,
        refresh_token=pair.refresh_token,
        expires_in=settings.jwt_expire_minutes * 60,
        csrf_token=pair.csrf_token,
    )


@router.post("/login", response_model=TokenResponse, openapi_extra=_LOGIN_BODY)
@raises(InvalidCredentialsError, LoginThrottledError, InputValidationError, PayloadTooLargeError)
async def auth_login(
    request: Request, response: Response, sessions: SessionsDep, settings: SettingsDep
) -> TokenResponse:
    """Sign in with an email and a password (JSON, or the OAuth2 password form Swagger's
    *Authorize* sends): the token pair, plus the session cookies for browsers and a device
    cookie. Failures are counted before the password is checked (429 after too many): per
    device when the device cookie says this browser signed in as the user before, else per
    email and address and per email."""
    credentials = await _read_credentials(request)
    user = await service.authenticate(
        email=credentials.email,
        password=credentials.password,
        # The peer, or the client a configured proxy (FORWARDED_ALLOW_IPS) vouches for.
        ip=request.client.host if request.client else "unknown",
        device_cookie=request.cookies.get(DEVICE_COOKIE),
        sessions=sessions,
        settings=settings,
    )
    pair = await service.open_session(user=user, settings=settings)
    response.set_cookie(
        DEVICE_COOKIE,
        service.device_cookie(user=user, settings=settings),
        max_age=DEVICE_COOKIE_DAYS * 86400,
        httponly=True,
        **{**_cookie_scope(settings), "path": DEVICE_COOKIE_PATH},
    )
    return _token_response(response, pair, settings)


@router.post("/refresh", response_model=TokenResponse)
@raises(InvalidTokenError)
async def auth_refresh(
    body: RefreshRequest, response: Response, sessions: SessionsDep, settings: SettingsDep
) -> TokenResponse:
    """A new token pair for a refresh token, which is used up; presenting a used one again
    ends the whole session."""
    pair = await service.refresh_session(
        refresh_token=body.refresh_token, sessions=sessions, settings=settings
    )
    return _token_response(response, pair, settings)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
async def auth_logout(
    user: CurrentUser,
    sessions: SessionsDep,
    settings: SettingsDep,
    body: Annotated[LogoutRequest | None, Body()] = None,
) -> Response:
    """End the session: its access and refresh tokens stop working, the cookies are cleared."""
    await service.close_session(
        principal=user,
        refresh_token=body.refresh_token if body else None,
        sessions=sessions,
        settings=settings,
    )
    response = Response(status_code=status.HTTP_204_NO_CONTENT)
    response.delete_cookie(ACCESS_COOKIE, httponly=True, **_cookie_scope(settings))
    response.delete_cookie(CSRF_COOKIE, httponly=False, **_cookie_scope(settings))
    return response


@router.post("/ws-ticket", response_model=WsTicketOut)
async def auth_ws_ticket(user: CurrentUser, sessions: SessionsDep) -> WsTicketOut:
    """A single-use ticket (30 s) to open a WebSocket with `?ticket=` instead of a token in the
    URL; the socket then belongs to this session and closes when it ends."""
    ticket = await service.issue_ws_ticket(principal=user, sessions=sessions)
    return WsTicketOut(ticket=ticket, expires_in=service.WS_TICKET_SECONDS)


@router.get("/me", response_model=UserOut)
@raises(UserNotFoundError)
async def auth_me(user: CurrentUser) -> UserOut:
    """The signed-in user."""
    return UserOut.model_validate(await service.get_user(user_id=user.id))


@users_router.get("", response_model=Page[UserOut])
async def users_list(_: AdminUser, params: Pagination) -> Page[UserOut]:
    """Every user, by id."""
    users, total = await service.list_users(params=params)
    return Page.build([UserOut.model_validate(u) for u in users], total=total, params=params)


@users_router.post("", response_model=UserOut, status_code=status.HTTP_201_CREATED)
@raises(EmailTakenError, PasswordIsEmailError)
async def users_create(
    body: UserCreate, admin: AdminUser, settings: SettingsDep, response: Response
) -> UserOut:
    """A new user with a role: `admin`, `advisor` (their own clients only) or `reader`."""
    user = await service.create_user(data=body, actor_id=admin.id, settings=settings)
    response.headers["Location"] = f"/users/{user.id}"
    return UserOut.model_validate(user)


@users_router.get("/{user_id}", response_model=UserOut)
@raises(UserNotFoundError)
async def users_get(user_id: PathId, _: AdminUser) -> UserOut:
    """One user."""
    return UserOut.model_validate(await service.get_user(user_id=user_id))


@users_router.patch("/{user_id}", response_model=UserOut)
@raises(
    UserNotFoundError, SelfModificationError, LastAdminError, PasswordIsEmailError, EmailTakenError
)
async def users_update(
    user_id: PathId,
    body: UserUpdate,
    admin: AdminUser,
    sessions: SessionsDep,
    settings: SettingsDep,
) -> UserOut:
    """Change a user's role, activation or password: their sessions end at once."""
    user = await service.update_user(
        user_id=user_id, data=body, actor=admin, sessions=sessions, settings=settings
    )
    return UserOut.model_validate(user)


@users_router.delete("/{user_id}", status_code=status.HTTP_204_NO_CONTENT)
@raises(UserNotFoundError, SelfModificationError, LastAdminError)
async def users_delete(user_id: PathId, admin: AdminUser, sessions: SessionsDep) -> Response:
    """Remove a user (their clients become unassigned; the audit trail keeps their id)."""
    await service.delete_user(user_id=user_id, actor=admin, sessions=sessions)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
