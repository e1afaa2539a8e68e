"""The layers run one way: bot → schedules → handlers → storage → core (docs/design-notes.md).

Three checks, each also run on a small planted tree to show it fails on a violation:

- import-linter's layers contract ([tool.importlinter] in pyproject.toml): no package imports
  one above it, so there is no import cycle between packages;
- core imports nothing of the project (an AST walk: core is the bottom everyone may import);
- every package imports on its own in a fresh interpreter, and no package __init__ imports a
  module outside the package that imports the package back (the cycle that made
  handlers/commands/__init__ half-load the care and quiz commands).
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import grimp
import pytest

from tests.conftest import REPO

PACKAGES = ("bot", "schedules", "handlers", "storage", "core")
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    """Run import-linter on the tree at `root` with the contracts of its pyproject.toml."""
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )


def project_imports(package_dir: Path, project: tuple[str, ...] = PACKAGES) -> list[str]:
    """`path:line module` for every import in the package that names another project
    package, or that climbs out of the package with a relative import."""
    others = {name for name in project if name != package_dir.name}
    found = []
    for path in sorted(package_dir.rglob("*.py")):
        depth = len(path.relative_to(package_dir).parts)  # core/x.py: 1, core/a/x.py: 2
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    if node.level > depth:
                        found.append(f"{path}:{node.lineno} {'.' * node.level}{node.module or ''}")
                    continue
                names = [node.module or ""]
            else:
                continue
            for name in names:
                if name.split(".")[0] in others:
                    found.append(f"{path}:{node.lineno} {name}")
    return found


def import_alone(root: Path, module: str) -> str:
    """What importing `module` in a fresh interpreter prints on failure ('' when it works)."""
    done = subprocess.run(
        [sys.executable, "-c", f"import {module}"],
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    return "" if done.returncode == 0 else done.stderr.strip().splitlines()[-1]


def init_cycles(root: Path, packages: tuple[str, ...]) -> list[str]:
    """`package -> module` where a package's __init__ imports a module outside the package
    that (through any chain) imports the package or one of its modules back."""
    sys.path.insert(0, str(root))
    try:
        graph = grimp.build_graph(*packages, cache_dir=None)
    finally:
        sys.path.remove(str(root))
    cycles = []
    for package in sorted(graph.modules):
        if not graph.find_children(package):
            continue
        for imported in sorted(graph.find_modules_directly_imported_by(package)):
            if imported.startswith(package + "."):
                continue
            if graph.chain_exists(importer=imported, imported=package, as_packages=True):
                cycles.append(f"{package} -> {imported}")
    return cycles


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, "utf-8")
    return root


def planted_tree(tmp_path: Path, storage_imports: str) -> Path:
    """Five one-module packages under the repo's own contracts; storage/rows.py imports
    `storage_imports`."""
    contracts = tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))["tool"]
    section = (REPO / "pyproject.toml").read_text("utf-8")
    start = section.index("\n[tool.importlinter]\n")
    end = section.index("\n[tool.ruff]\n")
    assert contracts["importlinter"]["root_packages"] == list(PACKAGES)
    files = {"pyproject.toml": section[start:end]}
    for package in PACKAGES:
        files[f"{package}/__init__.py"] = ""
        files[f"{package}/thing.py"] = "VALUE = 1\n"
    files["storage/rows.py"] = f"import {storage_imports}.thing\n"
    return write(tmp_path, files)


# -- the layers contract -------------------------------------------------------------------


def test_the_packages_keep_the_layers_contract():
    done = lint_imports(REPO)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 kept, 0 broken" in done.stdout


def test_the_contract_accepts_a_downward_import(tmp_path):
    done = lint_imports(planted_tree(tmp_path, "core"))
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_contract_fails_on_storage_importing_handlers(tmp_path):
    done = lint_imports(planted_tree(tmp_path, "handlers"))
    assert done.returncode == 1
    assert "BROKEN" in done.stdout
    assert "storage.rows -> handlers.thing" in done.stdout


# -- core imports nothing of the project ---------------------------------------------------


def test_core_imports_nothing_of_the_project():
    assert (REPO / "core" / "messages.py").is_file()
    assert project_imports(REPO / "core") == []


def test_the_core_check_finds_a_planted_import(tmp_path):
    core = write(
        tmp_path / "core",
        {
            "__init__.py": "",
            "ok.py": "import datetime\nfrom core.clock import Clock\nfrom . import ok\n",
            "bad.py": "def f():\n    from storage.db import open_db\n",
            "sub/__init__.py": "",
            "sub/worse.py": "from ...bot import cli\nimport bot.logtime\n",
        },
    )
    found = [line.split(" ", 1)[1] for line in project_imports(core)]
    assert found == ["storage.db", "...bot", "bot.logtime"]


# -- every package imports alone; no __init__ cycles ---------------------------------------


@pytest.mark.parametrize("package", PACKAGES)
def test_each_package_imports_alone(package):
    assert import_alone(REPO, package) == ""


def test_no_package_init_imports_what_imports_it_back():
    assert init_cycles(REPO, PACKAGES) == []


def test_the_cycle_checks_fail_on_a_planted_cycle(tmp_path):
    # The old handlers/commands/__init__ shape: the package loads a command module elsewhere
    # that imports the package's helpers back.
    root = write(
        tmp_path,
        {
            "cmds/__init__.py": "from plug import command\nNAMES = command.NAMES\n",
            "cmds/common.py": "PREFIX = '/'\n",
            "plug/__init__.py": "",
            "plug/command.py": "from cmds import common\nNAMES = [common.PREFIX + 'x']\n",
        },
    )
    assert init_cycles(root, ("cmds", "plug")) == ["cmds -> plug.command"]
    assert "circular import" in import_alone(root, "plug.command")
    assert import_alone(root, "cmds") == ""  # imported from the top it happens to work
