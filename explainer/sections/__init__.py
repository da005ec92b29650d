"""The walkthrough, in order, and the closing table that follows its last section."""

from explainer.sections import (
    closing,
    critical_points,
    descent,
    landscape,
    local_minimum,
    overfitting,
    plateau,
    saddle_point,
)
from explainer.ui.section import Context, Section

SECTIONS: tuple[Section, ...] = (
    descent.SECTION,
    landscape.SECTION,
    critical_points.SECTION,
    local_minimum.SECTION,
    saddle_point.SECTION,
    plateau.SECTION,
    overfitting.SECTION,
)

#: The closing table of every claim (``?section=claims``), drawn after the last section, unnumbered.
CLOSING: Section = closing.make(SECTIONS)

__all__ = ["CLOSING", "SECTIONS", "Context", "Section"]
