"""The login throttle: an attempt is counted before its password is checked.

Two counters per attempt, both reserved in one Redis transaction: the email from this address
(`LOGIN_MAX_FAILURES`) and the email from anywhere (`LOGIN_MAX_FAILURES_PER_ACCOUNT`, so that
spreading guesses over many addresses does not help). Because the reservation comes first,
parallel guesses cannot all pass a check that reads the count before bcrypt has run; a
successful login gives its reservation back.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from redis.asyncio import Redis

from carteira.auth.exceptions import LoginThrottledError
from carteira.core.config import Settings

# DECR only a counter that still exists: one that expired meanwhile must not come back
# without an expiry.
_GIVE_BACK = """
redis.call('DEL', KEYS[1])
if redis.call('EXISTS', KEYS[2]) == 1 then redis.call('DECR', KEYS[2]) end
return 0
"""


@dataclass(frozen=True, slots=True)
class Reservation:
    address_key: str
    account_key: str


def _keys(email: str, ip: str) -> Reservation:
    digest = hashlib.sha256(email.encode()).hexdigest()[:32]
    return Reservation(
        address_key=f"auth:login-failures:{digest}:{ip}",
        account_key=f"auth:login-failures:{digest}",
    )


async def reserve_attempt(*, redis: Redis, email: str, ip: str, settings: Settings) -> Reservation:
    """Count this attempt; LoginThrottledError (429) when either limit is already spent."""
    reservation = _keys(email, ip)
    window = settings.login_window_seconds
    async with redis.pipeline(transaction=True) as pipe:
        for key in (reservation.address_key, reservation.account_key):
            pipe.set(key, 0, ex=window, nx=True)
            pipe.incr(key)
            pipe.ttl(key)
        _, by_address, address_ttl, _, by_account, account_ttl = await pipe.execute()
    limits = (
        (by_address, settings.login_max_failures, address_ttl),
        (by_account, settings.login_max_failures_per_account, account_ttl),
    )
    for count, limit, ttl in limits:
        if count > limit:
            raise LoginThrottledError(retry_after=ttl if ttl > 0 else window)
    return reservation


async def give_back(*, redis: Redis, reservation: Reservation) -> None:
    """A successful login: this address starts afresh, and the attempt does not count
    against the account."""
    await redis.eval(_GIVE_BACK, 2, reservation.address_key, reservation.account_key)  # type: ignore[misc]
