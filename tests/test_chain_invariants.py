"""Random days of reposts, forks, corrections and removals keep the chain's books straight."""

import json
import tempfile
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.clock import FakeClock
from storage.db import open_db
from tests.chain_helpers import NAMES, ClassGroup, chain
from tests.conftest import TZ

step = st.tuples(
    st.sampled_from(["own", "proxy", "fix", "fork", "remove"]),
    st.integers(1, 6),  # poster
    st.integers(0, 9),  # whom / which
    st.integers(0, 9),  # temperature digit
)


def books(group):
    db = group.db
    parsed = db.execute("SELECT coalesce(sum(lines_parsed), 0) FROM chain_days").fetchone()[0]
    distinct = db.execute("SELECT count(*) FROM chain_lines").fetchone()[0]
    assert parsed == distinct  # every distinct line read once, never again
    active = db.execute(
        "SELECT person_key, person_id, parsed FROM chain_lines WHERE status = 'active'"
    ).fetchall()
    keys = [k for k, _, _ in active]
    assert len(keys) == len(set(keys))  # one active line per person
    expected = {pid: json.loads(p)["temperature"] for _, pid, p in active if pid}
    reports = dict(db.execute("SELECT person_id, temperature FROM reports").fetchall())
    assert reports == expected  # the reports are exactly the active lines, nothing doubled


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=st.lists(step, min_size=1, max_size=14))
def test_random_days_keep_the_books(steps, monkeypatch):
    with tempfile.TemporaryDirectory() as tmp:
        db = open_db(Path(tmp) / "p.db")
        try:
            group = ClassGroup(db, FakeClock(datetime(2020, 2, 10, 7, tzinfo=TZ)), monkeypatch)
            history: list[list[str]] = [[]]
            for op, poster, whom, digit in steps:
                latest = list(history[-1])
                line = f"{NAMES[whom]} 36.{digit} 正常 在校"
                if op == "own":
                    latest.append(f"{NAMES[poster - 1]} 36.{digit} 正常 在校")
                elif op == "proxy":
                    latest.append(line)
                elif op == "fix" and latest:
                    latest[whom % len(latest)] = line
                elif op == "fork":
                    latest = [*history[whom % len(history)], line]
                elif op == "remove" and latest:
                    del latest[whom % len(latest)]
                if not latest:
                    continue
                group.post(f"q{poster}", chain(*latest))
                history.append(latest)
                books(group)
        finally:
            db.close()


def test_books_helper_sees_a_double_count(db, clock, monkeypatch):
    group = ClassGroup(db, clock, monkeypatch)
    group.post("q1", chain(*[f"{n} 36.5 正常 在校" for n in NAMES[:3]]))
    books(group)
    with db.atomic():
        db.execute("UPDATE chain_days SET lines_parsed = lines_parsed + 1")
    with pytest.raises(AssertionError):
        books(group)
