"""Every command that reads the config takes --config anywhere, after its arguments too."""

from __future__ import annotations

import argparse

import pytest

from bot.cli import build_parser, main


def _leaves(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()):
    """(command path, parser, whether an ancestor takes --config) for every runnable parser."""
    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not subs:
        yield path, parser
        return
    for name, child in subs[0].choices.items():
        yield from _leaves(child, (*path, name))


def _takes_config(parser: argparse.ArgumentParser) -> bool:
    return "--config" in parser._option_string_actions


def test_every_action_of_a_configured_command_takes_config_itself():
    top = build_parser()
    (commands,) = [a for a in top._actions if isinstance(a, argparse._SubParsersAction)]
    checked = []
    for name, command in commands.choices.items():
        configured = _takes_config(command) or any(
            _takes_config(leaf) for _, leaf in _leaves(command)
        )
        if not configured:
            continue
        for path, leaf in _leaves(command, (name,)):
            assert _takes_config(leaf), f"pingan {' '.join(path)} lacks --config"
            checked.append(path)
    assert ("token", "create") in checked and ("export",) in checked


def test_config_after_the_arguments_and_before_the_action_both_count():
    parser = build_parser()
    after = parser.parse_args(["token", "create", "T01", "--config", "c.yaml"])
    before = parser.parse_args(["token", "--config", "c.yaml", "create", "T01"])
    default = parser.parse_args(["token", "create", "T01"])
    assert (after.config, before.config, default.config) == ("c.yaml", "c.yaml", "config.yaml")
    for argv in (["roster", "import", "r.csv"], ["duty", "show"], ["keygroups", "import", "k.csv"],
                 ["export", "-o", "x.xlsx"], ["run"]):  # fmt: skip
        assert parser.parse_args([*argv, "--config", "c.yaml"]).config == "c.yaml"


def test_usage_errors_are_in_chinese_like_the_rest(capsys):
    """A forgotten argument reads `缺少参数`, not argparse's English."""
    with pytest.raises(SystemExit) as exited:
        main(["token", "create", "--config", "c.yaml"])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("用法：pingan token create")
    assert err.strip().endswith("pingan token create：错误：缺少参数：PERSON_ID")
    with pytest.raises(SystemExit):
        main(["export", "--date", "2月10日", "-o", "x.xlsx"])
    assert "参数 --date：日期应写成 YYYY-MM-DD，收到 '2月10日'" in capsys.readouterr().err
