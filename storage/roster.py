"""Roster import: people, the hierarchy, responsibilities, chat accounts and key-group tags
from one .csv or .xlsx file, all-or-nothing in one transaction.

A re-import updates people in place (the 学号 is the key), moves students who changed class,
and marks people missing from the file inactive rather than deleting them, so their past
reports stay attached to a person.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

from core.config import KeyGroups
from core.errors import RosterError
from storage import schools
from storage.audit import record
from storage.backend import Database
from storage.nodes import ensure_dorm, ensure_path
from storage.roster_file import read_rows
from storage.roster_rows import RosterRow, check_rows, normalise_header

log = logging.getLogger(__name__)


class RosterProblems(RosterError):
    """Rows that cannot be imported; `problems` holds one "第N行: …" line per problem."""

    def __init__(self, path: str | Path, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(
            f"{path}: {len(problems)} 处错误, 没有导入任何数据:\n" + "\n".join(problems)
        )


Progress = Callable[[int, int], None]
PROGRESS_EVERY = 1000


@dataclass(frozen=True, slots=True)
class ImportResult:
    rows: int
    added: int
    updated: int  # people whose row, accounts, responsibilities or tags changed
    moved: int
    deactivated: int
    nodes: int
    unchanged: int = 0
    new_nodes: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.deactivated or self.new_nodes)

    def summary(self) -> str:
        if not self.changed:  # the same file again: say so, not "更新 120 人"
            return f"无变化：{self.rows} 行与上次导入的一致; 节点共 {self.nodes} 个"
        return (
            f"导入 {self.rows} 行: 新增 {self.added} 人, 更新 {self.updated} 人, "
            f"未变 {self.unchanged} 人, 调班 {self.moved} 人, 停用 {self.deactivated} 人; "
            f"节点共 {self.nodes} 个"
        )


def load_rows(
    db: Database, path: str | Path, key_groups: KeyGroups | None = None
) -> list[RosterRow]:
    """Read and validate a roster file; raise RosterError listing every bad row."""
    header, raw = read_rows(path)
    mapping, problems = normalise_header(header)
    if problems:
        raise RosterProblems(path, problems)
    existing = {r[0] for r in db.execute("SELECT path FROM nodes").fetchall()}
    checked = check_rows(
        raw, mapping, existing, (key_groups or KeyGroups()).tags, schools.default_name(db)
    )
    if checked.problems:
        raise RosterProblems(path, checked.problems)
    if not checked.rows:
        raise RosterError(f"{path}: 没有任何人员行")
    return checked.rows


def import_roster(
    db: Database,
    path: str | Path,
    *,
    now: datetime,
    progress: Progress | None = None,
    key_groups: KeyGroups | None = None,
) -> ImportResult:
    """Import the file in one transaction; on any error nothing is written.

    `now` must be aware and in the configured zone: its date is the start day of key-group
    tags that first appear in this import; `key_groups` (config) gives their observation
    period (default 14 days).
    """
    path = Path(path)
    rows = load_rows(db, path, key_groups)
    with db.atomic():
        result = _apply(db, rows, now, progress, key_groups or KeyGroups())
        db.execute(
            "INSERT INTO imports (kind, file, file_mtime, rows, at) VALUES ('roster', ?, ?, ?, ?)",
            [str(path.resolve()), path.stat().st_mtime, result.rows, now.isoformat()],
        )
        record(db, "roster_import", None, now, file=str(path), **asdict(result))
    log.info("roster %s imported: %s", path, result.summary())
    return result


def _apply(
    db: Database,
    rows: list[RosterRow],
    now: datetime,
    progress: Progress | None,
    key_groups: KeyGroups,
) -> ImportResult:
    stamp, today = now.isoformat(), now.date().isoformat()
    before = {
        r[0]: (r[1], r[2], r[3])
        for r in db.execute("SELECT id, class_id, active, school_id FROM people").fetchall()
    }
    school_ids = {name: schools.ensure(db, name) for name in {row.school for row in rows}}
    prints_before = _fingerprints(db)
    nodes_before = db.execute("SELECT count(*) FROM nodes").fetchone()[0]
    class_ids: dict[tuple[str, ...], int] = {}
    dorm_ids: dict[str, int] = {}
    added = moved = 0
    total = len(rows)

    for done, row in enumerate(rows, start=1):
        school_id, prefix = school_ids[row.school], schools.path_prefix(row.school)
        class_id = None
        if row.class_path is not None:
            key = (prefix, *row.class_path)
            if key not in class_ids:
                class_ids[key] = ensure_path(db, row.class_path, school_id, prefix)
            class_id = class_ids[key]
        dorm_id = None
        if row.dorm is not None:
            if prefix + row.dorm not in dorm_ids:
                dorm_ids[prefix + row.dorm] = ensure_dorm(db, row.dorm, school_id, prefix)
            dorm_id = dorm_ids[prefix + row.dorm]

        previous = before.get(row.person_id)
        if previous is None:
            added += 1
        else:
            if previous[0] is not None and class_id is not None and previous[0] != class_id:
                moved += 1
                log.info("person %s moved to another class", row.person_id)
        db.execute(
            """
            INSERT INTO people (id, name, role, class_id, dorm_id, active, updated_at, phone,
                parent_phone, school_id)
            VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?, ?)
            ON CONFLICT(id) DO UPDATE SET name = excluded.name, role = excluded.role,
                class_id = excluded.class_id, dorm_id = excluded.dorm_id, active = 1,
                updated_at = excluded.updated_at, phone = excluded.phone,
                parent_phone = excluded.parent_phone, school_id = excluded.school_id
            """,
            [
                row.person_id,
                row.name,
                row.role,
                class_id,
                dorm_id,
                stamp,
                row.phone,
                row.parent_phone,
                school_id,
            ],
        )
        _accounts(db, row, stamp)
        _tags(db, row, today, key_groups)
        if progress is not None and (done % PROGRESS_EVERY == 0 or done == total):
            progress(done, total)

    for row in rows:  # after every row's nodes exist: staff rows often come first
        _responsibilities(db, row)
    in_file = {r.person_id for r in rows}
    # A file speaks for the schools it names: one school's roster leaves the others alone.
    named = set(school_ids.values())
    gone = [
        pid
        for pid, (_, active, school_id) in before.items()
        if active and pid not in in_file and school_id in named
    ]
    db.conn.executemany(
        "UPDATE people SET active = 0, updated_at = ? WHERE id = ?", [(stamp, p) for p in gone]
    )
    nodes = db.execute("SELECT count(*) FROM nodes").fetchone()[0]
    prints_after = _fingerprints(db)
    kept = [r.person_id for r in rows if r.person_id in before]
    updated = sum(prints_before.get(pid) != prints_after.get(pid) for pid in kept)
    return ImportResult(
        rows=total,
        added=added,
        updated=updated,
        moved=moved,
        deactivated=len(gone),
        nodes=nodes,
        unchanged=len(kept) - updated,
        new_nodes=nodes - nodes_before,
    )


def _fingerprints(db: Database) -> dict[str, tuple]:
    """Per person, everything an import writes (row, roster accounts, responsibilities,
    roster tags), to tell "updated" from "the same again"."""
    prints: dict[str, list] = {
        pid: [fields, set(), set(), set()]
        for pid, *fields in db.execute(
            "SELECT id, name, role, class_id, dorm_id, active, school_id FROM people"
        ).fetchall()
    }
    parts = (
        (1, "SELECT person_id, platform, account_id FROM accounts WHERE source = 'roster'"),
        (2, "SELECT person_id, node_id FROM responsibilities"),
        (3, "SELECT person_id, tag, source, start_day, ended_day FROM tags"
            " WHERE source LIKE 'roster%'"),
    )  # fmt: skip
    for slot, sql in parts:
        for pid, *rest in db.execute(sql).fetchall():
            if pid in prints:
                prints[pid][slot].add(tuple(rest))
    return {pid: (tuple(f), frozenset(a), frozenset(r), frozenset(t)) for pid, (f, a, r, t)
            in prints.items()}  # fmt: skip


def _responsibilities(db: Database, row: RosterRow) -> None:
    db.execute("DELETE FROM responsibilities WHERE person_id = ?", [row.person_id])
    for path in row.responsible:
        db.execute(
            "INSERT INTO responsibilities (person_id, node_id) "
            "SELECT ?, id FROM nodes WHERE path = ? ON CONFLICT DO NOTHING",
            [row.person_id, path],
        )


def _accounts(db: Database, row: RosterRow, stamp: str) -> None:
    """The file is the truth for roster-sourced bindings; /绑定 ones are left alone unless the
    file gives the same account to someone."""
    keep = set(row.accounts)
    for platform, account_id in db.execute(
        "SELECT platform, account_id FROM accounts WHERE person_id = ? AND source = 'roster'",
        [row.person_id],
    ).fetchall():
        if (platform, account_id) not in keep:
            db.execute(
                "DELETE FROM accounts WHERE platform = ? AND account_id = ?",
                [platform, account_id],
            )
    for platform, account_id in row.accounts:
        db.execute(
            """
            INSERT INTO accounts (platform, account_id, person_id, display_name, confirmed,
                                  source, created_at)
            VALUES (?, ?, ?, ?, 1, 'roster', ?)
            ON CONFLICT(platform, account_id) DO UPDATE SET person_id = excluded.person_id,
                confirmed = 1, source = 'roster'
            """,
            [platform, account_id, row.person_id, row.name, stamp],
        )


def _tags(db: Database, row: RosterRow, today: str, key_groups: KeyGroups) -> None:
    """A tag new in the file starts today, for its configured observation period; one
    dropped from the file ends today (marked `roster:dropped`, so listing it again starts a
    new observation); one still listed is left alone: it keeps its start day, and an
    observation that ended on its own stays ended (re-importing the roster for another
    change must not restart everyone's 14 days). Tags set by /重点 are not touched."""
    current = {
        tag: source
        for tag, source in db.execute(
            "SELECT tag, source FROM tags WHERE person_id = ? AND source LIKE 'roster%'",
            [row.person_id],
        ).fetchall()
    }
    for tag in row.tags:
        if current.get(tag) == "roster":
            continue
        db.execute(
            """
            INSERT INTO tags (person_id, tag, start_day, period_days, source)
            VALUES (?, ?, ?, ?, 'roster')
            ON CONFLICT(person_id, tag) DO UPDATE SET start_day = excluded.start_day,
                period_days = excluded.period_days, ended_day = NULL, source = 'roster'
            WHERE tags.source = 'roster:dropped'
            """,
            [row.person_id, tag, today, key_groups.period_for(tag)],
        )
    for tag, source in current.items():
        if tag not in row.tags and source == "roster":
            db.execute(
                "UPDATE tags SET source = 'roster:dropped',"
                " ended_day = CASE WHEN ended_day < ? THEN ended_day ELSE ? END"
                " WHERE person_id = ? AND tag = ?",
                [today, today, row.person_id, tag],
            )


def last_import_mtime(db: Database, path: Path) -> float | None:
    row = db.execute(
        "SELECT max(file_mtime) FROM imports WHERE kind = 'roster' AND file = ?",
        [str(path.resolve())],
    ).fetchone()
    return row[0] if row else None


def import_if_newer(
    db: Database,
    path: Path,
    *,
    now: datetime,
    progress: Progress | None = None,
    key_groups: KeyGroups | None = None,
) -> ImportResult | None:
    """The config's `roster:` at start: imported when the file changed since its last import."""
    if not path.is_file():
        raise RosterError(f"{path}: 配置里的 roster 文件不存在")
    last = last_import_mtime(db, path)
    if last is not None and path.stat().st_mtime <= last:
        log.debug("roster %s unchanged since its last import", path)
        return None
    return import_roster(db, path, now=now, progress=progress, key_groups=key_groups)
