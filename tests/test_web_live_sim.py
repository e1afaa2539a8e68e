"""The simulator behind /sim: posts and jobs in time order, whether the clock ticks or jumps."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.adapters.sim.transcript import BOT_NAME
from tests.web_helpers import sim_stack


def reported_before(db, class_chat: str, when: str) -> set[str]:
    rows = db.execute(
        """
        SELECT p.name FROM reports r JOIN people p ON p.id = r.person_id
        JOIN chats c ON c.node_id = p.class_id AND c.chat_id = ?
        WHERE r.day = '2020-02-10' AND r.created_at < ?
        """,
        [class_chat, when],
    ).fetchall()
    return {r[0] for r in rows}


async def test_a_jump_delivers_every_planned_post_before_the_nag_that_follows(db, clock):
    async with sim_stack(db, clock) as (bridge, config):
        opened = [ln for ln in bridge.transcript.lines if "报送开始" in ln.text]
        assert {ln.chat for ln in opened} >= {"sim-2021-1", "sim-2022-2"}  # caught up at 07:00
        assert (await bridge.jump(config)).strftime("%H:%M") == "08:30"
        assert (await bridge.jump(config)).strftime("%H:%M") == "10:00"
        nag = next(
            ln
            for ln in bridge.transcript.in_chat("sim-2021-1")
            if ln.who == BOT_NAME and "【平安报告提醒】" in ln.text
        )
        members = {m.name for m in bridge.campus.members["sim-2021-1"]}
        mentioned = {w[1:] for w in nag.text.split() if w.startswith("@")}
        missing = members - reported_before(db, "sim-2021-1", "2020-02-10T10:00:00+08:00")
        on_leave = {
            r[0]
            for r in db.execute(
                "SELECT p.name FROM leaves l JOIN people p ON p.id = l.person_id"
                " WHERE l.start_day <= '2020-02-10' AND l.end_day >= '2020-02-10'"
            )
        }
        assert mentioned and mentioned <= missing - on_leave
        posts = [ln for ln in bridge.transcript.in_chat("sim-2021-1") if ln.who != BOT_NAME]
        assert posts and all(ln.time <= nag.time for ln in posts)


async def test_the_clock_follows_the_wall_clock_and_posts_arrive(db, clock):
    async with sim_stack(db, clock, tick_s=0.05) as (bridge, _config):
        start = bridge.clock.now()
        for _ in range(100):
            if bridge.clock.now() >= start + timedelta(seconds=0.2):
                break
            await asyncio.sleep(0.05)
        assert bridge.clock.now() > start
