"""What the `pingan run` tests share: a free loopback port, a config file for a run (alone or
in a cluster) and stopping the apps a test assembled."""

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


def cluster_config(
    tmp_path: Path,
    peer_port: int,
    *,
    lease_s: float,
    renew_s: float,
    poll_s: float,
    store_url: str | None = None,
    extra: dict[str, Any] | None = None,
) -> Path:
    """config.yaml for one of several processes driving the QQ account 10000 of a OneBot
    peer on `peer_port` (forward WebSocket), with short leases and an unthrottled outbox."""
    path = write_config(
        tmp_path,
        groups=[],
        adapters={
            "onebot": [
                {"mode": "forward_ws", "url": f"ws://127.0.0.1:{peer_port}/", "self_id": "10000"}
            ]
        },
    )
    config = yaml.safe_load(path.read_text(encoding="utf-8"))
    if store_url is not None:
        config["storage"] = {"url": store_url}
    config["cluster"] = {"enabled": True, "lease_s": lease_s, "renew_s": renew_s}
    config["outbox"] = {"per_group_interval_s": 0, "per_account_per_minute": 1000, "poll_s": poll_s}
    config.update(extra or {})
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return path


async def stop_apps(*apps: Any) -> None:
    """Stop each assembled app (None: one the test did not get to build) and close its store."""
    for app in apps:
        if app is not None:
            await app.stop()
            app.db.close()
