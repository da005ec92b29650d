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
    assert v.plateau is None and "no long flat stretch" in words.product_caption(v)


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
    assert f"max_iter = 1, 2, …, {run.n_iter}" in words.lbfgs_caption(run)


def test_no_failed_run_to_show():
    run = analysis.failed_run(dataclasses.replace(analysis.DEFAULT_FAILED, activation="tanh", width=6))
    assert run.random_state is None and "None of the 50 seeds" in words.failed_caption(run)


def test_stop_caption():
    res = store.result(analysis.STOP, analysis.DEFAULT_STOP)
    text = words.stop_caption(res)
    assert f"stopped at epoch {res.replica_stop:,} with loss {res.stop_loss:.4f}" in text
    assert res.replica_stop == res.sklearn_stop and "the replay differs" not in text
    assert "on the plateau" in text and f"reached loss {res.final_loss:.4f} by epoch 3,000" in text
    assert res.stop_loss > 0.6 > 0.05 > res.final_loss
    never = dataclasses.replace(res, replica_stop=None)
    assert "would not have stopped" in words.stop_caption(never)


@pytest.mark.parametrize("lr", analysis.STEP_SIZES)
@pytest.mark.parametrize("depth", analysis.DEPTHS)
def test_every_reader_setting_reads_cleanly(lr, depth):
    for method in analysis.PRODUCT_METHODS:
        text = words.product_caption(view(depth=depth, lr=lr, method=method, u0=0.001))
        assert "nan" not in text and "inf" not in text
