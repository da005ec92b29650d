"""Ready for Streamlit Community Cloud: one dependency file that covers every import, the theme in
``.streamlit/config.toml`` at the root, and a page that reads nothing from outside the repository
and its Python installation."""

from __future__ import annotations

import ast
import re
import sys
import sysconfig
import tempfile
import tomllib
from pathlib import Path

import pages

ROOT = Path(__file__).resolve().parent.parent

#: Files Community Cloud reads dependencies from, before requirements.txt or after it.
OTHER_DEPENDENCY_FILES = ("uv.lock", "Pipfile", "Pipfile.lock", "environment.yml", "environment.yaml", "setup.py")
#: Import name to the distribution that provides it, where they differ.
DISTRIBUTION = {"sklearn": "scikit-learn", "vl_convert": "vl-convert-python"}


def _requirements() -> set[str]:
    names = set()
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            names.add(re.split(r"[<>=!~\[; ]", line, maxsplit=1)[0].lower())
    return names


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


def test_requirements_txt_is_the_one_dependency_file_and_covers_every_import():
    assert not [name for name in OTHER_DEPENDENCY_FILES if (ROOT / name).exists()]
    project = tomllib.loads((ROOT / "pyproject.toml").read_text()).get("project", {})
    assert "dependencies" not in project  # so Cloud cannot read a second, different list
    assert project["requires-python"] == ">=3.11"

    app_files = [ROOT / "streamlit_app.py", *(ROOT / "explainer").rglob("*.py")]
    dev_only = {ROOT / "explainer" / name for name in ("devserver.py", "bench.py", "load.py")}
    third_party = set()
    for path in app_files:
        if path not in dev_only:
            third_party |= _imports(path)
    third_party -= set(sys.stdlib_module_names) | {"explainer", "__future__"}
    needed = {DISTRIBUTION.get(name, name).lower() for name in third_party}
    assert needed, "no imports found"
    assert needed <= _requirements(), f"imported but not in requirements.txt: {sorted(needed - _requirements())}"


def test_the_theme_file_is_at_the_root_with_a_light_and_a_dark_variant():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert set(config["theme"]) >= {"light", "dark"}
    assert config["browser"]["gatherUsageStats"] is False


def test_the_page_reads_nothing_from_outside_the_repository():
    """Every file the whole page opens (audited while it runs) is in the repository, in Python's own
    installation, in the temporary folder or a system file; nothing from a sibling folder."""
    opened: list[str] = []
    state = {"on": True}

    def hook(event, args):
        if state["on"] and event == "open" and isinstance(args[0], str | Path):
            opened.append(str(args[0]))

    sys.addaudithook(hook)  # hooks cannot be removed: this one stops recording after the run
    try:
        pages.run()
    finally:
        state["on"] = False
    allowed = [
        str(ROOT),
        sys.prefix,
        sys.base_prefix,
        sysconfig.get_paths()["purelib"],
        tempfile.gettempdir(),
        "/proc",
        "/sys",
        "/dev",
        "/etc",
        "/usr",
    ]
    outside = sorted({p for p in opened if Path(p).is_absolute() and not any(p.startswith(a) for a in allowed)})
    relative = sorted(
        {p for p in opened if not Path(p).is_absolute() and not (Path.cwd() / p).resolve().is_relative_to(ROOT)}
    )
    assert opened, "the audit hook saw no file opened"
    assert not outside and not relative, (outside, relative)
    assert not [p for p in opened if "/shared/" in p or p.startswith(str(ROOT.parent / "shared"))]
