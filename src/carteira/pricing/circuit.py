"""A circuit breaker: stop calling a provider that keeps failing, probe it after a pause."""

from __future__ import annotations

import time
from enum import StrEnum


class CircuitState(StrEnum):
    CLOSED = "closed"  # calls go through
    OPEN = "open"  # calls fail fast until the cool-down ends
    HALF_OPEN = "half_open"  # one trial call decides


class CircuitBreaker:
    def __init__(self, *, failure_threshold: int = 5, cooldown_seconds: float = 30.0) -> None:
        self.failure_threshold = failure_threshold
        self.cooldown_seconds = cooldown_seconds
        self._failures = 0
        self._opened_at: float | None = None
        self._trial_running = False

    @property
    def state(self) -> CircuitState:
        if self._opened_at is None:
            return CircuitState.CLOSED
        if time.monotonic() - self._opened_at < self.cooldown_seconds:
            return CircuitState.OPEN
        return CircuitState.HALF_OPEN

    def allow(self) -> bool:
        """Whether a call may go out now (in half-open, only one trial at a time)."""
        state = self.state
        if state is CircuitState.CLOSED:
            return True
        if state is CircuitState.HALF_OPEN and not self._trial_running:
            self._trial_running = True
            return True
        return False

    def record_success(self) -> None:
        self._failures = 0
        self._opened_at = None
        self._trial_running = False

    def record_answer(self) -> None:
        """The upstream answered, though not with data (a 404): it ends a half-open trial as a
        success (the upstream is back), and is neutral otherwise."""
        if self._trial_running:
            self.record_success()

    def record_failure(self) -> None:
        self._trial_running = False
        self._failures += 1
        if self._opened_at is not None or self._failures >= self.failure_threshold:
            self._opened_at = time.monotonic()  # (re)open: a failed trial restarts the pause
