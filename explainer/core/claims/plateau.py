"""The plateau section's claims.

``plateau-slow``: near-zero gradients make training crawl, and a plateau sits where the loss is
high. Read off :func:`explainer.core.analyses.plateau.escape_grid` (plain descent on the product
model ``0.5 (1 - w_1...w_D)^2`` from every weight at ``u0``). Evidence: ``lr``, ``init_scale``
(the ``u0`` of every decade), ``steps_depth2`` and ``steps_depth3`` (steps until the loss is below
``target``, ``None`` where the run was still above it after ``cap`` steps: censored, never a
number), ``plateau_loss`` (the level, median loss, of the slowest run's plateau), ``zero_output_loss`` (the loss
of predicting 0, 1/2), ``per_decade_depth2`` (steps added by each decade of smaller ``u0``) against
``ln10_over_lr``, ``ratio_depth3`` (factor per decade) and ``plateau_grad`` / ``max_grad`` (the
largest gradient on the plateau and over the whole run). The rule (:func:`slow_rule`):
**contradicted** if the runs do not crawl (the plateau loss is below :data:`HIGH_LOSS` of the loss
of predicting 0, or the time hardly grows with 1/u0: with D = 2 each decade adds less than
:data:`CRAWL_SHARE` of ln 10 / lr steps and with D = 3 it multiplies them by less than
:data:`CRAWL_RATIO`, judged per decade, so the span of the grid does not matter); **refined** if
they crawl, the time grows as the saddle at the origin predicts (D = 2: the mean steps per decade
within :data:`LOG_TOLERANCE` of ln 10 / lr; D = 3: the geometric-mean ratio per decade within
:data:`RATIO_RANGE`; both over the finished runs) and no run was held: a run still on the plateau
at the step cap counts as expected when the gradient flow needs at least
:data:`EXPECTED_CENSORED` of the cap, as held otherwise; **confirmed** otherwise (slow and high,
but not the saddle's law, or some run held). Fewer than :data:`MIN_FINISHED` finished runs at a
depth: **not judged**. The page judges it at the reader's step size.

``plateau-traps-small-nets``: small sigmoid networks on XOR look stuck in "local minima" that are
really saturated plateaus. Read off :func:`explainer.core.analyses.plateau.xor_failures`.
Evidence: ``hidden_units``, ``runs``, ``failure_rate`` and ``failures`` (activation -> one value
per width), ``failed_losses``, ``max_weight`` and ``grad_norm`` (activation -> per width, one value
per failed run), ``lumped_losses`` (the losses a network approaches when pinned hidden units give
some points the same code), ``saturated_share`` (share of failed logistic runs with largest weight
above :data:`LARGE` and loss within :data:`GAP` of a lumped loss: the mark of a plateau at
infinity, where the loss creeps towards a limit it reaches only as weights grow without end),
``hit_cap`` (runs stopped by ``max_iter`` or the evaluation cap rather than by L-BFGS's own
test). The rule
(:func:`nets_rule`): **contradicted** if the smallest logistic networks fail in fewer than
:data:`OFTEN` of runs, or failures do not fall with width (95% Wilson intervals of the smallest and
largest width overlapping, or the largest failing as often); **confirmed** if, besides, at least
:data:`MOSTLY` of the failed logistic runs are saturated; **refined** otherwise (failures that fall
with width but sit at finite, isolated minima). Fewer than :data:`MIN_RUNS` seeds: **not judged**.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from explainer.core import store
from explainer.core.analyses import plateau as analysis
from explainer.core.analyses.local_minimum import wilson
from explainer.core.claims.base import CONFIRMED, CONTRADICTED, NOT_JUDGED, REFINED, Claim, plain
from explainer.core.prose import sci

# ----- plateau-slow --------------------------------------------------------------------------------

#: The plateau's loss is "high" at or above this share of the loss of predicting 0 (1/2).
HIGH_LOSS = 0.8
#: Runs "crawl" if the time grows with the start at all: with two weights each decade of smaller
#: u0 adds at least this share of ln(10) / lr steps, or with three it multiplies them by at least
#: :data:`CRAWL_RATIO` (steps that hardly depend on u0 add ~0 and multiply by ~1, whatever the
#: grid's span).
CRAWL_SHARE = 0.5
CRAWL_RATIO = 3.0
#: D = 2: the mean steps per decade must be within this share of ln(10) / lr.
LOG_TOLERANCE = 0.15
#: D = 3: the geometric-mean factor per decade must lie in this range (theory: 10).
RATIO_RANGE = (7.0, 13.0)
#: A run still on its plateau at the step cap is what the saddle predicts when the gradient flow
#: needs at least this share of the cap; one the flow says should have finished well within the
#: cap was held there.
EXPECTED_CENSORED = 0.5
#: At least this many finished runs per depth to measure a growth law.
MIN_FINISHED = 3
ZERO_OUTPUT_LOSS = 0.5


def _decades(u0s) -> list[int]:
    return [j for j, u in enumerate(u0s) if abs(math.log10(u) - round(math.log10(u))) < 1e-9]


def slow_evidence(res: analysis.EscapeGrid) -> dict:
    s = res.settings
    cols = _decades(s.u0s)
    gd = res.steps["gd"]
    rows = {d: i for i, d in enumerate(s.depths)}

    def steps(d: int) -> list[int | None]:
        return [int(gd[rows[d], j]) if gd[rows[d], j] >= 0 else None for j in cols]

    two, three = steps(2), steps(3)
    finished2 = [v for v in two if v is not None]
    finished3 = [v for v in three if v is not None]
    per_decade = np.diff(finished2).tolist() if len(finished2) > 1 else []
    ratios = (np.array(finished3[1:]) / np.array(finished3[:-1])).tolist() if len(finished3) > 1 else []
    return plain(
        dict(
            lr=s.lr,
            target=s.target,
            cap=s.cap,
            init_scale=[s.u0s[j] for j in cols],
            steps_depth2=two,
            steps_depth3=three,
            theory_depth2=[float(res.theory[rows[2], j]) for j in cols],
            theory_depth3=[float(res.theory[rows[3], j]) for j in cols],
            plateau_loss=res.plateau_loss,
            zero_output_loss=ZERO_OUTPUT_LOSS,
            per_decade_depth2=per_decade,
            ln10_over_lr=math.log(10) / s.lr,
            ratio_depth3=ratios,
            plateau_grad=res.plateau_grad,
            max_grad=res.max_grad,
            momentum_depth3=[int(v) if v >= 0 else None for v in res.steps["momentum"][rows[3], cols]]
            if "momentum" in res.steps
            else [],
            adam_depth3=[int(v) if v >= 0 else None for v in res.steps["adam"][rows[3], cols]]
            if "adam" in res.steps
            else [],
        )
    )


def slow_facts(ev: dict) -> dict:
    """What the rule reads: finished runs per depth, whether they crawl, the growth laws, and
    whether each run still on the plateau at the cap was expected to be (the flow needs at least
    :data:`EXPECTED_CENSORED` of the cap) or held there."""
    two = [v for v in ev["steps_depth2"] if v is not None]
    three = [v for v in ev["steps_depth3"] if v is not None]
    censored = len(two) < len(ev["steps_depth2"]) or len(three) < len(ev["steps_depth3"])
    held = [
        u
        for d in (2, 3)
        for u, v, t in zip(ev["init_scale"], ev[f"steps_depth{d}"], ev[f"theory_depth{d}"], strict=True)
        if v is None and t < EXPECTED_CENSORED * ev["cap"]
    ]
    per = float(np.mean(ev["per_decade_depth2"])) if ev["per_decade_depth2"] else float("nan")
    ratio = float(np.exp(np.mean(np.log(ev["ratio_depth3"])))) if ev["ratio_depth3"] else float("nan")
    crawls = bool(per >= CRAWL_SHARE * ev["ln10_over_lr"] or ratio >= CRAWL_RATIO)  # nan compares False
    loss = ev["plateau_loss"]
    return dict(
        judged=len(two) >= MIN_FINISHED and len(three) >= MIN_FINISHED,
        censored=censored,
        held=held,
        high=loss is not None and loss >= HIGH_LOSS * ev["zero_output_loss"],
        crawls=crawls,
        per_decade=per,
        ratio=ratio,
        log_law=abs(per / ev["ln10_over_lr"] - 1) <= LOG_TOLERANCE,
        ratio_law=RATIO_RANGE[0] <= ratio <= RATIO_RANGE[1],
    )


def slow_rule(ev: dict) -> str:
    f = slow_facts(ev)
    if not f["judged"]:
        return NOT_JUDGED
    if not f["high"] or not f["crawls"]:
        return CONTRADICTED
    if f["log_law"] and f["ratio_law"] and not f["held"]:
        return REFINED
    return CONFIRMED


def _steps(values) -> str:
    return ", ".join("still on it at the cap" if v is None else f"{v:,}" for v in values)


def slow_summary(ev: dict, verdict: str) -> str:
    f = slow_facts(ev)
    u = ev["init_scale"]
    span = f"u0 = {sci(u[0])} down to {sci(u[-1])}"
    if verdict == NOT_JUDGED:
        return (
            f"Step size {ev['lr']:g}: too many runs were still on the plateau after {ev['cap']:,} steps to measure "
            f"how the time grows ({span}; at least {MIN_FINISHED} finished runs per depth needed): not judged."
        )
    loss = ev["plateau_loss"]
    head = (
        f"Plain descent (step size {ev['lr']:g}) on 0.5 (1 − w₁⋯w_D)², every weight started at u0, from {span}: "
        f"with two weights the steps to get the loss below {ev['target']:g} are {_steps(ev['steps_depth2'])}, "
        f"with three {_steps(ev['steps_depth3'])}. "
    )
    if verdict == CONTRADICTED:
        if not f["high"]:
            return head + f"The flat stretch sits at loss {loss:.3g}, low: no high plateau here."
        return head + "The time hardly depends on the start: the runs do not crawl."
    laws = (
        f"Each decade of smaller u0 adds {f['per_decade']:.1f} steps with two weights (ln 10 / lr = "
        f"{ev['ln10_over_lr']:.1f}: time grows like the logarithm of 1/u0) and multiplies them by "
        f"{f['ratio']:.1f} with three (time grows like 1/u0). "
    )
    why = (
        f"While it crawls the loss stays at {loss:.4f}, the loss of predicting 0 ({ev['zero_output_loss']:g}): "
        f"the output w₁⋯w_D ≈ u0^D has hardly left the symmetric start near the origin, a saddle of the loss, where "
        f"the gradient is small (at most {sci(ev['plateau_grad'])} on the plateau, against {sci(ev['max_grad'])} "
        "on the way down) but not zero."
    )
    late = ""
    if f["censored"] and not f["held"]:
        late = (
            f" The runs still on it at the cap of {ev['cap']:,} steps are where the gradient flow needs at least "
            f"{EXPECTED_CENSORED:.0%} of the cap anyway: still crawling, as the saddle predicts, not stuck."
        )
    if verdict == REFINED:
        got = "Every run got off" if not f["censored"] else "Every run that had the time got off"
        return (
            head
            + laws
            + why
            + late
            + f" {got}: a plateau is a slow stretch near a saddle, not a trap, and how long it "
            "lasts is set by the start's scale and the depth."
        )
    if f["held"]:
        starts = ", ".join(sci(u) for u in f["held"])
        return (
            head
            + why
            + f" From u0 = {starts} a run was still on the plateau at the cap of {ev['cap']:,} steps although the "
            "gradient flow says it should have got off well before: here the plateau held it."
        )
    return (
        head + laws + why + late + " Slow and high, as the article says, but the time does not follow the saddle's law."
    )


def slow_finding(ev: dict, verdict: str) -> str:
    """The finding in one sentence: the loss and gradient while training crawls, and what the crawl costs."""
    if verdict == NOT_JUDGED:
        return f"Too many runs were still on the plateau after {ev['cap']:,} steps to measure how long it lasts."
    f = slow_facts(ev)
    loss = ev["plateau_loss"]
    if verdict == CONTRADICTED:
        if not f["high"]:
            return f"The loss curve flattens out only at a low loss ({loss:.3g}): no high plateau to crawl on."
        return "The time to get off hardly depends on the start: the runs do not crawl."
    crawl = f"While the loss sits at {loss:.2f} the gradient is at most {sci(ev['plateau_grad'])} and training crawls"
    if verdict == REFINED:
        return (
            f"{crawl}, but every run gets off: a start 10 times smaller adds {f['per_decade']:.0f} steps with two "
            f"weights and multiplies them by {f['ratio']:.0f} with three, so a plateau is a slow stretch near a "
            "saddle, not a trap."
        )
    if f["held"]:
        return (
            f"{crawl}, and from the smallest starts it was still there after {ev['cap']:,} steps: here the plateau "
            "held it."
        )
    return f"{crawl}: slow and high, as the article says."


def _slow(seed: int) -> dict:
    # The product model has no random draws: every seed reads the same precomputed grid.
    return slow_evidence(store.result(analysis.ESCAPE, analysis.DEFAULT_ESCAPE))


SLOW = Claim(
    id="plateau-slow",
    section="plateau",
    article_says="on a plateau the gradient is close to zero in every direction, so training updates crawl; a "
    "plateau is where the samples disagree a lot and the loss is large, and a wide, very flat one is a real threat.",
    measure=_slow,
    rule=slow_rule,
    explain=slow_summary,
    find=slow_finding,
)


# ----- plateau-traps-small-nets ---------------------------------------------------------------------------

MIN_RUNS = 50
#: Small networks fail "often": at least this share of runs at the smallest width.
OFTEN = 0.2
#: A failed run is saturated if its largest weight exceeds this...
LARGE = 10.0
#: ...and its loss is within this of one of the lumped losses.
GAP = 1e-3
#: "Most" failed runs: at least this share.
MOSTLY = 0.8
SIGMOID = "logistic"


def nets_evidence(res: analysis.XorFailures) -> dict:
    s = res.settings
    acts = s.activations
    failed_loss = {a: res.of_failed("loss", a) for a in acts}
    weights = {a: res.of_failed("max_weight", a) for a in acts}
    gaps = res.of_failed("gap", SIGMOID) if SIGMOID in acts else []
    flat_w = [v for row in weights.get(SIGMOID, []) for v in row]
    flat_g = [v for row in gaps for v in row]
    saturated = [w > LARGE and g < GAP for w, g in zip(flat_w, flat_g, strict=True)]
    return plain(
        dict(
            hidden_units=list(s.widths),
            runs=s.runs,
            seeds=[s.seeds.start, s.seeds.stop - 1],
            max_iter=s.max_iter,
            activations=list(acts),
            failure_rate={a: res.rate(a) for a in acts},
            failures={a: res.failures(a) for a in acts},
            failed_losses=failed_loss,
            max_weight=weights,
            grad_norm={a: res.of_failed("grad_norm", a) for a in acts},
            pinned_failed={a: res.of_failed("pinned", a) for a in acts},
            lumped_losses=list(res.lumped),
            saturated=int(sum(saturated)),
            failed_sigmoid=len(saturated),
            saturated_share=(sum(saturated) / len(saturated)) if saturated else None,
            hit_cap=int((res.status != 0).sum()),
        )
    )


def nets_facts(ev: dict) -> dict:
    k, n = ev["failures"][SIGMOID], ev["runs"]
    small, large = wilson(k[0], n), wilson(k[-1], n)
    return dict(
        often=ev["failure_rate"][SIGMOID][0] >= OFTEN,
        falls=large[1] < small[0],
        small=small,
        large=large,
        saturated=ev["saturated_share"] is not None and ev["saturated_share"] >= MOSTLY,
    )


def nets_rule(ev: dict) -> str:
    if ev["runs"] < MIN_RUNS or SIGMOID not in ev["failures"]:
        return NOT_JUDGED
    f = nets_facts(ev)
    if not f["often"] or not f["falls"]:
        return CONTRADICTED
    return CONFIRMED if f["saturated"] else REFINED


def nets_summary(ev: dict, verdict: str) -> str:
    n = ev["runs"]
    if verdict == NOT_JUDGED:
        return f"Only {n} seeds per setting: too few to tell a failure rate (at least {MIN_RUNS} needed)."
    h, rate = ev["hidden_units"], ev["failure_rate"][SIGMOID]
    head = (
        f"Of {n} seeds of a logistic network trained by L-BFGS on the four XOR points, {rate[0]:.0%} fail with "
        f"{h[0]} hidden units and {rate[-1]:.0%} with {h[-1]}"
    )
    rates = ev["failure_rate"]
    others = "; ".join(f"{a}: {rates[a][0]:.0%} → {rates[a][-1]:.0%}" for a in ev["activations"] if a != SIGMOID)
    head += f" ({others})." if others else "."
    f = nets_facts(ev)
    if verdict == CONTRADICTED:
        if not f["often"]:
            return head + " Small networks rarely fail: there is no trap to speak of."
        return head + " Failures do not clearly fall with more hidden units."
    lumped = ", ".join(f"{v:.4f}" for v in ev["lumped_losses"])
    share = ev["saturated_share"]
    sat = (
        f" {ev['saturated']} of the {ev['failed_sigmoid']} failed logistic runs ({share:.0%}) end with weights above "
        f"{LARGE:g} and a loss within {GAP:g} of a value a network reaches only in the limit of infinite weights, "
        f"when pinned hidden units give two or three points the same code ({lumped}: ln 2/2, ¾·H(⅓), ln 2). "
    )
    if verdict == CONFIRMED:
        return (
            head
            + sat
            + "L-BFGS stops there because the gradient is tiny, so it looks like a local minimum, but the loss only "
            "creeps towards its limit as the weights grow without end: a saturated plateau at infinity. More hidden "
            "units make it rarer."
        )
    return head + sat + "Most failed runs, though, stop at finite weights away from those values: true local minima."


def nets_finding(ev: dict, verdict: str) -> str:
    """The finding in one sentence: how often the smallest and largest sigmoid networks fail, and where."""
    if verdict == NOT_JUDGED:
        return (
            f"Only {ev['runs']} runs per width, fewer than the {MIN_RUNS} a failure rate needs, so the claim is not "
            "judged."
        )
    h, rate = ev["hidden_units"], ev["failure_rate"][SIGMOID]
    f = nets_facts(ev)
    head = f"{rate[0]:.0%} of sigmoid networks with {h[0]} hidden units fail on XOR and {rate[-1]:.0%} with {h[-1]}"
    if verdict == CONTRADICTED:
        if not f["often"]:
            return (
                f"Only {rate[0]:.0%} of sigmoid networks with {h[0]} hidden units fail on XOR: small networks rarely "
                "get stuck here."
            )
        return f"{head}: more hidden units did not clearly help."
    share = ev["saturated_share"]
    if verdict == CONFIRMED:
        return (
            f"{head}; {share:.0%} of the failures sit on a saturated plateau, not in a true local minimum, and more "
            "hidden units make it rarer."
        )
    where = f"only {share:.0%}" if share is not None else "none"
    return (
        f"{head}, but {where} of the failures sit on a saturated plateau: they fail, though not the way the "
        "article says."
    )


def _nets(seed: int) -> dict:
    return nets_evidence(store.result(analysis.XOR, dataclasses.replace(analysis.DEFAULT_XOR, seed=seed)))


SMALL_NETS = Claim(
    id="plateau-traps-small-nets",
    section="plateau",
    article_says="a large, very flat plateau is a threat to training: small networks get stuck on such flat "
    "ground, which looks like a local minimum.",
    measure=_nets,
    rule=nets_rule,
    explain=nets_summary,
    find=nets_finding,
)

CLAIMS = (SLOW, SMALL_NETS)
