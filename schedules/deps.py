"""What every job needs, passed in rather than imported: the store, the config, the clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from core.clock import Clock
from core.config import Config
from storage.backend import Database


@dataclass(slots=True)
class Deps:
    """The job functions' collaborators.

    `chart_dir` is where summary charts are written (default: `charts/` beside the database).
    """

    db: Database
    config: Config
    clock: Clock
    chart_dir: Path | None = None

    def today(self) -> date:
        return self.clock.now().astimezone(self.config.tz).date()

    def charts(self) -> Path:
        return self.chart_dir or self.config.db_path.parent / "charts"
