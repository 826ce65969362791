"""A bar chart of token requests per day, drawn as SVG on the server (no script, no library).

Each day is a stacked bar: tokens issued at the bottom, failed requests above. The numbers
are also in the table under the chart; the SVG is an image with a text alternative.
"""

from dataclasses import dataclass

from .selectors import Usage

WIDTH, HEIGHT = 720, 220
LEFT, RIGHT, TOP, BOTTOM = 48, 8, 10, 28


@dataclass(frozen=True)
class Bar:
    x: float
    width: float
    issued_y: float
    issued_height: float
    failed_y: float
    failed_height: float
    label: str
    title: str


def _nice_ceiling(value: int) -> int:
    """The smallest 1, 2 or 5 × 10^n at least `value` (and at least 4, for four gridlines)."""
    value = max(value, 4)
    magnitude = 1
    while True:
        for step in (1, 2, 5):
            if step * magnitude >= value:
                return step * magnitude
        magnitude *= 10


def bar_chart(usage: Usage) -> dict:
    plot_width = WIDTH - LEFT - RIGHT
    plot_height = HEIGHT - TOP - BOTTOM
    top = _nice_ceiling(max((day.issued + day.failed for day in usage.days), default=0))
    slot = plot_width / max(len(usage.days), 1)
    width = max(slot * 0.7, 1.0)
    every = max(1, len(usage.days) // 7)  # about seven date labels, whatever the range
    bars = []
    for index, day in enumerate(usage.days):
        issued_height = plot_height * day.issued / top
        failed_height = plot_height * day.failed / top
        base = TOP + plot_height
        bars.append(
            Bar(
                x=round(LEFT + index * slot + (slot - width) / 2, 2),
                width=round(width, 2),
                issued_y=round(base - issued_height, 2),
                issued_height=round(issued_height, 2),
                failed_y=round(base - issued_height - failed_height, 2),
                failed_height=round(failed_height, 2),
                label=f"{day.day.day} {day.day:%b}" if index % every == 0 else "",
                title=f"{day.day.day} {day.day:%b %Y}: {day.issued} issued, {day.failed} failed",
            )
        )
    gridlines = [
        {"y": round(TOP + plot_height - plot_height * n / 4, 2), "value": top * n // 4}
        for n in range(5)
    ]
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "right": WIDTH - RIGHT,
        "label_y": HEIGHT - 8,
        "bars": bars,
        "gridlines": gridlines,
    }
