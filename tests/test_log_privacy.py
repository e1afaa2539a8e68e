"""INFO logs carry no health fact tied to a person: ids at DEBUG only, counts at INFO.

Two simulated days (the demo's real message path, scheduler and outbox) with fevers,
isolation, follow-up cases and their morning questions; then every log record at INFO or
above is searched for the 学号 and name of each person who was abnormal or had a case.
"""

from __future__ import annotations

import asyncio
import logging

from bot.adapters.sim.demo import run_demo
from core.config import Exports, load_config
from storage.db import open_db
from tests.conftest import REPO


def test_a_day_with_abnormal_reports_logs_no_one_at_info(tmp_path, caplog):
    config = load_config(REPO / "config.yaml")
    config = config.model_copy(update={"exports": Exports(dir=str(tmp_path / "exports"))})
    path = tmp_path / "demo.db"
    with caplog.at_level(logging.DEBUG):
        asyncio.run(run_demo(config, path, days=2, seed=11))
    db = open_db(path)
    try:
        flagged = db.execute(
            "SELECT DISTINCT p.id, p.name FROM people p WHERE p.id IN (SELECT person_id FROM"
            " reports WHERE abnormal = 1 OR isolation IS NOT NULL) OR p.id IN"
            " (SELECT person_id FROM cases)"
        ).fetchall()
        cases = db.execute("SELECT count(*) FROM cases").fetchone()[0]
    finally:
        db.close()
    assert len(flagged) >= 3 and cases >= 3  # the day did have abnormal reports
    debug = [r.getMessage() for r in caplog.records if r.levelno == logging.DEBUG]
    assert any(pid in m for m in debug for pid, _ in flagged)  # the ids are there for debugging
    for record in caplog.records:
        if record.levelno < logging.INFO:
            continue
        text = record.getMessage()
        for pid, name in flagged:
            assert pid not in text and name not in text, (record.name, text)
