"""A real `pingan run` process for the load runs: started with a generated config, watched
through its log (the "message … recorded" line is the bot's confirmation, written after the
commit), measured through /proc, stopped with SIGTERM or killed with SIGKILL.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RECORDED = re.compile(r"message qq:(\S+) recorded")
READY = "pingan running"
TOKEN = "load-token"


def run_and_print(
    keep: Path | None, run: Callable[[Path], Awaitable[dict]], ok: Callable[[dict], bool]
) -> int:
    """Run one load run in `keep` (or a temporary folder), print its JSON line, and exit 0
    only when `ok` holds, so `make bench` fails on a lost or doubled report."""
    with tempfile.TemporaryDirectory() as tmp:
        root = keep or Path(tmp)
        root.mkdir(parents=True, exist_ok=True)
        result = asyncio.run(run(root))
    print(json.dumps(result, ensure_ascii=False))
    return 0 if ok(result) else 1


def exactly_once(result: dict) -> bool:
    return result["lost"] == 0 and result["double"] == 0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def onebot_config(port: int) -> list[dict]:
    return [{"mode": "reverse_ws", "port": port, "access_token": TOKEN}]


class BotProcess:
    def __init__(self, config: Path, log: Path) -> None:
        self.config, self.log_path = config, log
        self.confirmed: dict[str, float] = {}  # message id → when its "recorded" line arrived
        self.lines: list[str] = []
        self._ready = threading.Event()
        self.proc: subprocess.Popen[bytes] | None = None
        self._reader: threading.Thread | None = None

    def start(self) -> None:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self._ready.clear()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "run", "--config", str(self.config)],
            cwd=REPO,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        self._reader = threading.Thread(target=self._read, args=(self.proc,), daemon=True)
        self._reader.start()

    def _read(self, proc: subprocess.Popen[bytes]) -> None:
        assert proc.stderr is not None
        with self.log_path.open("ab") as log:
            for raw in proc.stderr:
                now = time.time()
                log.write(raw)
                line = raw.decode("utf-8", "replace")
                found = RECORDED.search(line)
                if found:
                    self.confirmed.setdefault(found.group(1), now)
                elif READY in line:
                    self._ready.set()
                self.lines.append(line)

    def wait_ready(self, timeout: float = 60.0) -> None:
        if not self._ready.wait(timeout):
            tail = "".join(self.lines[-20:])
            raise RuntimeError(f"pingan run did not start within {timeout:.0f}s:\n{tail}")

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def peak_rss_mb(self) -> float:
        """VmHWM: the most resident memory the process has had."""
        status = Path(f"/proc/{self.pid}/status").read_text()
        kb = int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1))  # type: ignore[union-attr]
        return kb / 1024

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)
        if self._reader is not None:
            self._reader.join(5)

    def stop(self, timeout: float = 20.0) -> int:
        """SIGTERM and wait; the exit status (0: stopped cleanly)."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
            return -9
        finally:
            if self._reader is not None:
                self._reader.join(5)

    def errors(self) -> list[str]:
        return [line for line in self.lines if " ERROR " in line or "Traceback" in line]
