"""The overfitting section's claim, read off its three analyses
(:mod:`explainer.core.analyses.overfitting`).

``global-minimum-overfits``: the global minimum of the training loss may be where the model
overfits, and some local minima may generalise better. Evidence:

- the noisy curve: ``train_early``, ``test_early`` (mean squared errors of the early-stopped fit,
  at ``best_iteration``, the epoch of lowest error on a held-out validation set), ``train_late``,
  ``test_late`` (the fit of lowest training error, at ``late_iteration`` of ``iterations``), ``noise_mse`` (the noise's
  variance), and the same fit with a penalty ``regularised_alpha`` (``train_regularised``,
  ``test_regularised``, at its lowest training error);
- random labels (Zhang et al. 2017): ``train_acc_true``, ``test_acc_true``, ``train_acc_random``,
  ``test_acc_random`` (test accuracy against the true labels);
- flatness: one ``sharpness`` (top Hessian eigenvalue of the training loss; ``None``: not
  measured), ``test_loss`` and ``train_loss`` per SGD run (``batch_size``, ``run_seed``), every
  run stopped at the training loss ``target``; ``spearman`` (``spearman_p``) between sharpness and
  test loss, and ``partial`` (``partial_p``) the same with the training loss held fixed;
- minima of different heights: ``minima_train_loss``, ``minima_test_loss``, ``minima_grad_norm``,
  ``minima_min_eig`` (smallest Hessian eigenvalue) of a small network fitted by L-BFGS from many
  seeds, and ``minima_spearman`` (``minima_spearman_p``) between training and test loss over those
  at rest.

The rule (:func:`rule`): **contradicted** if the late fit tests no worse than the early one (no
overfitting) and random labels are not memorised; **confirmed** only if, besides overfitting being
real, genuine minima of higher training loss test better (at least :data:`MIN_MINIMA` runs at
rest, spread over at least two loss levels, with Spearman's coefficient negative at
significance :data:`P_LIMIT`); **refined** otherwise: the first half holds, but what tests better
is an early-stopped (or regularised) solution, not a higher-loss local minimum. Flatness does not
enter the verdict: its correlation with test loss changes sign from seed to seed. The summary
credits flatter solutions only when both the raw and the training-loss-controlled correlation are
positive at :data:`P_LIMIT` (:func:`facts` ``flat_better``).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from explainer.core import store
from explainer.core.analyses import overfitting as analysis
from explainer.core.claims.base import CONFIRMED, CONTRADICTED, REFINED, Claim, plain
from explainer.core.prose import listing, sci

__all__ = ["CLAIM", "OVERFIT", "change", "evidence", "facts", "rule", "summary", "trend"]

#: Two errors count as different only when one exceeds the other by this factor: overfitting is real
#: when the late fit's test error is above ``OVERFIT`` times the early fit's (the captions use it too).
OVERFIT = 1.05
#: Random labels are memorised when at least this share of them is fitted...
MEMORISED = 0.95
#: ... while the test accuracy stays within this distance of chance (0.5).
CHANCE_BAND = 0.15
#: A minimum is at rest when its gradient's norm is below this.
REST_GRAD = analysis.REST_GRAD
#: At least this many minima at rest are needed to say how their heights relate to test loss...
MIN_MINIMA = 5
#: ... and two of their training losses must differ by at least this share to count as two levels.
DISTINCT = 0.01
#: Significance level of Spearman's tests.
P_LIMIT = 0.05


def evidence(
    curve: analysis.CurveFit,
    regularised: analysis.CurveFit,
    labels: analysis.LabelsFit,
    sharp: analysis.SharpRuns,
) -> dict:
    return plain(
        dict(
            curve=curve.settings.curve,
            n_train=curve.settings.n_train,
            width=curve.settings.width,
            alpha=curve.settings.alpha,
            iterations=curve.settings.iterations,
            finite=curve.finite,
            noise_mse=curve.noise_mse,
            best_iteration=curve.best_iteration if curve.finite else None,
            late_iteration=curve.late_iteration if curve.finite else None,
            train_early=curve.train_early if curve.finite else None,
            test_early=curve.test_early if curve.finite else None,
            train_late=curve.train_late if curve.finite else None,
            test_late=curve.test_late if curve.finite else None,
            regularised_alpha=regularised.settings.alpha,
            regularised_width=regularised.settings.width,
            regularised_iterations=regularised.settings.iterations,
            train_regularised=regularised.train_late if regularised.finite else None,
            test_regularised=regularised.test_late if regularised.finite else None,
            data=labels.settings.data,
            n_labels=labels.settings.n_train,
            label_width=labels.settings.width,
            train_acc_true=labels.train_acc[0],
            test_acc_true=labels.test_acc[0],
            train_acc_random=labels.train_acc[1],
            test_acc_random=labels.test_acc[1],
            batch_size=sharp.batch_size,
            run_seed=sharp.run_seed,
            sharpness=sharp.sharpness,
            train_loss=sharp.train_loss,
            test_loss=sharp.test_loss,
            target=sharp.settings.target,
            reached=sharp.reached,
            spearman=sharp.spearman,
            spearman_p=sharp.spearman_p,
            partial=sharp.partial,
            partial_p=sharp.partial_p,
            minima_hidden=list(sharp.settings.minima_hidden),
            minima_train_loss=sharp.minima_train_loss,
            minima_test_loss=sharp.minima_test_loss,
            minima_grad_norm=sharp.minima_grad_norm,
            minima_min_eig=sharp.minima_min_eig,
            minima_spearman=sharp.minima_spearman,
            minima_spearman_p=sharp.minima_spearman_p,
        )
    )


def change(before: float, after: float) -> str:
    """ "rose", "fell" or "stayed" for a move from ``before`` to ``after``, with the one tolerance
    :data:`OVERFIT` (a change of less than that factor either way is "stayed")."""
    if after > OVERFIT * before:
        return "rose"
    if after * OVERFIT < before:
        return "fell"
    return "stayed"


def _significant(rho, p, sign: int) -> bool:
    return rho is not None and p is not None and np.isfinite(rho) and sign * rho > 0 and p < P_LIMIT


def facts(ev: dict) -> dict:
    """What the rule and the summary read: is overfitting real, are random labels memorised (and
    fitted in full), do higher minima test better, and do flatter runs test better robustly (raw
    and training-loss-controlled correlation both positive and significant)."""
    early, late = ev["test_early"], ev["test_late"]
    overfits = early is not None and late is not None and change(early, late) == "rose"
    memorised = ev["train_acc_random"] >= MEMORISED and abs(ev["test_acc_random"] - 0.5) <= CHANCE_BAND
    rest = np.flatnonzero(
        analysis.at_rest(ev["minima_grad_norm"], ev.get("minima_min_eig", [0.0] * len(ev["minima_grad_norm"])))
    )
    losses = np.array([ev["minima_train_loss"][i] for i in rest], dtype=float)
    levels = len(rest) >= MIN_MINIMA and losses.min() > 0 and losses.max() / losses.min() >= 1 + DISTINCT
    higher_better = bool(levels and _significant(ev["minima_spearman"], ev["minima_spearman_p"], -1))
    flat_better = _significant(ev["spearman"], ev["spearman_p"], 1) and _significant(
        ev.get("partial"), ev.get("partial_p"), 1
    )
    test_reg = ev["test_regularised"]
    reg_better = test_reg is not None and late is not None and change(late, test_reg) == "fell"
    return dict(overfits=bool(overfits), memorised=bool(memorised), rested=len(rest), levels=bool(levels),
                higher_better=higher_better, flat_better=bool(flat_better), reg_better=bool(reg_better))  # fmt: skip


def rule(ev: dict) -> str:
    f = facts(ev)
    if not f["overfits"] and not f["memorised"]:
        return CONTRADICTED
    if f["overfits"] and f["higher_better"]:
        return CONFIRMED
    return REFINED


def _p(p: float | None) -> str:
    if p is None:
        return "p not defined"
    return f"p = {p:.2g}" if p >= 1e-4 else f"p = {sci(p)}"


def trend(rho: float | None, p: float | None, who: str) -> str:
    """ "flatter runs tested better" when ``rho`` (oriented so that positive means better) is
    significant, "... tested worse" when significantly negative, "no clear link" otherwise."""
    if rho is not None and p is not None and np.isfinite(rho) and p < P_LIMIT:
        return f"{who} tested better" if rho > 0 else f"{who} tested worse"
    return f"no clear link ({who} tested neither clearly better nor worse)"


_MOVED = {"rose": "rose", "fell": "fell", "stayed": "stayed about the same"}


def summary(ev: dict, verdict: str) -> str:
    f = facts(ev)
    parts = []
    if ev["test_early"] is None:
        parts.append("The curve fit blew up, so it says nothing about overfitting.")
    else:
        moved = _MOVED[change(ev["test_early"], ev["test_late"])]
        parts.append(
            f"On {ev['n_train']} noisy points, a {ev['width']}-unit network drove its training error from "
            f"{ev['train_early']:.3f} (epoch {ev['best_iteration']:,}, picked by a held-out validation set) to "
            f"{ev['train_late']:.3f} (epoch {ev['late_iteration']:,}), while the test error {moved}: "
            f"{ev['test_early']:.3f} then {ev['test_late']:.3f}."
        )
    acc = ev["train_acc_random"]
    head = (
        f"Fitted to random labels, a {ev['label_width']}-unit network got {acc:.0%} of its {ev['n_labels']} "
        f"training points right and {ev['test_acc_random']:.0%} of new ones (chance is 50%), against "
        f"{ev['test_acc_true']:.0%} with the true labels"
    )
    if f["memorised"]:
        fitted = "every" if acc >= 1 else "nearly every"
        parts.append(f"{head}: a minimum that fits {fitted} label can be worthless.")
    elif acc < MEMORISED:
        parts.append(
            f"{head}: it did not memorise the random labels, so this run shows no zero-loss minimum that fails "
            "on new data."
        )
    else:
        parts.append(f"{head}: it memorised them, but its test accuracy is not at chance, so the test is not clean.")
    rho = ev["spearman"]
    n_runs = sum(v is not None for v in ev["sharpness"])
    if rho is not None:
        text = (
            f"Over {n_runs} SGD runs, each stopped at training loss {ev['target']:g}, sharpness and test loss had "
            f"Spearman's ρ = {rho:.2f} ({_p(ev['spearman_p'])}): {trend(rho, ev['spearman_p'], 'flatter runs')}"
        )
        if ev.get("partial") is not None:
            text += (
                f"; with the training loss held fixed, ρ = {ev['partial']:.2f} ({_p(ev['partial_p'])}): "
                f"{trend(ev['partial'], ev['partial_p'], 'flatter runs')}"
            )
        parts.append(text + ".")
    m_rho = ev["minima_spearman"]
    if f["rested"] >= MIN_MINIMA and f["levels"] and m_rho is not None:
        parts.append(
            f"Among {f['rested']} local minima of a small network (gradient below {REST_GRAD:g}, no Hessian "
            f"eigenvalue below -{analysis.REST_CURVATURE:g}), training and test loss had ρ = {m_rho:.2f} "
            f"({_p(ev['minima_spearman_p'])}): {trend(-m_rho, ev['minima_spearman_p'], 'higher minima')}."
        )
    else:
        parts.append(f"The small network's {f['rested']} minima at rest were too few or too alike to compare.")
    if verdict == CONFIRMED:
        parts.append("Here a local minimum of higher training loss really does generalise better.")
    elif verdict == CONTRADICTED:
        parts.append("Neither experiment shows the global minimum doing harm here.")
    else:
        parts.append(_refined_tail(ev, f))
    return " ".join(parts)


def _refined_tail(ev: dict, f: dict) -> str:
    kinds = []
    if f["overfits"]:
        kinds.append("early-stopped")
    if f["reg_better"]:
        kinds.append("regularised")
    if f["flat_better"]:
        kinds.append("flatter")
    reg = (
        f"the fit with penalty α = {ev['regularised_alpha']:g} ({ev['regularised_width']} units, "
        f"{ev['regularised_iterations']:,} epochs) ended at test error {ev['test_regularised']:.3f}"
        if ev["test_regularised"] is not None
        else None
    )
    if kinds:
        tail = f"What generalised better here is an {listing(kinds, 'or')} solution, not a local minimum of higher loss"
    elif f["memorised"]:
        tail = (
            "A zero-loss minimum can be worthless, but in this run nothing tested better than the minimum "
            "reached: not a local minimum of higher loss either"
        )
    else:
        tail = "No solution here tested clearly better than the late fit, and none of higher loss did"
    if reg is not None:
        tail += f" ({reg}, against {ev['test_late']:.3f} without it)" if ev["test_late"] is not None else f" ({reg})"
    return tail + "."


def finding(ev: dict, verdict: str) -> str:
    """The finding in one sentence: what training on to the lowest loss did to the test error, and
    what tested better."""
    f = facts(ev)
    early, late = ev["test_early"], ev["test_late"]
    went = None if early is None else f"{_MOVED[change(early, late)]} from {early:.3f} to {late:.3f}"
    if verdict == CONTRADICTED:
        return (
            "Training on to the lowest training loss did no harm here"
            + (f" (the test error {went})" if went else "")
            + ", and the network did not simply memorise random labels."
        )
    if verdict == CONFIRMED:
        return (
            f"As training went on to the lowest training loss the test error {went}, and local minima of higher "
            "training loss tested better."
        )
    better = [k for k, on in (("early-stopped", f["overfits"]), ("penalised", f["reg_better"])) if on]
    instead = (
        f"what tested better was an {listing(better, 'or')} fit, not a local minimum of higher loss"
        if better
        else "no local minimum of higher loss tested better"
    )
    if f["overfits"]:
        return f"As training went on to the lowest training loss the test error {went}, but {instead}."
    return (
        f"A network fitted random labels perfectly and got {ev['test_acc_random']:.0%} of new points right (chance "
        f"is 50%), so a perfect fit can be worthless; but {instead}."
    )


def _measure(seed: int) -> dict:
    return evidence(
        store.result(analysis.CURVE, dataclasses.replace(analysis.DEFAULT_CURVE, seed=seed)),
        store.result(analysis.REGULARISED, dataclasses.replace(analysis.DEFAULT_REGULARISED, seed=seed)),
        store.result(analysis.LABELS, dataclasses.replace(analysis.DEFAULT_LABELS, seed=seed)),
        store.result(analysis.SHARP, dataclasses.replace(analysis.DEFAULT_SHARP, seed=seed)),
    )


CLAIM = Claim(
    id="global-minimum-overfits",
    section="overfitting",
    article_says="the global minimum may not be the best weights for the model but the place where it overfits; "
    "a number of local minima elsewhere in the landscape may perform better.",
    measure=_measure,
    rule=rule,
    explain=summary,
    find=finding,
)
