"""Serve the app on a free loopback port for the browser tests and the benchmark."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
#: Chromium flags for a closed network and a root user (see the machine notes).
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)

#: True once at least ``n`` (the argument) charts are on the page, every one drawn, and the
#: script idle. (Streamlit also reports "notRunning" before a page's first run, so the chart
#: count is what proves the page has run.)
CHARTS_DRAWN_JS = """(n) => {
    const charts = [...document.querySelectorAll('[data-testid="stVegaLiteChart"]')];
    const app = document.querySelector('[data-testid="stApp"]');
    return charts.length >= n && charts.every(c => c.querySelector('canvas, svg'))
        && app !== null && app.getAttribute('data-test-script-state') === 'notRunning';
}"""


@contextlib.contextmanager
def serve(timeout_s: float = 60.0, log: str | os.PathLike | None = None) -> Iterator[tuple[str, int]]:
    """Run ``streamlit run streamlit_app.py`` headless; yield ``(url, server pid)``; stop it after.

    The server's stdout and stderr are discarded unless ``log`` names a file: then both go to it,
    interleaved as written (Python's warnings, Streamlit's logger and any traceback all write to
    stderr), for :func:`read_log` to read while the server runs or after it stopped."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    command = [sys.executable, "-m", "streamlit", "run", "streamlit_app.py", "--server.headless=true"]
    command += [f"--server.port={port}", "--server.address=127.0.0.1", "--server.fileWatcherType=none"]
    env = dict(os.environ, STREAMLIT_BROWSER_GATHER_USAGE_STATS="false")
    if log is not None:
        env["PYTHONUNBUFFERED"] = "1"  # the log holds each line as soon as it is written
    sink = open(log, "wb") if log is not None else None  # noqa: SIM115 (closed in the finally below)
    out = sink if sink is not None else subprocess.DEVNULL
    err = subprocess.STDOUT if sink is not None else subprocess.DEVNULL
    proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=err, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                if urllib.request.urlopen(f"{url}/_stcore/health", timeout=1).read().strip() == b"ok":
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("the Streamlit server never became healthy") from None
                time.sleep(0.25)
        yield url, proc.pid
    finally:
        os.killpg(proc.pid, 15)
        proc.wait(timeout=20)
        if sink is not None:
            sink.close()


def read_log(log: str | os.PathLike) -> str:
    """The text :func:`serve` wrote to ``log`` so far (undecodable bytes replaced)."""
    return Path(log).read_bytes().decode("utf-8", errors="replace")
