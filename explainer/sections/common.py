"""Words more than one section uses: the ground under a point, in plain language.

Pure functions of core results, tested on results built by hand.
"""

from __future__ import annotations

from explainer.core import kinds
from explainer.core.ground import Ground, MapScales
from explainer.core.prose import plural, sci


def eigenvalues(ground: Ground) -> str:
    """ "Hessian eigenvalues 1, 2" as a reader sees them (three significant figures, no "-0")."""
    return "Hessian eigenvalues " + ", ".join(sci(v + 0.0 if v else 0.0, 3) for v in ground.eigenvalues)


def _directions(n: int) -> str:
    return "one direction" if n == 1 else f"{n} directions"


def _bend(value: float, flat: float) -> str:
    """One direction's curvature in words: up, down, or flat (and which way it leans)."""
    if value > flat:
        return f"curves up ({sci(value, 3)})"
    if value < -flat:
        return f"curves down ({sci(value, 3)})"
    lean = "very slightly down" if value < 0 else "very slightly up" if value > 0 else "not at all"
    return f"is nearly flat, bending {lean} ({sci(value, 3)})"


def describe_ground(ground: Ground, scales: MapScales, *, resting: bool = True) -> str:
    """How the ground at a point bends, from its Hessian (and, where that is flat, from a small
    circle around it): a clause to follow "the ground there". ``resting`` says whether the run
    came to rest there; only then is the ground named as a kind of place (a saddle, a valley
    floor), since ground a run is still sliding over is no place it stopped at."""
    ev = eigenvalues(ground)
    flat = f"below {sci(scales.flat)}, a thousandth of this map's sharpest curvature"
    if ground.sectors_down and ground.sectors_up:
        return (
            f"is flat to second order ({ev}), but a small circle around it falls in {ground.sectors_down} "
            f"{plural(ground.sectors_down, 'direction')} and rises in {ground.sectors_up}"
            + (": a degenerate saddle" if resting else "")
        )
    if ground.is_rim:
        return f"falls away in {_directions(ground.down)} and is flat in {_directions(ground.flat)} ({ev})" + (
            ": the rounded rim of flat ground, not a maximum" if resting else ""
        )
    if ground.shape == kinds.FLAT:
        if ground.sectors_down:
            return f"is flat ({ev}, {flat}) and only falls away on one side further out" + (
                ": the edge of a plateau" if resting else ""
            )
        return f"is flat in every direction ({ev}, all {flat})"
    if ground.shape == kinds.MINIMUM and not ground.flat:
        if not ground.up:
            return f"is flat to second order but rises all round ({ev})" + (": a very shallow bowl" if resting else "")
        return f"curves up in every direction ({ev})"
    if ground.shape == kinds.MAXIMUM and not ground.flat:
        return f"curves down in every direction ({ev})"
    if len(ground.eigenvalues) == 2 and ground.flat:
        # One direction curved, one nearly flat: say each, so that "down" and "flat" never clash.
        steep, gentle = sorted(ground.eigenvalues, key=abs, reverse=True)
        text = f"{_bend(steep, scales.flat)} in one direction and {_bend(gentle, scales.flat)} in the other"
        named = ": a valley floor" if ground.shape == kinds.MINIMUM else ": downhill one way, uphill the other"
        return text + (named if resting else "")
    rising = len(ground.eigenvalues) - ground.index
    down = "the other" if rising == ground.index == 1 else _directions(ground.index)
    text = f"curves up in {_directions(rising)} and down in {down} ({ev})"
    return text + (": downhill one way, uphill the other" if resting else "")
