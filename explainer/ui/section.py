"""What every section is, to the page: a slug, a title, its controls, and a render function.

The sections build these; the page only reads them, so this type lives with the page helpers
(`explainer/ui/` knows no particular section)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from explainer.core.claims import ARTICLE, ClaimResult
from explainer.ui.controls import Control

__all__ = ["ARTICLE", "Context", "Section"]


@dataclass(frozen=True)
class Context:
    """Page-wide state handed to every section: the seed, and whether the whole walkthrough is
    on the page (links to other sections are then anchors, else ``?section=`` links)."""

    seed: int
    whole_page: bool = True


@dataclass(frozen=True)
class Section:
    """One step of the walkthrough; ``slug`` is part of the public URL scheme.

    ``title`` heads the section (the router numbers it) and names it in the table of contents,
    with ``summary`` under it; ``claims`` are the ids of the article's claims it judges;
    ``render`` draws everything under the header; ``verdicts(context)`` gives those claims judged
    at the section's default settings for the context's seed, through the same cached views that
    ``render`` uses (so the closing table reads what the page computed, not a second computation).
    ``terms`` are the glossary entries ``(name, definition)`` of the words the section uses, shown
    in a small aside under its header. ``height`` is the height in pixels of an iframe that shows the
    section alone at its default settings in a column 820 pixels wide (measured in the browser).
    """

    slug: str
    title: str
    summary: str
    controls: tuple[Control, ...]
    render: Callable[[Context], None]
    claims: tuple[str, ...] = ()
    verdicts: Callable[[Context], tuple[ClaimResult, ...]] | None = None
    terms: tuple[tuple[str, str], ...] = ()
    height: int | None = None

    @property
    def keys(self) -> frozenset[str]:
        return frozenset(c.key for c in self.controls)
