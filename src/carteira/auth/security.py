"""Password hashing and JWT encoding: the primitives behind the auth service."""

from __future__ import annotations

import asyncio
import secrets
import time
import uuid
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import bcrypt
import jwt

from carteira.auth.models import Role

# bcrypt only reads the first 72 bytes; longer passwords are refused rather than truncated.
MAX_PASSWORD_BYTES = 72
ALGORITHM = "HS256"
ISSUER = "carteira"

TokenType = Literal["access", "refresh"]


def password_too_long(password: str) -> bool:
    return len(password.encode()) > MAX_PASSWORD_BYTES


async def hash_password(password: str, *, rounds: int) -> str:
    # bcrypt is deliberately slow: keep it off the event loop.
    hashed = await asyncio.to_thread(bcrypt.hashpw, password.encode(), bcrypt.gensalt(rounds))
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
    return await asyncio.to_thread(_check_password, password.encode(), password_hash, rounds)


@dataclass(frozen=True, slots=True)
class Claims:
    user_id: int
    role: Role
    jti: str
    issued_at: int
    expires_at: int
    csrf: str
    type: TokenType
    # The user's session version when issued; bumping it invalidates every older token.
    version: int


@dataclass(frozen=True, slots=True)
class TokenPair:
    access_token: str
    refresh_token: str
    csrf_token: str
    access: Claims
    refresh: Claims


def _claims(
    user_id: int, role: Role, ttl_seconds: int, csrf: str, kind: TokenType, version: int
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
    }
    return jwt.encode(payload, key, algorithm=ALGORITHM)


def issue_pair(
    *,
    user_id: int,
    role: Role,
    version: int,
    key: str,
    access_ttl_seconds: int,
    refresh_ttl_seconds: int,
) -> TokenPair:
    csrf = secrets.token_urlsafe(32)
    access = _claims(user_id, role, access_ttl_seconds, csrf, "access", version)
    refresh = _claims(user_id, role, refresh_ttl_seconds, csrf, "refresh", version)
    return TokenPair(
        access_token=_encode(access, key),
        refresh_token=_encode(refresh, key),
        csrf_token=csrf,
        access=access,
        refresh=refresh,
    )


def decode(token: str, *, key: str, expected: TokenType) -> Claims | None:
    """The token's claims, or None when the signature, algorithm, expiry or shape is wrong."""
    claims = _verified(token, key)
    if claims is None or claims.type != expected or claims.expires_at <= time.time():
        return None
    return claims


@lru_cache(maxsize=4096)
def _verified(token: str, key: str) -> Claims | None:
    # A client sends the same token on every request: verify its signature and shape once per
    # process. The expiry is time-dependent, so `decode` checks it again on every use.
    try:
        payload = jwt.decode(
            token,
            key,
            algorithms=[ALGORITHM],
            issuer=ISSUER,
            options={"require": ["iss", "sub", "role", "jti", "iat", "exp", "typ", "csrf", "ver"]},
        )
        claims = Claims(
            user_id=int(payload["sub"]),
            role=Role(payload["role"]),
            jti=str(payload["jti"]),
            issued_at=int(payload["iat"]),
            expires_at=int(payload["exp"]),
            csrf=str(payload["csrf"]),
            type=payload["typ"],
            version=int(payload["ver"]),
        )
    except (jwt.PyJWTError, ValueError, TypeError):
        return None
    return claims
