"""The local-minimum section's page: its controls, one-line cached wrappers around the analyses,
and ``render`` as a list of parts.

Every default result ships precomputed (``local-minimum.*`` in :mod:`explainer.core.store`);
other settings compute live, under a progress bar where that takes more than a moment.
"""

from __future__ import annotations

import dataclasses

import streamlit as st

from explainer.core import claims, store
from explainer.core.analyses import local_minimum as analysis
from explainer.core.claims import local_minimum as ledger
from explainer.sections.local_minimum import figures, words
from explainer.ui import controls as ui
from explainer.ui.cache import cached, computed, viewed
from explainer.ui.claims import claim_box
from explainer.ui.display import note, show_chart
from explainer.ui.section import ARTICLE, Context, Section

SLUG = analysis.SLUG
ESCAPE = claims.CLAIMS[ledger.ESCAPE.id]
DEPTH = claims.CLAIMS[ledger.DEPTH.id]
_V = analysis.DEFAULT_VALLEY
_DW = analysis.DEFAULT_DOUBLE_WELL

VALLEY = ui.Control(
    f"{SLUG}.m",
    "Samples in the shallow valley (m of 40)",
    "slider",
    _V.m,
    lo=min(analysis.READER_VALLEYS),
    hi=max(analysis.READER_VALLEYS),
    step=1,
    help="How many of the 40 samples sit at −1 and dig the shallow valley; the others dig the deep one at +1.",
)
BATCH = ui.Control(
    f"{SLUG}.batch",
    "Batch size",
    "select_slider",
    _V.batch,
    options=analysis.BATCH_SIZES,
    format=lambda b: f"{b} (full)" if b >= _V.n else str(b),
    help="Samples drawn at random for each step.",
)
STEP_SIZE = ui.Control(
    f"{SLUG}.lr",
    "Step size",
    "select_slider",
    _V.lr,
    options=analysis.STEP_SIZES,
    format=ui.number,
    help="How far each step goes along the batch's negative gradient.",
)
NOISE = ui.Control(
    f"{SLUG}.noise",
    "Gradient noise σ on the double well",
    "segmented",
    0.5,
    options=tuple(x for x in _DW.noises if x > 0),
    format=ui.number,
    help="Standard deviation of the Gaussian noise added to every gradient (a stand-in for mini-batch noise).",
)
CONTROLS = (VALLEY, BATCH, STEP_SIZE, NOISE)


# ----- cached wrappers (every input is an argument) ----------------------------------------------


@cached()
def valley_view(settings: analysis.ValleySettings):
    return viewed(store.result(analysis.VALLEY, settings), figures.valley)


@cached()
def wells_view(settings: analysis.WellsSettings):
    res = computed(
        analysis.WELLS,
        settings,
        analysis.wells_escape,
        f"Running {settings.runs:,} seeded runs for each of "
        f"{len(settings.valley_samples) * len(settings.batch_sizes) * len(settings.lrs)} settings…",
    )
    evidence = ledger.evidence(res)
    escape_fig, shown = figures.escape(res)
    return res, ESCAPE.judge(evidence), DEPTH.judge(evidence), escape_fig, shown, figures.sets_escape(res)


@cached()
def double_well_view(settings: analysis.DoubleWellSettings, paths: analysis.PathSettings):
    res, drawn = store.result(analysis.DOUBLE_WELL, settings), store.result(analysis.PATHS, paths)
    return res, drawn, figures.double_well(res, drawn)


@cached()
def network_view(settings: analysis.NetSettings):
    res = computed(
        analysis.NETWORK,
        settings,
        analysis.network_seeds,
        f"Training {settings.runs} seeds of the network with {len(settings.batch_sizes)} batch sizes…",
    )
    return viewed(res, figures.network, figures.losses)


@cached()
def symmetric_view(settings: analysis.SymmetricSettings):
    return viewed(store.result(analysis.SYMMETRIC, settings), figures.symmetric)


# ----- the parts of the page ------------------------------------------------------------------------


def _intro() -> None:
    st.markdown(f"*{ARTICLE}* {words.INTRO}")
    st.markdown(words.MODEL)


def _valley_part(form: ui.Form, ctx: Context) -> None:
    c1, c2, c3 = st.columns([1.4, 1, 1])
    m, batch, lr = form.render(VALLEY, c1), form.render(BATCH, c2), form.render(STEP_SIZE, c3)
    settings = dataclasses.replace(_V, m=int(m), batch=int(batch), lr=float(lr), seed=ctx.seed)
    view, chart = valley_view(settings)
    show_chart(
        chart, name=f"local-minimum-valley-m{m}", key=f"{SLUG}.export.valley", caption=words.valley_caption(view)
    )


def _grid_part(ctx: Context) -> None:
    st.markdown("#### Escape against batch size and depth")
    settings = dataclasses.replace(analysis.DEFAULT_WELLS, seed=ctx.seed)
    res, escape_verdict, depth_verdict, escape_fig, shown, sets_fig = wells_view(settings)
    show_chart(
        escape_fig, name="local-minimum-escape", key=f"{SLUG}.export.escape", caption=words.escape_caption(res, shown)
    )
    claim_box(ESCAPE, escape_verdict)
    st.markdown("#### What really sets escape")
    st.markdown(words.sets_note(res))
    show_chart(
        sets_fig, name="local-minimum-what-sets-escape", key=f"{SLUG}.export.sets", caption=words.sets_caption(res)
    )
    claim_box(DEPTH, depth_verdict)


def _double_well_part(form: ui.Form, ctx: Context) -> None:
    st.markdown("#### The tilted double well: noise instead of batches")
    st.markdown(words.DOUBLE_WELL)
    chosen = float(form.render(NOISE))
    paths = dataclasses.replace(analysis.DEFAULT_PATHS, noise=chosen, seed=ctx.seed)
    res, drawn, chart = double_well_view(analysis.DEFAULT_DOUBLE_WELL, paths)
    show_chart(
        chart,
        name="local-minimum-double-well",
        key=f"{SLUG}.export.double-well",
        caption=words.double_well_caption(res, drawn),
    )


def _network_part(ctx: Context) -> None:
    st.markdown("#### A real network over 200 seeds")
    res, bars, strip = network_view(analysis.DEFAULT_NET)
    st.markdown(words.network_intro(res))
    show_chart(
        bars, name="local-minimum-network-bad-runs", key=f"{SLUG}.export.network", caption=words.network_caption(res)
    )
    show_chart(
        strip, name="local-minimum-network-losses", key=f"{SLUG}.export.losses", caption=words.losses_caption(res)
    )
    st.markdown("#### The trap no batch size can leave")
    settings = dataclasses.replace(analysis.DEFAULT_SYMMETRIC, seed=ctx.seed)
    sym, chart = symmetric_view(settings)
    show_chart(
        chart,
        name="local-minimum-symmetric-start",
        key=f"{SLUG}.export.symmetric",
        caption=words.symmetric_caption(sym),
    )
    st.markdown(words.SYMMETRIC_NOTE)
    note(words.READ_MORE)


def verdicts(ctx: Context) -> tuple[claims.ClaimResult, ...]:
    _, escape, depth, *_ = wells_view(dataclasses.replace(analysis.DEFAULT_WELLS, seed=ctx.seed))
    return escape, depth


def render(ctx: Context) -> None:
    form = ui.Form(CONTROLS)
    _intro()
    _valley_part(form, ctx)
    _grid_part(ctx)
    _double_well_part(form, ctx)
    _network_part(ctx)


SECTION = Section(
    slug=SLUG,
    title="Local minima: shallow valleys and mini-batch noise",
    summary="Valleys dug by samples, the noise of mini-batches, and a real network over 200 seeds: when noise gets "
    "training out of a valley, and when nothing does.",
    controls=CONTROLS,
    render=render,
    claims=(ESCAPE.id, DEPTH.id),
    verdicts=verdicts,
)
