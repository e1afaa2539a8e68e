"""`pingan token create|list|revoke`: the token alone on the last line, hashed, revocable."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.cli import main
from storage.db import open_db
from storage.tokens import check_token
from tests.web_helpers import seed_school

NOW = datetime(2020, 2, 10, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def _setup(tmp_path):
    config = tmp_path / "config.yaml"
    config.write_text("storage: {path: school.db}\nweb: {port: 8123}\n", encoding="utf-8")
    db = open_db(tmp_path / "school.db")
    seed_school(db)
    db.close()
    return str(config)


def test_create_prints_the_login_link_and_the_token_last(tmp_path, capsys):
    config = _setup(tmp_path)
    assert main(["token", "--config", config, "create", "T01", "--days", "7"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    token = lines[-1]
    assert token.startswith("pa_") and " " not in token
    assert lines[0].startswith("令牌 #1：王老师（T01），有效期至 ")
    assert lines[1] == f"登录链接：http://127.0.0.1:8123/login?token={token}"
    db = open_db(tmp_path / "school.db")
    try:
        assert check_token(db, token, NOW).person_id == "T01"
        assert token not in str(db.execute("SELECT * FROM web_tokens").fetchall())
    finally:
        db.close()


def test_list_and_revoke(tmp_path, capsys):
    config = _setup(tmp_path)
    main(["token", "--config", config, "create", "T01", "--label", "王老师手机"])
    main(["token", "--config", config, "create", "T02"])
    capsys.readouterr()
    assert main(["token", "--config", config, "list"]) == 0
    out = capsys.readouterr().out.splitlines()
    header = ["编号", "学号/工号", "姓名", "状态", "有效期至", "最近使用", "备注"]
    assert out[0].split("\t") == header
    assert out[1].split("\t")[:4] == ["1", "T01", "王老师", "有效"]
    assert out[1].endswith("王老师手机")
    assert main(["token", "--config", config, "revoke", "1"]) == 0
    assert capsys.readouterr().out.strip() == "令牌 #1 已吊销"
    main(["token", "--config", config, "revoke", "1"])
    assert capsys.readouterr().out.strip() == "令牌 #1 早已吊销"
    main(["token", "--config", config, "revoke", "--person", "T02"])
    assert capsys.readouterr().out.strip() == "已吊销 T02 的 1 个令牌"
    main(["token", "--config", config, "list"])
    states = [ln.split("\t")[3] for ln in capsys.readouterr().out.splitlines()[1:]]
    assert states == ["已吊销", "已吊销"]


def test_unknown_person_or_token_is_a_one_line_error(tmp_path, capsys):
    config = _setup(tmp_path)
    assert main(["token", "--config", config, "create", "NOBODY"]) == 1
    assert capsys.readouterr().err.strip() == "pingan token: 名单里没有学号/工号 'NOBODY'"
    assert main(["token", "--config", config, "revoke", "9"]) == 1
    assert capsys.readouterr().err.strip() == "pingan token: 没有编号为 9 的令牌"


def test_config_may_follow_the_arguments(tmp_path, capsys):
    """`pingan token create T01 --config c.yaml`: where a new user puts it first try."""
    config = _setup(tmp_path)
    assert main(["token", "create", "T01", "--config", config]) == 0
    assert capsys.readouterr().out.startswith("令牌 #1：王老师（T01）")
    assert main(["token", "list", "--config", config]) == 0
    assert "\tT01\t王老师\t有效\t" in capsys.readouterr().out
    assert main(["token", "revoke", "1", "--config", config]) == 0
    assert capsys.readouterr().out.strip() == "令牌 #1 已吊销"
