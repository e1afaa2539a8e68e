"""知识竞答: a question bank imported all-or-nothing, a round opened by an admin, answers in
private chat by the bound student only, one attempt per question, late answers refused, and
results that match a direct count of the answers table."""

from __future__ import annotations

import random
from datetime import datetime

import pytest

from core.config import Config, Quiz
from core.errors import RosterError
from handlers.pipeline import Pipeline
from storage.quiz import class_board, latest_round, question_at, student_scores
from storage.quiz_bank import import_bank
from tests.commands_helpers import School, audit_rows, seed
from tests.conftest import REPO, TZ

pytestmark = pytest.mark.both_stores  # storage on SQLite and on PostgreSQL

BANK = REPO / "examples" / "quiz.csv"


def at(day: str, hhmm: str) -> datetime:
    return datetime.fromisoformat(f"{day}T{hhmm}:00").replace(tzinfo=TZ)


def configure(school: School, **quiz) -> None:
    school.config = Config(base_dir=school.config.base_dir, quiz=Quiz(**quiz))
    school.pipeline = Pipeline(school.db, school.config, school.clock)


@pytest.fixture
def school(db, clock, tmp_path):
    school = School(db, clock, tmp_path)
    import_bank(db, BANK, clock.now())
    clock.set(at("2020-02-10", "19:00"))
    return school


def answers_of(db, person_id):
    return db.execute(
        "SELECT position, choice, correct FROM quiz_answers WHERE person_id = ? ORDER BY position",
        [person_id],
    ).fetchall()


def test_the_sample_bank_imports_and_a_bad_file_imports_nothing(db, clock, tmp_path):
    assert import_bank(db, BANK, clock.now()) == 21
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "题目,选项A,选项B,选项C,选项D,答案,解析,分类\n"
        "口罩深色面朝？,外,内,,,A,,防护\n"
        ",x,y,,,A,,\n"
        "潜伏期？,1天,14天,,,E,,\n"
        "口罩深色面朝？,外,内,,,A,,\n",
        encoding="utf-8",
    )
    with pytest.raises(RosterError) as failed:
        import_bank(db, bad, clock.now())
    assert str(failed.value).splitlines()[1:] == [
        "第3行: 题目为空",
        "第4行: 答案 'E' 应是 A、B、C 或 D",
        "第5行: 题目与第2行重复",
    ]
    assert db.execute("SELECT count(*) FROM quiz_questions WHERE active = 1").fetchone() == (21,)


def test_an_xlsx_bank_replaces_the_active_one(db, clock, tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(["题目", "选项A", "选项B", "选项C", "选项D", "答案", "解析", "分类"])
    book.active.append(
        ["新冠肺炎的潜伏期多为？", "3～7天", "30天", None, None, "a", "多为3～7天", ""]
    )
    book.save(tmp_path / "bank.xlsx")
    import_bank(db, BANK, clock.now())
    assert import_bank(db, tmp_path / "bank.xlsx", clock.now()) == 1
    active = db.execute("SELECT question, answer FROM quiz_questions WHERE active = 1").fetchall()
    assert active == [("新冠肺炎的潜伏期多为？", "A")]


def test_an_admin_opens_a_round_announced_in_the_class_groups(school):
    (refused,) = school.say("T001", "/答题 开始 3 21:00")
    assert refused.text == "/答题 开始 仅限管理员使用。"
    sent = school.say("A001", "/答题 开始 3 21:00")
    groups = [s for s in sent if s.chat_type == "group"]
    assert sorted(s.target for s in groups) == ["g211", "g212", "g221"]
    assert groups[0].text.startswith(
        "【知识竞答 #1】疫情防控知识竞答开始了！共3题，截止 2月10日 21:00。"
    )
    confirm = next(s for s in sent if s.target == "uA001")
    assert confirm.text == "第1轮知识竞答已开始：3题，截止 2月10日 21:00，已向3个班级群发出。"
    (again,) = school.say("A001", "/答题 开始")
    assert again.text == "第1轮还在进行（截止 2月10日 21:00），请先 /答题 结束。"


def test_a_student_answers_privately_and_gets_the_next_question(school):
    school.say("A001", "/答题 开始 3 21:00")
    (first,) = school.say("2021002", "答题")
    assert first.target == "u2021002" and first.text.startswith("【知识竞答 #1】第1/3题")
    questions = [question_at(school.db, 1, n) for n in (1, 2, 3)]
    wrong = next(x for x in "ABCD" if x != questions[0].answer)
    (reply,) = school.say("2021002", f"选{wrong}")
    assert reply.chat_type == "private"
    assert reply.text.startswith(
        f"回答错误，正确答案是 {questions[0].answer}。解析：{questions[0].explanation}"
    )
    assert "第2/3题" in reply.text
    (reply,) = school.say("2021002", f"答案是{questions[1].answer}")
    assert reply.text.startswith("回答正确 ✓") and "第3/3题" in reply.text
    (reply,) = school.say("2021002", questions[2].answer.lower())
    assert reply.text.endswith("第1轮知识竞答已全部答完：答对 2/3 题。谢谢参与！")
    (reply,) = school.say("2021002", "A")  # no second attempt
    assert reply.text == "第1轮知识竞答已全部答完：答对 2/3 题。谢谢参与！"
    assert [c for _, c, _ in answers_of(school.db, "2021002")] == [
        wrong,
        questions[1].answer,
        questions[2].answer,
    ]


def test_identity_is_the_bound_account_and_an_unbound_one_is_refused(school):
    school.say("A001", "/答题 开始 2 21:00")
    school.say("2021002", "A")
    school.say("2021101", "B")
    assert [c for _, c, _ in answers_of(school.db, "2021002")] == ["A"]
    assert [c for _, c, _ in answers_of(school.db, "2021101")] == ["B"]
    assert school.say("2021002", "2021101 选C") == []  # no way to name someone else
    (refused,) = school.say("u999", "A")
    assert refused.text == "答题前请先绑定身份：/绑定 学号 姓名"
    assert school.db.execute("SELECT count(*) FROM quiz_answers").fetchone() == (2,)
    assert audit_rows(school.db, "refused")[-1]["actor"] == "sim:u999"
    assert school.say("2021002", "A", "g211") == []  # a letter in a group is no answer


def test_answers_after_the_deadline_are_refused_politely(school):
    school.say("A001", "/答题 开始 2 30分钟")
    school.clock.set(at("2020-02-10", "19:31"))
    (late,) = school.say("2021002", "A")
    assert late.text == (
        "第1轮知识竞答已于2月10日 19:30截止，这次的回答没有计入。谢谢你的参与，下一轮再见！"
    )
    assert school.db.execute("SELECT count(*) FROM quiz_answers").fetchone() == (0,)
    school.clock.set(at("2020-02-12", "08:00"))
    assert school.say("2021002", "A") == []  # days later, a lone letter is just a letter


def test_private_delivery_sends_each_student_the_first_question(school):
    configure(school, delivery="private")
    sent = school.say("A001", "/答题 开始 2")
    private = sorted(s.target for s in sent if s.target != "uA001")
    assert private == ["u2021001", "u2021002", "u2021003", "u2021004", "u2021101", "u2021102",
                       "u2022001", "u2022002"]  # fmt: skip
    assert all(s.text.startswith("【知识竞答 #1】第1/2题") for s in sent if s.target != "uA001")


def test_results_rank_classes_and_name_students_only_when_allowed(school):
    school.say("A001", "/答题 开始 1 21:00")
    right = question_at(school.db, 1, 1).answer
    school.say("2022001", right)
    school.say("2021002", next(x for x in "ABCD" if x != right))
    (board,) = school.say("T001", "/答题 结果")
    assert board.text.splitlines() == [
        "【知识竞答 #1】1题，2人参与。班级排行：",
        "1. 计科1班 平均 1.0 题，参与 1/2（50%）",
        "2. 计科1班 平均 0.0 题，参与 1/4（25%）",
        "3. 计科2班 平均 0.0 题，参与 0/2（0%）",
    ]
    assert "周六" not in board.text
    configure(school, public_student_ranking=True)
    (board,) = school.say("T001", "/答题 结果 1")
    assert board.text.splitlines()[-1] == "个人前十：周六 1题、李四 0题"
    (refused,) = school.say("2021002", "/答题 结果")
    assert refused.text.startswith("/答题 结果 仅限")


def students_120():
    people = []
    for c in range(4):
        for n in range(30):
            sid = f"30{c}{n:03d}"
            people.append(
                (sid, f"学生{c}{n:02d}", "学生", f"医学院/2020级/护理{c + 1}班", None, [])
            )
    return people


def test_a_simulated_round_of_120_students_matches_a_direct_count(db, clock, tmp_path):
    seed(db, [*students_120(), ("A900", "管理员", "管理员", None, None, [])])
    school = School.__new__(School)
    school.db, school.clock, school._n = db, clock, 0
    school.config = Config(base_dir=tmp_path)
    school.pipeline = Pipeline(db, school.config, clock)
    import_bank(db, BANK, clock.now())
    school.say("A900", "/答题 开始 5 21:00")
    round_ = latest_round(db)
    key = [question_at(db, round_.id, n).answer for n in range(1, 6)]
    rng = random.Random(7)
    expected: dict[str, int] = {}
    forms = ("{}", "选{}", "答案是{}", "{}。")
    for sid, *_ in students_120():
        how_many = rng.choice([0, 0, 1, 3, 5, 5])  # some never start, some stop halfway
        right = 0
        for n in range(how_many):
            choice = key[n] if rng.random() < 0.6 else rng.choice("ABCD")
            right += choice == key[n]
            school.say(sid, rng.choice(forms).format(choice))
        if how_many:
            expected[sid] = right
        if how_many == 5 and rng.random() < 0.5:
            school.say(sid, "A")  # a repeat after the last: never a second attempt
    scores = {sid: right for sid, _, _, right in student_scores(db, round_.id)}
    assert scores == expected
    direct = db.execute(
        """SELECT p.class_id, count(DISTINCT a.person_id), sum(a.correct) FROM quiz_answers a
           JOIN people p ON p.id = a.person_id WHERE a.round_id = ? GROUP BY p.class_id""",
        [round_.id],
    ).fetchall()
    board = {r.class_id: r for r in class_board(db, round_.id)}
    assert len(board) == 4 and all(r.students == 30 for r in board.values())
    for class_id, participants, right in direct:
        assert board[class_id].participants == participants
        assert board[class_id].average == pytest.approx(right / participants)
    assert sum(r.participants for r in board.values()) == len(expected)
    per_question = db.execute(
        "SELECT count(*) FROM quiz_answers GROUP BY person_id, position HAVING count(*) > 1"
    ).fetchall()
    assert per_question == []


def test_the_ledger_workbook_has_a_quiz_sheet_of_classes(school, tmp_path):
    from openpyxl import load_workbook

    from handlers.permissions import descendants
    from storage.export import export_ledger
    from tests.school_factory import node_id

    school.say("A001", "/答题 开始 1 21:00")
    school.say("2021002", question_at(school.db, 1, 1).answer)
    with school.db.atomic():
        path = export_ledger(
            school.db,
            node_ids=descendants(school.db, [node_id(school.db, "计算机学院/2021级")]),
            days=["2020-02-10"],
            path=tmp_path / "ledger.xlsx",
            actor=None,
            via="cli",
            scope_label="计算机学院/2021级",
            now=school.clock.now(),
        )
    sheet = load_workbook(path)["知识竞答"]
    assert [list(r) for r in sheet.iter_rows(values_only=True)] == [
        ["轮次", "开始日期", "题数", "班级", "人数", "参与人数", "参与率", "平均答对"],
        [1, "2020-02-10", 1, "计算机学院/2021级/计科1班", 4, 1, "25%", 1],
        [1, "2020-02-10", 1, "计算机学院/2021级/计科2班", 2, 0, "0%", 0],
    ]


def test_the_retention_purge_removes_old_quiz_answers(school):
    from datetime import date

    from storage.retention import purge

    school.say("A001", "/答题 开始 2 21:00")
    school.say("2021002", "A")
    school.clock.set(at("2020-02-11", "08:00"))
    with school.db.atomic():
        removed = purge(school.db, date(2020, 2, 11), TZ)
    assert removed["quiz_answers"] == 1
    assert school.db.execute("SELECT count(*) FROM quiz_answers").fetchone() == (0,)


def test_the_group_post_carries_the_first_question_answered_privately(school):
    sent = school.say("A001", "/答题 开始 2 21:00")
    post = next(s for s in sent if s.target == "g211")
    first = question_at(school.db, 1, 1)
    assert "第1/2题" in post.text and first.question in post.text
    (reply,) = school.say("2021002", first.answer)  # straight from the group post
    assert reply.text.startswith("回答正确 ✓") and "第2/2题" in reply.text
