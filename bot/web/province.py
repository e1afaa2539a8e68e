"""The provincial page (/province, /api/province): 应报/实报/未报/异常 per school, for 省级.

Counts only (storage/schools.py): a 省级 login sees this page and nothing else (every
other page answers 403, `province_gate`), and nobody else sees this page, so no page
ever shows a provincial account a name, or a school's staff another school's numbers.
"""

from __future__ import annotations

from aiohttp import web

from bot.web.auth import DB_KEY
from bot.web.common import day_param
from bot.web.render import render
from handlers.permissions import PROVINCE
from storage.schools import province_counts, total
from storage.tokens import Login

# What a 省级 login may open: this page, its JSON, logging out.
PROVINCE_PATHS = frozenset({"/province", "/api/province", "/logout"})


def province_gate(login: Login | None, path: str) -> str | None:
    """The 403 detail when `login` may not open `path` because of the provincial rule."""
    if login is None:
        return None
    if login.role == PROVINCE and path not in PROVINCE_PATHS and path != "/":
        return "省级账号只能查看各校的汇总人数（/province），不能查看名单、体温或症状。"
    if login.role != PROVINCE and path in ("/province", "/api/province"):
        return "全省视图只对省级账号开放；学校的账号只能查看本校。"
    return None


def _counts(request: web.Request) -> tuple[str, list[dict[str, object]]]:
    """The day's rows; `province_gate` (a middleware, bot/web/app.py) already let only 省级 in."""
    day = day_param(request).isoformat()
    counts = province_counts(request.app[DB_KEY], day)
    return day, [c.as_dict() for c in [*counts, total(counts)]]


async def province_page(request: web.Request) -> web.Response:
    day, rows = _counts(request)
    return render(request, "province.html", {"title": "全省", "day": day, "rows": rows})


async def province_api(request: web.Request) -> web.Response:
    day, rows = _counts(request)
    return web.json_response({"day": day, "schools": rows[:-1], "total": rows[-1]})
