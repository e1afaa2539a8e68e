"""The built wheel works on its own: installed into a fresh venv, `pingan demo` runs from a
directory that is not the repository, on the config and roster shipped as package data.

No network: the wheel is built without build isolation (setuptools from the test extras),
installed with --no-deps, and the venv reuses this environment's third-party packages through
a .pth line (which does not activate this environment's editable pingan)."""

import os
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

from tests.conftest import REPO

SOURCES = [
    "pyproject.toml",
    "README.md",
    "LICENSE",
    "core",
    "bot",
    "handlers",
    "storage",
    "schedules",
]


def _run(*command, cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    done = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, f"{command}\n{done.stdout}\n{done.stderr}"
    return done


@pytest.mark.timeout(120)  # about 25 s: a build, a venv and one demo day
def test_the_installed_wheel_runs_the_demo_outside_the_repository(tmp_path):
    source = tmp_path / "source"  # a copy, so building leaves no build/ or egg-info behind
    source.mkdir()
    for name in SOURCES:
        if (REPO / name).is_dir():
            skip = shutil.ignore_patterns("__pycache__")
            shutil.copytree(REPO / name, source / name, ignore=skip)
        else:
            shutil.copy2(REPO / name, source / name)
    dist = tmp_path / "dist"
    _run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
         "--no-index", "--wheel-dir", str(dist), str(source), cwd=tmp_path)  # fmt: skip
    (wheel,) = dist.glob("pingan-*.whl")

    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=False)
    python = env_dir / "bin" / "python"
    purelib = Path(_run(python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))",
                        cwd=tmp_path).stdout.strip())  # fmt: skip
    ours = {sysconfig.get_path("purelib"), sysconfig.get_path("platlib")}
    (purelib / "reused-packages.pth").write_text("\n".join(sorted(ours)) + "\n")
    _run(sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps",
         "--no-index", str(wheel), cwd=tmp_path)  # fmt: skip

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    where = _run(python, "-c", "import bot; print(bot.__file__)", cwd=elsewhere).stdout
    assert Path(where.strip()).is_relative_to(env_dir)  # the wheel's copy, not the repository's
    db = elsewhere / "demo.db"
    done = _run(env_dir / "bin" / "pingan", "demo", "--db", str(db), cwd=elsewhere)
    assert "== 汇总核对（直接查询 SQLite）==" in done.stdout
    assert "2020-02-10 计算机学院: 应报 120 实报" in done.stdout  # the sample roster's 120
    assert db.is_file()
