import pytest

from bot.cli import main
from bot.config import load_config
from bot.errors import ConfigError
from tests.conftest import REPO


def test_repo_default_config_is_valid():
    config = load_config(REPO / "config.yaml")
    assert config.adapters.sim.enabled
    assert config.timezone == "Asia/Shanghai"
    assert config.db_path == REPO / "pingan.db"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("checkin:\n  nags: ['10:00', '25:00']\n", "checkin.nags: expected a time HH:MM"),
        ("groups:\n  - {platform: qq, chat: 1, node: a/b, purpose: chat}\n", "groups[0].purpose"),
        ("timezone: Mars/Base\n", "timezone: expected an IANA time zone"),
        ("colour: blue\n", "colour: unknown key"),
        ("checkin: [1, 2\n", "not valid YAML"),
        ("- a\n- b\n", "expected a mapping"),
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
    with pytest.raises(ConfigError, match="file not found"):
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
    with pytest.raises(ConfigError, match="holds no settings"):
        load_config(path)
