"""Password hashing and JWT encoding: the primitives behind the auth service."""

from __future__ import annotations

import asyncio
import hashlib
import secrets
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal, TypeVar

import bcrypt
import jwt

from carteira.auth.models import Role

# bcrypt only reads the first 72 bytes; longer passwords are refused rather than truncated.
MAX_PASSWORD_BYTES = 72
ALGORITHM = "HS256"
ISSUER = "carteira"
# Our tokens are ~500 bytes; anything much longer is not one of ours and is not even parsed.
MAX_TOKEN_BYTES = 4096
VERIFIED_CACHE_SIZE = 4096

TokenType = Literal["access", "refresh"]
T = TypeVar("T")

# bcrypt has threads of its own: a login storm queues here, never in the default executor that
# exports and other blocking work share.
_BCRYPT = ThreadPoolExecutor(max_workers=2, thread_name_prefix="bcrypt")


def password_too_long(password: str) -> bool:
    return len(password.encode()) > MAX_PASSWORD_BYTES


async def _in_bcrypt_pool(work: Callable[..., T], *args: Any) -> T:
    return await asyncio.get_running_loop().run_in_executor(_BCRYPT, work, *args)


async def hash_password(password: str, *, rounds: int) -> str:
    hashed = await _in_bcrypt_pool(bcrypt.hashpw, password.encode(), bcrypt.gensalt(rounds))
    return hashed.decode()


@lru_cache
def _decoy_hash(rounds: int) -> bytes:
    return bcrypt.hashpw(secrets.token_bytes(16), bcrypt.gensalt(rounds))


def _check_password(candidate: bytes, password_hash: str | None, rounds: int) -> bool:
    usable = password_hash is not None and len(candidate) <= MAX_PASSWORD_BYTES
    target = password_hash.encode() if usable and password_hash else _decoy_hash(rounds)
    return bcrypt.checkpw(candidate[:MAX_PASSWORD_BYTES], target) and usable


async def verify_password(password: str, password_hash: str | None, *, rounds: int) -> bool:
    """An unknown user or an over-long password still costs one bcrypt check (same timing)."""
    return await _in_bcrypt_pool(_check_password, password.encode(), password_hash, rounds)


@dataclass(frozen=True, slots=True)
class Claims:
    user_id: int
    role: Role
    jti: str
    issued_at: int
    expires_at: int
    csrf: str
    type: TokenType
    # The user's token version when issued; bumping it invalidates every older token.
    version: int
    # The session (login) the token belongs to; revoking it ends its access and refresh tokens.
    sid: str


@dataclass(frozen=True, slots=True)
class TokenPair:
    access_token: str
    refresh_token: str
    csrf_token: str
    access: Claims
    refresh: Claims


def _claims(
    *,
    user_id: int,
    role: Role,
    ttl_seconds: int,
    csrf: str,
    kind: TokenType,
    version: int,
    sid: str,
) -> Claims:
    now = int(time.time())
    return Claims(
        user_id=user_id,
        role=role,
        jti=uuid.uuid4().hex,
        issued_at=now,
        expires_at=now + ttl_seconds,
        csrf=csrf,
        type=kind,
        version=version,
        sid=sid,
    )


def _encode(claims: Claims, key: str) -> str:
    payload = {
        "iss": ISSUER,
        "sub": str(claims.user_id),
        "role": claims.role.value,
        "jti": claims.jti,
        "iat": claims.issued_at,
        "exp": claims.expires_at,
        "typ": claims.type,
        "csrf": claims.csrf,
        "ver": claims.version,
        "sid": claims.sid,
    }
    return jwt.encode(payload, key, algorithm=ALGORITHM)


def issue_pair(
    *,
    user_id: int,
    role: Role,
    version: int,
    sid: str,
    key: str,
    access_ttl_seconds: int,
    refresh_ttl_seconds: int,
) -> TokenPair:
    csrf = secrets.token_urlsafe(32)
    kinds: tuple[tuple[TokenType, int], ...] = (
        ("access", access_ttl_seconds),
        ("refresh", refresh_ttl_seconds),
    )
    access, refresh = (
        _claims(
            user_id=user_id,
            role=role,
            ttl_seconds=ttl,
            csrf=csrf,
            kind=kind,
            version=version,
            sid=sid,
        )
        for kind, ttl in kinds
    )
    return TokenPair(
        access_token=_encode(access, key),
        refresh_token=_encode(refresh, key),
        csrf_token=csrf,
        access=access,
        refresh=refresh,
    )


def new_session_id() -> str:
    return uuid.uuid4().hex


def decode(token: str, *, key: str, expected: TokenType) -> Claims | None:
    """The token's claims, or None when the signature, algorithm, expiry or shape is wrong."""
    if len(token) > MAX_TOKEN_BYTES:
        return None
    claims = _verified(token, key)
    if claims is None or claims.type != expected or claims.expires_at <= time.time():
        return None
    return claims


# A client sends the same token on every request: its signature and shape are verified once
# per process. Only successes are kept (a flood of bogus tokens costs nothing to remember),
# keyed by a digest (not the token itself), in a bounded LRU.
_verified_cache: OrderedDict[bytes, Claims] = OrderedDict()


def _verified(token: str, key: str) -> Claims | None:
    digest = hashlib.sha256(f"{key}\x00{token}".encode()).digest()
    if (hit := _verified_cache.get(digest)) is not None:
        _verified_cache.move_to_end(digest)
        return hit
    claims = _verify(token, key)
    if claims is not None:
        _verified_cache[digest] = claims
        if len(_verified_cache) > VERIFIED_CACHE_SIZE:
            _verified_cache.popitem(last=False)
    return claims


def _verify(token: str, key: str) -> Claims | None:
    try:
        payload = jwt.decode(
            token,
            key,
            algorithms=[ALGORITHM],
            issuer=ISSUER,
            options={
                "require": ["iss", "sub", "role", "jti", "iat", "exp", "typ", "csrf", "ver", "sid"]
            },
        )
        return Claims(
            user_id=int(payload["sub"]),
            role=Role(payload["role"]),
            jti=str(payload["jti"]),
            issued_at=int(payload["iat"]),
            expires_at=int(payload["exp"]),
            csrf=str(payload["csrf"]),
            type=payload["typ"],
            version=int(payload["ver"]),
            sid=str(payload["sid"]),
        )
    except (jwt.PyJWTError, ValueError, TypeError):
        return None
