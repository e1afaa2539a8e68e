"""The summary chart: completion (实报/应报) by class over the last days, as a PNG heatmap.

matplotlib with the Agg backend (no display). One row per class (or per child node), one
column per day; a cell is the day's completion from the daily_counts snapshots, blank
where there was no check-in. Chinese labels need a CJK font: a system one (Noto Sans CJK,
WenQuanYi, SimHei, ...) or else the Noto Sans CJK that the noto-cjk-sans-otc dependency
ships, so a fresh install draws Chinese labels without any system font package.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from dataclasses import asdict, dataclass
from datetime import date
from functools import cache
from pathlib import Path

log = logging.getLogger(__name__)

CJK_FONTS = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "SimHei",
    "Microsoft YaHei",
    "PingFang SC",
    "Heiti SC",
)
#: More rows than this and the chart is unreadable in a chat window; the caller rolls up.
MAX_ROWS = 40
CHILD_TIMEOUT_S = 300.0  # a night's charts for a whole school take a few seconds


def _matplotlib():
    """matplotlib and numpy are ~45 MB of memory: imported only where a chart is drawn,
    which in `pingan run` is a short-lived child process (`render_in_child`)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import font_manager
    from matplotlib.figure import Figure

    return font_manager, Figure


BUNDLED_FONT = "Noto Sans CJK SC"  # a face of the collection noto-cjk-sans-otc ships


def bundled_font_file() -> Path | None:
    """The Noto Sans CJK collection of the noto-cjk-sans-otc package, if installed."""
    try:
        from noto_cjk_sans_otc import FONT_PATH
    except ImportError:
        return None
    path = Path(str(FONT_PATH))
    return path if path.is_file() else None


@cache
def cjk_font() -> str | None:
    font_manager, _ = _matplotlib()
    available = {f.name for f in font_manager.fontManager.ttflist}
    for name in CJK_FONTS:
        if name in available:
            return name
    bundled = bundled_font_file()
    if bundled is not None:
        font_manager.fontManager.addfont(str(bundled))
        return BUNDLED_FONT
    log.warning("no CJK font found (pip install noto-cjk-sans-otc): chart rows are numbered")
    return None


@dataclass(frozen=True, slots=True)
class ChartSpec:
    """Everything one chart shows: rows are nodes, columns days, cells completion 0..1."""

    path: Path
    title: str
    labels: list[str]
    days: list[str]
    rates: list[list[float | None]]


def render_completion(spec: ChartSpec) -> Path:
    """Write the heatmap PNG and return its path.

    Uses only matplotlib's object API (no pyplot state), so charts may be rendered in a
    worker thread while the event loop goes on. Fixed margins instead of tight_layout and
    no colour bar keep one chart at a few tens of milliseconds.
    """
    _, Figure = _matplotlib()
    font = cjk_font()
    labels, title = spec.labels, spec.title
    if font is None:
        labels = [str(i) for i in range(1, len(labels) + 1)]
        title = ""  # the summary text above the chart says what it shows
    rows = max(len(labels), 3)
    height = 1.0 + 0.22 * rows
    fig = Figure(figsize=(6.4, height), dpi=80)
    ax = fig.add_subplot()
    data = [[float("nan") if r is None else r for r in row] for row in spec.rates]
    ax.imshow(data, aspect="auto", cmap="RdYlGn", vmin=0.0, vmax=1.0, interpolation="nearest")
    text_kw = {"fontfamily": font} if font else {}
    ax.set_yticks(range(len(labels)), labels, fontsize=7, **text_kw)
    ax.set_xticks(
        range(len(spec.days)),
        [f"{date.fromisoformat(d).month}/{date.fromisoformat(d).day}" for d in spec.days],
        fontsize=6,
        rotation=45,
    )
    ax.set_title(title, fontsize=9, **text_kw)
    fig.subplots_adjust(left=0.22, right=0.98, top=1 - 0.35 / height, bottom=0.5 / height)
    spec.path.parent.mkdir(parents=True, exist_ok=True)
    partial = spec.path.with_suffix(".tmp.png")
    fig.savefig(partial, format="png")
    partial.replace(spec.path)  # never a half-written image in the outbox
    return spec.path


def render_in_child(specs: list[ChartSpec], timeout_s: float = CHILD_TIMEOUT_S) -> None:
    """Render `specs` in a fresh `python -m schedules.chart_child` process: the bot never holds
    matplotlib, and the memory a night's charts take is returned when the child exits.
    Raises OSError (or subprocess's errors) when the child cannot run; the caller falls back
    to rendering in-process."""
    payload = json.dumps(
        [{**asdict(spec), "path": str(spec.path)} for spec in specs], ensure_ascii=False
    )
    root = str(Path(__file__).resolve().parents[1])  # where the `schedules` package lives
    path = os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))
    env = {**os.environ, "PYTHONPATH": path}
    subprocess.run(
        [sys.executable, "-m", "schedules.chart_child"],
        input=payload.encode("utf-8"),
        env=env,
        timeout=timeout_s,
        check=True,
    )
