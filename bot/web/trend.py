"""The Trend page: completion and abnormal counts over the last 14 or 30 days per node."""

from __future__ import annotations

from datetime import timedelta

from aiohttp import web

from bot.web.auth import DB_KEY
from bot.web.chart import sparkline, trend_chart
from bot.web.common import day_param, day_range, where
from bot.web.queries import node_counts, percent
from bot.web.render import render
from bot.web.tree import Node, Tree
from storage.backend import Database
from storage.status import Counts, unit_counts

SPANS = (14, 30)


def _total(tree: Tree, nodes: list[Node], per_class: dict[int, Counts]) -> Counts:
    total = Counts()
    for node in nodes:
        total.add(node_counts(tree, node, per_class))
    return total


def _counts_of_day(db: Database, day: str) -> dict[int, Counts]:
    """Counts per class: live from the reports, or from the daily_counts snapshot once the
    retention purge removed them; nothing for a day before the bot had any report."""
    snapshot = {
        node_id: Counts(expected, reported, on_leave, abnormal)
        for node_id, expected, reported, on_leave, abnormal in db.execute(
            "SELECT d.node_id, d.expected, d.reported, d.on_leave, d.abnormal FROM daily_counts"
            " d JOIN nodes n ON n.id = d.node_id WHERE d.day = ? AND n.kind = 'class'",
            [day],
        )
    }
    has_reports = db.execute("SELECT 1 FROM reports WHERE day = ? LIMIT 1", [day]).fetchone()
    if snapshot and not has_reports:
        return snapshot
    first = db.execute("SELECT min(day) FROM reports").fetchone()[0]
    if first is None or day < first:
        return snapshot
    return unit_counts(db, day)


async def trend_page(request: web.Request) -> web.Response:
    place = where(request)
    span = int(request.query.get("days", "14")) if request.query.get("days") in ("14", "30") else 14
    end = day_param(request)
    days = day_range(end - timedelta(days=span - 1), end)
    db, tree = request.app[DB_KEY], place.tree
    shown = [place.node] if place.node else place.scope.roots
    per_day = [_counts_of_day(db, day) for day in days]
    totals = [_total(tree, shown, counts) for counts in per_day]
    chart = trend_chart(days, [percent(c) for c in totals], [c.abnormal for c in totals])
    rows = []
    for child in place.top:
        series = [node_counts(tree, child, counts) for counts in per_day]
        if not any(c.expected for c in series):
            continue
        due = sum(c.expected for c in series)
        rows.append(
            {
                "node": child,
                "spark": sparkline([percent(c) for c in series]),
                "average": 100.0 * sum(c.reported for c in series) / due if due else None,
                "abnormal": sum(c.abnormal for c in series),
                "last": series[-1],
            }
        )
    return render(
        request,
        "trend.html",
        {
            "title": "趋势",
            "node": place.node,
            "trail": place.scope.trail(place.node) if place.node else [],
            "span": span,
            "spans": SPANS,
            "end": end,
            "days": list(zip(days, totals, strict=True))[::-1],
            "chart": chart,
            "rows": rows,
            "cols": place.scope.cols,
        },
    )
