"""`python -m schedules.chart_child`: renders the ChartSpecs given as JSON on stdin.

The bot's summaries start it (schedules.chart.render_in_child) so that matplotlib and numpy
live only as long as a night's charts, never in the long-running bot process.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

from schedules.chart import ChartSpec, render_completion

log = logging.getLogger("schedules.chart")


def main() -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    for raw in json.loads(sys.stdin.buffer.read().decode("utf-8")):
        spec = ChartSpec(**{**raw, "path": Path(raw["path"])})
        try:
            render_completion(spec)
        except (OSError, ValueError) as e:
            log.warning("chart %s not rendered: %s", spec.path, e)
    return 0


if __name__ == "__main__":
    sys.exit(main())
