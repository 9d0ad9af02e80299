"""The portal and the demo reach the apps by ordinary imports: a broken one fails at start-up.

No ``importlib``, no ``apps.get_model("app", "Name")``, no ``getattr(module, "x", None)``
guessing that hides a section when something is missing (the portal's tier section once
read a dict whose keys it guessed, and answered 500 to most members).
"""

import ast
import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SURFACES = sorted(
    path
    for folder in ("loyalty/portal", "loyalty/demo", "loyalty/management")
    for path in (ROOT / folder).rglob("*.py")
)


def reflection_in(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import | ast.ImportFrom):
            names = [alias.name for alias in node.names] + [getattr(node, "module", "") or ""]
            found += [f"import {name}" for name in names if name.split(".")[0] == "importlib"]
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name | ast.Attribute):
            name = node.func.id if isinstance(node.func, ast.Name) else node.func.attr
            if name in ("get_model", "import_module", "__import__"):
                found.append(f"{name}() on line {node.lineno}")
            if name == "getattr" and len(node.args) == 3:
                found.append(f"getattr with a default on line {node.lineno}")
    return found


def test_the_surfaces_have_modules_to_check():
    assert len(SURFACES) >= 10


@pytest.mark.parametrize("path", SURFACES, ids=lambda p: str(p.relative_to(ROOT)))
def test_a_surface_module_uses_no_reflection(path):
    assert reflection_in(path) == []


@pytest.mark.parametrize("path", SURFACES, ids=lambda p: str(p.relative_to(ROOT)))
def test_a_surface_module_imports_at_start_up(path):
    name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
    assert importlib.util.find_spec(name) is not None
    __import__(name)
