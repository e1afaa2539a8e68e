"""Regenerate the sample roster and duty roster (package data in bot/defaults/, linked from
examples/) and examples/roster.xlsx.

The sample is one college (计算机学院), two grades, two classes each, 30 students a class,
with class monitors, dorm heads, grade counselors, duty staff, an admin and a few key-group
tags. It is deterministic: rerunning gives byte-identical CSV files.

    .venv/bin/python scripts/make_sample_roster.py
"""

from __future__ import annotations

import csv
import random
from datetime import date, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples"
DEFAULTS = REPO / "bot" / "defaults"  # what `pingan demo` reads, installed or not
COLLEGE = "计算机学院"
GRADES = ("2021级", "2022级")
CLASSES = ("计科1班", "计科2班")
PER_CLASS = 30
HEADER = ["学号", "姓名", "学院", "年级", "班级", "宿舍", "角色", "负责", "微信", "QQ", "重点群体"]

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏"
    "魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵"
)
MALE = [
    "浩然",
    "子豪",
    "宇轩",
    "俊杰",
    "博文",
    "文轩",
    "志强",
    "一鸣",
    "天宇",
    "明轩",
    "泽宇",
    "子墨",
    "昊天",
    "靖宇",
    "家乐",
    "文博",
    "宇辰",
    "皓轩",
    "锦程",
    "志远",
    "鹏飞",
    "振宇",
    "思源",
    "嘉豪",
    "宇航",
    "晨阳",
    "建华",
    "少华",
    "磊",
    "鑫",
    "帅",
    "浩",
    "杰",
    "超",
    "涛",
    "斌",
    "凯",
    "飞",
    "强",
    "旭",
]
FEMALE = [
    "欣怡",
    "诗涵",
    "雨萱",
    "思雨",
    "佳怡",
    "嘉怡",
    "梦瑶",
    "佳琪",
    "欣然",
    "心怡",
    "诗琪",
    "晨曦",
    "晓彤",
    "婉婷",
    "雅琪",
    "可馨",
    "思琪",
    "梓涵",
    "紫萱",
    "若曦",
    "梦琪",
    "怡然",
    "佳慧",
    "静怡",
    "雨晴",
    "晓雯",
    "雨桐",
    "子涵",
    "琳",
    "婷",
    "悦",
    "颖",
    "倩",
    "娜",
    "敏",
    "静",
    "丹",
    "璐",
    "蕾",
]
# Same-name pairs across classes are ordinary in a big college; the matcher must cope.
SHARED_NAMES = {("2021级", "计科1班"): ["王磊", "李娜"], ("2022级", "计科2班"): ["王磊", "李娜"]}
MALE_HALLS, FEMALE_HALLS = ("12栋", "13栋"), ("5栋", "6栋")
KEY_GROUPS = ("湖北籍", "留校", "湖北籍;留校", "14天内途经湖北", "留校", "14天内接触湖北人员")

STAFF = [
    # 工号, 姓名, 角色, 负责
    ("T1001", "周建国", "辅导员", f"{COLLEGE}/2021级"),
    ("T1002", "刘晓燕", "辅导员", f"{COLLEGE}/2022级"),
    ("T2001", "孙文静", "值班辅导员", COLLEGE),
    ("T2002", "马志刚", "值班辅导员", COLLEGE),
    ("T2003", "郭丽华", "值班辅导员", COLLEGE),
    ("T3001", "陈国栋", "值班党员", COLLEGE),
    ("T3002", "林秀梅", "值班党员", COLLEGE),
    ("T3003", "何卫东", "值班党员", COLLEGE),
    ("T9001", "黄海涛", "管理员", COLLEGE),
]


def _qq(rng: random.Random) -> str:
    return str(rng.randint(10**8, 3 * 10**9))


def _wxid(rng: random.Random) -> str:
    return "wxid_" + "".join(rng.choice("abcdefghijkmnpqrstuvwxyz23456789") for _ in range(14))


def students(rng: random.Random) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    rooms = {"m": 301, "f": 201}
    for grade in GRADES:
        for class_no, klass in enumerate(CLASSES, start=1):
            used: set[str] = set()
            names: list[tuple[str, str]] = []
            for shared in SHARED_NAMES.get((grade, klass), []):
                used.add(shared)
                names.append((shared, "m" if shared == "王磊" else "f"))
            while len(names) < PER_CLASS:
                sex = "m" if rng.random() < 0.6 else "f"
                name = rng.choice(SURNAMES) + rng.choice(MALE if sex == "m" else FEMALE)
                if name not in used:
                    used.add(name)
                    names.append((name, sex))
            rng.shuffle(names)
            class_rows: list[dict[str, str]] = []
            for sex in ("m", "f"):
                members = [n for n, s in names if s == sex]
                halls = MALE_HALLS if sex == "m" else FEMALE_HALLS
                for i, name in enumerate(members):
                    if i % 4 == 0:
                        rooms[sex] += 1
                    hall = halls[GRADES.index(grade)]
                    role = "宿舍长" if i % 4 == 0 else "学生"
                    class_rows.append({"姓名": name, "宿舍": f"{hall}{rooms[sex]}", "角色": role})
            rng.shuffle(class_rows)
            next(r for r in class_rows if r["角色"] == "学生")["角色"] = "班长"
            for seq, row in enumerate(class_rows, start=1):
                year = grade[:4]
                row.update(
                    学号=f"{year}21{class_no:02d}{seq:02d}",
                    学院=COLLEGE,
                    年级=grade,
                    班级=klass,
                    负责="",
                    QQ=_qq(rng) if rng.random() < 0.92 else "",
                    微信=_wxid(rng) if rng.random() < 0.5 else "",
                    重点群体="",
                )
            rows.extend(sorted(class_rows, key=lambda r: r["学号"]))
    for row, tags in zip(rng.sample(rows, len(KEY_GROUPS)), KEY_GROUPS, strict=True):
        row["重点群体"] = tags
    return rows


def staff(rng: random.Random) -> list[dict[str, str]]:
    return [
        {
            "学号": pid,
            "姓名": name,
            "学院": COLLEGE,
            "年级": "",
            "班级": "",
            "宿舍": "",
            "角色": role,
            "负责": resp,
            "微信": _wxid(rng),
            "QQ": _qq(rng),
            "重点群体": "",
        }
        for pid, name, role, resp in STAFF
    ]


def duty_rows() -> list[list[str]]:
    counselors = [s[0] for s in STAFF if s[2] == "值班辅导员"]
    officers = [s[0] for s in STAFF if s[2] == "值班党员"]
    start = date(2020, 2, 1)
    return [
        [(start + timedelta(days=i)).isoformat(), counselors[i % 3], officers[(i + 1) % 3]]
        for i in range(60)
    ]


def main() -> None:
    rng = random.Random(2020)
    rows = staff(rng) + students(rng)
    EXAMPLES.mkdir(exist_ok=True)
    with open(DEFAULTS / "roster.csv", "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, HEADER, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    with open(DEFAULTS / "duty.csv", "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["日期", "值班辅导员", "值班党员"])
        writer.writerows(duty_rows())

    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "花名册"
    sheet.append(HEADER)
    for row in rows:
        sheet.append([row[h] for h in HEADER])
    book.save(EXAMPLES / "roster.xlsx")
    print(f"wrote {len(rows)} people to {DEFAULTS}/roster.csv and duty.csv, {EXAMPLES}/roster.xlsx")


if __name__ == "__main__":
    main()
