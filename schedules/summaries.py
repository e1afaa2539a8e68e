"""Nightly summaries rolled up the hierarchy, and the private roll-up for the duty pair.

- each class → the `counselor` chat bound to its nearest ancestor (names, abnormal details,
  the 接龙 lines that match nobody on the roster);
- each grade (and college) → the counselor chat of the grade, with one completion line per
  class and the chart; a node bound to a `duty` chat → that chat (counts, abnormal, chart);
- the whole school → privately to the day's 值班辅导员 and 值班党员 (storage.duty).

Before writing, the day's counts of every node are snapshot into daily_counts: the chart
reads them, and they are what survives the retention purge.
"""

from __future__ import annotations

import asyncio
import logging
import subprocess
from datetime import date, timedelta

from core.messages import OutgoingMessage
from handlers.chain.view import unmatched_by_node
from schedules import texts
from schedules.batch import Run, run_batch
from schedules.chart import MAX_ROWS, ChartSpec, render_completion, render_in_child
from schedules.deps import Deps
from schedules.opened import NEVER_OPENED, day_opened, opened_only
from schedules.plan import previous_checkin_day
from schedules.quiz import day_board
from schedules.quiz import summary_lines as quiz_lines
from schedules.recipients import Chat, Recipients, contacts, private_message
from schedules.runs import dedup_key, done
from storage.duty import duty_for
from storage.report_flags import LATE, flags_on
from storage.schools import DEFAULT_SCHOOL_ID, school_of
from storage.status import (
    Counts,
    DayStatus,
    Node,
    NodeStatus,
    TagCounts,
    day_status,
    history,
    save_daily_counts,
)

log = logging.getLogger(__name__)


def _status(deps: Deps, day: str) -> DayStatus:
    """The day's status, compared with the previous check-in day only when that day's
    window opened (a day the bot never ran is no baseline for 较前一日)."""
    prev = previous_checkin_day(deps.config, date.fromisoformat(day))
    if prev is not None and not day_opened(deps.db, prev.isoformat()):
        prev = None
    status = day_status(deps.db, day, prev.isoformat() if prev else None)
    save_daily_counts(deps.db, status)
    return status


def _chart_rows(status: DayStatus, node_ids: list[int]) -> list[int]:
    """The classes under the nodes, or their children when that is too many rows."""
    classes = [
        nid
        for root in node_ids
        for nid in status.subtree(root)
        if status.nodes[nid].kind == "class"
    ]
    if len(classes) <= MAX_ROWS:
        return classes
    return [c for root in node_ids for c in status.children.get(root, ())][:MAX_ROWS]


def chart_spec(
    deps: Deps, status: DayStatus, name: str, title: str, node_ids: list[int]
) -> ChartSpec | None:
    """The chart of the classes under `node_ids`: earlier days from daily_counts, today live."""
    if not deps.config.checkin.charts:
        return None
    rows = _chart_rows(status, node_ids)
    if not rows:
        return None
    end = date.fromisoformat(status.day)
    span = deps.config.checkin.chart_days
    days = [(end - timedelta(days=span - 1 - i)).isoformat() for i in range(span)]
    hist = history(deps.db, rows, days[:-1])
    rates = [[*hist.rates[r], status.counts(r).rate] for r in rows]
    path = deps.charts() / status.day / f"{name}.png"
    return ChartSpec(path, title, [status.nodes[r].name for r in rows], days, rates)


def _chart(run: Run, status: DayStatus, name: str, title: str, node_ids: list[int]):
    """The chart's path, rendering it now unless `prerender_charts` already did."""
    spec = chart_spec(run.deps, status, name, title, node_ids)
    if spec is None:
        return None
    if not spec.path.exists():
        try:
            render_completion(spec)
        except (OSError, ValueError) as e:  # a chart is an extra: the text goes regardless
            log.warning("chart %s not rendered: %s", spec.path, e)
            return None
    return str(spec.path)


def _targets(rec: Recipients, node: Node) -> list[Chat]:
    """Where a node's summary goes: its counselor chat(s), and a duty chat bound to it."""
    targets = list(rec.counselor_chats(node.id)) + rec.chats.get((node.id, "duty"), [])
    return list(dict.fromkeys(targets))


async def prerender_charts(deps: Deps, day: str, node_ids: list[int], *, duty: bool) -> int:
    """Render, in a worker thread, the charts the coming summaries will attach.

    matplotlib takes tens of milliseconds a chart; a school has dozens of grade charts, so
    the scheduler renders them off the event loop first and `summarize` finds them on disk.
    Only nodes not yet summarized today are rendered. Returns the number of charts.
    """
    if not deps.config.checkin.charts:
        return 0
    status = day_status(deps.db, day)
    recorded = done(deps.db, day)
    rec = Recipients(deps.db, status.nodes)
    candidates = []
    for nid in node_ids:
        node = status.nodes.get(nid)
        if node is None or node.kind == "class" or ("summary", node.path) in recorded:
            continue
        if _targets(rec, node):
            candidates.append(chart_spec(deps, status, str(nid), node.path, [nid]))
    if duty and ("duty", "*") not in recorded:
        candidates.append(chart_spec(deps, status, "school", "全校", status.roots()))
    specs = [s for s in candidates if s is not None]
    if specs:
        await asyncio.to_thread(_render_all, specs)
    return len(specs)


def _render_all(specs: list[ChartSpec]) -> None:
    """In a child process (the bot never holds matplotlib); here only if that fails."""
    try:
        render_in_child(specs)
        return
    except (OSError, subprocess.SubprocessError) as e:
        log.warning("chart process failed (%s); rendering in-process", e)
    for spec in specs:
        try:
            render_completion(spec)
        except (OSError, ValueError) as e:
            log.warning("chart %s not rendered: %s", spec.path, e)


def _children(status: DayStatus, node_id: int) -> list[tuple[str, Counts]]:
    return [(status.nodes[c].name, status.counts(c)) for c in status.children.get(node_id, ())]


def _class_labels(status: DayStatus, node_id: int) -> dict[int, str]:
    return {
        nid: f"{status.nodes[nid].name} "
        for nid in status.subtree(node_id)
        if status.nodes[nid].kind == "class"
    }


def _unmatched(
    lines: dict[int, list[dict]], status: DayStatus, node: Node, labels: dict[int, str]
) -> list[str]:
    """The day's 接龙 lines under the node that credit nobody (`unmatched_by_node`), as
    written (counselor and duty chats only: a line may carry a temperature), labelled with
    their class."""
    under = sorted(nid for nid in status.subtree(node.id) if nid in lines)
    return [
        f"{labels.get(row['node_id'], '')}{row['number']}. {row['text']}"
        for nid in under
        for row in lines[nid]
    ]


def _flag_lines(
    flagged: list[tuple[str, int, str, str]],
    status: DayStatus,
    node: Node,
    labels: dict[int, str],
) -> dict[str, list[str]]:
    """The summary's 迟报 names and 待核实 lines (counselor and duty chats only), from the
    day's flags loaded once for the run."""
    classes = {n for n in status.subtree(node.id) if status.nodes[n].kind == "class"}
    late, to_check = [], []
    for name, class_id, flag, detail in flagged:
        if class_id not in classes:
            continue
        who = f"{labels.get(class_id, '')}{name}"
        if flag == LATE:
            late.append(who)
        else:
            to_check.append(f"{who} {detail}")
    return {"late": late, "to_check": to_check}


def summarize(deps: Deps, day: str, node_ids: list[int]) -> int:
    """The summary of each node to its counselor chat (and duty chat when bound to it)."""

    def decide(run: Run) -> None:
        nodes = opened_only(run)
        if not nodes:
            return
        status = _status(deps, day)
        quiz = day_board(deps.db, deps.config, day)
        rec = Recipients(deps.db, run.nodes)
        classes = [n.id for n in status.nodes.values() if n.kind == "class"]
        flagged = flags_on(deps.db, day, classes)
        unmatched = unmatched_by_node(deps.db, day)
        for node in nodes:
            targets = _targets(rec, node)
            if not targets:
                run.outcomes[node.path] = "no counselor or duty chat"
                continue
            s: NodeStatus = status.node(node.id)
            is_class = node.kind == "class"
            labels = _class_labels(status, node.id)
            text = texts.summary(
                node.path,
                s,
                children=[] if is_class else _children(status, node.id),
                where=None if is_class else labels,
                list_missing=node.kind in ("class", "grade"),
                unmatched=_unmatched(unmatched, status, node, {} if is_class else labels),
                **_flag_lines(flagged, status, node, {} if is_class else labels),
            )
            text = "\n".join([text, *quiz_lines(quiz, list(labels))])
            image = None if is_class else _chart(run, status, str(node.id), node.path, [node.id])
            for chat in targets:
                run.send(
                    OutgoingMessage(
                        platform=chat.platform,
                        chat_type="group",
                        target=chat.chat_id,
                        text=text,
                        image_path=image,
                        dedup_key=dedup_key(
                            run.job, node.path, day, f"group:{chat.platform}:{chat.chat_id}"
                        ),
                    ),
                    node.path,
                )
            run.outcomes[node.path] = f"sent to {len(targets)} chat(s)"

    return run_batch(deps, "summary", day, node_ids, decide)


#: The school as a whole when the roster has several roots (one per college) and no
#: school node: a synthetic node for the duty roll-up's title.
SCHOOL = Node(0, "全校", "全校", "school", None)


def school_status(
    status: DayStatus, roots: list[int] | None = None
) -> tuple[NodeStatus, list[tuple[str, Counts]]]:
    """The whole school without the missing list: the single root, or every root merged.

    `roots` are one school's roots when the database holds several (docs/schools.md).
    """
    roots = status.roots() if roots is None else roots
    if len(roots) == 1:
        return status.node(roots[0], missing=False), _children(status, roots[0])
    parts = [status.node(r, missing=False) for r in roots]
    counts = Counts()
    previous: Counts | None = Counts() if all(p.previous for p in parts) else None
    tags: dict[str, TagCounts] = {}
    for part in parts:
        counts.add(part.counts)
        if previous is not None and part.previous is not None:
            previous.add(part.previous)
        for tag, tc in part.key_groups.items():
            acc = tags.setdefault(tag, TagCounts())
            acc.total += tc.total
            acc.reported += tc.reported
            acc.abnormal += tc.abnormal
    merged = NodeStatus(
        node=SCHOOL,
        day=status.day,
        counts=counts,
        missing=[],
        on_leave=[x for part in parts for x in part.on_leave],
        abnormal=[a for part in parts for a in part.abnormal],
        key_groups=dict(sorted(tags.items())),
        previous=previous,
    )
    return merged, [(status.nodes[r].name, status.counts(r)) for r in roots]


def duty_roll_up(deps: Deps, day: str) -> int:
    """The school-wide summary, privately to the day's 值班辅导员 and 值班党员."""

    def decide(run: Run) -> None:
        if not day_opened(deps.db, day):
            run.outcomes["*"] = NEVER_OPENED
            return
        duty = duty_for(deps.db, day)
        people = [p for p in (duty.counselor, duty.officer) if p is not None]
        if not people:
            log.warning("duty roster names nobody for %s: school summary not sent privately", day)
            run.outcomes["*"] = "no duty roster for the day"
            return
        status = _status(deps, day)
        node_school = dict(deps.db.execute("SELECT id, school_id FROM nodes").fetchall())
        found = contacts(deps.db, [p.id for p in people])
        sent = []
        for person in people:  # each sees their own school only (docs/schools.md)
            school_id = school_of(deps.db, person.id) or DEFAULT_SCHOOL_ID
            roots = [r for r in status.roots() if node_school.get(r) == school_id]
            school, children = school_status(status, roots)
            labels = {}
            for root in roots:
                labels.update(_class_labels(status, root))
            text = texts.summary(
                "全校", school, children=children, where=labels, list_missing=False
            )
            quiz = day_board(deps.db, deps.config, day)
            text = "\n".join([text, *quiz_lines(quiz, list(labels))])
            chart = "school" if school_id == DEFAULT_SCHOOL_ID else f"school-{school_id}"
            image = _chart(run, status, chart, "全校", roots)
            contact = found.get(person.id)
            message = (
                private_message(run.job, day, "*", contact, text, image_path=image)
                if contact
                else None
            )
            if message is None:
                log.warning("duty %s (%s) has no bound chat account", person.name, person.id)
                continue
            run.send(message, "*")
            sent.append(person.name)
        run.outcomes["*"] = f"sent to {'、'.join(sent)}" if sent else "duty pair has no account"

    return run_batch(deps, "duty", day, [None], decide)
