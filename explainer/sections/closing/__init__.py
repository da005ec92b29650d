"""After the last section: the closing table of every claim checked."""

from explainer.sections.closing.page import SLUG, TITLE, make

__all__ = ["SLUG", "TITLE", "make"]
