"""Chart geometry for server-rendered SVG: the templates draw, this computes where. No chart
library and no script: the charts work under the strict CSP and print as they look."""

from dataclasses import dataclass

WIDTH, HEIGHT, PAD_LEFT, PAD_BOTTOM, PAD_TOP = 640, 180, 48, 28, 16


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    value: float
    label: str


@dataclass(frozen=True)
class LineChart:
    points: list[Point]
    path: str  # one polyline per run of known values, "M x y L x y ... M ..."
    ticks: list[tuple[float, float]]  # (y, value): the page writes it the reader's way
    labels: list[tuple[float, str]]  # (x, week label)
    width: int = WIDTH
    height: int = HEIGHT


def _nice_top(value: float) -> float:
    if value <= 0:
        return 1.0
    for step in (1, 2, 2.5, 5, 10):
        magnitude = 10 ** (len(str(int(value))) - 1)
        if value <= step * magnitude:
            return step * magnitude
    return value


def line_chart(values: list[float | None], labels: list[str]) -> LineChart:
    top = _nice_top(max((v for v in values if v is not None), default=0.0))
    plot_w, plot_h = WIDTH - PAD_LEFT - 12, HEIGHT - PAD_BOTTOM - PAD_TOP
    step = plot_w / max(len(values) - 1, 1)

    def y(value: float) -> float:
        return round(PAD_TOP + plot_h * (1 - value / top), 1)

    points: list[Point] = []
    path, drawing = [], False
    for i, (value, label) in enumerate(zip(values, labels, strict=True)):
        x = round(PAD_LEFT + i * step, 1)
        if value is None:
            drawing = False
            continue
        points.append(Point(x, y(value), value, label))
        path.append(f"{'L' if drawing else 'M'}{x} {y(value)}")
        drawing = True
    ticks = [(y(top * f), top * f) for f in (0, 0.5, 1)]
    every = max(1, len(labels) // 8)
    xs = [
        (round(PAD_LEFT + i * step, 1), label)
        for i, label in enumerate(labels)
        if i % every == 0 or i == len(labels) - 1
    ]
    return LineChart(points, " ".join(path), ticks, xs)


@dataclass(frozen=True)
class Bar:
    y: float
    width: float
    label: str
    value: float
    base: int


def bar_chart(rows: list[tuple[str, float, int]], limit: int = 10) -> tuple[list[Bar], int]:
    """Horizontal bars, longest first; returns the bars and the SVG height they need."""
    shown = rows[:limit]
    top = max((r[1] for r in shown), default=0.0) or 1.0
    bars = [
        Bar(y=8 + i * 26, width=round(360 * value / top, 1), label=label, value=value, base=base)
        for i, (label, value, base) in enumerate(shown)
    ]
    return bars, 16 + 26 * len(bars)
