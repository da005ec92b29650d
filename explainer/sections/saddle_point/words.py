"""The saddle-point section's sentences: pure functions from its results (tested on hand-built ones)."""

from __future__ import annotations

import math

import numpy as np

from explainer.core import kinds
from explainer.core.analyses import saddle_point as sp
from explainer.core.optimize import METHODS
from explainer.core.prose import count, power_of_ten, sci

SURFACE_WORDS = {"saddle": "x² − y²", "monkey-saddle": "the monkey saddle"}


def minus(x: float, fmt: str = ",.0f") -> str:
    """A number with a typographic minus sign."""
    return f"{x:{fmt}}".replace("-", "−")


_SUPERSCRIPT = str.maketrans("0123456789−-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁻")


def power(base: str, exponent: float) -> str:
    """``base`` to a whole ``exponent`` in superscript digits, for text that no formula renderer
    reads (chart labels): 10⁻¹⁵⁰⁵."""
    return base + f"{exponent:.0f}".translate(_SUPERSCRIPT)


def tex_power(base: str, exponent: float) -> str:
    """``base`` to a whole ``exponent`` as inline TeX, for the page's prose: $10^{-1{,}505}$."""
    return f"${base}^{{{exponent:,.0f}}}$".replace(",", "{,}")


def offset(y0: float) -> str:
    """An offset as a reader wants it: 0, 10⁻¹², 0.001."""
    if y0 == 0:
        return "0"
    e = math.log10(abs(y0))
    return power_of_ten(round(e)) if abs(e - round(e)) < 1e-9 and e <= -4 else f"{y0:g}"


# ----- how rare is a minimum ----------------------------------------------------------------------


def _share(p: float) -> str:
    return f"{p:.4f}" if p >= 1e-3 else sci(p)


def probability_caption(res: sp.SaddleProbability) -> str:
    n, p, se = res.n, res.pd_fraction, res.stderr
    two = int(np.flatnonzero(n == 2)[0])
    rich = [i for i in range(len(n)) if res.hits[i] >= 100]
    i = rich[-1] if rich else two
    law_ratio = res.random_matrix[-1] / p[-1] if res.hits[-1] else float("nan")
    text = (
        f"Of {res.samples:,} random symmetric matrices (dots; bars: ±3 standard errors) the share that curves up in "
        f"every direction falls far faster than the coin flips' 0.5ⁿ: at n = {n[i]} it is {_share(p[i])} against "
        f"{_share(res.independent[i])}, {res.independent[i] / p[i]:,.0f} times rarer ({res.hits[i]:,} hits). For n = 2 "
        f"the Monte Carlo gives {p[two]:.4f} ± {se[two]:.4f}; the exact share is (2 − √2)/4 = {res.exact_2:.4f}."
    )
    if math.isfinite(law_ratio):
        text += (
            f" The green line is the large-n law exp(−θn²), θ = ln 3/4 (Dean & Majumdar 2006), to leading order only: "
            f"at n = {n[-1]} it lies {law_ratio:.0f} times above the measured share, but it bends down as the dots do, "
            "while the coin flips run straight."
        )
    return text


def big_n_caption(res: sp.SaddleProbability) -> str:
    big = res.settings.big_n
    logs = res.log10_all_positive
    gap = logs["independent"] - logs["random-matrix"]
    return (
        f"With {big:,} weights the article's coin flips give a minimum the chance {tex_power('0.5', big)} = "
        f"{tex_power('10', logs['independent'])}, so a saddle $1 - 0.5^{{{big}}}$, which is exactly "
        f"{res.article_p:.1f} in floating point: that is why this chart counts the decades of the minimum's chance "
        "instead. The random-matrix law (leading order) gives about "
        f"{tex_power('10', logs['random-matrix'])}, smaller by another {gap:,.0f} decades."
    )


# ----- two saddles side by side ---------------------------------------------------------------------


def _steps(n: int) -> str:
    return count(int(n), "step")


def run_sentence(run: sp.SaddleRun) -> str:
    """How one run near a saddle went: a clause to follow "From (1, y0),"."""
    near = f"it spent {_steps(run.near_steps)} within {sp.NEAR:g} of the saddle"
    if run.end == kinds.SADDLE_ESCAPED:
        passed = f", |y| passed 1 at step {run.pass_step:,}" if run.pass_step >= 0 else ""
        return f"its loss fell below {minus(sp.ESCAPE_LEVEL, 'g')} at step {run.escape_step:,}{passed}; {near}."
    if run.end == kinds.SADDLE_CAUGHT:
        return (
            f"it converged onto the saddle: at step {run.taken:,} it stopped {sci(run.last_distance)} from it with a "
            f"slope of {sci(run.last_grad)}."
        )
    if run.end == kinds.SADDLE_DIVERGED:
        return f"it blew up at step {run.taken:,} before it got away: a smaller step size keeps it on the ground."
    return (
        f"after {_steps(run.taken)} it was still {sci(run.last_distance)} from the saddle, creeping on with a slope "
        f"of {sci(run.last_grad)}; {near}."
    )


def _start(run: sp.SaddleRun) -> str:
    return f"({run.start[0]:g}, {offset(run.start[1])})"


def pair_verdict(res: sp.SaddlePair) -> str:
    """What the reader's optimiser did on both saddles, with the closed forms where they apply."""
    s = res.settings
    plain = s.method == "gd"
    saddle, monkey = res.runs["saddle"], res.runs["monkey-saddle"]
    line_s, line_m = res.on_line["saddle"], res.on_line["monkey-saddle"]
    how = f"{METHODS[s.method]}, step size {s.lr:g}"
    if s.y0 == 0:
        text = f"**x² − y²** ({how}), from exactly the stable line {_start(saddle)}: {run_sentence(saddle)}"
    else:
        text = f"**x² − y²** ({how}), from {_start(saddle)}: {run_sentence(saddle)}"
        if plain and saddle.pass_step >= 0:
            first = math.floor(res.pass_closed) + 1
            agree = "exactly that step" if first == saddle.pass_step else f"step {first:,}"
            text += (
                f" Each step multiplies y by 1 + 2·{s.lr:g} = {1 + 2 * s.lr:g}, so the closed form "
                f"ln(1/y0)/ln({1 + 2 * s.lr:g}) = {res.pass_closed:,.1f} puts the first step past |y| = 1 at {agree}."
            )
        text += f" From exactly the stable line (1, 0), {run_sentence(line_s)}"
    text += f"\n\n**The monkey saddle**, the same start {_start(monkey)}: {run_sentence(monkey)}"
    if plain and s.y0 and monkey.end != kinds.SADDLE_ESCAPED and math.isfinite(res.monkey_estimate):
        text += (
            f" Its curvature is zero, so y grows like a power of the step count, not exponentially: in continuous time "
            f"it needs about {res.monkey_estimate:,.0f} steps to get away (B(½, ⅙)/(9·lr·(3y0)^⅓))."
        )
    if s.y0:
        if line_m.end == monkey.end == kinds.SADDLE_LINGERING:
            away = sci(line_m.last_distance)
            text += f" From exactly the stable line it creeps in the same way ({away} away at the end)."
        else:
            text += f" From exactly the stable line (1, 0), {run_sentence(line_m)}"
    return text


def map_caption(run: sp.SaddleRun, other: sp.SaddleRun) -> str:
    """One saddle's two paths: how close each came and how it ended."""
    return (
        f"on {SURFACE_WORDS[run.surface]} the orange path from {_start(run)} comes within {sci(run.closest)} of the "
        f"saddle ({SADDLE_ENDS[run.end]}), the light blue one from {_start(other)} within {sci(other.closest)} "
        f"({SADDLE_ENDS[other.end]})"
    )


def maps_caption(res: sp.SaddlePair) -> str:
    one, two = (map_caption(res.runs[n], res.on_line[n]) for n in sp.PAIR_SURFACES)
    return f"{one[0].upper()}{one[1:]}; {two}."


SADDLE_ENDS = kinds.SADDLE_END_NAMES


def distance_caption(res: sp.SaddlePair) -> str:
    s, m = res.runs["saddle"], res.runs["monkey-saddle"]
    return (
        f"Time near the saddle: {_steps(s.near_steps)} within {sp.NEAR:g} on x² − y², {_steps(m.near_steps)} on the "
        f"monkey saddle (of {m.taken:,} taken). The strict saddle lets go exponentially fast once y has grown; the "
        "flat one only creeps."
    )


# ----- what sets the escape time ------------------------------------------------------------------


def _method_pair(res: sp.DownhillDirections, by: str, m: str) -> tuple[float, float]:
    steps = res.steps_by_k[m] if by == "k" else res.steps_by_curvature[m]
    return float(steps[0]), float(steps[-1])


def _others(res: sp.DownhillDirections, by: str) -> str:
    parts = []
    for m in res.settings.methods:
        if m == "gd":
            continue
        a, b = _method_pair(res, by, m)
        if math.isfinite(a) and math.isfinite(b):
            parts.append(f"{METHODS[m]} {a:.0f} and {b:.0f}")
    return "; ".join(parts)


def k_caption(res: sp.DownhillDirections) -> str:
    s = res.settings
    a, b = _method_pair(res, "k", "gd")
    if not (math.isfinite(a) and math.isfinite(b)):
        return "Half the runs or more had not escaped within their step budget: no median to show."
    others = _others(res, "k")
    return (
        f"Median over {s.starts} starts of norm {s.radius:g} in {s.d} dimensions, step size {s.lr:g}, escape = loss "
        f"below {minus(s.level, 'g')}: plain descent takes {a:.0f} steps with {res.k[0]} downhill direction and "
        f"{b:.0f} with {res.k[-1]}; the closed form (dashed) gives {res.closed_by_k[0]:.0f} and "
        f"{res.closed_by_k[-1]:.0f}. "
        "The number of directions enters only through the start's share of them, a logarithm."
        + (f" With noise {s.noise:g}: {others}." if others else "")
    )


def curvature_caption(res: sp.DownhillDirections) -> str:
    a, b = _method_pair(res, "c", "gd")
    if not (math.isfinite(a) and math.isfinite(b)):
        return "Half the runs or more had not escaped within their step budget: no median to show."
    c = res.curvature
    return (
        f"One downhill direction, curvature {c[0]:g} to {c[-1]:g}: plain descent needs {a:.0f} down to {b:.0f} steps "
        f"(closed form {res.closed_by_curvature[0]:.0f} to {res.closed_by_curvature[-1]:.0f}), about "
        "ln(R/r₀)/ln(1 + lr·|λ_min|): the steepest downhill curvature sets the time."
        + (f" With noise {res.settings.noise:g}: {_others(res, 'c')}." if _others(res, "c") else "")
    )


def race_caption(res: sp.SaddleRace) -> str:
    s, m, y = res.saddle_steps, res.monkey_steps, res.offsets
    ok = m > 0
    text = (
        f"Plain descent from (1, y0), step size {res.settings.lr:g}: x² − y² lets go after {s[0]:,} to {s[-1]:,} steps "
        f"as y0 shrinks from {offset(y[0])} to {offset(y[-1])}, exactly as ln(1/y0)/ln(1 + 2·lr) says (dashed)."
    )
    if ok.any():
        last = int(np.flatnonzero(ok)[-1])
        text += (
            f" The monkey saddle needs {m[0]:,} to {m[last]:,} steps, growing as y0 to the power "
            f"{minus(res.monkey_slope, '.2f')} (theory −1/3; dashed: the continuous-time estimate). A curved saddle "
            "holds a run for the logarithm of 1/y0, a flat one for a power of it."
        )
    if not ok.all():
        text += f" {count(int((~ok).sum()), 'monkey run')} had not got away after {res.settings.steps:,} steps."
    return text


# ----- a real network -----------------------------------------------------------------------------------


def stall_caption(res: sp.NetworkStall) -> str:
    s = res.settings
    head = (
        f"Full-batch descent (step size {s.lr:g}) on {s.samples} XOR points, a 2-{s.hidden}-1 tanh network "
        f"({res.n_params} weights) started from scikit-learn's own initial weights times {s.init_scale:g}"
    )
    if res.stall is None:
        return head + f": no stall; the loss fell from {res.losses[0]:.3f} to {res.losses[-1]:.3f} without resting."
    a, b = res.stall_epochs
    ev = res.eigenvalues
    text = (
        f"{head}: the loss sits at {res.stall.loss:.3f} from epoch {a} to {b} (shaded) while the slope falls to "
        f"{sci(res.stall.grad_norm)} at epoch {res.at_epoch}. There the Hessian has "
        f"{count(res.index, 'negative eigenvalue')} of {res.n_params} (the smallest {minus(ev[0], '.3g')}, the "
        f"largest {ev[-1]:.3g}), with the weights no larger than {sci(res.weight_size)}"
    )
    lam = -float(ev[0])
    if res.index and res.near_symmetric:
        per = math.log(10) / math.log1p(s.lr * lam)
        text += (
            f": a saddle near the point where every hidden unit is alike. The way down grows by 1 + {s.lr:g}·"
            f"{lam:.3g} per epoch, so each tenfold smaller start adds about {per:.0f} epochs to the stall."
        )
    elif res.index:
        text += f": a saddle, but a gentle one, curving down by {sci(lam)} against {ev[-1]:.3g} up."
    else:
        text += ": no direction leads down there."
    if res.escape_epoch >= 0:
        text += f" The loss is halfway down at epoch {res.escape_epoch} and ends at {res.losses[-1]:.3f}."
    else:
        text += f" It had not got halfway down when the {s.epochs} epochs ran out (loss {res.losses[-1]:.3f})."
    return text


def census_caption(res: sp.Census) -> str:
    m = len(res.loss)
    if m == 0:
        return f"None of the {res.tried} searches found a critical point."
    saddle = res.index > 0
    minima = ~saddle
    text = (
        f"{m} critical points of {len(res.settings.seeds)} networks of {res.n_params} weights "
        f"(2-{res.settings.hidden}-1 tanh, {res.settings.samples} XOR points each), found by Levenberg–Marquardt "
        f"on the gradient from {res.tried} starts; each has |gradient| below {sci(res.settings.grad_tol)} of its "
        "network's initial one "
        f"(largest {sci(float(res.grad_norm.max()))}). An eigenvalue counts as negative below −{sci(sp.INDEX_TOL)} "
        "of the spectrum's largest."
    )
    if minima.any():
        text += (
            f" The {count(int(minima.sum()), 'minimum', 'minima')} lie at losses {res.loss[minima].min():.3f} to "
            f"{res.loss[minima].max():.3f};"
        )
    if saddle.any():
        text += (
            f" the {count(int(saddle.sum()), 'saddle')} span {res.loss[saddle].min():.3f} to "
            f"{res.loss[saddle].max():.3f}, with up to {int(res.index.max())} downhill directions."
        )
    if math.isfinite(res.spearman):
        p = f"{res.spearman_p:.2g}" if res.spearman_p >= 1e-4 else sci(res.spearman_p)
        text += f" Spearman's ρ between loss and share of downhill directions: {res.spearman:.2f} (p = {p})."
    return text


# ----- prose around the charts ---------------------------------------------------------------------------


INTRO = (
    "The article's argument: with thousands of weights, a place where the gradient vanishes is almost never a "
    "minimum, because every one of its directions would have to curve up, and it guesses the odds as if each "
    "direction tossed a coin. Below: how rare a minimum really is, how long descent takes to leave a saddle and "
    "what decides it, and which critical points a real scikit-learn network has."
)

PAIR_INTRO = (
    "#### Two saddles side by side\n"
    "Both runs start at (1, y0): one unit along the line that leads straight into the saddle, y0 off it. On x² − y² "
    "the ground curves down across that line; on the monkey saddle x³ − 3xy² it is flat to second order."
)

DOWNHILL_INTRO = (
    "#### What sets the time to escape\n"
    "A saddle in 100 dimensions, f = ½ Σ λᵢ xᵢ², with k eigenvalues λ = −1 (downhill) and the rest +1, started at "
    "random 10⁻³ from its centre; plain, noisy and perturbed descent (Jin et al. 2017) side by side."
)

NETWORK_INTRO = (
    "#### A real network\n"
    "A small scikit-learn network started from tiny weights: its units begin alike, and training stalls where they "
    "are. Then every critical point of six such networks that a Newton-like search could find, with the share of "
    "directions that lead down from it."
)

READ_MORE = (
    "Read more: Dean & Majumdar, *Large deviations of extreme eigenvalues of random matrices* (PRL 2006); Dauphin "
    "et al., *Identifying and attacking the saddle point problem in high-dimensional non-convex optimization* "
    "(NeurIPS 2014); Lee et al., *Gradient descent converges to minimizers* (COLT 2016); Jin et al., *How to escape "
    "saddle points efficiently* (ICML 2017)."
)
