"""`make bench`: every benchmark, one JSON line each, in the order of docs/performance.md,
then the runs on PostgreSQL of docs/scale.md (they need PostgreSQL installed: initdb).

    python benchmarks/run_all.py            # the full runs (about 30 minutes)
    python benchmarks/run_all.py --quick    # small sizes, to check that everything runs

Each benchmark runs in its own process (a fresh interpreter measures its own memory). The
exit status is non-zero when any of them reports a failure (a lost or double-counted report,
a failed check).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent

FULL = [
    [sys.executable, "-m", "bot", "bench", "ingest", "--messages", "20000"],
    [sys.executable, "-m", "bot", "bench", "parse"],
    [sys.executable, str(HERE / "parse_worst.py")],
    [sys.executable, "-m", "bot", "bench", "chain", "--members", "200"],
    [sys.executable, "-m", "bot", "bench", "summary", "--students", "40000", "--groups", "1000"],
    [sys.executable, str(HERE / "burst.py")],
    [sys.executable, str(HERE / "crash.py")],
    [sys.executable, str(HERE / "memory.py")],
    [sys.executable, str(HERE / "cluster.py")],  # needs PostgreSQL (initdb); docs/scale.md
    [sys.executable, str(HERE / "summary_pg.py")],
]
QUICK = [
    [sys.executable, "-m", "bot", "bench", "ingest", "--messages", "2000"],
    [sys.executable, str(HERE / "parse_worst.py")],
    [sys.executable, str(HERE / "burst.py"), "--seconds", "3", "--students", "1500",
     "--classes", "30"],
    [sys.executable, str(HERE / "crash.py"), "--students", "800", "--classes", "20",
     "--messages", "700", "--rate", "150", "--kill-at", "0.3"],
    [sys.executable, str(HERE / "memory.py"), "--students", "2000", "--classes", "50",
     "--rate", "500"],
    [sys.executable, str(HERE / "cluster.py"), "--seconds", "4", "--students", "2400",
     "--classes", "96"],
    [sys.executable, str(HERE / "summary_pg.py"), "--students", "40000", "--groups", "1000"],
]  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes")
    args = parser.parse_args()
    failed = 0
    for command in QUICK if args.quick else FULL:
        done = subprocess.run(command, cwd=REPO, stdout=subprocess.PIPE, text=True, check=False)
        sys.stdout.write(done.stdout)
        sys.stdout.flush()
        if done.returncode != 0:
            failed += 1
            print(f"FAILED ({done.returncode}): {' '.join(command[1:])}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
