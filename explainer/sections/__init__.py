"""The walkthrough, in order. Only sections that are built are listed."""

from explainer.sections import critical_points, descent, landscape, local_minimum, saddle_point
from explainer.ui.section import Context, Section

SECTIONS: tuple[Section, ...] = (
    descent.SECTION,
    landscape.SECTION,
    critical_points.SECTION,
    local_minimum.SECTION,
    saddle_point.SECTION,
)

__all__ = ["SECTIONS", "Context", "Section"]
