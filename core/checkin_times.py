"""A node's effective check-in times: the school's, with the per-node overrides applied.

A pure function of the config, here in core because both the scheduler (when to open, nag
and close) and the handlers (whether a late report came after the class's window closed)
need it, and handlers must not import schedules.
"""

from __future__ import annotations

from core.config import CheckinTimes, Config


def times_for(config: Config, path: str | None) -> CheckinTimes:
    """Effective times of the node at `path`: school defaults, then overrides root → leaf."""
    c = config.checkin
    merged = CheckinTimes(
        opens=c.opens, nags=list(c.nags), escalate=c.escalate, closes=c.closes, summary=c.summary
    )
    if not path:
        return merged
    parts = path.split("/")
    for depth in range(1, len(parts) + 1):
        override = c.overrides.get("/".join(parts[:depth]))
        if override is None:
            continue
        for key, value in override.model_dump(exclude_none=True).items():
            setattr(merged, key, value)
    return merged
