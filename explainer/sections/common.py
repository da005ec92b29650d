"""Words more than one section uses: the ground under a point, in plain language.

Pure functions of core results, tested on results built by hand.
"""

from __future__ import annotations

from explainer.core import kinds
from explainer.core.ground import Ground, MapScales
from explainer.core.prose import plural, sci


def eigenvalues(ground: Ground) -> str:
    """ "eigenvalues 1, 2" as a reader sees them (three significant figures)."""
    return "Hessian eigenvalues " + ", ".join(f"{v:.3g}" for v in ground.eigenvalues)


def _directions(n: int) -> str:
    return "one direction" if n == 1 else f"{n} directions"


def describe_ground(ground: Ground, scales: MapScales) -> str:
    """How the ground at a point bends, from its Hessian (and, where that is flat, from a small
    circle around it): a clause to follow "the ground there"."""
    ev = eigenvalues(ground)
    flat = f"below {sci(scales.flat)}, a thousandth of this map's sharpest curvature"
    if ground.sectors_down and ground.sectors_up:
        return (
            f"is flat to second order ({ev}), but a small circle around it falls in {ground.sectors_down} "
            f"{plural(ground.sectors_down, 'direction')} and rises in {ground.sectors_up}: a degenerate saddle"
        )
    if ground.is_rim:
        return (
            f"falls away in {_directions(ground.down)} and is flat in {_directions(ground.flat)} ({ev}): the "
            "rounded rim of flat ground, not a summit"
        )
    if ground.shape == kinds.FLAT:
        if ground.sectors_down:
            return f"is flat ({ev}, {flat}) and only falls away on one side further out: the edge of a plateau"
        return f"is flat in every direction ({ev}, all {flat})"
    if ground.shape == kinds.MINIMUM:
        if ground.flat:
            return (
                f"curves up in {_directions(ground.up)} and is flat in {_directions(ground.flat)} ({ev}): "
                "a valley floor"
            )
        if not ground.up:
            return f"is flat to second order but rises all round ({ev}): a very shallow bowl"
        return f"curves up in every direction ({ev})"
    if ground.shape == kinds.MAXIMUM:
        return f"curves down in every direction ({ev})"
    rising = len(ground.eigenvalues) - ground.index
    down = "the other" if rising == ground.index == 1 else _directions(ground.index)
    text = f"curves up in {_directions(rising)} and down in {down} ({ev})"
    if ground.flat:
        bends = "downward" if not ground.down else "upward" if not ground.up else "gentlest"
        text += f", its {bends} bend so slight that it counts as flat on this map"
    return text + ": downhill one way, uphill the other"
