"""Section 5: saddle points, the usual trap in high dimensions."""

from explainer.sections.saddle_point.page import SECTION

__all__ = ["SECTION"]
