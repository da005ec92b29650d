"""The overfitting section's claim, read off its three analyses
(:mod:`explainer.core.analyses.overfitting`).

``global-minimum-overfits``: the global minimum of the training loss may be where the model
overfits, and some local minima may generalise better. Evidence:

- the noisy curve: ``train_early``, ``test_early`` (mean squared errors of the early-stopped fit,
  at ``best_iteration``, the epoch of lowest test error), ``train_late``, ``test_late`` (the fit of
  lowest training error, at ``late_iteration`` of ``iterations``), ``noise_mse`` (the noise's
  variance), and the same fit with a penalty ``regularised_alpha`` (``train_regularised``,
  ``test_regularised``, at its lowest training error);
- random labels (Zhang et al. 2017): ``train_acc_true``, ``test_acc_true``, ``train_acc_random``,
  ``test_acc_random`` (test accuracy against the true labels);
- flatness: one ``sharpness`` (top Hessian eigenvalue of the training loss), ``test_loss`` and
  ``train_loss`` per SGD run (``batch_size``, ``run_seed``), and ``spearman`` (``spearman_p``)
  between sharpness and test loss;
- minima of different heights: ``minima_train_loss``, ``minima_test_loss``, ``minima_grad_norm``
  of a small network fitted by L-BFGS from many seeds, and ``minima_spearman``
  (``minima_spearman_p``) between training and test loss over those that came to rest.

The rule (:func:`rule`): **contradicted** if the late fit tests no worse than the early one (no
overfitting) and random labels are not memorised; **confirmed** only if, besides overfitting being
real, genuine minima of higher training loss test better (at least :data:`MIN_MINIMA` runs at
rest, spread over at least two loss levels, with Spearman's coefficient negative at
significance :data:`P_LIMIT`); **refined** otherwise: the first half holds, but what tests better
is an early-stopped (or regularised, or flatter) solution, not a higher-loss local minimum.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from explainer.core import store
from explainer.core.analyses import overfitting as analysis
from explainer.core.claims.base import CONFIRMED, CONTRADICTED, REFINED, Claim, plain
from explainer.core.prose import listing, sci

#: Overfitting is real when the late fit's test error exceeds the early fit's by this factor.
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
            spearman=sharp.spearman,
            spearman_p=sharp.spearman_p,
            minima_hidden=list(sharp.settings.minima_hidden),
            minima_train_loss=sharp.minima_train_loss,
            minima_test_loss=sharp.minima_test_loss,
            minima_grad_norm=sharp.minima_grad_norm,
            minima_spearman=sharp.minima_spearman,
            minima_spearman_p=sharp.minima_spearman_p,
        )
    )


def facts(ev: dict) -> dict:
    """What the rule reads: is overfitting real, are random labels memorised, and do higher
    minima test better."""
    early, late = ev["test_early"], ev["test_late"]
    overfits = early is not None and late is not None and late > OVERFIT * early
    memorised = ev["train_acc_random"] >= MEMORISED and abs(ev["test_acc_random"] - 0.5) <= CHANCE_BAND
    grads = np.array([np.inf if g is None else g for g in ev["minima_grad_norm"]], dtype=float)
    rest = np.flatnonzero(grads < REST_GRAD)
    losses = np.array([ev["minima_train_loss"][i] for i in rest], dtype=float)
    levels = len(rest) >= MIN_MINIMA and losses.min() > 0 and losses.max() / losses.min() >= 1 + DISTINCT
    rho, p = ev["minima_spearman"], ev["minima_spearman_p"]
    higher_better = bool(levels and rho is not None and p is not None and rho < 0 and p < P_LIMIT)
    return dict(overfits=bool(overfits), memorised=bool(memorised), rested=len(rest), levels=bool(levels),
                higher_better=higher_better)  # fmt: skip


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


def trend(rho: float, p: float | None, who: str) -> str:
    """ "flatter runs tested better" when ``rho`` (oriented so that positive means better) is
    significant, "... tested worse" when significantly negative, "no clear link" otherwise."""
    if p is not None and p < P_LIMIT:
        return f"{who} tested better" if rho > 0 else f"{who} tested worse"
    return f"no clear link ({who} tested neither clearly better nor worse)"


def summary(ev: dict, verdict: str) -> str:
    f = facts(ev)
    parts = []
    if ev["test_early"] is None:
        parts.append("The curve fit blew up, so it says nothing about overfitting.")
    else:
        word = "rose" if ev["test_late"] > ev["test_early"] else "did not rise"
        parts.append(
            f"On {ev['n_train']} noisy points, a {ev['width']}-unit network drove its training error from "
            f"{ev['train_early']:.3f} (epoch {ev['best_iteration']:,}, the lowest test error) to "
            f"{ev['train_late']:.3f} (epoch {ev['late_iteration']:,}), while the test error {word} from "
            f"{ev['test_early']:.3f} to {ev['test_late']:.3f}."
        )
    fitted = "every" if ev["train_acc_random"] >= 1 else "nearly every"
    parts.append(
        f"Fitted to random labels, a {ev['label_width']}-unit network got {ev['train_acc_random']:.0%} of its "
        f"{ev['n_labels']} training points right and {ev['test_acc_random']:.0%} of new ones (chance is 50%), "
        f"against {ev['test_acc_true']:.0%} with the true labels: a minimum that fits {fitted} label can be worthless."
    )
    rho = ev["spearman"]
    if rho is not None:
        parts.append(
            f"Over {len(ev['sharpness'])} SGD runs, sharpness and test loss had Spearman's ρ = {rho:.2f} "
            f"({_p(ev['spearman_p'])}): {trend(rho, ev['spearman_p'], 'flatter runs')}."
        )
    m_rho = ev["minima_spearman"]
    if f["rested"] >= MIN_MINIMA and f["levels"] and m_rho is not None:
        parts.append(
            f"Among {f['rested']} true local minima of a small network, training and test loss had ρ = "
            f"{m_rho:.2f} ({_p(ev['minima_spearman_p'])}): {trend(-m_rho, ev['minima_spearman_p'], 'higher minima')}."
        )
    else:
        parts.append(f"The small network's {f['rested']} minima at rest were too few or too alike to compare.")
    if verdict == CONFIRMED:
        parts.append("Here a local minimum of higher training loss really does generalise better.")
    elif verdict == CONTRADICTED:
        parts.append("Neither experiment shows the global minimum doing harm here.")
    else:
        reg, test_reg = ev["regularised_alpha"], ev["test_regularised"]
        flat_better = rho is not None and rho > 0 and ev["spearman_p"] is not None and ev["spearman_p"] < P_LIMIT
        kinds = ["early-stopped"]
        if test_reg is not None and ev["test_late"] is not None and test_reg < ev["test_late"]:
            kinds.append("regularised")
        if flat_better:
            kinds.append("flatter")
        tail = (
            f"The minimum of the training loss can overfit, but what generalises better here is an "
            f"{listing(kinds, 'or')} solution, not a local minimum of higher loss"
        )
        if test_reg is not None and ev["test_late"] is not None:
            tail += f" (with penalty α = {reg:g} the late test error was {test_reg:.3f})"
        parts.append(tail + ".")
    return " ".join(parts)


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
)
