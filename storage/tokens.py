"""Dashboard login tokens and the sessions they open.

A token is handed to a counselor once (printed by `pingan token create`) and only its sha256
is stored, so neither the database nor a backup of it can be used to log in. A browser trades
the token for a session cookie (also stored hashed); scripts send the token itself as
`Authorization: Bearer`. Revoking or expiring a token ends every session it opened.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from core.errors import PinganError
from storage.backend import Database
from storage.db import inserted_id
from storage.roster_rows import PROVINCE_ROLES, STAFF_ROLES

TOKEN_PREFIX = "pa_"
#: Who may have a dashboard login: staff, and the class cadres who see their class's
#: missing list (never health details), and 省级, who sees /province only (docs/schools.md).
#: A plain student has nothing to see there.
DASHBOARD_ROLES = (*STAFF_ROLES, "班长", "宿舍长", *PROVINCE_ROLES)


class TokenError(PinganError, LookupError):
    """A token id or person id given to the token commands does not exist."""


@dataclass(frozen=True, slots=True)
class Login:
    """Who a valid token or session belongs to."""

    token_id: int
    person_id: str
    person_name: str
    role: str
    expires_at: str
    csrf: str = ""  # set for sessions: the form token every POST must carry


@dataclass(frozen=True, slots=True)
class TokenRow:
    id: int
    person_id: str
    person_name: str
    label: str
    created_at: str
    expires_at: str
    revoked_at: str | None
    last_used_at: str | None

    def state(self, now: datetime) -> str:
        if self.revoked_at:
            return "revoked"
        return "expired" if datetime.fromisoformat(self.expires_at) <= now else "active"


def _utc(when: datetime) -> str:
    """Expiry times are compared as text in SQL, so they are all written in one zone: UTC."""
    return when.astimezone(UTC).isoformat()


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def create_token(
    db: Database, person_id: str, now: datetime, *, days: int = 30, label: str = ""
) -> tuple[int, str]:
    """Store a new token for a person; return (token id, the token itself, shown once)."""
    if days < 1:
        raise ValueError("a token must be valid for at least one day")
    person = db.execute("SELECT name, role FROM people WHERE id = ?", [person_id]).fetchone()
    if person is None:
        raise TokenError(f"名单里没有学号/工号 {person_id!r}")
    if person[1] not in DASHBOARD_ROLES:
        raise TokenError(
            f"{person[0]}（{person_id}）是{person[1]}：看板登录只发给"
            f"{'、'.join(DASHBOARD_ROLES)}（名单的 角色 列）"
        )
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    cursor = db.execute(
        "INSERT INTO web_tokens (person_id, token_hash, label, created_at, expires_at)"
        " VALUES (?, ?, ?, ?, ?)",
        [person_id, _hash(token), label, now.isoformat(), _utc(now + timedelta(days=days))],
    )
    return inserted_id(cursor), token


def revoke_token(db: Database, token_id: int, now: datetime) -> bool:
    """Revoke a token and drop its sessions; False when it was already revoked."""
    if not db.execute("SELECT 1 FROM web_tokens WHERE id = ?", [token_id]).fetchone():
        raise TokenError(f"没有编号为 {token_id} 的令牌")
    cursor = db.execute(
        "UPDATE web_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
        [now.isoformat(), token_id],
    )
    db.execute("DELETE FROM web_sessions WHERE token_id = ?", [token_id])
    return cursor.rowcount > 0


def revoke_person(db: Database, person_id: str, now: datetime) -> int:
    """Revoke every live token of a person (someone who left); return how many."""
    ids = [
        r[0]
        for r in db.execute(
            "SELECT id FROM web_tokens WHERE person_id = ? AND revoked_at IS NULL", [person_id]
        ).fetchall()
    ]
    for token_id in ids:
        revoke_token(db, token_id, now)
    return len(ids)


def list_tokens(db: Database, *, person_id: str | None = None) -> list[TokenRow]:
    sql = (
        "SELECT t.id, t.person_id, COALESCE(p.name, ''), t.label, t.created_at, t.expires_at,"
        " t.revoked_at, t.last_used_at FROM web_tokens t LEFT JOIN people p ON p.id = t.person_id"
    )
    params: list[str] = []
    if person_id is not None:
        sql += " WHERE t.person_id = ?"
        params.append(person_id)
    return [TokenRow(*row) for row in db.execute(sql + " ORDER BY t.id", params).fetchall()]


_LOGIN_COLUMNS = "t.id, t.person_id, p.name, p.role, t.expires_at"
_LIVE = "t.revoked_at IS NULL AND t.expires_at > ? AND p.active = 1"


def check_token(db: Database, token: str, now: datetime) -> Login | None:
    """The login a token stands for, or None when unknown, revoked, expired or its person left.

    Records the last use, so `pingan token list` shows which tokens are still in use.
    """
    row = db.execute(
        f"SELECT {_LOGIN_COLUMNS} FROM web_tokens t JOIN people p ON p.id = t.person_id"
        f" WHERE t.token_hash = ? AND {_LIVE}",
        [_hash(token), _utc(now)],
    ).fetchone()
    if row is None:
        return None
    db.execute("UPDATE web_tokens SET last_used_at = ? WHERE id = ?", [now.isoformat(), row[0]])
    return Login(*row)


def open_session(
    db: Database, login: Login, now: datetime, *, max_days: int = 7
) -> tuple[str, Login]:
    """Start a browser session for a checked token; return (cookie value, the session login).

    The session ends with its token, or after `max_days`, whichever comes first.
    """
    session_id = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(24)
    expires = min(datetime.fromisoformat(login.expires_at), now + timedelta(days=max_days))
    db.execute(
        "INSERT INTO web_sessions (id_hash, token_id, csrf, created_at, expires_at)"
        " VALUES (?, ?, ?, ?, ?)",
        [_hash(session_id), login.token_id, csrf, now.isoformat(), _utc(expires)],
    )
    session = Login(
        login.token_id, login.person_id, login.person_name, login.role, _utc(expires), csrf
    )
    return session_id, session


def check_session(db: Database, session_id: str, now: datetime) -> Login | None:
    """The login behind a session cookie, or None when it ended (logout, revoke, expiry)."""
    row = db.execute(
        f"SELECT {_LOGIN_COLUMNS}, s.csrf, s.expires_at FROM web_sessions s"
        " JOIN web_tokens t ON t.id = s.token_id JOIN people p ON p.id = t.person_id"
        f" WHERE s.id_hash = ? AND s.expires_at > ? AND {_LIVE}",
        [_hash(session_id), _utc(now), _utc(now)],
    ).fetchone()
    if row is None:
        return None
    token_id, person_id, name, role, _token_expiry, csrf, session_expiry = row
    return Login(token_id, person_id, name, role, session_expiry, csrf)


def close_session(db: Database, session_id: str) -> None:
    db.execute("DELETE FROM web_sessions WHERE id_hash = ?", [_hash(session_id)])


def purge_sessions(db: Database, now: datetime) -> int:
    """Drop ended sessions; the retention job may call this daily."""
    return db.execute("DELETE FROM web_sessions WHERE expires_at <= ?", [_utc(now)]).rowcount
