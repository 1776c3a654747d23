"""Users and their sessions (login, refresh, logout, token checks, socket tickets)."""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from tortoise.exceptions import IntegrityError

from carteira.audit import service as audit
from carteira.auth import devices, throttle
from carteira.auth.exceptions import (
    EmailTakenError,
    InvalidCredentialsError,
    InvalidTokenError,
    LastAdminError,
    PasswordIsEmailError,
    SelfModificationError,
    UserNotFoundError,
)
from carteira.auth.models import Role, Session, User
from carteira.auth.schemas import UserCreate, UserUpdate
from carteira.auth.security import (
    Claims,
    TokenPair,
    decode,
    hash_password,
    issue_pair,
    new_session_id,
    verify_password,
)
from carteira.auth.sessions import AUTH_CHANGED as AUTH_CHANGED
from carteira.auth.sessions import SessionStore as SessionStore
from carteira.core.config import Settings
from carteira.core.database import atomic, db
from carteira.core.pagination import PageParams

logger = logging.getLogger(__name__)

ENTITY = "user"
WS_TICKET_SECONDS = 30
# Serializes every change that could leave the firm without an active admin.
_ADMINS_LOCK = "SELECT pg_advisory_xact_lock(hashtext('carteira.users.admins'))"


@dataclass(frozen=True, slots=True)
class Principal:
    """The authenticated caller: the token's identity, with the role the database holds now."""

    id: int
    role: Role
    jti: str
    expires_at: int
    csrf: str
    sid: str
    version: int

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    @property
    def can_write(self) -> bool:
        """Admins write anything; advisors their own clients' data (readers nothing)."""
        return self.role in (Role.ADMIN, Role.ADVISOR)

    @property
    def advisor_id(self) -> int | None:
        """Whose book the caller is limited to: their own as an advisor, none otherwise."""
        return self.id if self.role is Role.ADVISOR else None


# ---- login -------------------------------------------------------------------------------


async def authenticate(
    *,
    email: str,
    password: str,
    ip: str,
    device_cookie: str | None,
    sessions: SessionStore,
    settings: Settings,
) -> User:
    """The active user with these credentials, or InvalidCredentialsError / LoginThrottledError.

    The attempt is reserved in the throttle before bcrypt runs: for the device when its cookie
    says it signed in as this user before (and nothing ended the user's sessions since), else
    for the email and address. Login needs Redis for that count: with Redis down it fails
    closed with a 503 rather than allowing unthrottled guessing.
    """
    email = email.strip().lower()
    user = await User.get_or_none(email=email)
    device = devices.read(device_cookie, secret=settings.jwt_key)
    reservation = await throttle.reserve_attempt(
        redis=sessions.redis,
        email=email,
        ip=ip,
        device=device.nonce if device is not None and device.trusted_for(user) else None,
        settings=settings,
    )
    password_ok = await verify_password(
        password, user.password_hash if user else None, rounds=settings.bcrypt_rounds
    )
    if user is None or not password_ok or not user.is_active:
        raise InvalidCredentialsError()
    await throttle.give_back(redis=sessions.redis, reservation=reservation)
    return user


def device_cookie(*, user: User, settings: Settings) -> str:
    """What a browser that just signed in keeps to be known as this user's device."""
    return devices.issue(user=user, secret=settings.jwt_key)


def _pair(*, user: User, sid: str, settings: Settings) -> TokenPair:
    return issue_pair(
        user_id=user.id,
        role=user.role,
        version=user.token_version,
        sid=sid,
        key=settings.jwt_key,
        access_ttl_seconds=settings.jwt_expire_minutes * 60,
        refresh_ttl_seconds=settings.refresh_expire_days * 86400,
    )


def _expiry(claims: Claims) -> datetime:
    return datetime.fromtimestamp(claims.expires_at, UTC)


async def open_session(*, user: User, settings: Settings) -> TokenPair:
    pair = _pair(user=user, sid=new_session_id(), settings=settings)
    async with atomic():
        await Session.create(
            id=pair.refresh.sid,
            user_id=user.id,
            refresh_jti=pair.refresh.jti,
            expires_at=_expiry(pair.refresh),
        )
        await User.filter(id=user.id).update(last_login_at=datetime.now(UTC))
    return pair


async def refresh_session(
    *, refresh_token: str, sessions: SessionStore, settings: Settings
) -> TokenPair:
    """Rotate: the presented refresh token is consumed. Presenting a consumed one again means
    the chain leaked: the whole session (every token descended from the login) is revoked."""
    claims = decode(refresh_token, key=settings.jwt_key, expected="refresh")
    if claims is None:
        raise InvalidTokenError()
    replayed = False
    async with atomic():
        session = await Session.select_for_update().get_or_none(id=claims.sid)
        user = await User.get_or_none(id=claims.user_id, is_active=True)
        if (
            session is None
            or session.user_id != claims.user_id
            or session.revoked_at is not None
            or session.expires_at <= datetime.now(UTC)
            or user is None
            or user.token_version != claims.version
        ):
            raise InvalidTokenError()
        if session.refresh_jti != claims.jti:
            replayed = True
            await _revoke(session, reason="refresh_reuse", sessions=sessions)
        else:
            pair = _pair(user=user, sid=session.id, settings=settings)
            session.refresh_jti = pair.refresh.jti
            session.expires_at = _expiry(pair.refresh)
            await session.save(update_fields=("refresh_jti", "expires_at"))
    if replayed:
        logger.warning(
            "a consumed refresh token was presented again; session %s revoked", claims.sid
        )
        raise InvalidTokenError()
    return pair


async def _revoke(session: Session, *, reason: str, sessions: SessionStore) -> None:
    session.revoked_at = datetime.now(UTC)
    session.revoked_reason = reason
    await session.save(update_fields=("revoked_at", "revoked_reason"))
    await sessions.announce(user_id=session.user_id, sid=session.id)


async def close_session(
    *, principal: Principal, refresh_token: str | None, sessions: SessionStore, settings: Settings
) -> None:
    """Logout ends the session the access token belongs to: its access and refresh tokens.
    A refresh token of another of the caller's sessions, when given, ends that one too."""
    sids = {principal.sid}
    if refresh_token:
        refresh = decode(refresh_token, key=settings.jwt_key, expected="refresh")
        if refresh is not None and refresh.user_id == principal.id:
            sids.add(refresh.sid)
    async with atomic():
        for session in await Session.select_for_update().filter(
            id__in=sorted(sids), user_id=principal.id, revoked_at__isnull=True
        ):
            await _revoke(session, reason="logout", sessions=sessions)


async def authenticate_token(
    *, token: str, sessions: SessionStore, settings: Settings
) -> Principal:
    claims = decode(token, key=settings.jwt_key, expected="access")
    if claims is None:
        raise InvalidTokenError()
    state = await sessions.check(sid=claims.sid, user_id=claims.user_id, version=claims.version)
    if state is None:
        raise InvalidTokenError()
    return Principal(
        id=claims.user_id,
        role=state.role,
        jti=claims.jti,
        expires_at=claims.expires_at,
        csrf=claims.csrf,
        sid=claims.sid,
        version=claims.version,
    )


async def ended_sessions(
    *, principals: Iterable[Principal], sessions: SessionStore
) -> set[Principal]:
    """Those whose token expired or whose session ended (logout, revocation, a change of the
    user), asked of the database in one query: long-lived sockets must follow them."""
    principals = set(principals)
    now = time.time()
    states = await sessions.states(p.sid for p in principals)
    return {
        p
        for p in principals
        if p.expires_at <= now
        or (state := states.get(p.sid)) is None
        or not state.admits(user_id=p.id, version=p.version)
    }


# ---- single-use socket tickets -----------------------------------------------------------


def _ticket_key(ticket: str) -> str:
    return "auth:ws-ticket:" + hashlib.sha256(ticket.encode()).hexdigest()


async def issue_ws_ticket(*, principal: Principal, sessions: SessionStore) -> str:
    """A short-lived, single-use stand-in for the access token in a WebSocket URL (browsers
    cannot set headers on a socket, and a JWT in a URL ends up in logs and histories)."""
    ticket = secrets.token_urlsafe(32)
    payload = {
        "user_id": principal.id,
        "sid": principal.sid,
        "version": principal.version,
        "expires_at": principal.expires_at,
        "csrf": principal.csrf,
        "jti": principal.jti,
    }
    await sessions.redis.set(_ticket_key(ticket), json.dumps(payload), ex=WS_TICKET_SECONDS)
    return ticket


async def redeem_ws_ticket(*, ticket: str, sessions: SessionStore) -> Principal:
    raw = await sessions.redis.getdel(_ticket_key(ticket)) if len(ticket) <= 128 else None
    if raw is None:
        raise InvalidTokenError()
    data = json.loads(raw)
    if int(data["expires_at"]) <= time.time():
        raise InvalidTokenError()
    state = await sessions.check(
        sid=str(data["sid"]), user_id=int(data["user_id"]), version=int(data["version"])
    )
    if state is None:
        raise InvalidTokenError()
    return Principal(
        id=state.user_id,
        role=state.role,
        jti=str(data["jti"]),
        expires_at=int(data["expires_at"]),
        csrf=str(data["csrf"]),
        sid=str(data["sid"]),
        version=state.token_version,
    )


# ---- users -------------------------------------------------------------------------------


def _snapshot(user: User) -> dict[str, object]:
    return {"email": user.email, "role": user.role, "is_active": user.is_active}


async def get_user(*, user_id: int) -> User:
    user = await User.get_or_none(id=user_id)
    if user is None:
        raise UserNotFoundError()
    return user


async def list_users(*, params: PageParams) -> tuple[list[User], int]:
    query = User.all()
    total = await query.count()
    users = await query.order_by("id").offset(params.offset).limit(params.limit)
    return users, total


async def create_user(*, data: UserCreate, actor_id: int | None, settings: Settings) -> User:
    password_hash = await hash_password(data.password, rounds=settings.bcrypt_rounds)
    try:
        async with atomic():
            user = await User.create(email=data.email, password_hash=password_hash, role=data.role)
            await audit.record(
                actor_id=actor_id,
                action=audit.Action.CREATE,
                entity=ENTITY,
                entity_id=user.id,
                changes=_snapshot(user),
            )
    except IntegrityError as exc:
        raise EmailTakenError() from exc
    return user


def _is_active_admin(user: User) -> bool:
    return user.is_active and user.role is Role.ADMIN


async def _ensure_another_admin_remains(user_id: int) -> None:
    """Inside the transaction, under a lock every such change takes: two admins demoting
    each other at once leave one admin, never none."""
    await db().execute_query(_ADMINS_LOCK)
    others = await User.filter(role=Role.ADMIN, is_active=True).exclude(id=user_id).count()
    if others == 0:
        raise LastAdminError()


async def update_user(
    *, user_id: int, data: UserUpdate, actor: Principal, sessions: SessionStore, settings: Settings
) -> User:
    changes = data.model_dump(exclude_unset=True, exclude_none=True)
    if user_id == actor.id and (
        changes.get("is_active") is False or changes.get("role", Role.ADMIN) is not Role.ADMIN
    ):
        raise SelfModificationError()
    password = changes.pop("password", None)
    password_hash = (
        await hash_password(password, rounds=settings.bcrypt_rounds) if password else None
    )
    async with atomic():
        user = await User.select_for_update().get_or_none(id=user_id)
        if user is None:
            raise UserNotFoundError()
        if password is not None and password.lower() in {
            user.email,
            user.email.split("@")[0],
        }:
            raise PasswordIsEmailError()
        before = _snapshot(user)
        was_admin = _is_active_admin(user)
        user.update_from_dict(changes)
        if was_admin and not _is_active_admin(user):
            await _ensure_another_admin_remains(user.id)
        if password_hash is not None:
            user.password_hash = password_hash
        trail = audit.diff(before, _snapshot(user))
        if password_hash is not None:
            trail["password"] = {"from": "***", "to": "***"}
        if trail:
            # Every token issued before this change stops working, in this very transaction.
            user.token_version += 1
            await user.save()
            await sessions.announce(user_id=user.id)
            await audit.record(
                actor_id=actor.id,
                action=audit.Action.UPDATE,
                entity=ENTITY,
                entity_id=user.id,
                changes=trail,
            )
    return user


async def delete_user(*, user_id: int, actor: Principal, sessions: SessionStore) -> None:
    if user_id == actor.id:
        raise SelfModificationError()
    async with atomic():
        user = await User.select_for_update().get_or_none(id=user_id)
        if user is None:
            raise UserNotFoundError()
        if _is_active_admin(user):
            await _ensure_another_admin_remains(user.id)
        await audit.record(
            actor_id=actor.id,
            action=audit.Action.DELETE,
            entity=ENTITY,
            entity_id=user.id,
            changes=_snapshot(user),
        )
        await user.delete()  # its sessions go with it (ON DELETE CASCADE)
        await sessions.announce(user_id=user_id)


async def ensure_user(*, email: str, password: str, role: Role, settings: Settings) -> bool:
    """Create the user unless the email exists; True when it was created (the dev bootstrap's
    documented account, which the password policy for real accounts does not apply to)."""
    if await User.exists(email=email.lower()):
        return False
    await create_user(
        data=UserCreate.model_construct(email=email.lower(), password=password, role=role),
        actor_id=None,
        settings=settings,
    )
    return True


async def is_active_advisor(*, user_id: int) -> bool:
    return await User.exists(id=user_id, role=Role.ADVISOR, is_active=True)


async def user_emails(*, user_ids: Iterable[int]) -> dict[int, str]:
    wanted = sorted(set(user_ids))
    if not wanted:
        return {}
    rows = await User.filter(id__in=wanted).values_list("id", "email")
    return {int(user_id): str(email) for user_id, email in rows}


async def advisor_id_of(*, email: str) -> int | None:
    """The id of the active advisor with this email, if there is one."""
    user = await User.get_or_none(email=email.strip().lower(), role=Role.ADVISOR, is_active=True)
    return user.id if user else None
