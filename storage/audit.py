"""The audit log: who did what with personal data, append-only and tamper-evident.

Every export of personal data (the CLI `pingan export`, a chat command, the dashboard), each
dashboard view of health data, each refusal, calls `record` inside the same transaction as
the work it records.

Each row is sealed with `hash = sha256(prev_hash, id, at, actor, action, detail_hash)`, the
previous row's hash chaining them, so changing, inserting or deleting a row in the middle
shows in `verify` (`pingan audit verify`). The database refuses to delete a row or change a
sealed one (triggers of the V_TRUST_AUDIT_CHAIN migration); the only change allowed is the
retention purge replacing `detail` by its structural keys (`redact`): `detail_hash` still
holds the original's digest, so the chain keeps verifying without the free text.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime

from storage.backend import Database
from storage.db import inserted_id
from storage.dialect import json_true

GENESIS = ""  # the prev_hash of the first row
#: What the retention purge keeps of an old row's detail: counts, dates and scopes, never a
#: person, a note, a typed reason or a chat (those can tie a name to a health fact).
STRUCTURAL_KEYS = frozenset(
    {"via", "scope", "day_from", "day_to", "rows", "command", "id", "keep_from", "page",
     "messages", "status"}
)  # fmt: skip


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def row_hash(prev: str, row_id: int, at: str, actor: str | None, action: str, detail_hash: str):
    return _digest(prev, str(row_id), at, actor or "", action, detail_hash)


def record(
    db: Database, action: str, actor: str | None, now: datetime, **detail
) -> int:
    """Append one audit row and seal it; `detail` is stored as JSON (keys sorted, Chinese
    kept). The insert comes first, so the write lock is held while the chain is read."""
    cursor = db.execute(
        "INSERT INTO audit_log (at, actor, action, detail) VALUES (?, ?, ?, ?)",
        [now.isoformat(), actor, action, json.dumps(detail, ensure_ascii=False, sort_keys=True)],
    )
    seal(db)
    return inserted_id(cursor)


def seal(db: Database) -> int:
    """Chain every row not sealed yet (a new one, or rows from before the chain), in order."""
    pending = db.execute(
        "SELECT id, at, actor, action, detail FROM audit_log WHERE hash IS NULL ORDER BY id"
    ).fetchall()
    if not pending:
        return 0
    last = db.execute(
        "SELECT hash FROM audit_log WHERE id < ? AND hash IS NOT NULL ORDER BY id DESC LIMIT 1",
        [pending[0][0]],
    ).fetchone()
    prev = last[0] if last else GENESIS
    for row_id, at, actor, action, detail in pending:
        detail_hash = _digest(detail)
        sealed = row_hash(prev, row_id, at, actor, action, detail_hash)
        db.execute(
            "UPDATE audit_log SET detail_hash = ?, prev_hash = ?, hash = ? WHERE id = ?",
            [detail_hash, prev, sealed, row_id],
        )
        prev = sealed
    return len(pending)


def redacted(detail: str) -> str:
    """The detail with its free text gone: structural keys only, marked redacted."""
    try:
        data = json.loads(detail)
    except json.JSONDecodeError:
        data = {}
    kept = {k: v for k, v in data.items() if k in STRUCTURAL_KEYS} if isinstance(data, dict) else {}
    return json.dumps({**kept, "redacted": True}, ensure_ascii=False, sort_keys=True)


def redact_before(db: Database, stamp: str) -> int:
    """Purge the free text of rows older than `stamp` (an ISO time); returns rows changed."""
    seal(db)
    already = json_true(db, "json_extract(detail, '$.redacted')")
    rows = db.execute(
        "SELECT id, detail FROM audit_log WHERE julianday(at) < julianday(?)"
        f" AND (NOT json_valid(detail) OR NOT {already})",
        [stamp],
    ).fetchall()
    for row_id, detail in rows:
        db.execute("UPDATE audit_log SET detail = ? WHERE id = ?", [redacted(detail), row_id])
    return len(rows)


@dataclass(slots=True)
class Verdict:
    rows: int = 0
    redacted: int = 0
    unsealed: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(db: Database) -> Verdict:
    """Walk the chain from the first row; every broken link or changed detail is a problem."""
    out = Verdict()
    prev = GENESIS
    for row_id, at, actor, action, detail, detail_hash, prev_hash, sealed in db.execute(
        "SELECT id, at, actor, action, detail, detail_hash, prev_hash, hash FROM audit_log"
        " ORDER BY id"
    ):
        out.rows += 1
        if sealed is None:
            out.unsealed += 1
            continue
        if out.unsealed:
            out.problems.append(f"#{row_id}: sealed after {out.unsealed} unsealed row(s)")
        if prev_hash != prev:
            out.problems.append(f"#{row_id}: does not follow the row before it (one removed?)")
        if row_hash(prev_hash or "", row_id, at, actor, action, detail_hash or "") != sealed:
            out.problems.append(f"#{row_id}: its time, actor or action was changed")
        if _is_redacted(detail):
            out.redacted += 1
        elif _digest(detail) != detail_hash:
            out.problems.append(f"#{row_id}: its detail was changed")
        prev = sealed
    return out


def _is_redacted(detail: str) -> bool:
    try:
        data = json.loads(detail)
    except json.JSONDecodeError:
        return False
    return isinstance(data, dict) and data.get("redacted") is True


def record_export(
    db: Database,
    *,
    actor: str | None,
    via: str,
    scope: str,
    day_from: str,
    day_to: str,
    now: datetime,
    rows: int | None = None,
    target: str | None = None,
) -> int:
    """Record an export of personal data.

    actor: person id (or None for the CLI run by the host's admin); via: 'cli', 'command' or
    'dashboard'; scope: the node path exported ('' for the whole school); day_from/day_to:
    the dates covered; rows: how many records left the system; target: file name or chat.
    """
    return record(
        db,
        "export",
        actor,
        now,
        via=via,
        scope=scope,
        day_from=day_from,
        day_to=day_to,
        rows=rows,
        target=target,
    )
