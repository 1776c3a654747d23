"""core/pdf: HTML printed to PDF with the package's fonts and no request to anything else."""

from __future__ import annotations

import http.server
import io
import logging
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from functools import partial

import psutil
import pytest
from pypdf import PdfReader

from carteira.core import pdf
from carteira.core.pdf import (
    FONT_FAMILY,
    FONTS_DIR,
    RENDER_NICENESS,
    PackageFilesFetcher,
    PdfRenderer,
    RenderProcessLostError,
    render_pdf_sync,
)


class _Recorder(http.server.BaseHTTPRequestHandler):
    requests: list[str] = []

    def do_GET(self) -> None:  # any request at all is the failure under test
        type(self).requests.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        return


@pytest.fixture
def listening() -> Iterator[tuple[int, list[str]]]:
    _Recorder.requests = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], _Recorder.requests
    server.shutdown()
    server.server_close()


def text_of(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_prints_text_with_the_package_fonts():
    pdf = render_pdf_sync("<h1>Relatório mensal</h1><p>Patrimônio: R$ 1.234,56</p>")
    assert pdf.startswith(b"%PDF-")
    text = text_of(pdf)
    assert "Relatório mensal" in text
    assert "R$ 1.234,56" in text
    fonts = {
        str(font.get_object()["/BaseFont"])
        for page in PdfReader(io.BytesIO(pdf)).pages
        for font in page["/Resources"]["/Font"].values()
    }
    # Only the shipped fonts, by their @font-face family (subset prefix + name), are embedded:
    # none of the machine's own.
    family = FONT_FAMILY.replace(" ", "-")
    assert fonts
    assert all(name.split("+", 1)[1].startswith(family) for name in fonts), fonts


def test_no_url_is_fetched_from_markup_or_css(listening):
    port, requests = listening
    html = f"""
      <link rel="stylesheet" href="http://127.0.0.1:{port}/style.css">
      <style>
        @import url("http://127.0.0.1:{port}/imported.css");
        body {{ background: url("http://127.0.0.1:{port}/bg.png"); }}
      </style>
      <p>antes</p>
      <img src="http://127.0.0.1:{port}/x">
      <img src="file:///etc/passwd">
      <img src="file://{FONTS_DIR}/../../../../../../etc/passwd">
      <object data="http://127.0.0.1:{port}/obj"></object>
      <iframe src="http://127.0.0.1:{port}/frame"></iframe>
      <svg><image href="http://127.0.0.1:{port}/svg.png" width="10" height="10"/></svg>
      <p>depois</p>
    """
    fetcher = PackageFilesFetcher([FONTS_DIR])
    pdf = render_pdf_sync(html, fetcher=fetcher)
    text = text_of(pdf)
    assert "antes" in text
    assert "depois" in text
    assert "root:" not in text
    assert requests == []
    refused = " ".join(fetcher.refused)
    assert f"127.0.0.1:{port}/x" in refused
    assert "/etc/passwd" in refused


def test_fetcher_serves_only_files_under_its_roots(tmp_path):
    inside = tmp_path / "static"
    inside.mkdir()
    (inside / "a.css").write_text("p { color: red }")
    (tmp_path / "secret.txt").write_text("segredo")
    fetcher = PackageFilesFetcher([inside])
    assert fetcher.fetch((inside / "a.css").as_uri()).read() == b"p { color: red }"
    for url in (
        (tmp_path / "secret.txt").as_uri(),
        (inside / ".." / "secret.txt").as_uri(),
        "file://evil.example/etc/passwd",
        "data:text/css,p{}",
        "https://example.com/a.css",
    ):
        with pytest.raises(ValueError, match="refused"):
            fetcher.fetch(url)


def test_printing_at_info_says_nothing_of_weasyprints_steps(caplog):
    """WeasyPrint narrates each step of each PDF at INFO: not our operators' logs."""
    from carteira.core.logging import configure_logging

    root = logging.getLogger()
    saved = root.handlers[:], root.level, logging.getLogger("weasyprint").level
    try:
        configure_logging(log_format="console", level="INFO")
        root.addHandler(caplog.handler)
        render_pdf_sync("<p>Olá</p>")
    finally:
        root.handlers[:], root.level = saved[0], saved[1]
        logging.getLogger("weasyprint").setLevel(saved[2])
    assert [r.name for r in caplog.records if r.name.startswith("weasyprint")] == []


def _render_processes(*, besides: frozenset[int] = frozenset()) -> list[psutil.Process]:
    """This process's render processes (spawned children; not multiprocessing's tracker),
    except those in `besides`: a closed renderer's may still be ending (closing does not wait
    for them), an earlier test's among them."""
    return [
        child
        for child in psutil.Process().children()
        if child.pid not in besides and "spawn_main" in " ".join(child.cmdline())
    ]


def _pids_of_render_processes() -> frozenset[int]:
    return frozenset(child.pid for child in _render_processes())


async def test_render_processes_print_apart_at_a_lower_priority():
    earlier = _pids_of_render_processes()
    renderer = PdfRenderer(processes=1)
    try:
        pdf = await renderer.render("<h1>Relatório impresso à parte</h1>")
        assert "Relatório impresso à parte" in text_of(pdf)
        (child,) = _render_processes(besides=earlier)
        # Below the API's processes: a batch takes only the CPU they leave idle.
        assert os.sched_getscheduler(child.pid) == os.SCHED_IDLE
        assert child.nice() == min(19, psutil.Process().nice() + RENDER_NICENESS)
        assert os.sched_getscheduler(0) != os.SCHED_IDLE  # this process keeps its own
        again = await renderer.render("<p>Outra página</p>")
        assert "Outra página" in text_of(again)
        assert _render_processes(besides=earlier) == [child]  # kept for the next document
    finally:
        renderer.close()


async def test_a_render_process_that_dies_fails_one_document_and_the_next_gets_a_fresh_one():
    earlier = _pids_of_render_processes()
    renderer = PdfRenderer(processes=1)
    try:
        await renderer.render("<p>Primeira</p>")
        (lost,) = _render_processes(besides=earlier)
        lost.kill()
        lost.wait(10)
        # A transient failure (the job that asked is retried), not a wrong or empty PDF.
        with pytest.raises(RenderProcessLostError) as raised:
            await renderer.render("<p>Perdida</p>")
        assert raised.value.status_code == 503
        pdf = await renderer.render("<p>Depois</p>")
        assert "Depois" in text_of(pdf)
        assert lost.pid not in [child.pid for child in _render_processes(besides=earlier)]
    finally:
        renderer.close()


async def test_other_work_runs_in_the_render_processes_at_their_priority():
    """A batch gathers each client's figures there too (statements.printing)."""
    renderer = PdfRenderer(processes=1)
    try:
        assert await renderer.run(partial(os.sched_getscheduler, 0)) == os.SCHED_IDLE
        assert await renderer.run(os.getpid) != os.getpid()
    finally:
        renderer.close()
    with pytest.raises(ValueError, match="no pool"):
        await PdfRenderer(processes=0).run(os.getpid)


def test_a_render_process_is_born_at_idle_priority():
    """Measured before: spawned at normal priority, two render processes' start-ups (the
    imports, a second or two of CPU each) held both cores at a batch's outset, and ~1 % of
    the API's requests meanwhile took 20-34 ms against 2-3 ms. The child here runs no
    initializer: its policy is the one it was born with."""
    born = pdf._IdleSpawnContext().Process(target=time.sleep, args=(5,))
    born.start()
    try:
        assert os.sched_getscheduler(born.pid) == os.SCHED_IDLE
        assert os.sched_getscheduler(0) == os.SCHED_OTHER  # the parent's thread is untouched
    finally:
        born.terminate()
        born.join()


def test_closing_a_renderer_ends_its_processes_at_once():
    """Measured before: closed, the pool's idle-priority processes lived on until they noticed
    their parent's exit, which on a busy machine took seconds (`make run` stopped by SIGTERM
    still had them, and their resource tracker, 5 s later)."""
    ours = psutil.Process()
    before = {child.pid for child in ours.children()}
    renderer = PdfRenderer(processes=1)
    renderer.start()
    deadline = time.monotonic() + 120
    started: list[psutil.Process] = []
    while not started and time.monotonic() < deadline:
        started = [
            child
            for child in ours.children()
            if child.pid not in before and "spawn_main" in " ".join(child.cmdline())
        ]
        time.sleep(0.05)
    assert started, "the render process did not start"
    renderer.close()
    assert [child for child in started if child.is_running()] == []


_OWNER = """
import time
import psutil
from carteira.core.pdf import PdfRenderer
renderer = PdfRenderer(processes=1)
renderer.start()
def started():
    return [c for c in psutil.Process().children() if "spawn_main" in " ".join(c.cmdline())]
while not (found := started()):
    time.sleep(0.05)
print(found[0].pid, flush=True)
time.sleep(600)
"""


def _ended(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def test_a_render_process_ends_when_its_owner_is_killed():
    """Measured before: render processes of workers killed outright (SIGKILL) were still
    running an hour later, each with its database connections."""
    owner = subprocess.Popen([sys.executable, "-c", _OWNER], stdout=subprocess.PIPE, text=True)
    try:
        assert owner.stdout is not None
        pid = int(owner.stdout.readline())
        owner.kill()
        owner.wait()
        deadline = time.monotonic() + 60
        while not _ended(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _ended(pid)
    finally:
        owner.kill()
        owner.wait()
