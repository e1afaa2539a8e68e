"""The audit log is append-only and tamper-evident, and records dashboard views of health
data and refused exports with who and from where."""

from __future__ import annotations

from datetime import timedelta

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.cli import main
from bot.web import create_web_app
from core.config import Config
from storage.audit import record, redact_before, verify
from storage.backend import is_postgres, store_errors
from storage.db import open_db
from tests.commands_helpers import audit_rows
from tests.web_helpers import DAY, log_in, seed_school, token_for

pytestmark = pytest.mark.both_stores  # the guards are SQLite or PostgreSQL triggers


@pytest.fixture
def logged(db, clock):
    """Ten rows the way the bot writes them, one transaction each."""
    for i in range(10):
        clock.advance(timedelta(minutes=1))
        with db.atomic():
            record(db, "refused", f"S10{i % 3}", clock.now(), command="/补报",
                   reason=f"学号 38.{i} 发烧 不在你的范围")  # fmt: skip
    return db


def _drop_guards(db) -> None:
    """What someone with the file and sqlite3 (or the database owner) could do: remove the
    triggers first."""
    on = " ON audit_log" if is_postgres(db) else ""
    db.execute(f"DROP TRIGGER audit_log_no_delete{on}")
    db.execute(f"DROP TRIGGER audit_log_sealed{on}")


def verify_cli(tmp_path, db, capsys) -> tuple[int, str]:
    if is_postgres(db):
        storage = f"url: '{db.url}'"
    else:
        storage = f"path: {db.execute('PRAGMA database_list').fetchone()[2]}"
    config = tmp_path / "config.yaml"
    config.write_text(f"storage:\n  {storage}\n", encoding="utf-8")
    code = main(["audit", "verify", "--config", str(config)])
    return code, capsys.readouterr().out


def test_an_untouched_log_verifies(logged, tmp_path, capsys):
    code, out = verify_cli(tmp_path, logged, capsys)
    assert code == 0, out
    assert "10 row(s)" in out and "chain intact" in out


def test_the_database_refuses_to_delete_or_change_a_row(logged):
    with pytest.raises(store_errors(), match="append-only"):
        logged.execute("DELETE FROM audit_log WHERE id = 3")
    with pytest.raises(store_errors(), match="sealed"):
        logged.execute("UPDATE audit_log SET actor = 'A01' WHERE id = 3")
    with pytest.raises(store_errors(), match="sealed"):
        logged.execute("UPDATE audit_log SET detail = '{}' WHERE id = 3")
    assert verify(logged).ok


@pytest.mark.parametrize(
    ("tamper", "found"),
    [
        ("UPDATE audit_log SET detail = '{\"command\": \"/统计\"}' WHERE id = 4",
         "#4: its detail was changed"),
        ("UPDATE audit_log SET actor = 'A01' WHERE id = 4", "#4: its time, actor or action"),
        ("UPDATE audit_log SET at = '2020-01-01T00:00:00+08:00' WHERE id = 4",
         "#4: its time, actor or action"),
        ("DELETE FROM audit_log WHERE id = 4", "#5: does not follow the row before it"),
        ("UPDATE audit_log SET detail = '{\"redacted\": true}', prev_hash = 'x' WHERE id = 4",
         "#4: does not follow"),
    ],
)  # fmt: skip
def test_tampering_shows_in_verify(logged, tmp_path, capsys, tamper, found):
    _drop_guards(logged)
    logged.execute(tamper)
    code, out = verify_cli(tmp_path, logged, capsys)
    assert code == 1
    assert found in out and "TAMPERED" in out


def test_purging_the_free_text_keeps_the_chain(logged, clock):
    with logged.atomic():
        changed = redact_before(logged, (clock.now() - timedelta(minutes=3)).isoformat())
    assert changed == 6
    rows = audit_rows(logged, "refused")
    assert [r.get("reason") for r in rows[:6]] == [None] * 6  # 38.x 发烧 is gone
    assert all(r["command"] == "/补报" and r["redacted"] for r in rows[:6])
    assert "发烧" in rows[6]["reason"]
    verdict = verify(logged)
    assert verdict.ok and verdict.redacted == 6


def test_rows_from_before_the_chain_are_sealed_by_the_next_record(db, clock):
    db.execute(
        "INSERT INTO audit_log (at, actor, action, detail) VALUES (?, NULL, 'legacy', '{}')",
        [clock.now().isoformat()],
    )
    assert verify(db).unsealed == 1
    with db.atomic():
        record(db, "export", None, clock.now(), via="cli")
    verdict = verify(db)
    assert verdict.ok and verdict.unsealed == 0 and verdict.rows == 2


async def test_views_of_health_data_and_refused_exports_are_audited(db, clock):
    nodes = seed_school(db)
    async with TestClient(TestServer(create_web_app(db, Config(), clock), host="127.0.0.1")) as c:
        assert (await log_in(c, token_for(db, "T01", clock.now()))).status == 303
        assert (await c.get(f"/today?node={nodes['c1']}&date={DAY}")).status == 200
        assert (await c.get(f"/groups?node={nodes['c1']}&date={DAY}")).status == 200
        # out of scope: 数学学院 is not 王老师's
        resp = await c.get(f"/downloads/ledger.xlsx?node={nodes['m1']}&from={DAY}&to={DAY}")
        assert resp.status == 403
    async with TestClient(TestServer(create_web_app(db, Config(), clock), host="127.0.0.1")) as m:
        assert (await log_in(m, token_for(db, "S101", clock.now()))).status == 303
        assert (await m.get(f"/today?node={nodes['c1']}&date={DAY}")).status == 200  # no health
        resp = await m.get(f"/downloads/ledger.xlsx?node={nodes['c1']}&from={DAY}&to={DAY}")
        assert resp.status == 403
    views = audit_rows(db, "view")
    assert [(v["actor"], v["page"], v["scope"], v["address"]) for v in views] == [
        ("T01", "/today", "计算机学院/2021级/计科1班", "127.0.0.1"),
        ("T01", "/groups", "计算机学院/2021级/计科1班", "127.0.0.1"),
    ]
    refused = audit_rows(db, "export_refused")
    assert [(r["actor"], r["address"]) for r in refused] == [
        ("T01", "127.0.0.1"),
        ("S101", "127.0.0.1"),
    ]
    assert "不在你的负责范围内" in refused[0]["reason"]
    assert "只有辅导员" in refused[1]["reason"]
    assert verify(db).ok


def test_verify_reads_a_fresh_file(tmp_path, capsys):
    db = open_db(tmp_path / "fresh.db")
    code, out = verify_cli(tmp_path, db, capsys)
    db.close()
    assert code == 0 and "0 row(s)" in out
