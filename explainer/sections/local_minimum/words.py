"""The local-minimum section's sentences: pure functions from its results (tested on hand-built ones)."""

from __future__ import annotations

import math

import numpy as np

from explainer.core import kinds
from explainer.core.analyses.local_minimum import (
    DoubleWellEscape,
    NetworkSeeds,
    NoisyPaths,
    SymmetricStart,
    ValleyView,
    WellsEscape,
)
from explainer.core.prose import power_of_ten, sci

INTRO = (
    "says that whether training gets out of a local minimum depends on how deep the valley is, and that a valley "
    "is as deep as the number of training samples it fits. A shallow valley suits only a few samples, so as "
    "training moves from one mini-batch to the next, the differences between batches shake it out; the valleys "
    "that can hold a model are deep ones. Below, that idea is put in a model where it is built in, then pressed "
    "on: what really decides escape, and does it happen in a real network?"
)

MODEL = (
    "**A model where every sample digs its own well.** One weight $w$ and $n = 40$ training samples. Each sample "
    "pulls $w$ towards its own centre through a robust loss, $\\ell_i(w) = \\log(1 + (w - c_i)^2 / s^2)$ with "
    "$s = 0.25$: $m$ samples sit at $c = -1$ and the other $40 - m$ at $c = +1$. Each group digs a valley, and the "
    "one at $-1$, which fits only $m$ samples, is the shallow one. Full-batch descent follows the average pull of "
    "all 40; a mini-batch of $b$ samples is drawn at random (without replacement) at every step, so its pull "
    "jitters around that average."
)

READ_MORE = (
    "Read more: Kramers (1940) for escape over a barrier driven by noise; Keskar et al., *On large-batch training*, "
    "ICLR 2017 (arXiv:1609.04836); Xie, Sato & Sugiyama, *A diffusion theory for deep learning dynamics*, "
    "ICLR 2021 (arXiv:2002.03495), where escape time grows exponentially with barrier × batch size / learning "
    "rate; Wu, Ma & E, NeurIPS 2018, on which minima SGD can stay in."
)


def samples(b: int, n: int) -> str:
    """ "batches of 4 samples", "single samples", "the full batch (all 40)"."""
    if b >= n:
        return f"the full batch (all {n})"
    return "single samples" if b == 1 else f"batches of {b} samples"


# ----- the reader's valley -------------------------------------------------------------------------


def valley_caption(view: ValleyView) -> str:
    s, v = view.settings, view.valleys
    if not view.has_valley:
        end = float(view.full.paths[-1, 0])
        return (
            f"With only {s.m} of {s.n} samples at −1 there is no shallow valley at all: the pull of the other "
            f"{s.n - s.m} wins everywhere between the two groups, and even full-batch descent started at −1 rolls "
            f"into the deep valley (w = {end:.3f} after {s.steps} steps). Depth is not proportional to the samples: "
            f"below {view.smallest_valley} samples a valley does not get shallower, it vanishes."
        )
    head = (
        f"With {s.m} of {s.n} samples at −1, the shallow valley's floor is at w = {v.shallow:.3f} and its rim at "
        f"{v.top:.3f}: a barrier of ΔL = {sci(v.barrier, 3)} (curvature {v.sharpness:.3g} at the floor). "
    )
    full = "Full-batch descent started on the floor never moves: there the average pull is exactly balanced."
    if view.is_full_batch:
        return head + full + f" Batches of all {s.n} samples are the full batch, so there is no noise to help."
    k = round(view.mini.fraction * s.runs)
    return (
        head
        + full
        + f" With {samples(s.batch, s.n)} and step size {s.lr:g}, {k} of {s.runs} runs ({view.mini.fraction:.0%}) "
        f"crossed the rim within {s.steps} steps; Kramers' law, with the batch noise measured along the climb, "
        f"predicts {view.kramers:.0%}."
    )


# ----- the grid: escape against batch size and depth -----------------------------------------------


def escape_caption(res: WellsEscape, shown: tuple[int, ...]) -> str:
    g, f = res.grid, res.escape_fraction
    b = g.batch_sizes
    small = int(np.argmax(f[0]))
    lrs = res.full_batch
    full = (
        f"the full batch ({b[-1]}) freed none, at any depth and at every step size tried "
        f"({g.lrs[0]:g} to {g.lrs[-1]:g})"
        if lrs.max() == 0
        else f"even the full batch freed up to {lrs.max():.0%}"
    )
    return (
        f"Each point: {g.runs} runs from the floor of the shallow valley, {g.steps} steps of size {res.settings.lr:g}. "
        f"Escape falls with batch size and with depth: {samples(b[small], g.n)} freed {f[0, small]:.0%} of runs from "
        f"the shallowest valley ({g.valley_samples[0]} samples, ΔL {sci(res.barrier[0])}) and {f[-1, small]:.0%} "
        f"from the deepest ({g.valley_samples[-1]} samples, ΔL {sci(res.barrier[-1])}); {full}. "
        f"Lines for {len(shown)} of the {len(g.valley_samples)} valley sizes measured."
    )


def sets_caption(res: WellsEscape) -> str:
    r2 = res.collapse
    settings = res.mini.size
    best = res.best_measure
    return (
        f"Each point is one of {settings} mini-batch settings ({len(res.grid.valley_samples)} valley sizes × "
        f"{res.mini.shape[1]} batch sizes × {len(res.grid.lrs)} step sizes). Against depth alone the shares "
        f"scatter: one decreasing curve of ΔL explains {r2[kinds.MEASURE_BARRIER]:.0%} of their spread. Against "
        f"ΔL × b / lr they line up ({r2[kinds.MEASURE_XIE]:.0%}), as Xie, Sato & Sugiyama's escape law has it, and "
        f"against Φ, the barrier weighed against the batch noise all along the climb, they line up best "
        f"({r2[kinds.MEASURE_NOISE_PATH]:.0%}{'' if best == kinds.MEASURE_NOISE_PATH else ', not the best here'}). "
        f"Kramers' law built on Φ predicts every share to within {res.kramers_error:.2f} on average, with no "
        f"parameter fitted."
    )


def sets_note(res: WellsEscape) -> str:
    """Why those numbers: the temperature of the noise."""
    return (
        "Why a combination: a mini-batch step is the full-batch step plus noise, and noise of standard deviation "
        "$\\sigma_b$ at step size $\\eta$ acts like heat at temperature $\\eta\\sigma_b^2/2$. Escape over a barrier "
        "$\\Delta L$ then takes a time that grows like $e^{2\\Delta L/(\\eta\\sigma_b^2)}$. A batch of $b$ samples "
        "has $\\sigma_b^2 \\approx \\sigma_1^2 / b$, one sample's gradient variance shared among $b$, so the "
        "exponent is $2\\Delta L \\cdot b / (\\eta\\sigma_1^2)$: barrier × batch size / step size, the combination "
        "of Xie, Sato & Sugiyama. $\\Phi$ refines it by following the noise as it changes on the way up. Depth is one "
        "factor; batch size, step size and how much the samples disagree are the others. The disagreement is large "
        "here: one sample's gradient varies by "
        f"{res.grid.noise[0, 0]:.2f} (standard deviation) at the shallowest floor and {res.grid.noise[-1, 0]:.2f} at "
        "the deepest. Sharpness matters far less: it enters Kramers' rate only through the factor "
        "$\\sqrt{k_{floor}\\,|k_{rim}|}/2\\pi$, which changes "
        f"{res.prefactor.max() / res.prefactor.min():.1f}-fold across these valleys, while $e^{{-\\Phi}}$ spans "
        f"{_decades(res)} powers of ten."
    )


def _decades(res: WellsEscape) -> str:
    phi = res.measure(kinds.MEASURE_NOISE_PATH)
    return f"{(phi.max() - phi.min()) / math.log(10):.0f}"


# ----- the tilted double well ------------------------------------------------------------------------

DOUBLE_WELL = (
    "The same story on a map from the earlier sections, the tilted double well "
    "$x^4/4 - x^3/6 - x^2/2 + x/2 + y^2$, with noise added to every gradient in place of batches (the stand-in "
    "for mini-batch noise used across this explainer). The 200 runs per noise level are drawn the same way for "
    "every page seed, as an ensemble; the three paths drawn follow your seed."
)


def double_well_caption(res: DoubleWellEscape, drawn: NoisyPaths) -> str:
    s, chosen = res.settings, drawn.settings.noise
    i = list(s.noises).index(chosen)
    noisy = [j for j, sigma in enumerate(s.noises) if sigma > 0]
    ladder = ", ".join(f"{res.escaped[j]:.0%} at noise {s.noises[j]:g}" for j in noisy)
    text = ""
    if 0.0 in s.noises:
        k = list(s.noises).index(0.0)
        text = (
            f"Plain descent (noise 0) started in the shallow valley at x = {res.minimum_x:g} stays there: "
            f"{res.escaped[k]:.0%} of {s.runs} runs left it in {s.steps:,} steps. "
        )
    text += (
        f"The barrier is only ΔL = {res.barrier:.4f} (7/192) from this side, yet the share of noisy runs that cross "
        f"the saddle at x = {res.saddle_x:g} climbs steeply with the noise, at step size {s.lr:g}: {ladder}. "
    )
    if chosen > 0:
        text += f"Kramers' law, exp(−2ΔL / (lr σ²)), predicts {res.kramers[i]:.0%} for noise {chosen:g}"
        if res.first_escape[i] >= 0:
            text += f"; half the runs were over by step {res.first_escape[i]:,}"
        text += "."
    crossed = [
        f"run {r + 1} at step {step:,}" + ("" if drawn.x[r, -1] < drawn.saddle_x else " (and it came back)")
        for r, step in enumerate(drawn.first_escape)
        if step >= 0
    ]
    runs = len(drawn.first_escape)
    if crossed:
        text += f" Of the {runs} runs drawn above (your seed), {', '.join(crossed)} crossed."
    else:
        text += f" None of the {runs} runs drawn above (your seed) crossed."
    return text


# ----- the real network -------------------------------------------------------------------------------


def _share(k: int, n: int, interval: tuple[float, float]) -> str:
    return f"{k / n:.0%} ({interval[0]:.0%}–{interval[1]:.0%})"


def _compare(mini: tuple[int, tuple], full: tuple[int, tuple]) -> str:
    """How a mini-batch share stands against the full batch's, from their 95% intervals."""
    (_, (mlo, mhi)), (_, (flo, fhi)) = mini, full
    if mhi < flo:
        return "fewer"
    if mlo > fhi:
        return "more"
    return "about as many"


def network_intro(res: NetworkSeeds) -> str:
    s = res.settings
    return (
        f"Does the same hold in a real network? A small scikit-learn `MLPClassifier`, 2 inputs, "
        f"{s.hidden[0]} tanh units and one output, learns XOR from {s.n} points with plain SGD (no momentum, step "
        f"size {s.lr:g}), once for each of {s.runs} seeds (scikit-learn's `random_state` {s.first_seed} to "
        f"{s.first_seed + s.runs - 1}: they fix the start and the order of the batches, and the same {s.runs} seeds "
        "are used whatever the page's seed). Each seed trains with the full batch and with mini-batches. An epoch of "
        "mini-batches takes many steps where the full batch takes one, so the full batch is compared twice: after "
        "as many epochs, and after as many steps."
    )


def network_caption(res: NetworkSeeds) -> str:
    s, n = res.settings, res.runs
    b, spe = res.batch_sizes, res.steps_per_epoch
    minis = []
    for j in range(len(b) - 1):
        k = int(res.bad_final[j])
        minis.append(f"{_share(k, n, res.interval(k))} with batches of {b[j]}")
    full_k = int(res.bad_final[-1])
    head = (
        f"{n} seeds of a 2-{'-'.join(str(h) for h in s.hidden)}-1 tanh network on {s.n} XOR points, step size "
        f"{s.lr:g}; a run ends bad above loss {s.bad_loss:g}. After {s.epochs} epochs, "
        f"{' and '.join(minis)} end bad, against {_share(full_k, n, res.interval(full_k))} of full-batch runs, "
        f"which by then have taken only {s.epochs} steps (95% intervals)."
    )
    verdicts, matched = [], []
    for j in range(len(b) - 1):
        k_mini, k_full = int(res.bad_final[j]), int(res.bad_matched[j])
        verdicts.append(_compare((k_mini, res.interval(k_mini)), (k_full, res.interval(k_full))))
        matched.append(
            f"{_share(k_full, n, res.interval(k_full))} after {s.epochs * spe[j]:,} steps (as many as batches of "
            f"{b[j]} took)"
        )
    same = ", ".join(f"{a:.0%}" for a in res.agreement)
    if all(v == "about as many" for v in verdicts):
        finding = "No fewer runs end bad with mini-batches once both have taken as many steps"
    elif all(v == "fewer" for v in verdicts):
        finding = "Mini-batches end bad less often even at the same number of steps"
    else:
        finding = "Given as many steps, mini-batches do not end bad less often"
    return (
        f"{head} Given as many steps, the full batch ends bad in {' and in '.join(matched)}. {finding}: here "
        f"mini-batches make each epoch go further, not more runs reach the good fit. The seed decides: {same} of "
        f"seeds land on the same side of {s.bad_loss:g} with either."
    )


def losses_caption(res: NetworkSeeds) -> str:
    s = res.settings
    good, bad = res.good_loss, res.bad_group_loss
    text = f"Every seed's final training loss. Runs that went the distance fall in two groups, around {good:.2f}"
    if math.isfinite(bad):
        text += f" (XOR fitted) and around {bad:.2f} (part of the plane left wrong)"
    return (
        text
        + f"; the line at {s.bad_loss:g} splits them. Full-batch runs stopped after {s.epochs} epochs are simply not "
        "there yet."
    )


# ----- the symmetric start ------------------------------------------------------------------------------


def _power(x: float) -> str:
    """10⁻³ for a power of ten, otherwise the number as :func:`sci` spells it."""
    exponent = round(math.log10(x)) if x > 0 else 0
    return power_of_ten(exponent) if x > 0 and math.isclose(x, 10.0**exponent) else sci(x)


def symmetric_caption(res: SymmetricStart) -> str:
    s = res.settings
    names = ["the full batch" if b >= s.net.n else f"batches of {b}" for b in res.batch_sizes]
    zero = res.sample_grad_zero
    stuck = "exactly 0" if zero == 0 else f"only {sci(zero)}"
    hidden = (
        "the hidden weights stay exactly 0"
        if max(res.zero_hidden) == 0
        else f"the hidden weights reach only {sci(max(res.zero_hidden))}"
    )
    gaps = " and ".join(f"{'0' if g == 0 else sci(g)} with {name}" for g, name in zip(res.zero_gap, names, strict=True))
    escaped = []
    for j, name in enumerate(names):
        k = round(res.escaped[j] * s.kicks)
        epoch = res.escape_epoch(j)
        when = f", half of them by epoch {epoch:,.0f}" if math.isfinite(epoch) else ""
        escaped.append(f"{k} of {s.kicks} with {name}{when}")
    return (
        f"With every weight zero, all {s.net.hidden[0]} hidden units compute tanh(0) = 0, and every single sample's "
        f"gradient for every weight but the output bias is {stuck}: any batch of such gradients averages to 0. "
        f"With {names[0]} or {names[1]}, {hidden}; only the output bias moves, and the loss stays at the labels' "
        f"entropy, {res.entropy:.3f} (it ends {gaps}, where the bias jitters from batch to batch). A random kick "
        f"of size {_power(s.kick)} breaks the tie: kicked runs ended below loss {s.escape_loss:g}, "
        f"{' and '.join(escaped)}."
    )


SYMMETRIC_NOTE = (
    "Mini-batch noise is the spread of the samples' gradients. Where every sample's gradient is zero, as at this "
    "symmetric point, there is no spread and so no noise, whatever the batch size. Escaping takes something else: "
    "a random start, which is why networks are never started at zero (scikit-learn draws each weight uniformly "
    "within ±√(6 / (fan-in + fan-out)))."
)
