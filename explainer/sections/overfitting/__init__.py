"""Section 7: is the global minimum what we want? Overfitting, random labels and flat minima."""

from explainer.sections.overfitting.page import SECTION

__all__ = ["SECTION"]
