"""Shared test set-up: the project root on the path, quiet Streamlit bare-mode warnings, and the
browser tests' served app and headless Chromium (one of each per test module)."""

import logging
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

for name in ("streamlit.runtime.scriptrunner_utils.script_run_context", "streamlit.runtime.caching.cache_data_api"):
    logging.getLogger(name).setLevel(logging.ERROR)


@pytest.fixture(scope="module")
def server():
    """The app served on a free loopback port for one test module; its address."""
    from explainer.devserver import serve

    with serve() as (url, _pid):
        yield url


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium, headless, through Playwright (never a downloaded browser)."""
    from explainer.devserver import CHROMIUM, CHROMIUM_ARGS

    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium is not installed at {CHROMIUM} (apt-get install -y chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=list(CHROMIUM_ARGS))
        yield b
        b.close()
