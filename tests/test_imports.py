"""A fresh server imports only what drawing the page needs.

scikit-learn and scipy (its solvers and statistics, and even its special functions) took about 2 s
of the 3 s the app's imports cost; the default views are precomputed, so they load where a live
computation first needs them. The stand-ins that made that possible compute what the library
functions they replace compute.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
#: Modules a fresh import of the app must not load (each costs 0.1-0.9 s): scikit-learn, scipy
#: altogether (its special functions alone take about half a second; explainer.core.special
#: imports them when a computation first calls one), and Altair (0.45 s; the default page draws
#: stored views, and explainer.charts.lazy imports it when a chart is first built).
HEAVY = ("sklearn", "scipy", "altair")

_LOADED = r"""
import json, sys
sys.path.insert(0, sys.argv[1])
import explainer.sections  # every section's page, figures, words and analyses
if len(sys.argv) > 2:  # and the whole page drawn at its defaults
    from streamlit.testing.v1 import AppTest
    at = AppTest.from_file(sys.argv[2], default_timeout=300)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
roots = ("sklearn", "scipy", "altair", "numpy", "explainer")
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in roots)))
"""


def _loaded(*args: str) -> list[str]:
    out = subprocess.run(
        [sys.executable, "-c", _LOADED, str(ROOT), *args], capture_output=True, text=True, timeout=300, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def _heavy(loaded: list[str]) -> list[str]:
    return [m for m in loaded if any(m == h or m.startswith(h + ".") for h in HEAVY)]


def test_importing_the_app_loads_no_fitting_library():
    loaded = _loaded()
    assert "numpy" in loaded and "explainer.core.saddles" in loaded  # the probe sees the app's imports
    assert _heavy(loaded) == []


def test_the_special_functions_are_scipys_own_on_first_use():
    import scipy.special

    from explainer.core import special

    z = np.linspace(-40, 40, 81)
    assert np.array_equal(special.expit(z), scipy.special.expit(z))
    assert np.array_equal(special.xlogy(z, np.abs(z) + 1), scipy.special.xlogy(z, np.abs(z) + 1))
    out = np.empty_like(z)
    assert special.expit(z, out=out) is out and np.array_equal(out, scipy.special.expit(z))
    assert special.betaincinv(0.5, 2.0, 0.5) == scipy.special.betaincinv(0.5, 2.0, 0.5)


def test_the_monkey_saddle_integral_is_the_beta_function():
    import scipy.special

    from explainer.core import saddles

    assert pytest.approx(scipy.special.beta(0.5, 1 / 6), rel=1e-14) == saddles.MONKEY_INTEGRAL


def test_the_default_page_draws_without_fitting_anything():
    """Every default view comes from its precomputed file: nothing is fitted and no chart is
    built, so nothing that fits or builds charts is imported. (A view computed live at its
    defaults would load Altair, scikit-learn or scipy's solvers here, or else be caught by
    tests/test_precomputed.py's list of stored results.)"""
    assert _heavy(_loaded(str(ROOT / "streamlit_app.py"))) == []


@pytest.mark.parametrize("ties", [False, True])
def test_the_decreasing_fit_is_scikit_learns_isotonic_regression(ties):
    from sklearn.isotonic import IsotonicRegression

    from explainer.core.analyses.local_minimum import _decreasing

    rng = np.random.default_rng(3)
    worst = 0.0
    for _ in range(200):
        n = int(rng.integers(1, 50))
        x = rng.integers(0, 8, n).astype(float) if ties else rng.normal(size=n)
        y = rng.normal(size=n) - 0.5 * x
        want = IsotonicRegression(increasing=False).fit(x, y).predict(x)
        worst = max(worst, float(np.max(np.abs(_decreasing(x, y) - want))))
    assert worst < 1e-12


def test_the_median_start_share_is_the_beta_median():
    from scipy import stats

    from explainer.core import saddles

    for d, k in [(2, 1), (10, 3), (100, 1), (50, 49)]:
        steps = saddles.quadratic_escape_steps(d, k, 1.0, lr=0.1, radius=1e-3, level=-1.0)
        share = stats.beta(k / 2, (d - k) / 2).median()
        reach = np.sqrt(2.0) / (1e-3 * np.sqrt(share))
        assert abs(steps - np.ceil(np.log(reach) / np.log1p(0.1))) <= 1  # rounded up: a tie may round apart
