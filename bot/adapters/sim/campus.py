"""The simulated chats of one deployment: built from the roster and the config's `sim` groups.

Class groups hold their class's students; counselor and duty groups hold the staff
responsible for their node. Joining a group binds a member's sim account to their roster row
the way a real deployment binds the 微信/QQ columns, except for students who have no account
in the roster: their messages arrive from an unbound nickname, and only the name they write
tells the bot who they are.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Iterator
from datetime import UTC, date, datetime

from bot.adapters.sim.students import DayPlan, Member, Post
from bot.adapters.sim.transcript import Line, Transcript
from core.config import Config
from core.messages import IncomingMessage
from storage.backend import Database
from storage.chats import all_bindings

log = logging.getLogger(__name__)

PLATFORM = "sim"


class SimCampus:
    def __init__(self, db: Database, config: Config, seed: int) -> None:
        self.db, self.config, self.seed = db, config, seed
        self.tz = config.tz
        bindings = [b for b in all_bindings(db) if b.platform == PLATFORM]
        self.titles = {b.chat_id: b.node_path.replace("/", " ") + _PURPOSE[b.purpose]
                       for b in bindings}  # fmt: skip
        self.class_chats = [b for b in bindings if b.purpose == "class"]
        self.members: dict[str, list[Member]] = {}
        with db.atomic():
            for chat in bindings:
                self.members[chat.chat_id] = self._join(chat.node_id, chat.purpose)
        self.names = {m.account: m.name for members in self.members.values() for m in members}
        for account, name in db.execute(  # staff get private messages on their QQ/WeChat
            "SELECT a.account_id, p.name FROM accounts a JOIN people p ON p.id = a.person_id"
        ).fetchall():
            self.names.setdefault(account, name)

    def _join(self, node_id: int, purpose: str) -> list[Member]:
        if purpose == "class":
            rows = self.db.execute(
                """
                WITH RECURSIVE sub(id) AS (
                    SELECT ? UNION ALL SELECT n.id FROM nodes n JOIN sub ON n.parent_id = sub.id
                )
                SELECT p.id, p.name, p.role, p.dorm_id,
                       EXISTS (SELECT 1 FROM accounts a WHERE a.person_id = p.id)
                FROM people p WHERE p.active = 1 AND p.class_id IN (SELECT id FROM sub)
                ORDER BY p.id
                """,
                [node_id],
            ).fetchall()
        else:
            rows = self.db.execute(
                """
                SELECT p.id, p.name, p.role, p.dorm_id, 1 FROM people p
                JOIN responsibilities r ON r.person_id = p.id
                WHERE r.node_id = ? AND p.active = 1 ORDER BY p.id
                """,
                [node_id],
            ).fetchall()
        members = []
        for pid, name, role, dorm_id, has_account in rows:
            account = pid if has_account else f"nick-{pid}"
            if has_account:
                self.db.execute(
                    "INSERT INTO accounts (platform, account_id, person_id, display_name, "
                    "source, created_at) VALUES (?, ?, ?, ?, 'member_list', ?) "
                    "ON CONFLICT(platform, account_id) DO NOTHING",
                    [PLATFORM, account, pid, name, _utc_now()],
                )
            members.append(Member(pid, name, role, dorm_id, account, bool(has_account)))
        return members

    def name_of(self, account: str) -> str:
        return self.names.get(account, account)

    def plans(self, day: date) -> list[Post]:
        """Every class group's posts for `day`, in time order."""
        posts: list[Post] = []
        for chat in self.class_chats:
            plan = DayPlan(
                self.seed, day, chat.chat_id, self.members[chat.chat_id],
                self.config.checkin, self.tz,
            )  # fmt: skip
            posts.extend(plan.posts)
        posts.sort(key=lambda p: (p.at, p.chat_id, p.poster.person_id))
        return posts

    def deliveries(self, day: date) -> Iterator[IncomingMessage]:
        """The day's posts as the bot receives them. Like a real client after a reconnect,
        the simulator delivers one message of the day twice (same message id)."""
        posts = self.plans(day)
        again = random.Random(f"{self.seed}:{day}:redeliver").randrange(len(posts)) if posts else -1
        for index, post in enumerate(posts):
            message = self.message(post, f"{day:%Y%m%d}-{index:05d}")
            yield message
            if index == again:
                yield message

    def message(self, post: Post, message_id: str) -> IncomingMessage:
        poster = post.poster
        return IncomingMessage(
            platform=PLATFORM,
            chat_type="group",
            chat_id=post.chat_id,
            sender_id=poster.account,
            display_name=poster.name if poster.bound else f"{poster.name[-1]}同学",
            text=post.text,
            message_id=message_id,
            time=post.at,
        )

    def record(self, transcript: Transcript, message: IncomingMessage, when: datetime) -> None:
        who = message.display_name
        transcript.add(Line(when, message.chat_id, who, message.text))


_PURPOSE = {"class": " 班级群", "counselor": " 辅导员群", "duty": " 值班群", "admin": " 管理群"}


def _utc_now() -> str:
    """SQLite's datetime('now') text, made here so the statement runs on PostgreSQL too."""
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")
