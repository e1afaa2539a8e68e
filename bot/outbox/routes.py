"""Which account sends a group message that was queued without one.

The scheduler's nags and summaries name a chat, not an account. With several QQ (or WeChat)
accounts, only the ones in a group can post there, so each account reports its groups when
it connects (`get_group_list`) and `assign` gives every account-less group row to the first
account, in connection order, that is in that group. What no known account can reach stays
account-less and goes to the platform's default sender (the first account to connect). A row
the default sender is sending (its attempt begun, not yet confirmed) stays with it: moved to
another account, it was sent a second time through that account (whose group history does
not show the first).
"""

from __future__ import annotations

from collections.abc import Iterable

from storage.backend import Database
from storage.outbox import UNCONFIRMED


class Routes:
    def __init__(self) -> None:
        self._groups: dict[tuple[str, str], frozenset[str]] = {}  # insertion = connect order

    def set(self, platform: str, account: str, groups: Iterable[str]) -> None:
        self._groups[(platform, account)] = frozenset(str(g) for g in groups)

    def groups(self, platform: str, account: str) -> frozenset[str] | None:
        """The groups `account` is in, or None when it did not say (get_group_list failed)."""
        return self._groups.get((platform, account))

    def owner(self, platform: str, target: str) -> str | None:
        for (p, account), groups in self._groups.items():
            if p == platform and target in groups:
                return account
        return None

    def assign(self, db: Database, platform: str) -> int:
        """Give account-less pending group rows to an account in that group; return how many."""
        if not any(p == platform for p, _ in self._groups):
            return 0
        rows = db.execute(
            "SELECT id, target FROM outbox WHERE status = 'pending' AND platform = ? "
            "AND account = '' AND chat_type = 'group'"
            " AND (last_error IS NULL OR last_error NOT LIKE ?)",
            [platform, UNCONFIRMED + "%"],
        ).fetchall()
        moves = [(owner, row_id) for row_id, t in rows if (owner := self.owner(platform, t))]
        if moves:
            with db.atomic():
                db.conn.executemany(
                    "UPDATE outbox SET account = ? WHERE id = ? AND account = ''"
                    " AND (last_error IS NULL OR last_error NOT LIKE ?)",
                    [(owner, row_id, UNCONFIRMED + "%") for owner, row_id in moves],
                )
        return len(moves)
