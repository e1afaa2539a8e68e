"""The shape every per-node job shares: claim each node's run, decide, queue, record.

All of it happens in one transaction, so a crash leaves either the whole run (job_runs rows
and outbox messages) or none of it, and a re-run claims nothing and sends nothing.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from core.messages import OutgoingMessage
from schedules.deps import Deps
from schedules.runs import claim_many, finish_many
from storage.outbox import enqueue_many
from storage.status import Node, load_nodes
from storage.txn import immediate

log = logging.getLogger(__name__)


@dataclass(slots=True)
class Run:
    """What one job run decided: messages to queue, and an outcome per node key."""

    deps: Deps
    job: str
    day: str
    nodes: dict[int, Node]
    claimed: list[Node]
    outbox: list[tuple[OutgoingMessage, str]] = field(default_factory=list)
    outcomes: dict[str, str] = field(default_factory=dict)

    def send(self, message: OutgoingMessage, node_key: str) -> None:
        self.outbox.append((message, node_key))


def run_batch(
    deps: Deps,
    job: str,
    day: str,
    node_ids: Iterable[int | None],
    decide: Callable[[Run], None],
) -> int:
    """Claim (job, node, day) for each node not yet run, let `decide` fill the run, commit.

    A node id of None stands for the school-wide run (node key '*'). Returns the number of
    messages queued (a message already queued under the same dedup key counts as 0).
    """
    db, now = deps.db, deps.clock.now()
    with immediate(db):
        nodes = load_nodes(db)
        wanted: dict[str, int | None] = {}  # node key → node id, in the given order
        for nid in node_ids:
            if nid is not None and nid not in nodes:
                log.warning("%s %s: node %s no longer exists", job, day, nid)
                continue
            wanted.setdefault(nodes[nid].path if nid is not None else "*", nid)
        won = claim_many(db, job, list(wanted), day, now)
        keys = [nid for key, nid in wanted.items() if key in won]
        if not keys:
            return 0
        run = Run(deps, job, day, nodes, [nodes[k] for k in keys if k is not None])
        decide(run)
        queued: Counter[str] = Counter()
        fresh = enqueue_many(db, [message for message, _ in run.outbox], now)
        for (_, node_key), new in zip(run.outbox, fresh, strict=True):
            queued[node_key] += new
        results = {key: (run.outcomes.get(key, "done"), queued[key]) for key in won}
        finish_many(db, job, day, now, results)
    log.info("%s %s: %d node(s), %d message(s) queued", job, day, len(keys), sum(queued.values()))
    return sum(queued.values())
