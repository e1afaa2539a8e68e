"""Each diff case as a real sequence of reposts through the message path into SQLite."""

import json

import pytest

from handlers.chain.cache import forget
from handlers.chain.view import unmatched_by_node
from tests.chain_helpers import ClassGroup, chain, student_id


@pytest.fixture
def group(db, clock, monkeypatch):
    return ClassGroup(db, clock, monkeypatch)


def lines_parsed(group):
    return group.db.execute("SELECT sum(lines_parsed) FROM chain_days").fetchone()[0]


def line_status(group, text):
    row = group.db.execute("SELECT status FROM chain_lines WHERE text = ?", [text]).fetchone()
    return row[0] if row else None


ZHANG = "张三 36.5 正常 在校"
LI = "李四 36.7 正常 在家"
WANG = "王五 36.4 正常 在校"
ZHAO = "赵敏 36.6 正常 在校"


def test_continuation_credits_each_student_once(group):
    group.post("q1", chain(ZHANG))
    group.post("q2", chain(ZHANG, LI))
    out = group.post("q3", chain(ZHANG, LI, WANG))
    assert [ln.name for ln in out.added] == ["王五"] and out.lines_parsed == 1
    assert group.report_count() == 3
    li = group.report(2)
    assert li["source"] == "chain" and li["temperature"] == 36.7 and li["on_campus"] == 0
    assert li["proxy"] == 0 and li["posted_by"] is None and li["revision"] == 1
    assert lines_parsed(group) == 3  # each line parsed once, though 6 lines were read


def test_proxy_report_records_the_poster(group):
    group.post("q1", chain(ZHANG))
    group.post("q1", chain(ZHANG, LI))  # the monitor adds 李四's line
    li = group.report(2)
    assert li["proxy"] == 1 and li["posted_by"] == student_id(1)
    assert group.report(1)["proxy"] == 0


def test_correction_replaces_the_line_and_keeps_history(group):
    group.post("q1", chain(ZHANG))
    group.post("q2", chain(ZHANG, LI))
    group.post("q3", chain(ZHANG, LI, WANG))
    out = group.post("q2", chain(ZHANG, "李四 37.8 发烧 在家", WANG))
    assert [ln.name for ln in out.corrected] == ["李四"] and out.lines_parsed == 1
    assert not out.added and not out.withdrawn
    li = group.report(2)
    assert li["temperature"] == 37.8 and li["abnormal"] == 1 and li["revision"] == 2
    assert group.report_count() == 3
    history = group.db.execute(
        "SELECT fields FROM report_history WHERE person_id = ?", [student_id(2)]
    ).fetchall()
    assert [json.loads(h[0])["temperature"] for h in history] == [36.7]
    assert line_status(group, LI) == "replaced"


def test_stale_fork_does_not_undo_a_correction(group):
    group.post("q1", chain(ZHANG))
    group.post("q2", chain(ZHANG, LI))
    group.post("q2", chain(ZHANG, "李四 36.3 正常 在家"))
    out = group.post("q3", chain(ZHANG, LI, WANG))  # 王五 copied the list before the fix
    assert out.lines_parsed == 1 and not out.corrected
    assert group.report(2)["temperature"] == 36.3
    assert [ln.name for ln in out.kept] == ["李四"]


def test_deletion_by_the_author_withdraws_their_report(group):
    group.post("q1", chain(ZHANG))
    group.post("q2", chain(ZHANG, LI))
    group.post("q3", chain(ZHANG, LI, WANG))
    out = group.post("q2", chain(ZHANG, WANG))  # 李四 posted by mistake, removes the line
    assert [ln.name for ln in out.withdrawn] == ["李四"]
    assert out.lines_parsed == 0 and out.renumbered == 1
    assert group.report(2) is None and group.report_count() == 2
    assert line_status(group, LI) == "withdrawn"


def test_deletion_by_someone_else_keeps_the_report(group):
    group.post("q1", chain(ZHANG))
    group.post("q2", chain(ZHANG, LI))
    out = group.post("q3", chain(ZHANG, WANG))  # 王五 dropped 李四's line
    assert [ln.name for ln in out.kept] == ["李四"] and not out.withdrawn
    assert group.report(2)["temperature"] == 36.7
    assert line_status(group, LI) == "active"
    assert group.report_count() == 3


def test_renumbering_parses_nothing(group):
    group.post("q1", chain(ZHANG))
    group.post("q2", chain(ZHANG, LI))
    group.post("q3", chain(ZHANG, LI, WANG))
    group.post("q4", chain(ZHANG, LI, WANG, ZHAO))
    group.post("q2", chain(ZHANG, WANG, ZHAO))  # 李四 withdraws, 王五 and 赵敏 move up
    before = lines_parsed(group)
    out = group.post("q5", chain(ZHANG, WANG, ZHAO, "钱七 36.5 正常 在校"))
    assert out.lines_parsed == 1 and lines_parsed(group) == before + 1
    assert [ln.name for ln in out.added] == ["钱七"]
    # the same list with other numbers: nothing new at all
    reordered = (
        "#接龙\n平安报告\n1. 王五 36.4 正常 在校\n2. 赵敏 36.6 正常 在校\n3. 张三 36.5 正常 在校"
    )
    out = group.post("q6", reordered + "\n4. 钱七 36.5 正常 在校")
    assert out.lines_parsed == 0 and out.renumbered >= 3 and not out.changed


def test_fork_merges_both_branches_by_person(group):
    group.post("q1", chain(ZHANG))
    a = group.post("q2", chain(ZHANG, LI))  # both copied the list with one line
    b = group.post("q3", chain(ZHANG, WANG))
    assert [ln.name for ln in a.added] == ["李四"] and [ln.name for ln in b.added] == ["王五"]
    assert [ln.name for ln in b.kept] == ["李四"]
    c = group.post("q4", chain(ZHANG, WANG, ZHAO))  # continues 王五's branch
    assert [ln.name for ln in c.added] == ["赵敏"]
    assert {group.report(i)["person_id"] for i in (1, 2, 3, 4)} == {
        student_id(i) for i in (1, 2, 3, 4)
    }
    assert group.report_count() == 4
    group.post("q1", "/接龙")  # not a chain: ignored by the chain path
    rows = group.db.execute(
        "SELECT name FROM chain_lines WHERE status = 'active' ORDER BY seq"
    ).fetchall()
    assert [r[0] for r in rows] == ["张三", "李四", "王五", "赵敏"]


def test_same_person_twice_in_a_fork_keeps_one_report(group):
    group.post("q1", chain(ZHANG))
    group.post("q2", chain(ZHANG, LI))
    out = group.post("q2", chain(ZHANG, LI, "李四 36.9 正常 在家"))  # added again, updated
    assert [ln.name for ln in out.corrected] == ["李四"]
    assert group.report(2)["temperature"] == 36.9 and group.report_count() == 2


def test_unmatched_line_is_kept_and_shown(group):
    group.post("q1", chain(ZHANG))
    out = group.post("q2", chain(ZHANG, "张山 36.5 正常 在校"))
    assert [ln.name for ln in out.unmatched] == ["张山"]
    assert group.report_count() == 1
    [[row]] = unmatched_by_node(group.db, "2020-02-10").values()
    assert row["node_id"] == 3
    assert row["name"] == "张山" and row["author_person"] == student_id(2)
    [prompt] = group.outbox()
    assert "张山" in prompt and "36.5" not in prompt
    # fixing the name by the same writer: the unmatched line goes, 李四... is not involved
    out = group.post("q2", chain(ZHANG, LI))
    assert [ln.name for ln in out.withdrawn] == ["张山"] and [ln.name for ln in out.added] == [
        "李四"
    ]
    assert unmatched_by_node(group.db, "2020-02-10") == {}


def test_unmatched_line_is_credited_once_the_roster_has_the_student(group):
    group.post("q1", chain(ZHANG, "欧阳娜娜 36.6 正常 在校"))
    assert group.report_count() == 1
    with group.db.atomic():  # the counselor imports the corrected roster
        group.db.execute(
            "INSERT INTO people (id, name, class_id, updated_at)"
            " VALUES ('20219999', '欧阳娜娜', 3, 'x')"
        )
        group.db.execute(
            "INSERT INTO imports (kind, file, rows, at) VALUES ('roster', 'r.csv', 11, 'x')"
        )
    out = group.post("q2", chain(ZHANG, "欧阳娜娜 36.6 正常 在校", LI))
    assert out.lines_parsed == 1  # only 李四's line: the old line is re-credited, not re-read
    assert {ln.name for ln in out.added} == {"欧阳娜娜", "李四"}
    row = group.db.execute(
        "SELECT temperature, proxy, posted_by FROM reports WHERE person_id = '20219999'"
    ).fetchone()
    assert row == (36.6, 1, student_id(1))
    assert unmatched_by_node(group.db, "2020-02-10") == {}


def test_per_line_authors_credit_lines(group):
    text = chain(ZHANG, LI, "36.6 正常 在校", WANG)
    group.post("q1", text, line_authors={1: "q1", 2: "q2", 3: "q4", 4: "q1"})
    assert group.report(2)["proxy"] == 0  # 李四 wrote their own line, though 张三 posted
    zhao = group.report(4)  # a line naming nobody, written by 赵敏: 赵敏's
    assert zhao["temperature"] == 36.6 and zhao["proxy"] == 0
    wang = group.report(3)
    assert wang["proxy"] == 1 and wang["posted_by"] == student_id(1)


def test_headerless_and_flattened_copies_continue_the_chain(group):
    group.post("q1", chain(ZHANG, LI))
    out = group.post("q3", f"1. {ZHANG}\n2. {LI}\n3. {WANG}")
    assert [ln.name for ln in out.added] == ["王五"] and out.lines_parsed == 1
    flat = f"#接龙 平安报告 1. {ZHANG} 2. {LI} 3. {WANG} 4. {ZHAO}"
    out = group.post("q4", flat)
    assert [ln.name for ln in out.added] == ["赵敏"] and out.lines_parsed == 1
    assert group.report_count() == 4


def test_quoted_chain_is_not_a_repost(group):
    group.post("q1", chain(ZHANG, LI))
    quote = f"「张三：{chain(ZHANG)}」\n- - - - - - - - - - - - - - -\n"
    assert group.post("q3", quote + "我的怎么没了") is None
    out = group.post("q3", quote + chain(ZHANG, LI, WANG))
    assert [ln.name for ln in out.added] == ["王五"]


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("收到", "other"),
        ("张三 36.5 正常 在校", "checkin"),
        ("1. 张三 36.5 正常", "checkin"),
        ("【通知】\n1. 请按时报告\n2. 注意安全", "other"),
    ],
)
def test_other_messages_fall_back_to_the_parser(group, text, kind):
    assert group.post("q1", text) is None
    assert group.kind == kind
    assert group.db.execute("SELECT count(*) FROM chain_lines").fetchone()[0] == 0
    sources = {r[0] for r in group.db.execute("SELECT source FROM reports")}
    assert sources == ({"free"} if kind == "checkin" else set())


def test_restart_rereads_state_from_sqlite_without_double_counting(group):
    group.post("q1", chain(ZHANG))
    group.post("q2", chain(ZHANG, LI))
    forget(group.db)  # a restart: the in-memory state is gone
    out = group.post("q3", chain(ZHANG, LI, WANG))
    assert out.lines_parsed == 1 and [ln.name for ln in out.added] == ["王五"]
    assert group.report(1)["revision"] == 1 and group.report_count() == 3


def test_failure_mid_repost_leaves_no_trace(group, monkeypatch):
    group.post("q1", chain(ZHANG))
    import handlers.chain.engine as engine

    real = engine.upsert_report

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(engine, "upsert_report", boom)
    assert group.post("q2", chain(ZHANG, LI)) is None and group.kind == "error"
    monkeypatch.setattr(engine, "upsert_report", real)
    assert line_status(group, LI) is None  # rolled back in SQLite and forgotten in memory
    # the same message redelivered is a duplicate; the student's next repost counts
    out = group.post("q2", chain(ZHANG, LI, WANG))
    assert [ln.name for ln in out.added] == ["李四", "王五"] and group.report_count() == 3


def test_a_new_day_starts_a_new_chain(group):
    from datetime import timedelta

    group.post("q1", chain(ZHANG))
    group.clock.advance(timedelta(days=1))
    out = group.post("q1", chain(ZHANG))
    assert out.lines_parsed == 1 and group.report(1, "2020-02-11")["revision"] == 1


def test_author_copying_a_fork_that_lost_their_line_keeps_it(group):
    group.post("q1", chain(ZHANG))
    group.post("q2", chain(ZHANG, LI))
    group.post("q3", chain(ZHANG, WANG))  # forked from before 李四's line
    out = group.post("q2", chain(ZHANG, WANG, ZHAO))  # 李四 copies it and adds 赵敏 (代报)
    assert [ln.name for ln in out.added] == ["赵敏"]
    assert [ln.name for ln in out.kept] == ["李四"] and not out.withdrawn
    assert group.report(2)["temperature"] == 36.7
    assert group.report(4)["proxy"] == 1 and group.report(4)["posted_by"] == student_id(2)


def test_a_second_chain_the_same_day_removes_nothing(group):
    morning = "早上体温接龙"
    group.post("q1", chain(ZHANG, LI, WANG, title=morning))  # the monitor posts for three
    out = group.post("q1", chain("张三 36.8 正常 在校", title="晚间体温接龙"))
    assert [ln.name for ln in out.corrected] == ["张三"]
    assert not out.withdrawn and {ln.name for ln in out.kept} == {"李四", "王五"}
    assert group.report_count() == 3 and group.report(1)["temperature"] == 36.8


def test_unbound_writers_are_proxies_with_their_account_recorded(group):
    """Issue 12: an account nobody confirmed is nobody; its lines are 代报, never the
    student's own, and the account that wrote each is kept."""
    text = chain(ZHANG, LI)
    group.post("wxid_unknown", text, line_authors={1: "wxid_unknown", 2: "wxid_other"})
    assert group.report_count() == 2
    assert group.report(1)["proxy"] == 1 and group.report(2)["proxy"] == 1
    assert group.report(1)["posted_by"] is None
    assert [group.report(i)["posted_account"] for i in (1, 2)] == [
        "qq:wxid_unknown",
        "qq:wxid_other",
    ]
    rows = group.db.execute("SELECT author_account FROM chain_lines ORDER BY seq").fetchall()
    assert rows == [("wxid_unknown",), ("wxid_other",)]  # kept for the audit trail


def test_a_fresh_list_without_title_removes_nothing(group):
    group.post("q1", chain(ZHANG, LI, WANG))  # the monitor posts for three
    out = group.post("q1", "1. 张三 36.9 正常 在校\n2. 赵敏 36.5 正常 在校")  # a new list
    assert {ln.name for ln in out.kept} == {"李四", "王五"} and not out.withdrawn
    assert group.report_count() == 4


def test_a_bare_name_is_in_the_chain_but_not_a_report(group):
    group.post("q1", chain(ZHANG))
    out = group.post("q2", chain(ZHANG, "李四"))
    assert [ln.name for ln in out.added] == ["李四"] and group.report(2) is None
    assert group.post("q1", "/接龙") is None
    assert "2. 李四（未写体温/状况）" in group.outbox()[-1]
    out = group.post("q2", chain(ZHANG, LI))  # 李四 fills in the details
    assert [ln.name for ln in out.corrected] == ["李四"] and group.report(2)["temperature"] == 36.7
    out = group.post("q3", chain(ZHANG, "李四", WANG))  # an old copy with the bare name
    assert not out.corrected and group.report(2)["temperature"] == 36.7
    active = group.db.execute(
        "SELECT text FROM chain_lines WHERE name = '李四' AND status = 'active'"
    ).fetchall()
    assert active == [(LI,)]


def test_a_sign_up_list_of_names_creates_no_reports(group):
    out = group.post("q1", "#接龙\n周六羽毛球报名\n1. 张三\n2. 李四\n3. 王五")
    assert len(out.added) == 3 and group.report_count() == 0
