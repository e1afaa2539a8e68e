"""`pingan bench parse`: the check-in parser's speed, cold start and memory.

- cold start: a fresh interpreter imports the parser, builds it with a roster of
  `--roster-size` names (the dictionary, the gazetteer and the roster words loaded) and
  parses one reply; wall time from before the import to after the reply;
- throughput: `--messages` varied single-line replies on one core (the process is pinned to
  one CPU where the OS allows), after a warm-up pass over 5,000 other replies;
- peak RSS of the benchmark process.

Prints one JSON line: {"bench": "parse", "messages", "seconds", "per_second", "cpu_seconds",
"per_cpu_second", "cold_start_seconds", "cold_start_cpu_seconds", "peak_rss_mb",
"segmenter"}. Wall-clock figures suffer when other processes share the core; the CPU-time
figures are what the parser itself costs.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import time

HELP = "解析器处理单行回复的速度、冷启动和内存峰值"

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍建国红梅琳雪晨宇浩然子涵欣怡"
TEMPLATES = (
    "{name} {t} 正常 在校",
    "{name} 体温{t}℃ 无发热咳嗽 在家 {city}",
    "{name}，{t}，一切正常，{city}家里",
    "{name} {t} 有点咳嗽 宿舍",
    "{name}/{t}/健康/在家/{city}",
    "本人{name} 三十六度五 无异常 在家（{city}）",
    "{name} 居家隔离第3天 {t} 正常",
    "收到",
    "老师今天几点截止？",
)
CITIES = ("海口", "武汉", "广州", "长沙", "成都", "杭州", "南京", "西安", "郑州", "三亚")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--messages", type=int, default=50_000, metavar="N")
    parser.add_argument("--roster-size", type=int, default=60, metavar="R")
    parser.add_argument("--seed", type=int, default=1)


def make_names(count: int, rng: random.Random) -> list[str]:
    names: set[str] = set()
    while len(names) < count:
        names.add(rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.choice((1, 2)))))
    return sorted(names)


def make_messages(count: int, names: list[str], rng: random.Random) -> list[str]:
    return [
        rng.choice(TEMPLATES).format(
            name=rng.choice(names), t=f"{rng.uniform(35.8, 38.2):.1f}", city=rng.choice(CITIES)
        )
        for _ in range(count)
    ]


COLD = """
import time, json, sys
t, c = time.perf_counter(), time.process_time()
from handlers.parse import Parser
p = Parser(json.loads(sys.argv[1]))
p.parse("张三 36.5 正常 在校")
print(time.perf_counter() - t, time.process_time() - c)
"""


def cold_start(names: list[str]) -> tuple[float, float]:
    """(wall, cpu) seconds from before the import to after the first reply, fresh process."""
    out = subprocess.run(
        [sys.executable, "-c", COLD, json.dumps(names, ensure_ascii=False)],
        capture_output=True,
        text=True,
        check=True,
    )
    wall, cpu = out.stdout.split()
    return float(wall), float(cpu)


def run(args: argparse.Namespace) -> int:
    rng = random.Random(args.seed)
    names = make_names(args.roster_size, rng)
    cold, cold_cpu = min(cold_start(names) for _ in range(3))
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    from handlers.parse import Parser

    parser = Parser(names)
    for text in make_messages(5_000, names, rng):  # warm-up, on other replies
        parser.parse(text)
    messages = make_messages(args.messages, names, rng)
    start, cpu_start = time.perf_counter(), time.process_time()
    for text in messages:
        parser.parse(text)
    seconds = time.perf_counter() - start
    cpu = time.process_time() - cpu_start
    result = {
        "bench": "parse",
        "messages": args.messages,
        "seconds": round(seconds, 3),
        "per_second": round(args.messages / seconds),
        "cpu_seconds": round(cpu, 3),
        "per_cpu_second": round(args.messages / cpu),
        "cold_start_seconds": round(cold, 3),
        "cold_start_cpu_seconds": round(cold_cpu, 3),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "segmenter": parser.segmenter.engine_name,
    }
    print(json.dumps(result))
    return 0
