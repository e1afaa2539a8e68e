"""The day's report per person: an upsert keyed by (person, day), with every earlier version
kept in report_history.

A later message corrects the earlier one field by field: what it says replaces what was
stored, what it leaves out is kept (a student who first wrote "36.5 正常" and then "在家" has
both). Saying the same thing twice changes nothing, so a re-sent message or a reposted 接龙
line never creates a revision.

Who wrote it matters as much as what it says (`author`): a report is only changed by one at
least as trusted as the one stored. The student's own confirmed account and a counselor's
/更正 rank highest, then an account whose binding is not confirmed yet, then anyone else (a
代报 by a classmate, an unbound account or a counselor's /补报). So a healthy 代报 can never
quietly replace the fever a student reported; it is `kept` aside (the raw message stays)
and the caller tells the counselor. Of two unconfirmed accounts claiming one student,
neither changes what the other reported.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from core.parse_contract import Entry
from storage.backend import Database

FIELDS = ("temperature", "abnormal", "symptoms", "on_campus", "province", "isolation")
# "kept": the stored report is more trusted than the new one and stays as it was.
Outcome = Literal["created", "updated", "unchanged", "kept"]
Author = Literal["self", "unconfirmed", "proxy", "corrected"]
TRUST: dict[str, int] = {"self": 2, "corrected": 2, "unconfirmed": 1, "proxy": 0}


@dataclass(frozen=True, slots=True)
class Upserted:
    outcome: Outcome
    revision: int
    abnormal: bool | None  # the stored verdict after the write
    before: bool | None = None  # the stored verdict before it (None: none, or no report)
    stored_author: str | None = None  # who wrote the report that was there before

    @property
    def changed(self) -> bool:
        return self.outcome in ("created", "updated")


def _bool(value: bool | None) -> int | None:
    return None if value is None else int(value)


def _field_values(entry: Entry) -> tuple[Any, ...]:
    """The stored form of an entry's report fields, in FIELDS order."""
    symptoms = entry.symptoms
    return (
        entry.temperature,
        _bool(entry.abnormal),
        json.dumps(list(symptoms), ensure_ascii=False) if symptoms else "[]",
        _bool(entry.on_campus),
        entry.province,
        entry.isolation,
    )


def entry_fields(entry: Entry) -> dict[str, Any]:
    """The stored form of an entry's report fields."""
    return dict(zip(FIELDS, _field_values(entry), strict=True))


def merge(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """New values win; a field the new message is silent on keeps the old value. Symptoms
    follow the health verdict: a message that says 正常 clears earlier symptoms."""
    merged = {k: new[k] if new[k] is not None else old[k] for k in FIELDS if k != "symptoms"}
    speaks_of_health = new["abnormal"] is not None or new["symptoms"] != "[]"
    merged["symptoms"] = new["symptoms"] if speaks_of_health else old["symptoms"]
    return merged


def _outranked(author: str, posted_account: str | None, old: dict[str, Any]) -> bool:
    """May this writer not change the stored report? A less trusted writer may not; nor may
    one unconfirmed account change what another unconfirmed account wrote (two accounts
    claiming one 学号: neither is known to be the student)."""
    if TRUST[author] != TRUST[old["author"]]:
        return TRUST[author] < TRUST[old["author"]]
    return author == "unconfirmed" and posted_account != old["posted_account"]


def upsert_report(
    db: Database,
    *,
    person_id: str,
    day: str,
    class_id: int | None,
    entry: Entry,
    source: str,
    message_key: str | None,
    posted_by: str | None,
    proxy: bool,
    now: datetime,
    author: Author | None = None,
    posted_account: str | None = None,
) -> Upserted:
    """Write the person's report for `day` (inside the caller's transaction).

    `author` defaults to 'proxy' for a 代报 and 'self' otherwise; `posted_account` is the
    platform:account the report came from.
    """
    author = author or ("proxy" if proxy else "self")
    stamp = now.isoformat()
    values = _field_values(entry)
    # The day's first report is the common case: try the insert, read the row only if it
    # was already there (one statement instead of a lookup and an insert).
    inserted = db.execute(
        """
        INSERT INTO reports (person_id, day, class_id, temperature, abnormal, symptoms,
            on_campus, province, isolation, source, message_key, posted_by, proxy,
            created_at, updated_at, revision, author, posted_account)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)
        ON CONFLICT(person_id, day) DO NOTHING
        """,
        (person_id, day, class_id, *values, source, message_key, posted_by, int(proxy), stamp,
         stamp, author, posted_account),
    )  # fmt: skip
    if inserted.rowcount == 1:
        return Upserted("created", 1, entry.abnormal)
    new = dict(zip(FIELDS, values, strict=True))
    cursor = db.execute("SELECT * FROM reports WHERE person_id = ? AND day = ?", [person_id, day])
    row = cursor.fetchone()
    old = dict(zip([d[0] for d in cursor.description], row, strict=True))
    before = None if old["abnormal"] is None else bool(old["abnormal"])
    merged = merge(old, new)
    abnormal = None if merged["abnormal"] is None else bool(merged["abnormal"])
    if all(merged[k] == old[k] for k in FIELDS):
        return Upserted("unchanged", old["revision"], abnormal, before, old["author"])
    if _outranked(author, posted_account, old):
        return Upserted("kept", old["revision"], before, before, old["author"])
    db.execute(
        "INSERT INTO report_history (person_id, day, revision, fields, replaced_at) "
        "VALUES (?, ?, ?, ?, ?)",
        [person_id, day, old["revision"], json.dumps(old, ensure_ascii=False), stamp],
    )
    revision = old["revision"] + 1
    db.execute(
        """
        UPDATE reports SET temperature = ?, abnormal = ?, symptoms = ?, on_campus = ?,
            province = ?, isolation = ?, source = ?, message_key = ?, posted_by = ?, proxy = ?,
            updated_at = ?, revision = ?, author = ?, posted_account = ?
        WHERE person_id = ? AND day = ?
        """,
        [
            *(merged[k] for k in FIELDS),
            source,
            message_key,
            posted_by,
            int(proxy),
            stamp,
            revision,
            author,
            posted_account,
            person_id,
            day,
        ],
    )
    return Upserted("updated", revision, abnormal, before, old["author"])


def history(db: Database, person_id: str, day: str) -> list[dict[str, Any]]:
    """Earlier versions of a report, oldest first."""
    rows = db.execute(
        "SELECT revision, fields, replaced_at FROM report_history "
        "WHERE person_id = ? AND day = ? ORDER BY revision",
        [person_id, day],
    ).fetchall()
    return [{"revision": r, "replaced_at": at, **json.loads(f)} for r, f, at in rows]
