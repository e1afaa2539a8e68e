"""Who wrote a report, and what they are to the student it is about.

Every report records its writer, whatever the route (free text, a 接龙 line, /补报, /更正):
the chat account it came from, and the writer's person when that account's binding is
confirmed. Only a confirmed binding makes the writer somebody; an account whose binding is
still unconfirmed (a group-card match, a /绑定 nobody has confirmed) speaks for its claimed
student alone, and anything it writes about anyone else is a 代报 like an unbound account's.
"""

from __future__ import annotations

from dataclasses import dataclass

from handlers.context import HandlerContext, Person
from storage.reports import Author


@dataclass(frozen=True, slots=True)
class Writer:
    platform: str
    account_id: str
    person: Person | None = None  # confirmed binding
    claimed: Person | None = None  # unconfirmed binding: may only report for this student

    @classmethod
    def of(cls, ctx: HandlerContext) -> Writer:
        msg = ctx.message
        return cls(msg.platform, msg.sender_id, ctx.sender, ctx.claimed)

    @property
    def account_key(self) -> str:
        return f"{self.platform}:{self.account_id}"

    @property
    def posted_by(self) -> str | None:
        """The person id recorded as poster: only a confirmed binding names one."""
        return self.person.id if self.person is not None else None

    def author_for(self, person_id: str) -> Author:
        if self.person is not None:
            return "self" if self.person.id == person_id else "proxy"
        if self.claimed is not None and self.claimed.id == person_id:
            return "unconfirmed"
        return "proxy"
