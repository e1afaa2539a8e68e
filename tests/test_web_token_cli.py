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
    assert lines[0].startswith("token #1 for 王老师 (T01), valid until ")
    assert lines[1] == f"login link: http://127.0.0.1:8123/login?token={token}"
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
    assert out[0].split("\t") == ["id", "person", "name", "state", "expires", "last_used", "label"]
    assert out[1].split("\t")[:4] == ["1", "T01", "王老师", "active"]
    assert out[1].endswith("王老师手机")
    assert main(["token", "--config", config, "revoke", "1"]) == 0
    assert capsys.readouterr().out.strip() == "token #1 revoked"
    main(["token", "--config", config, "revoke", "1"])
    assert capsys.readouterr().out.strip() == "token #1 was already revoked"
    main(["token", "--config", config, "revoke", "--person", "T02"])
    assert capsys.readouterr().out.strip() == "revoked 1 token(s) of T02"
    main(["token", "--config", config, "list"])
    states = [ln.split("\t")[3] for ln in capsys.readouterr().out.splitlines()[1:]]
    assert states == ["revoked", "revoked"]


def test_unknown_person_or_token_is_a_one_line_error(tmp_path, capsys):
    config = _setup(tmp_path)
    assert main(["token", "--config", config, "create", "NOBODY"]) == 1
    assert (
        capsys.readouterr().err.strip() == "pingan token: no person with id 'NOBODY' in the roster"
    )
    assert main(["token", "--config", config, "revoke", "9"]) == 1
    assert capsys.readouterr().err.strip() == "pingan token: no token with id 9"
