import pytest

from bot.cli import main
from core.config import load_config
from core.errors import ConfigError
from tests.conftest import REPO


def test_repo_default_config_is_valid():
    config = load_config(REPO / "config.yaml")
    assert config.adapters.sim.enabled
    assert config.timezone == "Asia/Shanghai"
    assert config.db_path == REPO / "pingan.db"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("checkin:\n  nags: ['10:00', '25:00']\n", 'checkin.nags[1]: 时间应写成带引号的 "HH:MM"'),
        ("groups:\n  - {platform: qq, chat: 1, node: a/b, purpose: chat}\n", "groups[0].purpose"),
        ("timezone: Mars/Base\n", "timezone: 应是 IANA 时区名"),
        ("colour: blue\n", "colour: 未知的键"),
        ("checkin: [1, 2\n", "不是有效的 YAML"),
        ("- a\n- b\n", "顶层应是「键: 值」形式的设置"),
        ("privacy: {retention_days: 0}\n", "privacy.retention_days"),
    ],
)
def test_config_errors_name_file_key_and_expectation(tmp_path, text, expected):
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert str(path) in str(err.value)
    assert expected in str(err.value)


def test_missing_config_file(tmp_path):
    with pytest.raises(ConfigError, match="文件不存在"):
        load_config(tmp_path / "nope.yaml")


def test_help_lists_every_interface_command(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    for name in ("demo", "run", "parse", "roster", "export", "token", "bench"):
        assert name in out


@pytest.mark.parametrize("text", ["", "# only a comment\n", "\n\n"])
def test_an_empty_config_is_refused_not_run_on_defaults(tmp_path, text):
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match="文件里没有任何设置"):
        load_config(path)


@pytest.mark.parametrize(
    ("line", "key", "quoted"),
    [("opens: 7:30", "checkin.opens", '"07:30"'), ("summary: 21:00", "checkin.summary", '"21:00"'),
     ("nags: [10:00]", "checkin.nags[0]", '"10:00"')],
)  # fmt: skip
def test_an_unquoted_time_read_as_a_number_gets_the_hint_to_quote_it(tmp_path, line, key, quoted):
    """YAML 1.1 reads 7:30 as 450 (base 60): the admin is told why, and what to write."""
    path = tmp_path / "config.yaml"
    path.write_text(f"checkin:\n  {line}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert str(err.value).startswith(f"{path}: {key}: YAML 把不带引号的")
    assert f"请给时间加上引号，写成 {quoted}" in str(err.value)


def test_every_problem_line_starts_with_the_file_name(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text(
        "checkin:\n  opens: 7:30\n  nags: ['10:00', '25:00']\n  days: sometimes\n"
        "web: {port: abc}\ncolour: blue\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as err:
        load_config(path)
    lines = str(err.value).splitlines()
    assert len(lines) == 5
    assert all(line.startswith(f"{path}: ") for line in lines), lines
    assert f"{path}: web.port: 应是整数，收到 'abc'" in lines


def test_a_group_on_a_node_missing_from_the_roster_names_the_file(tmp_path):
    from storage.chats import bind_groups
    from storage.db import open_db

    path = tmp_path / "school.yaml"
    path.write_text(
        "storage: {path: s.db}\ngroups:\n"
        "  - {platform: qq, chat: '1', node: 无此学院/2021级, purpose: class}\n",
        encoding="utf-8",
    )
    config = load_config(path)
    db = open_db(config.db_path)
    with pytest.raises(ConfigError) as err:
        bind_groups(db, config)
    db.close()
    assert str(err.value).startswith(f"{path}: groups[0].node: 节点 '无此学院/2021级' 不在花名册里")


@pytest.mark.parametrize("page", ["README.md", "docs/config.md"])
def test_the_documented_config_error_is_the_real_one(tmp_path, capsys, monkeypatch, page):
    """The example in the docs is what `pingan run` prints for the file it describes."""
    text = (REPO / page).read_text(encoding="utf-8")
    shown = [ln.strip().removeprefix("pingan run: ") for ln in text.splitlines()
             if "checkin.opens: YAML" in ln or "checkin.nags[1]:" in ln]  # fmt: skip
    assert len(shown) == 2
    name = shown[0].split(":")[0]
    monkeypatch.chdir(tmp_path)
    (tmp_path / name).write_text(
        'checkin:\n  opens: 7:30\n  nags: ["10:00", "25:00"]\n', encoding="utf-8"
    )
    assert main(["run", "--config", name]) == 1
    assert capsys.readouterr().err.strip().removeprefix("pingan run: ").splitlines() == shown
