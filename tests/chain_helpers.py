"""A class group with a roster, and a way to post messages into it through the message path."""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import count

import sqlite_utils

import handlers.router
from core.chat_binding import ChatBinding
from core.clock import FakeClock
from core.config import Config
from core.messages import IncomingMessage
from handlers.chain.engine import ChainOutcome
from handlers.context import HandlerContext, Person
from handlers.pipeline import Pipeline
from tests.school_factory import build_school, node_id

NAMES = ["张三", "李四", "王五", "赵敏", "钱七", "孙悦", "周杰", "吴迪", "郑可馨", "王芳"]
CHAT = "700001"
CLASS = "计算机学院/2021级/计科1班"


def student_id(index: int) -> str:
    return f"2021{index:04d}"


class ClassGroup:
    """计算机学院/2021级/计科1班 bound to QQ group 700001; student i has QQ account q<i>.

    `post` sends a message through the whole message path (dedup, router, chain differ,
    report upsert) and returns what the chain differ made of it (None: not a chain).
    """

    def __init__(
        self, db: sqlite_utils.Database, clock: FakeClock, monkeypatch, names=NAMES
    ) -> None:
        self.db, self.clock = db, clock
        self.config = Config()
        self.names = list(names)
        self._ids = count(1)
        build_school(
            db,
            people=[
                {"pid": student_id(i), "name": name, "cls": CLASS, "qq": f"q{i}",
                 "display_name": name, "role": "班长" if i == 1 else "学生"}
                for i, name in enumerate(self.names, start=1)
            ],
            chats=[("qq", CHAT, CLASS, "class")],
            stamp=clock.now().isoformat(),
        )  # fmt: skip
        self.chat = ChatBinding("qq", CHAT, node_id(db, CLASS), CLASS, "class")
        self.pipeline = Pipeline(db, self.config, clock)
        self.outcomes: list[ChainOutcome | None] = []
        real = handlers.router.handle_chain

        def recording(ctx: HandlerContext, parser) -> ChainOutcome | None:
            outcome = real(ctx, parser)
            self.outcomes.append(outcome)
            return outcome

        monkeypatch.setattr(handlers.router, "handle_chain", recording)

    def person(self, account: str) -> Person | None:
        row = self.db.execute(
            "SELECT p.id, p.name, p.role, p.class_id FROM accounts a JOIN people p"
            " ON p.id = a.person_id WHERE a.platform = 'qq' AND a.account_id = ?",
            [account],
        ).fetchone()
        return Person(row[0], row[1], row[2], row[3]) if row else None

    def message(self, account: str, text: str, line_authors=None) -> IncomingMessage:
        self.clock.advance(timedelta(seconds=30))
        return IncomingMessage(
            platform="qq",
            chat_type="group",
            chat_id=CHAT,
            sender_id=account,
            display_name=account,
            text=text,
            message_id=f"m{next(self._ids)}",
            time=self.clock.now(),
            line_authors=line_authors or {},
        )

    def context(self, account: str, text: str) -> HandlerContext:
        msg = self.message(account, text)
        return HandlerContext(
            self.db, self.config, self.clock, msg, self.person(account), self.chat
        )

    def post(self, account: str, text: str, line_authors=None) -> ChainOutcome | None:
        """Send through the message path; the chain differ's outcome, or None."""
        self.outcomes.clear()
        self.kind = self.pipeline.handle(self.message(account, text, line_authors))
        return self.outcomes[-1] if self.outcomes else None

    def report(self, index: int, day: str = "2020-02-10") -> dict | None:
        cur = self.db.execute(
            "SELECT * FROM reports WHERE person_id = ? AND day = ?", [student_id(index), day]
        )
        row = cur.fetchone()
        return dict(zip([d[0] for d in cur.description], row, strict=True)) if row else None

    def report_count(self, day: str = "2020-02-10") -> int:
        return self.db.execute("SELECT count(*) FROM reports WHERE day = ?", [day]).fetchone()[0]

    def outbox(self) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT text FROM outbox ORDER BY id")]


def chain(*lines: str, title: str = "计科1班 2月10日 平安报告") -> str:
    body = [f"{i}. {line}" for i, line in enumerate(lines, start=1)]
    return "\n".join(["#接龙", title, "例 姓名 体温 状况 在校/在家", *body])


def at(clock: FakeClock) -> datetime:
    return clock.now()
