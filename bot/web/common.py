"""What every page does first: find the node asked for, check it is in scope, read the date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from aiohttp import web

from bot.web.auth import CLOCK_KEY, CONFIG_KEY, DB_KEY
from bot.web.render import LOGIN_KEY
from bot.web.tree import Node, Scope, Tree, scope_for


class PageError(Exception):
    """Raised by a page helper; the error middleware renders it as a page with its status."""

    def __init__(self, status: int, title: str, detail: str) -> None:
        super().__init__(detail)
        self.status, self.title, self.detail = status, title, detail


def forbidden(detail: str) -> PageError:
    return PageError(403, "没有权限 (403)", detail)


@dataclass(slots=True)
class Where:
    """The node a page shows (None: the list of the login's top nodes) and its scope."""

    scope: Scope
    node: Node | None

    @property
    def tree(self) -> Tree:
        return self.scope.tree

    @property
    def top(self) -> list[Node]:
        """The nodes to show side by side: the children, or the login's top nodes."""
        return self.tree.children(self.node) if self.node else self.scope.roots


def where(request: web.Request) -> Where:
    """The node of `?node=ID`, or the login's only top node, checked against the scope."""
    db = request.app[DB_KEY]
    tree = Tree.load(db)
    scope = scope_for(db, request[LOGIN_KEY], tree, today(request).isoformat())
    if not scope.roots:
        raise forbidden(
            "你的账号没有负责的学院、年级或班级，所以看不到任何数据。"
            "请管理员在名单的“负责”一列为你填写负责范围。"
        )
    raw = request.query.get("node", "")
    if not raw:
        return Where(scope, scope.roots[0] if len(scope.roots) == 1 else None)
    try:
        node = tree.nodes[int(raw)]
    except (ValueError, KeyError) as e:
        raise PageError(404, "找不到 (404)", f"没有编号为 {raw} 的节点。") from e
    if not scope.allows(node):
        raise forbidden(f"“{node.path}”不在你的负责范围内。你只能查看自己负责的学院、年级或班级。")
    return Where(scope, node)


def today(request: web.Request) -> date:
    config = request.app[CONFIG_KEY]
    return request.app[CLOCK_KEY].now().astimezone(config.tz).date()


FIRST_DAY = date(2000, 1, 1)  # no check-in data can be older than this
DAYS_AHEAD = 366  # nor newer than a year from today


def day_param(request: web.Request, name: str = "date", default: date | None = None) -> date:
    """The date of `?name=`, within FIRST_DAY and a year ahead: pages step a day or a month
    either side, and 0001-01-01 minus one day is an OverflowError, not a page."""
    raw = request.query.get(name, "")
    if not raw:
        return default or today(request)
    try:
        day = date.fromisoformat(raw)
    except ValueError as e:
        raise PageError(
            400, "日期有误 (400)", f"日期应写成 2020-02-10 这样，收到的是 {raw!r}。"
        ) from e
    last = today(request) + timedelta(days=DAYS_AHEAD)
    if not FIRST_DAY <= day <= last:
        raise PageError(
            400,
            "日期有误 (400)",
            f"日期应在 {FIRST_DAY.isoformat()} 到 {last.isoformat()} 之间，收到的是 {raw!r}。",
        )
    return day


def day_range(start: date, end: date) -> list[str]:
    return [(start + timedelta(days=i)).isoformat() for i in range((end - start).days + 1)]
