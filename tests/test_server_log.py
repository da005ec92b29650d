"""The server log of a reader's walk holds no traceback and no warning (issue 14, bad input).

The app is served with its stdout and stderr kept in a file (``explainer.devserver.serve(log=...)``;
Python's warnings, Streamlit's logger and any traceback all land there), then read the way a
browser reads it, at the protocol level (:func:`explainer.load.read_page`): the whole page, every
section's embed link and the closing table, links that compute live (other seeds, a diverging step
size on the tanh plateau, a network step size that blows up) and bad links (wrong types, out of
range, unknown names, repeated keys, 10,000 characters, unicode, HTML and script text), then four
readers at once who all compute live. Every page
must finish with no exception element, and the log must hold nothing but Streamlit's start-up
lines: no ``Traceback``, no line that says ``warning`` in any case, no ``Error``.

About 40 s on the 2-core machine when it is otherwise idle, most of it the live links (70 s
measured while the full suite ran beside it).
"""

from __future__ import annotations

import asyncio
import re

import pytest

from explainer import load
from explainer.devserver import read_log, serve

SECTIONS = ("descent", "landscape", "critical-points", "local-minimum", "saddle-point", "plateau", "overfitting")
EMBEDS = tuple(f"section={slug}&embed=true" for slug in (*SECTIONS, "claims"))
#: Links that compute live (the precomputed files hold the defaults only).
LIVE = (
    "section=descent&embed=true&descent.surface=tanh-plateau&descent.lr=1.5",  # diverges on the plateau
    "section=descent&embed=true&descent.net_lr=30",  # the worked network blows up
    "section=descent&embed=true&descent.surface=rosenbrock&descent.lr=1.5&descent.steps=5000",
    "section=landscape&embed=true&page.seed=5",
    "section=local-minimum&embed=true&page.seed=3",
    "section=plateau&embed=true&plateau.depth=2&page.seed=3",
    "section=saddle-point&embed=true&page.seed=2",
    "section=overfitting&embed=true&overfitting.iterations=300",  # stops training early: sklearn warns
    "section=critical-points&embed=true&critical-points.grid=15&page.seed=6",
)
LONG = "9" * 10_000
#: Links a stranger might send: each must be a notice, never a traceback or a logged warning.
BAD = (
    "section=nowhere",
    "section=descent&embed=true&descent.steps=banana",
    "section=descent&embed=true&descent.lr=1e309&descent.x0=nan",
    "section=descent&embed=true&descent.lr=0.1&descent.lr=0.3&section=plateau",
    f"section=plateau&embed=true&plateau.depth={LONG}&page.seed={LONG}",
    "section=landscape&embed=true&landscape.weight=-7&landscape.span=%E2%98%83caf%C3%A9",
    "section=saddle-point&embed=true&saddle-point.steps=%3Cscript%3Ealert(1)%3C/script%3E",
    "section=overfitting&embed=true&nonsense=1&page.seed=-3",
    "section=claims&embed=true&page.seed=%3Cb%3E1%3C/b%3E",
)
WALK = ("", *EMBEDS, *LIVE, *BAD)
#: Then four readers at once, each computing live: script threads that overlap (the core's
#: ``warnings.catch_warnings`` blocks change the process-wide warning filters, which is not
#: thread-safe in Python 3.11, so overlapping runs are where a warning could slip through).
TOGETHER = (
    "section=saddle-point&embed=true&page.seed=14",
    "section=local-minimum&embed=true&page.seed=13",
    "section=plateau&embed=true&page.seed=12",
    "section=descent&embed=true&descent.net_lr=30&page.seed=11",
)

#: Lines of Streamlit's own that the log may hold, each with the reason it is harmless. Nothing
#: else may appear: a line is a finding unless it matches one of these.
ALLOWED = (
    (r"^\s*$", "blank lines around the start-up banner"),
    (r"Uvicorn server started on 127\.0\.0\.1:\d+$", "Streamlit 1.67's start-up line: the server is listening"),
    (r"^\s*You can now view your Streamlit app in your browser\.$", "Streamlit's start-up banner"),
    (r"^\s*URL: http://127\.0\.0\.1:\d+$", "the banner's address line"),
)
#: What makes a line a failure whatever the allow-list says.
FAILURE = re.compile(r"Traceback|warning|error|exception", re.IGNORECASE)


def problems(log: str) -> list[str]:
    """The lines of ``log`` that are failures (a traceback, a warning, an error) or that the
    allow-list does not explain."""
    found = []
    for line in log.splitlines():
        allowed = any(re.search(pattern, line) for pattern, _reason in ALLOWED)
        if FAILURE.search(line) or not allowed:
            found.append(line)
    return found


def test_the_checker_finds_tracebacks_warnings_and_strangers():
    log = "\n".join(
        [
            "2026-12-01 21:53:26.294 Uvicorn server started on 127.0.0.1:48491",
            "",
            "  You can now view your Streamlit app in your browser.",
            "  URL: http://127.0.0.1:48491",
            "Traceback (most recent call last):",
            "/x/_multilayer_perceptron.py:691: ConvergenceWarning: Stochastic Optimizer: Maximum iterations",
            "2026-12-01 21:54:00.000 Please replace `use_container_width` with `width`.",
            "RuntimeWarning: overflow encountered in multiply",
        ]
    )
    assert problems(log) == log.splitlines()[4:]
    assert problems("\n".join(log.splitlines()[:4])) == []


@pytest.fixture(scope="module")
def walked(tmp_path_factory):
    """Serve the app with its log kept, walk :data:`WALK` one reader after another, then
    :data:`TOGETHER` at once; the readers and the log as it stood with the server still up."""
    log = tmp_path_factory.mktemp("server") / "server.log"
    with serve(log=log) as (url, _pid):
        readers = [asyncio.run(load.read_page(url, query, timeout=120)) for query in WALK]
        readers += asyncio.run(load.crowd(url, list(TOGETHER), timeout=150))
        yield readers, read_log(log)


def test_every_page_of_the_walk_finishes_without_an_exception(walked):
    readers, _log = walked
    assert [r.query for r in readers] == [*WALK, *TOGETHER]
    for reader in readers:
        assert reader.error == "" and reader.status == "FINISHED_SUCCESSFULLY", reader
        assert reader.exceptions == 0, reader
    charts = {r.query: r.charts for r in readers}
    assert charts[""] >= 40 and charts["section=landscape&embed=true&page.seed=5"] == 9
    assert all(charts[q] >= 5 for q in LIVE if "descent" in q)  # the diverging runs still draw


def test_the_server_log_holds_no_traceback_and_no_warning(walked):
    _readers, log = walked
    assert "You can now view your Streamlit app" in log  # the log is really the server's output
    assert problems(log) == []
