"""Section 6: plateaus, flat and slow."""

from explainer.sections.plateau.page import SECTION

__all__ = ["SECTION"]
