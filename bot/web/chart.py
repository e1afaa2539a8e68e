"""Geometry of the Trend chart, drawn server-side as inline SVG by templates/_chart.html.

No charting library and no script: the page works on any phone browser and prints as is.
Completion (%) is a line on the left axis; abnormal reports are bars on the right axis.
"""

from __future__ import annotations

from dataclasses import dataclass

WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 44, 40, 16, 36


@dataclass(frozen=True, slots=True)
class Point:
    x: float
    y: float
    label: str  # the day, MM-DD
    percent: float | None
    abnormal: int


@dataclass(frozen=True, slots=True)
class Chart:
    width: int
    height: int
    points: list[Point]
    line: str  # SVG polyline points for completion
    bars: list[tuple[float, float, float, float, int]]  # x, y, width, height, value
    y_grid: list[tuple[float, str]]  # y, label (percent)
    abnormal_axis: list[tuple[float, str]]  # y, label (count)
    x_labels: list[tuple[float, str]]
    bottom: float
    left: float
    right: float


def _nice_max(value: int) -> int:
    for step in (2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000):
        if value <= step:
            return step
    return value


def trend_chart(days: list[str], percents: list[float | None], abnormal: list[int]) -> Chart:
    n = len(days)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / max(n, 1)
    bottom = TOP + plot_h
    top_abnormal = _nice_max(max(abnormal, default=0) or 1)
    points, bars = [], []
    for i, (day, pct, ab) in enumerate(zip(days, percents, abnormal, strict=True)):
        x = LEFT + step * (i + 0.5)
        y = bottom - plot_h * (pct or 0) / 100
        points.append(Point(round(x, 1), round(y, 1), day[5:], pct, ab))
        if ab:
            h = plot_h * ab / top_abnormal
            bars.append((round(x - step * 0.3, 1), round(bottom - h, 1), round(step * 0.6, 1),
                         round(h, 1), ab))  # fmt: skip
    line = " ".join(f"{p.x},{p.y}" for p in points if p.percent is not None)
    y_grid = [(round(bottom - plot_h * v / 100, 1), f"{v}%") for v in (0, 25, 50, 75, 100)]
    abnormal_axis = [
        (round(bottom - plot_h * v / top_abnormal, 1), str(v)) for v in (0, top_abnormal // 2,
                                                                         top_abnormal)
    ]  # fmt: skip
    every = 1 if n <= 14 else 3
    x_labels = [(p.x, p.label) for i, p in enumerate(points) if (n - 1 - i) % every == 0]
    return Chart(WIDTH, HEIGHT, points, line, bars, y_grid, abnormal_axis, x_labels, bottom,
                 LEFT, WIDTH - RIGHT)  # fmt: skip


def sparkline(percents: list[float | None], width: int = 120, height: int = 28) -> str:
    """Points for a small completion line in a table cell."""
    n = len(percents)
    step = width / max(n - 1, 1)
    return " ".join(
        f"{round(i * step, 1)},{round(height - 2 - (height - 4) * p / 100, 1)}"
        for i, p in enumerate(percents)
        if p is not None
    )
