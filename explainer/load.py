"""Many readers at once against one served app, at the protocol level rather than with browsers.

A reader here does what a browser's page load does, without the rendering: it opens Streamlit's
websocket (``/_stcore/stream``, subprotocol ``streamlit``), sends the ``BackMsg`` the frontend sends
first (``rerun_script`` with the page's query string, no widget states, the main page and the
browser's context), and reads ``ForwardMsg`` s until ``script_finished``. Every reader starts at
the same moment; each stays connected until the last has finished, so the server's memory is read
with all of them open.

Used by ``python -m explainer.bench --load N`` and tests/test_load.py::

    from explainer.devserver import serve
    from explainer.load import mix, run
    with serve() as (url, pid):
        fresh = run(url, pid, mix(20))
        warm = run(url, pid, mix(20))
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

#: The frontend's first message asks for the main page ("" page script hash) in this context.
TIMEZONE = "UTC"
LOCALE = "en-GB"
TIMEOUT_S = 180.0
SAMPLE_S = 0.1

_EMBEDS = ("descent", "landscape", "critical-points", "local-minimum", "saddle-point", "plateau", "overfitting")
#: Non-default settings: these compute live (precomputed files hold the defaults only); two readers
#: share the landscape one, as two readers following the same shared link would.
_SETTINGS = (
    "section=local-minimum&embed=true&page.seed=3",
    "section=descent&embed=true&descent.net_lr=3",
    "section=landscape&embed=true&page.seed=5",
    "section=plateau&embed=true&plateau.depth=2&page.seed=3",
    "section=saddle-point&embed=true&page.seed=2",
    "section=landscape&embed=true&page.seed=5",
)
#: Twenty readers: five on the full page, every section's embed link at its defaults (the closing
#: table too), the non-default links above, and one more embed of the heaviest section.
CROWD = (
    *("", "", "", ""),
    *(f"section={slug}&embed=true" for slug in (*_EMBEDS, "claims")),
    _SETTINGS[0],
    "",
    *_SETTINGS[1:],
    "section=landscape&embed=true",
)
#: The whole page at another seed computes all seven sections live (each within the one-section
#: budget of 4 s, so up to seven times that): measured alone, not in the crowd whose budget is 8 s.
WHOLE_PAGE_LIVE = "page.seed=3"


def mix(n: int) -> list[str]:
    """The query strings of ``n`` readers: the twenty of ``CROWD`` in order, repeated as needed."""
    return [CROWD[i % len(CROWD)] for i in range(n)]


#: The first seed of :func:`seeds`: far from the seeds any other reader of the load test uses.
FIRST_SEED = 100


def seeds(n: int) -> list[str]:
    """``n`` readers who share nothing: each opens one section's embed link (the sections and the
    closing table in turn) at a seed of its own, so every reader's results are computed for it
    and each is a new entry in the caches, the worst case for both."""
    slugs = (*_EMBEDS, "claims")
    return [f"section={slugs[i % len(slugs)]}&embed=true&page.seed={FIRST_SEED + i}" for i in range(n)]


@dataclass(frozen=True)
class Reader:
    """What one reader saw: seconds from opening the socket to ``script_finished``, the Vega-Lite
    charts and exception elements among the deltas, and an error if it never finished."""

    query: str
    seconds: float
    charts: int = 0
    exceptions: int = 0
    messages: int = 0
    megabytes: float = 0.0
    status: str = ""
    error: str = ""


@dataclass(frozen=True)
class Summary:
    n: int
    p50: float
    p95: float
    worst: float


@dataclass(frozen=True)
class Load:
    """One crowd against one server: every reader, and the server's CPU and memory over the run."""

    readers: list[Reader]
    wall_s: float
    cpu_s: float
    peak_rss_mb: float
    rss_connected_mb: float
    client_cpu_s: float
    times: Summary = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "times", summarise([r.seconds for r in self.readers if not r.error]))

    @property
    def exceptions(self) -> int:
        return sum(r.exceptions for r in self.readers)

    @property
    def failed(self) -> int:
        return sum(1 for r in self.readers if r.error)

    @property
    def cpu_per_reader_s(self) -> float:
        return self.cpu_s / len(self.readers)

    def readers_per_core(self, within_s: float) -> float:
        """Readers arriving at once that one core brings to a finished page within ``within_s``
        seconds, if CPU were all they waited for: a core has ``within_s`` CPU seconds in that
        time and each reader costs ``cpu_s / readers`` of them. (One Streamlit process holds one
        GIL, so a second core helps only where numpy and scikit-learn release it.)"""
        return within_s / self.cpu_per_reader_s if self.cpu_s > 0 else math.inf


def percentile(values, q: float) -> float:
    """The ``q``-th percentile (0 to 100) with linear interpolation between order statistics
    (numpy's default), so the p95 of 20 readers sits between the 19th and 20th slowest."""
    ordered = sorted(values)
    if not ordered:
        return math.nan
    rank = (len(ordered) - 1) * q / 100
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def summarise(values) -> Summary:
    values = list(values)
    if not values:
        return Summary(0, math.nan, math.nan, math.nan)
    return Summary(len(values), percentile(values, 50), percentile(values, 95), max(values))


# ----- the server's CPU and memory (Linux /proc) ------------------------------------------------

_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def family(pid: int) -> list[int]:
    """A process and all its live descendants."""
    try:
        kids = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        kids = []
    return [pid] + [d for k in kids for d in family(int(k))]


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its live descendants, with the children they have
    reaped, in seconds."""
    total = 0
    for p in family(pid):
        try:
            stat = Path(f"/proc/{p}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()  # the name in parentheses may hold spaces
        total += sum(int(x) for x in fields[11:15])  # utime, stime, cutime, cstime
    return total / _TICK


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its live descendants, in MB."""
    total = 0
    for p in family(pid):
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


class _Sampler(threading.Thread):
    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak, self._halt = pid, rss_mb(pid), threading.Event()

    def run(self) -> None:
        while not self._halt.wait(SAMPLE_S):
            self.peak = max(self.peak, rss_mb(self.pid))

    def stop(self) -> float:
        self._halt.set()
        self.join()
        return max(self.peak, rss_mb(self.pid))


# ----- the readers ------------------------------------------------------------------------------


def first_message(url: str, query: str) -> bytes:
    """The ``BackMsg`` a browser sends once its websocket is open (see the frontend's
    ``sendRerunBackMsg``): rerun the main page with this query string and no widget states."""
    from streamlit.proto.BackMsg_pb2 import BackMsg

    msg = BackMsg()
    state = msg.rerun_script
    state.query_string = query
    state.page_script_hash = ""
    state.page_name = ""
    state.widget_states.SetInParent()
    state.is_auto_rerun = False
    info = state.context_info
    info.timezone, info.timezone_offset, info.locale = TIMEZONE, 0, LOCALE
    info.url = f"{url}/?{query}" if query else f"{url}/"
    info.is_embedded = "embed=true" in query
    info.color_scheme = "light"
    return msg.SerializeToString()


def _count(delta, counts: dict[str, int]) -> None:
    if delta.WhichOneof("type") != "new_element":
        return
    kind = delta.new_element.WhichOneof("type")
    if kind == "vega_lite_chart":
        counts["charts"] += 1
    elif kind == "exception":
        counts["exceptions"] += 1


async def read_page(url: str, query: str, gate=None, timeout: float = TIMEOUT_S) -> Reader:
    """One reader's page load. ``await gate()`` (if given) is called once the page has finished or
    failed, still connected, and the reader disconnects when it returns."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    from websockets.asyncio.client import connect

    parts = urlsplit(url)
    stream = f"ws://{parts.netloc}/_stcore/stream"
    counts = {"charts": 0, "exceptions": 0, "messages": 0, "bytes": 0}
    status, error, gated = "", "", False
    t0 = time.perf_counter()
    try:
        async with connect(
            stream,
            subprotocols=["streamlit"],
            origin=f"{parts.scheme}://{parts.netloc}",
            max_size=None,
            proxy=None,
            ping_interval=None,
            open_timeout=timeout,
        ) as socket:
            await socket.send(first_message(url, query))
            async with asyncio.timeout(timeout - (time.perf_counter() - t0)):
                async for data in socket:
                    msg = ForwardMsg()
                    msg.ParseFromString(data)
                    counts["messages"] += 1
                    counts["bytes"] += len(data)
                    kind = msg.WhichOneof("type")
                    if kind == "delta":
                        _count(msg.delta, counts)
                    elif kind == "script_finished":
                        status = ForwardMsg.ScriptFinishedStatus.Name(msg.script_finished)
                        if msg.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                            break
            seconds = time.perf_counter() - t0
            if not status:
                error = "the socket closed before script_finished"
            gated = True
            if gate is not None:
                await gate()
    except Exception as exc:  # a reader that fails is a figure too, not a crash of the run
        seconds, error = time.perf_counter() - t0, f"{type(exc).__name__}: {exc}"
    if gate is not None and not gated:
        await gate()
    return Reader(
        query, seconds, counts["charts"], counts["exceptions"], counts["messages"], counts["bytes"] / 1e6, status, error
    )


async def crowd(url: str, queries: list[str], on_finished=None, timeout: float = TIMEOUT_S) -> list[Reader]:
    """Every reader at once; ``on_finished()`` is called when all have finished (or failed) and
    the finished ones are still connected: the moment the server's memory is read."""
    done, arrived = asyncio.Event(), [0]

    async def gate() -> None:
        arrived[0] += 1
        if arrived[0] == len(queries):
            if on_finished is not None:
                on_finished()
            done.set()
        await done.wait()

    return list(await asyncio.gather(*(read_page(url, q, gate, timeout) for q in queries)))


def run(url: str, pid: int, queries: list[str], timeout: float = TIMEOUT_S) -> Load:
    """Drive ``queries`` at once against the server at ``url`` (process ``pid``); measure it."""
    sampler = _Sampler(pid)
    connected: list[float] = []
    cpu0, client0 = cpu_seconds(pid), time.process_time()
    sampler.start()
    t0 = time.perf_counter()
    readers = asyncio.run(crowd(url, queries, on_finished=lambda: connected.append(rss_mb(pid)), timeout=timeout))
    wall = time.perf_counter() - t0
    peak = sampler.stop()
    cpu = cpu_seconds(pid) - cpu0
    return Load(readers, wall, cpu, peak, connected[0] if connected else math.nan, time.process_time() - client0)


# ----- a reader who leaves early ----------------------------------------------------------------


async def leave_early(url: str, query: str, after_s: float) -> Reader:
    """A reader who opens ``query`` and closes the socket ``after_s`` seconds later, whatever the
    page has drawn by then (a browser tab closed mid-computation). ``status`` is the script's
    finish status if it finished before that, else empty; ``seconds`` is when the socket closed."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    from websockets.asyncio.client import connect

    parts = urlsplit(url)
    counts = {"charts": 0, "exceptions": 0, "messages": 0, "bytes": 0}
    status = ""
    t0 = time.perf_counter()
    async with connect(
        f"ws://{parts.netloc}/_stcore/stream",
        subprotocols=["streamlit"],
        origin=f"{parts.scheme}://{parts.netloc}",
        max_size=None,
        proxy=None,
        ping_interval=None,
    ) as socket:
        await socket.send(first_message(url, query))
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(after_s):
                async for data in socket:
                    msg = ForwardMsg()
                    msg.ParseFromString(data)
                    counts["messages"] += 1
                    counts["bytes"] += len(data)
                    if msg.WhichOneof("type") == "delta":
                        _count(msg.delta, counts)
                    elif msg.WhichOneof("type") == "script_finished":
                        status = ForwardMsg.ScriptFinishedStatus.Name(msg.script_finished)
                        if msg.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                            break
    seconds = time.perf_counter() - t0
    return Reader(
        query, seconds, counts["charts"], counts["exceptions"], counts["messages"], counts["bytes"] / 1e6, status
    )


def busy_until_idle(pid: int, idle_share: float = 0.05, window_s: float = 0.5, limit_s: float = 60.0) -> float:
    """Seconds from now until the server at ``pid`` is idle: the first ``window_s`` window in which
    it used less than ``idle_share`` of one core (read from its CPU ticks, as :func:`cpu_seconds`
    does); ``limit_s`` if it never is by then."""
    t0 = time.perf_counter()
    last_t, last_cpu = t0, cpu_seconds(pid)
    while True:
        time.sleep(window_s)
        now, cpu = time.perf_counter(), cpu_seconds(pid)
        if (cpu - last_cpu) / (now - last_t) < idle_share:
            return last_t - t0
        if now - t0 >= limit_s:
            return limit_s
        last_t, last_cpu = now, cpu
