"""Bad input never crashes and never loses data: a one-line reason and a non-zero exit from
the CLI, a short Chinese reply in chat."""

from __future__ import annotations

import io
import sys
import zipfile

import pytest

from bot.cli import main
from tests.commands_helpers import School
from tests.roster_helpers import BASE, write_csv, write_xlsx


@pytest.fixture
def config(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text(f"storage: {{path: {tmp_path / 'p.db'}}}\n", encoding="utf-8")
    return path


def truncated_sheet(path, tmp_path):
    """An .xlsx whose zip is whole but whose sheet XML stops half-way (a save cut short)."""
    whole = write_xlsx(tmp_path / "whole.xlsx", BASE)
    with zipfile.ZipFile(whole) as src, zipfile.ZipFile(path, "w") as out:
        for info in src.infolist():
            data = src.read(info)
            out.writestr(info, data[: len(data) // 2] if "sheet1" in info.filename else data)
    return path


def csv_cut_in_a_quoted_cell(path, tmp_path):
    whole = write_csv(tmp_path / "whole.csv", BASE).read_text(encoding="utf-8")
    path.write_text(whole + '2021009,孙七,计算机学院,2021级,"计科1', encoding="utf-8")
    return path


def csv_cut_in_a_character(path, tmp_path):
    data = write_csv(tmp_path / "whole.csv", BASE).read_bytes()
    path.write_bytes(data + "孙".encode()[:2])
    return path


@pytest.mark.parametrize(
    "name, make, reason",
    [
        ("cut.xlsx", truncated_sheet, ".xlsx 文件已损坏"),
        ("cut.csv", csv_cut_in_a_quoted_cell, "第7行不是有效的 CSV"),
        ("cut2.csv", csv_cut_in_a_character, "文件在末尾被截断"),
    ],
)
def test_a_half_written_roster_is_refused_in_one_line_and_nothing_is_written(
    tmp_path, config, capsys, name, make, reason
):
    good = write_csv(tmp_path / "good.csv", BASE)
    assert main(["roster", "import", str(good), "--config", str(config)]) == 0
    capsys.readouterr()
    bad = make(tmp_path / name, tmp_path)
    assert main(["roster", "import", str(bad), "--config", str(config)]) == 1
    err = capsys.readouterr().err
    assert reason in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    from storage.db import open_db

    db = open_db(tmp_path / "p.db")
    assert db.execute("SELECT count(*) FROM people WHERE active = 1").fetchone()[0] == len(BASE)
    db.close()


@pytest.mark.parametrize(
    "args, reason",
    [
        (["--roster", "{junk}.xlsx"], "不是可读的 .xlsx 文件"),
        (["--roster", "{cut}"], ".xlsx 文件已损坏"),
        (["--eval", "{junk}.jsonl"], "不是 UTF-8 编码的 JSON Lines 语料"),
        (["--eval", "{missing}"], "无法读取（No such file or directory）"),
    ],
)
def test_parse_on_binary_or_missing_files_says_why(tmp_path, capsys, monkeypatch, args, reason):
    junk = bytes(range(128, 256)) * 20
    (tmp_path / "junk.xlsx").write_bytes(junk)
    (tmp_path / "junk.jsonl").write_bytes(junk)
    cut = truncated_sheet(tmp_path / "cut.xlsx", tmp_path)
    paths = {"junk": tmp_path / "junk", "cut": cut, "missing": tmp_path / "none.jsonl"}
    monkeypatch.setattr(sys, "stdin", io.StringIO('{"text": "张三 36.5"}\n'))
    assert main(["parse", *(a.format(**paths) for a in args)]) == 1
    err = capsys.readouterr().err
    assert reason in err and "Traceback" not in err


@pytest.mark.parametrize(
    "text",
    [
        "/回执 99999999999999999999999",
        "/回执 ²",
        "/统计 " + "x" * 20000,
        "/补报 " + "发烧" * 10000,
        "/广播 全体 " + "开会" * 1000,
        "/确认绑定 " + "1" * 5000,
        "/广播 全体 " + "开" * 1001,
    ],
)
def test_malformed_or_huge_arguments_get_a_short_answer(db, clock, tmp_path, text):
    school = School(db, clock, tmp_path)
    for chat in ("g211", None):
        (reply,) = school.say("T001", text, chat)  # the path never fails (asserted by say)
        assert len(reply.text) < 80, reply.text
        assert reply.text.startswith(("没有编号为", "/", "通知内容太长"))
    assert db.execute("SELECT count(*) FROM broadcasts").fetchone()[0] == 0


@pytest.mark.parametrize(
    "argv, reason, code",
    [
        (["export", "-o", "{tmp}/o.xlsx", "--from", "1900-01-01", "--to", "2100-01-01"],
         "一次最多导出 92 天（这次 73050 天）", 1),
        (["duty", "show", "--days", "99999999999"], "天数应在 1–366 之间", 2),
        (["duty", "show", "--days", "abc"], "天数应是整数", 2),
    ],
)  # fmt: skip
def test_cli_ranges_beyond_reason_are_refused_in_one_line(
    tmp_path, config, capsys, argv, reason, code
):
    argv = [a.format(tmp=tmp_path) for a in argv] + ["--config", str(config)]
    if code == 2:
        with pytest.raises(SystemExit) as exit_:
            main(argv)
        assert exit_.value.code == 2
    else:
        assert main(argv) == code
    err = capsys.readouterr().err
    assert reason in err and "Traceback" not in err
    assert not (tmp_path / "o.xlsx").exists()
