"""The saddle-point section's claims.

- ``saddle-probability``: a point where training stalls is a saddle with probability
  ``1 - 0.5 ** 5000``. Evidence: sizes ``n``, the Monte Carlo share of random symmetric matrices
  that are positive definite (``pd_fraction``, with ``stderr``), ``independent`` (``0.5 ** n``)
  and ``log10_p_all_positive_5000`` for independent signs and the random-matrix law.
- ``downhill-directions``: the more directions lead downhill, the easier the escape. Evidence:
  median escape steps by number of downhill directions (``k``, ``steps_by_k``) and by their
  curvature (``curvature``, ``steps_by_curvature``), with the closed forms, noisy and perturbed
  descent, and the monkey saddle against ``x^2 - y^2`` from the same starts.
- ``stall-is-saddle``: at a real network's critical points the share of downhill directions
  rises with the loss. Evidence: ``loss``, ``index_fraction`` and ``grad_norm`` of every critical
  point found, and their ``spearman`` rank correlation (with ``spearman_p``).

Each ``*_rule`` documents its thresholds. ``check(seed)`` reads the section's defaults through
:func:`explainer.core.store.result` (precomputed at seed 0, computed for other seeds).
"""

from __future__ import annotations

import dataclasses
import math

from explainer.core import store
from explainer.core.analyses import saddle_point as sp
from explainer.core.claims.base import CONFIRMED, CONTRADICTED, NOT_JUDGED, REFINED, Claim, plain
from explainer.core.prose import count, sci

# ----- saddle-probability ------------------------------------------------------------------------

#: A size is judged only where the Monte Carlo found at least this many positive definite matrices.
MIN_HITS = 10
#: The summary quotes the largest size with at least this many hits.
RICH = 100
#: A measured share this many standard errors away from ``0.5 ** n`` differs from it.
Z_LIMIT = 3.0


def probability_evidence(res: sp.SaddleProbability) -> dict:
    big = res.settings.big_n
    return plain(
        dict(
            n=res.n,
            samples=res.samples,
            hits=res.hits,
            pd_fraction=res.pd_fraction,
            stderr=res.stderr,
            independent=res.independent,
            random_matrix_leading=res.random_matrix,
            z=res.z,
            exact_2=res.exact_2,
            big_n=big,
            article_p_saddle=res.article_p,
            log10_one_minus_article_p=res.log10_all_positive["independent"],
            **{f"log10_p_all_positive_{big}": res.log10_all_positive},
        )
    )


def _minus(x: float) -> str:
    return f"{x:,.0f}".replace("-", "−")


def _judged_sizes(evidence: dict) -> list[int]:
    return [i for i, (n, h) in enumerate(zip(evidence["n"], evidence["hits"], strict=True)) if n >= 2 and h >= MIN_HITS]


def probability_rule(evidence: dict) -> str:
    """Confirmed if the measured share agrees with ``0.5 ** n`` (within :data:`Z_LIMIT` standard
    errors) at every judged size; contradicted if it is clearly above it somewhere (minima commoner
    than coin flips say); refined if it is clearly below it somewhere and above it nowhere (saddles
    even more likely than the article says, by another law). Sizes with fewer than
    :data:`MIN_HITS` hits are not judged; none judged gives "not judged"."""
    judged = _judged_sizes(evidence)
    if not judged:
        return NOT_JUDGED
    z = [evidence["z"][i] for i in judged]
    if max(z) > Z_LIMIT:
        return CONTRADICTED
    return REFINED if min(z) < -Z_LIMIT else CONFIRMED


def _pct(p: float) -> str:
    return f"{100 * p:.3g}%" if p >= 1e-3 else sci(p)


def probability_summary(evidence: dict, verdict: str) -> str:
    if verdict == NOT_JUDGED:
        return (
            f"Of {evidence['samples']:,} random symmetric matrices too few were minima to measure the share at "
            "any size from 2 up: more samples are needed."
        )
    judged = _judged_sizes(evidence)
    rich = [i for i in judged if evidence["hits"][i] >= RICH]
    last = (rich or judged)[-1]
    n, p, half = evidence["n"][last], evidence["pd_fraction"][last], evidence["independent"][last]
    two = evidence["n"].index(2)
    big = evidence["big_n"]
    logs = evidence[f"log10_p_all_positive_{big}"]
    head = (
        f"Of {evidence['samples']:,} random symmetric matrices, {100 * evidence['pd_fraction'][two]:.2f}% of the 2×2 "
        f"ones are minima (every curvature up; exactly (2 − √2)/4 = {100 * evidence['exact_2']:.2f}%) against the coin "
        f"flips' 25%, and {_pct(p)} of the {n}×{n} ones against 0.5^{n} = {_pct(half)}"
    )
    if verdict == CONFIRMED:
        return head + ": within the Monte Carlo's error at every size, as if each sign were a fair coin."
    if verdict == CONTRADICTED:
        return head + ": minima are commoner than independent signs allow, so saddles are less certain than claimed."
    return (
        f"{head}, {half / p:,.0f} times rarer. Eigenvalues of a random symmetric matrix repel, so an all-positive "
        f"spectrum is far rarer than coin flips: at {big:,} weights the random-matrix law (leading order) puts "
        f"log₁₀ P(minimum) near {_minus(logs['random-matrix'])}, not the article's {_minus(logs['independent'])}. A "
        f"random critical point is a saddle even more surely than the article says, but its number comes from the "
        f"wrong model (and 1 − 0.5^{big} is exactly 1.0 in floating point)."
    )


def probability_finding(evidence: dict, verdict: str) -> str:
    """The finding in one sentence: the share of minima at the largest judged size against the coin flips'."""
    judged = _judged_sizes(evidence)
    if verdict == NOT_JUDGED or not judged:
        return "Too few minima turned up among the random matrices to judge the claim."
    i = judged[-1]
    n, got, coin = evidence["n"][i], _pct(evidence["pd_fraction"][i]), _pct(evidence["independent"][i])
    head = f"Only {got} of random {n}×{n} Hessians are minima (every curvature up), against the coin flips' {coin}"
    if verdict == CONFIRMED:
        return (
            f"{got} of random {n}×{n} Hessians are minima, as the coin flips' {coin} predict: almost every critical "
            "point in many dimensions is a saddle."
        )
    if verdict == CONTRADICTED:
        return (
            f"{got} of random {n}×{n} Hessians are minima, more than the coin flips' {coin}: minima are commoner "
            "than the article allows."
        )
    return (
        f"{head}: a critical point is a saddle even more surely than the article says, by another law than coin flips."
    )


def _probability(seed: int) -> dict:
    return probability_evidence(store.result(sp.PROBABILITY, dataclasses.replace(sp.DEFAULT_PROBABILITY, seed=seed)))


PROBABILITY = Claim(
    id="saddle-probability",
    section="saddle-point",
    article_says="with 5,000 weights, a place where descent slows down is a saddle rather than a minimum with "
    "probability P = 1 − 0.5^5000, as if each direction curved up or down by the toss of a coin.",
    measure=_probability,
    rule=probability_rule,
    explain=probability_summary,
    find=probability_finding,
)


# ----- downhill-directions ------------------------------------------------------------------------

#: If going from the fewest to the most downhill directions saves less than this share of the
#: steps, more directions hardly help: the claim is contradicted.
HARDLY = 0.1
#: The claim is confirmed if the number of directions moves the escape time at least this much,
#: per factor of e, as the curvature does (elasticities ``d ln steps / d ln x``).
AS_MUCH = 0.5


def downhill_evidence(res: sp.DownhillDirections, race: sp.SaddleRace) -> dict:
    s = res.settings
    extra = {}
    for m in s.methods:
        if m != "gd":
            extra[f"steps_by_k_{m}"] = res.steps_by_k[m]
            extra[f"steps_by_curvature_{m}"] = res.steps_by_curvature[m]
    return plain(
        dict(
            d=s.d,
            lr=s.lr,
            radius=s.radius,
            level=s.level,
            starts=s.starts,
            k=res.k,
            steps_by_k=res.steps_by_k["gd"],
            closed_by_k=res.closed_by_k,
            curvature=res.curvature,
            steps_by_curvature=res.steps_by_curvature["gd"],
            closed_by_curvature=res.closed_by_curvature,
            noise=s.noise,
            **extra,
            monkey=dict(
                lr=race.settings.lr,
                offsets=race.offsets,
                saddle_steps=race.saddle_steps,
                saddle_closed=race.saddle_closed,
                monkey_steps=race.monkey_steps,
                monkey_estimate=race.monkey_estimate,
                monkey_slope=race.monkey_slope,
            ),
        )
    )


def gains(evidence: dict) -> dict[str, float]:
    """How much faster the most downhill directions and the steepest curvature make the escape
    (``k_gain``, ``curvature_gain``: ratios of median steps), and per factor of e of each
    (``k_elasticity``, ``curvature_elasticity``)."""
    k, sk = evidence["k"], evidence["steps_by_k"]
    c, sc = evidence["curvature"], evidence["steps_by_curvature"]
    k_gain, c_gain = sk[0] / sk[-1], sc[0] / sc[-1]
    return dict(
        k_gain=k_gain,
        curvature_gain=c_gain,
        k_elasticity=math.log(k_gain) / math.log(k[-1] / k[0]),
        curvature_elasticity=math.log(c_gain) / math.log(c[-1] / c[0]),
    )


def downhill_rule(evidence: dict) -> str:
    """Not judged if plain descent's median escape is missing anywhere (half the runs or more had
    not escaped). Contradicted if the most downhill directions save less than :data:`HARDLY` of
    the steps of the fewest; confirmed if the escape time responds to the number of directions at
    least :data:`AS_MUCH` as strongly as to their curvature; refined otherwise (it helps, but the
    curvature sets the time)."""
    if any(v is None for v in evidence["steps_by_k"] + evidence["steps_by_curvature"]):
        return NOT_JUDGED
    g = gains(evidence)
    if g["k_gain"] < 1 + HARDLY:
        return CONTRADICTED
    return CONFIRMED if g["k_elasticity"] >= AS_MUCH * g["curvature_elasticity"] else REFINED


def downhill_summary(evidence: dict, verdict: str) -> str:
    if verdict == NOT_JUDGED:
        return "Half the runs or more did not escape within their step budget somewhere: these settings cannot judge."
    k, sk = evidence["k"], evidence["steps_by_k"]
    c, sc = evidence["curvature"], evidence["steps_by_curvature"]
    g = gains(evidence)
    d = evidence["d"]
    head = (
        f"On a saddle in {d} dimensions, plain descent needs a median {sk[0]:.0f} steps to escape with "
        f"{count(k[0], 'downhill direction')} and {sk[-1]:.0f} with {k[-1]}: {g['k_gain']:.2f} times faster for "
        f"{k[-1] // k[0]} times as many directions. Making the one downhill direction {c[-1] / c[0]:.0f} times "
        f"steeper (curvature {c[0]:g} to {c[-1]:g}) cuts the time from {sc[0]:.0f} to {sc[-1]:.0f} steps, "
        f"{g['curvature_gain']:.0f} times."
    )
    monkey = evidence["monkey"]
    ms, ss = monkey["monkey_steps"], monkey["saddle_steps"]
    slow = [i for i, v in enumerate(ms) if v is not None and v > 0]
    tail = ""
    if slow:
        i = slow[-1]
        tail = (
            f" The monkey saddle, whose curvature is zero, is the slow one: from {sci(monkey['offsets'][i])} off its "
            f"stable line it takes {ms[i]:,} steps where x² − y² takes {ss[i]:,}."
        )
    if verdict == CONTRADICTED:
        return head + " More downhill directions hardly help; the curvature sets the escape time." + tail
    if verdict == CONFIRMED:
        return head + " The number of downhill directions matters as much as their steepness." + tail
    return (
        head + " More downhill directions help only through the start's share of them (a logarithm, as the closed form "
        "says); the steepest downhill curvature sets the escape time." + tail
    )


def downhill_finding(evidence: dict, verdict: str) -> str:
    """The finding in one sentence: what more downhill directions and a steeper way down each save."""
    if verdict == NOT_JUDGED:
        return "Half the runs or more never left the saddle, so their escape times cannot be compared."
    g = gains(evidence)
    k, c = evidence["k"], evidence["curvature"]
    more = f"{k[-1]} downhill directions instead of {k[0]} make descent leave a saddle"
    if verdict == CONTRADICTED:
        steps = evidence["steps_by_k"]
        return (
            f"{more} hardly sooner ({steps[-1]:,.0f} steps against {steps[0]:,.0f}): the number of ways down does "
            "not set the escape."
        )
    if verdict == CONFIRMED:
        return f"{more} {g['k_gain']:.2g} times as fast: more ways down, a quicker escape."
    return (
        f"{more} only {g['k_gain']:.2g} times as fast, while a {c[-1] / c[0]:g} times steeper way down makes it "
        f"{g['curvature_gain']:.0f} times as fast: the steepness of the way down sets the escape time."
    )


def _downhill(seed: int) -> dict:
    res = store.result(sp.DOWNHILL, dataclasses.replace(sp.DEFAULT_DOWNHILL, seed=seed))
    return downhill_evidence(res, store.result(sp.RACE, sp.DEFAULT_RACE))


DOWNHILL = Claim(
    id="downhill-directions",
    section="saddle-point",
    article_says="how easily training leaves a saddle depends on how many of its directions lead downhill: the more "
    "of them, the easier the escape.",
    measure=_downhill,
    rule=downhill_rule,
    explain=downhill_summary,
    find=downhill_finding,
)


# ----- stall-is-saddle ------------------------------------------------------------------------------

#: At least this many critical points are needed to judge the trend.
MIN_POINTS = 20
#: Significance level of Spearman's test.
P_LIMIT = 0.05


def stall_evidence(census: sp.Census, stall: sp.NetworkStall | None = None) -> dict:
    extra = {}
    if stall is not None and stall.stall is not None:
        extra = dict(
            stall_loss=stall.stall.loss,
            stall_index=stall.index,
            stall_n_params=stall.n_params,
            stall_epochs=list(stall.stall_epochs),
        )
    return plain(
        dict(
            n_params=census.n_params,
            seeds=list(census.settings.seeds),
            seed=census.seed,
            loss=census.loss,
            index=census.index,
            index_fraction=census.index_fraction,
            grad_norm=census.grad_norm,
            spearman=census.spearman,
            spearman_p=census.spearman_p,
            minima=census.minima,
            searches=census.searches,
            **extra,
        )
    )


def stall_rule(evidence: dict) -> str:
    """Not judged below :data:`MIN_POINTS` critical points (or without a correlation); confirmed
    if Spearman's coefficient of loss and index fraction is positive at significance
    :data:`P_LIMIT`; contradicted if it is negative at that level; refined if neither (the index
    does not follow the loss clearly either way)."""
    rho, p = evidence["spearman"], evidence["spearman_p"]
    if len(evidence["loss"]) < MIN_POINTS or rho is None or p is None:
        return NOT_JUDGED
    if p < P_LIMIT:
        return CONFIRMED if rho > 0 else CONTRADICTED
    return REFINED


def _p_value(p: float) -> str:
    return f"p = {p:.2g}" if p >= 1e-4 else f"p = {sci(p)}"


def stall_summary(evidence: dict, verdict: str) -> str:
    loss, index = evidence["loss"], evidence["index"]
    m = len(loss)
    if verdict == NOT_JUDGED:
        return f"Only {count(m, 'critical point')} found: too few to judge how the index follows the loss."
    minima = evidence["minima"]
    n_params = evidence["n_params"]
    saddle = [i for i in range(m) if index[i] > 0]
    low = [loss[i] for i in range(m) if index[i] == 0]
    text = (
        f"{m} critical points of {len(evidence['seeds'])} small networks ({n_params} weights each): "
        f"{count(len(saddle), 'saddle')} and {count(minima, 'minimum', 'minima')}"
    )
    if low:
        text += f" (at losses {min(low):.3f} to {max(low):.3f})"
    if saddle:
        top = max(saddle, key=lambda i: index[i])
        text += f"; the saddles reach up to {index[top]} downhill directions of {n_params}"
    text += (
        f". Spearman's ρ between loss and share of downhill directions is {evidence['spearman']:.2f} "
        f"({_p_value(evidence['spearman_p'])})."
    )
    if "stall_index" in evidence:
        a, b = evidence["stall_epochs"]
        text += (
            f" The network that stalled (epochs {a} to {b}, loss {evidence['stall_loss']:.3f}) sat where "
            f"{evidence['stall_index']} of its {evidence['stall_n_params']} directions lead down."
        )
    if verdict == CONFIRMED:
        return (
            text + " High-loss stalls are saddles; only the low ones are near minima, as Dauphin et al. (2014) found."
        )
    if verdict == CONTRADICTED:
        return text + " Here the index falls as the loss rises: high stalls are no likelier to be saddles."
    return text + " The index does not follow the loss clearly either way here."


def stall_finding(evidence: dict, verdict: str) -> str:
    """The finding in one sentence: how many critical points are saddles, and whether the index follows the loss."""
    total = len(evidence["loss"])
    if verdict == NOT_JUDGED:
        return f"Only {count(total, 'critical point')} turned up, fewer than the {MIN_POINTS} a verdict needs."
    saddles = sum(i > 0 for i in evidence["index"])
    rho = evidence["spearman"]
    head = f"{saddles} of the {total} places where small networks' gradients vanish are saddles"
    if verdict == CONFIRMED:
        return (
            f"{head}, and the higher the loss, the more ways lead down (ρ = {rho:.2f}): a high-loss stall is a saddle."
        )
    if verdict == CONTRADICTED:
        return (
            f"{head}, but the higher the loss, the fewer ways lead down (ρ = {rho:.2f}): high-loss stalls are not "
            "the saddles."
        )
    p = _p_value(evidence["spearman_p"])
    return f"{head}, but the share of ways down does not follow the loss clearly (ρ = {rho:.2f}, {p})."


def _stall(seed: int) -> dict:
    stall = store.result(sp.STALL, dataclasses.replace(sp.DEFAULT_STALL, seed=seed))
    return stall_evidence(store.result(sp.CENSUS, sp.DEFAULT_CENSUS), stall)


STALL = Claim(
    id="stall-is-saddle",
    section="saddle-point",
    article_says="in high dimensions, when gradient descent slows to a crawl it has most likely reached a saddle point "
    "rather than a minimum.",
    measure=_stall,
    rule=stall_rule,
    explain=stall_summary,
    find=stall_finding,
)

CLAIMS = (PROBABILITY, DOWNHILL, STALL)
