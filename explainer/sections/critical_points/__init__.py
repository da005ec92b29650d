"""Section 3: where the gradient vanishes, descent from a grid of starts over a map of traps."""

from explainer.sections.critical_points.page import SECTION

__all__ = ["SECTION"]
