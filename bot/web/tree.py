"""The node hierarchy (school → college → grade → class) as one in-memory tree per request.

A university has at most a few thousand nodes, so loading them all once and walking the tree
in Python is cheaper than a recursive query per drill-down, and keeps scoping a set lookup.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlite_utils

from storage.tokens import Login

# Roles that may see the health details (temperature, symptoms) of the nodes they are
# responsible for. Others (a class monitor with a token) see only who reported and who not.
STAFF_ROLES = frozenset({"辅导员", "值班辅导员", "值班党员", "管理员"})
ADMIN_ROLE = "管理员"
KIND_LABEL = {"school": "学校", "college": "学院", "grade": "年级", "class": "班级", "dorm": "宿舍"}


@dataclass(slots=True)
class Node:
    id: int
    path: str
    name: str
    kind: str
    parent_id: int | None
    children: list[Node] = field(default_factory=list)

    @property
    def kind_label(self) -> str:
        return KIND_LABEL.get(self.kind, self.kind)


class Tree:
    def __init__(self, rows: list[tuple[int, str, str, str, int | None]]) -> None:
        self.nodes: dict[int, Node] = {r[0]: Node(*r) for r in rows}
        for node in self.nodes.values():
            parent = self.nodes.get(node.parent_id) if node.parent_id is not None else None
            if parent is not None:
                parent.children.append(node)
        for node in self.nodes.values():
            node.children.sort(key=lambda n: n.path)

    @classmethod
    def load(cls, db: sqlite_utils.Database) -> Tree:
        return cls(db.execute("SELECT id, path, name, kind, parent_id FROM nodes").fetchall())

    def roots(self) -> list[Node]:
        """Top nodes of the study hierarchy (dorms are a second grouping, not roots)."""
        return sorted(
            (n for n in self.nodes.values() if n.parent_id is None and n.kind != "dorm"),
            key=lambda n: n.path,
        )

    def ancestors(self, node: Node) -> list[Node]:
        """From the top down to the node itself."""
        chain = [node]
        while chain[-1].parent_id is not None and chain[-1].parent_id in self.nodes:
            chain.append(self.nodes[chain[-1].parent_id])
        return chain[::-1]

    def classes_under(self, node: Node) -> list[Node]:
        """Every class node in the subtree (the node itself when it is a class)."""
        out: list[Node] = []
        stack = [node]
        while stack:
            current = stack.pop()
            if current.kind == "class":
                out.append(current)
            stack.extend(current.children)
        return sorted(out, key=lambda n: n.path)


@dataclass(slots=True)
class Scope:
    """What one login may see: the nodes it is responsible for and everything below them."""

    tree: Tree
    roots: list[Node]
    staff: bool

    def allows(self, node: Node) -> bool:
        root_ids = {r.id for r in self.roots}
        return any(a.id in root_ids for a in self.tree.ancestors(node))

    def trail(self, node: Node) -> list[Node]:
        """The breadcrumb: ancestors from the highest one in scope down to the node."""
        chain = self.tree.ancestors(node)
        root_ids = {r.id for r in self.roots}
        for i, n in enumerate(chain):
            if n.id in root_ids:
                return chain[i:]
        return [node]

    def class_ids(self) -> set[int]:
        return {c.id for r in self.roots for c in self.tree.classes_under(r)}


def scope_for(db: sqlite_utils.Database, login: Login | None, tree: Tree) -> Scope:
    """An admin sees the whole school; others the nodes of their 负责 column.

    `login` None is the simulator's local session, which sees everything (simulated data).
    """
    if login is None or login.role == ADMIN_ROLE:
        return Scope(tree, tree.roots(), staff=True)
    ids = [
        r[0]
        for r in db.execute(
            "SELECT node_id FROM responsibilities WHERE person_id = ?", [login.person_id]
        ).fetchall()
    ]
    nodes = [tree.nodes[i] for i in ids if i in tree.nodes]
    # A node below another responsibility adds nothing: keep only the highest ones.
    chosen = {n.id for n in nodes}
    roots = [n for n in nodes if not any(a.id in chosen for a in tree.ancestors(n)[:-1])]
    return Scope(tree, sorted(roots, key=lambda n: n.path), staff=login.role in STAFF_ROLES)
