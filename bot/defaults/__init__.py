"""What `pingan demo` runs on, shipped as package data so an installed wheel has it too.

The repository's examples/roster.csv and examples/duty.csv are links to these files, and its
config.yaml is the user's template, kept equal to `DEMO_CONFIG` by a test.
"""

from pathlib import Path

HERE = Path(__file__).resolve().parent
DEMO_CONFIG = HERE / "config.yaml"
SAMPLE_ROSTER = HERE / "roster.csv"
SAMPLE_DUTY = HERE / "duty.csv"
