"""The docs keep up with the command line (as sqlite-utils' test_docs.py): every command and
subcommand of `pingan --help` has a help text, its `--help` works, and it is named in
README.md or a page of docs/."""

from __future__ import annotations

import argparse

import pytest

from bot.cli import build_parser
from tests.conftest import REPO


def commands(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> list[tuple[tuple[str, ...], str | None]]:
    """(command path, help) for every command and subcommand, depth first."""
    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {a.dest: a.help for a in action._choices_actions}
            for name, sub in action.choices.items():
                found.append(((*path, name), helps.get(name)))
                found += commands(sub, (*path, name))
    return found


COMMANDS = commands(build_parser())


def docs_text() -> str:
    pages = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
    return "\n".join(p.read_text("utf-8") for p in pages if p.exists())


def test_the_tree_has_the_commands_of_interfaces_md():
    top = {path[0] for path, _ in COMMANDS}
    built = {"demo", "run", "parse", "roster", "duty", "keygroups", "export", "token", "bench"}
    assert built <= top
    assert ("bench", "summary") in dict(COMMANDS)


@pytest.mark.parametrize("path,help_text", COMMANDS, ids=[" ".join(p) for p, _ in COMMANDS])
def test_command_has_help_and_is_documented(path, help_text, capsys):
    assert help_text and len(help_text.strip()) >= 10, f"pingan {' '.join(path)} has no help"
    with pytest.raises(SystemExit) as exited:
        build_parser().parse_args([*path, "--help"])
    assert exited.value.code == 0
    assert capsys.readouterr().out.startswith(f"用法：pingan {' '.join(path)}")
    name = "pingan " + " ".join(path)
    assert name in docs_text(), f"`{name}` is not mentioned in README.md or docs/*.md"
