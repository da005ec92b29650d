"""The whole page, headless, through Streamlit's AppTest: it runs, every control is found by its
key, changing a control changes what the page computes, and links with bad values are handled."""

from __future__ import annotations

import re

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from explainer.sections import SECTIONS
from explainer.ui.page import SEED

APP = "../streamlit_app.py"
TIMEOUT = 180

ACCESSOR = {
    "slider": "slider",
    "select_slider": "select_slider",
    "select": "selectbox",
    "segmented": "segmented_control",
    "number": "number_input",
    "toggle": "toggle",
}


def run(**params) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params.update(params)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def widget(at: AppTest, control):
    if control.widget == "expander":
        return next(e for e in at.expander if e.key == control.key)
    return getattr(at, ACCESSOR[control.widget])(key=control.key)


def texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    for box in ("success", "warning", "error", "info"):
        parts += [b.value for b in getattr(at, box)]
    return "\n".join(parts)


@pytest.fixture(scope="module")
def page() -> AppTest:
    return run()


def test_page_runs_with_every_section(page):
    headers = [h.value for h in page.header]
    assert len(headers) == len(SECTIONS)
    assert any("How a network learns" in h for h in headers)
    assert any("The landscape" in h for h in headers)
    assert any("Where the gradient vanishes" in h for h in headers)
    assert page.title[0].value == "Escaping the traps"


def test_every_control_is_on_the_page_under_its_key(page):
    # The noise control only shows for noisy and perturbed descent; it is checked below.
    for section in SECTIONS:
        for control in section.controls:
            if control.key == "critical-points.noise":
                continue
            found = widget(page, control)
            assert found.key == control.key
    assert page.number_input(key=SEED.key).value == SEED.default


def test_noise_control_appears_for_noisy_descent():
    at = run()
    at.selectbox(key="critical-points.method").set_value("noisy").run()
    assert at.select_slider(key="critical-points.noise").value == 0.5


def _verdict(at: AppTest) -> str:
    boxes = [b.value for kind in ("success", "warning", "error") for b in getattr(at, kind)]
    starts = ("Stopped", "Used all", "**Diverged", "**Ran away")
    return next(b for b in boxes if b.startswith(starts))


def test_default_run_stops_in_the_shallow_valley(page):
    verdict = _verdict(page)
    assert "local minimum" in verdict
    assert "(1.0000, 0.0000)" in verdict


def test_a_large_step_diverges_and_the_page_says_where():
    at = run()
    at.select_slider(key="descent.lr").set_value(1.5).run()
    verdict = _verdict(at)
    step = int(re.search(r"Diverged at step (\d+)", verdict).group(1))
    assert 1 <= step < 100
    sweep = next(c.value for c in at.caption if "fastest step size" in c.value)
    assert "upward the run diverges" in sweep


def test_moving_the_start_changes_where_descent_ends():
    at = run()
    at.slider(key="descent.x0").set_value(-1.5).run()
    verdict = _verdict(at)
    assert "global minimum" in verdict
    assert "(-1.0000, 0.0000)" in verdict


def _starts(at: AppTest) -> int:
    match = re.search(r"Of (\d+) starts", texts(at))
    return int(match.group(1))


def test_grid_size_and_optimiser_change_the_basins():
    at = run()
    assert _starts(at) == 21 * 21
    before = texts(at)
    at.select_slider(key="critical-points.grid").set_value(15).run()
    assert _starts(at) == 15 * 15
    at.selectbox(key="critical-points.method").set_value("adam").run()
    assert not at.exception
    assert "plateau after" not in texts(at)  # Adam's normalised steps cross the flat table
    assert before != texts(at)


def test_seed_changes_the_worked_example():
    at = run()
    first = [m.value for m in at.markdown if "Forward pass" in m.value or "Point #" in m.value]
    at.number_input(key=SEED.key).set_value(7).run()
    second = [m.value for m in at.markdown if "Forward pass" in m.value or "Point #" in m.value]
    assert first != second


def test_section_parameter_shows_one_section():
    at = run(section="critical-points")
    headers = [h.value for h in at.header]
    assert len(headers) == 1 and "Where the gradient vanishes" in headers[0]
    assert not at.title  # no page intro in a single-section embed


def test_unknown_section_is_reported_and_everything_shown():
    at = run(section="nowhere")
    assert len(at.header) == len(SECTIONS)
    assert any("`nowhere`" in w.value for w in at.warning)


def test_bad_control_value_is_reported_and_replaced_by_the_default():
    at = run(**{"descent.lr": "abc", "critical-points.grid": "99"})
    notices = [w.value for w in at.warning]
    assert any("Step size" in n and "`abc`" in n for n in notices)
    assert any("Starts per side" in n and "`99`" in n for n in notices)
    assert at.select_slider(key="descent.lr").value == 0.1
    assert at.select_slider(key="critical-points.grid").value == 21


def test_good_control_value_from_the_link_is_used():
    at = run(**{"descent.lr": "0.5", "descent.surface": "four traps"})
    assert at.select_slider(key="descent.lr").value == 0.5
    assert at.selectbox(key="descent.surface").value == "four-traps"
    assert not [w.value for w in at.warning if "link" in w.value]


def test_unknown_parameter_is_reported():
    at = run(colour="red")
    assert any("`colour`" in w.value for w in at.warning)


def test_the_saddle_aside_is_computed_only_when_opened(page):
    assert not any("lingers" in c.value for c in page.caption)
    at = run(**{"descent.why": "true"})
    aside = next(c.value for c in at.caption if "lingers" in c.value)
    # Started 1e-12 off the ridge line, descent escapes after about ln(1e12)/ln(1 + 2 lr) steps.
    steps = int(re.search(r"10⁻¹² off it, it lingers (\d+) steps", aside).group(1))
    assert abs(steps - np.log(1e12) / np.log(1.04)) < 5


def _verdicts(at: AppTest) -> list[str]:
    # A badge is markdown like ":orange-badge[:material/tune: refined]".
    return [m.value.split(": ", 1)[1].rstrip("]") for m in at.markdown if "-badge[" in m.value]


def _findings(at: AppTest) -> list[str]:
    return [m.value for m in at.markdown if m.value.startswith("**What the computation shows**")]


def test_claim_verdicts_follow_the_readers_run(page):
    # Default: the run stops in the shallow valley, and no grid run ends on a saddle.
    assert _verdicts(page)[0::2] == ["refined", "refined"]
    descent, _, grid = _findings(page)
    assert "local minimum at loss 0.08333" in descent and "-0.5833" in descent
    assert "0 ended on a saddle" in grid
    at = run()
    at.slider(key="descent.x0").set_value(-1.5).run()
    assert _verdicts(at)[0] == "confirmed"
    # A run that blows up cannot judge the claim.
    at.select_slider(key="descent.lr").set_value(1.5).run()
    assert _verdicts(at)[0] == "not judged"
    # Started exactly on the ridge line of x^2 - y^2, descent stops on the saddle: not even a minimum.
    at = run(section="descent", **{"descent.surface": "saddle", "descent.y0": "0"})
    assert _verdicts(at) == ["contradicted"]
    assert "no lowest point at all" in _findings(at)[0]


def test_switching_surface_moves_the_start_onto_the_new_map():
    # The double well's start (1.8, 1.2) lies outside the monkey saddle's window (|x| <= 1.5).
    at = run(section="descent")
    at.selectbox(key="descent.surface").set_value("monkey-saddle").run()
    assert not at.exception
    assert (at.slider(key="descent.x0").value, at.slider(key="descent.y0").value) == (1.2, 0.05)


@pytest.mark.parametrize("lr", [0.001, 1.5])
def test_every_descent_surface_survives_extreme_step_sizes(lr):
    from explainer.sections.descent import DEMO_SURFACES

    at = run(section="descent")
    for name in DEMO_SURFACES:
        at.selectbox(key="descent.surface").set_value(name).run()  # resets the step size to the surface's own
        at.select_slider(key="descent.lr").set_value(lr).run()
        assert not at.exception, (name, [e.value for e in at.exception])
        verdict = _verdict(at)
        if lr == 1.5:
            # Too large a step never settles quietly: the run blows up, is thrown off the map onto
            # ground that flattens out far away (the map's caption says so), or keeps bouncing.
            off_map = any("the run left the map" in c.value for c in at.caption)
            assert verdict.startswith(("**Diverged", "**Ran away", "Used all")) or off_map, (name, verdict)


def test_every_map_survives_a_diverging_step_size():
    from explainer.sections.critical_points import MAP_SURFACES

    at = run(section="critical-points", **{"critical-points.grid": "15"})
    for name in MAP_SURFACES:
        at.selectbox(key="critical-points.surface").set_value(name).run()  # resets the step size
        at.select_slider(key="critical-points.lr").set_value(0.5).run()
        assert not at.exception, (name, [e.value for e in at.exception])
        assert re.search(r"Of 225 starts", texts(at))
    # Himmelblau's valleys curve at up to 134, so steps of 0.5 throw every run off: no verdict then.
    assert "Of 225 starts, 225 diverged" in texts(at)
    assert _verdicts(at) == ["not judged"]


def test_a_new_map_gets_a_step_size_that_suits_it():
    at = run(section="critical-points", **{"critical-points.grid": "15"})
    assert at.select_slider(key="critical-points.lr").value == 0.1
    at.selectbox(key="critical-points.surface").set_value("himmelblau").run()
    assert at.select_slider(key="critical-points.lr").value == 0.01
    assert "Of 225 starts, 225 in a global minimum" in texts(at)


def test_repeated_section_parameter_is_reported():
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params["section"] = ["critical-points", "descent"]
    at.run()
    assert not at.exception
    assert [h.value for h in at.header] == ["3 · Where the gradient vanishes"]
    assert any("names `section` 2 times" in w.value for w in at.warning)


# ----- the landscape section -----------------------------------------------------------------


def _landscape_run(seed: int = 0, epochs: int = 40, data: str = "moons", activation: str = "relu"):
    """The section's own training run, rebuilt from the core to check the page's numbers."""
    from explainer.core.training import make_dataset, train_path
    from explainer.sections import landscape as section

    X, y = make_dataset(data, n=section.N_SAMPLES, noise=section.DATA_NOISE[data], seed=seed)
    return train_path(X, y, hidden=section.HIDDEN, activation=activation, solver="adam", lr=section.STEP["adam"],
                      epochs=epochs, batch_size=section.BATCH, seed=seed)  # fmt: skip


def test_landscape_numbers_come_from_the_network(page):
    from explainer.core import landscape
    from explainer.core.curvature import extreme_eigenvalues

    run_ = _landscape_run()
    net = run_.net
    assert net.n_params == 4417
    text = texts(page)
    # The random cuts: the same directions, normalised at each snapshot, counted the same way.
    raw = landscape.random_directions(net.n_params, 12, 202)
    alphas = np.linspace(-1, 1, 21)
    counts = [
        int(landscape.goes_downhill(landscape.cuts(net, t, landscape.filter_normalise(net, raw, t), alphas), 10).sum())
        for t in (run_.thetas[1], run_.thetas[-1])
    ]
    assert f"At epoch 1, {counts[0]} of 12 random cuts lead downhill; at the end, {counts[1]} do" in text
    assert counts[0] > counts[1]
    # Every one of the 4,417 one-weight cuts, moved by -2, -1, 1 and 2.
    down = []
    for theta in (run_.thetas[1], run_.thetas[-1]):
        whole = landscape.axis_cuts(net, theta, [-2.0, -1.0, 1.0, 2.0])
        whole = np.insert(whole, 2, net.loss(theta), axis=1)
        down.append(int(landscape.goes_downhill(whole, 2).sum()))
    assert f"At epoch 1, {down[0]:,} of the 4,417 cuts lead downhill" in text
    assert f"at the end, {down[1]:,} d" in text
    assert down[0] > 10 * max(down[1], 1)
    held = landscape.path_plane(run_.thetas).held
    assert f"This plane holds {held:.1%} of the path" in text
    low, high = extreme_eigenvalues(lambda v: net.hvp(run_.thetas[-1], v), net.n_params, k=1, seed=0, tol=1e-6)
    metrics = {m.label: float(m.value.replace("−", "-")) for m in page.metric}
    # The page's eigsh run also returns eigenvectors, so its eigenvalues may differ from these in
    # the last bits: compare the printed (3 and 2 significant digit) numbers within their rounding.
    assert metrics["Largest Hessian eigenvalue"] == pytest.approx(high[0], rel=5e-3)
    assert metrics["Smallest Hessian eigenvalue"] == pytest.approx(low[0], rel=5e-2)
    # The verdict follows the curvature: a negative eigenvalue makes the flat end a saddle.
    verdict = _verdicts(page)[1]
    assert verdict == ("refined" if low[0] < -1e-3 * high[0] else "confirmed")
    accuracy = np.mean((net.activations(run_.thetas[-1])[-1][:, 0] > 0.5) == (net.Y[:, 0] > 0.5))
    assert f"The network gets {accuracy:.0%} of its 400 training points right" in text


def test_landscape_controls_change_what_is_cut():
    at = run(section="landscape", **{"landscape.epochs": "10"})
    assert at.select_slider(key="landscape.epochs").value == 10
    at.number_input(key="landscape.weight").set_value(5).run()
    assert "Your weight (input 1 → hidden 1 unit 5)" in texts(at)
    at.select_slider(key="landscape.directions").set_value(8).run()
    assert re.search(r"\d+ of 8 random cuts lead downhill", texts(at))
    at.select_slider(key="landscape.early").set_value(0).run()
    assert "At epoch 0," in texts(at)
    at.segmented_control(key="landscape.activation").set_value("tanh").run()
    assert not at.exception
    # tanh units never switch fully off, so no weight's slope is exactly zero.
    assert "slope of exactly zero" not in texts(at)


def test_landscape_bad_link_values_fall_back_to_the_defaults():
    at = run(section="landscape", **{"landscape.weight": "99999", "landscape.early": "3", "landscape.epochs": "10"})
    notices = [w.value for w in at.warning]
    assert any("Weight to cut along" in n and "`99999`" in n for n in notices)
    assert any("Early snapshot" in n and "`3`" in n for n in notices)
    assert at.number_input(key="landscape.weight").value == 1000
    assert at.select_slider(key="landscape.early").value == 1
