"""The layering rule from DESIGN.md: imports point down only. The core and the charts never
import Streamlit, the core never imports Altair, and the shared page helpers (``explainer/ui``)
never import a section."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "explainer"


def imported_modules(path: Path) -> set[str]:
    """Every absolute module name ``path`` imports, with its parents (``a.b.c`` gives ``a``,
    ``a.b`` and ``a.b.c``)."""
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names |= {f"{node.module}.{alias.name}" for alias in node.names}
    return {".".join(n.split(".")[: i + 1]) for n in names for i in range(n.count(".") + 1)}


def imported_roots(path: Path) -> set[str]:
    return {n for n in imported_modules(path) if "." not in n}


@pytest.mark.parametrize("layer, banned", [("core", {"streamlit", "altair"}), ("charts", {"streamlit"})])
def test_layer_does_not_import(layer, banned):
    files = sorted((PACKAGE / layer).rglob("*.py"))
    assert files, f"no modules under explainer/{layer}"
    offenders = {f.name: imported_roots(f) & banned for f in files if imported_roots(f) & banned}
    assert not offenders, offenders


def test_page_helpers_know_no_section():
    files = sorted((PACKAGE / "ui").rglob("*.py"))
    offenders = {f.name for f in files if "explainer.sections" in imported_modules(f)}
    assert not offenders, offenders


def test_the_check_sees_imports():
    # A test that cannot fail is a defect: the parser must notice a Streamlit import.
    assert "streamlit" in imported_roots(PACKAGE / "ui" / "controls.py")
    assert "explainer.sections" in imported_modules(PACKAGE.parent / "streamlit_app.py")
