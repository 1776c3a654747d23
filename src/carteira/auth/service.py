"""Users and their sessions (login, refresh, logout, token checks)."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from redis.asyncio import Redis
from tortoise.exceptions import IntegrityError

from carteira.audit import service as audit
from carteira.auth.exceptions import (
    EmailTakenError,
    InvalidCredentialsError,
    InvalidTokenError,
    LoginThrottledError,
    SelfModificationError,
    UserNotFoundError,
)
from carteira.auth.models import Role, User
from carteira.auth.schemas import UserCreate, UserUpdate
from carteira.auth.security import TokenPair, decode, hash_password, issue_pair, verify_password
from carteira.auth.sessions import SessionStore
from carteira.core.config import Settings
from carteira.core.database import atomic
from carteira.core.pagination import PageParams

logger = logging.getLogger(__name__)

ENTITY = "user"


@dataclass(frozen=True, slots=True)
class Principal:
    """The authenticated caller, as the access token describes it (no database read)."""

    id: int
    role: Role
    jti: str
    expires_at: int
    csrf: str

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN


def _failures_key(email: str, ip: str) -> str:
    digest = hashlib.sha256(email.encode()).hexdigest()[:32]
    return f"auth:login-failures:{digest}:{ip}"


# ---- login -------------------------------------------------------------------------------


async def _ensure_not_throttled(*, redis: Redis, key: str, settings: Settings) -> None:
    failures = await redis.get(key)
    if failures is not None and int(failures) >= settings.login_max_failures:
        retry_after = await redis.ttl(key)
        raise LoginThrottledError(retry_after=retry_after if retry_after > 0 else 1)


async def _count_failure(*, redis: Redis, key: str, settings: Settings) -> None:
    async with redis.pipeline(transaction=True) as pipe:
        pipe.set(key, 0, ex=settings.login_window_seconds, nx=True)
        pipe.incr(key)
        await pipe.execute()


async def authenticate(
    *, email: str, password: str, ip: str, sessions: SessionStore, settings: Settings
) -> User:
    """The active user with these credentials, or InvalidCredentialsError / LoginThrottledError.

    Login needs Redis (the throttle and the refresh token live there): with Redis down it
    fails closed with a 503 rather than allowing unthrottled guessing.
    """
    email = email.strip().lower()
    redis = sessions.redis
    failures_key = _failures_key(email, ip)
    await _ensure_not_throttled(redis=redis, key=failures_key, settings=settings)
    user = await User.get_or_none(email=email)
    password_ok = await verify_password(
        password, user.password_hash if user else None, rounds=settings.bcrypt_rounds
    )
    if user is None or not password_ok or not user.is_active:
        await _count_failure(redis=redis, key=failures_key, settings=settings)
        raise InvalidCredentialsError()
    await redis.delete(failures_key)
    return user


async def open_session(*, user: User, sessions: SessionStore, settings: Settings) -> TokenPair:
    pair = issue_pair(
        user_id=user.id,
        role=user.role,
        version=await sessions.current_version(user.id),
        key=settings.jwt_key,
        access_ttl_seconds=settings.jwt_expire_minutes * 60,
        refresh_ttl_seconds=settings.refresh_expire_days * 86400,
    )
    await sessions.keep_refresh(pair.refresh)
    await User.filter(id=user.id).update(last_login_at=datetime.now(UTC))
    return pair


async def refresh_session(
    *, refresh_token: str, sessions: SessionStore, settings: Settings
) -> TokenPair:
    """Rotate: the presented refresh token is consumed; a second use is refused."""
    claims = decode(refresh_token, key=settings.jwt_key, expected="refresh")
    if claims is None or not await sessions.consume_refresh(claims):
        raise InvalidTokenError()
    if await sessions.current_version(claims.user_id) != claims.version:
        raise InvalidTokenError()
    user = await User.get_or_none(id=claims.user_id, is_active=True)
    if user is None:
        raise InvalidTokenError()
    return await open_session(user=user, sessions=sessions, settings=settings)


async def close_session(
    *, principal: Principal, refresh_token: str | None, sessions: SessionStore, settings: Settings
) -> None:
    await sessions.revoke(jti=principal.jti, expires_at=principal.expires_at)
    if refresh_token:
        refresh = decode(refresh_token, key=settings.jwt_key, expected="refresh")
        if refresh is not None and refresh.user_id == principal.id:
            await sessions.forget_refresh(refresh)


async def authenticate_token(
    *, token: str, sessions: SessionStore, settings: Settings
) -> Principal:
    claims = decode(token, key=settings.jwt_key, expected="access")
    if claims is None or not await sessions.is_valid(claims):
        raise InvalidTokenError()
    return Principal(
        id=claims.user_id,
        role=claims.role,
        jti=claims.jti,
        expires_at=claims.expires_at,
        csrf=claims.csrf,
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


async def update_user(
    *, user_id: int, data: UserUpdate, actor: Principal, sessions: SessionStore, settings: Settings
) -> User:
    changes = data.model_dump(exclude_unset=True, exclude_none=True)
    if user_id == actor.id and (
        changes.get("is_active") is False or changes.get("role", Role.ADMIN) is not Role.ADMIN
    ):
        raise SelfModificationError()
    password = changes.pop("password", None)
    async with atomic():
        user = await User.select_for_update().get_or_none(id=user_id)
        if user is None:
            raise UserNotFoundError()
        before = _snapshot(user)
        user.update_from_dict(changes)
        if password is not None:
            user.password_hash = await hash_password(password, rounds=settings.bcrypt_rounds)
        await user.save()
        trail = audit.diff(before, _snapshot(user))
        if password is not None:
            trail["password"] = {"from": "***", "to": "***"}
        if trail:
            await audit.record(
                actor_id=actor.id,
                action=audit.Action.UPDATE,
                entity=ENTITY,
                entity_id=user.id,
                changes=trail,
            )
    if trail:
        await sessions.end_all(user.id)
    return user


async def delete_user(*, user_id: int, actor: Principal, sessions: SessionStore) -> None:
    if user_id == actor.id:
        raise SelfModificationError()
    async with atomic():
        user = await User.select_for_update().get_or_none(id=user_id)
        if user is None:
            raise UserNotFoundError()
        await audit.record(
            actor_id=actor.id,
            action=audit.Action.DELETE,
            entity=ENTITY,
            entity_id=user.id,
            changes=_snapshot(user),
        )
        await user.delete()
    await sessions.end_all(user_id)


async def ensure_user(*, email: str, password: str, role: Role, settings: Settings) -> bool:
    """Create the user unless the email exists; True when it was created (dev bootstrap)."""
    if await User.exists(email=email.lower()):
        return False
    await create_user(
        data=UserCreate(email=email, password=password, role=role), actor_id=None, settings=settings
    )
    return True
