"""Section 4: local minima, shallow valleys and mini-batch noise."""

from explainer.sections.local_minimum.page import SECTION

__all__ = ["SECTION"]
