"""The summary chart: completion (实报/应报) by class over the last days, as a PNG heatmap.

matplotlib with the Agg backend (no display). One row per class (or per child node), one
column per day; a cell is the day's completion from the daily_counts snapshots, blank
where there was no check-in. Chinese labels need a CJK font (Noto Sans CJK, WenQuanYi,
SimHei, ...); without one the rows are numbered and the summary text lists the same order.
"""

from __future__ import annotations

import logging
from datetime import date
from functools import cache
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

from matplotlib import font_manager
from matplotlib.figure import Figure

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


@cache
def cjk_font() -> str | None:
    available = {f.name for f in font_manager.fontManager.ttflist}
    for name in CJK_FONTS:
        if name in available:
            return name
    log.warning("no CJK font found (install fonts-noto-cjk): chart rows will be numbered")
    return None


def render_completion(
    path: Path, title: str, labels: list[str], days: list[str], rates: list[list[float | None]]
) -> Path:
    """Write the heatmap PNG to `path` and return it. `rates[i][j]`: row i on days[j]."""
    font = cjk_font()
    if font is None:
        labels = [str(i) for i in range(1, len(labels) + 1)]
        title = "completion (reported / expected)"
    height = 1.2 + 0.22 * max(len(labels), 3)
    fig = Figure(figsize=(6.4, height), dpi=80)
    ax = fig.add_subplot()
    data = [[float("nan") if r is None else r for r in row] for row in rates]
    image = ax.imshow(
        data, aspect="auto", cmap="RdYlGn", vmin=0.0, vmax=1.0, interpolation="nearest"
    )
    text_kw = {"fontfamily": font} if font else {}
    ax.set_yticks(range(len(labels)), labels, fontsize=7, **text_kw)
    ax.set_xticks(
        range(len(days)),
        [f"{date.fromisoformat(d).month}/{date.fromisoformat(d).day}" for d in days],
        fontsize=6,
        rotation=45,
    )
    ax.set_title(title, fontsize=9, **text_kw)
    fig.colorbar(image, ax=ax, fraction=0.04, pad=0.02).ax.tick_params(labelsize=6)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, format="png")
    return path
