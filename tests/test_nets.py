"""The vectorised trainer over seeds against scikit-learn's own MLPClassifier (plain SGD, momentum
0, constant step): the same weights and loss curves, full batch and mini-batches alike."""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier

from explainer.core import nets, training
from explainer.core.network import NetworkLoss, flat_weights

RTOL = 1e-9  # the two code paths sum in different orders, so they agree to rounding, not to the bit


@pytest.fixture(scope="module")
def data():
    return training.make_dataset("xor", n=60, noise=0.2, seed=4)


def sklearn_run(X, y, *, seed, batch_size, shuffle, epochs, lr=0.5, hidden=(3,), alpha=1e-4):
    model = MLPClassifier(
        hidden,
        activation="tanh",
        solver="sgd",
        momentum=0.0,
        learning_rate="constant",
        learning_rate_init=lr,
        batch_size=batch_size,
        shuffle=shuffle,
        max_iter=epochs,
        tol=0.0,
        n_iter_no_change=epochs + 1,
        alpha=alpha,
        random_state=seed,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    return model


def close(a, b, rtol=RTOL):
    return np.max(np.abs(a - b)) <= rtol * np.max(np.abs(b))


def test_the_full_batch_reproduces_scikit_learn(data):
    X, y = data
    seeds, epochs = (0, 1, 2, 3), 40
    runs = nets.train_seeds(X, y, lr=0.5, epochs=epochs, seeds=seeds, shuffle=False, batch_losses=True)
    for s, seed in enumerate(seeds):
        model = sklearn_run(X, y, seed=seed, batch_size=len(X), shuffle=False, epochs=epochs)
        assert close(runs.thetas[s], flat_weights(model))
        assert np.allclose(runs.loss_curve[:, s], model.loss_curve_, rtol=RTOL, atol=0)
        # the recorded full loss is scikit-learn's loss at the final weights
        net = NetworkLoss.from_model(model, X, y)
        assert runs.final[s] == pytest.approx(net.loss(net.theta0), rel=1e-12)


@pytest.mark.parametrize("batch", [1, 7, 20])
def test_mini_batches_reproduce_scikit_learn_shuffles_and_all(batch, data):
    # Each seed's starting weights and every epoch's shuffle follow scikit-learn's own random state,
    # so mini-batch runs match seed by seed, not only in distribution.
    X, y = data
    seeds, epochs = (5, 17), 12
    runs = nets.train_seeds(X, y, lr=0.5, epochs=epochs, batch_size=batch, seeds=seeds, batch_losses=True)
    for s, seed in enumerate(seeds):
        model = sklearn_run(X, y, seed=seed, batch_size=batch, shuffle=True, epochs=epochs)
        assert close(runs.thetas[s], flat_weights(model))
        assert np.allclose(runs.loss_curve[:, s], model.loss_curve_, rtol=RTOL, atol=0)


def test_mini_batch_outcomes_over_many_seeds_match_scikit_learn(data):
    # A statistical check on top: over 30 seeds the final losses (and so any share of bad runs) agree.
    X, y = data
    seeds = range(30)
    runs = nets.train_seeds(X, y, lr=0.5, epochs=30, batch_size=10, seeds=seeds)
    ours = runs.final
    theirs = []
    for seed in seeds:
        model = sklearn_run(X, y, seed=seed, batch_size=10, shuffle=True, epochs=30)
        net = NetworkLoss.from_model(model, X, y)
        theirs.append(net.loss(net.theta0))
    theirs = np.array(theirs)
    assert np.allclose(ours, theirs, rtol=1e-8)
    assert np.mean(ours > 0.3) == np.mean(theirs > 0.3)


def test_starting_weights_are_glorot_and_a_given_start_replaces_them(data):
    X, y = data
    units = nets.layer_units((3,))
    start, _ = nets.sklearn_streams(units, "tanh", [3, 9])
    assert np.array_equal(start[1], training.glorot_init(units, "tanh", 9))
    zero = nets.train_seeds(X, y, epochs=0, seeds=[3], start=np.zeros(nets.n_params(units)))
    assert np.array_equal(zero.thetas, np.zeros((1, nets.n_params(units))))
    assert zero.final[0] == pytest.approx(np.log(2), rel=1e-12)  # p = 1/2 for every sample


def test_sample_gradients_average_to_the_gradient_of_the_loss(data):
    X, y = data
    units = nets.layer_units((3,))
    theta = training.glorot_init(units, "tanh", 2)
    g = nets.sample_gradients(theta, X, y, units, alpha=0.0).mean(axis=0)
    h = 1e-6
    fd = np.array(
        [
            (
                nets.full_loss(theta + h * e, X, y, units, alpha=0.0)[0]
                - nets.full_loss(theta - h * e, X, y, units, alpha=0.0)[0]
            )
            / (2 * h)
            for e in np.eye(len(theta))
        ]
    )
    assert np.allclose(g, fd, atol=1e-8)


def test_at_the_all_zero_start_every_hidden_gradient_is_exactly_zero(data):
    X, y = data
    units = nets.layer_units((3,))
    grads = nets.sample_gradients(np.zeros(nets.n_params(units)), X, y, units)
    assert np.all(grads[:, :-1] == 0.0)  # every weight but the output bias, for every single sample
    assert np.all(grads[:, -1] != 0.0)  # the output bias does move: p - y = ±1/2
    runs = nets.train_seeds(X, y, epochs=50, batch_size=1, seeds=[0], start=np.zeros(nets.n_params(units)))
    assert np.all(runs.thetas[0, :-1] == 0.0)
