"""The app's categories, named once: how a run ended, what ground a stall sat on, which way a
cut goes. Core, words, charts and tests all use these constants; display words live in the
``NAMES`` tables beside them, so a sentence or a legend can change without touching data.

Values are short ids (``"local-minimum"``), never display strings: data frames, Vega-Lite
specs and test assertions carry ids, and charts map them to names for their legends.
"""

from __future__ import annotations

# ----- the shape of the ground at a point, read from its Hessian (see explainer.core.curvature) -----

MINIMUM = "minimum"  # curves up (or is flat) in every direction, down in none
MAXIMUM = "maximum"  # curves down (or is flat) in every direction, up in none
SADDLE = "saddle"  # up in some directions, down in others
FLAT = "flat"  # no curvature worth the name in any direction

SHAPES = (MINIMUM, MAXIMUM, SADDLE, FLAT)

# ----- where a run ended (see explainer.core.ground.label_ends) ---------------------------------------

GLOBAL_MINIMUM = "global-minimum"
LOCAL_MINIMUM = "local-minimum"
END_SADDLE = "saddle"
END_MAXIMUM = "maximum"
PLATEAU = "plateau"
STILL_MOVING = "still-moving"  # the run had not stopped: its slope was still clearly non-zero
LEFT_MAP = "left-map"
DIVERGED = "diverged"

END_KINDS = (GLOBAL_MINIMUM, LOCAL_MINIMUM, END_SADDLE, END_MAXIMUM, PLATEAU, STILL_MOVING, LEFT_MAP, DIVERGED)
#: Ends where a run came to rest on a critical point or flat ground: the ones that can judge
#: where descent stops.
RESTED = (GLOBAL_MINIMUM, LOCAL_MINIMUM, END_SADDLE, END_MAXIMUM, PLATEAU)
#: Ends that say nothing about the ground because the run never settled on the map.
LOST = (LEFT_MAP, DIVERGED)

END_NAMES = {
    GLOBAL_MINIMUM: "global minimum",
    LOCAL_MINIMUM: "local minimum",
    END_SADDLE: "saddle",
    END_MAXIMUM: "maximum",
    PLATEAU: "plateau",
    STILL_MOVING: "still moving",
    LEFT_MAP: "left the map",
    DIVERGED: "diverged",
}

#: Where a run ended, as a phrase that follows a count or a subject: "246 runs ended ...".
END_AT = {
    GLOBAL_MINIMUM: "in a global minimum",
    LOCAL_MINIMUM: "in a local minimum",
    END_SADDLE: "on a saddle",
    END_MAXIMUM: "on a maximum",
    PLATEAU: "on a plateau",
    STILL_MOVING: "still moving",
    LEFT_MAP: "off the map",
    DIVERGED: "diverged",
}

# ----- what a stall sat on (see explainer.core.stalls) --------------------------------------------------

STALL_MINIMUM = "minimum"
STALL_SADDLE = "saddle"
STALL_MAXIMUM = "maximum"
STALL_PLATEAU = "plateau"
STALL_VALLEY = "valley"  # a curved valley floor that still slopes: slow, but not at a critical point
STALL_UNKNOWN = "unknown"  # no Hessian was given to read the ground

STALL_KINDS = (STALL_MINIMUM, STALL_SADDLE, STALL_MAXIMUM, STALL_PLATEAU, STALL_VALLEY, STALL_UNKNOWN)

STALL_NAMES = {
    STALL_MINIMUM: "a minimum",
    STALL_SADDLE: "a saddle",
    STALL_MAXIMUM: "a maximum",
    STALL_PLATEAU: "a plateau",
    STALL_VALLEY: "a valley floor",
    STALL_UNKNOWN: "unread ground",
}

# ----- how a step-size sweep run ended (see explainer.core.experiments.lr_sweep) -------------------------

SWEEP_CONVERGED = "converged"
SWEEP_OUT_OF_STEPS = "out-of-steps"
SWEEP_AWAY_MOVING = "left-map-moving"  # off the map and still sliding when the steps ran out
SWEEP_AWAY_RESTED = "left-map-rested"  # off the map, where the ground flattens out far away
SWEEP_DIVERGED = "diverged"

SWEEP_OUTCOMES = (SWEEP_CONVERGED, SWEEP_OUT_OF_STEPS, SWEEP_AWAY_MOVING, SWEEP_AWAY_RESTED, SWEEP_DIVERGED)

SWEEP_NAMES = {
    SWEEP_CONVERGED: "converged",
    SWEEP_OUT_OF_STEPS: "ran out of steps",
    SWEEP_AWAY_MOVING: "left the map, still sliding",
    SWEEP_AWAY_RESTED: "left the map, came to rest",
    SWEEP_DIVERGED: "diverged",
}

# ----- which way a 1-D cut through a network's weights goes (see explainer.core.landscape) -------------

DOWNHILL = "downhill"  # the loss drops somewhere along the cut
NO_WAY_DOWN = "no-way-down"  # it rises (or stays) on both sides
FLAT_CUT = "flat"  # the loss does not change at all along it

CUT_COURSES = (DOWNHILL, NO_WAY_DOWN, FLAT_CUT)

CUT_NAMES = {DOWNHILL: "goes downhill", NO_WAY_DOWN: "no way down", FLAT_CUT: "perfectly flat"}

# ----- which snapshot of a training run (see explainer.core.analyses.landscape) -------------------------

EARLY = "early"
END = "end"
MOMENTS = (EARLY, END)

# ----- the local-minimum section (see explainer.core.analyses.local_minimum) ----------------------------

#: What escape from a shallow valley might be set by: one number per mini-batch setting.
MEASURE_BARRIER = "barrier"  # the valley's depth alone
MEASURE_BATCH = "batch"  # the batch size alone
MEASURE_XIE = "barrier-batch-over-lr"  # barrier x batch size / step size (Xie, Sato & Sugiyama 2021)
MEASURE_NOISE_AT_MINIMUM = "barrier-over-noise"  # barrier / (lr sigma_b^2), the noise read at the minimum
MEASURE_NOISE_PATH = "noise-path"  # Kramers' exponent: the barrier against the noise all the way up

ESCAPE_MEASURES = (MEASURE_BARRIER, MEASURE_BATCH, MEASURE_XIE, MEASURE_NOISE_AT_MINIMUM, MEASURE_NOISE_PATH)

MEASURE_NAMES = {
    MEASURE_BARRIER: "barrier height ΔL alone",
    MEASURE_BATCH: "batch size alone",
    MEASURE_XIE: "ΔL × batch size / step size",
    MEASURE_NOISE_AT_MINIMUM: "ΔL / (step size × noise² at the minimum)",
    MEASURE_NOISE_PATH: "the barrier weighed against the noise along the climb (Φ)",
}

#: The critical points of the per-sample-wells model, by the end-kind ids they share.
VALLEY_POINTS = (LOCAL_MINIMUM, END_MAXIMUM, GLOBAL_MINIMUM)
VALLEY_POINT_NAMES = {LOCAL_MINIMUM: "shallow floor (start)", END_MAXIMUM: "rim", GLOBAL_MINIMUM: "deep floor"}

#: Which gradient a run follows: every sample's, or a random batch's.
BATCH_FULL = "full-batch"
BATCH_MINI = "mini-batch"

BATCHES = (BATCH_FULL, BATCH_MINI)

BATCH_NAMES = {BATCH_FULL: "full batch", BATCH_MINI: "mini-batch"}

#: The real network's run sets: mini-batches, and the full batch matched to them in epochs or in steps.
NET_MINI = "mini-batch"
NET_FULL_EPOCHS = "full-same-epochs"  # the same number of passes through the data
NET_FULL_STEPS = "full-same-steps"  # the same number of weight updates

NET_SERIES = (NET_MINI, NET_FULL_EPOCHS, NET_FULL_STEPS)

NET_NAMES = {
    NET_MINI: "mini-batches",
    NET_FULL_EPOCHS: "full batch, same epochs",
    NET_FULL_STEPS: "full batch, same steps",
}

#: How the symmetric-start runs began.
START_ZERO = "zero"  # every weight exactly zero
START_KICKED = "kicked"  # a tiny random kick off zero

STARTS = (START_ZERO, START_KICKED)

START_NAMES = {START_ZERO: "all weights zero", START_KICKED: "kicked by 10⁻³"}

# ----- the saddle-point section (see explainer.core.analyses.saddle_point) -------------------------------

#: How a run started near a saddle ended.
SADDLE_ESCAPED = "escaped"  # it got clearly away (|y| passed 1)
SADDLE_CAUGHT = "caught"  # it converged onto the saddle
SADDLE_LINGERING = "lingering"  # neither, when its steps ran out: still creeping near the saddle
SADDLE_DIVERGED = "diverged"  # it blew up before it got away

SADDLE_ENDS = (SADDLE_ESCAPED, SADDLE_CAUGHT, SADDLE_LINGERING, SADDLE_DIVERGED)

SADDLE_END_NAMES = {
    SADDLE_ESCAPED: "escaped",
    SADDLE_CAUGHT: "converged onto the saddle",
    SADDLE_LINGERING: "still near the saddle",
    SADDLE_DIVERGED: "diverged",
}

#: The curves of the probability chart: measured, the article's coin flips, the random-matrix law.
MONTE_CARLO = "monte-carlo"
INDEPENDENT = "independent"
RANDOM_MATRIX = "random-matrix"

PROBABILITY_SERIES = (MONTE_CARLO, INDEPENDENT, RANDOM_MATRIX)

PROBABILITY_NAMES = {
    MONTE_CARLO: "Monte Carlo (random symmetric matrices)",
    INDEPENDENT: "independent signs, 0.5ⁿ (the article)",
    RANDOM_MATRIX: "random-matrix law, exp(−θn²)",
}

#: Where a search for a network's critical point started.
FROM_SNAPSHOT = "snapshot"  # a snapshot of the weights along a training run
FROM_KICKED = "kicked"  # such a snapshot with random noise added
FROM_ORIGIN = "near-origin"  # small random weights, near the symmetric point where every unit is alike

CRITICAL_STARTS = (FROM_SNAPSHOT, FROM_KICKED, FROM_ORIGIN)

CRITICAL_START_NAMES = {
    FROM_SNAPSHOT: "a training snapshot",
    FROM_KICKED: "a snapshot kicked at random",
    FROM_ORIGIN: "small random weights",
}

#: The escape-time curves: measured medians per optimiser, and the closed form.
CLOSED_FORM = "closed-form"
