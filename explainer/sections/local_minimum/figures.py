"""The local-minimum section's charts: results in, figures (spec and exportable data) out."""

from __future__ import annotations

import numpy as np
import pandas as pd

from explainer.charts import Figure, figure
from explainer.charts import local_minimum as charts
from explainer.core import kinds
from explainer.core.analyses.local_minimum import (
    DoubleWellEscape,
    NetworkSeeds,
    NoisyPaths,
    SymmetricStart,
    ValleyView,
    WellsEscape,
    falling_fit,
    wilson,
)
from explainer.core.prose import sci

#: The escape chart draws these valley sizes (when the grid holds them), each a line.
SHOWN_VALLEYS = (10, 12, 14, 16, 18)
#: Paths are drawn every this many steps.
PATH_EVERY = 4
#: The "what sets escape" panels, in order: measure, heading, axis title.
PANELS = (
    (kinds.MEASURE_BARRIER, "Depth alone", "barrier ΔL (log)"),
    (kinds.MEASURE_XIE, "Xie et al.", "ΔL × batch / step size (log)"),
    (kinds.MEASURE_NOISE_PATH, "Kramers", "Φ, ΔL against the noise (log)"),
)


def _golden(i) -> np.ndarray:
    """A spread of offsets in [0, 1) without random draws (for jittering dots)."""
    return (np.asarray(i) * 0.6180339887498949) % 1.0


def valley(view: ValleyView) -> Figure:
    s, v = view.settings, view.valleys
    curve = pd.DataFrame({"w": view.w, "loss": view.loss})
    points = [(v.deep, view.deep_loss, kinds.GLOBAL_MINIMUM)]
    if view.has_valley:
        points = [(v.shallow, view.floor_loss, kinds.LOCAL_MINIMUM), (v.top, view.rim_loss, kinds.END_MAXIMUM), *points]
    pts = pd.DataFrame(points, columns=["w", "loss", "point"])
    barrier = None
    if view.has_valley:
        low, high = view.floor_loss, view.rim_loss
        barrier = pd.DataFrame(
            {
                "w": [v.shallow],
                "low": [low],
                "high": [high],
                "label_w": [(v.shallow + v.top) / 2],
                "label": [f"barrier ΔL = {sci(v.barrier, 3)}"],
            }
        )
    top = charts.valley_curve(
        curve,
        pts,
        barrier,
        chart_title=f"Every sample digs its own well: {s.m} of {s.n} samples at −1",
        subtitle="training loss of the one weight w; "
        + (
            "ΔL is the climb from the shallow floor up to the rim"
            if view.has_valley
            else "with so few samples at −1 there is no shallow valley"
        ),
    )
    steps = np.arange(0, s.steps + 1, PATH_EVERY)
    frames = [
        pd.DataFrame({"step": steps, "w": view.full.paths[steps, 0], "run": "full batch", "batch": kinds.BATCH_FULL})
    ]
    if not view.is_full_batch:
        for r in range(view.mini.paths.shape[1]):
            frames.append(
                pd.DataFrame(
                    {
                        "step": steps,
                        "w": view.mini.paths[steps, r],
                        "run": f"batch run {r + 1}",
                        "batch": kinds.BATCH_MINI,
                    }
                )
            )
    paths = pd.concat(frames, ignore_index=True)
    rim = v.top if view.has_valley else None
    bottom = charts.valley_paths(paths, rim)
    data = pd.concat(
        [curve.assign(part="curve"), pts.assign(part="critical point"), paths.assign(part="path")], ignore_index=True
    )
    return figure([top, bottom], data)


def escape(res: WellsEscape) -> tuple[Figure, tuple[int, ...]]:
    g = res.grid
    shown = tuple(m for m in g.valley_samples if m in SHOWN_VALLEYS) or g.valley_samples
    rows = []
    for i, m in enumerate(g.valley_samples):
        if m not in shown:
            continue
        for j, b in enumerate(g.batch_sizes):
            f = float(res.escape_fraction[i, j])
            lo, hi = wilson(round(f * g.runs), g.runs)
            rows.append(
                dict(
                    valley=f"m = {m} (ΔL {sci(res.barrier[i])})",
                    m=m,
                    barrier=float(res.barrier[i]),
                    batch=b,
                    batch_label="full batch" if b >= g.n else str(b),
                    fraction=f,
                    lo=lo,
                    hi=hi,
                )
            )
    frame = pd.DataFrame(rows)
    chart = charts.escape_by_batch(
        frame,
        chart_title="Small batches and shallow valleys let runs out",
        subtitle=f"share of {g.runs} runs per point that left the shallow valley within {g.steps} steps "
        f"(step size {res.settings.lr:g}); bars: 95% intervals",
    )
    return figure(chart, frame), shown


def sets_escape(res: WellsEscape) -> Figure:
    g = res.grid
    rows = []
    for measure, _, _ in PANELS:
        values = res.measure(measure)
        for i, m in enumerate(g.valley_samples):
            for j, b in enumerate(g.batch_sizes[:-1]):
                for k, lr in enumerate(g.lrs):
                    rows.append(
                        dict(
                            measure=measure,
                            value=float(values[i, j, k]),
                            fraction=float(res.mini[i, j, k]),
                            valley=f"m = {m}",
                            batch=str(b),
                            lr=f"{lr:g}",
                        )
                    )
    frame = pd.DataFrame(rows)
    r2 = res.collapse
    panels = [(p, f"{head}: the grey curve explains {r2[p]:.0%}", axis) for p, head, axis in PANELS]
    fits = []
    for measure, _, _ in PANELS:  # the best falling curve of each measure, whose share the title gives
        part = frame[frame["measure"] == measure]
        xs, fitted = falling_fit(part["value"].to_numpy(), part["fraction"].to_numpy())
        fits.append(pd.DataFrame({"measure": measure, "value": xs, "fit": fitted}))
    return figure(charts.what_sets_escape(frame, panels, fits=pd.concat(fits, ignore_index=True)), frame)


def double_well(res: DoubleWellEscape, drawn: NoisyPaths) -> Figure:
    s, chosen = res.settings, drawn.settings.noise
    paths = pd.concat(
        [
            pd.DataFrame({"step": drawn.steps_kept, "x": drawn.x[r], "run": f"run {r + 1}"})
            for r in range(drawn.x.shape[0])
        ],
        ignore_index=True,
    )
    left = charts.noisy_paths(
        paths,
        drawn.saddle_x,
        chart_title=f"Noisy descent from the shallow valley, noise {chosen:g}",
        subtitle=f"tilted double well, step size {drawn.settings.lr:g}; below the saddle line a run is in the deep "
        "valley",
    )
    rows = []
    for j, sigma in enumerate(s.noises):
        lo, hi = wilson(round(res.escaped[j] * s.runs), s.runs)
        rows.append(dict(noise=sigma, fraction=float(res.escaped[j]), lo=lo, hi=hi, kramers=float(res.kramers[j])))
    frame = pd.DataFrame(rows)
    right = charts.escape_by_noise(frame, chart_title=f"How many of {s.runs} runs escaped in {s.steps:,} steps")
    data = pd.concat([paths.assign(part="paths"), frame.assign(part="escape")], ignore_index=True)
    return figure([left, right], data)


def network(res: NetworkSeeds) -> Figure:
    s, n = res.settings, res.runs
    rows = []
    for j, b in enumerate(res.batch_sizes[:-1]):
        group = f"batches of {b} ({res.steps_per_epoch[j]} steps per epoch)"
        entries = (
            (kinds.NET_MINI, res.bad_final[j], s.epochs, s.epochs * res.steps_per_epoch[j]),
            (kinds.NET_FULL_EPOCHS, res.bad_final[-1], s.epochs, s.epochs),
            (kinds.NET_FULL_STEPS, res.bad_matched[j], res.matched_epochs[j], res.matched_epochs[j]),
        )
        for series, bad, epochs, steps in entries:
            lo, hi = res.interval(int(bad))
            rows.append(
                dict(
                    group=group,
                    series=series,
                    bad=int(bad),
                    runs=n,
                    share=int(bad) / n,
                    lo=lo,
                    hi=hi,
                    epochs=int(epochs),
                    steps=int(steps),
                )
            )
    frame = pd.DataFrame(rows)
    chart = charts.bad_runs(
        frame,
        chart_title=f"Do mini-batches rescue bad seeds? {n} seeds of a small network on XOR",
        subtitle=f"share of runs ending above loss {s.bad_loss:g}; bars: 95% Wilson intervals",
    )
    return figure(chart, frame)


def losses(res: NetworkSeeds) -> Figure:
    s = res.settings
    sets = [(f"batches of {b}, {s.epochs} epochs", res.final[j]) for j, b in enumerate(res.batch_sizes[:-1])]
    sets.append((f"full batch, {s.epochs} epochs", res.final[-1]))
    sets += [(f"full batch, {e:,} epochs", res.matched[j]) for j, e in enumerate(res.matched_epochs[:-1])]
    seeds = np.arange(s.first_seed, s.first_seed + res.runs)
    frame = pd.concat(
        [
            pd.DataFrame({"row": name, "loss": np.minimum(loss, 10.0), "seed": seeds, "jitter": _golden(seeds)})
            for name, loss in sets
        ],
        ignore_index=True,
    )
    chart = charts.final_losses(frame, s.bad_loss, chart_title="Where every seed ended")
    return figure(chart, frame)


def symmetric(res: SymmetricStart) -> Figure:
    s = res.settings
    frames = []
    for j, b in enumerate(res.batch_sizes):
        label = "full batch" if b >= s.net.n else f"batches of {b}"
        e = res.epochs[j]
        frames.append(
            pd.DataFrame({"epoch": e, "loss": res.zero[j], "start": kinds.START_ZERO, "batch": label, "run": 0})
        )
        for r in range(res.kicked[j].shape[0]):
            frames.append(
                pd.DataFrame(
                    {"epoch": e, "loss": res.kicked[j][r], "start": kinds.START_KICKED, "batch": label, "run": r + 1}
                )
            )
    frame = pd.concat(frames, ignore_index=True)
    chart = charts.symmetric_curves(
        frame,
        res.entropy,
        chart_title="All weights zero: no batch size gets out; a 10⁻³ kick does",
        subtitle=f"2-{s.net.hidden[0]}-1 tanh network on XOR, step size {s.net.lr:g}; "
        f"{s.kicks} kicked starts, one zero start per batch size",
    )
    return figure(chart, frame)
