"""The operators' alert route: where a self-harm page goes besides private messages.

Send-only operator webhooks (WeCom, DingTalk, Feishu) are configured elsewhere; the app
registers their alert route here with `add_route` when it starts. Without one, a page still
reaches the counselors and psychologists by private message. The text given to a route
names no student: an operators' channel is not a counselor-only place.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

import sqlite_utils

log = logging.getLogger(__name__)

#: (database, now, alert text) → None; called inside the message's transaction, so a route
#: should queue (e.g. an outbox row) rather than send over the network.
Route = Callable[[sqlite_utils.Database, datetime, str], None]

_routes: list[Route] = []


def add_route(route: Route) -> None:
    if route not in _routes:
        _routes.append(route)


def remove_route(route: Route) -> None:
    if route in _routes:
        _routes.remove(route)


def alert_operators(db: sqlite_utils.Database, now: datetime, text: str) -> int:
    """Hand the alert to every registered route; return how many took it. A route that
    fails is logged and skipped: the private pages already queued must not roll back."""
    taken = 0
    for route in list(_routes):
        try:
            route(db, now, text)
            taken += 1
        except Exception:
            log.exception("operator alert route %r failed", route)
    return taken
