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
def serve(timeout_s: float = 60.0) -> Iterator[tuple[str, int]]:
    """Run ``streamlit run streamlit_app.py`` headless; yield ``(url, server pid)``; stop it after."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    command = [sys.executable, "-m", "streamlit", "run", "streamlit_app.py", "--server.headless=true"]
    command += [f"--server.port={port}", "--server.address=127.0.0.1", "--server.fileWatcherType=none"]
    env = dict(os.environ, STREAMLIT_BROWSER_GATHER_USAGE_STATS="false")
    proc = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
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
