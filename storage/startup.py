"""What the store needs before the bot takes its first message: the configured roster (when
it changed since its last import) and the config's chats bound to their nodes."""

from __future__ import annotations

import logging
from datetime import datetime

from core.config import Config
from storage import schools
from storage.backend import Database
from storage.chats import bind_groups
from storage.keygroups import unlisted_tags
from storage.roster import ImportResult, Progress, import_if_newer

log = logging.getLogger(__name__)


def prepare(
    db: Database, config: Config, now: datetime, progress: Progress | None = None
) -> ImportResult | None:
    """Import `roster:` if newer than its last import, then bind `groups:`.

    Raises RosterError (bad roster file: nothing imported) or ConfigError (a group's node is
    not in the roster); both carry a message an admin can act on.
    """
    result = None
    schools.set_default_name(db, config.school)
    if config.roster:
        result = import_if_newer(
            db,
            config.resolve(config.roster),
            now=now,
            progress=progress,
            key_groups=config.key_groups,
        )
        if result is not None:
            log.info("roster %s imported at start: %s", config.roster, result.summary())
    bind_groups(db, config)
    stray = unlisted_tags(db, config.key_groups.tags, now.astimezone(config.tz).date().isoformat())
    if stray:
        log.warning(
            "key-group tags under observation but not in key_groups.tags (add them to the"
            " config, or re-import the roster with listed tags): %s",
            ", ".join(f"{tag} ({count})" for tag, count in stray.items()),
        )
    return result
