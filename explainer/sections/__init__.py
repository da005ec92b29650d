"""The walkthrough, in order, and the closing table that follows its last section, each with the
glossary entries of the words it uses and its height when embedded alone."""

import dataclasses

from explainer.sections import (
    closing,
    critical_points,
    descent,
    glossary,
    heights,
    landscape,
    local_minimum,
    overfitting,
    plateau,
    saddle_point,
)
from explainer.ui.section import Context, Section


def _with_terms(section: Section) -> Section:
    """The section with the glossary entries of its words and its height in an iframe."""
    return dataclasses.replace(section, terms=glossary.entries(section.slug), height=heights.HEIGHTS.get(section.slug))


SECTIONS: tuple[Section, ...] = tuple(
    _with_terms(s)
    for s in (
        descent.SECTION,
        landscape.SECTION,
        critical_points.SECTION,
        local_minimum.SECTION,
        saddle_point.SECTION,
        plateau.SECTION,
        overfitting.SECTION,
    )
)

#: The closing table of every claim (``?section=claims``), drawn after the last section, unnumbered.
CLOSING: Section = _with_terms(closing.make(SECTIONS))

__all__ = ["CLOSING", "SECTIONS", "Context", "Section"]
