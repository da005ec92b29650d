"""The landscape section's claim, ``every-cut-flat``: training heads for the point where every
one-weight cut is flat, the global minimum.

Evidence, from the section's network at two moments (an early snapshot and the end): how many of
its ``n_params`` one-weight cuts lead downhill (``axis_downhill_early``, ``axis_downhill_end``),
how many of ``random_count`` filter-normalised random directions do (``random_downhill_early``,
``random_downhill_end``), and at the end the Hessian's extreme eigenvalues (``min_eigenvalue``,
``max_eigenvalue``; ``None`` with the reason in ``failed`` when they could not be found), how far
the loss falls along the lowest eigenvector (``eigen_drop``), the loss (``loss_end``) and the
gradient norm (``grad_norm_end``). A cut "leads downhill" when the loss falls along it by more than
``downhill_drop``, a share of the data set's loss scale (``loss_scale``, what a constant guess
scores): one bar for every cut, the eigenvector's included, that does not sink as training lowers
the loss. ``epochs`` is how long the run trained, ``epochs_most`` the longest run the page offers,
and ``diverged_at`` the epoch a run blew up (``None`` if it did not); a run too short to cut along
has no cut counts (``None``).

No cut, and no curvature, can tell whether a point is the *global* minimum, so this evidence
never confirms the claim: at best the cuts are flat as the article pictures, which it refines.

The phrases :func:`mix` and :func:`falls` are shared with the section's words.
"""

from __future__ import annotations

import dataclasses
import functools

from explainer.core import kinds, landscape
from explainer.core.analyses import landscape as analysis
from explainer.core.claims.base import CONTRADICTED, NOT_JUDGED, REFINED, Claim, plain
from explainer.core.curvature import index
from explainer.core.prose import count, fold, listing, plural, sci

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


# ----- phrases shared with the section's words -------------------------------------------------------


def bar(drop: float, scale: float) -> str:
    """What "downhill" means, in words: "more than 6.9×10⁻⁴: 0.1% of 0.693, the loss of a network
    that knows nothing and guesses each class at its share of the data"."""
    return (
        f"more than {sci(drop)}: {analysis.DOWNHILL_SHARE:.1%} of {sci(scale, 3)}, the loss of a network that "
        "knows nothing and guesses each class at its share of the data"
    )


def mix(carriers: int, largest: float | None = None) -> str:
    """How many weights a direction moves: those that carry 90% of its squared length
    (``carriers``), and the largest share one weight carries, if given."""
    alone = f", the largest alone {largest:.0%}" if largest is not None else ""
    if carriers >= 10:
        return f"many weights ({carriers:,} of them carry 90% of it{alone})"
    if carriers > 1:
        return f"{count(carriers, 'weight')} (together 90% of it{alone})"
    return "mostly one weight" + (f" ({largest:.0%} of it)" if largest is not None else "")


def falls(drop: float, loss: float, downhill_drop: float) -> str:
    """How far the loss falls along a cut, as a clause ("falls by only 4.5×10⁻⁵, less than the
    6.9×10⁻⁴ that counts as downhill"); "does not fall at all" within round-off of ``loss``."""
    if drop <= landscape.ROUND_OFF * abs(loss):
        return "does not fall at all"
    if drop > downhill_drop:
        return f"falls by {sci(drop)}, more than the {sci(downhill_drop)} that counts as downhill"
    return f"falls by only {sci(drop)}, less than the {sci(downhill_drop)} that counts as downhill"


# ----- evidence --------------------------------------------------------------------------------------


def evidence(
    over: analysis.Overview,
    every: analysis.EveryWeight | None,
    fan: analysis.RandomCuts | None,
    curv: analysis.Curvature | None,
) -> dict:
    """Evidence for ``every-cut-flat`` from one run: its overview, and its every-weight tally,
    random cuts and curvature (``None`` for a run too short to cut along)."""
    cut = every is not None and fan is not None and curv is not None
    return plain(
        dict(
            n_params=over.n_params,
            epochs=over.epochs_run,
            epochs_most=max(analysis.EPOCH_CHOICES),
            diverged_at=over.diverged_at,
            snapshots=over.snapshots,
            loss_scale=over.scale,
            downhill_drop=over.downhill_drop,
            flat_slope=analysis.FLAT_SLOPE,
            early_epoch=every.epochs[kinds.EARLY] if cut else None,
            axis_downhill_early=every.downhill(kinds.EARLY) if cut else None,
            axis_downhill_end=every.downhill(kinds.END) if cut else None,
            median_slope_early=every.median(kinds.EARLY) if cut else None,
            median_slope_end=every.median(kinds.END) if cut else None,
            random_count=fan.count if cut else None,
            random_downhill_early=fan.downhill[kinds.EARLY] if cut else None,
            random_downhill_end=fan.downhill[kinds.END] if cut else None,
            min_eigenvalue=_solved(curv.low, EIGEN_DIGITS) if cut else None,
            max_eigenvalue=_solved(curv.high, EIGEN_DIGITS) if cut else None,
            eigen_drop=_solved(curv.drop, DROP_DIGITS) if cut else None,
            eigen_carriers=curv.carriers if cut else None,
            eigen_gentler=_solved(curv.gentler, EIGEN_DIGITS) if cut else None,
            loss_end=over.loss_end,
            grad_norm_end=curv.grad_norm if cut else None,
            critical_end=curv.critical if cut else None,
            loss_still_falling=curv.still_falling if cut else None,
            failed=curv.failed if cut else None,
        )
    )


# ----- the rule --------------------------------------------------------------------------------------


def _cut(e: dict) -> bool:
    """The run neither blew up nor was too short to cut along: its cuts were counted."""
    return e["diverged_at"] is None and e["axis_downhill_end"] is not None and e["random_downhill_end"] is not None


def _still_downhill(e: dict) -> tuple[bool, bool]:
    """Do too many one-weight cuts, or too many random directions, still lead down at the end?"""
    return (
        e["axis_downhill_end"] > FLAT_GROUND_SHARE * e["n_params"],
        e["random_downhill_end"] > RANDOM_FLAT_SHARE * e["random_count"],
    )


def _bends_down(e: dict) -> bool:
    return e["min_eigenvalue"] < -analysis.BENDS_DOWN * e["max_eigenvalue"]


def _real_drop(e: dict) -> bool:
    """The lowest eigenvector's cut goes downhill by the bar every other cut is held to."""
    return e["eigen_drop"] is not None and e["eigen_drop"] > e["downhill_drop"]


def every_cut_flat_rule(e: dict) -> str:
    """Not judged for a run that blew up or is too short to cut along, until the run reaches flat
    ground, and while its curvature is unknown; contradicted when the flat-cut point is not even a
    minimum (a clear downward bend with a real way down along it); otherwise refined. Never
    confirmed: no cut can tell the global minimum."""
    if not _cut(e) or any(_still_downhill(e)):
        return NOT_JUDGED
    if e["failed"] or e["min_eigenvalue"] is None or e["max_eigenvalue"] is None:
        return NOT_JUDGED
    if _bends_down(e) and _real_drop(e):
        return CONTRADICTED
    return REFINED


# ----- the summary -----------------------------------------------------------------------------------


def _cuts(e: dict) -> str:
    axis_end, random_end = e["axis_downhill_end"], e["random_downhill_end"]
    return (
        f"A cut leads downhill where the loss falls along it by {bar(e['downhill_drop'], e['loss_scale'])}. "
        f"At epoch {e['early_epoch']}, {e['axis_downhill_early']:,} of the {e['n_params']:,} one-weight cuts did; "
        f"at the end, {axis_end:,} {plural(axis_end, 'does', 'do')}. Of {e['random_count']} random directions, "
        f"{e['random_downhill_early']} led downhill early and {random_end} at the end. The median slope of a cut "
        f"{fold(e['median_slope_early'], e['median_slope_end'])}."
    )


def _few(e: dict) -> str:
    """How many cuts still lead down at flat ground, from the counts."""
    axis, random = e["axis_downhill_end"], e["random_downhill_end"]
    if axis == 0 and random == 0:
        return f"No one-weight cut, and none of the {e['random_count']} random directions, leads down any more"
    return (
        f"Only {axis:,} of the {e['n_params']:,} one-weight cuts and {random} of the {e['random_count']} random "
        f"directions still lead down (flat ground allows up to {FLAT_GROUND_SHARE:.0%} and "
        f"{RANDOM_FLAT_SHARE:.0%})"
    )


def _advice(e: dict) -> str:
    """What a reader could change, only as far as the evidence supports it."""
    epochs, most = e["epochs"], e["epochs_most"]
    if epochs >= most:
        still = " (its loss was still falling at the end)" if e["loss_still_falling"] else ""
        return f"Even {most} epochs, the longest run offered here, do not bring these settings to flat ground{still}."
    if e["loss_still_falling"]:
        return f"Its loss was still falling at epoch {epochs}: a longer run (up to {most} epochs) may settle."
    return f"Its loss was no longer falling at epoch {epochs}, so nothing here says a longer run would settle."


def _not_judged(e: dict) -> str:
    if e["diverged_at"] is not None:
        return (
            f"This run blew up in epoch {e['diverged_at']}: where training heads cannot be judged from a run "
            "that left any sensible range."
        )
    if not _cut(e):
        return "This run has too few snapshots to cut along, so the claim is not judged."
    text = _cuts(e)
    axis, random = _still_downhill(e)
    if axis or random:
        which = listing(
            [
                count(e["axis_downhill_end"], "one-weight cut") if axis else "",
                count(e["random_downhill_end"], "random direction") if random else "",
            ]
        )
        return (
            f"{text} This run has not reached flat ground: {which} still lead down from where it stopped (flat "
            f"ground allows up to {FLAT_GROUND_SHARE:.0%} of the one-weight cuts and {RANDOM_FLAT_SHARE:.0%} of "
            f"the random directions), so it cannot judge the claim. {_advice(e)}"
        )
    return f"{text} The curvature could not be computed for these weights, so the claim is not judged."


def every_cut_flat_summary(e: dict, verdict: str) -> str:
    if verdict == NOT_JUDGED:
        return _not_judged(e)
    text = _cuts(e)
    lo, hi, grad = e["min_eigenvalue"], e["max_eigenvalue"], e["grad_norm_end"]
    way = falls(e["eigen_drop"], e["loss_end"], e["downhill_drop"])
    if verdict == CONTRADICTED:
        return (
            f"{text} {_few(e)}, yet the Hessian's smallest eigenvalue is {sci(lo)} (largest {sci(hi)}): a direction "
            f"that mixes {mix(e['eigen_carriers'])} bends down, and within ±{analysis.EIGEN_SPAN:g} along it the loss "
            f"really {way}. The point where the cuts look flat is not even a minimum, let alone the "
            "global one."
        )
    text += f" {_few(e)}, as the article pictures; but flat cuts do not make a minimum."
    if index([lo, hi]) > 0:
        text += (
            f" The Hessian's smallest eigenvalue is {sci(lo)} against a largest of {sci(hi)}: a direction that mixes "
            f"{mix(e['eigen_carriers'])} bends down, {e['eigen_gentler']:,.0f} times more gently than the steepest "
            f"bends up, so this point is not a minimum; within ±{analysis.EIGEN_SPAN:g} along that direction the "
            f"loss {way}."
        )
    else:
        text += (
            f" No direction bends down here (smallest Hessian eigenvalue {sci(lo)}, largest {sci(hi)}): the "
            "curvature of a minimum."
        )
    if e["critical_end"]:
        text += (
            f" Its gradient norm, {sci(grad)}, is below {sci(e['flat_slope'])}: even its steepest cut is flat, as at "
            "a critical point."
        )
    else:
        still = "; and the loss was still falling when training stopped" if e["loss_still_falling"] else ""
        text += (
            f" Nor is it a critical point: the gradient norm, the slope of its steepest cut, is still {sci(grad)}, "
            f"above the {sci(e['flat_slope'])} under which a cut counts as flat{still}."
        )
    return text + " And no cut, nor the curvature, can tell whether a point is the global minimum."


def every_cut_flat_finding(e: dict, verdict: str) -> str:
    """The finding in one sentence: how many cuts still lead down at the end, and whether the point
    where they look flat is a minimum."""
    if verdict == NOT_JUDGED:
        if e["diverged_at"] is not None:
            return f"This run blew up in epoch {e['diverged_at']}, so it cannot show where training heads."
        if not _cut(e):
            return "This run is too short to cut along, so the claim is not judged."
        axis, random = _still_downhill(e)
        if axis:
            return (
                f"{e['axis_downhill_end']:,} of the {e['n_params']:,} one-weight cuts still lead downhill at the end: "
                "this run has not reached flat ground, so it cannot judge the claim."
            )
        if random:
            return (
                f"{e['random_downhill_end']} of the {e['random_count']} random directions still lead downhill at the "
                "end: this run has not reached flat ground, so it cannot judge the claim."
            )
        return "The curvature could not be computed for these weights, so the claim is not judged."
    axis = e["axis_downhill_end"]
    cuts = (
        f"none of the {e['n_params']:,} one-weight cuts leads downhill at the end"
        if axis == 0
        else f"only {axis:,} of the {e['n_params']:,} one-weight cuts lead downhill at the end"
    )
    lead = cuts[0].upper() + cuts[1:]
    if verdict == CONTRADICTED:
        return (
            f"{lead}, yet along a direction that mixes many weights the loss really falls: the point where "
            "the cuts look flat is not even a minimum."
        )
    if index([e["min_eigenvalue"], e["max_eigenvalue"]]) > 0:
        return (
            f"{lead}, yet the ground still bends down in one direction (smallest Hessian eigenvalue "
            f"{sci(e['min_eigenvalue'])}): flat cuts do not make a minimum, and no cut can tell the global one."
        )
    return f"{lead} and nothing bends down, but no cut can tell a local minimum from the global one."


def measure(settings: analysis.Settings) -> dict:
    """The evidence at ``settings``: the precomputed parts at the defaults, otherwise each part cut
    from one run trained afresh (the page uses its own cached parts)."""
    path = functools.cache(lambda: analysis.train(settings))  # trained once, and only if a part is not stored
    over = analysis.result(analysis.OVERVIEW, settings, path)
    if over.too_short:
        return evidence(over, None, None, None)
    every = analysis.result(analysis.EVERY_WEIGHT, settings, path)
    fan = analysis.result(analysis.RANDOM_CUTS, settings, path)
    return evidence(over, every, fan, analysis.result(analysis.CURVATURE, settings, path))


def _measure(seed: int) -> dict:
    return measure(dataclasses.replace(analysis.DEFAULT, seed=seed))


CLAIM = Claim(
    id="every-cut-flat",
    section="landscape",
    article_says="picture a network's loss as a landscape over all its weights, cut once along each weight; "
    "gradient descent should push the weights down to the global minimum, where every one of those cuts is flat.",
    measure=_measure,
    rule=every_cut_flat_rule,
    explain=every_cut_flat_summary,
    find=every_cut_flat_finding,
)
