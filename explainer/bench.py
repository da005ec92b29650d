"""Speed figures for the budgets in DESIGN.md, printed rather than asserted.

Usage::

    python -m explainer.bench            # 3 cold page runs, each in a fresh process
    python -m explainer.bench --repeat 5
    python -m explainer.bench --browser  # also: a served app in headless Chromium (needs
                                         # /usr/bin/chromium and Playwright): interaction
                                         # times and server memory with 10 open sessions

A cold run is a new Python process that imports the app and runs the whole page once through
Streamlit's ``AppTest`` (empty caches, nothing imported): the script time a first visitor to a
fresh server waits for. Warm runs repeat the page in the same process with the caches full.
Medians are quoted because shared machines are noisy.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUDGET_COLD_S = 4.0
BUDGET_WARM_S = 0.3
BUDGET_INTERACTION_S = 1.0
BUDGET_INTERACTION_CACHED_S = 0.4
BUDGET_MEMORY_MB = 690
CHROMIUM = "/usr/bin/chromium"  # the same path as explainer.devserver.CHROMIUM

_CHILD = r"""
import json, sys, time
from streamlit.testing.v1 import AppTest  # a server has Streamlit loaded before any visitor
sys.path.insert(0, sys.argv[3])
at = AppTest.from_file(sys.argv[1], default_timeout=120)
if len(sys.argv) > 4:
    at.query_params["section"] = sys.argv[4]
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


def _python(code: str, *args: str) -> dict:
    """Run ``code`` in a fresh Python process and read the JSON line it prints last."""
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _child(warm_runs: int, section: str | None = None) -> dict:
    args = [str(ROOT / "streamlit_app.py"), str(warm_runs), str(ROOT)] + ([section] if section else [])
    run = _python(_CHILD, *args)
    if section is None:
        run.update(_python(_IMPORTS, str(ROOT)))
    return run


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


def _network_figures(seed: int = 0, repeat: int = 3) -> None:
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
    print(f"  ratio {theirs_s / ours_s:.1f}x (budget >= 12x); largest difference {diff:.1e}")
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


def _rss_mb(pid: int) -> float:
    """Resident memory of a process and its children, in MB (Linux /proc)."""
    total = 0
    for p in [pid, *_children(pid)]:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


def _children(pid: int) -> list[int]:
    try:
        kids = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return []
    return [int(k) for k in kids] + [g for k in kids for g in _children(int(k))]


def _browser(passes: int = 3, sessions: int = 10) -> None:
    """Serve the app, time a control change in headless Chromium until the page has redrawn,
    and read the server's memory with ``sessions`` pages open."""
    from playwright.sync_api import sync_playwright

    from explainer.devserver import CHARTS_DRAWN_JS, CHROMIUM_ARGS, serve

    with serve() as (url, pid), sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=list(CHROMIUM_ARGS))
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(f"{url}/?section=descent")
        page.wait_for_function(CHARTS_DRAWN_JS, arg=5, timeout=120_000)
        group = page.locator('[data-testid="stButtonGroup"]').first
        fresh, cached = [], []
        for n in range(passes):
            for lr in ("3", "30", "0.03", "0.3"):
                t = time.perf_counter()
                group.get_by_text(lr, exact=True).click()
                # The worked example shows the new step: "w - 3 x (gradient)".
                page.wait_for_function(f"() => document.body.innerText.includes('− {lr} × (')", timeout=60_000)
                page.wait_for_function(CHARTS_DRAWN_JS, arg=5, timeout=60_000)
                (fresh if n == 0 and lr != "0.3" else cached).append(time.perf_counter() - t)
        print("one control changed (descent's network step size), click to page redrawn, headless Chromium:")
        print(
            f"  first time (computed): median {statistics.median(fresh):.2f} s, worst {max(fresh):.2f} s "
            f"over {len(fresh)}; budget {BUDGET_INTERACTION_S:.1f} s"
        )
        print(
            f"  again (cached): median {statistics.median(cached):.2f} s, worst {max(cached):.2f} s "
            f"over {len(cached)}; budget {BUDGET_INTERACTION_CACHED_S:.1f} s"
        )
        page.goto(f"{url}/?section=landscape")
        page.wait_for_function(CHARTS_DRAWN_JS, arg=9, timeout=120_000)
        box = page.get_by_role("spinbutton", name="Weight to cut along")
        fresh, cached = [], []
        for n in range(passes):
            for weight in (5, 6, 7, 8):
                t = time.perf_counter()
                box.fill(str(weight))
                box.press("Enter")
                text = f"Your weight (input 1 → hidden 1 unit {weight})"
                page.wait_for_function(f"() => document.body.innerText.includes('{text}')", timeout=60_000)
                page.wait_for_function(CHARTS_DRAWN_JS, arg=9, timeout=60_000)
                (fresh if n == 0 else cached).append(time.perf_counter() - t)
        print("one control changed (landscape's weight number), enter to page redrawn, headless Chromium:")
        print(f"  first time (computed): median {statistics.median(fresh):.2f} s, worst {max(fresh):.2f} s")
        print(f"  again (cached): median {statistics.median(cached):.2f} s, worst {max(cached):.2f} s")
        for _ in range(sessions):
            extra = browser.new_page(viewport={"width": 1280, "height": 900})
            extra.goto(url)
            extra.wait_for_function(CHARTS_DRAWN_JS, arg=17, timeout=120_000)
        memory = _rss_mb(pid)
        print(
            f"server memory with {sessions + 1} sessions open: {memory:.0f} MB RSS "
            f"({memory / BUDGET_MEMORY_MB:.0%} of the {BUDGET_MEMORY_MB} MB budget)"
        )
        browser.close()


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="cold processes to start (default 3)")
    parser.add_argument("--warm", type=int, default=5, help="warm reruns per process (default 5)")
    parser.add_argument("--browser", action="store_true", help="also time interactions in headless Chromium")
    args = parser.parse_args(argv)

    runs = [_child(args.warm) for _ in range(args.repeat)]
    cold = statistics.median(r["cold_script"] for r in runs)
    imports = statistics.median(r["imports"] for r in runs)
    warm = statistics.median(w for r in runs for w in r["warm"])
    print(f"full page, cold (fresh process, empty caches): median {cold:.2f} s over {args.repeat} runs")
    print(f"  of which importing the app's libraries takes {imports:.2f} s (median, measured on its own)")
    print(f"  budget {BUDGET_COLD_S:.1f} s -> {cold / BUDGET_COLD_S:.0%} of budget")
    print(f"full page, warm rerun (caches full): median {warm * 1000:.0f} ms over {args.repeat * args.warm} runs")
    print(f"  budget {BUDGET_WARM_S * 1000:.0f} ms -> {warm / BUDGET_WARM_S:.0%} of budget")
    import logging

    # Outside a server Streamlit's caches say once per cached function that they keep to memory.
    logging.getLogger("streamlit.runtime.caching.cache_data_api").setLevel(logging.ERROR)
    from explainer.sections import CLOSING, SECTIONS

    for section in (*SECTIONS, CLOSING):
        alone = statistics.median(_child(0, section.slug)["cold_script"] for _ in range(args.repeat))
        print(f"{section.slug} alone (?section={section.slug}), cold: median {alone:.2f} s over {args.repeat} runs")
        print(f"  budget {BUDGET_COLD_S:.1f} s -> {alone / BUDGET_COLD_S:.0%} of budget")
    print("first-call time of each cached computation (this process, imports already paid):")
    for name, seconds in _sections().items():
        print(f"  {name:34s} {seconds * 1000:7.0f} ms")
    _network_figures()
    if args.browser:
        if not Path(CHROMIUM).exists():
            print(f"browser figures skipped: no Chromium at {CHROMIUM}")
        else:
            _browser()


if __name__ == "__main__":
    main()
