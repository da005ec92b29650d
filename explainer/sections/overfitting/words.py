"""The overfitting section's sentences: pure functions from its results (tested on hand-built ones)."""

from __future__ import annotations

import numpy as np

from explainer.core.analyses.overfitting import REST_CURVATURE, REST_GRAD, CurveFit, LabelsFit, SharpRuns
from explainer.core.claims.overfitting import CHANCE_BAND, change, trend
from explainer.core.prose import count, sci

INTRO = (
    "ends on a warning: the global minimum of the training loss may be where the model overfits, and some local "
    "minima elsewhere may serve it better. The first half is right and important. But the goal was never the "
    "lowest training loss: it is a low loss on data the network has not seen, the test loss. Below, a wide network "
    "fits a few noisy points, then memorises labels that mean nothing, and finally we ask what does predict good "
    "generalisation: a higher local minimum, or something else?"
)

CURVE_INTRO = (
    "**Part 1: fitting noise.** Twenty noisy samples of a smooth curve, and a network with far more weights than "
    "points. Training error falls and falls, for as long as we let it run; the test error, on 200 fresh points "
    "from the same curve, falls at first and then turns back up as the network starts to bend through the noise "
    "of each training point. The lowest test error comes long before the lowest training error: stopping there "
    "is *early stopping*. The stopping point is chosen on 200 more points held out as a validation set (the test "
    "set must stay unseen), and the test error is read at that epoch. A penalty on large weights (*α*, "
    "scikit-learn's L2 term) does a similar job by keeping the fit smooth."
)

LABELS_INTRO = (
    "**Part 2: a zero-loss minimum that is worthless.** Zhang et al. (ICLR 2017) trained networks on labels "
    "scrambled at random and found they fit them perfectly, then score no better than chance on new data. Here "
    "the same test on a small 2-D data set: in each class a random half of the points swap label, so a point's "
    "label says nothing about where it lies. A wide network reaches (almost) zero training loss both times. The "
    "training loss cannot tell the two minima apart; only the test data can."
)

MINIMA_INTRO = (
    "**Part 3: which minimum, then?** A network with more weights than data has not one minimum of zero training "
    "loss but a huge connected set of them (Garipov et al. 2018; Draxler et al. 2018), and *which* one training "
    "lands in decides how well it generalises. One much-studied clue is flatness: small-batch SGD tends to end in "
    "flatter regions, and flatter regions often test better (Keskar et al. 2017), though sharpness can be changed "
    "without changing the function (Dinh et al. 2017). Below, 20 runs of plain SGD with different batch sizes and "
    "seeds, each stopped as soon as its training loss reaches the same value (so that a run is not flatter merely "
    "because it trained longer), and each one's sharpness (the steepest curvature of the training loss, the "
    "largest eigenvalue of its Hessian) against its test loss."
)

DOUBLE_DESCENT = (
    "**Not the whole story: double descent.** Overfitting is not the fate of every network that fits its data "
    "exactly. Make the model much bigger than the size at which it can just interpolate the training set, and the "
    "test error often falls again (Belkin et al. 2019; Nakkiran et al. 2020): among the many zero-loss solutions, "
    "training then tends to find smooth ones. So the article's warning is a good one, but the cure is not to look "
    "for a worse local minimum: it is early stopping and regularisation, and whatever implicit preference the "
    "training method has for simple solutions (flatness is one proposed measure of it; in the small test above "
    "it did not reliably predict the test loss)."
)

READ_MORE = (
    "Read more: Zhang et al., *Understanding deep learning requires rethinking generalization*, ICLR 2017 "
    "(arXiv:1611.03530); Keskar et al., *On large-batch training*, ICLR 2017 (arXiv:1609.04836); Dinh et al., "
    "*Sharp minima can generalize for deep nets*, ICML 2017; Garipov et al. and Draxler et al., 2018, on "
    "connected minima; Belkin et al., PNAS 2019, and Nakkiran et al., ICLR 2020, on double descent; "
    "Safran & Shamir, ICML 2018, on spurious minima of small ReLU networks."
)

DIVERGED = (
    "This run blew up (its weights stopped being finite), so there is no curve to show: try a smaller width or "
    "the default settings."
)


def _rose(before: float, after: float) -> str:
    moved = change(before, after)
    if moved == "rose":
        return f"rose again to {after:.3f}"
    if moved == "fell":
        return f"fell further to {after:.3f}"
    return f"stayed near it ({after:.3f})"


def errors_caption(fit: CurveFit) -> str:
    s = fit.settings
    return (
        f"Training error fell from {fit.train_start:.3f} after the first epoch to {fit.train_late:.4f} (lowest "
        f"at epoch {fit.late_iteration:,} of {s.iterations:,}). The validation error (on {s.n_val} held-out points) "
        f"was lowest at epoch {fit.best_iteration:,}, when the training error was still {fit.train_early:.3f}; "
        f"the test error there was {fit.test_early:.3f}, and it then {_rose(fit.test_early, fit.test_late)} at the "
        f"late point. The noise alone costs {fit.noise_mse:.2f} on test points (σ² for σ = {s.noise:g}): a training "
        f"error far below that means the network is fitting noise."
    )


def fits_caption(fit: CurveFit) -> str:
    s = fit.settings
    moved = change(fit.test_early, fit.test_late)
    if moved == "rose":
        worse = (fit.test_late - fit.test_early) / fit.test_early
        judged = f"the late one is {worse:.0%} worse on the {s.n_test} test points"
    elif moved == "fell":
        judged = (
            f"the late one is better on the {s.n_test} test points ({fit.test_late:.3f} against {fit.test_early:.3f})"
        )
    else:
        judged = (
            f"the late one is about as good on the {s.n_test} test points ({fit.test_late:.3f} against "
            f"{fit.test_early:.3f})"
        )
    return (
        f"The {s.n_train} training points (large dots) and {s.n_test} test points (small), with the early-stopped "
        f"fit (epoch {fit.best_iteration:,}, training error {fit.train_early:.3f}) and the late fit (epoch "
        f"{fit.late_iteration:,}, training error {fit.train_late:.4f}) drawn over them: {judged}."
    )


def labels_caption(res: LabelsFit) -> str:
    s = res.settings
    (tr_t, tr_r), (te_t, te_r) = res.train_acc, res.test_acc
    chance = "which is chance (50%)" if abs(te_r - 0.5) <= CHANCE_BAND else "which is not chance (50%)"
    fitted = "it fits the noise and nothing else" if tr_r >= 0.95 else "yet it has not fitted them all"
    return (
        f"The same {s.width}-unit network, trained by L-BFGS on {s.n_train} points: with the true labels it gets "
        f"{tr_t:.0%} of its training points and {te_t:.0%} of {s.n_test} new points right; with random labels, "
        f"{tr_r:.0%} of its training points and {te_r:.0%} of new ones, {chance}. The random-label map is a "
        f"patchwork drawn around single points: {fitted}."
    )


def sharpness_caption(res: SharpRuns) -> str:
    ok = res.measured
    s = res.settings
    sizes = s.batch_sizes
    med_s = {b: float(np.median(v[np.isfinite(v)])) if np.isfinite(v).any() else None
             for b, v in res.by_batch(np.where(ok, res.sharpness, np.nan)).items()}  # fmt: skip
    med_t = {b: float(np.median(v[np.isfinite(v)])) if np.isfinite(v).any() else None
             for b, v in res.by_batch(np.where(ok, res.test_loss, np.nan)).items()}  # fmt: skip
    small, big = sizes[0], sizes[-1]
    missed = int((~ok).sum())
    head = f"{count(int(ok.sum()), 'run')}" + (f" ({missed} not measured)" if missed else "") + "."
    reached = int(res.reached[ok].sum())
    others = f" (the others stopped at {s.max_updates:,} steps)" if reached < int(ok.sum()) else ""
    every = "All" if reached == int(ok.sum()) else f"{reached} of them"
    stop = (
        f" {every} reached training loss {s.target:g}{others}; "
        f"they took {int(res.updates[ok].min()):,} to {int(res.updates[ok].max()):,} SGD steps."
        if ok.any()
        else ""
    )
    medians = ""
    if med_s[small] is not None and med_s[big] is not None:
        medians = (
            f" With batches of {small} the median sharpness is {sci(med_s[small], 3)} and the median test loss "
            f"{med_t[small]:.3f}; with batches of {big}, {sci(med_s[big], 3)} and {med_t[big]:.3f}."
        )
    rho = res.spearman
    if not np.isfinite(rho):
        trend_text = " Sharpness and test loss do not vary enough here to be ranked."
    else:
        trend_text = (
            f" Spearman's ρ between sharpness and test loss is {rho:.2f} (p = {sci(res.spearman_p)}): "
            f"{trend(rho, res.spearman_p, 'flatter runs')}."
        )
        if np.isfinite(res.partial):
            trend_text += (
                f" With the training loss held fixed (partial rank correlation) it is {res.partial:.2f} "
                f"(p = {sci(res.partial_p)}): {trend(res.partial, res.partial_p, 'flatter runs')}."
            )
    return head + stop + medians + trend_text


def minima_caption(res: SharpRuns) -> str:
    rest = res.rest
    m = int(rest.sum())
    hidden = "-".join(str(h) for h in res.settings.minima_hidden)
    if m < 3:
        return f"Only {m} of {len(rest)} runs of the {hidden}-unit network came to rest: too few to compare minima."
    tr, te = res.minima_train_loss[rest], res.minima_test_loss[rest]
    low = tr <= tr.min() * 1.01
    head = (
        f"{m} of {len(rest)} L-BFGS runs of a {hidden}-unit network came to rest (gradient below {REST_GRAD:g} and "
        f"no Hessian eigenvalue below -{REST_CURVATURE:g}: no direction leads down), at training losses from "
        f"{tr.min():.4f} to {tr.max():.4f}. "
    )
    if low.all():
        return head + "They all reached about the same height, so there is no higher minimum to compare with."
    rho = res.minima_spearman
    direction = trend(-rho, res.minima_spearman_p, "higher minima")
    text = (
        f"The ones at the lowest height tested at a median {np.median(te[low]):.3f}, the higher ones at "
        f"{np.median(te[~low]):.3f}; Spearman's ρ between training and test loss is {rho:.2f} "
        f"(p = {sci(res.minima_spearman_p)}): {direction}."
    )
    if rho >= 0 or res.minima_spearman_p >= 0.05:
        text += " Here a worse fit to the training data did not buy clearly better generalisation."
    return head + text
