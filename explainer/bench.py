"""Speed figures for the budgets in DESIGN.md, printed rather than asserted.

Usage::

    python -m explainer.bench            # 3 cold page runs, each in a fresh process
    python -m explainer.bench --repeat 5
    python -m explainer.bench --browser  # also: served apps in headless Chromium (needs
                                         # /usr/bin/chromium and Playwright): navigation on a
                                         # fresh server, one control per section changed to new
                                         # and to seen values, server memory with 10 pages open
    python -m explainer.bench --browser-only [--changes 10]  # only those (about 5 minutes)
    python -m explainer.bench --load 20  # also: 20 readers at once on one served app, fresh
                                         # server then warm (explainer.load, no browser)
    python -m explainer.bench --extremes # only: each section's worst link (bench.EXTREMES) in a
                                         # fresh process: seconds, memory, progress shown
    python -m explainer.bench --write    # also: append this run's figures to BENCHMARKS.md

A cold run is a new Python process that imports the app and runs the whole page once through
Streamlit's ``AppTest`` (empty caches, nothing imported): the script time a first visitor to a
fresh server waits for. Warm runs repeat the page in the same process with the caches full.
Medians are quoted because shared machines are noisy.
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import re
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path

from explainer.load import rss_mb

ROOT = Path(__file__).resolve().parent.parent
BUDGET_COLD_S = 4.0
BUDGET_WARM_S = 0.3
BUDGET_INTERACTION_S = 1.0
BUDGET_INTERACTION_CACHED_S = 0.4
BUDGET_MEMORY_MB = 690
BUDGET_LOAD_P95_S = 8.0
BUDGET_GRID_RATIO = 12.0
BENCHMARKS = ROOT / "BENCHMARKS.md"
CHROMIUM = "/usr/bin/chromium"  # the same path as explainer.devserver.CHROMIUM

_CHILD = r"""
import json, sys, time
from streamlit.testing.v1 import AppTest  # a server has Streamlit loaded before any visitor
sys.path.insert(0, sys.argv[3])
at = AppTest.from_file(sys.argv[1], default_timeout=120)
if len(sys.argv) > 4 and sys.argv[4]:
    at.query_params["section"] = sys.argv[4]
if len(sys.argv) > 5:
    at.query_params["page.seed"] = sys.argv[5]  # another seed: nothing precomputed, all computed live
t0 = time.perf_counter()
at.run()  # imports the app's libraries, computes and draws: everything a first visitor waits for
t1 = time.perf_counter()
assert not at.exception, [e.value for e in at.exception]
warm = []
for _ in range(int(sys.argv[2])):
    t = time.perf_counter()
    at.run()
    warm.append(time.perf_counter() - t)
print(json.dumps({"cold_script": t1 - t0, "warm": warm}))
"""

_IMPORTS = r"""
import json, sys, time
import streamlit
sys.path.insert(0, sys.argv[1])
t0 = time.perf_counter()
import explainer.sections  # scikit-learn, Altair, pandas and the app's own modules
print(json.dumps({"imports": time.perf_counter() - t0}))
"""


def _compile() -> float:
    """Compile the app's own modules to bytecode (``__pycache__``, ignored by git) and return the
    seconds it took.

    Python does this once per deployment and keeps the result: a server (Community Cloud's, or the
    Dockerfile's image, which compiles at build time) starts from compiled modules. This machine
    sets ``PYTHONDONTWRITEBYTECODE``, so without this step every fresh process timed below would
    compile the app's sources again (about a second) and time something no reader waits for."""
    import compileall

    t = time.perf_counter()
    ok = compileall.compile_dir(ROOT / "explainer", quiet=1) and compileall.compile_file(
        ROOT / "streamlit_app.py", quiet=1
    )
    if not ok:
        raise RuntimeError("the app's sources do not compile")
    return time.perf_counter() - t


def _python(code: str, *args: str) -> dict:
    """Run ``code`` in a fresh Python process and read the JSON line it prints last."""
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


#: The other seed each section alone is timed at: its default view is then computed, not read.
OTHER_SEED = 1


def _child(warm_runs: int, section: str | None = None, seed: int = 0) -> dict:
    args = [str(ROOT / "streamlit_app.py"), str(warm_runs), str(ROOT), section or ""] + ([str(seed)] if seed else [])
    run = _python(_CHILD, *args)
    if section is None:
        run.update(_python(_IMPORTS, str(ROOT)))
    return run


# ----- extreme but allowed settings (issue 14) ----------------------------------------------------

#: Each section's worst single link: the options that make the most work, combined the way a
#: reader can combine them, at a seed of its own (nothing precomputed). tests/test_extremes.py
#: checks that every key is a real control and every value one it offers. Where the worst option
#: is not simply the largest, it was found by timing the candidates (issue 14): descent's double
#: well at the smallest step runs all 5,000 steps on every part (slower than Rosenbrock); the
#: critical-points grid is slowest with noisy descent on the six-hump camel at step 0.01 (each
#: noisy run stalls often and every stall is labelled); saddle-point's perturbed descent at the
#: smallest step from y0 = 0 runs all 5,000 steps on both saddles; plateau's failed-run search
#: finds no failure with six logistic units and so trains every seed.
EXTREMES = (
    "section=descent&descent.surface=double-well&descent.lr=0.001&descent.steps=5000&descent.why=true&page.seed=9999",
    "section=landscape&landscape.data=spirals&landscape.activation=tanh&landscape.optimizer=sgd"
    "&landscape.epochs=160&landscape.early=10&landscape.span=4&landscape.directions=24&landscape.weight=4417"
    "&page.seed=9999",
    "section=critical-points&critical-points.surface=six-hump-camel&critical-points.method=noisy"
    "&critical-points.lr=0.01&critical-points.steps=3000&critical-points.grid=27&critical-points.noise=1.2"
    "&page.seed=9999",
    "section=local-minimum&local-minimum.m=19&local-minimum.batch=1&local-minimum.lr=0.02&local-minimum.noise=0.8"
    "&page.seed=9999",
    "section=saddle-point&saddle-point.method=perturbed&saddle-point.lr=0.001&saddle-point.y0=0"
    "&saddle-point.steps=5000&saddle-point.noise=0.1&saddle-point.init=0.0001&page.seed=9999",
    "section=plateau&plateau.depth=3&plateau.u0=0.0001&plateau.lr=0.01&plateau.method=adam"
    "&plateau.activation=logistic&plateau.width=6&page.seed=9999",
    "section=overfitting&overfitting.width=512&overfitting.alpha=0&overfitting.iterations=5000&page.seed=9999",
    "section=claims&page.seed=9999",
)
BUDGET_EXTREME_S = 10.0
BUDGET_EXTREME_MB = 200

_EXTREME_CHILD = r"""
import json, os, resource, sys, time
from urllib.parse import parse_qsl
sys.path.insert(0, sys.argv[2])
import streamlit
from streamlit.delta_generator import DeltaGenerator
from streamlit.testing.v1 import AppTest
import explainer.sections  # the app imported, as on a server that has served one reader

def rss():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024

base = rss()
shown = []  # every progress bar, status box and spinner the run opens: (kind, seconds, text)
t0 = [0.0]

def watch(kind):
    real = getattr(DeltaGenerator, kind)
    def wrapper(self, *args, **kwargs):
        text = kwargs.get("text") or next((a for a in args if isinstance(a, str)), "")
        shown.append((kind, time.perf_counter() - t0[0], str(text)[:80]))
        return real(self, *args, **kwargs)
    setattr(DeltaGenerator, kind, wrapper)
    setattr(streamlit, kind, getattr(streamlit._main, kind))  # st.progress is a bound method

for kind in ("progress", "status", "spinner"):
    watch(kind)
at = AppTest.from_file(sys.argv[1], default_timeout=300)
at.query_params.update(dict(parse_qsl(sys.argv[3], keep_blank_values=True)))
t0[0] = time.perf_counter()
at.run()
seconds = time.perf_counter() - t0[0]
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({
    "seconds": seconds, "base_mb": base, "peak_mb": peak, "shown": shown,
    "exceptions": [str(e.value)[:200] for e in at.exception],
    "notices": [w.value[:200] for w in at.warning] + [i.value[:200] for i in at.info],
}))
"""


def _extreme(link: str) -> dict:
    """One link in a fresh process that has imported the app: script seconds, memory, and the
    progress bars, status boxes and spinners it opened on the way."""
    return _python(_EXTREME_CHILD, str(ROOT / "streamlit_app.py"), str(ROOT), link)


def _shown(run: dict) -> str:
    """The progress the reader saw, in a table cell: "bar x3 from 0.1 s", "status x1", "none"."""
    kinds = [kind for kind, _, _ in run["shown"]]
    if not kinds:
        return "none"
    first = min(at for _, at, _ in run["shown"])
    names = {"progress": "bar", "status": "status", "spinner": "spinner"}
    parts = [f"{names[k]} x{kinds.count(k)}" for k in names if k in kinds]
    return f"{', '.join(parts)} from {first:.1f} s"


def _extremes(repeat: int = 1) -> list[dict[str, str]]:
    """Every link in :data:`EXTREMES` in ``repeat`` fresh processes (the median run by seconds is
    shown); prints a table and returns its rows."""
    rows = []
    print(
        f"extreme settings, each link alone in a fresh process (AppTest, app imported first; budget "
        f"{BUDGET_EXTREME_S:.0f} s and {BUDGET_EXTREME_MB} MB above the imported app; load "
        f"{os.getloadavg()[0]:.1f}, {os.cpu_count()} cores; median of {repeat}):"
    )
    print(f"  {'section':16s} {'seconds':>8s} {'MB above':>9s} {'peak MB':>8s}  {'within':6s}  progress shown")
    for link in EXTREMES:
        runs = sorted((_extreme(link) for _ in range(repeat)), key=lambda r: r["seconds"])
        run = runs[len(runs) // 2]
        section = link.split("&")[0].removeprefix("section=")
        above = run["peak_mb"] - run["base_mb"]
        ok = run["seconds"] <= BUDGET_EXTREME_S and above <= BUDGET_EXTREME_MB and not run["exceptions"]
        shown = _shown(run)
        print(
            f"  {section:16s} {run['seconds']:7.2f}s {above:6.0f} MB {run['peak_mb']:5.0f} MB  "
            f"{'yes' if ok else 'NO':6s}  {shown}"
        )
        for kind, at, text in run["shown"]:
            print(f"      {at:6.2f} s  {kind:8s} {text}")
        for problem in run["exceptions"]:
            print(f"      exception: {problem}")
        for notice in run["notices"]:
            print(f"      notice: {notice}")
        rows.append(
            {
                "section": section,
                "link": f"`?{link}`",
                f"seconds (<= {BUDGET_EXTREME_S:.0f})": f"{run['seconds']:.2f}",
                f"MB above imported app (<= {BUDGET_EXTREME_MB})": f"{above:.0f}",
                "peak MB": f"{run['peak_mb']:.0f}",
                "progress shown": shown,
                "within budget": "yes" if ok else "NO" + (" (exception)" if run["exceptions"] else ""),
            }
        )
    return rows


def _sections(seed: int = 0) -> dict[str, float]:
    """Time of each section's analyses on first call, at the default settings (no Streamlit cache;
    the charts they feed are not included)."""
    from explainer.core.analyses import critical_points, descent, landscape
    from explainer.core.claims import descent as best_fit

    settings = replace(landscape.DEFAULT, seed=seed)
    path = {}

    def train():
        path["run"] = landscape.train(settings)

    jobs = {
        "descent: network lesson": lambda: descent.network_lesson(replace(descent.DEFAULT_LESSON, seed=seed)),
        "descent: surface run + sweep": lambda: descent.surface_run(descent.DEFAULT_RUN),
        "descent: grid of starts (claim)": lambda: best_fit.best_fit_evidence(descent.start_grid(descent.DEFAULT_GRID)),
        "descent: saddle aim": descent.saddle_aim,
        "critical-points: grid descent": lambda: critical_points.basins(critical_points.DEFAULT),
        "landscape: training (snapshots)": train,
        "landscape: data + loss curve": lambda: landscape.overview(path["run"], settings),
        "landscape: 8 one-weight cuts": lambda: landscape.weight_cuts(path["run"], settings),
        "landscape: all 4,417 weight cuts": lambda: landscape.every_weight(path["run"], settings),
        "landscape: random cuts": lambda: landscape.random_cuts(path["run"], settings),
        "landscape: path plane + line": lambda: landscape.path_plane(path["run"], settings),
        "landscape: Hessian extremes": lambda: landscape.curvature(path["run"], settings),
    }
    times = {}
    for name, job in jobs.items():
        t = time.perf_counter()
        job()
        times[name] = time.perf_counter() - t
    return times


def _median_time(job, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        job()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def _matmul_rate(repeat: int = 5) -> tuple[float, float]:
    """This machine's float64 matrix-multiply rate in GFLOP/s: one large square product (what
    BLAS can do at best) and products of the grid's own shape, (400 x 64) @ (64 x 64)."""
    import numpy as np

    rng = np.random.default_rng(0)
    a = rng.standard_normal((2000, 2000))
    big = 2 * 2000**3 / _median_time(lambda: a @ a, repeat) / 1e9
    h = rng.standard_normal((39, 400, 64))
    w = rng.standard_normal((39, 64, 64))
    same = 2 * 39 * 400 * 64 * 64 / _median_time(lambda: np.matmul(h, w), 20 * repeat) / 1e9
    return big, same


def _network_figures(seed: int = 0, repeat: int = 3) -> dict[str, str]:
    """The 2-D loss slice of the ~5,000-weight network (41 x 41 grid, 400 samples) against the same
    grid through scikit-learn's ``predict_proba`` and its log-loss; the grid's arithmetic against
    the measured matrix-multiply rate; and ``eigsh`` for the Hessian's extreme eigenvalues."""
    import copy

    import numpy as np
    from sklearn.metrics import log_loss

    from explainer.core import landscape as core
    from explainer.core.analyses import landscape
    from explainer.core.curvature import extreme_eigenvalues

    run = landscape.train(replace(landscape.DEFAULT, seed=seed))
    net, theta = run.net, run.thetas[-1]
    plane = core.path_plane(run.thetas)
    side = 41
    xs = np.linspace(plane.coords[:, 0].min() - 2, plane.coords[:, 0].max() + 2, side)
    ys = np.linspace(plane.coords[:, 1].min() - 2, plane.coords[:, 1].max() + 2, side)
    ours_s = _median_time(lambda: core.plane(net, plane.origin, *plane.directions, xs, ys), 2 * repeat + 1)
    ours = core.plane(net, plane.origin, *plane.directions, xs, ys)

    model = copy.deepcopy(run.model)
    y = net.Y[:, 0]
    n = len(net.X)

    def sklearn_grid() -> np.ndarray:
        out = np.empty((side, side))
        for i, b in enumerate(ys):
            for j, a in enumerate(xs):
                Ws, bs = net.unpack(plane.origin + a * plane.directions[0] + b * plane.directions[1])
                model.coefs_, model.intercepts_ = list(Ws), list(bs)
                p = model.predict_proba(net.X)[:, 1]
                penalty = 0.5 * model.alpha * sum(float((W * W).sum()) for W in Ws) / n
                out[i, j] = log_loss(y, p, labels=[0, 1]) + penalty
        return out

    loops = []
    for _ in range(2):  # each pass takes several seconds; the better of two is fair to scikit-learn
        t = time.perf_counter()
        theirs = sklearn_grid()
        loops.append(time.perf_counter() - t)
    theirs_s = min(loops)
    diff = float(np.max(np.abs(ours - theirs)))
    per_eval = 2 * n * sum(i * o for i, o in net.shapes)  # multiply-adds of one forward pass, as flops
    flops = per_eval * side * side
    big, same = _matmul_rate()
    print(f"2-D loss slice, {net.n_params:,}-weight network, {side} x {side} grid, {n} samples:")
    print(f"  ours (NetworkLoss.loss_many): median {ours_s:.2f} s over {2 * repeat + 1}")
    print(f"  scikit-learn loop (set coefs_, predict_proba, log_loss + penalty): best of 2, {theirs_s:.2f} s")
    print(f"  ratio {theirs_s / ours_s:.1f}x (budget >= {BUDGET_GRID_RATIO:.0f}x); largest difference {diff:.1e}")
    print(
        f"  arithmetic: {flops / 1e9:.2f} GFLOP of matrix products -> {flops / ours_s / 1e9:.1f} GFLOP/s, "
        f"{flops / ours_s / 1e9 / big:.0%} of this machine's large-matmul rate ({big:.0f} GFLOP/s) and "
        f"{flops / ours_s / 1e9 / same:.0%} of its rate on the grid's own (400 x 64) @ (64 x 64) shape "
        f"({same:.0f} GFLOP/s)"
    )
    eig = []
    for _ in range(repeat):
        t = time.perf_counter()
        low, high = extreme_eigenvalues(lambda v: net.hvp(theta, v), net.n_params, k=1, seed=seed, tol=1e-6)
        eig.append(time.perf_counter() - t)
    print(
        f"Hessian extremes by eigsh (Lanczos on exact Hessian-vector products): median "
        f"{statistics.median(eig):.2f} s over {repeat}; smallest {low[0]:.3g}, largest {high[0]:.3g}"
    )
    return {
        "ours s": f"{ours_s:.2f}",
        "scikit-learn s": f"{theirs_s:.2f}",
        f"ratio (>= {BUDGET_GRID_RATIO:.0f}x)": f"{theirs_s / ours_s:.1f}x",
        "largest difference": f"{diff:.1e}",
        "GFLOP/s": f"{flops / ours_s / 1e9:.1f}",
        "eigsh s": f"{statistics.median(eig):.2f}",
    }


# ----- headless Chromium: navigation and one control per section (issue 13) -----------------------

BUDGET_FIRST_SECTION_S = 3.0


@dataclass(frozen=True)
class Probe:
    """The control of one section the browser bench moves: the one a reader most likely moves
    first (a slider or segmented control in the section's main form)."""

    slug: str
    key: str


PROBES = (
    Probe("descent", "descent.lr"),  # the ball's step size on the surface
    Probe("landscape", "landscape.epochs"),  # the training run every cut is taken from
    Probe("critical-points", "critical-points.lr"),  # the step size of the grid of descents
    Probe("local-minimum", "local-minimum.m"),  # how shallow the shallow valley is
    Probe("saddle-point", "saddle-point.lr"),  # the step size of both runs past the saddles
    Probe("plateau", "plateau.u0"),  # how close to the saddle the product starts
    Probe("overfitting", "overfitting.width"),  # the network's hidden units
)
#: The seeds a probe moves to once the control's values at seed 0 are used up: every
#: (seed, value) pair is then new to the server (seeds are part of every cached setting).
PROBE_SEEDS = tuple(range(7001, 7010))
#: Links timed from navigation on a fresh server: the full page, and one embed link.
NAVIGATION_LINKS = ("", "?section=descent&embed=true")

#: True once some chart on the page is drawn (a canvas or svg inside a Vega-Lite chart).
FIRST_CHART_JS = """() => document.querySelector(
    '[data-testid="stVegaLiteChart"] canvas, [data-testid="stVegaLiteChart"] svg') !== null"""

#: True once the page has run, every chart is drawn, the script is idle and nothing is stale.
PAGE_DONE_JS = """() => {
    const charts = [...document.querySelectorAll('[data-testid="stVegaLiteChart"]')];
    const app = document.querySelector('[data-testid="stApp"]');
    return charts.length >= 1 && charts.every(c => c.querySelector('canvas, svg'))
        && app !== null && app.getAttribute('data-test-script-state') === 'notRunning'
        && document.querySelector('[data-stale="true"]') === null;
}"""

#: Arms a timer in the page for the next input: the time of the next pointerdown, and the first
#: animation frame after it at which the URL holds the new value, the script has run (its state
#: went to "running") and is idle again, nothing is stale, and at least ``charts`` charts are all
#: drawn. Both times are the page's own clock, so Playwright's round trips are not counted.
ARM_JS = """(a) => {
    const app = document.querySelector('[data-testid="stApp"]');
    const b = window.__bench = {input: null, running: false, done: null};
    document.addEventListener('pointerdown', () => { if (b.input === null) b.input = performance.now(); },
        {capture: true, once: true});
    const state = () => app.getAttribute('data-test-script-state');
    // A rerun quick enough to be over before the observer runs still left a record whose old
    // value is 'running'.
    const obs = new MutationObserver((records) => {
        if (b.input !== null && (state() === 'running' || records.some(r => r.oldValue === 'running'))) {
            b.running = true;
        }
    });
    obs.observe(app, {attributes: true, attributeFilter: ['data-test-script-state'], attributeOldValue: true});
    const inUrl = () => {
        const got = new URLSearchParams(window.location.search).get(a.key);
        return got === null ? a.isDefault : got === a.want || Number(got) === Number(a.want);
    };
    const drawn = () => {
        const charts = [...document.querySelectorAll('[data-testid="stVegaLiteChart"]')];
        return charts.length >= a.charts && charts.every(c => c.querySelector('canvas, svg'));
    };
    const tick = () => {
        if (b.input !== null && b.running && state() === 'notRunning' && inUrl() && drawn()
            && document.querySelector('[data-stale="true"]') === null) {
            b.done = performance.now();
            obs.disconnect();
            return;
        }
        requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
}"""


def p95(values) -> float:
    """The 95th percentile by nearest rank: the smallest value at least 95% of ``values`` do not
    exceed (of 10 values, the largest; of 20, the second largest)."""
    ordered = sorted(values)
    if not ordered:
        raise ValueError("p95 of no values")
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def _control(probe: Probe):
    """The section's :class:`explainer.ui.controls.Control` that ``probe`` names."""
    import importlib

    page = importlib.import_module(f"explainer.sections.{probe.slug.replace('-', '_')}.page")
    return next(c for c in page.CONTROLS if c.key == probe.key)


def _values(control) -> list:
    """Every value ``control`` offers, in order (an integer slider's every step)."""
    if control.options:
        return list(control.options)
    step = control.step or 1
    return list(range(int(control.lo), int(control.hi) + 1, int(step)))


def _css_key(key: str) -> str:
    """The class Streamlit gives a keyed widget's container (``st-key-`` and the key, with every
    character other than letters, digits, ``-`` and ``_`` made a ``-``)."""
    return "st-key-" + re.sub(r"[^A-Za-z0-9_-]", "-", key)


def _open(page, url: str, query: str, timeout_s: float = 180.0) -> int:
    """Open ``url`` + ``query``, wait until it is done; return how many charts it drew."""
    page.goto(f"{url}/{query}")
    page.wait_for_function(PAGE_DONE_JS, timeout=timeout_s * 1000)
    page.wait_for_timeout(300)
    page.wait_for_function(PAGE_DONE_JS, timeout=timeout_s * 1000)
    return page.locator('[data-testid="stVegaLiteChart"]').count()


def change(page, control, value, charts: int, timeout_s: float = 90.0) -> float:
    """Set ``control`` to ``value`` as a reader does (a click on the segmented control's option, or
    on the slider's track where the value sits) and return the seconds from the pointer going down
    to the chart redrawn (see :data:`ARM_JS`). The value must differ from the current one."""
    box = page.locator(f".{_css_key(control.key)}")
    box.scroll_into_view_if_needed()
    label = control.format_value(value)
    page.evaluate(ARM_JS, {"key": control.key, "want": label, "isDefault": value == control.default, "charts": charts})
    if control.widget == "segmented":
        box.get_by_text(label, exact=True).click()
    elif control.widget in ("slider", "select_slider"):
        box.locator('input[type="range"]').wait_for(state="attached")
        track = box.locator('[data-testid="stSlider"] [data-orientation="horizontal"][style*="relative"]')
        edge = track.bounding_box()
        values = _values(control)
        share = values.index(value) / (len(values) - 1)
        x = edge["x"] + min(max(share * edge["width"], 1.0), edge["width"] - 1.0)
        page.mouse.click(x, edge["y"] + edge["height"] / 2)
    else:
        raise ValueError(f"{control.key}: the bench moves sliders and segmented controls, not {control.widget}")
    page.wait_for_function("() => window.__bench.done !== null", timeout=timeout_s * 1000)
    return page.evaluate("() => (window.__bench.done - window.__bench.input) / 1000")


def probe_changes(
    page, url: str, probe: Probe, computed: int = 10, cached: int = 10, budget_s: float = 30.0, least: int = 3
) -> dict:
    """Time ``computed`` changes of ``probe``'s control to values new to the server, then ``cached``
    changes back to values it has computed. Values at seed 0 come first (only the default view is
    precomputed), then the same values at :data:`PROBE_SEEDS` (loading a new seed is not timed).
    Computed changes stop early once they took ``budget_s`` seconds (after at least ``least``):
    ``capped`` says so. The cached changes cycle the last three values shown, within any cache bound."""
    control = _control(probe)
    values = _values(control)
    times: dict[str, list[float]] = {"computed": [], "cached": []}
    started, capped, seeds, shown = time.perf_counter(), False, iter((0, *PROBE_SEEDS)), []
    charts = 0

    def over() -> bool:
        return time.perf_counter() - started > budget_s and len(times["computed"]) >= least

    rounds = 0
    while len(times["computed"]) < computed and not capped:
        if rounds and over():  # not a new seed only to stop on it: its page would hold no value to cycle
            capped = True
            break
        seed = next(seeds)
        rounds += 1
        charts = _open(page, url, f"?section={probe.slug}" + (f"&page.seed={seed}" if seed else ""))
        shown = [control.default]
        for value in (v for v in values if v != control.default):
            if len(times["computed"]) >= computed:
                break
            if over() and len(shown) > 1:  # one change at least on a new seed, to cycle through after
                capped = True
                break
            times["computed"].append(change(page, control, value, charts))
            shown.append(value)
    pool, current, turn = shown[-3:], shown[-1], 0
    if len(set(pool)) < 2:
        raise RuntimeError(f"{probe.key}: no two values shown to cycle between ({pool})")
    while len(times["cached"]) < cached:
        value = pool[turn % len(pool)]
        turn += 1
        if value != current:
            times["cached"].append(change(page, control, value, charts))
            current = value
    return {
        "control": control.key,
        "label": control.label,
        "charts": charts,
        "seeds": rounds,
        "capped": capped,
        "last": current,
        **times,
    }


def _navigation(browser, query: str, runs: int = 3) -> dict[str, list[float]]:
    """``runs`` times, each on a new server: seconds from ``page.goto`` to the first chart drawn and
    to the page done (:data:`PAGE_DONE_JS`), and the charts it drew."""
    from explainer.devserver import serve

    first, done, charts = [], [], []
    for _ in range(runs):
        with serve() as (url, _pid):
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            t = time.perf_counter()
            page.goto(f"{url}/{query}", wait_until="commit")
            page.wait_for_function(FIRST_CHART_JS, polling="raf", timeout=180_000)
            first.append(time.perf_counter() - t)
            while True:  # done, and still done a moment later (not between two runs of the script)
                page.wait_for_function(PAGE_DONE_JS, polling="raf", timeout=300_000)
                at = time.perf_counter() - t
                page.wait_for_timeout(500)
                if page.evaluate(PAGE_DONE_JS):
                    break
            done.append(at)
            charts.append(page.locator('[data-testid="stVegaLiteChart"]').count())
            page.close()
    return {"first": first, "done": done, "charts": charts}


def navigation_row(link: str, nav: dict[str, list[float]]) -> dict[str, str]:
    """One row of the navigation table."""
    first = statistics.median(nav["first"])
    return {
        "link": f"`{link}`" if link else "full page",
        f"first section drawn s (<= {BUDGET_FIRST_SECTION_S:.0f})": f"{first:.2f}",
        "page done s": f"{statistics.median(nav['done']):.2f}",
        "charts": str(max(nav["charts"])),
        "fresh servers": str(len(nav["first"])),
        "within budget": "yes" if first <= BUDGET_FIRST_SECTION_S else "NO",
    }


def interaction_row(slug: str, run: dict) -> dict[str, str]:
    """One row of the interaction table: medians and p95s, computed and cached, against the budgets."""
    c, k = run["computed"], run["cached"]
    ok = p95(c) <= BUDGET_INTERACTION_S and p95(k) <= BUDGET_INTERACTION_CACHED_S
    return {
        "section": slug,
        "control": f"`{run['control']}`",
        "computed median s": f"{statistics.median(c):.2f}",
        f"computed p95 s (<= {BUDGET_INTERACTION_S:g})": f"{p95(c):.2f}",
        "computed changes": f"{len(c)}" + (" (capped)" if run["capped"] else ""),
        "cached median s": f"{statistics.median(k):.2f}",
        f"cached p95 s (<= {BUDGET_INTERACTION_CACHED_S:g})": f"{p95(k):.2f}",
        "cached changes": str(len(k)),
        "within budget": "yes" if ok else "NO",
    }


def _browser(
    runs: int = 3, computed: int = 10, cached: int = 10, budget_s: float = 30.0, sessions: int = 10
) -> dict[str, list[dict[str, str]]]:
    """Headless Chromium against served apps: navigation on ``runs`` fresh servers per link; then on
    one server, one control per section (:data:`PROBES`) changed ``computed`` times to new values
    and ``cached`` times to values already shown; then the server's memory with ``sessions`` more
    pages of the full app open. Prints the figures; returns the tables' rows."""
    from playwright.sync_api import sync_playwright

    from explainer.devserver import CHARTS_DRAWN_JS, CHROMIUM_ARGS, serve

    tables: dict[str, list[dict[str, str]]] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=list(CHROMIUM_ARGS))
        print(
            f"headless Chromium, navigation on a fresh server (median of {runs}, each a new server; "
            f"budget: first section drawn <= {BUDGET_FIRST_SECTION_S:.0f} s):"
        )
        rows = []
        for link in NAVIGATION_LINKS:
            nav = _navigation(browser, link, runs)
            row = navigation_row(link, nav)
            rows.append(row)
            print(
                f"  {link or '(full page)':32s} first chart {statistics.median(nav['first']):6.2f} s  page done "
                f"{statistics.median(nav['done']):6.2f} s  ({max(nav['charts'])} charts; each run: "
                + ", ".join(f"{a:.2f}/{b:.2f}" for a, b in zip(nav["first"], nav["done"], strict=True))
                + f")  {row['within budget']}"
            )
        tables["Browser: navigation on a fresh server"] = rows
        print(
            f"one control per section, pointer down to chart redrawn, one server, a page per section "
            f"(budget p95: computed <= {BUDGET_INTERACTION_S:g} s, cached <= {BUDGET_INTERACTION_CACHED_S:g} s):"
        )
        print(
            f"  {'section':16s} {'control':22s} {'computed med':>12s} {'p95':>6s} {'n':>4s}   "
            f"{'cached med':>10s} {'p95':>6s} {'n':>3s}  within"
        )
        rows = []
        with serve() as (url, pid):
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            for probe in PROBES:
                try:
                    run = probe_changes(page, url, probe, computed, cached, budget_s)
                except Exception as error:  # one section's probe failing costs its row, not the pass
                    reason = str(error).splitlines()[0][:120]
                    print(f"  {probe.slug:16s} {probe.key:22s} FAILED: {reason}")
                    blank = {"computed": [0.0], "cached": [0.0], "capped": False, "control": probe.key}
                    failed = {k: "-" for k in interaction_row(probe.slug, blank)}
                    failed.update(section=probe.slug, control=f"`{probe.key}`")
                    rows.append({**failed, "within budget": "failed"})
                    page.close()
                    page = browser.new_page(viewport={"width": 1280, "height": 900})
                    continue
                row = interaction_row(probe.slug, run)
                rows.append(row)
                c, k = run["computed"], run["cached"]
                print(
                    f"  {probe.slug:16s} {probe.key:22s} {statistics.median(c):11.2f}s {p95(c):5.2f}s "
                    f"{len(c):4d}{'*' if run['capped'] else ' '}  {statistics.median(k):9.2f}s {p95(k):5.2f}s "
                    f"{len(k):3d}  {row['within budget']}"
                )
            if any(r["computed changes"].endswith("(capped)") for r in rows):
                print(
                    f"  * capped: computed changes stopped after {budget_s:.0f} s in that section (each takes "
                    "seconds: that is the finding), so the whole pass stays within a few minutes"
                )
            page.close()
            tables["Browser: one control per section, input to chart redrawn"] = rows
            for _ in range(sessions):
                extra = browser.new_page(viewport={"width": 1280, "height": 900})
                extra.goto(url)
                extra.wait_for_function(CHARTS_DRAWN_JS, arg=17, timeout=240_000)
            memory = rss_mb(pid)
        browser.close()
    print(
        f"server memory with {sessions} full pages open after the probes: {memory:.0f} MB RSS "
        f"({memory / BUDGET_MEMORY_MB:.0%} of the {BUDGET_MEMORY_MB} MB budget)"
    )
    tables["Browser: server memory with open pages"] = [
        {"pages open": str(sessions), f"RSS MB (<= {BUDGET_MEMORY_MB})": f"{memory:.0f}"}
    ]
    return tables


def _load(readers: int) -> dict[str, dict[str, str]]:
    """``readers`` at once against one served app (explainer.load): first on the fresh server,
    then again on the same, warm one. Prints a table against the budgets; returns its rows."""
    from explainer.devserver import serve
    from explainer.load import WHOLE_PAGE_LIVE, mix, run, seeds

    queries = mix(readers)
    with serve() as (url, pid):
        runs = {"fresh server": run(url, pid, queries), "warm (same server)": run(url, pid, queries)}
        live = run(url, pid, [WHOLE_PAGE_LIVE])
        # Then each reader at a seed of its own: nothing shared, nothing precomputed (issue 14's worst
        # case for the caches); the server must stay up and every reader finish without an exception.
        runs[f"{readers} seeds (same server)"] = run(url, pid, seeds(readers))
    cores = os.cpu_count()
    print(f"{readers} readers at once on one server (protocol level over loopback, {cores} cores):")
    head = (
        f"  {'':20s} {'p50':>7s} {'p95':>7s} {'worst':>7s} {'exceptions':>10s} {'failed':>6s} {'wall':>7s} "
        f"{'server CPU':>10s} {'CPU/reader':>10s} {'peak RSS':>9s} {'readers/core':>12s}"
    )
    print(head)
    rows = {}
    for name, r in runs.items():
        t = r.times
        per_core = r.readers_per_core(BUDGET_LOAD_P95_S)
        print(
            f"  {name:20s} {t.p50:6.2f}s {t.p95:6.2f}s {t.worst:6.2f}s {r.exceptions:10d} {r.failed:6d} "
            f"{r.wall_s:6.1f}s {r.cpu_s:9.1f}s {r.cpu_per_reader_s:9.2f}s {r.peak_rss_mb:6.0f} MB {per_core:12.0f}"
        )
        rows[name] = {
            "readers": str(readers),
            "p50 s": f"{t.p50:.2f}",
            f"p95 s (<= {BUDGET_LOAD_P95_S:.0f})": f"{t.p95:.2f}",
            "worst s": f"{t.worst:.2f}",
            "exceptions (0)": str(r.exceptions),
            "failed": str(r.failed),
            "server CPU s": f"{r.cpu_s:.1f}",
            "CPU s / reader": f"{r.cpu_per_reader_s:.2f}",
            f"peak RSS MB (<= {BUDGET_MEMORY_MB})": f"{r.peak_rss_mb:.0f}",
            "readers / core": f"{per_core:.0f}",
        }
    print(
        f"  {'budget':20s} {'':7s} {BUDGET_LOAD_P95_S:6.2f}s {'':7s} {0:10d} {0:6d} {'':7s} {'':10s} {'':10s} "
        f"{BUDGET_MEMORY_MB:6d} MB"
    )
    print(
        f"  readers/core = {BUDGET_LOAD_P95_S:.0f} s (the p95 budget) / (server CPU s / reader): the readers "
        "arriving at once whose CPU one core supplies within the budget"
    )
    for name, r in runs.items():
        ok = r.times.p95 <= BUDGET_LOAD_P95_S and r.exceptions == 0 and r.failed == 0
        print(
            f"  {name}: p95 {r.times.p95 / BUDGET_LOAD_P95_S:.0%} of budget, RSS {r.peak_rss_mb / BUDGET_MEMORY_MB:.0%}"
            f" of budget -> {'met' if ok and r.peak_rss_mb <= BUDGET_MEMORY_MB else 'NOT met'}; "
            f"this process's own CPU (the readers) {r.client_cpu_s:.1f} s"
        )
    page = live.readers[0]
    print(
        f"  then one reader alone on the warm server, the whole page at another seed ({WHOLE_PAGE_LIVE}, every "
        f"section computed live): {page.seconds:.2f} s, server CPU {live.cpu_s:.1f} s, {page.charts} charts, "
        f"{page.exceptions} exceptions{'  ' + page.error if page.error else ''}"
    )
    rows["whole page, another seed, alone"] = {
        "readers": "1",
        "p50 s": f"{page.seconds:.2f}",
        f"p95 s (<= {BUDGET_LOAD_P95_S:.0f})": "-",
        "worst s": f"{page.seconds:.2f}",
        "exceptions (0)": str(page.exceptions),
        "failed": str(live.failed),
        "server CPU s": f"{live.cpu_s:.1f}",
        "CPU s / reader": f"{live.cpu_s:.2f}",
        f"peak RSS MB (<= {BUDGET_MEMORY_MB})": f"{live.peak_rss_mb:.0f}",
        "readers / core": "-",
    }
    fresh, warm = runs["fresh server"], runs["warm (same server)"]
    print("  each reader (seconds to script finished: fresh / warm; charts; exceptions):")
    for a, b in zip(fresh.readers, warm.readers, strict=True):
        note = f"  {a.error or b.error}" if a.error or b.error else ""
        print(
            f"    {a.query or '(full page)':58s} {a.seconds:6.2f} / {b.seconds:5.2f}  {a.charts:3d}  "
            f"{a.exceptions + b.exceptions}{note}"
        )
    return rows


def _commit() -> str:
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
        dirty = subprocess.run(["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True)
    except OSError:
        return "unknown"
    return head.stdout.strip() + (" (+ changes)" if dirty.stdout.strip() else "") if head.returncode == 0 else "unknown"


_INTRO = """# Benchmarks

Figures from `python -m explainer.bench --write` (add `--browser` and `--load 20` for the rest),
appended one row per run so a regression shows; the budgets are in `../shared/DESIGN.md` and in
each column's heading. Medians unless a column says otherwise. "load" is the one-minute load
average when the run began: on a shared machine a row measured beside other work reads slow.
"""


def write_rows(path: Path, tables: dict[str, list[dict[str, str]]], stamp: dict[str, str]) -> None:
    """Append one row per entry to the Markdown table under each ``## <name>`` heading of ``path``
    (created with an intro if missing); a table whose columns changed starts again below the old
    rows, which stay."""
    text = path.read_text() if path.exists() else _INTRO
    for name, rows in tables.items():
        for row in rows:
            row = {**stamp, **row}
            header = "| " + " | ".join(row) + " |"
            line = "| " + " | ".join(row.values()) + " |"
            heading = f"## {name}"
            lines = text.rstrip("\n").split("\n")
            if heading not in lines:
                lines += ["", heading, "", header, "|" + "---|" * len(row), line]
            else:
                start = lines.index(heading) + 1
                end = start
                while end < len(lines) and not lines[end].startswith("## "):
                    end += 1
                tables_here = [
                    i
                    for i in range(start, end)
                    if lines[i].startswith("| ") and lines[i + 1 : i + 2] and lines[i + 1].startswith("|---")
                ]
                last = end
                while last > start and not lines[last - 1].strip():
                    last -= 1
                if tables_here and lines[tables_here[-1]] == header:
                    lines.insert(last, line)
                else:
                    lines[last:last] = ["", header, "|" + "---|" * len(row), line]
            text = "\n".join(lines) + "\n"
    path.write_text(text)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="cold processes to start (default 3)")
    parser.add_argument("--warm", type=int, default=5, help="warm reruns per process (default 5)")
    parser.add_argument("--browser", action="store_true", help="also time interactions in headless Chromium")
    parser.add_argument(
        "--browser-only", action="store_true", help="only the headless Chromium figures (navigation, controls, memory)"
    )
    parser.add_argument(
        "--changes", type=int, default=10, metavar="N", help="browser: computed and cached changes per control (10)"
    )
    parser.add_argument("--load", type=int, default=0, metavar="N", help="also N readers at once on one server")
    parser.add_argument(
        "--extremes", action="store_true", help="only each section's worst link (EXTREMES), each in a fresh process"
    )
    parser.add_argument("--write", action="store_true", help=f"append this run's figures to {BENCHMARKS.name}")
    args = parser.parse_args(argv)
    stamp = {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": _commit(),
        "cores": str(os.cpu_count()),
        "load": f"{os.getloadavg()[0]:.1f}",
    }
    tables: dict[str, list[dict[str, str]]] = {}
    compiled = _compile()
    print(f"compiled the app's modules to bytecode in {compiled:.2f} s (once per deployment, as Python does)")
    if args.browser_only:  # these tables alone: a few minutes in headless Chromium
        if not Path(CHROMIUM).exists():
            raise SystemExit(f"no Chromium at {CHROMIUM}")
        tables.update(_browser(computed=args.changes, cached=args.changes))
        if args.write:
            write_rows(BENCHMARKS, tables, stamp)
            print(f"appended to {BENCHMARKS.relative_to(ROOT)}: {', '.join(tables)}")
        return
    if args.extremes:  # this table alone: each link is a fresh process of its own
        tables["Extreme settings"] = _extremes(args.repeat)
        if args.write:
            write_rows(BENCHMARKS, tables, stamp)
            print(f"appended to {BENCHMARKS.relative_to(ROOT)}: {', '.join(tables)}")
        return

    runs = [_child(args.warm) for _ in range(args.repeat)]
    cold = statistics.median(r["cold_script"] for r in runs)
    imports = statistics.median(r["imports"] for r in runs)
    warm = statistics.median(w for r in runs for w in r["warm"])
    print(f"full page, cold (fresh process, empty caches): median {cold:.2f} s over {args.repeat} runs")
    print(f"  of which importing the app's libraries takes {imports:.2f} s (median, measured on its own)")
    print(f"  budget {BUDGET_COLD_S:.1f} s -> {cold / BUDGET_COLD_S:.0%} of budget")
    print(f"full page, warm rerun (caches full): median {warm * 1000:.0f} ms over {args.repeat * args.warm} runs")
    print(f"  budget {BUDGET_WARM_S * 1000:.0f} ms -> {warm / BUDGET_WARM_S:.0%} of budget")
    tables["Full page script time (AppTest)"] = [
        {
            f"cold s (<= {BUDGET_COLD_S:.0f})": f"{cold:.2f}",
            "of which imports s": f"{imports:.2f}",
            "bytecode compiled first s": f"{compiled:.2f}",
            f"warm ms (<= {BUDGET_WARM_S * 1000:.0f})": f"{warm * 1000:.0f}",
            "cold runs": str(args.repeat),
            "warm runs": str(args.repeat * args.warm),
        }
    ]
    alone_rows = []
    import logging

    # Outside a server Streamlit's caches say once per cached function that they keep to memory.
    logging.getLogger("streamlit.runtime.caching.cache_data_api").setLevel(logging.ERROR)
    from explainer.sections import CLOSING, SECTIONS

    for seed in (0, OTHER_SEED):
        alone_row = {"seed": f"{seed} ({'precomputed' if seed == 0 else 'computed'})"}
        for section in (*SECTIONS, CLOSING):
            alone = statistics.median(_child(0, section.slug, seed)["cold_script"] for _ in range(args.repeat))
            print(
                f"{section.slug} alone (?section={section.slug}&seed={seed}), cold: median {alone:.2f} s over "
                f"{args.repeat} runs; budget {BUDGET_COLD_S:.1f} s -> {alone / BUDGET_COLD_S:.0%} of budget"
            )
            alone_row[section.slug] = f"{alone:.2f}"
        alone_rows.append(alone_row)
    tables[f"Each section alone, cold script time in seconds (<= {BUDGET_COLD_S:.0f})"] = alone_rows
    print("first-call time of each cached computation (this process, imports already paid):")
    for name, seconds in _sections().items():
        print(f"  {name:34s} {seconds * 1000:7.0f} ms")
    tables["2-D loss slice against scikit-learn's loop"] = [_network_figures()]
    if args.browser:
        if not Path(CHROMIUM).exists():
            print(f"browser figures skipped: no Chromium at {CHROMIUM}")
        else:
            tables.update(_browser(computed=args.changes, cached=args.changes))
    if args.load:
        load_rows = _load(args.load)
        tables["Readers at once on one server"] = [{"server": name, **row} for name, row in load_rows.items()]
    if args.write:
        write_rows(BENCHMARKS, tables, stamp)
        print(f"appended to {BENCHMARKS.relative_to(ROOT)}: {', '.join(tables)}")


if __name__ == "__main__":
    main()
