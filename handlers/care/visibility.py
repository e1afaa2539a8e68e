"""Who may read which 心理 case: the student's counselor, the duty counselor, the psychologists.

Admins and the duty officer are deliberately not in the list: a 心理 case is between the
student and the people trained and responsible for it.
"""

from __future__ import annotations

from handlers.context import Person
from handlers.permissions import (
    COUNSELOR,
    DUTY_COUNSELOR,
    PSYCHOLOGIST,
    on_duty,
    school_nodes,
    scope,
)
from storage.backend import Database
from storage.care import CareCase, open_cases

READERS: tuple[str, ...] = (COUNSELOR, DUTY_COUNSELOR, PSYCHOLOGIST)


def visible_cases(db: Database, person: Person, day: str) -> list[CareCase]:
    """Open 心理 cases `person` may read today: all of their school for a psychologist and
    for the duty counselor on a duty day (docs/schools.md), otherwise those of students in
    the classes they are responsible for."""
    if person.role not in READERS:
        return []
    found = open_cases(db)
    duty_today = person.role == DUTY_COUNSELOR and on_duty(db, person.id, day)
    if person.role == PSYCHOLOGIST or duty_today:
        school = school_nodes(db, person.id)
        return [case for case in found if case.class_id is None or case.class_id in school]
    nodes = scope(db, person, day)
    return [case for case in found if case.class_id in nodes]
