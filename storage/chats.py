"""Which chat stands for which node, and what it is for: the config's `groups`, in a table."""

from __future__ import annotations

import logging

from core.chat_binding import ChatBinding
from core.config import Config
from core.errors import ConfigError
from storage.backend import Database
from storage.nodes import by_path

log = logging.getLogger(__name__)


def bind_groups(db: Database, config: Config) -> int:
    """Make the chats table equal the config's `groups`; return how many are bound.

    Every node path must already exist (imported from the roster): a typo in config.yaml is
    a clear error naming the entry, not a group that silently never gets a summary.
    """
    problems, rows = [], []
    for index, group in enumerate(config.groups):
        node = by_path(db, group.node)
        if node is None:
            problems.append(
                f"{config.source}: groups[{index}].node: 节点 {group.node!r} 不在花名册里"
                "（先导入花名册，或改正路径）"
            )
            continue
        rows.append((group.platform, group.chat, node.id, group.purpose))
    if problems:
        raise ConfigError("\n".join(problems))
    with db.atomic():
        db.execute("DELETE FROM chats")
        db.conn.executemany(
            "INSERT INTO chats (platform, chat_id, node_id, purpose) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(platform, chat_id) DO UPDATE SET node_id = excluded.node_id, "
            "purpose = excluded.purpose",
            rows,
        )
    log.info("bound %d chats from config", len(rows))
    return len(rows)


def all_bindings(db: Database) -> list[ChatBinding]:
    rows = db.execute(
        "SELECT c.platform, c.chat_id, c.node_id, n.path, c.purpose "
        "FROM chats c JOIN nodes n ON n.id = c.node_id ORDER BY c.platform, c.chat_id"
    ).fetchall()
    return [ChatBinding(*r) for r in rows]


def binding(db: Database, platform: str, chat_id: str) -> ChatBinding | None:
    row = db.execute(
        "SELECT c.platform, c.chat_id, c.node_id, n.path, c.purpose "
        "FROM chats c JOIN nodes n ON n.id = c.node_id WHERE c.platform = ? AND c.chat_id = ?",
        [platform, chat_id],
    ).fetchone()
    return ChatBinding(*row) if row else None
