"""The Dockerfile, read and partly run (no Docker engine is needed): it copies everything the app
reads and nothing the app does not, starts the app on the port its health check asks, and its
health check answers 0 against a served app and 1 where nothing serves."""

from __future__ import annotations

import json
import os
import re
import shlex
import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = (ROOT / "Dockerfile").read_text()


def _instructions() -> list[tuple[str, str]]:
    """``(INSTRUCTION, arguments)`` pairs, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n\s*", " ", DOCKERFILE)
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1]) for line in lines]


def _env() -> dict[str, str]:
    env = {}
    for name, args in _instructions():
        if name == "ENV":
            env.update(dict(pair.split("=", 1) for pair in shlex.split(args)))
    return env


def _health_code() -> str:
    (args,) = [a for n, a in _instructions() if n == "HEALTHCHECK"]
    command = shlex.split(args.split(" CMD ", 1)[1])
    assert command[:2] == ["python", "-c"]
    return command[2]


def test_the_image_holds_the_app_its_data_and_its_theme_and_no_tests():
    copied = [a.split()[0] for n, a in _instructions() if n == "COPY"]
    assert set(copied) == {"requirements.txt", ".streamlit", "streamlit_app.py", "explainer"}
    assert all((ROOT / c).exists() for c in copied)
    assert list((ROOT / "explainer" / "data").iterdir()), "the precomputed defaults ship in explainer/"
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".git", ".venv", "tests", "artifacts"} <= set(ignored)
    image = next(a for n, a in _instructions() if n == "FROM")
    major, minor = re.match(r"python:(\d+)\.(\d+)", image).groups()
    assert (3, 11) <= (int(major), int(minor)) <= (3, 13)
    assert any(n == "RUN" and a == "pip install -r requirements.txt" for n, a in _instructions())
    assert any(n == "USER" and a != "root" for n, a in _instructions())


def test_the_app_starts_headless_on_every_address_at_the_exposed_port():
    env = _env()
    (cmd,) = [a for n, a in _instructions() if n == "CMD" and not a.startswith("python")]
    assert json.loads(cmd) == ["streamlit", "run", "streamlit_app.py"]  # exec form: no shell in between
    assert env["STREAMLIT_SERVER_HEADLESS"] == "true" and env["STREAMLIT_SERVER_ADDRESS"] == "0.0.0.0"
    (exposed,) = [a for n, a in _instructions() if n == "EXPOSE"]
    assert exposed == env["STREAMLIT_SERVER_PORT"]


def _check(port: int) -> int:
    env = dict(os.environ, STREAMLIT_SERVER_PORT=str(port))
    return subprocess.run([sys.executable, "-c", _health_code()], env=env, capture_output=True, timeout=30).returncode


def test_the_health_check_passes_on_a_served_app_and_fails_where_nothing_serves():
    from explainer.devserver import serve

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = sock.getsockname()[1]
    assert _check(closed) == 1
    with serve() as (url, _pid):
        assert _check(int(url.rsplit(":", 1)[1])) == 0


def test_the_image_compiles_the_app_after_copying_it_and_before_dropping_root():
    """Compiled at build time: the server never compiles the app's modules on start (the image sets
    PYTHONDONTWRITEBYTECODE and its user cannot write to /app, so nothing would keep them)."""
    steps = _instructions()
    compile_at = next(i for i, (n, a) in enumerate(steps) if n == "RUN" and "compileall" in a)
    assert "streamlit_app.py" in steps[compile_at][1] and "explainer" in steps[compile_at][1]
    last_copy = max(i for i, (n, _) in enumerate(steps) if n == "COPY")
    user = next(i for i, (n, _) in enumerate(steps) if n == "USER")
    assert last_copy < compile_at < user
