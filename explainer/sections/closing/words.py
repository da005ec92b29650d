"""The closing table's sentences: for every claim a short name, one line of its evidence, and what
a reader should take away for each verdict it can get. Pure functions of the claims' evidence, so
the table and its lessons change when a verdict does (tested with hand-made evidence)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from explainer.core.claims import CONFIRMED, CONTRADICTED, NOT_JUDGED, REFINED, ClaimResult
from explainer.core.prose import count, sci

#: How each verdict reads in the table and in the lessons, in the order the lessons list them.
GROUPS = {
    CONFIRMED: "Holds as the article says",
    REFINED: "Right in direction; the computation corrects it",
    CONTRADICTED: "Does not hold",
    NOT_JUDGED: "Could not be judged at these settings",
}


def _pct(x) -> str:
    return "—" if x is None else f"{100 * x:.0f}%"


def _fixed(x) -> str:
    return "—" if x is None else f"{x:.3f}"


def _num(x, digits: int = 2) -> str:
    return "—" if x is None else sci(float(x), digits).replace("-", "−")


# ----- one line of evidence per claim --------------------------------------------------------------


def _best_fit(e: dict) -> str:
    n = len(e["end_kind"])
    return (
        f"{_pct(e['share_not_global'])} of {n:,} runs from a grid of starts came to rest away from the global minimum."
    )


def _every_cut(e: dict) -> str:
    head = (
        f"Downhill one-weight cuts: {e['axis_downhill_early']:,} of {e['n_params']:,} at epoch {e['early_epoch']}, "
        f"{e['axis_downhill_end']:,} at the end"
    )
    if e.get("min_eigenvalue") is None:
        return head + "."
    return f"{head}; smallest Hessian eigenvalue there {_num(e['min_eigenvalue'])}."


def _vanishing(e: dict) -> str:
    ends, slowed = e["ends"], e["slowed"]
    return (
        f"{e['n']:,} runs: {ends.get('global-minimum', 0):,} reached the global minimum and "
        f"{ends.get('local-minimum', 0):,} a local one; {count(slowed.get('saddle', 0), 'run')} slowed at a saddle "
        f"and {slowed.get('plateau', 0):,} on a plateau before going on."
    )


def _escape(e: dict) -> str:
    fractions = e["escape_fraction"]  # [valley][batch size], the full batch last
    full = max(row[-1] for row in fractions)
    return (
        f"Batches of {e['batch_sizes'][0]}: {_pct(fractions[0][0])} left the shallowest valley; "
        f"full batch: {_pct(full)} left any."
    )


def _depth(e: dict) -> str:
    c = e["collapse"]
    return (
        f"Depth alone explains {_pct(c['barrier'])} of the spread in escape; the barrier against the noise "
        f"{_pct(c['noise-path'])}."
    )


def _probability(e: dict) -> str:
    two = e["n"].index(2)
    logs = e[f"log10_p_all_positive_{e['big_n']}"]
    return (
        f"{100 * e['pd_fraction'][two]:.1f}% of random 2×2 matrices are minima (coin flips: 25%); at "
        f"{e['big_n']:,} weights log₁₀ P(minimum) ≈ {_num(logs['random-matrix'], 3)}, "
        f"not {_num(logs['independent'], 4)}."
    )


def _downhill(e: dict) -> str:
    k, by_k, c, by_c = e["k"], e["steps_by_k"], e["curvature"], e["steps_by_curvature"]
    return (
        f"{k[0]} → {k[-1]} downhill directions: {by_k[0]:.0f} → {by_k[-1]:.0f} steps; a {c[-1] / c[0]:.0f}× steeper "
        f"one: {by_c[0]:.0f} → {by_c[-1]:.0f} steps."
    )


def _stall(e: dict) -> str:
    n, minima = len(e["loss"]), e["minima"]
    return (
        f"{count(n, 'critical point')} of {count(len(e['seeds']), 'network')}: {n - minima:,} saddles, "
        f"{minima:,} minima; rank correlation of loss and downhill share {e['spearman']:.2f}."
    )


def _plateau_slow(e: dict) -> str:
    return (
        f"Loss {e['plateau_loss']:.2f} while it crawls; steps to escape at u₀ = {_num(e['init_scale'][0])} and "
        f"{_num(e['init_scale'][-1])}: {_steps(e['steps_depth2'][0])} → {_steps(e['steps_depth2'][-1])} (depth 2), "
        f"{_steps(e['steps_depth3'][0])} → {_steps(e['steps_depth3'][-1])} (depth 3)."
    )


def _steps(x) -> str:
    return "not within the budget" if x is None else f"{x:,.0f}"


def _small_nets(e: dict) -> str:
    units, rates = e["hidden_units"], e["failure_rate"]["logistic"]
    return (
        f"Logistic networks failing on XOR: {_pct(rates[0])} with {count(units[0], 'hidden unit')}, "
        f"{_pct(rates[-1])} with {units[-1]}."
    )


def _overfits(e: dict) -> str:
    return (
        f"Test error (MSE) {_fixed(e['test_early'])} when stopped early, {_fixed(e['test_late'])} at the training "
        "minimum; random "
        f"labels: {_pct(e['train_acc_random'])} train, {_pct(e['test_acc_random'])} test accuracy."
    )


#: Per claim id: its short name in the table, and one line of its evidence.
LINES: dict[str, tuple[str, Callable[[dict], str]]] = {
    "small-gradient-best-fit": ("Where the gradient vanishes, the fit is best", _best_fit),
    "every-cut-flat": ("At the global minimum every one-weight cut is flat", _every_cut),
    "vanishing-gradient-places": ("Minima, saddles and plateaus all stop the gradient", _vanishing),
    "minibatch-escape": ("Mini-batch noise carries training out of shallow valleys", _escape),
    "depth-vs-samples": ("A valley's depth, set by the samples it fits, decides escape", _depth),
    "saddle-probability": ("With 5,000 weights a stall is a saddle with P = 1 − 0.5⁵⁰⁰⁰", _probability),
    "downhill-directions": ("More downhill directions make a saddle easier to leave", _downhill),
    "stall-is-saddle": ("Where training crawls in high dimensions, it is at a saddle", _stall),
    "plateau-slow": ("Plateaus are flat, slow and high", _plateau_slow),
    "plateau-traps-small-nets": ("Small sigmoid networks get stuck on XOR", _small_nets),
    "global-minimum-overfits": ("The global minimum may overfit; a local one may generalise better", _overfits),
}

# ----- what to take away, per claim and verdict ------------------------------------------------------

#: Per claim id and verdict: the lesson in one sentence.
LESSONS: dict[str, dict[str, str]] = {
    "small-gradient-best-fit": {
        CONFIRMED: "Descent stops where the gradient vanishes, and here that was always the best fit.",
        REFINED: "A vanishing gradient marks a resting place, not the best one: where descent starts decides "
        "where it stops.",
        CONTRADICTED: "Descent did not settle where the gradient vanishes.",
    },
    "every-cut-flat": {
        CONFIRMED: "At the end of training every cut is flat and the point is a true minimum.",
        REFINED: "Cuts along single weights flatten out as training ends, but flat cuts do not make a minimum: a "
        "direction that mixes many weights can still lead down.",
        CONTRADICTED: "At the end of training many cuts still lead downhill.",
    },
    "vanishing-gradient-places": {
        CONFIRMED: "Minima, saddles and plateaus all have a vanishing gradient, and descent slows or stops at each.",
        REFINED: "The gradient vanishes at every kind of trap, but not every kind held descent up.",
        CONTRADICTED: "Descent went past these places without slowing down.",
    },
    "minibatch-escape": {
        CONFIRMED: "The noise of small mini-batches carries training out of shallow valleys that hold the full "
        "gradient.",
        REFINED: "Mini-batch noise helps out of some shallow valleys, but less than the article suggests.",
        CONTRADICTED: "Mini-batch noise did not carry training out of shallow valleys.",
    },
    "depth-vs-samples": {
        CONFIRMED: "Valleys that fit more samples are deeper and hold training longer.",
        REFINED: "Escape is set by the barrier weighed against the noise (batch size and step size), not by depth "
        "alone.",
        CONTRADICTED: "A valley's depth did not decide whether training left it.",
    },
    "saddle-probability": {
        CONFIRMED: "A random critical point is a saddle, with the odds of independent coin flips.",
        REFINED: "In many dimensions almost every critical point is a saddle, even more surely than coin flips "
        "say; the article's number comes from the wrong model.",
        CONTRADICTED: "Minima are commoner than the article's coin flips allow.",
    },
    "downhill-directions": {
        CONFIRMED: "The more directions lead down from a saddle, the sooner descent leaves it.",
        REFINED: "The steepness of the way down sets the time to leave a saddle; more downhill directions barely "
        "help, and flat saddles are the slow ones.",
        CONTRADICTED: "The number of downhill directions does not change how fast descent leaves a saddle.",
    },
    "stall-is-saddle": {
        CONFIRMED: "Where a network stalls at high loss it sits on a saddle; only stalls near the lowest loss are "
        "minima.",
        REFINED: "Stalls are mostly saddles, but the share of downhill directions follows the loss only loosely.",
        CONTRADICTED: "The network's stalls were minima, not saddles.",
    },
    "plateau-slow": {
        CONFIRMED: "On a plateau the gradient is tiny and the loss high, and training crawls.",
        REFINED: "A plateau is a slow stretch near a saddle, not a trap: every run leaves it, and how long it takes "
        "depends on the starting scale and the depth.",
        CONTRADICTED: "Training did not crawl on a high plateau.",
    },
    "plateau-traps-small-nets": {
        CONFIRMED: "Small sigmoid networks do get stuck on XOR, on saturated plateaus rather than in true local "
        "minima, and more hidden units free them.",
        REFINED: "Small networks fail on XOR, but not in the way the article says.",
        CONTRADICTED: "Small networks did not get stuck on XOR.",
    },
    "global-minimum-overfits": {
        CONFIRMED: "A minimum of higher training loss generalised better than the global one.",
        REFINED: "The global minimum of the training loss can overfit, but what generalises better is an "
        "early-stopped or regularised solution, not a worse local minimum.",
        CONTRADICTED: "Training to the global minimum did not hurt the test loss.",
    },
}


def title(claim_id: str) -> str:
    return LINES[claim_id][0] if claim_id in LINES else claim_id


def evidence_line(result: ClaimResult) -> str:
    """One line of the evidence behind a verdict (the first sentence of the summary for a claim
    this module does not know, or when the evidence lacks what the line reads)."""
    line = LINES.get(result.claim)
    if line is not None and result.verdict != NOT_JUDGED:
        try:
            return line[1](result.evidence)
        except (KeyError, IndexError, TypeError, ValueError, ZeroDivisionError):
            pass
    return result.summary.split(". ")[0].rstrip(".") + "."


def lesson(result: ClaimResult) -> str:
    if result.verdict == NOT_JUDGED:
        return f"{title(result.claim)}: not judged at these settings."
    known = LESSONS.get(result.claim, {})
    return known.get(result.verdict, result.summary.split(". ")[0].rstrip(".") + ".")


def tally(results: Sequence[ClaimResult]) -> str:
    """The count of verdicts in one sentence: "Of the article's 11 claims, 2 hold as stated, 8 ..."."""
    n = {v: sum(r.verdict == v for r in results) for v in GROUPS}
    one = {v: n[v] == 1 for v in n}
    parts = [
        f"{n[CONFIRMED]:,} {'holds' if one[CONFIRMED] else 'hold'} as stated",
        f"{n[REFINED]:,} {'is' if one[REFINED] else 'are'} right in direction but "
        f"{'needs' if one[REFINED] else 'need'} a correction",
        f"{n[CONTRADICTED]:,} {'does' if one[CONTRADICTED] else 'do'} not hold",
    ]
    if n[NOT_JUDGED]:
        parts.append(f"{n[NOT_JUDGED]:,} could not be judged")
    listed = ", ".join(parts[:-1]) + " and " + parts[-1]
    return f"Of the article's {count(len(results), 'claim')} checked here, {listed}."


def theme(results: Sequence[ClaimResult]) -> str:
    """The one-paragraph moral, chosen by the verdicts: what the walkthrough found overall."""
    n = {v: sum(r.verdict == v for r in results) for v in GROUPS}
    judged = n[CONFIRMED] + n[REFINED] + n[CONTRADICTED]
    if judged == 0:
        return "None of the claims could be judged at these settings."
    if n[CONTRADICTED] > judged / 2:
        return (
            "Most of the article's picture fails the test: the traps it describes are not where this computation "
            "finds training stuck."
        )
    if n[CONFIRMED] >= judged / 2:
        return (
            "The article's picture mostly holds: the places it names are where training slows, and the ways out it "
            "names work."
        )
    return (
        "The article's map of the traps is roughly right, but its mechanisms are often not: what decides whether "
        "training gets stuck is the curvature and the noise around a point, more than its name, and the goal is a "
        "low test loss, not the lowest training loss."
    )
