"""Group member changes from any platform, applied as they happen (storage/member_changes.py).

A joiner or a member who set a new group card is bound when their name is certainly one of
the group's students; one who left has their open reviews in that group closed. Only counts
and ids are logged: names are personal data.
"""

from __future__ import annotations

import logging

from core.clock import Clock
from core.config import Config
from core.messages import MemberChange
from storage.backend import Database
from storage.bindings import Member
from storage.member_changes import bind_student, resolve_reviews

log = logging.getLogger(__name__)


def apply_member_change(
    db: Database, config: Config, clock: Clock, change: MemberChange
) -> str | None:
    """Apply one change in its own transaction; the person bound, if any."""
    group = next(
        (g for g in config.groups if g.platform == change.platform and g.chat == change.chat_id),
        None,
    )
    if group is None:
        return None
    now = clock.now()
    with db.atomic():
        if change.change == "left":
            closed = resolve_reviews(db, change.platform, change.chat_id, change.account_id, now)
            log.info("%s group %s: a member left (%d reviews closed)", change.platform,
                     change.chat_id, closed)  # fmt: skip
            return None
        member = Member(change.account_id, change.names)
        person = bind_student(db, change.platform, change.chat_id, group.node, member, now)
    if person is not None:
        log.info("%s group %s: member %s %s, bound to %s", change.platform, change.chat_id,
                 change.account_id, change.change, person)  # fmt: skip
    return person
