"""The wording of every scheduled message, as pure functions (easy to test and to review).

Counts are always written `应报 N`, `实报 N`, `未报 N`, `异常 N`. Texts for class groups
(`class_*`) take only names and counts, never a report: they cannot leak a temperature or a
symptom because they are never given one.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from storage.status import AbnormalCase, Counts, LeaveCase, NodeStatus, Student, TagCounts

NAME_SEP = "、"
#: A school-wide roll-up lists at most this many abnormal cases by name; the rest are counted.
MAX_LISTED = 50


def md(day: str) -> str:
    d = date.fromisoformat(day)
    return f"{d.month}月{d.day}日"


def names(people: Iterable[Student]) -> str:
    return NAME_SEP.join(p.name for p in people)


def class_opens(day: str, closes: str) -> str:
    return (
        f"【平安报告】{md(day)}报送开始，请在 {closes} 前在群里回复："
        "姓名 体温 健康状况 所在地，例如「张三 36.5 正常 在校」。已请假的同学无需报送。"
    )


def class_opens_chain(day: str, closes: str) -> str:
    return (
        f"【平安报告】{md(day)}报送开始，请在 {closes} 前接龙：复制下面的接龙，"
        "在末尾加一行「序号. 姓名 体温 健康状况 所在地」后发出。已请假的同学无需报送。"
    )


def class_nag(day: str, counts: Counts, missing_names: list[str], part: int, parts: int) -> str:
    suffix = f"（{part}/{parts}）" if parts > 1 else ""
    return (
        f"【平安报告提醒】{md(day)} 实报 {counts.reported}，应报 {counts.expected}。"
        f"以下同学还未报送，请尽快回复{suffix}：{NAME_SEP.join(missing_names)}"
    )


def class_closed(day: str, counts: Counts, missing_names: list[str]) -> str:
    text = f"【平安报告】{md(day)}报送已截止，实报 {counts.reported}，应报 {counts.expected}。"
    if missing_names:
        text += f"未报：{NAME_SEP.join(missing_names)}，请尽快联系辅导员补报。"
    else:
        text += "全员已报，谢谢大家！"
    return text


def private_nag(name: str, day: str, closes: str) -> str:
    return (
        f"{name}同学，你{md(day)}的平安报告还没有报送，请在 {closes} 前在班级群回复，"
        "或直接回复我：姓名 体温 健康状况 所在地。不想收到私聊提醒可回复 /不要提醒。"
    )


def monitor_escalation(class_name: str, day: str, hhmm: str, status: NodeStatus) -> str:
    c = status.counts
    return (
        f"【平安报告·{class_name}】{md(day)} {hhmm} 实报 {c.reported}，应报 {c.expected}，"
        f"未报 {c.missing}：{names(status.missing)}。请协助提醒。"
    )


def counselor_list(title: str, day: str, hhmm: str, classes: list[tuple[str, NodeStatus]]) -> str:
    """The missing of several classes, for their counselor (escalation and the final list)."""
    total = sum(s.counts.missing for _, s in classes)
    lines = [f"【平安报告·{title}】{md(day)} {hhmm}，未报 {total}"]
    for label, s in classes:
        c = s.counts
        lines.append(
            f"{label}：实报 {c.reported}，应报 {c.expected}，未报 {c.missing}：{names(s.missing)}"
        )
    return "\n".join(lines)


def _signed(n: int) -> str:
    return f"+{n}" if n > 0 else str(n)


def _abnormal_line(case: AbnormalCase, where: str = "") -> str:
    parts = [f"{where}{case.name}"]
    if case.temperature is not None:
        parts.append(f"{case.temperature:.1f}℃")
    if case.symptoms:
        parts.append(NAME_SEP.join(case.symptoms))
    if case.isolation:
        parts.append({"home": "居家隔离", "central": "集中隔离"}.get(case.isolation, "隔离"))
    if case.province:
        parts.append(case.province)
    if case.proxy:
        parts.append("（代报）")
    return " ".join(parts)


def _leave_line(case: LeaveCase) -> str:
    reason = f"{case.reason}，" if case.reason else ""
    return f"{case.name}（{reason}至{md(case.end_day)}）"


def _tags_line(tags: dict[str, TagCounts]) -> str:
    return "；".join(
        f"{tag} {t.total}人（实报 {t.reported}，异常 {t.abnormal}）" for tag, t in tags.items()
    )


def _more(items: list[str]) -> str:
    return f"；等共 {len(items)} 人" if len(items) > MAX_LISTED else ""


def counts_line(c: Counts) -> str:
    return (
        f"应报 {c.expected}，实报 {c.reported}，未报 {c.missing}，"
        f"异常 {c.abnormal}，请假 {c.on_leave}"
    )


def summary(
    title: str,
    status: NodeStatus,
    *,
    children: list[tuple[str, Counts]] = (),
    where: dict[int, str] | None = None,
    list_missing: bool = True,
    unmatched: list[str] = (),
    late: list[str] = (),
    to_check: list[str] = (),
) -> str:
    """A summary for counselors / duty staff: counts, names, abnormal details, key groups.

    `children` adds one completion line per child node (a grade's classes); `where` labels
    each abnormal case with its class (keyed by class id) in roll-ups. `unmatched` are 接龙
    lines, as written, that credit nobody: a counselor checks the name (never for a class
    group, a line may carry a temperature). `late` names the 迟报 (reported after the
    window), `to_check` the reports that contradict themselves or a key group.
    """
    c = status.counts
    lines = [f"【平安报告日报】{title} {md(status.day)}", counts_line(c)]
    change = status.change
    if change is not None:
        lines.append(f"较前一日：实报 {_signed(change.reported)}，异常 {_signed(change.abnormal)}")
    for label, cc in children:
        rate = f"{cc.rate:.0%}" if cc.rate is not None else "—"
        lines.append(
            f"· {label} 实报 {cc.reported}/应报 {cc.expected}（{rate}），异常 {cc.abnormal}"
        )
    if list_missing and status.missing:
        lines.append(f"未报：{names(status.missing)}")
    if status.abnormal:
        shown = status.abnormal[:MAX_LISTED]
        labels = where or {}
        entries = [_abnormal_line(a, labels.get(a.class_id, "")) for a in shown]
        more = len(status.abnormal) - len(shown)
        lines.append(
            "异常：" + "；".join(entries) + (f"；等共 {len(status.abnormal)} 人" if more else "")
        )
    if late:
        lines.append(f"迟报（截止后才报）：{NAME_SEP.join(late[:MAX_LISTED])}" + _more(late))
    if to_check:
        lines.append("待核实：" + "；".join(to_check[:MAX_LISTED]) + _more(to_check))
    if list_missing and status.on_leave:
        lines.append("请假：" + NAME_SEP.join(_leave_line(x) for x in status.on_leave))
    if status.key_groups:
        lines.append("重点群体：" + _tags_line(status.key_groups))
    if unmatched:
        more = f"；等共 {len(unmatched)} 条" if len(unmatched) > MAX_LISTED else ""
        lines.append(
            "接龙中名册上找不到（请核对姓名）：" + "；".join(unmatched[:MAX_LISTED]) + more
        )
    return "\n".join(lines)
