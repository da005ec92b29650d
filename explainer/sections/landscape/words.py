"""The landscape section's sentences: pure functions from its results (tested on hand-built ones).

Nothing here claims more than its numbers show: a flat cut is named for why it is flat only when
the analysis checked why, and the end of training is called "not a minimum" from a negative
eigenvalue and "not a critical point" from its gradient, never a saddle.
"""

from __future__ import annotations

from explainer.core import kinds
from explainer.core.analyses import landscape as analysis
from explainer.core.analyses.landscape import Curvature, EveryWeight, Overview, PathView, RandomCuts, WeightCuts
from explainer.core.claims import ARTICLE
from explainer.core.claims.landscape import bar, falls, mix
from explainer.core.curvature import index
from explainer.core.prose import count, fold, plural, sci

N = analysis.N_PARAMS


def data_name(data: str, *, capital: bool = True) -> str:
    """A data set's name as the page writes it: "Moons", "Circles", "Spirals", "XOR" (in a
    sentence, ``capital=False``: "moons", ..., "XOR")."""
    if data == "xor":
        return "XOR"
    return data.capitalize() if capital else data


def _lead(n: int) -> str:
    """ "leads" or "lead", for a count of cuts."""
    return plural(n, "leads", "lead")


def _does(n: int) -> str:
    return plural(n, "does", "do")


# ----- the run ----------------------------------------------------------------------------------------


def intro() -> str:
    return (
        f"*{ARTICLE}* asks us to picture the loss of a network with 5,000 weights as a landscape, and to look at it "
        "through cuts: move one weight, keep the rest fixed, and watch the loss rise or fall. Here is such a network "
        f"for real: scikit-learn's `MLPClassifier` with two hidden layers of {analysis.HIDDEN[0]} units, {N:,} "
        "weights in all (biases included), trained on points in the plane. Every curve below is its actual training "
        "loss."
    )


def diverged(over: Overview) -> str:
    kept = over.epochs_run
    rest = (
        f"Everything below uses the {count(kept, 'epoch')} before that."
        if kept
        else "Only the starting weights are left."
    )
    return f"This run blew up in epoch {over.diverged_at}: its loss or weights left any sensible range. {rest}"


def too_short() -> str:
    return "A run this short has too few snapshots for a path to cut along. Choose more epochs or the other optimiser."


def data_caption(over: Overview) -> str:
    return (
        f"The network gets {over.accuracy:.0%} of its {analysis.N_SAMPLES} training points right. Its loss went from "
        f"{over.loss_start:.3f} to {over.loss_end:.3f} in {count(over.epochs_run, 'epoch')}."
    )


def loss_caption(over: Overview) -> str:
    start, early, end = over.loss_start, over.loss_early, over.loss_end
    if over.epoch_early == 0:
        return f"The loss went from {start:.3f} to {end:.3f}; the dashed line marks the starting weights."
    if over.epoch_early >= over.epochs_run:
        return (
            f"The loss went from {start:.3f} to {end:.3f}. The early snapshot is the last one of this run, so early "
            "and end coincide below: pick an earlier snapshot or train longer."
        )
    if not over.fell:
        return f"The loss did not fall: {start:.3f} at the start, {end:.3f} at the end."
    if over.rose_early:
        return (
            f"The loss first rose, from {start:.3f} at the start to {early:.3f} at epoch {over.epoch_early} "
            f"(dashed), before falling to {end:.3f} at the end."
        )
    return (
        f"By epoch {over.epoch_early} (dashed) the loss had made {over.made_early:.0%} of its fall: {start:.3f} at "
        f"the start, {early:.3f} then, {end:.3f} at the end."
    )


# ----- one cut per weight -------------------------------------------------------------------------------


def axis_intro(over: Overview) -> str:
    """The one-weight cuts, and what "downhill" means on this page (the bar of every cut below)."""
    return (
        f"The article's picture, literally: each panel moves a single weight and keeps the other {N - 1:,} where "
        "training left them. Orange is an early snapshot, blue the end. The first panel is the weight you pick; "
        "the others are drawn from every layer. A cut here *goes downhill* where the loss falls along it by "
        f"{bar(over.downhill_drop, over.scale)}. That bar is set by the data, not by the run, so it does not sink "
        "as training lowers the loss; every cut on this page is held to it."
    )


def axis_caption(cuts: WeightCuts) -> str:
    early, end = cuts.downhill[kinds.EARLY], cuts.downhill[kinds.END]
    slope = cuts.slope
    text = (
        f"At epoch {cuts.epochs[kinds.EARLY]}, {early} of these {len(cuts.picks)} cuts {_lead(early)} downhill from "
        f"where the network is; at the end, {end} {_does(end)}. Your weight ({cuts.chosen}) has slope "
        f"{sci(slope[kinds.EARLY])} early and {sci(slope[kinds.END])} at the end."
    )
    if cuts.flat_end:
        why = (
            f": it is the bias of a ReLU unit that stays off for every training point, even moved by ±{cuts.span:g}"
            if cuts.into_off
            else ": the loss does not depend on it here"
        )
        return text + f" At the end its cut is perfectly flat{why}."
    if cuts.data_blind:
        if cuts.into_off:
            why = "it feeds a ReLU unit that stays off for every training point all along the cut"
        elif cuts.from_off:
            why = "it comes from a ReLU unit that is off for every training point, so it carries nothing"
        else:
            why = "the data no longer depend on it"
        return text + f" At the end its cut is flat but for the weight penalty's gentle bowl: {why}."
    return text


def tally_caption(every: EveryWeight) -> str:
    early, end = every.downhill(kinds.EARLY), every.downhill(kinds.END)
    text = (
        f"Every weight moved on its own by ±{every.offsets[2]:g} and ±{every.offsets[3]:g}, exactly: "
        f"{every.n_losses:,} losses. At epoch {every.epochs[kinds.EARLY]}, {early:,} of the {every.n_params:,} cuts "
        f"{_lead(early)} downhill (the loss drops by more than {sci(every.downhill_drop)}); at the end, {end:,} "
        f"{_does(end)}."
    )
    flat = every.tally[kinds.END][kinds.FLAT_CUT]
    if not flat:
        return text
    text += f" {count(flat, 'cut is', 'cuts are')} perfectly flat at the end"
    if every.flat_off == flat:
        text += (
            f": biases of ReLU units that stay off for every training point even when the bias rises by {every.span:g}."
        )
    elif every.flat_off:
        text += (
            f", all of them biases; {every.flat_off:,} belong to ReLU units that stay off for every training point "
            f"even when the bias rises by {every.span:g}."
        )
    else:
        text += ", all of them biases the loss does not depend on here."
    return text + " (A weight's cut is never perfectly flat: the L2 penalty always adds a gentle bowl.)"


def slopes_caption(every: EveryWeight) -> str:
    text = (
        f"The slope of a cut where it passes through the network is that weight's partial derivative, so one "
        f"backpropagation gives all {every.n_params:,} at once. From epoch {every.epochs[kinds.EARLY]} to the end the "
        f"median slope {fold(every.median(kinds.EARLY), every.median(kinds.END))}, and the steepest "
        f"{fold(every.steepest(kinds.EARLY), every.steepest(kinds.END))}; "
        f"{every.flat_share(kinds.EARLY):.0%} of the cuts were flatter than {sci(analysis.FLAT_SLOPE)} early, "
        f"{every.flat_share(kinds.END):.0%} at the end."
    )
    zero = every.zero_slopes
    if not zero:
        return text
    text += f" {count(zero, 'slope is', 'slopes are')} exactly zero at the end"
    if every.zero_off == zero:
        text += ": the biases of ReLU units that are off for every training point."
    else:
        text += (
            f": biases the loss does not depend on here ({every.zero_off:,} of ReLU units that are off for every "
            "training point)."
        )
    return text + " (The weights around such units keep a tiny slope from the L2 penalty.)"


# ----- random directions ---------------------------------------------------------------------------------


def fan_intro() -> str:
    """Random directions: they move the network's :data:`~analysis.N_WEIGHTS` matrix entries, not its biases."""
    return (
        f"A cut along one weight sees only one of {N:,} directions. A random direction moves every weight "
        f"at once (all {analysis.N_WEIGHTS:,} entries of the weight matrices; the {analysis.N_BIASES} biases stay "
        "put, as in "
        "Li et al., 2018). Weights of different layers have different sizes, so each neuron's share of the "
        "direction is scaled to the size of that neuron's own weights (filter normalisation); then a step of 1 "
        "changes every neuron by about as much as it is worth."
    )


def fan_caption(fan: RandomCuts) -> str:
    n, early, end = fan.count, fan.downhill[kinds.EARLY], fan.downhill[kinds.END]
    if fan.same:
        return (
            f"The early snapshot is the end of this run, so both panels show the same point: {end} of {n} random "
            f"cuts {_lead(end)} downhill there. Pick an earlier snapshot or train longer."
        )
    text = (
        f"At epoch {fan.epochs[kinds.EARLY]}, {early} of {n} random cuts {_lead(early)} downhill; "
        f"at the end, {end} {_does(end)}."
    )
    if end == 0:
        return text + (
            f" None of them drops by more than {sci(fan.downhill_drop)} within one step either way: the median "
            f"cut rises by {sci(fan.rise(kinds.END), 3)} within one step."
        )
    if fan.fewer > 0:
        return text + f" {fan.fewer} fewer than early; {end} still {_lead(end)} down."
    return text + " These directions still find ways down at the end: along them this point is not the bottom."


# ----- the plane of the path, and the straight line ----------------------------------------------------


def plane_intro(view: PathView) -> str:
    return (
        "Two random directions almost never contain the path that training took. The two directions along which the "
        "weights moved most (the first two principal components of the snapshots, measured from the end) hold "
        f"{view.held:.1%} of it: the loss on that plane is mapped below with the path on it."
    )


def plane_caption(view: PathView) -> str:
    first, second = view.explained
    return (
        f"This plane holds {view.held:.1%} of the path ({first:.1%} along the first direction, {second:.1%} along the "
        f"second). The path strays at most {view.off_max:.2f} off it (at epoch {view.off_max_epoch}), against "
        f"{view.distance:.2f} from start to end and {view.travelled:.2f} travelled."
    )


def line_caption(view: PathView) -> str:
    start, end, beyond = view.line_start, view.line_end, view.beyond
    if view.no_bump:
        text = (
            f"Along the straight line the loss goes from {start:.3f} to {end:.3f} with no bump to climb on the way "
            f"(none above {analysis.LEVEL:.1%} of the start), as Goodfellow et al. (2015) found for many networks."
        )
    else:
        text = (
            f"Along the straight line the loss goes from {start:.3f} to {end:.3f} but not monotonically: it rises by "
            f"up to {sci(view.bump, 3)} on the way, unlike most networks Goodfellow et al. (2015) looked at."
        )
    t_far = view.t_far
    if view.level_beyond:
        return text + f" Past the trained weights it stays level, as far as t = {t_far:g}."
    if beyond > end:
        return text + f" Past the trained weights it rises again, to {beyond:.3f} at t = {t_far:g}."
    return text + (
        f" Past the trained weights it keeps falling, to {beyond:.3f} at t = {t_far:g}: training stopped before the "
        "lowest point of this line."
    )


# ----- curvature at the end --------------------------------------------------------------------------------


def curvature_failed(curv: Curvature) -> str:
    return (
        f"The Hessian's extreme eigenvalues could not be found for these weights ({curv.failed}). The gradient norm "
        f"there is {sci(curv.grad_norm)}."
    )


def curvature_reading(curv: Curvature) -> str:
    """What the extreme eigenvalues and the gradient say about the end of training (the page's
    metrics are these numbers)."""
    lo, hi = sci(curv.low), sci(curv.high)
    way = falls(curv.drop, curv.loss, curv.downhill_drop)  # held to the bar of every cut
    parts = [
        f"**Largest curvature {hi}.** Along its direction the loss bends up fastest; plain gradient descent with "
        f"a step above 2 / {hi} = {sci(curv.stable_step, 3)} would overshoot along it, each step further than the "
        "last, as long as the curvature stays this size."
    ]
    if index([curv.low, curv.high]) > 0:
        parts.append(
            f"**Smallest curvature {lo}.** Negative: one direction bends down, mixing "
            f"{mix(curv.carriers, curv.largest_share)}, so this point is not a minimum. It bends "
            f"{curv.gentler:,.0f} times more gently than the steepest direction bends up, and within "
            f"±{analysis.EIGEN_SPAN:g} along it the loss {way}."
        )
    else:
        parts.append(
            f"**Smallest curvature {lo}.** No direction bends down: the curvature is that of a minimum; within "
            f"±{analysis.EIGEN_SPAN:g} along the flattest direction the loss {way}."
        )
    parts.append(f"**Gradient norm {sci(curv.grad_norm)}.** {_trend(curv)}")
    return "\n\n".join(parts)


def _trend(curv: Curvature) -> str:
    """Whether training reached a critical point, why it stopped, and whether the loss was still falling."""
    if curv.critical:
        text = (
            f"Below {sci(analysis.FLAT_SLOPE)}, the slope under which a cut counts as flat: even the steepest cut "
            "through this point, along the gradient, is flat, so it is as near a critical point as the cuts can tell"
        )
    else:
        text = (
            f"Above {sci(analysis.FLAT_SLOPE)}, the slope under which a cut counts as flat: the steepest cut through "
            "this point, along the gradient, is not flat, so training had not reached a critical point (neither a "
            "minimum nor a saddle)"
        )
    if curv.rose_since_best:
        return text + (
            f", and the loss was no longer falling: its lowest value came at epoch {curv.best_epoch}, and the "
            f"mini-batch steps since have pushed it {curv.above_best:.1%} above that."
        )
    if curv.still_falling:
        return text + ": it stopped because its epochs ran out, with the loss still falling."
    return text + ", and the loss has levelled off: mini-batch steps jostle it up and down."


def eigen_caption(curv: Curvature) -> str:
    way = falls(curv.drop, curv.loss, curv.downhill_drop)  # held to the bar of every cut
    text = (
        f"Within ±{analysis.EIGEN_SPAN:g} along the steepest direction the loss climbs by {sci(curv.rise, 3)}. Along "
        "the lowest one "
    )
    if curv.real_drop:
        return text + (
            f"it does go down: it {way}, lowest {sci(curv.drop_at)} away: a real way down that training had not taken."
        )
    if curv.bend_fades:
        return text + (
            f"it {way}, where its curvature alone would predict a fall of {sci(curv.quadratic_drop)} at "
            f"±{analysis.EIGEN_SPAN:g}: the bend down does not last that far."
        )
    return text + f"it {way}."


def lanczos_note() -> str:
    return (
        f"Found by Lanczos iteration (SciPy's `eigsh`) on exact Hessian-vector products: the {N:,} × {N:,} Hessian "
        "is never written down."
    )
