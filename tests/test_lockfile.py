"""requirements.lock (`make lock`) keeps up with pyproject.toml: every runtime dependency is
pinned there, at a version pyproject allows, so a deployment installing from the lock gets
everything the code imports. A dependency added without rerunning `make lock` fails here."""

import re
import tomllib

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from tests.conftest import REPO

PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)", re.MULTILINE)


def locked() -> dict[str, list[Version]]:
    versions: dict[str, list[Version]] = {}
    for name, version in PIN.findall((REPO / "requirements.lock").read_text("utf-8")):
        versions.setdefault(canonicalize_name(name), []).append(Version(version))
    return versions


def runtime_requirements() -> list[Requirement]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))["project"]
    return [Requirement(line) for line in project["dependencies"]]


def test_every_runtime_dependency_is_pinned_in_the_lock():
    pins = locked()
    missing = [str(r) for r in runtime_requirements() if canonicalize_name(r.name) not in pins]
    assert not missing, f"not in requirements.lock (run `make lock`): {missing}"


def test_the_locked_versions_are_ones_pyproject_allows():
    pins = locked()
    wrong = {
        r.name: [str(v) for v in pins[canonicalize_name(r.name)] if v not in r.specifier]
        for r in runtime_requirements()
        if canonicalize_name(r.name) in pins
    }
    wrong = {name: versions for name, versions in wrong.items() if versions}
    assert not wrong, f"locked outside pyproject's range (run `make lock`): {wrong}"


def test_every_pin_carries_a_hash():
    text = (REPO / "requirements.lock").read_text("utf-8")
    entries = re.split(r"\n(?=[A-Za-z0-9])", text.split("\n", 2)[2])
    unhashed = [e.split()[0] for e in entries if "==" in e and "--hash=sha256:" not in e]
    assert not unhashed, unhashed
