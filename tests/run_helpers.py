"""What the `pingan run` tests share: a free loopback port and a config file for a run."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import yaml

from tests.conftest import REPO

CLASS1 = "计算机学院/2021级/计科1班"  # of examples/roster.csv


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_config(tmp_path: Path, *, groups: list[dict], adapters: dict[str, Any]) -> Path:
    """config.yaml for a run on the sample roster: no simulator, no dashboard."""
    config = {
        "timezone": "Asia/Shanghai",
        "storage": {"path": str(tmp_path / "pingan.db")},
        "roster": str(REPO / "examples" / "roster.csv"),
        "groups": groups,
        "adapters": {"sim": {"enabled": False}, **adapters},
        "web": {"enabled": False},
    }
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return path
