"""One HTTP discipline for every upstream data source (Yahoo Finance, Banco Central's SGS,
Tesouro Transparente's and CVM's files).

Transient failures (429, 5xx, timeouts, connection errors) are retried by `backoff` with full
jitter, honouring `Retry-After`, within bounded tries and total time; a circuit breaker stops
calling after repeated failures and probes again after a cool-down. Every call is counted
and timed per source and outcome, and its outcome is set on the current span. Bodies are
parsed as JSON with every number as Decimal (never through float); a big file is streamed to
disk as it arrives, never held in memory.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Awaitable, Callable, Generator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import aiohttp
import backoff
from opentelemetry import trace

from carteira.core.errors import AppError
from carteira.core.metrics import CIRCUIT_OPEN, UPSTREAM, UPSTREAM_LATENCY
from carteira.pricing.circuit import CircuitBreaker, CircuitState
from carteira.pricing.exceptions import ProviderError, ProviderUnavailableError

# What to make of an answer that is neither 200 nor worth a retry: return a payload (e.g. an
# empty series) or raise an AppError. A ProviderError counts against the circuit; any other
# AppError is a clear answer from a healthy upstream (an unknown ticker).
StatusAnswer = Callable[[int, bytes], Any]
T = TypeVar("T")


# The most of a refusal's body read (an error page) when a file was asked for.
REFUSAL_BYTES = 64 * 1024
CHUNK_BYTES = 256 * 1024


async def _stream_into(
    response: aiohttp.ClientResponse, into: Path, max_bytes: int, label: str
) -> None:
    written = 0
    with into.open("wb") as file:
        async for chunk in response.content.iter_chunked(CHUNK_BYTES):
            written += len(chunk)
            if written > max_bytes:
                raise ProviderError(f"{label} sent a file larger than {max_bytes} bytes.")
            file.write(chunk)


class RetryableError(Exception):
    """A failure worth another try; `retry_after` is the server's own hint, in seconds."""

    def __init__(self, reason: str, *, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


def retry_waits(*, base: float = 0.2, cap: float = 4.0) -> Generator[float, Any, None]:
    """backoff wait generator: full-jitter exponential, or the server's Retry-After when given.

    backoff sends the raised exception into the generator, so it can read the hint.
    """
    failure = yield 0.0  # priming value, discarded by backoff
    attempt = 0
    while True:
        hint = getattr(failure, "retry_after", None)
        failure = yield hint if hint is not None else random.uniform(0, min(cap, base * 2**attempt))  # noqa: S311
        attempt += 1


def retry_after_seconds(header: str | None) -> float | None:
    """A `Retry-After` header (seconds or an HTTP date) in seconds from now; None if absent."""
    if not header:
        return None
    try:
        return max(0.0, float(header))
    except ValueError:
        pass
    try:
        return max(0.0, (parsedate_to_datetime(header) - datetime.now(UTC)).total_seconds())
    except (TypeError, ValueError):
        return None


@dataclass(frozen=True, slots=True)
class UpstreamLimits:
    timeout_seconds: float  # one attempt
    max_tries: int
    max_retry_seconds: float  # every attempt and wait together (a Retry-After included)
    connections: int

    @property
    def longest_call_seconds(self) -> float:
        """The longest one call with its retries can take (the last attempt may start late)."""
        return self.max_retry_seconds + self.timeout_seconds


class Upstream:
    """One upstream host: a shared aiohttp session, retries, a circuit and the metrics.

    `source` labels metrics ("yahoo", "bcb"); `label` names the upstream in error messages.
    """

    def __init__(
        self,
        *,
        source: str,
        label: str,
        limits: UpstreamLimits,
        headers: Mapping[str, str],
        circuit: CircuitBreaker | None = None,
        on_status: StatusAnswer | None = None,
    ) -> None:
        self.source = source
        self.label = label
        self.limits = limits
        self.circuit = circuit or CircuitBreaker()
        self._headers = dict(headers)
        self._on_status = on_status or self._refuse
        self._session: aiohttp.ClientSession | None = None
        retrying = backoff.on_exception(
            retry_waits,
            RetryableError,
            max_tries=limits.max_tries,
            max_time=limits.max_retry_seconds,
            jitter=None,  # retry_waits jitters itself (a Retry-After is honoured as given)
            logger=None,
        )
        self._request = retrying(self._request_once)
        self._download = retrying(self._download_once)

    @property
    def session(self) -> aiohttp.ClientSession:
        # One shared session per process; created lazily inside the running loop.
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self.limits.timeout_seconds, connect=2.0),
                connector=aiohttp.TCPConnector(limit=self.limits.connections, ttl_dns_cache=300),
                headers=self._headers,
            )
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def get_json(
        self, url: str, params: Mapping[str, str], *, parse: Callable[[Any], T]
    ) -> T:
        """The JSON answer, decoded and read by `parse` (which raises ProviderError on a shape
        it does not expect, so that such an answer counts as a failure of the upstream).
        ProviderUnavailableError when the upstream cannot be reached (retries exhausted,
        circuit open), ProviderError when it answers garbage."""
        return await self._call(lambda: self._request(url, params), parse)

    async def get_file(
        self, url: str, *, into: Path, max_bytes: int, read: Callable[[Path], T]
    ) -> T | None:
        """The body streamed into the file `into` as it arrives (a retry starts it again),
        then checked by `read(into)` (which raises ProviderError on a file it cannot use, so
        that it counts as a failure of the upstream). None when the upstream refuses with a
        status that `on_status` does not raise on (a month not published yet). A body longer
        than `max_bytes` is a ProviderError; one cut short (fewer bytes than announced, a
        dropped connection) is retried."""

        def parse(written: bool) -> T | None:
            return read(into) if written else None

        return await self._call(lambda: self._download(url, into, max_bytes), parse)

    async def _call(self, request: Callable[[], Awaitable[Any]], parse: Callable[[Any], T]) -> T:
        if not self.circuit.allow():
            UPSTREAM.labels(self.source, "circuit_open").inc()
            raise ProviderUnavailableError(f"{self.label} paused after repeated failures.")
        started = time.perf_counter()
        outcome = "ok"
        try:
            answer = parse(await request())
        except RetryableError as exc:
            outcome = "unavailable"
            self.circuit.record_failure()
            raise ProviderUnavailableError(f"{self.label} unavailable ({exc}).") from exc
        except ProviderError:
            outcome = "bad_answer"
            self.circuit.record_failure()
            raise
        except AppError as exc:
            outcome = exc.code
            # A clear "no such thing" (an unknown ticker): never a failure, however many come,
            # so they cannot open the circuit for valid tickers; but no proof either that real
            # lookups work, so they do not wipe a run of real failures.
            self.circuit.record_answer()
            raise
        else:
            self.circuit.record_success()
            return answer
        finally:
            UPSTREAM.labels(self.source, outcome).inc()
            UPSTREAM_LATENCY.labels(self.source, outcome).observe(time.perf_counter() - started)
            CIRCUIT_OPEN.labels(self.source).set(self.circuit.state is not CircuitState.CLOSED)
            trace.get_current_span().set_attribute("market.upstream.outcome", outcome)

    async def _request_once(self, url: str, params: Mapping[str, str]) -> Any:
        try:
            async with self.session.get(url, params=params) as response:
                body = await response.read()
                status = response.status
                retry_after = retry_after_seconds(response.headers.get("Retry-After"))
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise RetryableError(type(exc).__name__) from exc
        if status == 429 or status >= 500:
            raise RetryableError(f"HTTP {status}", retry_after=retry_after)
        if status != 200:
            return self._on_status(status, body)
        return self.decode(body)

    async def _download_once(self, url: str, into: Path, max_bytes: int) -> bool:
        """Whether the file was written (False: refused, and `on_status` did not raise)."""
        try:
            async with self.session.get(url) as response:
                status = response.status
                retry_after = retry_after_seconds(response.headers.get("Retry-After"))
                if status == 200:
                    await _stream_into(response, into, max_bytes, self.label)
                    return True
                body = await response.content.read(REFUSAL_BYTES)
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise RetryableError(type(exc).__name__) from exc
        if status == 429 or status >= 500:
            raise RetryableError(f"HTTP {status}", retry_after=retry_after)
        self._on_status(status, body)
        return False

    def decode(self, body: bytes) -> Any:
        try:
            return json.loads(body, parse_float=Decimal)
        except ValueError as exc:
            raise ProviderError(f"{self.label} sent a body that is not JSON.") from exc

    def _refuse(self, status: int, body: bytes) -> NoReturn:
        raise ProviderError(f"{self.label} answered HTTP {status}.")
