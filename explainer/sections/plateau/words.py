"""The plateau section's sentences: pure functions from its results (tested on hand-built ones)."""

from __future__ import annotations

import math

import numpy as np

from explainer.core.analyses.plateau import ACTIVATION_LABELS, EscapeGrid, FailedRun, ProductView, StopRun, XorFailures
from explainer.core.optimize import METHODS
from explainer.core.prose import listing, sci

INTRO = (
    "calls a plateau a place where the gradient is close to zero in every direction, so the updates crawl, and "
    "where the loss stays large; a wide, very flat one is a real threat to training. Below, a model small enough to "
    "solve by hand shows why such a plateau is high and flat and what sets its length; then a real scikit-learn "
    "network gets stuck on one, and scikit-learn's own stopping rule gives up on another."
)

MODEL = (
    "**The product model.** A chain of $D$ weights whose product should be 1: "
    "$L(w) = \\tfrac12 (1 - w_1 w_2 \\cdots w_D)^2$ (Saxe, McClelland & Ganguli 2014 use it for deep linear "
    "networks). Every weight starts at the same small $u_0$, as a network starts with small random weights. Then "
    "the output $w_1 \\cdots w_D = u_0^D$ is almost 0, and the loss is almost ½, the loss of predicting 0. Each "
    "weight's gradient is the error times the product of the *other* weights, about $u_0^{D-1}$: tiny. So the "
    "start sits near the origin, a saddle of the loss, where the ground is nearly flat but not quite; descent "
    "creeps away from it, slowly at first, then falls off the edge all at once. By symmetry all weights stay "
    "equal, and the flow $du/dt = \\eta\\,(1 - u^D)\\,u^{D-1}$ gives the time in closed form: with $D = 2$ it "
    "grows like $\\ln(1/u_0)/\\eta$ (each decade smaller adds $\\ln 10/\\eta$ steps), with $D = 3$ like "
    "$1/(\\eta u_0)$ (each decade multiplies it by ten)."
)

NETWORK = (
    "**A real network on a plateau.** The classic test: XOR on its four points, learnt by scikit-learn's "
    '`MLPClassifier` with one hidden layer, `solver="lbfgs"`, no weight penalty (`alpha=0`) and up to 2,000 '
    "iterations, for 50 seeds (`random_state`) per setting. A run *fails* if it gets any of the four points wrong. "
    "Small networks fail often and L-BFGS reports success: its gradient test says it has converged. But look at "
    "where they stop. With no penalty, a network can push its hidden units into saturation, outputs pinned at 0 "
    "or 1, where their slope, and with it the gradient, vanishes. If two inputs with different labels get the same "
    "pinned code, the best the output can do is ½ for both, and the loss creeps towards a fixed value as the "
    "weights grow without end: a plateau at infinity, not a valley. (One hidden unit cannot represent XOR at all, "
    "so the sweep starts at two.)"
)

STOPPING = (
    "**Stopping too early.** scikit-learn's `sgd` and `adam` solvers stop on their own when the training loss has "
    "not improved by at least `tol` (default 10⁻⁴) for more than `n_iter_no_change` (default 10) epochs in a row. "
    "On a plateau that is exactly what happens, long before training is done. Below, a 2-2-1 logistic network "
    'on XOR, plain full-batch gradient descent (`solver="sgd"`, `momentum=0`, step size 0.5, `alpha=0`), trained '
    "3,000 epochs with the rule switched off; the rule at its defaults is then replayed on that run's loss curve."
)

ESCAPE = (
    "**How to get off a plateau.** Start further from the saddle (a larger $u_0$; the reason for scikit-learn's "
    "scaled random starts), carry speed across the plateau (momentum adds up the small, steady gradient; Adam "
    "divides it by its own size, so a tiny slope still gives a full-sized step), give the network more hidden "
    "units (fewer seeds saturate into a plateau), and do not stop just because the loss has been flat for a while."
)

READ_MORE = (
    "Read more: Saxe, McClelland & Ganguli, *Exact solutions to the nonlinear dynamics of learning in deep linear "
    "neural networks*, ICLR 2014 (arXiv:1312.6120); Fukumizu & Amari, *Local minima and plateaus in hierarchical "
    "structures of multilayer perceptrons*, Neural Networks 2000; Hamey, *XOR has no local minima*, 1998; "
    "Sprinkhuizen-Kuyper & Boers, *The error surface of the 2-2-1 XOR network*, 1996."
)


#: "Tiny" gradient at the start: below this share of the run's steepest.
GRAD_SMALL = 0.1


def depth_words(depth: int) -> str:
    return "one weight" if depth == 1 else f"{depth} weights"


def method_words(method: str) -> str:
    return {"gd": "plain gradient descent", "momentum": "momentum 0.9", "adam": "Adam"}.get(method, METHODS[method])


# ----- part 1: the product model -------------------------------------------------------------------------


def product_caption(view: ProductView) -> str:
    s = view.settings
    head = (
        f"{depth_words(s.depth).capitalize()} started at u0 = {sci(s.u0)}, {method_words(s.method)}, step size "
        f"{s.lr:g}: the loss starts at {view.start_loss:.4f}. "
    )
    if view.diverged:
        return (
            head + f"The run blew up after {view.total:,} steps: this step size is too large here; try a smaller one."
        )
    p = view.plateau
    if p is None:
        if view.start_grad < GRAD_SMALL * view.max_grad:
            flat = (
                f"There is no plateau, although the gradient at the start is tiny ({sci(view.start_grad)}, "
                f"against {sci(view.max_grad)} at its steepest): {method_words(s.method)} moves on regardless. "
            )
        else:
            flat = (
                f"There is no plateau: the gradient is not small at this start ({sci(view.start_grad)}, "
                f"against {sci(view.max_grad)} at its steepest), and the loss falls at once. "
            )
    else:
        flat = (
            f"It stays at {p.loss:.4f} for {p.length:,} steps (shaded, steps {p.start:,}–{p.last:,}), falling only "
            f"{sci(max(p.drop, 0.0))}, "
        )
        if view.escape is None and p.end == view.total + 1:
            flat += f"the gradient never above {sci(view.plateau_grad)}: the whole run is this flat. "
        else:
            flat += f"while the gradient is at most {sci(view.plateau_grad)}, "
            flat += f"against {sci(view.max_grad)} at its steepest. "
        others = len(view.plateaus) - 1
        if others > 0:
            flat += f"({others} shorter {'plateau' if others == 1 else 'plateaus'} also shaded.) "
    if view.escape is None:
        return (
            head
            + flat
            + f"After {view.total:,} steps the loss is still above {s.target:g}: the run is still on the plateau "
            "(censored, not finished)."
        )
    end = f"It gets below {s.target:g} at step {view.escape:,}"
    if s.method == "gd":
        end += f"; the gradient flow predicts {view.theory:,.0f}."
    else:
        end += f"; plain descent would need about {view.theory:,.0f} (gradient flow)."
    return head + flat + end


def _steps(v: int) -> str:
    return "more than the cap" if v < 0 else f"{v:,}"


def escape_caption(grid: EscapeGrid, depth: int, u0: float, method: str) -> str:
    s = grid.settings
    rows = list(s.depths)
    gd = grid.steps["gd"]
    parts = []
    for d in (2, 3):
        if d not in rows:
            continue
        row = gd[rows.index(d)]
        j0, j1 = 0, len(s.u0s) - 1
        if row[j0] < 0 or row[j1] < 0:
            parts.append(f"with {depth_words(d)} some runs were still on the plateau at {s.cap:,} steps")
            continue
        decades = math.log10(s.u0s[j0] / s.u0s[j1])
        if d == 2:
            per = (row[j1] - row[j0]) / decades
            parts.append(
                f"with two weights each decade smaller adds about {per:.0f} steps (ln 10 / lr = "
                f"{math.log(10) / s.lr:.0f})"
            )
        else:
            ratio = (row[j1] / row[j0]) ** (1 / decades)
            parts.append(f"with three each decade multiplies them by about {ratio:.1f} (theory: 10)")
    head = (
        f"Step size {s.lr:g}, from u0 = {sci(s.u0s[0])} to {sci(s.u0s[-1])}. For plain descent (circles, dotted "
        f"grey: the gradient flow), {listing(parts)}. "
    )
    i, j = rows.index(depth), s.u0s.index(u0)
    cmp = "; ".join(f"{method_words(m)}: {_steps(int(grid.steps[m][i, j]))}" for m in s.methods)
    text = head + f"Steps from your start ({depth_words(depth)}, u0 = {sci(u0)}, ring): {cmp}."
    if "momentum" in s.methods and "adam" in s.methods and "gd" in s.methods:
        last = len(rows) - 1
        g, m, a = (int(grid.steps[k][last, -1]) for k in ("gd", "momentum", "adam"))
        if g > 0 and m > 0 and a > 0:
            text += (
                f" With {depth_words(rows[last])} from u0 = {sci(s.u0s[-1])}, momentum (which adds up the small, "
                f"steady gradient) is {g / m:.0f} times faster than plain descent, and Adam (which divides the "
                f"gradient by its own size) {g / a:,.0f} times."
            )
    cens = sum(int((grid.steps[m] < 0).sum()) for m in s.methods)
    if cens:
        text += f" Hollow marks: {cens} runs still on the plateau after {s.cap:,} steps (censored)."
    return text


# ----- part 2: XOR ---------------------------------------------------------------------------------------


def failures_caption(res: XorFailures) -> str:
    s = res.settings
    w = s.widths
    rates = [
        f"{ACTIVATION_LABELS[a]} {res.rate(a)[0]:.0%} with {w[0]} hidden units and {res.rate(a)[-1]:.0%} with {w[-1]}"
        for a in s.activations
    ]
    capped = int((res.status != 0).sum())
    if capped == 0:
        stops = "every one stopped on L-BFGS's own convergence test"
    else:
        stops = f"{capped} of {res.status.size} hit the iteration or evaluation cap instead of L-BFGS's own test"
    falls = [a for a in s.activations if res.rate(a)[0] > res.rate(a)[-1]]
    if len(falls) == len(s.activations):
        trend = "Failures fall with width"
    elif falls:
        rest = [ACTIVATION_LABELS[a] for a in s.activations if a not in falls]
        trend = (
            f"Failures fall with width for {listing([ACTIVATION_LABELS[a] for a in falls])}, not for {listing(rest)}"
        )
    else:
        trend = "Failures do not fall with width"
    return (
        f"Each point: {s.runs} seeds (random_state {s.seeds.start}–{s.seeds.stop - 1}), L-BFGS with alpha 0 and up "
        f"to {s.max_iter:,} iterations (the most any run took was {int(res.n_iter.max())}: {stops}). "
        f"{trend}: {listing(rates)}. Bars: 95% Wilson intervals."
    )


def _code(row) -> str:
    return "(" + ", ".join(f"{v:.2f}" for v in row) + ")"


INPUT_NAMES = ("(0, 0)", "(0, 1)", "(1, 0)", "(1, 1)")


def lumped_groups(run: FailedRun) -> list[list[int]]:
    """Inputs whose hidden codes are the same to two decimals, in groups of two or more."""
    codes = [tuple(np.round(row, 2)) for row in run.a]
    groups: dict = {}
    for i, c in enumerate(codes):
        groups.setdefault(c, []).append(i)
    return [g for g in groups.values() if len(g) > 1]


def failed_caption(run: FailedRun) -> str:
    s = run.settings
    act = ACTIVATION_LABELS[s.activation]
    if run.random_state is None:
        return (
            f"None of the {s.runs} seeds of a network with {s.width} {act} hidden units failed on XOR: there is no "
            "failed run to show. Pick fewer hidden units."
        )
    k, total = int(run.pinned.sum()), run.pinned.size
    head = (
        f"Seed {run.random_state}, {s.width} {act} hidden units: after {run.n_iter} iterations L-BFGS stopped, its "
        f"gradient down to {sci(run.grad_norm)}, at loss {run.loss:.5f}, "
    )
    gap = abs(run.loss - run.lumped)
    head += f"within {sci(max(gap, 1e-12))} of {run.lumped:.5f}, a loss reached only with infinite weights. "
    pins = (
        f"{k} of its {total} hidden responses are pinned (slope below 1% of the steepest), its largest weight is "
        f"{run.max_weight:.0f}"
    )
    groups = lumped_groups(run)
    if groups:
        said = []
        for g in groups:
            ins = listing([INPUT_NAMES[i] for i in g])
            ps = ", ".join(f"{run.p[i]:.2f}" for i in g)
            said.append(
                f"{ins} get the same code {_code(run.a[g[0]])}, so the output can only give them one probability ({ps})"
            )
        pins += "; " + "; ".join(said)
    wrong = [INPUT_NAMES[i] for i in range(4) if run.predicted[i] != [0, 1, 1, 0][i]]
    return head + pins + f". Wrong: {listing(wrong)}."


def lbfgs_caption(run: FailedRun) -> str:
    if run.random_state is None:
        return "No failed run."
    first = int(np.argmax(run.losses < run.losses[0] - 0.5 * (run.losses[0] - run.loss)))
    return (
        f"The loss after each L-BFGS iteration ({run.n_iter} in all, read from scipy's L-BFGS-B as scikit-learn "
        f"runs it: the same as refitting with max_iter = 1, 2, …; 0 is its starting weights): from "
        f"{run.losses[0]:.3f} it is halfway down by iteration {first} and then flattens onto {run.loss:.4f}, just "
        f"above the limit {run.lumped:.4f} (dashed), where L-BFGS's convergence test stops it."
    )


# ----- part 3: scikit-learn's stopping rule ----------------------------------------------------------------


def stop_caption(res: StopRun) -> str:
    s = res.settings
    rule = f"scikit-learn's default rule (tol = {s.tol:g}, n_iter_no_change = {s.n_iter_no_change})"
    if res.replica_stop is None:
        head = f"{rule} would not have stopped this run within {s.epochs:,} epochs"
    else:
        head = f"By {rule}, this run would have stopped at epoch {res.replica_stop:,} with loss {res.stop_loss:.4f}"
        p = res.stop_plateau
        if p is not None:
            head += f", on the plateau (shaded, epochs {p.start + 1:,}–{p.end:,}, where the loss sits at {p.loss:.4f})"
    later = [q for q in res.plateaus if q is not res.stop_plateau]
    if later:
        head += "; " + "; ".join(
            f"{'another plateau' if res.stop_plateau else 'a plateau'} at {q.loss:.4f} over epochs {q.start + 1:,}–"
            f"{q.end:,}{'' if q.left else ', still on it at the end'}"
            for q in later
        )
    same = (
        ""
        if res.replica_stop is None
        else " (the rule replayed on this curve; a real MLPClassifier with those defaults stops at the same epoch, "
        "as the tests check at seeds 0–4)"
    )
    return (
        head + same + f". Trained on, the run reached loss {res.final_loss:.4f} by epoch {s.epochs:,} (seed {s.seed})."
    )
