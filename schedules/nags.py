"""The check-in window of each class: open, nag (group @ then private), escalate, close.

Job functions take plain ids and a day plus `Deps`; everything they decide is a function of
the database, the day and the clock's now:

- never anyone who has reported or is on leave (storage.status.missing excludes them);
- `/不要提醒` (people.private_nags = 0) drops only the private reminder, never the group @;
- nothing is said to a class once its window has closed (a late catch-up stays silent);
- class groups get 实报/应报 and names only; no report is ever passed to their texts.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from datetime import date

from core.checkin_times import times_for
from core.messages import OutgoingMessage
from handlers.chain.opening import open_day_chain
from schedules import texts
from schedules.batch import Run, run_batch
from schedules.deps import Deps
from schedules.opened import opened_only
from schedules.plan import at
from schedules.recipients import Chat, Recipients, private_message
from schedules.runs import dedup_key
from storage.status import DayStatus, NodeStatus, Student, day_status


def _window_closed(run: Run, path: str) -> str | None:
    """The class's closing time when now is past it (then the class is not spoken to)."""
    closes = times_for(run.deps.config, path).closes
    if run.deps.clock.now() >= at(run.deps.config, date.fromisoformat(run.day), closes):
        return closes
    return None


def _open_classes(run: Run, *, must_have_opened: bool = True) -> list:
    """The claimed classes still inside their window (and, unless opening it, whose window
    opened: a day the bot never opened is not nagged)."""
    out = []
    for node in opened_only(run) if must_have_opened else run.claimed:
        closed = _window_closed(run, node.path)
        if closed:
            run.outcomes[node.path] = f"skipped: window closed at {closed}"
        else:
            out.append(node)
    return out


def open_window(deps: Deps, day: str, class_ids: list[int]) -> int:
    """At `opens`: announce the day's check-in in each class group; with
    `checkin.open_chain`, post the day's 接龙 right after it, for students to continue."""
    chain = deps.config.checkin.open_chain

    def decide(run: Run) -> None:
        rec = Recipients(deps.db, run.nodes)
        now = deps.clock.now()
        for node in _open_classes(run, must_have_opened=False):
            closes = times_for(deps.config, node.path).closes
            announce = texts.class_opens_chain if chain else texts.class_opens
            for chat in rec.class_chats(node.id):
                run.send(_group(chat, announce(day, closes), run, node.path, ""), node.path)
                if chain:
                    opening = open_day_chain(
                        deps.db,
                        platform=chat.platform,
                        chat_id=chat.chat_id,
                        class_name=node.name,
                        day=day,
                        now=now,
                    )
                    run.send(opening, node.path)

    return run_batch(deps, "opens", day, class_ids, decide)


def _group(chat: Chat, text: str, run: Run, key: str, part: str, mentions=()) -> OutgoingMessage:
    return OutgoingMessage(
        platform=chat.platform,
        chat_type="group",
        target=chat.chat_id,
        text=text,
        mentions=tuple(mentions),
        dedup_key=dedup_key(run.job, key, run.day, f"group:{chat.platform}:{chat.chat_id}{part}"),
    )


def group_nag_messages(run: Run, chat: Chat, status: NodeStatus) -> list[OutgoingMessage]:
    """One message @-mentioning exactly the missing, split at config.outbox.max_mentions."""
    cap = run.deps.config.outbox.max_mentions
    missing = status.missing
    chunks = [missing[i : i + cap] for i in range(0, len(missing), cap)]
    out = []
    for n, chunk in enumerate(chunks, start=1):
        mentions = [a.account_id for s in chunk if (a := s.account_on(chat.platform))]
        text = texts.class_nag(run.day, status.counts, [s.name for s in chunk], n, len(chunks))
        out.append(_group(chat, text, run, status.node.path, f":{n}", mentions))
    return out


def nag(deps: Deps, day: str, class_ids: list[int], index: int) -> int:
    """Nag number `index` (1-based): the group @ of the missing, then private reminders."""

    def decide(run: Run) -> None:
        status = day_status(deps.db, day)
        rec = Recipients(deps.db, run.nodes)
        for node in _open_classes(run):
            s = status.node(node.id)
            if not s.missing:
                run.outcomes[node.path] = "nobody missing"
                continue
            chats = rec.class_chats(node.id)
            for chat in chats:
                for message in group_nag_messages(run, chat, s):
                    run.send(message, node.path)
            closes = times_for(deps.config, node.path).closes
            prefer = chats[0].platform if chats else None
            for student in s.missing:
                if not student.private_nags:
                    continue
                text = texts.private_nag(student.name, day, closes)
                private = private_message(run.job, run.day, node.path, student, text, prefer=prefer)
                if private:
                    run.send(private, node.path)
            run.outcomes[node.path] = f"missing {s.counts.missing}"

    return run_batch(deps, f"nag{index}", day, class_ids, decide)


def _to_counselors(
    run: Run, rec: Recipients, status: DayStatus, nodes: list, title: str, hhmm: str
) -> None:
    """One message per counselor (their classes together); the counselor group otherwise."""
    by_person: dict[str, tuple[Student, list]] = {}
    by_chat: dict[Chat, list] = defaultdict(list)
    for node in nodes:
        s = status.node(node.id)
        if not s.missing:
            continue
        counselors = [p for p in rec.counselors(node.id) if p.accounts]
        for person in counselors:
            by_person.setdefault(person.id, (person, []))[1].append((node, s))
        if not counselors:
            for chat in rec.counselor_chats(node.id):
                by_chat[chat].append((node, s))
    for person, items in by_person.values():
        text = texts.counselor_list(title, run.day, hhmm, [(n.name, s) for n, s in items])
        key = _batch_key(items)
        message = private_message(run.job, run.day, f"{hhmm}:{key}", person, text)
        if message:
            run.send(message, items[0][0].path)
    for chat, items in by_chat.items():
        text = texts.counselor_list(title, run.day, hhmm, [(n.name, s) for n, s in items])
        run.send(_group(chat, text, run, f"{hhmm}:{_batch_key(items)}", ""), items[0][0].path)


def _batch_key(items) -> str:
    """A stable short key for the set of classes a combined message covers."""
    paths = "\n".join(sorted(n.path for n, _ in items))
    return hashlib.sha1(paths.encode()).hexdigest()[:12]


def escalate(deps: Deps, day: str, class_ids: list[int]) -> int:
    """At `escalate`: the missing list of each class to its 班长 and its 辅导员, privately."""

    def decide(run: Run) -> None:
        status = day_status(deps.db, day)
        rec = Recipients(deps.db, run.nodes)
        nodes = _open_classes(run)
        hhmm = deps.clock.now().astimezone(deps.config.tz).strftime("%H:%M")
        for node in nodes:
            s = status.node(node.id)
            run.outcomes[node.path] = f"missing {s.counts.missing}"
            if not s.missing:
                continue
            chats = rec.class_chats(node.id)
            prefer = chats[0].platform if chats else None
            for monitor in rec.monitors.get(node.id, ()):
                text = texts.monitor_escalation(node.name, day, hhmm, s)
                message = private_message(run.job, run.day, node.path, monitor, text, prefer=prefer)
                if message:
                    run.send(message, node.path)
        _to_counselors(run, rec, status, nodes, "未报名单", hhmm)

    return run_batch(deps, "escalate", day, class_ids, decide)


def close_window(deps: Deps, day: str, class_ids: list[int]) -> int:
    """At `closes`: 实报/应报 and the names still missing to the class group; the final list
    to the counselors."""

    def decide(run: Run) -> None:
        status = day_status(deps.db, day)
        rec = Recipients(deps.db, run.nodes)
        hhmm = deps.clock.now().astimezone(deps.config.tz).strftime("%H:%M")
        nodes = opened_only(run)
        for node in nodes:
            s = status.node(node.id)
            run.outcomes[node.path] = f"missing {s.counts.missing}"
            text = texts.class_closed(day, s.counts, [p.name for p in s.missing])
            for chat in rec.class_chats(node.id):
                run.send(_group(chat, text, run, node.path, ""), node.path)
        _to_counselors(run, rec, status, nodes, "截止未报名单", hhmm)

    return run_batch(deps, "closes", day, class_ids, decide)
