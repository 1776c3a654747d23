"""HTML + CSS to PDF (WeasyPrint), offline and with the package's own fonts.

A document printed here never touches the network or the machine's files: the URL fetcher
answers only `file:` URLs inside the package's font directory and the directories the caller
names (its templates' static files), and refuses everything else (http, https, ftp, data,
any other file) without opening it. Text that came from users (a client named
`<img src=http://...>`) is escaped by the templates; should markup slip through anyway, its URLs
are refused here, so a PDF never makes a request.

The fonts are DejaVu Sans (regular and bold, Debian's fonts-dejavu-core, license alongside
in core/fonts/LICENSE), declared with @font-face under the family name `Carteira Sans`: the
output does not depend on what fonts the machine has installed.

WeasyPrint is synchronous and CPU-bound: `render_pdf` runs it in a thread, a few at a time per
process (`PDF_RENDER_THREADS`), so the event loop keeps serving while a PDF is printed; a
thread still holds the GIL, so a process prints about one core's worth. A `PdfRenderer` with
`processes` prints in that many separate processes instead (a batch of a whole book): they run
at the lowest priority (SCHED_IDLE), so the API's requests on the same machine come first.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from functools import partial
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import unquote, urlsplit

from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from carteira.core.errors import ServiceUnavailableError

logger = logging.getLogger(__name__)

FONTS_DIR = Path(__file__).resolve().with_name("fonts")
FONT_FAMILY = "Carteira Sans"
PDF_RENDER_THREADS = 2
# Printing is background work: a render process runs under SCHED_IDLE where the system has it
# (Linux: it gets a core only when no other process wants it, and gives it up the moment one
# does), else niced this much below the API's processes.
RENDER_NICENESS = 19
END_SECONDS = 10  # a killed render process is reaped within this
PARENT_CHECK_SECONDS = 1.0
_MIME_TYPES = {
    ".ttf": "font/ttf",
    ".css": "text/css",
    ".svg": "image/svg+xml",
    ".png": "image/png",
}
_render_slots: asyncio.Semaphore | None = None
T = TypeVar("T")


class RefusedURLError(ValueError):
    """A document asked for a URL outside the package's own files."""


class RenderProcessLostError(ServiceUnavailableError):
    """A render process died mid-document (killed, out of memory): a transient failure, the
    job is retried on a fresh pool."""

    code = "render_process_lost"
    message = "A PDF render process stopped; try again."


class PackageFilesFetcher(URLFetcher):  # type: ignore[misc]  # weasyprint is untyped
    """Serves `file:` URLs under `roots` only; any other URL is refused without being opened."""

    def __init__(self, roots: Sequence[Path], *, shared: bool = False) -> None:
        super().__init__(timeout=1, allowed_protocols=("file",), allow_redirects=False)
        self._roots = tuple(root.resolve() for root in roots)
        self.shared = shared  # the renderer's own: its fonts and stylesheets may be reused
        self.refused: list[str] = []

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        path = self._allowed_path(url)
        if path is None:
            self.refused.append(url)
            logger.warning("pdf: refused to fetch %.200s", url)
            raise RefusedURLError(f"refused: {url[:200]}")
        return URLFetcherResponse(
            path.as_uri(),
            body=path.read_bytes(),
            headers={"Content-Type": _MIME_TYPES.get(path.suffix, "application/octet-stream")},
        )

    def _allowed_path(self, url: str) -> Path | None:
        parts = urlsplit(url)
        if parts.scheme.lower() != "file" or parts.netloc not in ("", "localhost"):
            return None
        # resolve() follows `..` and links: /fonts/../../etc/passwd is outside every root.
        path = Path(unquote(parts.path)).resolve()
        if not path.is_file():
            return None
        if any(path.is_relative_to(root) for root in self._roots):
            return path
        return None


def font_faces_css() -> str:
    """The @font-face rules of the package's fonts (every document gets them first)."""
    faces = {"normal": "DejaVuSans.ttf", "bold": "DejaVuSans-Bold.ttf"}
    rules = [
        f'@font-face {{ font-family: "{FONT_FAMILY}"; font-weight: {weight}; '
        f'src: url("{(FONTS_DIR / name).as_uri()}"); }}'
        for weight, name in faces.items()
    ]
    return "\n".join([*rules, f'html {{ font-family: "{FONT_FAMILY}"; }}', ""])


def render_pdf_sync(
    html: str,
    *,
    stylesheets: Sequence[str] = (),
    static_dirs: Sequence[Path] = (),
    fetcher: PackageFilesFetcher | None = None,
) -> bytes:
    """Prints `html` (with `stylesheets`, CSS text) to PDF bytes; blocking.

    Relative URLs resolve against the first of `static_dirs` (the templates' own files)."""
    fetcher = fetcher or PackageFilesFetcher((FONTS_DIR, *static_dirs), shared=True)
    base_url = (static_dirs[0] if static_dirs else FONTS_DIR).as_uri() + "/"
    font_config, sheets = _prepared(tuple(stylesheets), base_url, fetcher)
    document = HTML(string=html, base_url=base_url, url_fetcher=fetcher)
    pdf: bytes = document.write_pdf(stylesheets=sheets, font_config=font_config)
    return pdf


_prepared_here = threading.local()


def _prepared(
    stylesheets: tuple[str, ...], base_url: str, fetcher: PackageFilesFetcher
) -> tuple[FontConfiguration, list[CSS]]:
    """The fonts loaded and the stylesheets parsed once per thread (about a third of a small
    document's time otherwise); a WeasyPrint font configuration is not shared across
    threads. A caller's own fetcher (a test watching what is asked for) gets fresh ones."""
    if fetcher.shared is False:
        font_config = FontConfiguration()
        return font_config, _sheets(stylesheets, base_url, fetcher, font_config)
    cache: dict[tuple[tuple[str, ...], str], tuple[FontConfiguration, list[CSS]]] = getattr(
        _prepared_here, "cache", {}
    )
    _prepared_here.cache = cache
    key = (stylesheets, base_url)
    if key not in cache:
        font_config = FontConfiguration()
        cache[key] = (font_config, _sheets(stylesheets, base_url, fetcher, font_config))
    return cache[key]


def _sheets(
    stylesheets: tuple[str, ...],
    base_url: str,
    fetcher: PackageFilesFetcher,
    font_config: FontConfiguration,
) -> list[CSS]:
    return [
        CSS(string=text, base_url=base_url, url_fetcher=fetcher, font_config=font_config)
        for text in (font_faces_css(), *stylesheets)
    ]


async def render_pdf(
    html: str,
    *,
    stylesheets: Sequence[str] = (),
    static_dirs: Sequence[Path] = (),
) -> bytes:
    """`render_pdf_sync` in a thread, at most `PDF_RENDER_THREADS` at once in this process."""
    global _render_slots
    if _render_slots is None:
        _render_slots = asyncio.Semaphore(PDF_RENDER_THREADS)
    async with _render_slots:
        return await asyncio.to_thread(
            partial(render_pdf_sync, html, stylesheets=stylesheets, static_dirs=static_dirs)
        )


def _start_render_process(prepare: Callable[[], object] | None, owner: int) -> None:
    """A render process's start: the lowest priority, WeasyPrint loaded and the owner's
    `prepare` run before the first job."""
    os.nice(RENDER_NICENESS)
    if hasattr(os, "SCHED_IDLE"):
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    threading.Thread(target=_exit_with, args=(owner,), name="owner-watch", daemon=True).start()
    render_pdf_sync("<p>.</p>")
    if prepare is not None:
        try:
            prepare()
        except Exception:  # a failing initializer breaks the pool: the first job retries it
            logger.warning("a render process could not prepare; its first job will", exc_info=True)


def _exit_with(owner: int) -> None:
    """Ends this render process once `owner`, the process that started it, is gone. A
    worker killed outright (SIGKILL, out of memory) left its render processes running for
    good, each holding its database connections (measured: orphans of killed workers still
    alive an hour on). The kernel's parent-death signal cannot serve: it follows the thread
    that spawned the process, and that thread ends at once (`_IdleSpawnProcess`)."""
    while os.getppid() == owner:
        time.sleep(PARENT_CHECK_SECONDS)
    os._exit(0)


class _IdleSpawnProcess(multiprocessing.context.SpawnProcess):
    """A render process born at idle priority. Its start-up (the interpreter, the app's and
    WeasyPrint's imports: a second or two of CPU each) ran at normal priority until its
    initializer lowered it, and two such starts at a batch's outset held both cores while the
    API's requests waited (measured: 20-34 ms for ~1 % of a probe's requests against its
    2-3 ms). A child inherits the scheduling of the thread that forks it, so it is spawned
    from a thread of its own under SCHED_IDLE (Linux; scheduling there is per thread)."""

    def start(self) -> None:
        if not hasattr(os, "SCHED_IDLE"):
            return super().start()
        failed: list[BaseException] = []

        def spawn() -> None:
            try:
                os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
                multiprocessing.context.SpawnProcess.start(self)
            except BaseException as exc:  # re-raised in the caller's thread
                failed.append(exc)

        spawner = threading.Thread(target=spawn, name="render-process-spawn")
        spawner.start()
        spawner.join()
        if failed:
            raise failed[0]
        return None


class _IdleSpawnContext(multiprocessing.context.SpawnContext):
    Process = _IdleSpawnProcess


class PdfRenderer:
    """Prints PDFs off the event loop: in threads of this process (`processes=0`), or in a
    pool of `processes` idle-priority processes started on the first document (spawned, not
    forked: the parent's sockets and threads stay its own) and kept until `close`."""

    def __init__(self, *, processes: int, prepare: Callable[[], object] | None = None) -> None:
        self.processes = processes
        self.prepare = prepare  # picklable: run once in each process as it starts
        self._pool: ProcessPoolExecutor | None = None

    def start(self) -> None:
        """Starts every process now (a worker's start-up) rather than on the first document:
        a batch then meets them ready, their start-up (and `prepare`) long over."""
        if self.processes == 0:
            return
        pool = self._started()
        for _ in range(self.processes):  # each job the pool cannot hand an idle process spawns one
            pool.submit(os.getpid)

    def _started(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                self.processes,
                mp_context=_IdleSpawnContext(),
                initializer=_start_render_process,
                initargs=(self.prepare, os.getpid()),
            )
        return self._pool

    async def render(
        self, html: str, *, stylesheets: Sequence[str] = (), static_dirs: Sequence[Path] = ()
    ) -> bytes:
        if self.processes == 0:
            return await render_pdf(html, stylesheets=stylesheets, static_dirs=static_dirs)
        job = partial(
            render_pdf_sync, html, stylesheets=tuple(stylesheets), static_dirs=tuple(static_dirs)
        )
        return await self.run(job)

    async def run(self, job: Callable[[], T]) -> T:
        """`job` (picklable: a module-level function, or a partial of one) run in one of the
        idle-priority processes, for work that belongs beside the printing (a batch gathers
        a client's figures there too, so none of it competes with the API)."""
        if self.processes == 0:
            raise ValueError("this renderer prints in its own process: it has no pool")
        pool = self._started()
        try:
            return await asyncio.get_running_loop().run_in_executor(pool, job)
        except BrokenProcessPool as exc:
            # The next document starts a fresh pool; documents in flight on the broken one
            # fail alike, and must not shut down a pool started since.
            if self._pool is pool:
                self.close()
            raise RenderProcessLostError() from exc

    def close(self) -> None:
        """Ends the processes now (a document in flight is lost: a batch retries its chunk).
        Left to notice their parent's exit, idle-priority processes on a busy machine took
        seconds to get the CPU to do so (measured: `make run` stopped, still alive 5 s on)."""
        if self._pool is not None:
            processes = list(self._pool._processes.values())  # the executor lists them nowhere else
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
            for process in processes:
                _end(process)


def _end(process: multiprocessing.process.BaseProcess) -> None:
    """Kills a render process and waits for it: back at normal priority first where allowed
    (an unprivileged process cannot leave SCHED_IDLE), so that dying needs no idle CPU."""
    if process.pid is not None and hasattr(os, "SCHED_OTHER"):
        with contextlib.suppress(OSError):
            os.sched_setscheduler(process.pid, os.SCHED_OTHER, os.sched_param(0))
    process.kill()
    process.join(END_SECONDS)


# Printing in threads of this process: a single document asked for over the API.
IN_PROCESS = PdfRenderer(processes=0)
