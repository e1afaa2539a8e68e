"""WAL checkpoints off the message path.

In WAL mode SQLite copies the log back into the database file (a checkpoint, with an fsync)
on the commit that crosses `wal_autocheckpoint` pages, so every few hundred messages one
message waits for the disk: on a busy machine that commit took 100-700 ms and made the p99
of a 200 msg/s burst. `pingan run` therefore turns the automatic checkpoint down to a safety
net and lets this thread checkpoint every `interval_s` on its own connection. A PASSIVE
checkpoint never blocks the writer (the bot keeps appending to the log meanwhile), and the
sqlite3 module releases the GIL while it runs.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from pathlib import Path

from storage.backend import Database

log = logging.getLogger(__name__)

INTERVAL_S = 1.0
# The writer's own checkpoint only if this thread falls far behind: 16,000 pages, ~64 MB.
SAFETY_NET_PAGES = 16_000


class Checkpointer:
    def __init__(self, path: str | Path, interval_s: float = INTERVAL_S) -> None:
        self.path = str(path)
        self.interval_s = interval_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def take_over(self, db: Database) -> None:
        """Make `db` (the bot's writing connection) leave checkpoints to this thread."""
        db.execute(f"PRAGMA wal_autocheckpoint={SAFETY_NET_PAGES}")

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="wal-checkpoint", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the thread after a last full checkpoint (the WAL file is left empty)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(10)
            self._thread = None

    def _run(self) -> None:
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        try:
            conn.execute("PRAGMA busy_timeout=5000")
            while not self._stop.wait(self.interval_s):
                self._checkpoint(conn, "PASSIVE")
            self._checkpoint(conn, "TRUNCATE")
        finally:
            conn.close()

    def _checkpoint(self, conn: sqlite3.Connection, mode: str) -> None:
        try:
            busy, frames, done = conn.execute(f"PRAGMA wal_checkpoint({mode})").fetchone()
        except sqlite3.Error as e:
            log.warning("WAL checkpoint (%s) failed: %s", mode, e)
            return
        if busy:
            log.debug("WAL checkpoint (%s): %d of %d frames, readers busy", mode, done, frames)
