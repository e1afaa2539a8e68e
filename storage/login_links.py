"""One-time dashboard login links, asked for in chat with /登录 (a counselor on a phone).

A link is sent only privately, only to a staff member's confirmed account, lives a few
minutes (config `web.login_link_minutes`) and works once: opening it marks it used and turns
it into an ordinary dashboard token (`web_tokens`, label "/登录"), which the browser session
hangs on, so `pingan token list` shows it and `pingan token revoke` ends it. As with tokens,
only the sha256 of the secret is stored.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from storage.backend import Database
from storage.bindings import confirmed_staff_person
from storage.roster_rows import STAFF_ROLES
from storage.tokens import Login, check_token, create_token

LINK_PREFIX = "pl_"


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _utc(when: datetime) -> str:
    return when.astimezone(UTC).isoformat()


def confirmed_staff_account(
    db: Database, platform: str, account_id: str
) -> tuple[str, str] | None:
    """(person id, name) when the account is a confirmed staff binding (storage/bindings.py:
    the roster or an admin vouched for it) of someone whose role may log in; None otherwise."""
    person_id = confirmed_staff_person(db, platform, account_id)
    if person_id is None:
        return None
    row = db.execute("SELECT name, role FROM people WHERE id = ?", [person_id]).fetchone()
    return (person_id, row[0]) if row[1] in STAFF_ROLES else None


def create_link(
    db: Database, person_id: str, platform: str, now: datetime, minutes: int
) -> str:
    """A new link secret for the person (inside the caller's transaction)."""
    secret = LINK_PREFIX + secrets.token_urlsafe(32)
    db.execute(
        "INSERT INTO login_links (link_hash, person_id, platform, created_at, expires_at)"
        " VALUES (?, ?, ?, ?, ?)",
        [
            _hash(secret),
            person_id,
            platform,
            now.isoformat(),
            _utc(now + timedelta(minutes=minutes)),
        ],
    )
    return secret


def use_link(db: Database, secret: str, now: datetime, days: int) -> Login | None:
    """Spend the link once: the login of a fresh token valid `days` days, or None when the
    link is unknown, used, expired, or its person is no longer active staff."""
    row = db.execute(
        "UPDATE login_links SET used_at = ? WHERE link_hash = ? AND used_at IS NULL"
        " AND expires_at > ? RETURNING person_id",
        [now.isoformat(), _hash(secret), _utc(now)],
    ).fetchone()
    if row is None:
        return None
    marks = ",".join("?" * len(STAFF_ROLES))
    staff = db.execute(
        f"SELECT 1 FROM people WHERE id = ? AND active = 1 AND role IN ({marks})",
        [row[0], *STAFF_ROLES],
    ).fetchone()
    if staff is None:
        return None
    _, token = create_token(db, row[0], now, days=days, label="/登录")
    return check_token(db, token, now)
