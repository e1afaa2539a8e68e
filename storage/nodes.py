"""The hierarchy: 学院/年级/班级 nodes, and dormitories as a second grouping.

A node's path is its key: `计算机学院/2021级/计科1班`. Dormitories live beside the teaching
tree under `宿舍/<room>` (kind `dorm`, no parent), so a class and a dorm never share a path.
Colleges are roots: the school is a column (`school_id`, storage/schools.py), and another
school's paths start with its name, so an admin is responsible for everything of their school.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.errors import NodeLookupError
from storage.backend import Database
from storage.db import inserted_id

KINDS_BY_DEPTH = ("college", "grade", "class")
DORM_ROOT = "宿舍"
EXAMPLE_PATH = "计算机学院/2021级/计科1班"
CANDIDATES_SHOWN = 8
KIND_LABELS = {
    "school": "学校",
    "college": "学院",
    "grade": "年级",
    "class": "班级",
    "dorm": "宿舍",
}


@dataclass(frozen=True, slots=True)
class Node:
    id: int
    path: str
    name: str
    kind: str
    parent_id: int | None

    @property
    def kind_label(self) -> str:
        """What a page or a workbook calls the level (班级 for `class`)."""
        return KIND_LABELS.get(self.kind, self.kind)


def split_path(path: str) -> list[str] | None:
    """The parts of a teaching-tree path, or None when it is malformed.

    Well formed: 1–3 non-empty parts separated by `/`, e.g. `计算机学院/2021级`. Spaces around
    parts are trimmed; full-width `／` is accepted since Chinese input methods produce it.
    """
    parts = [p.strip() for p in path.replace("／", "/").split("/")]
    if not parts or len(parts) > 3 or any(not p for p in parts):
        return None
    return parts


def dorm_path(dorm: str) -> str:
    return f"{DORM_ROOT}/{dorm.strip()}"


def ensure_path(
    db: Database, parts: list[str], school_id: int = 1, prefix: str = ""
) -> int:
    """Create the college/grade/class chain as needed; return the id of the last node.

    `prefix` is the school's path prefix (storage/schools.path_prefix): empty for school 1.
    """
    parent_id: int | None = None
    for depth, name in enumerate(parts):
        path = prefix + "/".join(parts[: depth + 1])
        parent_id = _ensure(db, path, name, KINDS_BY_DEPTH[depth], parent_id, school_id)
    assert parent_id is not None
    return parent_id


def ensure_dorm(db: Database, dorm: str, school_id: int = 1, prefix: str = "") -> int:
    return _ensure(db, prefix + dorm_path(dorm), dorm.strip(), "dorm", None, school_id)


def _ensure(
    db: Database,
    path: str,
    name: str,
    kind: str,
    parent_id: int | None,
    school_id: int,
) -> int:
    row = db.execute("SELECT id FROM nodes WHERE path = ?", [path]).fetchone()
    if row:
        return row[0]
    cursor = db.execute(
        "INSERT INTO nodes (path, name, kind, parent_id, school_id) VALUES (?, ?, ?, ?, ?)",
        [path, name, kind, parent_id, school_id],
    )
    return inserted_id(cursor)


def by_path(db: Database, path: str) -> Node | None:
    parts = split_path(path) if not path.startswith(DORM_ROOT + "/") else [path]
    if parts is None:
        return None
    row = db.execute(
        "SELECT id, path, name, kind, parent_id FROM nodes WHERE path = ?", ["/".join(parts)]
    ).fetchone()
    return Node(*row) if row else None


def by_ending(db: Database, text: str, school_id: int | None = None) -> Node:
    """A node by full path, or by a unique ending (计科1班, 2021级/计科1班).

    The chat commands and the CLI's --node read names this way, so a counselor can type the
    same short name in both. No match or several raise NodeLookupError naming the candidates.
    `school_id` keeps the search to one school, so a chat user never learns (not even from
    an ambiguity) which classes another school has.
    """
    name = text.strip().replace("／", "/").strip("/")
    escaped = re.sub(r"([%_\\])", r"\\\1", name)
    where, args = "", list[str | int]([name, "%/" + escaped])
    if school_id is not None:
        where = " AND school_id = ?"
        args.append(school_id)
    rows = db.execute(
        "SELECT id, path, name, kind, parent_id FROM nodes"
        f" WHERE (path = ? OR path LIKE ? ESCAPE '\\'){where} ORDER BY path",
        args,
    ).fetchall()
    exact = [row for row in rows if row[1] == name]
    if exact:
        return Node(*exact[0])
    if not rows:
        raise NodeLookupError(f"找不到「{name}」，请写完整路径，例如 {EXAMPLE_PATH}")
    if len(rows) > 1:
        shown = "、".join(row[1] for row in rows[:CANDIDATES_SHOWN])
        more = f" 等 {len(rows)} 个" if len(rows) > CANDIDATES_SHOWN else ""
        raise NodeLookupError(f"「{name}」有歧义，可能是：{shown}{more}，请写完整路径")
    return Node(*rows[0])
