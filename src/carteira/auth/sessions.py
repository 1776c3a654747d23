"""Session checks: PostgreSQL decides, each process's memory remembers for a while.

A token is valid while its session row (`auth_sessions`) is neither revoked nor expired, its
user is active and the user's `token_version` still equals the token's. Every change that
must end tokens (logout, a replayed refresh token, a role, activation or password change, a
deletion) is written to those rows in the transaction of the change itself, so no outage of
Redis can lose it or revive a token.

Checking costs no round trip on the hot path: a session's state is kept in this process's
memory until an `auth.changed` event (published after the change commits) clears it, for at
most `CACHE_SECONDS`, and only while the event bus is live; otherwise the database is asked.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from redis.asyncio import Redis

from carteira.auth.models import Role
from carteira.core.database import db, on_commit
from carteira.core.events import EventBus

logger = logging.getLogger(__name__)

AUTH_CHANGED = "auth.changed"
CACHE_SECONDS = 30.0

_STATE_SQL = """
    SELECT s.id AS sid, u.id AS user_id, u.role, u.token_version,
           (s.revoked_at IS NULL AND s.expires_at > now()) AS live
    FROM auth_sessions s JOIN users u ON u.id = s.user_id
    WHERE s.id = ANY($1::varchar[]) AND u.is_active
"""


@dataclass(frozen=True, slots=True)
class SessionState:
    user_id: int
    role: Role
    token_version: int
    live: bool

    def admits(self, *, user_id: int, version: int) -> bool:
        return self.live and self.user_id == user_id and self.token_version == version


class SessionStore:
    def __init__(self, *, bus: EventBus) -> None:
        self.bus = bus
        self._cache = bus.cache(
            "auth.sessions",
            cleared_by=(AUTH_CHANGED,),
            ttl_seconds=CACHE_SECONDS,
            max_entries=50_000,
        )

    @property
    def redis(self) -> Redis:
        """For what Redis is right for here: the login throttle and single-use socket tickets."""
        return self.bus.redis

    async def check(self, *, sid: str, user_id: int, version: int) -> SessionState | None:
        """The session's state when it admits a token of this user and version, else None."""
        state = self._cache.get(sid)
        if state is None:
            generation = self._cache.generation
            state = (await self.states([sid])).get(sid)
            if state is not None:
                self._cache.set(sid, state, generation=generation)
        return (
            state if state is not None and state.admits(user_id=user_id, version=version) else None
        )

    async def states(self, sids: Iterable[str]) -> dict[str, SessionState]:
        """Straight from the database (a missing key: no such session, or its user is gone
        or inactive)."""
        wanted = sorted(set(sids))
        if not wanted:
            return {}
        rows = await db().execute_query_dict(_STATE_SQL, [wanted])
        return {
            row["sid"]: SessionState(
                user_id=row["user_id"],
                role=Role(row["role"]),
                token_version=row["token_version"],
                live=row["live"],
            )
            for row in rows
        }

    async def announce(self, *, user_id: int, sid: str | None = None) -> None:
        """After the current transaction commits, every process forgets what it knew."""
        await on_commit(lambda: self.bus.publish(AUTH_CHANGED, user_id=user_id, sid=sid))
