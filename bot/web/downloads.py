"""Downloads: the ledger (台账) as an Excel workbook, for a node and a date range.

The workbook is the one `pingan export` writes (storage/export.py), audited the same way
with `via="dashboard"`. It holds every column of handlers/columns.py, so only a role that
sees them all may take it, and only for nodes in its scope; a refusal is audited too.
"""

from __future__ import annotations

import tempfile
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

from aiohttp import web

from bot.web.audit_views import record_refused_export
from bot.web.auth import CLOCK_KEY, DB_KEY
from bot.web.common import PageError, day_param, day_range, forbidden, today, where
from bot.web.render import LOGIN_KEY, render
from handlers.columns import may_export_ledger
from storage.export import MAX_DAYS, export_ledger, too_many_days

DEFAULT_DAYS = 7


async def downloads_page(request: web.Request) -> web.Response:
    place = where(request)
    end = today(request)
    choices = [node for root in place.scope.roots for node in place.tree.subtree(root)]
    return render(
        request,
        "downloads.html",
        {
            "title": "下载",
            "node": place.node,
            "choices": sorted(choices, key=lambda n: n.path),
            "start": end - timedelta(days=DEFAULT_DAYS - 1),
            "end": end,
            "max_days": MAX_DAYS,
            "may_export": may_export_ledger(place.scope.role),
        },
    )


async def ledger_download(request: web.Request) -> web.StreamResponse:
    """GET /downloads/ledger.xlsx?node=&from=&to=: the workbook as an attachment; a refusal
    for want of the role or the scope is audited with who asked and from where."""
    try:
        place = where(request)
        if not may_export_ledger(place.scope.role):
            raise forbidden("台账含有健康信息，只有辅导员、值班人员和管理员可以下载。")
    except PageError as e:
        if e.status == 403:
            record_refused_export(request, e.detail)
        raise
    start, end = day_param(request, "from"), day_param(request, "to")
    if end < start:
        raise PageError(400, "日期有误 (400)", "结束日期早于开始日期。")
    if refusal := too_many_days((end - start).days + 1):
        raise PageError(400, "范围太大 (400)", refusal)
    shown = [place.node] if place.node else place.scope.roots
    node_ids = {node.id for root in shown for node in place.tree.subtree(root)}
    label = place.node.path if place.node else "全部"
    filename = f"平安报告台账_{label.replace('/', '-')}_{start}_{end}.xlsx"
    db = request.app[DB_KEY]
    login = request[LOGIN_KEY]
    with tempfile.TemporaryDirectory(prefix="pingan-web-") as tmp:
        with db.atomic():
            path = export_ledger(
                db,
                node_ids=node_ids,
                days=day_range(start, end),
                path=Path(tmp) / "ledger.xlsx",
                actor=login.person_id or None,
                via="dashboard",
                scope_label=place.node.path if place.node else "",
                now=request.app[CLOCK_KEY].now(),
            )
        body = path.read_bytes()
    return web.Response(
        body=body,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={
            "Content-Disposition": f"attachment; filename=\"ledger.xlsx\"; filename*=UTF-8''"
            f"{quote(filename)}"
        },
    )
