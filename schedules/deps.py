"""What every job needs, passed in rather than imported: the store, the config, the clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import sqlite_utils

from bot.clock import Clock
from bot.config import Config


@dataclass(slots=True)
class Deps:
    """The job functions' collaborators.

    `chart_dir` is where summary charts are written (default: `charts/` beside the database).
    """

    db: sqlite_utils.Database
    config: Config
    clock: Clock
    chart_dir: Path | None = None

    def today(self) -> date:
        return self.clock.now().astimezone(self.config.tz).date()

    def charts(self) -> Path:
        return self.chart_dir or self.config.db_path.parent / "charts"
