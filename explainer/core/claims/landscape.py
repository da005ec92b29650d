"""The landscape section's claim, ``every-cut-flat``: training heads for the point where every
one-weight cut is flat, the global minimum.

Evidence, from the section's network at two moments (an early snapshot and the end): how many of
its ``n_params`` one-weight cuts lead downhill (``axis_downhill_early``, ``axis_downhill_end``),
how many of ``random_count`` filter-normalised random directions do (``random_downhill_early``,
``random_downhill_end``), and at the end the Hessian's extreme eigenvalues (``min_eigenvalue``,
``max_eigenvalue``; ``None`` with the reason in ``failed`` when they could not be found), how far
the loss falls along the lowest eigenvector (``eigen_drop``), the loss (``loss_end``) and the
gradient norm (``grad_norm_end``).

No cut, and no curvature, can tell whether a point is the *global* minimum, so this evidence
never confirms the claim: at best the cuts are flat as the article pictures, which it refines.
"""

from __future__ import annotations

import dataclasses

from explainer.core import kinds
from explainer.core.analyses import landscape
from explainer.core.claims.base import CONTRADICTED, NOT_JUDGED, REFINED, Claim, plain
from explainer.core.curvature import index
from explainer.core.prose import count, fold, plural, sci

#: A run has reached flat ground when at most this share of its one-weight cuts still lead
#: downhill at the end ...
FLAT_GROUND_SHARE = 0.05
#: ... and at most this share of its random directions do.
RANDOM_FLAT_SHARE = 0.25
#: Significant digits kept of what the eigen-solver returns, so that a check is repeatable.
#: ARPACK's results move from one call to the next (its work arrays land at different memory
#: alignments, so its sums run in different orders): the eigenvalues in their last bits, which
#: its tolerance of 1e-6 leaves six digits clear of, and the drop along the lowest eigenvector,
#: a cut along a vector known to about that tolerance, in its seventh digit.
EIGEN_DIGITS, DROP_DIGITS = 6, 3


def _solved(x: float, digits: int) -> float:
    """``x`` to ``digits`` significant digits (NaN stays NaN)."""
    return float(f"{x:.{digits}g}")


def evidence(every: landscape.EveryWeight, fan: landscape.RandomCuts, curv: landscape.Curvature) -> dict:
    """Evidence for ``every-cut-flat`` from one run's every-weight tally, random cuts and curvature."""
    return plain(
        dict(
            n_params=every.n_params,
            early_epoch=every.epochs[kinds.EARLY],
            axis_downhill_early=every.downhill(kinds.EARLY),
            axis_downhill_end=every.downhill(kinds.END),
            median_slope_early=every.median(kinds.EARLY),
            median_slope_end=every.median(kinds.END),
            random_count=fan.count,
            random_downhill_early=fan.downhill[kinds.EARLY],
            random_downhill_end=fan.downhill[kinds.END],
            min_eigenvalue=_solved(curv.low, EIGEN_DIGITS),
            max_eigenvalue=_solved(curv.high, EIGEN_DIGITS),
            eigen_drop=_solved(curv.drop, DROP_DIGITS),
            eigen_carriers=curv.carriers,
            loss_end=curv.loss,
            grad_norm_end=curv.grad_norm,
            loss_still_falling=curv.still_falling,
            failed=curv.failed,
        )
    )


def _still_downhill(e: dict) -> tuple[bool, bool]:
    """Do too many one-weight cuts, or too many random directions, still lead down at the end?"""
    return (
        e["axis_downhill_end"] > FLAT_GROUND_SHARE * e["n_params"],
        e["random_downhill_end"] > RANDOM_FLAT_SHARE * e["random_count"],
    )


def _bends_down(e: dict) -> bool:
    return e["min_eigenvalue"] < -landscape.BENDS_DOWN * e["max_eigenvalue"]


def _real_drop(e: dict) -> bool:
    return e["eigen_drop"] > landscape.REAL_DROP * e["loss_end"]


def every_cut_flat_rule(e: dict) -> str:
    """Not judged until the run reaches flat ground and its curvature is known; contradicted when
    the flat-cut point is not even a minimum (a clear downward bend with a real way down along
    it); otherwise refined. Never confirmed: no cut can tell the global minimum."""
    if any(_still_downhill(e)) or e["failed"] or e["min_eigenvalue"] is None or e["max_eigenvalue"] is None:
        return NOT_JUDGED
    if _bends_down(e) and e["eigen_drop"] is not None and _real_drop(e):
        return CONTRADICTED
    return REFINED


def _cuts(e: dict) -> str:
    axis_end, random_end = e["axis_downhill_end"], e["random_downhill_end"]
    return (
        f"At epoch {e['early_epoch']}, {e['axis_downhill_early']:,} of the {e['n_params']:,} one-weight cuts led "
        f"downhill; at the end, {axis_end:,} {plural(axis_end, 'does', 'do')}. Of {e['random_count']} random "
        f"directions, {e['random_downhill_early']} led downhill early and {random_end} at the end. The median slope "
        f"of a cut {fold(e['median_slope_early'], e['median_slope_end'])}."
    )


def _mix(e: dict) -> str:
    """How many weights the lowest direction moves: those that carry 90% of its squared length."""
    n = e["eigen_carriers"]
    if n >= 10:
        return f"many weights ({n:,} of them carry 90% of it)"
    return f"{count(n, 'weight')} (together 90% of it)" if n > 1 else "mostly one weight"


def every_cut_flat_summary(e: dict, verdict: str) -> str:
    text = _cuts(e)
    if verdict == NOT_JUDGED:
        axis, random = _still_downhill(e)
        if axis or random:
            which = (
                count(e["axis_downhill_end"], "one-weight cut")
                if axis
                else count(e["random_downhill_end"], "random direction")
            )
            return (
                f"{text} This run has not reached flat ground: {which} still lead down from where it stopped, so it "
                "cannot judge the claim. More epochs, or the other optimiser, may let it settle."
            )
        return f"{text} The curvature could not be computed for these weights, so the claim is not judged."
    lo, hi, grad = e["min_eigenvalue"], e["max_eigenvalue"], e["grad_norm_end"]
    drop, loss = e["eigen_drop"], e["loss_end"]
    share = drop / loss if loss > 0 else 0.0
    if verdict == CONTRADICTED:
        return (
            f"{text} Every cut looks flat, yet the Hessian's smallest eigenvalue is {lo:.2g} (largest {hi:.3g}): a "
            f"direction that mixes {_mix(e)} bends down, and the loss really falls along it, by {share:.1%}. "
            "The point where every cut is flat is not even a minimum, let alone the global one."
        )
    text += (
        f" So at the end almost no cut leads down ({e['axis_downhill_end']:,} of {e['n_params']:,} along single "
        f"weights, {e['random_downhill_end']} of {e['random_count']} along random directions), as the article "
        "pictures; but flat cuts do not make a minimum."
    )
    if index([lo, hi]) > 0:
        falls = (
            "does not fall at all"
            if drop <= 1e-12
            else f"falls by {'' if _real_drop(e) else 'only '}{sci(drop)} ({share:.2%} of the loss)"
        )
        text += (
            f" The Hessian's smallest eigenvalue is {lo:.2g} against a largest of {hi:.3g}: a direction that mixes "
            f"{_mix(e)} bends down, {hi / -lo:,.0f} times more gently than the steepest bends up, so this point "
            f"is not a minimum; along that direction the loss {falls} within ±{landscape.EIGEN_SPAN:g}."
        )
    else:
        text += (
            f" No direction bends down here (smallest Hessian eigenvalue {lo:.2g}, largest {hi:.3g}): the curvature "
            "of a minimum."
        )
    still = " and the loss was still falling when training stopped" if e["loss_still_falling"] else ""
    return text + (
        f" Nor is it a critical point: the gradient norm is still {grad:.2g}{still}. And no cut, nor the curvature, "
        "can tell whether a point is the global minimum."
    )


def _measure(seed: int) -> dict:
    settings = dataclasses.replace(landscape.DEFAULT, seed=seed)
    path = landscape.train(settings)
    every, fan = landscape.every_weight(path, settings), landscape.random_cuts(path, settings)
    return evidence(every, fan, landscape.curvature(path, settings))


CLAIM = Claim(
    id="every-cut-flat",
    section="landscape",
    article_says="picture a network's loss as a landscape over all its weights, cut once along each weight; "
    "gradient descent should push the weights down to the global minimum, where every one of those cuts is flat.",
    measure=_measure,
    rule=every_cut_flat_rule,
    explain=every_cut_flat_summary,
)
