"""Quiz rounds and answers: which questions a round asks, who answered what, and the results.

Results are plain SQL counts over `quiz_answers`, so the summary, the dashboard and the ledger
agree with each other and with anyone who counts the table by hand.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime

from storage.backend import Database
from storage.db import inserted_id
from storage.roster_rows import STUDENT_ROLES  # who takes part in the quiz (staff do not)


@dataclass(frozen=True, slots=True)
class Question:
    id: int
    question: str
    options: tuple[str, str, str, str]
    answer: str
    explanation: str
    category: str


@dataclass(frozen=True, slots=True)
class Round:
    id: int
    opened_at: str
    deadline: str
    delivery: str
    size: int

    def open_at(self, now: datetime) -> bool:
        return datetime.fromisoformat(self.deadline) > now


@dataclass(frozen=True, slots=True)
class ClassResult:
    class_id: int
    name: str
    students: int
    participants: int
    average: float  # questions right per participant

    @property
    def participation(self) -> float:
        return self.participants / self.students if self.students else 0.0


_QUESTION = (
    "SELECT q.id, q.question, q.option_a, q.option_b, q.option_c, q.option_d, q.answer,"
    " q.explanation, q.category FROM quiz_questions q"
)


def _question(row: tuple) -> Question:
    qid, question, a, b, c, d, answer, explanation, category = row
    return Question(qid, question, (a, b, c, d), answer, explanation, category)


def active_questions(db: Database) -> int:
    return db.execute("SELECT count(*) FROM quiz_questions WHERE active = 1").fetchone()[0]


def open_round(
    db: Database,
    now: datetime,
    deadline: datetime,
    size: int,
    delivery: str,
    opened_by: str | None,
) -> Round:
    """A new round of `size` questions drawn from the active bank (a different draw each
    round; the order is kept in quiz_round_questions). The caller owns the transaction."""
    ids = [r[0] for r in db.execute("SELECT id FROM quiz_questions WHERE active = 1 ORDER BY id")]
    size = min(size, len(ids))
    cursor = db.execute(
        "INSERT INTO quiz_rounds (opened_at, opened_by, deadline, delivery) VALUES (?, ?, ?, ?)",
        [now.isoformat(), opened_by, deadline.isoformat(), delivery],
    )
    round_id = inserted_id(cursor)
    chosen = random.Random(round_id).sample(ids, size)
    db.conn.executemany(
        "INSERT INTO quiz_round_questions (round_id, position, question_id) VALUES (?, ?, ?)",
        [(round_id, n, qid) for n, qid in enumerate(chosen, start=1)],
    )
    return Round(round_id, now.isoformat(), deadline.isoformat(), delivery, size)


def _round(db: Database, where: str, args: list) -> Round | None:
    row = db.execute(
        "SELECT r.id, r.opened_at, r.deadline, r.delivery,"
        " (SELECT count(*) FROM quiz_round_questions q WHERE q.round_id = r.id)"
        f" FROM quiz_rounds r {where} ORDER BY r.id DESC LIMIT 1",
        args,
    ).fetchone()
    return Round(*row) if row else None


def latest_round(db: Database) -> Round | None:
    return _round(db, "", [])


def get_round(db: Database, round_id: int) -> Round | None:
    return _round(db, "WHERE r.id = ?", [round_id])


def close_round(db: Database, round_id: int, now: datetime) -> None:
    db.execute(
        "UPDATE quiz_rounds SET deadline = min(deadline, ?) WHERE id = ?",
        [now.isoformat(), round_id],
    )


def question_at(db: Database, round_id: int, position: int) -> Question | None:
    row = db.execute(
        _QUESTION + " JOIN quiz_round_questions r ON r.question_id = q.id"
        " WHERE r.round_id = ? AND r.position = ?",
        [round_id, position],
    ).fetchone()
    return _question(row) if row else None


def answered(db: Database, round_id: int, person_id: str) -> tuple[int, int]:
    """(questions answered, answered right) by the student in the round."""
    row = db.execute(
        "SELECT count(*), coalesce(sum(correct), 0) FROM quiz_answers"
        " WHERE round_id = ? AND person_id = ?",
        [round_id, person_id],
    ).fetchone()
    return row[0], row[1]


def record_answer(
    db: Database,
    round_id: int,
    person_id: str,
    class_id: int | None,
    position: int,
    choice: str,
    correct: bool,
    now: datetime,
) -> bool:
    """Store one answer; False when the student already answered that question."""
    cursor = db.execute(
        "INSERT INTO quiz_answers (round_id, person_id, position, class_id, choice,"
        " correct, answered_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        [round_id, person_id, position, class_id, choice, int(correct), now.isoformat()],
    )
    return cursor.rowcount == 1


@dataclass(frozen=True, slots=True)
class QuizClassRow:
    """One line of the ledger's 知识竞答 sheet: a round's result for one class."""

    round_id: int
    opened_day: str
    questions: int
    class_path: str
    students: int
    participants: int
    average: float


def quiz_rows(
    db: Database, first_day: str, last_day: str, class_ids: list[int]
) -> list[QuizClassRow]:
    """Each round opened from `first_day` to `last_day` (by its opening time's date), per
    class among `class_ids`, in round then path order."""
    wanted = set(class_ids)
    paths = dict(db.execute("SELECT id, path FROM nodes WHERE kind = 'class'").fetchall())
    rows = []
    for round_id, opened_at in db.execute(
        "SELECT id, opened_at FROM quiz_rounds WHERE substr(opened_at, 1, 10) BETWEEN ? AND ?"
        " ORDER BY id",
        [first_day, last_day],
    ).fetchall():
        found = get_round(db, round_id)
        assert found is not None
        for result in class_board(db, round_id):
            if result.class_id in wanted:
                rows.append(
                    QuizClassRow(
                        round_id,
                        opened_at[:10],
                        found.size,
                        paths.get(result.class_id, result.name),
                        result.students,
                        result.participants,
                        result.average,
                    )
                )
    rows.sort(key=lambda r: (r.round_id, r.class_path))
    return rows


def student_scores(db: Database, round_id: int) -> list[tuple[str, str, int, int]]:
    """(学号, 姓名, answered, right) of every student who took part, best first."""
    return [
        tuple(r)
        for r in db.execute(
            "SELECT a.person_id, p.name, count(*), sum(a.correct) FROM quiz_answers a"
            " JOIN people p ON p.id = a.person_id WHERE a.round_id = ?"
            " GROUP BY a.person_id, p.name"
            " ORDER BY sum(a.correct) DESC, max(a.answered_at), a.person_id",
            [round_id],
        )
    ]


def class_board(db: Database, round_id: int) -> list[ClassResult]:
    """Every class with students: its size, how many took part and their average score,
    ranked by average score, then participation. A class where nobody took part is last."""
    marks = ",".join("?" * len(STUDENT_ROLES))
    rows = db.execute(
        f"""
        WITH sizes AS (
            SELECT class_id, count(*) AS students FROM people
            WHERE active = 1 AND class_id IS NOT NULL AND role IN ({marks}) GROUP BY class_id
        ), scores AS (
            SELECT class_id, person_id, sum(correct) AS score FROM quiz_answers
            WHERE round_id = ? GROUP BY class_id, person_id
        )
        SELECT s.class_id, n.name, s.students, count(sc.person_id),
               coalesce(avg(sc.score), 0.0)
        FROM sizes s JOIN nodes n ON n.id = s.class_id
        LEFT JOIN scores sc ON sc.class_id = s.class_id
        GROUP BY s.class_id, n.name, s.students
        """,
        [*STUDENT_ROLES, round_id],
    ).fetchall()
    board = [ClassResult(*r) for r in rows]
    board.sort(key=lambda c: (-c.average, -c.participation, c.name, c.class_id))
    return board
