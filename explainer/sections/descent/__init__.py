"""Section 1: how a network learns, with backprop and gradient descent."""

from explainer.sections.descent.page import SECTION

__all__ = ["SECTION"]
