"""The local-minimum section's claims, read off the per-sample-wells grid
(:func:`explainer.core.analyses.local_minimum.wells_escape`).

``minibatch-escape``: mini-batch variation lets training leave a shallow valley that full-batch
descent cannot. Evidence: ``valley_samples`` (how many of the ``n`` samples dig the shallow
valley), ``barrier`` (its height, per valley size), ``batch_sizes`` (the full batch last),
``escape_fraction`` (per valley size, one share per batch size, each over ``runs`` seeded runs of
``steps`` steps of size ``lr``), and ``full_batch_by_lr`` (the full batch's share at every step
size swept). The rule (:func:`escape_rule`): **contradicted** if no mini-batch run escapes, or if
the full batch escapes at least as often as the best mini-batch; **confirmed** if the full batch
never escapes and most runs of some mini-batch size leave the shallowest valley; **refined**
otherwise (mini-batches escape, but rarely).

``depth-vs-samples``: a valley's depth grows with the number of samples it fits, and depth is
what decides escape. Evidence: the keys above, plus ``sharpness`` and ``noise`` (curvature and
batch-gradient standard deviation at the shallow minimum), ``lrs`` and ``escape_by_lr`` (the
fractions at every step size), ``smallest_valley`` (the fewest samples that still dig a
valley), ``barrier_per_sample``, ``falls_with_depth`` (escape never rises with depth beyond
Monte Carlo error), ``collapse`` (measure id -> share of the spread of the mini-batch fractions
that one decreasing curve of that measure explains), ``best_measure`` and ``kramers_error``
(mean gap between Kramers' prediction and the fractions). The rule (:func:`depth_rule`):
**contradicted** if the barrier does not grow with the valley's size or escape does not fall
with depth; **confirmed** if the barrier is proportional to the samples (a valley at every size,
barrier per sample within 25%) and depth alone explains at least 80% of the spread of escape;
**refined** otherwise.

Both are **not judged** with fewer than :data:`MIN_RUNS` runs per setting.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from explainer.core import kinds, store
from explainer.core.analyses import local_minimum as analysis
from explainer.core.claims.base import CONFIRMED, CONTRADICTED, NOT_JUDGED, REFINED, Claim, plain
from explainer.core.prose import sci

#: Each escape fraction must rest on at least this many seeded runs.
MIN_RUNS = 100
#: "Most runs" leave a valley: at least this share.
MOST = 0.5
#: Barrier per sample counts as constant (depth proportional to samples) within this ratio.
PROPORTIONAL = 1.25
#: Depth "sets" escape if one decreasing curve of the barrier explains at least this share of the spread.
SETS_ESCAPE = 0.8


def evidence(res: analysis.WellsEscape) -> dict:
    """Evidence for both claims from the wells grid."""
    g = res.grid
    return plain(
        dict(
            n=g.n,
            width=g.width,
            lr=res.settings.lr,
            steps=g.steps,
            runs=g.runs,
            seed=res.settings.seed,
            valley_samples=list(g.valley_samples),
            barrier=res.barrier,
            batch_sizes=list(g.batch_sizes),
            escape_fraction=res.escape_fraction,
            full_batch_by_lr=res.full_batch,
            sharpness=res.sharpness,
            noise=g.noise,
            lrs=list(g.lrs),
            escape_by_lr=g.fraction,
            smallest_valley=res.smallest_valley,
            barrier_per_sample=res.barrier_per_sample,
            falls_with_depth=res.falls_with_depth,
            collapse={k: round(float(v), 6) for k, v in res.collapse.items()},
            best_measure=res.best_measure,
            kramers_error=round(res.kramers_error, 6),
        )
    )


def _split(ev: dict) -> tuple[list[float], list[list[float]]]:
    """The full batch's share per valley, and the mini-batches' shares per valley."""
    table = ev["escape_fraction"]
    return [row[-1] for row in table], [row[:-1] for row in table]


def escape_rule(ev: dict) -> str:
    if ev["runs"] < MIN_RUNS:
        return NOT_JUDGED
    full, mini = _split(ev)
    best_mini = max(max(row) for row in mini)
    if best_mini == 0 or max(full) >= best_mini:
        return CONTRADICTED
    if max(full) == 0 and max(mini[0]) >= MOST:
        return CONFIRMED
    return REFINED


def _valley(ev: dict, i: int) -> str:
    return f"{ev['valley_samples'][i]} of {ev['n']} samples, barrier {sci(ev['barrier'][i])}"


def escape_summary(ev: dict, verdict: str) -> str:
    if verdict == NOT_JUDGED:
        return f"Only {ev['runs']} runs per setting: too few to tell a share of escapes (at least {MIN_RUNS} needed)."
    full, mini = _split(ev)
    b = ev["batch_sizes"]
    runs, k = ev["runs"], len(ev["valley_samples"])
    setup = f"{runs} runs per setting, {ev['steps']} steps of size {ev['lr']:g}"
    if max(full) == 0:
        held = f"full-batch descent stayed in the shallow valley every time, at all {k} depths ({setup})"
    else:
        held = f"even full-batch descent left the shallow valley in up to {max(full):.0%} of runs ({setup})"
    shallow, deep = mini[0], mini[-1]
    j = int(np.argmax(shallow))
    text = (
        f"Started at the bottom of the shallow valley, {held}. With batches of {b[j]} "
        f"{'sample' if b[j] == 1 else 'samples'}, {shallow[j]:.0%} of runs left the shallowest one "
        f"({_valley(ev, 0)}); the deepest ({_valley(ev, k - 1)}) let {max(deep):.0%} out at best."
    )
    if verdict == CONFIRMED:
        return text + " Mini-batch noise does what the full gradient cannot; deeper valleys and larger batches hold on."
    if verdict == REFINED:
        return text + " Mini-batches help, but in these settings most runs stay put all the same."
    if max(max(row) for row in mini) == 0:
        return text + " No batch size got a run out: here the noise is too weak for the barrier."
    return text + " The full batch escapes as often as the mini-batches: noise is not what gets runs out here."


def depth_facts(ev: dict) -> dict:
    """What the depth rule reads: does the barrier grow with the samples, is it proportional, and
    does depth alone set escape."""
    barrier = np.array(ev["barrier"], dtype=float)
    per = np.array(ev["barrier_per_sample"], dtype=float)
    r2 = ev["collapse"].get(kinds.MEASURE_BARRIER)
    return dict(
        grows=bool(np.all(np.diff(barrier) > 0)),
        spread=float(per.max() / per.min()) if per.min() > 0 else float("inf"),
        proportional=bool(ev["smallest_valley"] <= 1 and per.min() > 0 and per.max() / per.min() <= PROPORTIONAL),
        depth_sets=r2 is not None and r2 >= SETS_ESCAPE,
    )


def depth_rule(ev: dict) -> str:
    if ev["runs"] < MIN_RUNS:
        return NOT_JUDGED
    facts = depth_facts(ev)
    if not facts["grows"] or not ev["falls_with_depth"]:
        return CONTRADICTED
    if facts["proportional"] and facts["depth_sets"]:
        return CONFIRMED
    return REFINED


def depth_summary(ev: dict, verdict: str) -> str:
    if verdict == NOT_JUDGED:
        return f"Only {ev['runs']} runs per setting: too few to tell a share of escapes (at least {MIN_RUNS} needed)."
    facts = depth_facts(ev)
    ms, barrier = ev["valley_samples"], ev["barrier"]
    r2 = ev["collapse"]
    settings = len(ms) * (len(ev["batch_sizes"]) - 1) * len(ev["lrs"])
    if not facts["grows"]:
        return (
            f"The barrier does not grow with the samples the valley fits here (from {sci(barrier[0])} at {ms[0]} "
            f"samples to {sci(barrier[-1])} at {ms[-1]}): depth is not set by the samples."
        )
    if not ev["falls_with_depth"]:
        return "Deeper valleys did not hold runs better in every setting: depth does not decide escape here."
    depth = (
        f"Depth grows with the samples the valley fits, from {sci(barrier[0])} at {ms[0]} of {ev['n']} to "
        f"{sci(barrier[-1])} at {ms[-1]}"
    )
    if facts["proportional"]:
        depth += ", in proportion."
    else:
        depth += (
            f", but not in proportion: per sample it grows {facts['spread']:.0f}-fold, and with fewer than "
            f"{ev['smallest_valley']} samples there is no valley at all."
        )
    best = ev["best_measure"]
    path, xie = r2[kinds.MEASURE_NOISE_PATH], r2[kinds.MEASURE_XIE]
    sets = (
        f" Across {settings} mini-batch settings (valley size, batch size, step size), depth alone explains "
        f"{r2[kinds.MEASURE_BARRIER]:.0%} of the spread in escape, while the barrier weighed against the noise along "
        f"the climb (Φ, Kramers' exponent) explains {path:.0%} and barrier × batch size / step size {xie:.0%}"
    )
    if best not in (kinds.MEASURE_NOISE_PATH, kinds.MEASURE_XIE):
        sets += f"; best of all is {kinds.MEASURE_NAMES[best]}, {r2[best]:.0%}"
    sets += f". Kramers' law predicts each share to within {ev['kramers_error']:.2f} on average."
    if verdict == CONFIRMED:
        return depth + sets + " Depth, set by the samples, decides escape."
    return depth + sets + " What sets escape is the barrier measured against the noise, not the depth alone."


def _too_few(ev: dict) -> str:
    return (
        f"Only {ev['runs']} runs per setting, fewer than the {MIN_RUNS} a share of escapes needs, so the claim is "
        "not judged."
    )


def escape_finding(ev: dict, verdict: str) -> str:
    """The finding in one sentence: how often the full batch and the mini-batches got out."""
    if verdict == NOT_JUDGED:
        return _too_few(ev)
    full, mini = _split(ev)
    best_mini = max(max(row) for row in mini)
    if verdict == CONTRADICTED:
        if best_mini == 0:
            return "No mini-batch run left the shallow valley: here the noise of mini-batches did not help."
        return (
            f"Full-batch descent left the shallow valley as often as mini-batches did (up to {max(full):.0%} "
            f"against {best_mini:.0%}): the noise gave no edge here."
        )
    shallow = mini[0]
    batch = ev["batch_sizes"][shallow.index(max(shallow))]
    if verdict == CONFIRMED:
        return (
            f"Full-batch descent never left the shallow valley, while with mini-batches of {batch} "
            f"{'sample' if batch == 1 else 'samples'} {max(shallow):.0%} of runs got out of the shallowest one: "
            "mini-batch noise does what the full gradient cannot."
        )
    if max(full) > 0:
        return (
            f"Full-batch descent left the shallow valley in up to {max(full):.0%} of runs and mini-batches in up to "
            f"{best_mini:.0%}: the noise helps, but it is not the only way out."
        )
    return (
        f"Mini-batches got at most {max(shallow):.0%} of runs out of even the shallowest valley (the full batch none): "
        "the noise helps, but less than the article suggests."
    )


def depth_finding(ev: dict, verdict: str) -> str:
    """The finding in one sentence: does depth follow the samples, and how much of escape it explains."""
    if verdict == NOT_JUDGED:
        return _too_few(ev)
    facts = depth_facts(ev)
    alone = ev["collapse"].get(kinds.MEASURE_BARRIER)
    if not facts["grows"]:
        return "A valley that fits more samples is not always deeper here: depth is not set by the samples."
    if not ev["falls_with_depth"]:
        return "Deeper valleys did not hold training better in every setting: depth does not decide escape here."
    if verdict == CONFIRMED:
        return (
            f"Valleys that fit more samples are deeper, and depth alone explains {alone:.0%} of the spread in escape."
        )
    if not facts["depth_sets"]:
        return (
            f"Deeper valleys do hold training longer, but depth alone explains only {alone:.0%} of the spread in "
            "escape: the barrier measured against the mini-batch noise decides it."
        )
    return (
        f"Depth explains {alone:.0%} of the spread in escape, but it is not proportional to the samples a valley "
        f"fits (per sample it grows {facts['spread']:.0f}-fold)."
    )


def _measure(seed: int) -> dict:
    # The default grid ships precomputed; any other seed computes it.
    return evidence(store.result(analysis.WELLS, dataclasses.replace(analysis.DEFAULT_WELLS, seed=seed)))


ESCAPE = Claim(
    id="minibatch-escape",
    section="local-minimum",
    article_says="the mini-batches differ from one another, and that variation easily carries training out of a "
    "shallow valley, which fits only a few samples.",
    measure=_measure,
    rule=escape_rule,
    explain=escape_summary,
    find=escape_finding,
)

DEPTH = Claim(
    id="depth-vs-samples",
    section="local-minimum",
    article_says="how easily training escapes a local minimum depends on how deep the valley is, and a valley's depth "
    "is proportional to the number of samples it fits; the valleys that really trap a model are deep ones.",
    measure=_measure,
    rule=depth_rule,
    explain=depth_summary,
    find=depth_finding,
)
