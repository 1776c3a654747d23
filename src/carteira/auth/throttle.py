"""The login throttle: an attempt is counted before its password is checked.

From an unknown device, two counters per attempt, both reserved in one Redis transaction: the
email from this address (`LOGIN_MAX_FAILURES`) and the email from anywhere
(`LOGIN_MAX_FAILURES_PER_ACCOUNT`, so that spreading guesses over many addresses does not
help). From a device that has signed in as this user before (`auth.devices`), one counter:
that device's (`LOGIN_MAX_FAILURES`); guesses from elsewhere, which spend the account's
counter, do not lock it out. Because the reservation comes first, parallel guesses cannot all
pass a check that reads the count before bcrypt has run; a successful login gives its
reservation back.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from redis.asyncio import Redis

from carteira.auth.exceptions import LoginThrottledError
from carteira.core.config import Settings

# The first counter starts afresh; the second, if any, gets its attempt back. DECR only a
# counter that still exists: one that expired meanwhile must not come back without an expiry.
_GIVE_BACK = """
redis.call('DEL', KEYS[1])
if KEYS[2] and redis.call('EXISTS', KEYS[2]) == 1 then redis.call('DECR', KEYS[2]) end
return 0
"""
_PREFIX = "auth:login-failures:"


@dataclass(frozen=True, slots=True)
class Reservation:
    """The counters an attempt was counted in, each with its limit: after a success the first
    starts afresh (this address, or this device) and the second, if any, gets the attempt back
    (the account)."""

    limits: tuple[tuple[str, int], ...]


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _reservation(*, email: str, ip: str, device: str | None, settings: Settings) -> Reservation:
    if device is not None:
        return Reservation(((f"{_PREFIX}device:{_digest(device)}", settings.login_max_failures),))
    account = f"{_PREFIX}{_digest(email)}"
    return Reservation(
        (
            (f"{account}:{ip}", settings.login_max_failures),
            (account, settings.login_max_failures_per_account),
        )
    )


async def reserve_attempt(
    *, redis: Redis, email: str, ip: str, device: str | None, settings: Settings
) -> Reservation:
    """Count this attempt: for the trusted `device` (its nonce) when there is one, else for the
    email from this address and from anywhere; LoginThrottledError (429) when a limit is
    already spent."""
    reservation = _reservation(email=email, ip=ip, device=device, settings=settings)
    window = settings.login_window_seconds
    async with redis.pipeline(transaction=True) as pipe:
        for key, _ in reservation.limits:
            pipe.set(key, 0, ex=window, nx=True)
            pipe.incr(key)
            pipe.ttl(key)
        counted = await pipe.execute()
    for index, (_, limit) in enumerate(reservation.limits):
        count, ttl = counted[3 * index + 1], counted[3 * index + 2]
        if count > limit:
            raise LoginThrottledError(retry_after=ttl if ttl > 0 else window)
    return reservation


async def give_back(*, redis: Redis, reservation: Reservation) -> None:
    """A successful login: this address (or device) starts afresh, and the attempt does not
    count against the account."""
    keys = [key for key, _ in reservation.limits]
    await redis.eval(_GIVE_BACK, len(keys), *keys)  # type: ignore[misc]
