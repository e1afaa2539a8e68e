"""Two universities and a provincial account in one database, imported from a real roster.

平安大学 is the default school (config `school:`): its rows leave 学校 empty. 师范大学 has
a 计算机学院/2021级/计科1班 too, so the same path exists in both schools. Everyone is bound
to a QQ account; `Province.say` sends a chat message through the real message path.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import sqlite_utils

from core.clock import FakeClock
from core.config import Config
from core.messages import IncomingMessage
from handlers.pipeline import Pipeline
from storage import schools
from storage.roster import import_roster
from tests.commands_helpers import Sent, last_outbox_id, outbox
from tests.roster_helpers import row, write_csv
from tests.school_factory import add_leave, add_report

DEFAULT = "平安大学"
OTHER = "师范大学"
DAY = "2020-02-10"
HEADER = row("学号,姓名,学校,学院,年级,班级,角色,负责,QQ")
ROWS = [
    row("A01,甲管理,,,,,管理员,,20001"),
    row("AT1,甲老师,,,,,辅导员,计算机学院/2021级,20002"),
    row("1001,张三丰,,计算机学院,2021级,计科1班,学生,,10001"),
    row("1002,李四海,,计算机学院,2021级,计科1班,学生,,10002"),
    row("1003,王五岳,平安大学,计算机学院,2021级,计科1班,学生,,10003"),
    row("B01,乙管理,师范大学,,,,管理员,,30001"),
    row("BT1,乙老师,师范大学,,,,辅导员,计算机学院/2021级,30002"),
    row("2001,赵六合,师范大学,计算机学院,2021级,计科1班,学生,,40001"),
    row("2002,孙七星,师范大学,计算机学院,2021级,计科1班,学生,,40002"),
    row("2003,周八方,师范大学,文学院,2022级,汉语1班,学生,,40003"),
    row("AP1,甲心理,,,,,心理老师,,20003"),
    row("BP1,乙心理,师范大学,,,,心理老师,,30003"),
    row("P01,钱省级,,,,,省级,,50001"),
]  # fmt: skip
# Every person's name: none may appear in anything a provincial account reads.
NAMES = [r[1] for r in ROWS]
STUDENT_NAMES = [r[1] for r in ROWS if r[6] == "学生"]


def import_two_schools(db: sqlite_utils.Database, tmp: Path, now: datetime) -> None:
    """The roster above, then the day: 平安大学 2 of 3 reported (one abnormal); 师范大学 1 of
    3 reported (abnormal), one on leave."""
    schools.set_default_name(db, DEFAULT)
    import_roster(db, write_csv(tmp / "roster.csv", ROWS, header=HEADER), now=now)
    add_report(db, "1001", DAY)
    add_report(db, "1002", DAY, temperature=38.2, abnormal=True, symptoms=["发热"])
    add_report(db, "2001", DAY, temperature=37.9, abnormal=True, symptoms=["咳嗽"])
    add_leave(db, "2003", DAY, DAY)
    db.conn.commit()


class Province:
    """The two schools behind the real message path (handlers.pipeline.Pipeline)."""

    def __init__(self, db: sqlite_utils.Database, clock: FakeClock, base_dir: Path) -> None:
        import_two_schools(db, base_dir, clock.now())
        self.db, self.clock = db, clock
        self.config = Config(base_dir=base_dir, school=DEFAULT)
        self.pipeline = Pipeline(db, self.config, clock)
        self._n = 0

    def say(self, qq: str, text: str) -> list[Sent]:
        """The QQ account `qq` says `text` privately to the bot; returns the replies."""
        self._n += 1
        before = last_outbox_id(self.db)
        message = IncomingMessage(
            platform="qq",
            chat_type="private",
            chat_id=qq,
            sender_id=qq,
            display_name=qq,
            text=text,
            message_id=f"m{self._n}",
            time=self.clock.now(),
        )
        assert self.pipeline.handle(message) != "error", text
        return outbox(self.db, before)
