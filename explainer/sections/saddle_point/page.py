"""The saddle-point section's page: its controls, one-line cached wrappers around the analyses, and
``render`` as a list of parts.

Every default result ships precomputed (``saddle-point.*`` in :mod:`explainer.core.store`); other
settings compute live under a status box, and a computation that fails says so and shows the
default instead.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import streamlit as st

from explainer.core import claims, store
from explainer.core.analyses import saddle_point as sp
from explainer.core.claims import saddle_point as ledger
from explainer.core.optimize import METHODS
from explainer.sections.saddle_point import figures, words
from explainer.ui import controls as ui
from explainer.ui.cache import cached, viewed
from explainer.ui.claims import claim_box
from explainer.ui.display import note, show_chart
from explainer.ui.section import ARTICLE, Context, Section

SLUG = sp.SLUG
_P = sp.DEFAULT_PAIR

STEP_SIZES = (0.001, 0.003, 0.01, 0.03, 0.1, 0.3)
#: Offsets as text: Streamlit's choice widgets take floats within 5e-12 of each other for one (0 and 1e-12).
OFFSETS = ("0", "1e-12", "1e-9", "1e-6", "0.001", "0.1")
#: 10,000 steps (perturbed descent at step 0.001 on both saddles) took 10.5 s, over issue 14's 10 s,
#: and is retired: an old link shows 5,000 and says so.
STEP_BUDGETS = (500, 1000, 2000, 5000)
NOISE_LEVELS = (0.001, 0.003, 0.01, 0.03, 0.1)
INIT_SCALES = (1e-4, 1e-3, 1e-2, 0.1, 1.0)

METHOD = ui.Control(
    f"{SLUG}.method",
    "Optimiser",
    "select",
    _P.method,
    options=tuple(METHODS),
    format=lambda m: METHODS[m],
    help="Noisy descent adds Gaussian noise to every gradient; perturbed descent jumps at random when the slope is "
    "small (Jin et al. 2017).",
)
STEP_SIZE = ui.Control(f"{SLUG}.lr", "Step size", "select_slider", _P.lr, options=STEP_SIZES, format=ui.number)
OFFSET = ui.Control(
    f"{SLUG}.y0",
    "Start's offset y0 from the stable line",
    "select_slider",
    ui.number(_P.y0),
    options=OFFSETS,
    help="Both runs start at (1, y0); y0 = 0 is exactly on the line that leads into the saddle.",
)
STEPS = ui.Control(
    f"{SLUG}.steps", "Largest number of steps", "select_slider", _P.steps, options=STEP_BUDGETS, retired=("10000",)
)
NOISE = ui.Control(
    f"{SLUG}.noise", "Noise (std. dev. or jump radius)", "select_slider", 0.01, options=NOISE_LEVELS, format=ui.number
)
INIT = ui.Control(
    f"{SLUG}.init",
    "Initial weight scale",
    "segmented",
    sp.DEFAULT_STALL.init_scale,
    options=INIT_SCALES,
    format=ui.number,
    help="scikit-learn's own initial weights times this; 1 is scikit-learn's default.",
)
CONTROLS = (METHOD, STEP_SIZE, OFFSET, STEPS, NOISE, INIT)


# ----- cached wrappers (every input is an argument) ----------------------------------------------


@cached()
def result(name: str, settings):
    """One analysis result (precomputed at the defaults): shared by the views and the verdicts."""
    return store.result(name, settings)


def _probability_verdict(res: sp.SaddleProbability) -> claims.ClaimResult:
    return ledger.PROBABILITY.judge(ledger.probability_evidence(res))


def _downhill_verdict(res: sp.DownhillDirections, race: sp.SaddleRace) -> claims.ClaimResult:
    return ledger.DOWNHILL.judge(ledger.downhill_evidence(res, race))


def _stall_verdict(census: sp.Census, stall: sp.NetworkStall) -> claims.ClaimResult:
    return ledger.STALL.judge(ledger.stall_evidence(census, stall))


@cached()
def probability_view(settings: sp.ProbabilitySettings):
    return viewed(result(sp.PROBABILITY, settings), figures.probability, figures.big_n, _probability_verdict)


@cached()
def pair_view(settings: sp.PairSettings):
    return viewed(result(sp.PAIR, settings), figures.saddle_maps, figures.distances)


@cached()
def downhill_view(settings: sp.DownhillSettings, race_settings: sp.RaceSettings):
    res, race = result(sp.DOWNHILL, settings), result(sp.RACE, race_settings)
    return res, race, figures.by_k(res), figures.by_curvature(res), figures.race(race), _downhill_verdict(res, race)


@cached()
def network_view(stall_settings: sp.StallSettings, census_settings: sp.CensusSettings):
    stall, census = result(sp.STALL, stall_settings), result(sp.CENSUS, census_settings)
    return stall, census, figures.stall_curves(stall), figures.census(census), _stall_verdict(census, stall)


def _computed(view, name: str, settings, default, *rest, label: str):
    """``view(settings, *rest)``: at once when ``settings`` are the precomputed defaults (or were
    computed for this reader before), else under a status box while it runs; if it fails, a
    message and the defaults' view instead."""
    seen = st.session_state.setdefault(f"_{SLUG}.computed", set())  # this reader's live results so far
    if settings == store.DEFAULTS[name][1] or (name, settings) in seen:
        return view(settings, *rest)
    slot = st.empty()
    try:
        with slot.status(label, expanded=False):
            out = view(settings, *rest)
    except (ValueError, FloatingPointError, np.linalg.LinAlgError) as error:
        slot.error(
            f"This setting could not be computed ({error}); showing the default instead.", icon=":material/error:"
        )
        return view(default, *rest)
    slot.empty()
    seen.add((name, settings))
    return out


# ----- the parts of the page ------------------------------------------------------------------------


def _intro() -> None:
    st.markdown(f"*{ARTICLE}* — {words.INTRO}")


def _probability_part(ctx: Context) -> None:
    st.markdown("#### How rare is a minimum?")
    settings = dataclasses.replace(sp.DEFAULT_PROBABILITY, seed=ctx.seed)
    res, chart, big, verdict = _computed(
        probability_view,
        sp.PROBABILITY,
        settings,
        sp.DEFAULT_PROBABILITY,
        label=f"Drawing {settings.samples:,} random symmetric matrices…",
    )
    claim_box(ledger.PROBABILITY, verdict)
    show_chart(
        chart, name="saddle-point-probability", key=f"{SLUG}.export.probability", caption=words.probability_caption(res)
    )
    show_chart(big, name="saddle-point-5000-weights", key=f"{SLUG}.export.big", caption=words.big_n_caption(res))


def _pair_controls(form: ui.Form, ctx: Context) -> sp.PairSettings:
    st.markdown(words.PAIR_INTRO)
    c1, c2, c3 = st.columns(3)
    method, lr, y0 = form.render(METHOD, c1), form.render(STEP_SIZE, c2), form.render(OFFSET, c3)
    c4, c5 = st.columns(2)
    steps = form.render(STEPS, c4)
    noise = form.render(NOISE, c5) if method in sp.NOISY else 0.0
    return sp.PairSettings(
        method=method, lr=float(lr), y0=float(y0), steps=int(steps), noise=float(noise), seed=ctx.seed
    )


def _pair_part(form: ui.Form, ctx: Context) -> None:
    settings = _pair_controls(form, ctx)
    res, maps_fig, distance_fig = _computed(
        pair_view, sp.PAIR, settings, sp.DEFAULT_PAIR, label="Descending on both saddles…"
    )
    st.markdown(words.pair_verdict(res))
    show_chart(maps_fig, name="saddle-point-maps", key=f"{SLUG}.export.maps", caption=words.maps_caption(res))
    show_chart(
        distance_fig, name="saddle-point-distance", key=f"{SLUG}.export.distance", caption=words.distance_caption(res)
    )


def _downhill_part(ctx: Context) -> None:
    st.markdown(words.DOWNHILL_INTRO)
    settings = dataclasses.replace(sp.DEFAULT_DOWNHILL, seed=ctx.seed)
    res, race, k_fig, c_fig, race_fig, verdict = _computed(
        downhill_view,
        sp.DOWNHILL,
        settings,
        sp.DEFAULT_DOWNHILL,
        sp.DEFAULT_RACE,
        label=f"Descending from {settings.starts} starts on {len(settings.ks) + len(settings.curvatures)} saddles, "
        f"{len(settings.methods)} ways…",
    )
    claim_box(ledger.DOWNHILL, verdict)
    show_chart(k_fig, name="saddle-point-by-directions", key=f"{SLUG}.export.k", caption=words.k_caption(res))
    show_chart(
        c_fig, name="saddle-point-by-curvature", key=f"{SLUG}.export.curvature", caption=words.curvature_caption(res)
    )
    show_chart(race_fig, name="saddle-point-monkey-race", key=f"{SLUG}.export.race", caption=words.race_caption(race))


def _network_part(form: ui.Form, ctx: Context) -> None:
    st.markdown(words.NETWORK_INTRO)
    scale = form.render(INIT)
    settings = dataclasses.replace(sp.DEFAULT_STALL, seed=ctx.seed, init_scale=float(scale))
    stall, census, stall_fig, census_fig, verdict = _computed(
        network_view,
        sp.STALL,
        settings,
        sp.DEFAULT_STALL,
        sp.DEFAULT_CENSUS,
        label="Training a small network in scikit-learn…",
    )
    show_chart(
        stall_fig, name="saddle-point-network-stall", key=f"{SLUG}.export.stall", caption=words.stall_caption(stall)
    )
    claim_box(ledger.STALL, verdict)
    show_chart(
        census_fig,
        name="saddle-point-critical-points",
        key=f"{SLUG}.export.census",
        caption=words.census_caption(census),
    )
    note(words.READ_MORE)


def verdicts(ctx: Context) -> tuple[claims.ClaimResult, ...]:
    """The claims at the section's defaults for ``ctx.seed``, from the results the views draw (no charts)."""
    seeded = {
        name: dataclasses.replace(store.DEFAULTS[name][1], seed=ctx.seed)
        for name in (sp.PROBABILITY, sp.DOWNHILL, sp.STALL)
    }
    return (
        _probability_verdict(result(sp.PROBABILITY, seeded[sp.PROBABILITY])),
        _downhill_verdict(result(sp.DOWNHILL, seeded[sp.DOWNHILL]), result(sp.RACE, sp.DEFAULT_RACE)),
        _stall_verdict(result(sp.CENSUS, sp.DEFAULT_CENSUS), result(sp.STALL, seeded[sp.STALL])),
    )


def render(ctx: Context) -> None:
    form = ui.Form(CONTROLS)
    _intro()
    _probability_part(ctx)
    _pair_part(form, ctx)
    _downhill_part(ctx)
    _network_part(form, ctx)


SECTION = Section(
    slug=SLUG,
    title="Saddle points: the usual trap in high dimensions",
    summary="How rare a minimum is, what sets the time to leave a saddle, and the saddles of a real network.",
    controls=CONTROLS,
    render=render,
    claims=tuple(c.id for c in ledger.CLAIMS),
    verdicts=verdicts,
)
