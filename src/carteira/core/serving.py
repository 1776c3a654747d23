"""Serving the API with uvicorn: one process, or several sharing the port.

Measured with uvicorn's own multi-process mode: two processes answered 0.41 times what one did.
Its supervisor binds one listening socket and passes it to every process, created without
`IPPROTO_TCP`, so asyncio left Nagle's algorithm on for every accepted connection
(Kludex/uvicorn#3149) and a response written in two parts waited for the client's delayed ACK
(~40 ms); and whichever process woke first accepted every pending connection, so one process
often held all of a client's keep-alive connections while the other idled.

Here every connection gets `TCP_NODELAY` from the HTTP protocol itself, whatever the socket or
the loop, and each of several processes listens on a socket of its own on the same port
(`SO_REUSEPORT`): the kernel spreads new connections over them by the hash of their addresses,
and a process that is not listening yet (starting, warming up) receives none.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import logging
import multiprocessing
import os
import signal
import socket
import sys
import threading
from multiprocessing.process import BaseProcess
from typing import Any

import uvicorn
from uvicorn.config import STARTUP_FAILURE
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

logger = logging.getLogger("carteira.serve")

PR_SET_PDEATHSIG = 1  # prctl(2)
CHECK_SECONDS = 0.5  # how often the supervisor looks for a process that has exited


class NoDelayHttpProtocol(HttpToolsProtocol):
    """uvicorn's HTTP protocol, with Nagle's algorithm off on every TCP connection it serves
    (a WebSocket upgrade keeps the connection, and so the option)."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().connection_made(transport)


def run(*, workers: int, **options: Any) -> None:
    """uvicorn.run's `options`, served by `workers` processes (exits 3, as uvicorn does, when
    the app cannot start)."""
    options["http"] = NoDelayHttpProtocol
    if workers == 1 or options.get("reload") or not sys.platform.startswith("linux"):
        # One process; or a system where SO_REUSEPORT does not balance connections (BSD,
        # macOS): uvicorn's own supervisor and shared socket.
        uvicorn.run(**options, workers=workers)
        return
    if not Supervisor(uvicorn.Config(**options, workers=workers)).run():
        sys.exit(STARTUP_FAILURE)


def listening_socket(host: str, port: int) -> socket.socket:
    """A socket bound to (host, port) that other sockets of this user may bind too."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    return sock


def _serve_one(config: uvicorn.Config, supervisor: int) -> None:
    """One serving process (spawned): a listening socket of its own, then uvicorn."""
    # Ended with its supervisor, however that ends: a process left behind would go on taking
    # its share of the port's connections from the next server started on it.
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != supervisor:
        return  # the supervisor ended before the line above
    config.configure_logging()
    try:
        sock = listening_socket(config.host, config.port)
    except OSError as exc:
        logger.error("cannot listen on %s:%d: %s", config.host, config.port, exc)
        sys.exit(STARTUP_FAILURE)
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C before uvicorn's handlers are set
        uvicorn.Server(config).run(sockets=[sock])


def _forget_metrics_of(pid: int) -> None:
    """A process that has ended stops counting in the live gauges (open sockets)."""
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid, directory)  # type: ignore[no-untyped-call]


class Supervisor:
    """Starts `config.workers` serving processes, starts another in place of one that exits,
    and stops them all (SIGTERM: uvicorn's graceful shutdown) on SIGINT or SIGTERM. A process
    that fails to start (exit status 3: the app's start-up failed, or the port) stops them
    all, since every other start would fail the same way."""

    def __init__(self, config: uvicorn.Config) -> None:
        self.config = config
        self.stopping = threading.Event()
        self._spawn = multiprocessing.get_context("spawn")

    def _start(self) -> BaseProcess:
        process = self._spawn.Process(
            target=_serve_one, args=(self.config, os.getpid()), name="carteira-api"
        )
        process.start()
        return process

    def run(self) -> bool:
        """False when a process failed to start."""
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: self.stopping.set())
        processes = [self._start() for _ in range(self.config.workers)]
        logger.info(
            "serving on %s:%d with %d processes (%s)",
            self.config.host,
            self.config.port,
            len(processes),
            ", ".join(str(process.pid) for process in processes),
        )
        started = True
        while not self.stopping.wait(CHECK_SECONDS):
            for index, process in enumerate(processes):
                if process.is_alive():
                    continue
                assert process.pid is not None  # started
                _forget_metrics_of(process.pid)
                if process.exitcode == STARTUP_FAILURE:
                    logger.error("process %d failed to start: stopping", process.pid)
                    started = False
                    self.stopping.set()
                    break
                processes[index] = self._start()
                logger.warning(
                    "process %d exited (status %s): started %d in its place",
                    process.pid,
                    process.exitcode,
                    processes[index].pid,
                )
        for process in processes:
            if process.is_alive():
                process.terminate()
        for process in processes:
            process.join()
        return started
