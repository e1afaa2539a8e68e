"""`pingan` command line: one module per command under bot/cli/.

Each command module defines HELP, `add_arguments(parser)` and `run(args) -> int`. A command
listed in interfaces.md whose module is not there yet is still shown by `--help`, and says
plainly that it is not built.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from bot import logtime
from bot.cli import zh
from bot.errors import PinganError

# sqlite-utils imports pandas whenever it is installed, only to map pandas types to column
# types, which pingan never stores. pandas is no dependency of pingan (a dev tool, cpca, pulls
# it in), yet importing it costs every process ~50 MB of memory: keep it out of the CLI.
sys.modules.setdefault("pandas", None)  # type: ignore[assignment]

# Every command of interfaces.md, in the order users meet them.
COMMANDS: dict[str, str] = {
    "demo": "用自带的示例名单模拟完整的一天",
    "run": "运行机器人：聊天适配器、定时任务和网页看板",
    "parse": "解析报告：JSON Lines 进，解析结果出（docs/parse-contract.md）",
    "roster": "导入花名册（.csv 或 .xlsx）",
    "duty": "导入或查看值班表",
    "keygroups": "导入或查看重点群体",
    "export": "导出台账（Excel）",
    "token": "看板登录令牌",
    "audit": "审计日志：校验哈希链",
    "purge": "立即执行保留期清理，或用 --dry-run 列出将删除的内容",
    "bench": "性能测试，每行输出一个 JSON 结果",
    "care": "心理关怀词表：在语料上评分",
    "quiz": "防疫知识竞答：导入题库",
}


def _not_built(name: str):
    def run(_args: argparse.Namespace) -> int:
        print(f"pingan {name}: 尚未实现", file=sys.stderr)
        return 2

    return run


def build_parser() -> argparse.ArgumentParser:
    zh.install()
    parser = argparse.ArgumentParser(
        prog="pingan", description="pingan：微信、QQ 班级群里的每日平安报告"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="输出 DEBUG 级日志")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, summary in COMMANDS.items():
        try:
            module = importlib.import_module(f"bot.cli.{name}")
        except ModuleNotFoundError as e:
            if e.name != f"bot.cli.{name}":
                raise
            cmd = sub.add_parser(name, help=f"{summary}（尚未实现）", add_help=True)
            cmd.add_argument("rest", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
            cmd.set_defaults(handler=_not_built(name))
            continue
        cmd = sub.add_parser(name, help=module.HELP, description=module.HELP)
        module.add_arguments(cmd)
        cmd.set_defaults(handler=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logtime.configure(args.verbose)
    try:
        return args.handler(args)
    except PinganError as e:
        print(f"pingan {args.command}: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
