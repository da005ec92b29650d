"""The critical-points section's sentences, on results built by hand: every end kind phrased as
English, runs still moving reported as such, ground described from its eigenvalue counts, and the
plateau's slide-off promise given with its number."""

import dataclasses
import re

import numpy as np
import pytest

from explainer.core import kinds
from explainer.core.analyses import critical_points as analysis
from explainer.core.analyses.critical_points import Basins, Escape, ExampleRun, PlateauRuns, Settings, Slide
from explainer.core.ground import Ground, MapScales
from explainer.core.prose import sci
from explainer.core.stalls import Stall
from explainer.core.traps import ESCAPABLE
from explainer.sections.critical_points import figures, words

#: The four-traps map's scales, rounded: slope 0.44 (a run rests below 4.4e-4), flat below 0.0094.
SCALES = MapScales(slope=0.44, curvature=9.4, loss=3.1, size=8.5, global_value=-1.81)


def ground(shape, eigenvalues, grad_norm, up, down, flat) -> Ground:
    return Ground(shape, eigenvalues, grad_norm, up, down, flat, sectors_down=0, sectors_up=0, drop=0.0)


#: The rounded rim of the table: down radially, flat along the rim, up nowhere (issue 8, fault 7).
RIM = ground(kinds.MAXIMUM, (-0.16, -0.006), 1e-5, up=0, down=1, flat=1)
FLAT = ground(kinds.FLAT, (-2.5e-8, -1.6e-8), 2e-9, up=0, down=0, flat=2)
BOWL = ground(kinds.MINIMUM, (3.7, 3.8), 1e-8, up=2, down=0, flat=0)


def stall(kind, start, end, escaped=True):
    return Stall(start=start, end=end, kind=kind, at=start, loss=1.0, grad_norm=1e-4, index=None, escaped=escaped)


def make(
    labels,
    *,
    settings=None,
    end_grads=None,
    escapes=(),
    stalled=None,
    plateau=None,
    example=None,
    kicks=0,
    stayed=0,
):
    """A hand-built result: one run per entry of ``labels`` (end kind ids); the first ``stayed``
    runs end where they started (they never moved)."""
    settings = settings or Settings()
    n = len(labels)
    grads = np.full(n, 1e-8) if end_grads is None else np.asarray(end_grads, float)
    ends = np.ones((n, 2))
    ends[:stayed] = 0.0
    escaped = {k: () for k in ESCAPABLE}
    for e in escapes:
        escaped[e.kind] = (e.longest_steps,) * e.runs
    return Basins(
        settings=settings,
        starts=np.zeros((n, 2)),
        ends=ends,
        labels=np.array(labels, dtype=str),
        steps=np.full(n, settings.steps),
        end_grads=grads,
        cell=(0.1, 0.1),
        escapes=tuple(escapes),
        escaped_steps=escaped,
        stalled_runs=stalled or {k: sum(e.runs for e in escapes if e.kind == k) for k in ESCAPABLE},
        strict_saddles=0,
        traps=tuple(analysis.Trap(k, rested=0, slowed=0, near=0, passed=0, never_moved=0) for k in analysis.TRAPS),
        bouncing=np.zeros(n, dtype=bool),
        sharpest_minimum=4.16,
        paths=(),
        example=example,
        plateau=plateau,
        kicks=kicks,
        listed={kinds.GLOBAL_MINIMUM: 1, kinds.LOCAL_MINIMUM: 1, kinds.END_SADDLE: 2, kinds.PLATEAU: 1},
        scales=SCALES,
        tol=4.4e-7,
        window=20,
    )


def plateau(n_stopped=2, creeping=(5.7e-7, 2.6e-4), flattest=4e8, median=6.3e5, ground=FLAT, never_moved=0):
    """The plateau's runs that moved and came to rest there (``never_moved`` more never moved)."""
    slopes = np.array([2e-9] * n_stopped + list(creeping))
    stopped = np.array([True] * n_stopped + [False] * len(creeping))
    runs = np.arange(len(slopes))
    return PlateauRuns(
        runs=runs,
        slopes=slopes,
        stopped=stopped,
        tol=4.4e-7,
        never_moved=never_moved,
        never_moved_shift=4e-8 if never_moved else 0.0,
        flattest=Slide(run=0, xy=(0.3, 1.4), slope=2e-9, ground=ground, steps=flattest) if len(runs) else None,
        median=Slide(run=len(runs) // 2, xy=(0.5, 1.9), slope=7.7e-7, ground=FLAT, steps=median) if len(runs) else None,
    )


# ----- the counts sentence ------------------------------------------------------------------------


def test_counts_keep_their_shape_and_list_every_end():
    res = make([kinds.GLOBAL_MINIMUM] * 246 + [kinds.LOCAL_MINIMUM] * 169 + [kinds.PLATEAU] * 26)
    assert words.counts_caption(res) == (
        "Of 441 starts, 246 in a global minimum, 169 in a local minimum and 26 on a plateau after at most 1,500 steps."
    )
    assert int(re.search(r"Of (\d+) starts", words.counts_caption(res)).group(1)) == 441


def test_runs_still_moving_are_reported_as_never_resting_with_their_slopes():
    # Issue 8, fault 2: at step 0.01 and 250 steps most runs had not stopped; they are still moving.
    labels = [kinds.GLOBAL_MINIMUM] * 38 + [kinds.PLATEAU] * 28 + [kinds.STILL_MOVING] * 340
    grads = [1e-8] * 66 + list(np.linspace(5e-4, 0.4, 340))
    text = words.counts_caption(make(labels, settings=Settings(lr=0.01, steps=250), end_grads=grads))
    assert text.startswith("Of 406 starts, 38 in a global minimum and 28 on a plateau after at most 250 steps; ")
    assert "340 were still moving at their last step (slopes up to 0.4): they never came to rest" in text
    # Resting takes both of the core's tests (ground.at_rest), not a slope threshold alone (finding 7).
    assert text.endswith(
        f"which takes a critical point within {sci(SCALES.reach)} by the ground's own curvature and a slope below "
        f"{sci(SCALES.still)} along its flat directions."
    )


def test_when_no_run_rests_the_sentence_says_so():
    text = words.counts_caption(make([kinds.STILL_MOVING] * 9, end_grads=[0.2] * 9))
    assert text.startswith("Of 9 starts, none came to rest after at most 1,500 steps; all of them were still moving")
    # Finding 5: "All 225", never "225 of 225".
    assert words.counts_caption(make([kinds.DIVERGED] * 225)) == "All 225 runs diverged after at most 1,500 steps."
    assert words.counts_caption(make([kinds.GLOBAL_MINIMUM] * 9)) == (
        "All 9 runs ended in a global minimum after at most 1,500 steps."
    )


@pytest.mark.parametrize("kind", kinds.END_KINDS)
def test_every_end_kind_has_a_tally_phrase(kind):
    other = kinds.LOCAL_MINIMUM if kind == kinds.GLOBAL_MINIMUM else kinds.GLOBAL_MINIMUM
    text = words.counts_caption(make([other] + [kind] * 3, end_grads=[0.1] * 4))
    assert text.startswith("Of 4 starts, ") and f"1 {kinds.END_AT[other]}" in text
    if kind != kinds.STILL_MOVING:
        assert f"3 {kinds.END_AT[kind]}" in text


# ----- every end kind phrased as English (issue 8, fault 8: "ended in still moving") ---------------

ENDED = {
    kinds.GLOBAL_MINIMUM: "it ended in a global minimum",
    kinds.LOCAL_MINIMUM: "it ended in a local minimum",
    kinds.END_SADDLE: "it ended on a saddle",
    kinds.END_MAXIMUM: "it ended on a maximum",
    kinds.PLATEAU: "it ended on a plateau",
    kinds.STILL_MOVING: "it was still moving at its last step",
    kinds.LEFT_MAP: "it left the map",
    kinds.DIVERGED: "it diverged",
}


def example(end_kind, stalls=(), grounds=()):
    stalls = stalls or (stall(kinds.STALL_SADDLE, 10, 62),)
    return ExampleRun(
        run=0,
        start=(0.276, 2.208),
        end_kind=end_kind,
        stall=max(stalls, key=lambda s: s.duration),
        losses=np.linspace(1, 0, 100),
        grad_norms=np.full(100, 0.1),
        stalls=tuple(stalls),
        grounds=tuple(grounds) or (BOWL,) * len(stalls),
    )


@pytest.mark.parametrize("kind", kinds.END_KINDS)
def test_every_end_kind_reads_as_english_in_the_example_subtitle(kind):
    assert set(ENDED) == set(kinds.END_KINDS)
    assert words.example_subtitle(example(kind)) == f"run from (0.28, 2.21); {ENDED[kind]}"


def test_the_example_title_names_the_longest_stall():
    ex = example(kinds.GLOBAL_MINIMUM, (stall(kinds.STALL_PLATEAU, 0, 926), stall(kinds.STALL_MINIMUM, 1096, 1120)))
    assert words.example_title(ex) == "The longest stall that ended in an escape: 926 steps on a plateau"


# ----- ground from its eigenvalue counts (issue 8, fault 7) -------------------------------------------


def test_a_rim_is_described_as_down_one_way_and_flat_the_other_not_down_on_every_side():
    ex = example(
        kinds.GLOBAL_MINIMUM, (stall(kinds.STALL_PLATEAU, 0, 926), stall(kinds.STALL_MINIMUM, 1096, 1120)), (RIM, BOWL)
    )
    text = words.example_caption(make([kinds.GLOBAL_MINIMUM], example=ex))
    assert (
        "Steps 0–926: 926 steps on a plateau, where the ground falls away in one direction and is flat in one" in text
    )
    assert "Hessian eigenvalues -0.16, -0.006" in text and "rim of flat ground" in text
    assert "every side" not in text and "down in every direction" not in text
    assert "Steps 1,096–1,120: 24 steps in a minimum, where the ground curves up in every direction" in text


def test_the_plateau_note_describes_the_resting_ground_from_its_eigenvalues():
    note = words.plateau_note(make([kinds.PLATEAU] * 4, plateau=plateau(ground=RIM)))
    assert "the ground falls away in one direction and is flat in one direction" in note
    assert "every side" not in note and "down in every direction" not in note


# ----- the plateau's runs and the number behind "more steps" ------------------------------------------


def test_the_plateau_note_counts_stopped_and_creeping_runs():
    note = words.plateau_note(make([kinds.PLATEAU] * 4, plateau=plateau()))
    assert "4 runs came to rest on it; 2 stopped because their slope fell below the optimiser's stopping " in note
    assert f"tolerance ({sci(4.4e-7)}) and 2 ran out of steps while still creeping" in note
    assert f"(slopes {sci(5.7e-7)} to {sci(2.6e-4)})" in note and "never moved" not in note


# ----- finding 4: runs that never moved did not come to rest on the plateau ---------------------------------


def test_runs_that_never_moved_are_counted_apart_from_those_that_came_to_rest():
    # The note said "Of the 26 runs that came to rest on a plateau, 11 stopped ..." while the claim box
    # said 15 came to rest there and 11 never moved.
    res = make([kinds.PLATEAU] * 26, plateau=plateau(n_stopped=0, creeping=[3e-6] * 15, never_moved=11), stayed=11)
    note = words.plateau_note(res)
    assert "11 runs started on its flat top and never moved (none went further than 4×10⁻⁸)" in note
    assert "they did not come to rest there, they were there all along." in note
    assert "The other 15 came to rest on it; all ran out of steps while still creeping" in note
    assert "Of the 26" not in note
    assert words.counts_caption(res) == (
        "All 26 runs ended on a plateau (11 of them never moved from their start) after at most 1,500 steps."
    )


def test_a_plateau_where_no_run_that_moved_came_to_rest():
    res = make([kinds.PLATEAU], plateau=plateau(n_stopped=0, creeping=(), never_moved=1), stayed=1)
    note = words.plateau_note(res)
    assert "1 run started on its flat top and never moved (it went no further than 4×10⁻⁸ from its start)" in note
    assert note.endswith("it did not come to rest there, it was there all along. No run that moved came to rest on it.")
    assert (
        words.counts_caption(res)
        == "Of 1 start, 1 on a plateau (it never moved from its start) after at most 1,500 steps."
    )


# ----- finding 5: one run is one run ---------------------------------------------------------------------------


def test_a_single_plateau_run_is_singular_throughout():
    res = make(
        [kinds.PLATEAU, kinds.GLOBAL_MINIMUM],
        plateau=plateau(n_stopped=1, creeping=()),
        escapes=[Escape(kinds.STALL_PLATEAU, 1, 937.0, 937)],
    )
    note = words.plateau_note(res)
    assert (
        "1 run came to rest on it; it stopped because its slope fell below the optimiser's stopping tolerance" in note
    )
    assert "Where it rests, the ground" in note and "Nothing holds this run there" in note
    assert note.endswith("1 run that stalled on it did slide off, after 937 steps.")
    assert "their" not in note and "them" not in note


def test_one_creeping_plateau_run_has_one_slope():
    note = words.plateau_note(make([kinds.PLATEAU], plateau=plateau(n_stopped=0, creeping=(2.5e-6,))))
    assert f"1 run came to rest on it; it ran out of steps while still creeping (slope {sci(2.5e-6)})." in note


def test_more_steps_are_offered_as_a_cure_only_within_the_budgets_the_page_offers():
    near = words.plateau_note(make([kinds.PLATEAU] * 4, plateau=plateau(flattest=2000.0, median=900.0)))
    assert "and more steps would free them: plain descent at step size 0.1 would need about 2,000 more steps" in near
    far = words.plateau_note(make([kinds.PLATEAU] * 4, plateau=plateau(flattest=3.9e8)))
    assert "yet more steps are no cure" in far


def test_more_steps_come_with_the_number_they_would_take():
    # Issue 8, fault 7: "more steps would let them slide off" was an empty promise; give the number.
    note = words.plateau_note(make([kinds.PLATEAU] * 4, plateau=plateau(flattest=3.96e8, median=6.3e5)))
    assert "would need about 4×10⁸ more steps to pick up speed and slide off from there (each run had 1,500)" in note
    assert f"about {sci(6.3e5)} from the median resting place" in note
    assert "would let them slide off" not in note


def test_a_plateau_that_never_lets_go_says_so():
    note = words.plateau_note(make([kinds.PLATEAU] * 4, plateau=plateau(flattest=float("inf"))))
    assert "more steps would not free them" in note and "×10" not in note.split("Nothing holds")[1]


def test_the_plateau_note_adds_the_runs_that_slid_off():
    res = make([kinds.PLATEAU] * 4, plateau=plateau(), escapes=[Escape(kinds.STALL_PLATEAU, 10, 118.0, 926)])
    assert words.plateau_note(res).endswith("10 runs that stalled on it did slide off, after up to 926 steps.")
    assert words.plateau_note(make([kinds.GLOBAL_MINIMUM])) is None


# ----- escapes, kicks, the map ---------------------------------------------------------------------------


def test_escape_caption_counts_runs_and_steps():
    res = make(
        [kinds.GLOBAL_MINIMUM] * 14,
        escapes=[Escape(kinds.STALL_SADDLE, 4, 52.5, 166), Escape(kinds.STALL_PLATEAU, 1, 22.0, 22)],
    )
    assert words.escape_caption(res) == (
        "4 runs stalled on a saddle and escaped after a median of 52 steps (longest 166); "
        "1 run stalled on a plateau and escaped after 22 steps."
    )


def test_escape_caption_without_escapes():
    assert words.escape_caption(make([kinds.GLOBAL_MINIMUM] * 3)) == "No run stalled (for 20 steps or more) on its way."
    res = make([kinds.GLOBAL_MINIMUM] * 3, stalled={k: int(k == kinds.STALL_MINIMUM) for k in ESCAPABLE})
    assert words.escape_caption(res).startswith("No run stalled and then got away")


def test_kicks_are_reported_for_perturbed_descent_only():
    assert words.kicks_caption(make([kinds.GLOBAL_MINIMUM], kicks=7)) is None
    res = make([kinds.GLOBAL_MINIMUM], settings=Settings(method="perturbed", noise=0.5), kicks=7)
    assert words.kicks_caption(res).startswith("Perturbed descent jumped 7 times in all")


def test_the_map_lists_its_critical_points_with_plurals():
    assert words.map_holds(make([kinds.GLOBAL_MINIMUM])) == (
        "The four traps map has 1 global minimum, 1 local minimum, 2 saddles and 1 plateau (the marks on the map)."
    )


def test_the_readers_table_shows_names_and_the_medians():
    res = make([kinds.GLOBAL_MINIMUM] * 3 + [kinds.STILL_MOVING], end_grads=[1e-8] * 3 + [0.3])
    table = figures.end_table(res)
    assert table["ended"].tolist() == ["in a global minimum", "still moving"]
    assert table["runs"].tolist() == [3, 1] and table["median_steps"].tolist() == [1500.0, 1500.0]
    assert figures.counts(res)["end"].tolist() == [kinds.GLOBAL_MINIMUM, kinds.STILL_MOVING]  # ids, not names


def test_a_plateau_whose_runs_all_stopped_says_all_of_them():
    note = words.plateau_note(make([kinds.PLATEAU] * 3, plateau=plateau(n_stopped=3, creeping=())))
    assert "3 runs came to rest on it; all stopped because their slope fell below the optimiser's stopping" in note
    assert "ran out of steps" not in note


def test_the_map_names_its_maxima_as_its_legend_does():
    res = dataclasses.replace(
        make([kinds.GLOBAL_MINIMUM]),
        settings=Settings(surface="himmelblau", lr=0.01),
        listed={kinds.GLOBAL_MINIMUM: 4, kinds.END_SADDLE: 4, kinds.END_MAXIMUM: 1},
    )
    assert (
        words.map_holds(res)
        == "The Himmelblau map has 4 global minima, 4 saddles and 1 maximum (the marks on the map)."
    )


def test_one_run_still_moving_is_singular():
    text = words.counts_caption(make([kinds.GLOBAL_MINIMUM] * 4 + [kinds.STILL_MOVING], end_grads=[1e-8] * 4 + [0.03]))
    assert f"; 1 was still moving at its last step (slope {sci(0.03)}): it never came to rest, which takes" in text


def test_the_map_names_its_critical_points_by_the_legends_names():
    # Finding 6: the names come from kinds.END_NAMES, keyed by the ids the surfaces list.
    res = dataclasses.replace(make([kinds.GLOBAL_MINIMUM]), listed={kinds.LOCAL_MINIMUM: 1, kinds.PLATEAU: 2})
    assert words.map_holds(res) == (
        f"The four traps map has 1 {kinds.END_NAMES[kinds.LOCAL_MINIMUM]} and 2 plateaus (the marks on the map)."
    )


def test_every_listed_kind_a_surface_uses_has_a_name():
    from explainer.core.surfaces import SURFACES

    used = {p.kind for s in SURFACES.values() for p in s.critical_points}
    for kind in used:
        res = dataclasses.replace(make([kinds.GLOBAL_MINIMUM]), listed={kind: 2})
        assert words.map_holds(res).startswith(f"The four traps map has 2 {words._MANY[kind]} (")


# ----- finding 7: a curved valley floor is no trap ---------------------------------------------------------


VALLEY = Ground(kinds.SADDLE, (-0.102, 0.0149), 0.2, up=1, down=1, flat=0, sectors_down=0, sectors_up=0, drop=0.0)


def test_a_crawl_along_a_valley_floor_is_not_an_escape_from_a_trap():
    res = make(
        [kinds.GLOBAL_MINIMUM] * 5,
        escapes=[Escape(kinds.STALL_SADDLE, 4, 52.5, 166), Escape(kinds.STALL_VALLEY, 2, 171.5, 172)],
    )
    assert words.escape_caption(res) == (
        "4 runs stalled on a saddle and escaped after a median of 52 steps (longest 166); "
        "2 runs crawled along a valley floor for up to 172 steps and went on down."
    )


def test_a_valley_floor_example_is_titled_as_a_slow_stretch_and_its_ground_not_named():
    ex = example(kinds.STILL_MOVING, (stall(kinds.STALL_VALLEY, 0, 172),), (VALLEY,))
    assert words.example_title(ex) == "The longest slow stretch: 172 steps crawling along a valley floor"
    caption = words.example_caption(make([kinds.STILL_MOVING], example=ex, end_grads=[0.3]))
    assert "Steps 0–172: 172 steps on a valley floor, where the ground curves up in one direction" in caption
    assert "downhill one way, uphill the other" not in caption  # no place it stopped at


def test_every_stall_kind_reads_as_english():
    for kind in kinds.STALL_KINDS:
        assert words.on(kind) == ("in a minimum" if kind == kinds.STALL_MINIMUM else f"on {kinds.STALL_NAMES[kind]}")
