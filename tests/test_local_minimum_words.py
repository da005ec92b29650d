"""The local-minimum section's sentences on results varied by hand: a caption never contradicts its
own numbers."""

import dataclasses

import numpy as np
import pytest

from explainer.core import kinds, store
from explainer.core.analyses import local_minimum as analysis
from explainer.sections.local_minimum import words


@pytest.fixture(scope="module")
def wells():
    return store.result(analysis.WELLS, analysis.DEFAULT_WELLS)


def test_the_default_valley_caption_states_its_run(wells):
    view = analysis.valley_view(analysis.DEFAULT_VALLEY)
    text = words.valley_caption(view)
    k = round(view.mini.fraction * view.settings.runs)
    assert f"{k} of 200 runs ({view.mini.fraction:.0%})" in text
    assert f"w = {view.valleys.shallow:.3f}" in text and f"ΔL = {view.valleys.barrier:.3f}" in text
    assert f"predicts {view.kramers:.0%}" in text and "batches of 4 samples" in text


def test_without_a_valley_the_caption_says_it_vanished():
    view = analysis.valley_view(dataclasses.replace(analysis.DEFAULT_VALLEY, m=7))
    text = words.valley_caption(view)
    assert "no shallow valley at all" in text and "below 9 samples" in text
    assert "crossed the rim" not in text and "Kramers" not in text


def test_the_full_batch_caption_has_no_noise_to_speak_of():
    view = analysis.valley_view(dataclasses.replace(analysis.DEFAULT_VALLEY, batch=40))
    text = words.valley_caption(view)
    assert "no noise to help" in text and "crossed the rim" not in text


def test_escape_caption_reads_the_table(wells):
    text = words.escape_caption(wells, (10, 12))
    f = wells.escape_fraction
    assert f"single samples freed {f[0, 0]:.0%}" in text and f"and {f[-1, 0]:.0%} from the deepest" in text
    assert "freed none, at any depth and at every step size tried (0.02 to 0.2)" in text
    assert "Lines for 2 of the 9" in text
    leaky = dataclasses.replace(wells, grid=dataclasses.replace(wells.grid, fraction=wells.grid.fraction + 0.0))
    leaky.grid.fraction[0, -1, 0] = 0.25
    assert "even the full batch freed up to 25%" in words.escape_caption(leaky, (10,))


def test_sets_caption_names_the_best_measure(wells):
    text = words.sets_caption(wells)
    r2 = wells.collapse
    assert f"explains {r2[kinds.MEASURE_BARRIER]:.0%}" in text and f"({r2[kinds.MEASURE_XIE]:.0%})" in text
    assert f"within {wells.kramers_error:.2f}" in text and "not the best here" not in text
    worse = dataclasses.replace(wells, collapse={**r2, kinds.MEASURE_NOISE_PATH: 0.5})
    assert "not the best here" in words.sets_caption(worse)
    note = words.sets_note(wells)
    ratio = wells.prefactor.max() / wells.prefactor.min()
    assert f"changes {ratio:.1f}-fold" in note and f"varies by {wells.grid.noise[0, 0]:.2f}" in note


def test_double_well_caption_lists_the_noise_ladder():
    res = store.result(analysis.DOUBLE_WELL, analysis.DEFAULT_DOUBLE_WELL)
    drawn = analysis.noisy_paths(analysis.DEFAULT_PATHS)
    text = words.double_well_caption(res, drawn)
    i = list(res.settings.noises).index(0.5)
    assert f"{res.escaped[i]:.0%} at noise 0.5" in text and f"predicts {res.kramers[i]:.0%} for noise 0.5" in text
    assert "0% of 200 runs left it" in text and "7/192" in text
    for r, step in enumerate(drawn.first_escape):
        assert (f"run {r + 1} at step {step:,}" in text) == (step >= 0)
    none = dataclasses.replace(drawn, first_escape=np.full(3, -1))
    assert "None of the 3 runs drawn above" in words.double_well_caption(res, none)


def net_result(bad_mini, bad_full_steps, runs=100):
    """A hand-built NetworkSeeds: batch sizes 5 and the full batch, ``bad_*`` bad runs out of ``runs``."""
    s = dataclasses.replace(analysis.DEFAULT_NET, batch_sizes=(5, 100), runs=runs)

    def losses(bad):
        return np.where(np.arange(runs) < bad, 0.4, 0.2)

    return analysis.NetworkSeeds(
        settings=s,
        batch_sizes=(5, 100),
        steps_per_epoch=(20, 1),
        matched_epochs=(2000, 100),
        final=np.stack([losses(bad_mini), np.full(runs, 0.6)]),
        matched=losses(bad_full_steps)[None],
        curve_steps=(np.array([0, 2000]), np.array([0, 2000])),
        curve_bad=(np.ones(2), np.ones(2)),
        entropy=0.69,
    )


@pytest.mark.parametrize(
    ("bad_mini", "bad_full", "says"),
    [
        (20, 22, "No fewer runs end bad with mini-batches"),
        (5, 40, "Mini-batches end bad less often even at the same number of steps"),
        (40, 5, "Given as many steps, mini-batches do not end bad less often"),
    ],
)
def test_network_caption_compares_by_intervals(bad_mini, bad_full, says):
    res = net_result(bad_mini, bad_full)
    text = words.network_caption(res)
    assert says in text
    assert f"{bad_mini}% (" in text and f"{bad_full}% (" in text and "100% (" in text  # 100 runs: counts are percents


def test_the_default_network_caption():
    res = store.result(analysis.NETWORK, analysis.DEFAULT_NET)
    text = words.network_caption(res)
    for j in range(2):
        assert f"{res.bad_final[j] / res.runs:.0%} (" in text and f"{res.bad_matched[j] / res.runs:.0%} (" in text
    assert "The seed decides" in text and "after 2,000 steps" in text
    assert words.losses_caption(res).count("around") == 2


def test_losses_caption_without_a_bad_group():
    res = net_result(0, 0)
    res = dataclasses.replace(res, final=np.stack([np.full(100, 0.2), np.full(100, 0.2)]))
    assert "part of the plane" not in words.losses_caption(res)


def test_symmetric_caption_exact_zeros_and_the_kick():
    res = store.result(analysis.SYMMETRIC, analysis.DEFAULT_SYMMETRIC)
    text = words.symmetric_caption(res)
    assert "is exactly 0" in text and "stay exactly 0" in text and "10⁻³" in text
    assert "20 of 20 with batches of 20" in text and "20 of 20 with the full batch" in text
    leaky = dataclasses.replace(res, sample_grad_zero=1e-9, zero_hidden=(1e-7, 0.0))
    text = words.symmetric_caption(leaky)
    assert "only 10⁻⁹" in text and "reach only 10⁻⁷" in text and "exactly 0" not in text


@pytest.mark.parametrize("m", [4, 9, 19])
@pytest.mark.parametrize("batch", [1, 40])
@pytest.mark.parametrize("lr", [0.02, 0.2])
def test_extreme_reader_settings_read_cleanly(m, batch, lr):
    view = analysis.valley_view(dataclasses.replace(analysis.DEFAULT_VALLEY, m=m, batch=batch, lr=lr))
    text = words.valley_caption(view)
    assert "nan" not in text and "inf" not in text
    assert view.has_valley == (m >= 9)
    if view.has_valley and batch < 40:
        assert f"{round(view.mini.fraction * view.settings.runs)} of 200 runs" in text
