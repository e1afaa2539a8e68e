"""The node hierarchy (school → college → grade → class) as one in-memory tree per request.

A university has at most a few thousand nodes, so loading them all once and walking the tree
in Python is cheaper than a recursive query per drill-down, and keeps scoping a set lookup.
"""

from __future__ import annotations

from dataclasses import dataclass

from handlers import columns, permissions
from handlers.context import Person
from storage.backend import Database
from storage.nodes import Node
from storage.tokens import Login


class Tree:
    """storage's nodes with their children, so a page walks down without another query."""

    def __init__(self, rows: list[tuple[int, str, str, str, int | None]]) -> None:
        self.nodes: dict[int, Node] = {r[0]: Node(*r) for r in rows}
        self._children: dict[int, list[Node]] = {}
        for node in sorted(self.nodes.values(), key=lambda n: n.path):
            if node.parent_id is not None and node.parent_id in self.nodes:
                self._children.setdefault(node.parent_id, []).append(node)

    @classmethod
    def load(cls, db: Database) -> Tree:
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

    def children(self, node: Node) -> list[Node]:
        """The nodes directly below, by path."""
        return self._children.get(node.id, [])

    def subtree(self, node: Node) -> list[Node]:
        """The node and everything below it, by path."""
        out: list[Node] = []
        stack = [node]
        while stack:
            current = stack.pop()
            out.append(current)
            stack.extend(self.children(current))
        return sorted(out, key=lambda n: n.path)

    def classes_under(self, node: Node) -> list[Node]:
        """Every class node in the subtree (the node itself when it is a class)."""
        return [n for n in self.subtree(node) if n.kind == "class"]


@dataclass(slots=True)
class Scope:
    """What one login may see: its top nodes and everything below them, and which columns
    about people (handlers/columns.py: a class monitor sees only who reported and who did not).
    """

    tree: Tree
    roots: list[Node]
    role: str | None

    @property
    def cols(self) -> frozenset[str]:
        return columns.visible(self.role)

    def shows(self, key: str) -> bool:
        return columns.shows(self.role, key)

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


def scope_for(db: Database, login: Login | None, tree: Tree, day: str) -> Scope:
    """The login's scope as handlers/permissions.py decides it for chat commands.

    An admin, or duty staff on their duty day, sees the whole school; a counselor the nodes of
    their 负责 column; a class monitor their class. `login` None is the simulator's local
    session, which sees everything (the data is simulated).
    """
    if login is None:
        return Scope(tree, tree.roots(), permissions.ADMIN)
    row = db.execute(
        "SELECT id, name, role, class_id, dorm_id FROM people WHERE id = ?", [login.person_id]
    ).fetchone()
    person = Person(*row) if row else None
    allowed = permissions.scope(db, person, day)
    # The top-most allowed nodes of the study hierarchy; dorms are a second grouping.
    roots = [
        tree.nodes[i]
        for i in allowed
        if i in tree.nodes
        and tree.nodes[i].kind != "dorm"
        and tree.nodes[i].parent_id not in allowed
    ]
    return Scope(tree, sorted(roots, key=lambda n: n.path), person.role if person else None)
