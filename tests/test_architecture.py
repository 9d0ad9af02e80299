"""The apps are layers (pyproject's import-linter contract): a wrong-way import fails the suite.

``make lint`` runs ``lint-imports`` too; this test runs the same contract, so that
``pytest`` alone (and any CI step that skips lint) refuses an app importing upward.
"""

import sys
import tomllib
from pathlib import Path

import grimp
import pytest
from importlinter.contracts.layers import LayersContract

from tests.test_surfaces_import_plainly import reflection_in

ROOT = Path(__file__).resolve().parent.parent
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
LAYERS = next(c for c in CONFIG["contracts"] if c["type"] == "layers")
APP_MODULES = sorted(
    path
    for app in CONFIG["root_packages"]
    for path in (ROOT / app).rglob("*.py")
    if "migrations" not in path.parts
)


@pytest.fixture(scope="module")
def graph():
    return grimp.build_graph(*CONFIG["root_packages"], cache_dir=None)


def check(graph):
    contract = LayersContract(
        name=LAYERS["name"],
        session_options={"root_packages": CONFIG["root_packages"]},
        contract_options={"layers": LAYERS["layers"]},
    )
    return contract.check(graph, verbose=False)


def test_the_layers_go_from_the_surfaces_down_to_members():
    tops = [layer.split("|")[0].split(":")[0].strip() for layer in LAYERS["layers"]]
    assert tops == [
        "loyalty.management",
        "loyalty.admin",
        "reporting",
        "campaigns",
        "referrals",
        "rewards",
        "members",
    ]


def test_every_app_imports_only_downward(graph):
    result = check(graph)
    assert result.kept, result.metadata


@pytest.mark.parametrize(
    ("importer", "imported"),
    [
        ("members.models", "rewards.models"),
        ("rewards.ledger", "referrals.models"),
        ("referrals.services", "reporting.models"),
        ("rewards.earning.audiences", "campaigns.models"),
        ("campaigns.selectors", "reporting.reports"),
        ("reporting.selectors", "loyalty.portal.home"),
    ],
)
def test_an_upward_import_breaks_the_contract(importer, imported):
    graph = grimp.build_graph(*CONFIG["root_packages"], cache_dir=None)
    graph.add_import(importer=importer, imported=imported)
    assert not check(graph).kept


def test_lint_imports_keeps_every_contract():
    """The command ``make lint`` runs, with the pyproject configuration as it is."""
    import subprocess

    command = Path(sys.executable).with_name("lint-imports")
    done = subprocess.run(  # noqa: S603  our own virtualenv's command, fixed arguments
        [str(command), "--no-cache", "--no-logo"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("path", APP_MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_app_module_reaches_another_by_reflection(path):
    """No importlib, get_model, __import__ or getattr-with-a-default guessing, in any app."""
    assert reflection_in(path) == []
