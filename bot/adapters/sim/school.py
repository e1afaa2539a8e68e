"""A synthetic university for the benchmarks: N students in G class groups, a roster file,
a config binding one QQ group per class, and realistic single-line check-ins.

Everything is seeded, so two runs with the same arguments send the same words. Names are
unique within a class (a real class has the odd namesake; the benchmarks measure the path,
not the ambiguity prompt). Every student's QQ number is bound through the roster's QQ column,
so a check-in is credited to its sender.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.adapters.sim.students import ABNORMAL, CITIES, NAMELESS, NORMAL, ON_CAMPUS

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"  # noqa: E501
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超霞平刚桂华玉萍红鹏飞宇浩凯健俊帆帅旭宁龙林欣悦琳晨雪婷倩颖佳嘉怡瑶璐博文斌峰亮晓东海波志建新春兰梅琴云莉宏鑫"  # noqa: E501
COLLEGES = (
    "计算机学院", "电子学院", "机械学院", "经管学院",
    "外国语学院", "数学学院", "化学学院", "土木学院",
)  # fmt: skip
GRADES = ("2019级", "2020级", "2021级", "2022级")
GROUP_BASE = 800_000  # QQ group numbers: GROUP_BASE + class index
QQ_BASE = 3_000_000_000  # students' QQ numbers: QQ_BASE + student index
ROOM_SIZE = 4  # students per dormitory room


@dataclass(frozen=True, slots=True)
class Student:
    person_id: str
    name: str
    qq: str
    group: str  # the QQ group of their class


@dataclass(slots=True)
class School:
    students: list[Student]
    groups: list[dict[str, str]]  # config `groups:` entries
    roster: Path


def _names(rng: random.Random, count: int) -> list[str]:
    seen: set[str] = set()
    out: list[str] = []
    while len(out) < count:
        given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")
        name = rng.choice(SURNAMES) + given
        if name not in seen:
            seen.add(name)
            out.append(name)
    return out


def build_school(directory: Path, students: int, classes: int, seed: int = 2020) -> School:
    """Write `roster.csv` into `directory` and describe the class groups (one per class)."""
    rng = random.Random(seed)
    per_class = [students // classes + (1 if i < students % classes else 0) for i in range(classes)]
    rows: list[list[str]] = []
    out: list[Student] = []
    groups: list[dict[str, str]] = []
    index = 0
    for c, size in enumerate(per_class):
        college = COLLEGES[c % len(COLLEGES)]
        grade = GRADES[(c // len(COLLEGES)) % len(GRADES)]
        klass = f"{college[:2]}{c + 1}班"
        path = f"{college}/{grade}/{klass}"
        group = str(GROUP_BASE + c)
        groups.append({"platform": "qq", "chat": group, "node": path, "purpose": "class"})
        for name in _names(rng, size):
            pid = f"S{index + 1:07d}"
            qq = str(QQ_BASE + index)
            room = index // ROOM_SIZE  # roommates are classmates, as usually assigned
            dorm = f"{1 + room // 400}栋{100 + room % 400}"
            rows.append([pid, name, college, grade, klass, dorm, "学生", qq])
            out.append(Student(pid, name, qq, group))
            index += 1
    roster = directory / "roster.csv"
    with roster.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["学号", "姓名", "学院", "年级", "班级", "宿舍", "角色", "QQ"])
        writer.writerows(rows)
    return School(out, groups, roster)


def checkin_text(rng: random.Random, student: Student) -> str:
    """One realistic single-line check-in, the simulator's templates and habits."""
    abnormal = rng.random() < 0.03
    if abnormal:
        t = f"{rng.uniform(37.3, 38.6):.1f}"
        template = rng.choice(ABNORMAL)
    else:
        t = f"{min(max(rng.gauss(36.5, 0.2), 35.9), 37.1):.1f}"
        template = rng.choice(NAMELESS if rng.random() < 0.2 else NORMAL)
    home = rng.choice(ON_CAMPUS) if rng.random() < 0.3 else f"在家（{rng.choice(CITIES)}）"
    return template.format(n=student.name, t=t, l=home)


def write_config(
    path: Path, school: School, db_path: Path, onebot: list[dict[str, Any]], **extra: Any
) -> Path:
    """A `pingan run` config: the school's roster and groups, the given OneBot connections, no
    web dashboard (the benchmarks measure the message path)."""
    config: dict[str, Any] = {
        "timezone": "Asia/Shanghai",
        "storage": {"path": str(db_path)},
        "roster": str(school.roster),
        "groups": school.groups,
        "adapters": {"sim": {"enabled": False}, "onebot": onebot, "wechaty": []},
        "web": {"enabled": False},
        **extra,
    }
    path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path
