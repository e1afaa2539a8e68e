"""Small roster files for tests, written as an admin would write them."""

from __future__ import annotations

import csv
from pathlib import Path


def row(text: str) -> list[str]:
    """A roster row written as the CSV line an admin would type."""
    return text.split(",")


HEADER = row("学号,姓名,学院,年级,班级,宿舍,角色,负责,微信,QQ,重点群体")

BASE = [
    row("T1,周建国,计算机学院,,,,辅导员,计算机学院/2021级,wxid_zhou01,,"),
    row("1001,张三,计算机学院,2021级,计科1班,12栋305,班长,,,10001,"),
    row("1002,李四,计算机学院,2021级,计科1班,12栋305,宿舍长,,,10002,湖北籍"),
    row("1003,王五,计算机学院,2021级,计科2班,12栋306,,,wxid_wang05,,"),
    row("1004,赵敏,计算机学院,2021级,计科2班,5栋201,学生,,,,留校;湖北籍"),
]  # fmt: skip


def write_csv(path: Path, rows: list[list[str]], *, header=HEADER, encoding="utf-8") -> Path:
    with open(path, "w", encoding=encoding, newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_xlsx(path: Path, rows: list[list[object]], *, header=HEADER) -> Path:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path
