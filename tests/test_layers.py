"""The layering rule from DESIGN.md: the core and the charts never import Streamlit, and the
core never imports Altair."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "explainer"


def imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    roots = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


@pytest.mark.parametrize("layer, banned", [("core", {"streamlit", "altair"}), ("charts", {"streamlit"})])
def test_layer_does_not_import(layer, banned):
    files = sorted((PACKAGE / layer).rglob("*.py"))
    assert files, f"no modules under explainer/{layer}"
    offenders = {f.name: imported_roots(f) & banned for f in files if imported_roots(f) & banned}
    assert not offenders, offenders


def test_the_check_sees_imports():
    # A test that cannot fail is a defect: the parser must notice a Streamlit import.
    assert "streamlit" in imported_roots(PACKAGE / "ui" / "controls.py")
