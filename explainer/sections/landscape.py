"""Section 2: the landscape of a real network with 4,417 weights, seen through 1-D and 2-D cuts."""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import pandas as pd
import streamlit as st

from explainer.charts import landscape as charts
from explainer.charts import maps
from explainer.core import landscape
from explainer.core.contours import contour_segments, quantile_levels
from explainer.core.curvature import extreme_eigenvalues
from explainer.core.training import make_dataset, train_path
from explainer.ui import controls as ui
from explainer.ui.cache import cached
from explainer.ui.claims import claim_box
from explainer.ui.display import show_chart, spec
from explainer.ui.section import ARTICLE, Context, Section

SLUG = "landscape"
HIDDEN = (64, 64)
N_SAMPLES = 400
BATCH = 100
#: Weights of the 2-64-64-1 network: every matrix and every bias vector.
N_PARAMS = sum(i * o + o for i, o in pairwise((2, *HIDDEN, 1)))
#: A cut whose slope is below this (loss per unit of weight) counts as flat.
FLAT_SLOPE = 1e-3
STEP = {"adam": 0.01, "sgd": 0.05}
DATA_NOISE = {"moons": 0.25, "circles": 0.2, "xor": 0.15, "spirals": 0.3}
OPTIMIZERS = {"adam": "Adam (step 0.01)", "sgd": "SGD + momentum 0.9 (step 0.05)"}
N_AXIS_CUTS = 8
CUT_POINTS = 25
FAN_POINTS = 21
PLANE_SIDE = 25
#: How far the cuts along the Hessian's eigenvectors reach (unit vectors, weight units).
EIGEN_SPAN = 2.0

DATA = ui.Control(f"{SLUG}.data", "Data set", "select", "moons", options=tuple(DATA_NOISE), format=str.capitalize)
ACTIVATION = ui.Control(
    f"{SLUG}.activation", "Hidden units", "segmented", "relu", options=("relu", "tanh"), format=lambda a: a,
    help="ReLU units switch off below zero; one that is off for every training point no longer changes the loss "
    "(only the weight penalty still pulls at its weights). Tanh units saturate smoothly and never switch off.",
)  # fmt: skip
OPTIMIZER = ui.Control(
    f"{SLUG}.optimizer", "Optimiser", "select", "adam", options=tuple(OPTIMIZERS), format=OPTIMIZERS.get,
    help="scikit-learn's own solvers, mini-batches of 100, one snapshot of the weights per epoch.",
)  # fmt: skip
EPOCHS = ui.Control(f"{SLUG}.epochs", "Epochs", "select_slider", 40, options=(10, 20, 40, 80, 160))
EARLY = ui.Control(
    f"{SLUG}.early", "Early snapshot (epoch)", "select_slider", 1, options=(0, 1, 2, 5, 10),
    help="The moment the end is compared with; 0 is the initial weights.",
)  # fmt: skip
WEIGHT = ui.Control(
    f"{SLUG}.weight", f"Weight to cut along (1 to {N_PARAMS:,})", "number", 1000, lo=1, hi=N_PARAMS, step=1,
    help="Weights are numbered as scikit-learn stores them: the input→hidden 1 matrix row by row, then "
    "hidden 1→hidden 2, then hidden 2→output, then the biases of each layer.",
)  # fmt: skip
SPAN = ui.Control(
    f"{SLUG}.span", "Cut width (± change in one weight)", "select_slider", 2.0, options=(0.5, 1.0, 2.0, 4.0),
    format=ui.number,
)  # fmt: skip
DIRECTIONS = ui.Control(
    f"{SLUG}.directions", "Random directions", "select_slider", 12, options=(8, 12, 24),
)  # fmt: skip
CONTROLS = (DATA, ACTIVATION, OPTIMIZER, EPOCHS, EARLY, WEIGHT, SPAN, DIRECTIONS)


# ----- computation, cached at the boundary -----------------------------------------------------


@cached(max_entries=6, show_spinner="Training a 2-64-64-1 network (4,417 weights), one snapshot per epoch…")
def trained(data: str, activation: str, optimizer: str, epochs: int, seed: int):
    """The training run every part of the section looks at (few entries: each holds every snapshot)."""
    X, y = make_dataset(data, n=N_SAMPLES, noise=DATA_NOISE[data], seed=seed)
    return train_path(
        X, y, hidden=HIDDEN, activation=activation, solver=optimizer, lr=STEP[optimizer], epochs=epochs,
        batch_size=BATCH, seed=seed,
    )  # fmt: skip


def _snapshot(run, early: int) -> int:
    """Index of the snapshot at epoch ``early`` (or the last one before it, if the run is shorter)."""
    return int(np.searchsorted(run.epochs, min(early, int(run.epochs[-1])), side="right") - 1)


@cached(show_spinner="Drawing the decision boundary…")
def overview(data: str, activation: str, optimizer: str, epochs: int, seed: int, early: int) -> dict:
    run = trained(data, activation, optimizer, epochs, seed)
    net = run.net
    X, Y = net.X, net.Y[:, 0]
    pad = 0.35
    (x0, y0), (x1, y1) = X.min(axis=0) - pad, X.max(axis=0) + pad
    xs, ys = np.linspace(x0, x1, 41), np.linspace(y0, y1, 41)
    gx, gy = np.meshgrid(xs, ys)
    prob = net.activations(run.thetas[-1], np.column_stack([gx.ravel(), gy.ravel()]))[-1][:, 0].reshape(gy.shape)
    cells = maps.heat_frame(xs, ys, prob).rename(columns={"loss": "p"})
    boundary = pd.DataFrame(contour_segments(xs, ys, prob, [0.5])[:, :4], columns=["x", "y", "x2", "y2"])
    points = pd.DataFrame({"x": X[:, 0], "y": X[:, 1], "label": np.where(Y > 0.5, "class 1", "class 0")})
    fitted = net.activations(run.thetas[-1])[-1][:, 0]
    accuracy = float(((fitted > 0.5) == (Y > 0.5)).mean())
    curve = pd.DataFrame({"epoch": run.epochs, "loss": run.losses})
    k = _snapshot(run, early)
    last = len(run.epochs) - 1
    return dict(
        n_params=net.n_params,
        accuracy=accuracy,
        loss_start=float(run.losses[0]),
        loss_early=float(run.losses[k]),
        loss_end=float(run.losses[-1]),
        epochs_run=int(run.epochs[-1]),
        epoch_early=int(run.epochs[k]),
        snapshots=len(run.epochs),
        diverged_at=run.diverged_at,
        curve=curve,
        points=points,
        map_chart=spec(
            charts.decision_map(
                cells,
                points,
                boundary,
                chart_title=f"The trained network: {accuracy:.0%} right",
                subtitle=f"{N_SAMPLES} {data} points; black line: P(class 1) = 0.5",
            )
        ),
        curve_chart=spec(
            charts.training_loss(
                curve,
                int(run.epochs[k]),
                chart_title="Training loss, one snapshot per epoch",
                subtitle=f"full-batch loss {run.losses[0]:.3f} at the start, {run.losses[last]:.3f} at epoch "
                f"{int(run.epochs[last])}",
            )
        ),
    )


def _moment_names(run, k: int) -> dict[str, str]:
    """How charts name the early snapshot ``k`` and the end."""
    return {"early": f"epoch {int(run.epochs[k])}", "end": f"end (epoch {int(run.epochs[-1])})"}


def _sample_weights(net, chosen: int, k: int, seed: int) -> list[int]:
    """The reader's weight and ``k - 1`` others drawn across every layer's matrix and the biases."""
    rng = np.random.default_rng(seed + 101)
    starts = np.cumsum([0] + [i * o for i, o in net.shapes])
    pools = [np.arange(a, b) for a, b in pairwise(starts)]
    pools.append(np.arange(starts[-1], net.n_params))  # biases
    picks = [chosen]
    while len(picks) < k:
        pool = pools[len(picks) % len(pools)]
        i = int(rng.choice(pool))
        if i not in picks:
            picks.append(i)
    return picks


def _spread(slopes: np.ndarray, when: str, points: int = 160) -> pd.DataFrame:
    """Cumulative share of weights with |slope| below each value, on a log grid."""
    s = np.sort(np.abs(slopes))
    lo = max(float(s[s > 0].min()) if (s > 0).any() else 1e-12, 1e-12)
    grid = np.logspace(np.log10(lo), np.log10(max(float(s[-1]), lo * 10)), points)
    return pd.DataFrame({"slope": grid, "share": np.searchsorted(s, grid, side="right") / s.size, "when": when})


@cached(show_spinner="Cutting the loss along single weights…")
def axis_view(data: str, activation: str, optimizer: str, epochs: int, seed: int, early: int, weight: int,
              span: float) -> dict:  # fmt: skip
    """The reader's weight and seven others, each cut finely at an early snapshot and at the end."""
    run = trained(data, activation, optimizer, epochs, seed)
    net = run.net
    k = _snapshot(run, early)
    picks = _sample_weights(net, weight, N_AXIS_CUTS, seed)
    alphas = np.linspace(-span, span, CUT_POINTS)
    centre = CUT_POINTS // 2
    frames, downhill, slope = [], {}, {}
    for when, theta in (("early", run.thetas[k]), ("end", run.thetas[-1])):
        c = landscape.axis_cuts(net, theta, alphas, picks)
        downhill[when] = int(landscape.goes_downhill(c, centre).sum())
        slope[when] = float(net.gradient(theta)[weight])
        for j, i in enumerate(picks):
            # Three short lines over each panel: its number, then where the weight comes from and goes to.
            label = f"#{i + 1}" + (" (yours)" if j == 0 else "") + "|" + net.describe(i).replace(" → ", " →|")
            frames.append(pd.DataFrame({"panel": label, "order": j, "alpha": alphas, "change": c[j] - c[j, centre],
                                        "when": when, "loss": c[j]}))  # fmt: skip
    frame = pd.concat(frames, ignore_index=True)
    epoch_early = int(run.epochs[k])
    chosen = frame[(frame["order"] == 0) & (frame["when"] == "end")]
    kind = net.layer_of(weight)[0]
    w = float(run.thetas[-1][weight])
    penalty = 0.5 * net.alpha * ((w + alphas) ** 2 - w**2) / len(net.X) if kind == "weight" else 0.0 * alphas
    return dict(
        picks=picks,
        chosen=net.describe(weight),
        chosen_flat=float(chosen["change"].abs().max()) < 1e-12,
        chosen_dead=float(np.abs(chosen["change"].to_numpy() - penalty).max()) < 1e-12,
        chosen_slope=slope,
        downhill=downhill,
        epoch_early=epoch_early,
        frame=frame,
        chart=spec(
            charts.cut_panels(
                frame,
                chart_title=f"{N_AXIS_CUTS} of the {net.n_params:,} one-weight cuts, at epoch {epoch_early} and "
                "at the end",
                subtitle="up: change in loss; each panel moves one weight and keeps the rest fixed; 0 is where the "
                "network is",
                x_title="change in this weight",
            )
        ),
    )


@cached(show_spinner="Cutting the loss along every one of the 4,417 weights…")
def every_weight_view(data: str, activation: str, optimizer: str, epochs: int, seed: int, early: int,
                      span: float) -> dict:  # fmt: skip
    """Every weight's cut (at ±span/2 and ±span) and slope, at an early snapshot and at the end."""
    run = trained(data, activation, optimizer, epochs, seed)
    net = run.net
    k = _snapshot(run, early)
    offsets = np.array([-span, -span / 2, span / 2, span])
    every, grads = {}, {}
    for when, theta in (("early", run.thetas[k]), ("end", run.thetas[-1])):
        whole = np.insert(landscape.axis_cuts(net, theta, offsets), 2, net.loss(theta), axis=1)
        flat = np.ptp(whole, axis=1) <= 1e-12 * whole[:, 2]
        down = landscape.goes_downhill(whole, 2)
        every[when] = {"goes downhill": int(down.sum()), "no way down": int((~down & ~flat).sum()),
                       "perfectly flat": int(flat.sum())}  # fmt: skip
        grads[when] = net.gradient(theta)
    epoch_early = int(run.epochs[k])
    moment_names = _moment_names(run, k)
    seen = {course for counts in every.values() for course, n in counts.items() if n}  # no empty legend entries
    tally = pd.DataFrame(
        [dict(moment=moment_names[when], order=i, course=course, cuts=n) for i, (when, counts) in
         enumerate(every.items()) for course, n in counts.items() if course in seen]
    )  # fmt: skip
    spread = pd.concat([_spread(g, when) for when, g in grads.items()], ignore_index=True)
    return dict(
        every=every,
        tally=tally,
        flat={when: float((np.abs(g) < FLAT_SLOPE).mean()) for when, g in grads.items()},
        median={when: float(np.median(np.abs(g))) for when, g in grads.items()},
        steepest={when: float(np.abs(g).max()) for when, g in grads.items()},
        dead=int((grads["end"] == 0).sum()),
        epoch_early=epoch_early,
        spread=spread,
        tally_chart=spec(
            charts.cut_tally(
                tally,
                chart_title=f"All {net.n_params:,} one-weight cuts, each moved by up to ±{span:g}",
                subtitle="does the loss drop by more than 0.1% anywhere on the cut?",
            )
        ),
        spread_chart=spec(
            charts.slope_spread(
                spread,
                chart_title=f"The slope of every one of the {net.n_params:,} cuts",
                subtitle=f"read across: the share of weights whose cut is flatter than a given slope (epoch "
                f"{epoch_early} and the end)",
            )
        ),
    )


@cached(show_spinner="Cutting the loss along random directions…")
def fan_view(data: str, activation: str, optimizer: str, epochs: int, seed: int, early: int, count: int) -> dict:
    run = trained(data, activation, optimizer, epochs, seed)
    net = run.net
    k = _snapshot(run, early)
    raw = landscape.random_directions(net.n_params, count, seed + 202)
    alphas = np.linspace(-1, 1, FAN_POINTS)
    centre = FAN_POINTS // 2
    frames, downhill, rise = [], {}, {}
    epoch_early = int(run.epochs[k])
    names = _moment_names(run, k)
    for order, (when, theta) in enumerate((("early", run.thetas[k]), ("end", run.thetas[-1]))):
        dirs = landscape.filter_normalise(net, raw, theta)
        c = landscape.cuts(net, theta, dirs, alphas)
        down = landscape.goes_downhill(c, centre)
        downhill[when] = int(down.sum())
        rise[when] = float(np.median(c.max(axis=1) - c[:, centre]))
        for j in range(count):
            frames.append(pd.DataFrame({
                "moment": names[when], "order": order, "direction": j + 1, "alpha": alphas,
                "change": c[j] - c[j, centre], "course": "goes downhill" if down[j] else "rises both ways",
            }))  # fmt: skip
    frame = pd.concat(frames, ignore_index=True)
    return dict(
        same=k == len(run.thetas) - 1,
        downhill=downhill,
        rise=rise,
        count=count,
        epoch_early=epoch_early,
        frame=frame,
        chart=spec(
            charts.fan(
                frame,
                chart_title=f"{count} random directions through all {net.n_params:,} weights at once",
                subtitle="filter-normalised (Li et al. 2018): a step of 1 moves every neuron by its own size",
            )
        ),
    )


def _bump(losses: np.ndarray) -> float:
    """Largest rise along a curve above the lowest value before it (0 for a curve that only falls)."""
    return float(np.max(losses - np.minimum.accumulate(losses)))


@cached(show_spinner="Mapping the loss over the plane of the training path…")
def plane_view(data: str, activation: str, optimizer: str, epochs: int, seed: int) -> dict:
    run = trained(data, activation, optimizer, epochs, seed)
    net = run.net
    pp = landscape.path_plane(run.thetas)
    (a0, b0), (a1, b1) = pp.coords.min(axis=0), pp.coords.max(axis=0)
    reach = max(a1 - a0, b1 - b0, 1e-6)
    pad = 0.2 * reach
    # Equal units on both axes, but never thinner than 40% of the wider side.
    half_b = max((b1 - b0) / 2 + pad, 0.4 * (a1 - a0 + 2 * pad) / 2)
    mid_b = (b0 + b1) / 2
    bounds = ((a0 - pad, a1 + pad), (mid_b - half_b, mid_b + half_b))
    xs = np.linspace(*bounds[0], PLANE_SIDE)
    ys = np.linspace(*bounds[1], PLANE_SIDE)
    z = landscape.plane(net, pp.origin, *pp.directions, xs, ys)
    segs = contour_segments(xs, ys, z, quantile_levels(z, 12))
    path = pd.DataFrame({"run": 0, "step": run.epochs, "x": pp.coords[:, 0], "y": pp.coords[:, 1],
                         "loss": run.losses, "off_plane": pp.off_plane})  # fmt: skip
    map_chart = charts.path_plane_map(
        maps.heat_frame(xs, ys, z),
        segs,
        path,
        bounds,
        log_color=float(z.max() / max(z.min(), 1e-12)) > 30,
        chart_title="The loss on the plane that holds most of the training path",
        subtitle=f"the plane's two main directions hold {pp.held:.1%} of the path; ring: start, diamond: end",
    )
    ts = np.linspace(-0.25, 1.25, 61)
    line = landscape.segment(net, run.thetas[0], run.thetas[-1], ts)
    inside = (ts >= 0) & (ts <= 1)
    line_frame = pd.DataFrame({"t": ts, "loss": line})
    bump = _bump(line[inside])
    travelled = float(np.linalg.norm(np.diff(run.thetas, axis=0), axis=1).sum())
    return dict(
        held=pp.held,
        explained=pp.explained.tolist(),
        off_max=float(pp.off_plane.max()),
        off_max_epoch=int(run.epochs[int(np.argmax(pp.off_plane))]),
        distance=float(np.linalg.norm(run.thetas[0] - run.thetas[-1])),
        travelled=travelled,
        path=path,
        line=line_frame,
        bump=bump,
        line_start=float(line[inside][0]),
        line_end=float(line[inside][-1]),
        beyond=float(line[-1]),
        map_chart=spec(map_chart),
        line_chart=spec(
            charts.straight_line(
                line_frame,
                chart_title="The straight line from the initial weights to the trained ones",
                subtitle="every weight moved at once, in proportion; beyond both ends too",
            )
        ),
    )


@cached(show_spinner="Finding the Hessian's extreme eigenvalues (Lanczos over 4,417 weights)…")
def curvature_view(data: str, activation: str, optimizer: str, epochs: int, seed: int) -> dict:
    run = trained(data, activation, optimizer, epochs, seed)
    net, theta = run.net, run.thetas[-1]
    losses = run.losses
    trend = dict(
        still_falling=bool(len(losses) > 1 and losses[-1] < losses[-2]),
        best_epoch=int(run.epochs[int(np.argmin(losses))]),
        last_epoch=int(run.epochs[-1]),
        above_best=float(losses[-1] / losses.min() - 1),
    )
    try:
        with np.errstate(all="ignore"):
            low, high, v_low, v_high = extreme_eigenvalues(
                lambda v: net.hvp(theta, v), net.n_params, k=1, seed=seed, tol=1e-6, vectors=True
            )
        if not (np.isfinite(low).all() and np.isfinite(high).all()):
            raise ArithmeticError("non-finite eigenvalues")
    except (ArithmeticError, RuntimeError, ValueError) as error:  # ARPACK's errors are RuntimeErrors
        return dict(failed=f"{type(error).__name__}: {error}", grad_norm=float(np.linalg.norm(net.gradient(theta))),
                    loss=float(losses[-1]), **trend)  # fmt: skip
    alphas = np.linspace(-EIGEN_SPAN, EIGEN_SPAN, 41)
    c = landscape.cuts(net, theta, np.vstack([v_high[:, 0], v_low[:, 0]]), alphas)
    here = float(run.losses[-1])
    names = [f"steepest direction (curvature {high[0]:.3g})", f"most negative direction (curvature {low[0]:.2g})"]
    frame = pd.concat(
        [pd.DataFrame({"panel": names[j], "order": j, "alpha": alphas, "change": c[j] - here, "when": "end",
                       "loss": c[j]}) for j in range(2)],
        ignore_index=True,
    )  # fmt: skip
    return dict(
        failed=None,
        low=low.tolist(),
        high=high.tolist(),
        grad_norm=float(np.linalg.norm(net.gradient(theta))),
        loss=here,
        drop=float(here - c[1].min()),
        drop_at=float(abs(alphas[int(np.argmin(c[1]))])),
        rise=float(c[0].max() - here),
        **trend,
        frame=frame,
        chart=spec(
            charts.cut_panels(
                frame,
                chart_title="The loss along the Hessian's two extreme directions",
                subtitle="up: change in loss; eigenvectors of unit length in weight space, so every weight moves",
                x_title="step along the eigenvector",
                columns=2,
                panel=250,
            )
        ),
    )


# ----- words -------------------------------------------------------------------------------------


def _plural(n: int, one: str, many: str) -> str:
    return one if n == 1 else many


def _change(before: float, after: float, fmt: str = ".1e") -> str:
    """ "fell 8-fold, from 7.8e-05 to 9.5e-06", or "rose 1.5-fold", or "hardly changed"."""
    numbers = f"from {before:{fmt}} to {after:{fmt}}"
    if before <= 0 or after <= 0:
        return f"went {numbers}"
    ratio = before / after
    fold = lambda r: f"{r:.1f}" if r < 10 else f"{r:,.0f}"  # noqa: E731
    if ratio >= 1.2:
        return f"fell {fold(ratio)}-fold, {numbers}"
    if ratio <= 1 / 1.2:
        return f"rose {fold(1 / ratio)}-fold, {numbers}"
    return f"hardly changed, {numbers}"


#: A run has reached flat ground when at most this share of its one-weight cuts still lead
#: downhill at the end, and at most a quarter of the random directions do.
FLAT_GROUND_SHARE = 0.05
#: Curvature counts as bending down when it is below minus this share of the largest curvature.
BENDS_DOWN = 1e-3
#: A cut finds "a real way down" when the loss falls by more than this share of the loss.
REAL_DROP = 1e-3


def _bends_down(curv: dict) -> bool:
    return curv["low"][0] < -BENDS_DOWN * curv["high"][-1]


def _real_dip(curv: dict) -> bool:
    return curv["drop"] > REAL_DROP * curv["loss"]


def _claim(every: dict, fan: dict, curv: dict, n_params: int) -> tuple[str, str | None]:
    """Finding and verdict for "training heads for the point where every weight's cut is flat"."""
    down_end, count = fan["downhill"]["end"], fan["count"]
    ends = every["every"]["end"]["goes downhill"]
    early = every["every"]["early"]["goes downhill"]
    finding = (
        f"At epoch {every['epoch_early']}, {early:,} of the {n_params:,} one-weight cuts led downhill; at the end, "
        f"{ends:,} {_plural(ends, 'does', 'do')}. Of {count} random directions, {fan['downhill']['early']} led "
        f"downhill early and {down_end} at the end. The median slope of a cut "
        f"{_change(every['median']['early'], every['median']['end'])}. "
    )
    if ends > FLAT_GROUND_SHARE * n_params or down_end > count / 4:
        which = f"{ends:,} one-weight cuts" if ends > FLAT_GROUND_SHARE * n_params else f"{down_end} random directions"
        return (
            finding + f"This run has not reached flat ground: {which} still lead down from where it stopped, so it "
            "cannot judge the claim. More epochs, or the other optimiser, may let it settle.",
            None,
        )
    if curv["failed"]:
        return finding + "The curvature could not be computed for these weights, so the claim is not judged.", None
    lo, hi = curv["low"][0], curv["high"][-1]
    if not _bends_down(curv) and not _real_dip(curv):
        return (
            finding + f"No direction bends down by more than a thousandth of the steepest curvature (smallest Hessian "
            f"eigenvalue {lo:.2g}, largest {hi:.3g}), and the cut along the lowest one finds no way down: a minimum, "
            "though no cut can say whether it is the lowest one.",
            "confirmed",
        )
    if _bends_down(curv):
        finding += (
            f"Yet strictly this is not a minimum: the Hessian's smallest eigenvalue is {lo:.2g}, so one direction "
            f"that mixes many weights bends down, {hi / -lo:,.0f} times more gently than the steepest bends up "
            f"({hi:.3g}). "
        )
    else:
        finding += (
            f"The Hessian's smallest eigenvalue, {lo:.2g}, is nearly zero against the largest ({hi:.3g}), yet a cut "
            "along its direction finds lower ground a step away. "
        )
    if _real_dip(curv):
        finding += (
            f"Along it the loss really falls, by {curv['drop'] / curv['loss']:.1%}: a way down that "
            f"{'no' if not ends else 'hardly any'} single-weight cut reveals."
        )
    else:
        finding += (
            f"Along it the loss {_falls(curv['drop'])} within ±{EIGEN_SPAN:g}: the floor of a flat valley rather than "
            "a saddle to slide off. Cuts along single weights cannot tell these apart; the curvature across all "
            "weights can."
        )
    return finding, "refined"


def _falls(drop: float) -> str:
    return f"falls by only {drop:.1g}" if drop > 1e-12 else "does not fall at all"


def _gently(curv: dict) -> str:
    """How much the most negative direction matters, from the cut along it."""
    if _real_dip(curv):
        return (
            f"The cut along it below shows a real dip, {curv['drop'] / curv['loss']:.1%} of the loss: a way down "
            "that training had not found."
        )
    if curv["drop"] <= 1e-12:
        return "The cut along it below does not dip at all: for practical purposes the ground is flat."
    return "The cut along it below barely dips: for practical purposes the ground is flat."


def _curvature_reading(curv: dict) -> str:
    lo, hi = curv["low"], curv["high"]
    parts = [
        f"**Largest curvature {hi[-1]:.3g}.** Along its direction the loss bends up fastest; plain gradient "
        f"descent with a step above 2 / {hi[-1]:.3g} = {2 / hi[-1]:.3g} would overshoot and bounce out of this "
        "valley."
    ]
    if _bends_down(curv):
        parts.append(
            f"**Smallest curvature {lo[0]:.2g}.** Negative: at least one direction bends down, so strictly this "
            f"point is a saddle, not a minimum. It bends about {hi[-1] / -lo[0]:,.0f} times more gently than the "
            f"steepest direction bends up. {_gently(curv)}"
        )
    else:
        parts.append(
            f"**Smallest curvature {lo[0]:.2g}.** Within a thousandth of the largest: no direction clearly bends "
            f"down here. {_gently(curv)}"
        )
    parts.append(f"**Slope {curv['grad_norm']:.2g}.** {_trend(curv)}")
    return "\n\n".join(parts)


def _trend(curv: dict) -> str:
    """Why training stopped here, and whether the loss was still falling."""
    above = curv["above_best"]
    if above > 1e-3:
        return (
            f"The gradient is not zero, and the loss was no longer falling: its lowest value came at epoch "
            f"{curv['best_epoch']}, and the mini-batch steps since have pushed it {above:.1%} above that."
        )
    if curv["still_falling"]:
        return "The gradient is not zero: training stopped because its epochs ran out, with the loss still falling."
    return "The gradient is not zero, and the loss has levelled off: mini-batch steps jostle it up and down."


# ----- page --------------------------------------------------------------------------------------


def render(ctx: Context) -> None:
    st.header("2 · The landscape: one surface, thousands of cuts", anchor=SLUG)
    st.markdown(
        f"*{ARTICLE}* asks us to picture the loss of a network with 5,000 weights as a landscape, and to "
        "look at it through cuts: move one weight, keep the rest fixed, and watch the loss rise or fall. "
        "Here is that network for real: scikit-learn's `MLPClassifier` with two hidden layers of 64 units, "
        "4,417 weights in all, trained on points in the plane. Every curve below is its actual training loss."
    )
    c1, c2, c3 = st.columns([1, 1, 1.4])
    data = ui.render(DATA, c1)
    activation = ui.render(ACTIVATION, c2)
    optimizer = ui.render(OPTIMIZER, c3)
    c4, c5, _ = st.columns([1, 1, 1.4])
    epochs = int(ui.render(EPOCHS, c4))
    early = int(ui.render(EARLY, c5))
    key = (data, activation, optimizer, epochs, ctx.seed)
    over = overview(*key, early)
    if over["diverged_at"] is not None:
        kept = over["epochs_run"]
        st.warning(
            f"This run blew up in epoch {over['diverged_at']}: its loss or weights left any sensible range. "
            + (
                f"Everything below uses the {kept} {_plural(kept, 'epoch', 'epochs')} before that."
                if kept
                else "Only the starting weights are left."
            ),
            icon=":material/warning:",
        )
    claim_slot = st.container()
    left, right = st.columns([1, 1.2], gap="medium")
    with left:
        show_chart(
            over["map_chart"], over["points"], name=f"landscape-data-{data}", key=f"{SLUG}.export.data",
            caption=f"The network gets {over['accuracy']:.0%} of its {N_SAMPLES} training points right. Its "
            f"loss went from {over['loss_start']:.3f} to {over['loss_end']:.3f} in {over['epochs_run']} "
            f"{_plural(over['epochs_run'], 'epoch', 'epochs')}.",
        )  # fmt: skip
    with right:
        show_chart(
            over["curve_chart"], over["curve"], name=f"landscape-loss-{data}", key=f"{SLUG}.export.loss",
            caption=_loss_caption(over),
        )  # fmt: skip

    if over["snapshots"] < 3:
        st.info(
            "A run this short has too few snapshots for a path to cut along. Choose more epochs or the other "
            "optimiser.",
            icon=":material/info:",
        )
        return

    st.markdown("#### One cut per weight")
    st.markdown(
        "The article's picture, literally: each panel moves a single weight and keeps the other 4,416 where "
        "training left them. Orange is an early snapshot, blue the end. The first panel is the weight you pick; "
        "the others are drawn from every layer."
    )
    span = float(ui.render(SPAN, st.columns(3)[0]))
    every = every_weight_view(*key, early, span)
    # A nested fragment: a new weight redraws its own eight cuts, not the whole section.
    st.fragment(_weight_cuts)(key, early, span)
    show_chart(
        every["tally_chart"], every["tally"], name="landscape-all-weight-cuts", key=f"{SLUG}.export.tally",
        caption=_tally_caption(every, span, over["n_params"]),
    )  # fmt: skip
    show_chart(
        every["spread_chart"], every["spread"], name="landscape-slopes", key=f"{SLUG}.export.slopes",
        caption=_slopes_caption(every, over["n_params"]),
    )  # fmt: skip

    st.markdown("#### Cuts that move every weight at once")
    st.markdown(
        "A cut along one weight sees only one of 4,417 directions. A random direction moves all of them. "
        "Weights of different layers have different sizes, so each neuron's share of the direction is scaled "
        "to the size of that neuron's own weights (Li et al., 2018); then a step of 1 changes every neuron by "
        "about as much as it is worth."
    )
    count = int(ui.render(DIRECTIONS, st.columns(3)[0]))
    fan = fan_view(*key, early, count)
    show_chart(
        fan["chart"], fan["frame"], name="landscape-random-cuts", key=f"{SLUG}.export.fan",
        caption=_fan_caption(fan),
    )  # fmt: skip

    st.markdown("#### The plane the training path lives in")
    plane = plane_view(*key)
    st.markdown(
        "Two random directions almost never contain the path that training took. The two directions along "
        "which the weights moved most (the first two principal components of the snapshots, measured from "
        "the end) do, nearly: the loss on that plane is mapped below with the path on it."
    )
    left, right = st.columns([1.15, 1], gap="medium")
    with left:
        show_chart(
            plane["map_chart"], plane["path"], name="landscape-path-plane", key=f"{SLUG}.export.plane",
            caption=f"This plane holds {plane['held']:.1%} of the path ({plane['explained'][0]:.1%} along the "
            f"first direction, {plane['explained'][1]:.1%} along the second). The path strays at most "
            f"{plane['off_max']:.2f} off it (at epoch {plane['off_max_epoch']}), against {plane['distance']:.2f} "
            f"from start to end and {plane['travelled']:.2f} travelled.",
        )  # fmt: skip
    with right:
        show_chart(
            plane["line_chart"], plane["line"], name="landscape-straight-line", key=f"{SLUG}.export.line",
            caption=_line_caption(plane),
        )  # fmt: skip

    st.markdown("#### Curvature at the end")
    curv = curvature_view(*key)
    if curv["failed"]:
        st.warning(
            f"The Hessian's extreme eigenvalues could not be found for these weights ({curv['failed']}). "
            f"The slope there is {curv['grad_norm']:.2g}.",
            icon=":material/warning:",
        )
    else:
        m1, m2, m3 = st.columns(3)
        m1.metric("Largest Hessian eigenvalue", f"{curv['high'][-1]:.3g}")
        m2.metric("Smallest Hessian eigenvalue", f"{curv['low'][0]:.2g}")
        m3.metric("Gradient norm", f"{curv['grad_norm']:.2g}")
        st.markdown(_curvature_reading(curv))
        show_chart(
            curv["chart"], curv["frame"], name="landscape-eigen-cuts", key=f"{SLUG}.export.eigen",
            caption=_eigen_caption(curv),
        )  # fmt: skip
        st.caption(
            "Found by Lanczos iteration (SciPy's `eigsh`) on exact Hessian-vector products: the 4,417 × 4,417 "
            "Hessian is never written down."
        )
    with claim_slot:
        finding, verdict = _claim(every, fan, curv, over["n_params"])
        claim_box(
            "picture a network's loss as a landscape over all its weights, cut once along each weight; training "
            "heads for the point where every one of those cuts is flat, the global minimum.",
            finding,
            verdict,
        )


def _weight_cuts(key: tuple, early: int, span: float) -> None:
    """The reader's weight and seven others, cut finely (a fragment of its own)."""
    weight = int(ui.render(WEIGHT, st.columns(3)[0])) - 1
    axis = axis_view(*key, early, weight, span)
    show_chart(
        axis["chart"], axis["frame"], name="landscape-weight-cuts", key=f"{SLUG}.export.cuts",
        caption=_axis_caption(axis),
    )  # fmt: skip


def _axis_caption(axis: dict) -> str:
    early, end = axis["downhill"]["early"], axis["downhill"]["end"]
    text = (
        f"At epoch {axis['epoch_early']}, {early} of these {N_AXIS_CUTS} cuts {_plural(early, 'leads', 'lead')} "
        f"downhill from where the network is; at the end, {end} {_plural(end, 'does', 'do')}."
    )
    slope = axis["chosen_slope"]
    text += f" Your weight ({axis['chosen']}) has slope {slope['early']:.2g} early and {slope['end']:.2g} at the end."
    if axis["chosen_flat"]:
        text += (
            " At the end its cut is perfectly flat: it is the bias of a ReLU unit that stays off for every training "
            "point, however far the bias moves within this range."
        )
    elif axis["chosen_dead"]:
        text += (
            " At the end its cut is flat but for the weight penalty's gentle bowl: it touches a ReLU unit that stays "
            "off for every training point, so the data no longer care about it."
        )
    return text


def _tally_caption(every: dict, span: float, n_params: int) -> str:
    early, end = every["every"]["early"], every["every"]["end"]
    text = (
        f"Every weight moved on its own by ±{span / 2:g} and ±{span:g}, exactly: {n_params * 4:,} losses. At epoch "
        f"{every['epoch_early']}, {early['goes downhill']:,} of the {n_params:,} cuts "
        f"{_plural(early['goes downhill'], 'leads', 'lead')} downhill (the loss drops by more than 0.1%); at the end, "
        f"{end['goes downhill']:,} {_plural(end['goes downhill'], 'does', 'do')}."
    )
    if end["perfectly flat"]:
        text += (
            f" {end['perfectly flat']:,} {_plural(end['perfectly flat'], 'cut is', 'cuts are')} perfectly flat at the "
            f"end: biases of ReLU units that stay off for every training point even when the bias moves by ±{span:g}."
            " (A weight's cut is never perfectly flat: the L2 penalty always adds a gentle bowl.)"
        )
    return text


def _slopes_caption(every: dict, n_params: int) -> str:
    text = (
        f"The slope of a cut where it passes through the network is that weight's partial derivative, so one "
        f"backpropagation gives all {n_params:,} at once. From epoch {every['epoch_early']} to the end the median "
        f"slope {_change(every['median']['early'], every['median']['end'])}, and the steepest "
        f"{_change(every['steepest']['early'], every['steepest']['end'], '.2g')}; {every['flat']['early']:.0%} of "
        f"the cuts were flatter than {FLAT_SLOPE:g} early, {every['flat']['end']:.0%} at the end."
    )
    if every["dead"]:
        text += (
            f" {every['dead']:,} {_plural(every['dead'], 'slope is', 'slopes are')} exactly zero: the biases of ReLU "
            "units that are off for every training point. (The weights around such units keep a tiny slope from "
            "the L2 penalty.)"
        )
    return text


def _fan_caption(fan: dict) -> str:
    count, early, end = fan["count"], fan["downhill"]["early"], fan["downhill"]["end"]
    if fan["same"]:
        return (
            f"The early snapshot is the end of this run, so both panels show the same point: {end} of {count} random "
            f"cuts {_plural(end, 'leads', 'lead')} downhill there. Pick an earlier snapshot or train longer."
        )
    text = (
        f"At epoch {fan['epoch_early']}, {early} of {count} random cuts {_plural(early, 'leads', 'lead')} downhill; "
        f"at the end, {end} {_plural(end, 'does', 'do')}."
    )
    if end == 0:
        return text + (
            " Along every one of these directions the network ends at the bottom of a bowl: the median cut rises by "
            f"{fan['rise']['end']:.3g} within one step."
        )
    if end < early:
        return (
            text + f" Training has flattened {early - end} of them; {end} still {_plural(end, 'leads', 'lead')} down."
        )
    return text + " These directions still find ways down at the end: training has not settled yet."


def _loss_caption(over: dict) -> str:
    start, early, end = over["loss_start"], over["loss_early"], over["loss_end"]
    if over["epoch_early"] == 0:
        return f"The loss went from {start:.3f} to {end:.3f}; the dashed line marks the starting weights."
    if over["epoch_early"] >= over["epochs_run"]:
        return (
            f"The loss went from {start:.3f} to {end:.3f}. The early snapshot is the last one of this run, so early "
            "and end coincide below: pick an earlier snapshot or train longer."
        )
    if start - end <= 0:
        return f"The loss did not fall: {start:.3f} at the start, {end:.3f} at the end."
    if early > start:
        return (
            f"The loss first rose, from {start:.3f} at the start to {early:.3f} at epoch {over['epoch_early']} "
            f"(dashed), before falling to {end:.3f} at the end."
        )
    share = (start - early) / (start - end)
    return (
        f"By epoch {over['epoch_early']} (dashed) the loss had made {min(share, 1):.0%} of its fall: {start:.3f} at "
        f"the start, {early:.3f} then, {end:.3f} at the end."
    )


def _eigen_caption(curv: dict) -> str:
    text = (
        f"Within ±{EIGEN_SPAN:g} along the steepest direction the loss climbs by {curv['rise']:.3g}. Along the most "
        "negative one "
    )
    if _real_dip(curv):
        return text + (
            f"it does go down: by {curv['drop']:.2g} ({curv['drop'] / curv['loss']:.1%} of the loss), lowest "
            f"{curv['drop_at']:.2g} away. A real way down, but a gentle one that a slow optimiser takes many steps "
            "to find."
        )
    return text + (
        f"it {_falls(curv['drop'])}: the downward bend is so slight that the higher-order shape of the loss takes "
        "over within a small step. For practical purposes this is the bottom of a flat valley."
    )


def _line_caption(plane: dict) -> str:
    start, end, beyond = plane["line_start"], plane["line_end"], plane["beyond"]
    if plane["bump"] <= 1e-3 * start:
        text = (
            f"Along the straight line the loss goes from {start:.3f} to {end:.3f} and falls all the way, with no bump "
            "to climb, as Goodfellow et al. (2015) found for many networks."
        )
    else:
        text = (
            f"Along the straight line the loss goes from {start:.3f} to {end:.3f} but not monotonically: it rises by "
            f"up to {plane['bump']:.3g} on the way, unlike most networks Goodfellow et al. (2015) looked at."
        )
    if abs(beyond - end) < 1e-3 * end:
        return text + " Past the trained weights it stays level, as far as t = 1.25."
    if beyond > end:
        return text + f" Past the trained weights it rises again, to {beyond:.3f} at t = 1.25."
    return text + (
        f" Past the trained weights it keeps falling, to {beyond:.3f} at t = 1.25: training stopped before the lowest "
        "point of this line."
    )


SECTION = Section(
    slug=SLUG,
    title="The landscape: thousands of cuts",
    summary="A real 4,417-weight network's loss, cut along single weights, random directions and its own path.",
    controls=CONTROLS,
    render=render,
)
