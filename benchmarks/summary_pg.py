"""`pingan bench summary` on a throwaway PostgreSQL: the nightly summaries of a generated
school (1,000,000 students, 25,000 classes by default), timed in a new database of a server
started for the run with the settings docs/scale.md recommends (benchmarks/pgserver.py).

    python benchmarks/summary_pg.py                       # 1,000,000 students: ~10 minutes
    python benchmarks/summary_pg.py --students 40000 --groups 1000

Prints the bench's JSON line (`"store": "postgresql"`, `seconds`: the best of `--repeat`
21:00 runs; `build_seconds`: filling the database). Exit status 2 when PostgreSQL is not
installed; `pingan bench summary --database-url` runs the same against a server of yours.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.pgserver import PgServer, binaries


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=1_000_000)
    parser.add_argument("--groups", type=int, default=25_000)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    bindir = binaries()
    if bindir is None:
        print("PostgreSQL is not installed (no initdb): install Debian's postgresql",
              file=sys.stderr)  # fmt: skip
        return 2
    server = PgServer(bindir)
    try:
        server.start()
        url = server.create_database("pingan_bench")
        command = [sys.executable, "-m", "bot", "bench", "summary", "--students",
                   str(args.students), "--groups", str(args.groups), "--repeat",
                   str(args.repeat), "--database-url", url]  # fmt: skip
        return subprocess.run(command, cwd=Path(__file__).resolve().parents[1]).returncode
    finally:
        server.stop()


if __name__ == "__main__":
    sys.exit(main())
