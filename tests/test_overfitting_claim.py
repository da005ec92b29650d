"""The overfitting section's analyses and claim: the numbers the issue asks for at the defaults
(the late fit tests worse than the early one, random labels fitted fully and tested at chance),
the evidence's shape, the verdict from its rule (fed hand-built evidence for every branch), and
the machinery against scikit-learn and dense linear algebra."""

import copy
import dataclasses
import json
import warnings

import numpy as np
import pytest
from scipy.stats import spearmanr
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier, MLPRegressor

from explainer.core import overfit, store
from explainer.core.analyses import overfitting as analysis
from explainer.core.claims import CLAIMS, CONFIRMED, CONTRADICTED, REFINED
from explainer.core.claims import overfitting as ledger
from explainer.core.network import NetworkLoss
from explainer.core.training import make_curve, make_dataset


@pytest.fixture(scope="module")
def curve():
    return store.result(analysis.CURVE, analysis.DEFAULT_CURVE)


@pytest.fixture(scope="module")
def labels():
    return store.result(analysis.LABELS, analysis.DEFAULT_LABELS)


@pytest.fixture(scope="module")
def sharp():
    return store.result(analysis.SHARP, analysis.DEFAULT_SHARP)


@pytest.fixture(scope="module")
def result():
    return CLAIMS["global-minimum-overfits"].check(0)


# ----- what the issue requires at the defaults -------------------------------------------------------


def test_the_late_fit_tests_worse_than_the_early_one(curve):
    assert curve.finite
    assert curve.test_late > 1.2 * curve.test_early  # overfitting, clearly
    assert curve.train_late < 0.2 * curve.train_early  # while the training error kept falling
    assert curve.train_late < curve.noise_mse / 5  # far below the noise: it fits the noise
    assert curve.best_iteration < curve.late_iteration
    # the early point is the lowest test error read, the late one the lowest training error
    assert curve.test_early == curve.run.test.min() and curve.train_late == curve.run.train.min()


def test_random_labels_are_fitted_fully_and_test_at_chance(labels):
    assert labels.train_acc == (1.0, 1.0)
    assert abs(labels.test_acc[1] - 0.5) <= 0.15
    assert labels.test_acc[0] >= 0.9
    # the random labels keep each class's size, and half of each class changed label
    assert labels.y_random.sum() == pytest.approx(len(labels.y_random) / 2, abs=1)
    for c in (0, 1):
        flipped = labels.y_random[labels.y_true == c] != c
        assert flipped.sum() == (labels.y_true == c).sum() // 2
    assert all(p.shape == (labels.settings.grid, labels.settings.grid) for p in labels.proba)
    assert all(((p >= 0) & (p <= 1)).all() for p in labels.proba)


def test_the_evidence_has_the_issues_keys_and_shapes(result, sharp):
    ev = result.evidence
    json.dumps(ev)
    for key in ("train_early", "test_early", "train_late", "test_late"):
        assert isinstance(ev[key], float)
    for key in ("train_acc_true", "train_acc_random", "test_acc_true", "test_acc_random"):
        assert 0 <= ev[key] <= 1
    s = analysis.DEFAULT_SHARP
    runs = s.runs * len(s.batch_sizes)
    assert len(ev["sharpness"]) == len(ev["test_loss"]) == len(ev["batch_size"]) == runs == 20
    assert sorted(set(ev["batch_size"])) == sorted(s.batch_sizes)
    assert all(v > 0 for v in ev["sharpness"])
    rho, p = spearmanr(ev["sharpness"], ev["test_loss"])
    assert ev["spearman"] == pytest.approx(rho) and ev["spearman_p"] == pytest.approx(p)
    assert len(ev["minima_train_loss"]) == len(ev["minima_test_loss"]) == s.minima_runs
    assert ev["spearman"] == pytest.approx(sharp.spearman)


def test_the_default_verdict_is_refined_and_follows_the_rule(result):
    ev = result.evidence
    assert result.verdict == ledger.rule(ev) == REFINED
    facts = ledger.facts(ev)
    assert facts["overfits"] and facts["memorised"] and not facts["higher_better"]
    assert f"{ev['test_early']:.3f} to {ev['test_late']:.3f}" in result.summary
    assert "not a local minimum of higher loss" in result.summary and "flatter runs tested better" in result.summary
    # At the defaults the flatter runs tested better, and higher minima no better (SCIENCE.md).
    assert ev["spearman"] > 0 and ev["spearman_p"] < 0.05
    assert ev["minima_spearman"] > 0


# ----- the rule, branch by branch ----------------------------------------------------------------


def hand_evidence(**changes):
    ev = dict(
        n_train=20,
        width=256,
        best_iteration=100,
        late_iteration=5000,
        train_early=0.1,
        test_early=0.1,
        train_late=0.01,
        test_late=0.13,
        regularised_alpha=0.1,
        train_regularised=0.11,
        test_regularised=0.11,
        n_labels=100,
        label_width=512,
        train_acc_true=1.0,
        test_acc_true=0.95,
        train_acc_random=1.0,
        test_acc_random=0.48,
        sharpness=[0.3, 0.4, 0.5],
        test_loss=[0.3, 0.35, 0.4],
        spearman=1.0,
        spearman_p=0.0,
        minima_train_loss=[0.10, 0.10, 0.10, 0.15, 0.15, 0.15],
        minima_test_loss=[0.40, 0.45, 0.42, 0.60, 0.62, 0.65],
        minima_grad_norm=[1e-5] * 6,
        minima_spearman=0.85,
        minima_spearman_p=0.03,
    )
    ev.update(changes)
    return ev


@pytest.mark.parametrize(
    ("changes", "verdict"),
    [
        ({}, REFINED),
        # genuine higher minima generalising better, and overfitting real: the claim in full
        (dict(minima_test_loss=[0.6, 0.62, 0.65, 0.4, 0.42, 0.45], minima_spearman=-0.85), CONFIRMED),
        # no overfitting and random labels not memorised
        (dict(test_late=0.099, train_acc_random=0.8, test_acc_random=0.5), CONTRADICTED),
        (dict(test_late=0.099, train_acc_random=1.0, test_acc_random=0.9), CONTRADICTED),  # not at chance
        # one half holds: refined, not contradicted
        (dict(test_late=0.099), REFINED),
        (dict(train_acc_random=0.7), REFINED),
        # higher minima test better, but no overfitting: not confirmed
        (dict(test_late=0.1, minima_spearman=-0.85), REFINED),
        # "better higher minima" that are not at rest, or not significant, or all at one height
        (dict(minima_spearman=-0.85, minima_grad_norm=[0.1] * 6), REFINED),
        (dict(minima_spearman=-0.85, minima_spearman_p=0.2), REFINED),
        (dict(minima_spearman=-0.85, minima_train_loss=[0.1] * 6), REFINED),
        # a blown-up curve fit says nothing about overfitting
        (dict(test_early=None, test_late=None, train_acc_random=0.6), CONTRADICTED),
    ],
)
def test_the_rule_follows_the_evidence(changes, verdict):
    ev = hand_evidence(**changes)
    assert ledger.rule(ev) == verdict
    judged = CLAIMS["global-minimum-overfits"].judge(copy.deepcopy(ev))
    assert judged.verdict == verdict and judged.summary


def test_the_summary_says_which_way_each_finding_went():
    text = ledger.summary(hand_evidence(spearman=-0.6), REFINED)
    assert "flatter runs tested worse" in text and "higher minima tested worse" in text
    assert "an early-stopped or regularised solution" in text  # not "flatter": here flatter runs tested worse
    text = ledger.summary(hand_evidence(), REFINED)
    assert "an early-stopped, regularised or flatter solution" in text
    text = ledger.summary(hand_evidence(minima_spearman=-0.85), CONFIRMED)
    assert "higher minima tested better" in text and "really does generalise better" in text
    text = ledger.summary(hand_evidence(minima_spearman=-0.1, minima_spearman_p=0.7), REFINED)
    assert "no clear link (higher minima" in text


# ----- the machinery --------------------------------------------------------------------------------


def test_recording_leaves_scikit_learns_training_untouched():
    X, y = make_curve("sine", n=40, noise=0.3, seed=1)
    params = dict(hidden_layer_sizes=(16,), solver="adam", alpha=0.0, learning_rate_init=0.02, batch_size=20,
                  shuffle=False, random_state=1)  # fmt: skip
    rec = overfit.record_fit(X[:20], y[:20], X[20:], y[20:], np.linspace(-1, 1, 5), epochs=60, **params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        plain = MLPRegressor(**params, max_iter=60, tol=0.0, n_iter_no_change=61).fit(X[:20], y[:20])
    # the same operations in the same process: the same weights, so the same last prediction
    p = overfit.predict_flat(plain, np.linspace(-1, 1, 5)[:, None])
    assert rec.epochs[-1] == 60 and len(rec.epochs) == len(set(rec.epochs))
    if rec.lowest == len(rec.epochs) - 1:
        np.testing.assert_array_equal(rec.lowest_curve, p)
    np.testing.assert_allclose(p, plain.predict(np.linspace(-1, 1, 5)[:, None]), rtol=1e-12)
    # the errors read are mean squared errors at those weights
    last = float(np.mean((overfit.predict_flat(plain, X[:20]) - y[:20]) ** 2))
    assert rec.train[-1] == pytest.approx(last, rel=1e-12)
    # scikit-learn's loss_curve_ is half the squared error of the weights before each epoch's step
    assert 2 * plain.loss_curve_[1] == pytest.approx(rec.train[0], rel=1e-9)


def test_log_marks_cover_every_early_epoch_and_end_at_the_last():
    marks = overfit.log_marks(5000)
    assert marks[0] == 1 and marks[-1] == 5000 and list(marks[:10]) == list(range(1, 11))
    assert np.all(np.diff(marks) > 0) and len(marks) < 210


def test_sharpness_is_the_top_eigenvalue_of_the_dense_hessian():
    X, y = make_dataset("moons", n=40, noise=0.3, seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = MLPClassifier(hidden_layer_sizes=(4,), activation="tanh", max_iter=200, random_state=0).fit(X, y)
    net = NetworkLoss.from_model(model, X, y)
    top = np.linalg.eigvalsh(net.hessian(net.theta0))[-1]
    value = overfit.sharpness(net, seed=3)
    assert value == pytest.approx(top, rel=1e-6)
    assert overfit.sharpness(net, seed=3) == value  # seeded: the same call, the same number


def test_coin_labels_are_independent_of_the_class_and_seeded():
    y = np.array([0] * 7 + [1] * 10)
    a, b = analysis.coin_labels(y, 4), analysis.coin_labels(y, 4)
    np.testing.assert_array_equal(a, b)
    assert (a[:7] == 1).sum() == 3 and (a[7:] == 0).sum() == 5
    assert not np.array_equal(a, analysis.coin_labels(y, 5))


def test_another_seed_gives_other_data_and_the_same_shapes():
    s = dataclasses.replace(analysis.DEFAULT_CURVE, seed=1, iterations=300, width=32)
    fit = analysis.curve_fit(s)
    assert fit.finite and fit.run.epochs[-1] == 300
    base = store.result(analysis.CURVE, analysis.DEFAULT_CURVE)
    assert not np.allclose(fit.x_train, base.x_train)
    assert fit.run.best_curve.shape == fit.run.lowest_curve.shape == (s.grid,)
