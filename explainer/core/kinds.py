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
    END_MAXIMUM: "summit",
    PLATEAU: "plateau",
    STILL_MOVING: "still moving",
    LEFT_MAP: "left the map",
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
    STALL_MAXIMUM: "a rounded top",
    STALL_PLATEAU: "a plateau",
    STALL_VALLEY: "a curved valley floor",
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
