"""The walkthrough, in order. Only sections that are built are listed."""

from explainer.sections import critical_points, descent, landscape
from explainer.ui.section import Context, Section

SECTIONS: tuple[Section, ...] = (descent.SECTION, landscape.SECTION, critical_points.SECTION)

__all__ = ["SECTIONS", "Context", "Section"]
