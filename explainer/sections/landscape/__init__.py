"""Section 2: the landscape of a real network with 4,417 weights, seen through 1-D and 2-D cuts."""

from explainer.sections.landscape.page import SECTION

__all__ = ["SECTION"]
