"""The consolidated chain of a chat-day, and who of the node has not reported.

Two renderings: for the class group (names only: a class group never sees anyone's
temperature or symptoms) and for the counselor (each line as written, 代报, the lines that
name nobody on the roster). `unmatched_by_node` gives the latter to the summaries too.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from handlers.chain.cache import day_chain
from handlers.chain.state import Line
from storage.backend import Database

STUDENT_ROLES = ("学生", "班长", "宿舍长")


@dataclass(slots=True)
class ChainView:
    title: str
    day: str
    lines: list[Line] = field(default_factory=list)  # active lines, in chain order
    other_reported: list[str] = field(default_factory=list)  # reported another way
    missing: list[str] = field(default_factory=list)
    on_leave: list[str] = field(default_factory=list)
    reported: set[str] = field(default_factory=set)  # people in the chain with a report
    proxied: set[str] = field(default_factory=set)  # of those, whose report is a 代报

    @property
    def unmatched(self) -> list[tuple[int, Line]]:
        return [(n, ln) for n, ln in enumerate(self.lines, start=1) if ln.person_id is None]


def build_view(
    db: Database, platform: str | None, chat_id: str | None, node_id: int, day: str
) -> ChainView:
    """The chat's chain for the day (if any) against the node's students."""
    lines: list[Line] = []
    title = ""
    if platform is not None and chat_id is not None:
        state = day_chain(db, platform, chat_id, day)
        lines, title = state.active_lines(), state.title
    in_chain = {ln.person_id for ln in lines if ln.person_id}
    view = ChainView(title=title, day=day, lines=lines)
    reported_in_chain = view.reported
    marks = ",".join("?" * len(STUDENT_ROLES))
    for person_id, name, reported, on_leave, proxied in db.execute(
        f"""
        WITH RECURSIVE under(id) AS (
            SELECT ? UNION SELECT nodes.id FROM nodes JOIN under ON nodes.parent_id = under.id
        )
        SELECT p.id, p.name,
            EXISTS (SELECT 1 FROM reports r WHERE r.person_id = p.id AND r.day = ?),
            EXISTS (SELECT 1 FROM leaves l WHERE l.person_id = p.id
                    AND l.start_day <= ? AND l.end_day >= ?),
            EXISTS (SELECT 1 FROM reports r WHERE r.person_id = p.id AND r.day = ?
                    AND r.proxy = 1)
        FROM people p
        WHERE p.active = 1 AND p.role IN ({marks})
          AND (p.class_id IN (SELECT id FROM under) OR p.dorm_id IN (SELECT id FROM under))
        ORDER BY p.id
        """,
        [node_id, day, day, day, day, *STUDENT_ROLES],
    ):
        if person_id in in_chain:
            if reported:
                reported_in_chain.add(person_id)
            if proxied:
                view.proxied.add(person_id)
            continue
        if reported:
            view.other_reported.append(name)
        elif on_leave:
            view.on_leave.append(name)
        else:
            view.missing.append(name)
    return view


def _month_day(day: str) -> str:
    return f"{int(day[5:7])}月{int(day[8:10])}日"


def render_for_group(view: ChainView) -> str:
    """Names only, for the class group."""
    out = [f"#接龙 {view.title or _month_day(view.day) + ' 平安报告'}（汇总）"]
    matched = [ln for ln in view.lines if ln.person_id is not None]
    out += [
        f"{n}. {ln.name}" + ("" if ln.person_id in view.reported else "（未写体温/状况）")
        for n, ln in enumerate(matched, start=1)
    ]
    if not matched:
        out.append("（今天还没有人接龙）")
    if view.other_reported:
        out.append(
            f"其他方式已报（{len(view.other_reported)}人）：" + "、".join(view.other_reported)
        )
    if view.missing:
        out.append(f"未报（{len(view.missing)}人）：" + "、".join(view.missing))
    else:
        out.append("全员已报 ✓")
    if view.on_leave:
        out.append(f"请假（{len(view.on_leave)}人）：" + "、".join(view.on_leave))
    unmatched = view.unmatched
    if unmatched:
        shown = "、".join(f"{ln.name or '（无姓名）'}" for _, ln in unmatched)
        out.append(f"名单上找不到（请核对姓名）：{shown}")
    return "\n".join(out)


def render_for_counselor(view: ChainView, class_name: str) -> str:
    """Each line as written, with 代报 and unmatched marked; for counselors only."""
    out = [f"{class_name} {_month_day(view.day)} 接龙（{len(view.lines)}条）"]
    for n, ln in enumerate(view.lines, start=1):
        marks = []
        if ln.person_id is None:
            marks.append("未匹配名单")
        elif ln.person_id not in view.reported:
            marks.append("未写体温/状况，未计为已报")
        elif ln.author_person != ln.person_id and (
            ln.author_person is not None or ln.person_id in view.proxied
        ):  # written by someone else, or by an account nobody confirmed as the student
            marks.append("代报")
        if ln.entry.abnormal:
            marks.append("异常")
        suffix = f"【{'，'.join(marks)}】" if marks else ""
        out.append(f"{n}. {ln.key}{suffix}")
    if view.other_reported:
        out.append(
            f"其他方式已报（{len(view.other_reported)}人）：" + "、".join(view.other_reported)
        )
    out.append(
        f"未报（{len(view.missing)}人）：" + ("、".join(view.missing) if view.missing else "无")
    )
    if view.on_leave:
        out.append(f"请假（{len(view.on_leave)}人）：" + "、".join(view.on_leave))
    return "\n".join(out)


def unmatched_by_node(db: Database, day: str) -> dict[int, list[dict]]:
    """Active chain lines of the day that credit nobody, by the node their group is bound to
    (a class), each group's in order. One query for the whole school: the summaries gather
    each node's from its subtree instead of asking once per node."""
    rows = db.execute(
        """
        SELECT c.node_id, l.platform, l.chat_id, l.number, l.text, l.name, l.author_account,
               l.author_person, l.message_key
        FROM chain_lines l
        JOIN chats c ON c.platform = l.platform AND c.chat_id = l.chat_id
        WHERE l.day = ? AND l.status = 'active' AND l.person_id IS NULL
        ORDER BY c.node_id, l.platform, l.chat_id, l.seq
        """,
        [day],
    )
    keys = [d[0] for d in rows.description]
    out: dict[int, list[dict]] = {}
    for row in rows:
        line = dict(zip(keys, row, strict=True))
        out.setdefault(line["node_id"], []).append(line)
    return out
