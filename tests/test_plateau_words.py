"""The plateau section's sentences on results varied by hand: a caption never contradicts its numbers."""

import dataclasses

import numpy as np
import pytest

from explainer.core import store
from explainer.core.analyses import plateau as analysis
from explainer.sections.plateau import figures, words


def view(**kw):
    return analysis.product_view(dataclasses.replace(analysis.DEFAULT_RUN, **kw))


def test_the_default_run_caption_states_its_plateau():
    v = view()
    text = words.product_caption(v)
    p = v.plateau
    assert f"for {p.length:,} steps" in text and f"at step {v.escape:,}" in text and "predicts 995" in text
    assert v.escape == 999 and p.start == 0 and 900 < p.end < 1000


def test_a_censored_run_says_so_and_shows_no_escape():
    v = view(u0=1e-4, lr=0.01)
    text = words.product_caption(v)
    assert v.escape is None and "still on the plateau" in text and "censored" in text
    frame = figures.product(v).data
    assert frame["step"].min() >= 1 and frame["loss"].notna().all()


def test_no_plateau_with_one_weight_and_none_named():
    v = view(depth=1, u0=0.1)
    assert v.plateau is None and "There is no plateau" in words.product_caption(v)


def test_the_plateau_steps_are_named_with_the_last_step_included():
    v = view(u0=1e-4, lr=0.01)  # the whole run is plateau: 200,000 steps, so steps 0-200,000
    text = words.product_caption(v)
    assert v.plateau.start == 0 and v.plateau.last == v.total == 200_000
    assert "steps 0–200,000)" in text
    # the gradient on it is the run's steepest, so no "against ... at its steepest"
    assert "the whole run is this flat" in text and "at its steepest" not in text


def test_a_tiny_start_gradient_is_not_called_large():
    v = view(depth=3, u0=3e-4, lr=0.03, method="adam")
    text = words.product_caption(v)
    assert v.plateau is None and v.start_grad < 1e-6
    assert "not small" not in text and "gradient at the start is tiny" in text and "Adam moves on regardless" in text
    # with one weight the gradient at the start is large, and the caption says so
    text = words.product_caption(view(depth=1, u0=0.1))
    assert "the gradient is not small at this start" in text


def test_several_plateaus_are_counted():
    v = view()
    extra = dataclasses.replace(v.plateau, start=v.plateau.end + 100, end=v.plateau.end + 120)
    two = dataclasses.replace(v, plateaus=(v.plateau, extra))
    assert "(1 shorter plateau also shaded.)" in words.product_caption(two)
    assert "shorter" not in words.product_caption(v)


def test_other_optimisers_quote_plain_descent():
    text = words.product_caption(view(method="momentum"))
    assert "momentum 0.9" in text and "plain descent would need about" in text


def test_a_diverging_run_reads_plainly():
    v = dataclasses.replace(view(), diverged=True)
    assert "blew up" in words.product_caption(v)


def test_escape_caption_reads_the_grid():
    grid = store.result(analysis.ESCAPE, analysis.DEFAULT_ESCAPE)
    text = words.escape_caption(grid, 3, 0.01, "gd")
    assert "adds about 24 steps" in text and "multiplies them by about 10.1" in text
    assert "plain gradient descent: 999; momentum 0.9: 148; Adam: 10" in text
    assert "Hollow" not in text
    censored = dataclasses.replace(
        grid, steps={**grid.steps, "gd": np.where(grid.steps["gd"] > 50_000, -1, grid.steps["gd"])}
    )
    text = words.escape_caption(censored, 3, 0.0001, "gd")
    assert (
        "still on the plateau at 1,000,000 steps" in text and "more than the cap" in text and "Hollow marks: 1" in text
    )


def test_failure_and_failed_run_captions():
    res = store.result(analysis.XOR, analysis.DEFAULT_XOR)
    text = words.failures_caption(res)
    assert "logistic (sigmoid) 62% with 2 hidden units and 4% with 6" in text and f"took was {res.n_iter.max()}" in text
    run = store.result(analysis.FAILED, analysis.DEFAULT_FAILED)
    text = words.failed_caption(run)
    assert f"Seed {run.random_state}" in text and f"{int(run.pinned.sum())} of its {run.pinned.size}" in text
    assert "(0, 1), (1, 0) and (1, 1) get the same code" in text and "Wrong: (1, 1)" in text
    assert f"iteration ({run.n_iter} in all" in words.lbfgs_caption(
        run
    ) and "max_iter = 1, 2, …" in words.lbfgs_caption(run)


def test_the_failure_caption_only_claims_what_holds():
    res = store.result(analysis.XOR, analysis.DEFAULT_XOR)
    text = words.failures_caption(res)
    assert "every one stopped on L-BFGS's own convergence test" in text and "Failures fall with width:" in text
    capped = dataclasses.replace(res, status=np.where(np.arange(res.status.size).reshape(res.status.shape) < 3, 1, 0))
    text = words.failures_caption(capped)
    assert "3 of 600 hit the iteration or evaluation cap" in text and "every one stopped" not in text
    # failures that rise with width for one activation, for all
    a = res.settings.activations.index("relu")
    rising = res.failed.copy()
    rising[a] = rising[a][::-1]
    rising[a, -1, :40] = True
    text = words.failures_caption(dataclasses.replace(res, failed=rising))
    assert "Failures fall with width for logistic (sigmoid) and tanh, not for ReLU" in text
    flat = np.zeros_like(res.failed)
    assert "Failures do not fall with width" in words.failures_caption(dataclasses.replace(res, failed=flat))


def test_no_failed_run_to_show():
    run = analysis.failed_run(dataclasses.replace(analysis.DEFAULT_FAILED, activation="tanh", width=6))
    assert run.random_state is None and "None of the 50 seeds" in words.failed_caption(run)


def test_stop_caption():
    res = store.result(analysis.STOP, analysis.DEFAULT_STOP)
    text = words.stop_caption(res)
    assert f"stopped at epoch {res.replica_stop:,} with loss {res.stop_loss:.4f}" in text
    assert "a real MLPClassifier with those defaults stops at the same epoch" in text
    assert "on the plateau" in text and f"reached loss {res.final_loss:.4f} by epoch 3,000" in text
    p = res.stop_plateau
    assert f"where the loss sits at {p.loss:.4f}" in text and "0.693" in f"{p.loss:.4f}"
    # a second plateau, still on it at the end, is named too
    two = analysis.stop_run(dataclasses.replace(analysis.DEFAULT_STOP, seed=3))
    text = words.stop_caption(two)
    assert "another plateau at 0.37" in text and "still on it at the end" in text
    assert res.stop_loss > 0.6 > 0.05 > res.final_loss
    never = dataclasses.replace(res, replica_stop=None)
    assert "would not have stopped" in words.stop_caption(never) and "MLPClassifier" not in words.stop_caption(never)


@pytest.mark.parametrize("lr", analysis.STEP_SIZES)
@pytest.mark.parametrize("depth", analysis.DEPTHS)
def test_every_reader_setting_reads_cleanly(lr, depth):
    for method in analysis.PRODUCT_METHODS:
        text = words.product_caption(view(depth=depth, lr=lr, method=method, u0=0.001))
        assert "nan" not in text and "inf" not in text
