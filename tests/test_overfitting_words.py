"""The overfitting section's sentences on results built by hand: a caption never contradicts its own
numbers."""

import dataclasses

import numpy as np
import pytest

from explainer.core import store
from explainer.core.analyses import overfitting as analysis
from explainer.core.overfit import Recorded
from explainer.sections.overfitting import words


def curve_fit(train, test, epochs=None):
    epochs = np.arange(1, len(train) + 1) if epochs is None else np.asarray(epochs)
    train, test = np.asarray(train, float), np.asarray(test, float)
    grid = np.linspace(-1, 1, 3)
    run = Recorded(epochs, train, test, grid, grid, grid, int(np.argmin(test)), int(np.argmin(train)), True)
    z = np.zeros(3)
    return analysis.CurveFit(analysis.DEFAULT_CURVE, run, z, z, z, z, z, 0.09)


def test_the_error_caption_states_both_points():
    fit = curve_fit([0.4, 0.1, 0.05, 0.01], [0.4, 0.1, 0.12, 0.15], epochs=[1, 10, 100, 5000])
    text = words.errors_caption(fit)
    assert "validation error (on 200 held-out points) was lowest at epoch 10" in text
    assert "the test error there was 0.100" in text
    assert "to 0.0100 (lowest at epoch 5,000 of 5,000)" in text and "rose again to 0.150" in text
    assert "0.09 on test points" in text


def test_when_the_test_error_does_not_rise_the_captions_say_so():
    fit = curve_fit([0.4, 0.2, 0.1], [0.4, 0.2, 0.1])
    assert "rose" not in words.errors_caption(fit) and "stayed near it (0.100)" in words.errors_caption(fit)
    assert "the late one is about as good" in words.fits_caption(fit)
    near = curve_fit([0.4, 0.2, 0.1], [0.4, 0.3, 0.312])
    assert "stayed near it (0.312)" in words.errors_caption(near) and "about as good" in words.fits_caption(near)
    worse = curve_fit([0.4, 0.2, 0.1], [0.4, 0.1, 0.15])
    assert "the late one is 50% worse" in words.fits_caption(worse)


def test_the_labels_caption_reads_the_accuracies():
    res = store.result(analysis.LABELS, analysis.DEFAULT_LABELS)
    hand = dataclasses.replace(res, train_acc=(1.0, 0.97), test_acc=(0.9, 0.52))
    text = words.labels_caption(hand)
    assert "100% of its training points and 90% of 500 new points" in text
    assert "97% of its training points and 52% of new ones, which is chance" in text
    assert "The random-label map" in text and "On the right" not in text
    off = dataclasses.replace(res, train_acc=(1.0, 0.7), test_acc=(0.9, 0.8))
    assert "which is not chance" in words.labels_caption(off) and "nothing else" not in words.labels_caption(off)


@pytest.fixture(scope="module")
def sharp():
    return store.result(analysis.SHARP, analysis.DEFAULT_SHARP)


def test_the_sharpness_caption_follows_the_sign(sharp):
    text = words.sharpness_caption(sharp)
    assert f"ρ between sharpness and test loss is {sharp.spearman:.2f}" in text
    assert f"held fixed (partial rank correlation) it is {sharp.partial:.2f}" in text
    assert "flatter runs tested better" not in text  # at seed 0, compared at one training loss, they did not
    assert "nan" not in text.lower()
    flipped = dataclasses.replace(sharp, spearman=-0.5, spearman_p=0.01)
    assert "flatter runs tested worse" in words.sharpness_caption(flipped)
    unclear = dataclasses.replace(sharp, spearman=0.2, spearman_p=0.4)
    assert "no clear link" in words.sharpness_caption(unclear)
    missing = dataclasses.replace(sharp, sharpness=np.where(np.arange(20) == 3, np.nan, sharp.sharpness))
    assert "19 runs (1 not measured)" in words.sharpness_caption(missing)
    assert "nan" not in words.sharpness_caption(missing).lower()
    small = np.median(sharp.test_loss[sharp.batch_size == 5])
    assert f"median test loss {small:.3f}" in text


def test_the_minima_caption_handles_one_height_and_too_few(sharp):
    text = words.minima_caption(sharp)
    assert "20 of 20 L-BFGS runs" in text and "no clear link (higher minima" in text and "did not buy" in text
    assert "no Hessian eigenvalue below" in text and "genuine" not in text
    saddles = dataclasses.replace(sharp, minima_min_eig=np.full(20, -0.01))
    assert "too few to compare" in words.minima_caption(saddles)
    same = dataclasses.replace(sharp, minima_train_loss=np.full(20, 0.15))
    assert "about the same height" in words.minima_caption(same)
    moving = dataclasses.replace(sharp, minima_grad_norm=np.full(20, 0.1))
    assert "too few to compare" in words.minima_caption(moving)
    better = dataclasses.replace(sharp, minima_spearman=-0.6, minima_spearman_p=0.01)
    assert "higher minima tested better" in words.minima_caption(better)
    assert "did not buy" not in words.minima_caption(better)


def test_the_page_credits_the_article_and_mentions_double_descent():
    assert "double descent" in words.DOUBLE_DESCENT.lower() and "Belkin" in words.DOUBLE_DESCENT
    assert "Zhang" in words.LABELS_INTRO and "early stopping" in words.CURVE_INTRO
