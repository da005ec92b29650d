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
    # the early point is picked on the validation set (not the test set), the late one the lowest training error
    assert curve.run.val[curve.run.best] == curve.run.val.min() and curve.train_late == curve.run.train.min()
    assert curve.test_early >= curve.run.test.min()  # not the test set's own best: no peeking
    assert len(curve.run.val) == len(curve.run.test)


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
    # every run was stopped at the common training-loss target, so none is flatter merely by training longer
    assert all(ev["reached"]) and max(ev["train_loss"]) <= ev["target"] and min(ev["train_loss"]) > 0.8 * ev["target"]
    assert -1 <= ev["partial"] <= 1 and 0 <= ev["partial_p"] <= 1
    assert len(ev["minima_train_loss"]) == len(ev["minima_test_loss"]) == s.minima_runs
    assert ev["spearman"] == pytest.approx(sharp.spearman)


def test_the_default_verdict_is_refined_and_follows_the_rule(result):
    ev = result.evidence
    assert result.verdict == ledger.rule(ev) == REFINED
    facts = ledger.facts(ev)
    assert facts["overfits"] and facts["memorised"] and not facts["higher_better"]
    assert f"test error rose: {ev['test_early']:.3f} then {ev['test_late']:.3f}" in result.summary
    assert "not a local minimum of higher loss" in result.summary
    # Compared at one training loss, flatter runs did not test better at seed 0 (sharper ones did, if anything):
    # the summary must not credit flatness.
    assert not facts["flat_better"] and "flatter solution" not in result.summary
    assert ev["partial"] < 0 and ev["partial_p"] < 0.05 and "flatter runs tested worse" in result.summary
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
        regularised_width=256,
        regularised_iterations=5000,
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
        partial=0.9,
        partial_p=0.001,
        target=0.1,
        minima_train_loss=[0.10, 0.10, 0.10, 0.15, 0.15, 0.15],
        minima_test_loss=[0.40, 0.45, 0.42, 0.60, 0.62, 0.65],
        minima_grad_norm=[1e-5] * 6,
        minima_min_eig=[1e-3] * 6,
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
        (dict(test_late=0.104, minima_spearman=-0.85), REFINED),  # within the tolerance: no overfitting
        # "better higher minima" that are not at rest, or not significant, or all at one height
        (dict(minima_spearman=-0.85, minima_grad_norm=[0.1] * 6), REFINED),
        (dict(minima_spearman=-0.85, minima_min_eig=[-0.01] * 6), REFINED),  # saddles, not minima
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
    # flatness is credited only if the correlation survives holding the training loss fixed
    text = ledger.summary(hand_evidence(partial=0.1, partial_p=0.6), REFINED)
    assert "flatter solution" not in text and "with the training loss held fixed, ρ = 0.10" in text
    assert "no clear link (flatter runs" in text
    text = ledger.summary(hand_evidence(minima_spearman=-0.85), CONFIRMED)
    assert "higher minima tested better" in text and "really does generalise better" in text
    text = ledger.summary(hand_evidence(minima_spearman=-0.1, minima_spearman_p=0.7), REFINED)
    assert "no clear link (higher minima" in text


def test_each_clause_of_the_summary_follows_its_own_fact():
    # the late fit tests better: no "rose", no early-stopped solution credited
    text = ledger.summary(hand_evidence(test_late=0.099), REFINED)
    assert "test error stayed about the same: 0.100 then 0.099" in text and "early-stopped" not in text
    text = ledger.summary(hand_evidence(test_late=0.08), REFINED)
    assert "test error fell" in text and "early-stopped" not in text
    # one tolerance: 0.300 -> 0.312 is within 5%, so it "stayed", in the summary as in the caption
    text = ledger.summary(hand_evidence(test_early=0.3, test_late=0.312), REFINED)
    assert "stayed about the same" in text and "rose" not in text
    assert ledger.change(0.3, 0.312) == "stayed" and ledger.change(0.3, 0.32) == "rose"
    # random labels not memorised (70% train, 80% test): no "worthless minimum"
    text = ledger.summary(hand_evidence(train_acc_random=0.7, test_acc_random=0.8), REFINED)
    assert "worthless" not in text and "did not memorise" in text
    text = ledger.summary(hand_evidence(train_acc_random=1.0, test_acc_random=0.8), REFINED)
    assert "worthless" not in text and "not at chance" in text
    # the regularised run is named by its own settings; a penalty that did not help is not credited
    text = ledger.summary(hand_evidence(regularised_alpha=1.0, test_regularised=0.2), REFINED)
    assert "penalty α = 1 (256 units, 5,000 epochs) ended at test error 0.200" in text
    assert "regularised solution" not in text
    # minima: what was checked is said
    assert "no Hessian eigenvalue below" in ledger.summary(hand_evidence(), REFINED)


def test_partial_rank_correlation_removes_a_shared_driver():
    rng = np.random.default_rng(0)
    driver = rng.standard_normal(200)
    a, b = driver + 0.1 * rng.standard_normal(200), driver + 0.1 * rng.standard_normal(200)
    assert spearmanr(a, b).statistic > 0.9
    rho, p = analysis.partial_spearman(a, b, driver)
    assert abs(rho) < 0.3 and p > 0.001
    rho, p = analysis.partial_spearman(a, a + 0.01 * rng.standard_normal(200), driver)
    assert rho > 0.5 and p < 1e-6
    assert np.isnan(analysis.partial_spearman([1, 2, 3], [1, 2, 3], [1, 2, 3])[0])


def test_sharpness_reports_no_convergence_as_not_measured(monkeypatch):
    from scipy.sparse.linalg import ArpackNoConvergence

    def fail(*args, **kwargs):
        raise ArpackNoConvergence("no", np.array([]), np.array([]))

    X, y = make_dataset("moons", n=20, noise=0.3, seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = MLPClassifier(hidden_layer_sizes=(3,), max_iter=5, random_state=0).fit(X, y)
    import scipy.sparse.linalg

    monkeypatch.setattr(scipy.sparse.linalg, "eigsh", fail)  # overfit imports it when it runs
    assert overfit.sharpness(NetworkLoss.from_model(model, X, y)) is None


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
