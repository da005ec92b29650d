"""The shared sentence helpers, and controls that follow another control."""

import pytest

from explainer.core import prose
from explainer.ui.controls import Control


@pytest.mark.parametrize(
    ("n", "text"), [(0, "0 runs"), (1, "1 run"), (2, "2 runs"), (4417, "4,417 runs")]
)  # fmt: skip
def test_count_and_plural(n, text):
    assert prose.count(n, "run") == text
    assert prose.plural(1, "does", "do") == "does" and prose.plural(3, "does", "do") == "do"


@pytest.mark.parametrize(
    ("x", "text"),
    [
        (0.0022, "0.0022"),
        (2.6, "2.6"),
        (101.2, "100"),
        (1234.5, "1,200"),
        (4.1e8, "4.1×10⁸"),
        (3.1e-5, "3.1×10⁻⁵"),
        (1e12, "10¹²"),
        (9.99e-5, "10⁻⁴"),  # rounding carries into the exponent
        (0.00999, "0.01"),  # and trailing zeros go
        (2.5, "2.5"),
        (-0.0093, "-0.0093"),
        (0.0, "0"),
    ],
)
def test_sci_spells_numbers_for_readers(x, text):
    assert prose.sci(x) == text


def test_fold_says_which_way_and_how_much():
    assert prose.fold(8.0, 1.0, ".1f") == "fell 8.0-fold, from 8.0 to 1.0"
    assert prose.fold(1.0, 1.5, ".1f") == "rose 1.5-fold, from 1.0 to 1.5"
    assert prose.fold(1.0, 1.1, ".1f") == "hardly changed, from 1.0 to 1.1"
    assert prose.fold(0.0, 1.0, ".1f") == "went from 0.0 to 1.0"
    assert prose.fold(3000.0, 1.0, ".0f").startswith("fell 3,000-fold")


def test_listing_and_share():
    assert prose.listing(["a"]) == "a"
    assert prose.listing(["a", "b"]) == "a and b"
    assert prose.listing(["a", "", "b", "c"]) == "a, b and c"
    assert prose.share(12, 441) == "12 of 441 (2.7%)"
    assert prose.power_of_ten(-12) == "10⁻¹²"


def test_a_control_follows_its_leader_declaratively():
    window = {"small": (-1.0, 1.0, 0.5), "large": (-5.0, 5.0, 2.0)}
    x = Control("s.x", "x", "slider", 0.5, lo=-1.0, hi=1.0, step=0.1, follows="s.map",
                given=lambda m: dict(lo=window[m][0], hi=window[m][1], default=window[m][2]))  # fmt: skip
    large = x.under("large")
    assert (large.lo, large.hi, large.default) == (-5.0, 5.0, 2.0)
    assert large.follows is None and large.given is None
    assert large.problem("4.5") is None and x.under("small").problem("4.5") == "it is outside -1 to 1"
    plain = Control("s.y", "y", "slider", 0.0, lo=-1.0, hi=1.0)
    assert plain.under("anything") is plain


def test_follows_and_given_come_together():
    with pytest.raises(ValueError, match="come together"):
        Control("s.x", "x", "slider", 0.0, lo=0.0, hi=1.0, follows="s.map")


def test_fold_spells_its_numbers_like_the_rest_of_the_page():
    assert prose.fold(7.8e-5, 9.5e-6) == "fell 8.2-fold, from 7.8×10⁻⁵ to 9.5×10⁻⁶"


def test_a_number_control_clamps_into_its_range_and_says_so():
    weight = Control(
        "t.weight", "Weight", "number", 1000, lo=1, hi=4417, step=1, noun="weight",
        using=lambda w: f"cutting along weight {w:,}",
    )  # fmt: skip
    assert weight.clamp(5000) == 4417 and weight.clamp(-3) == 1 and weight.clamp(12) == 12
    assert isinstance(weight.clamp(5000.0), int)
    assert weight.clamp_notice(5000, 4417) == "5000 is above the largest weight, 4,417: cutting along weight 4,417."
    assert weight.clamp_notice(0, 1) == "0 is below the smallest weight, 1: cutting along weight 1."
    plain = Control("t.x", "Start x", "number", 0.5, lo=-1.0, hi=1.0)
    assert plain.clamp(1.7) == 1.0
    assert plain.clamp_notice(1.7, 1.0) == "1.7 is above the largest value of “Start x”, 1: using 1."
