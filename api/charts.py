"""A bar chart of token requests per day, drawn as SVG on the server (no script, no library).

Each day is a stacked bar: tokens issued at the bottom, failed requests above. The numbers
are also in the table under the chart; the SVG is an image with a text alternative.

The bars are drawn in request units: one group flips and scales the plot so that a bar's
height in the SVG is its count and a gridline's y its tick value, so a bar of 8 ends exactly
on the gridline labelled 8 (no rounding of pixels in between).
"""

from dataclasses import dataclass

from .selectors import Usage

WIDTH, HEIGHT = 720, 220
RIGHT, TOP, BOTTOM = 8, 10, 28
# Room left of the plot for the longest tick label: a phone draws the axis text larger
# (console.css), about 11 units a character.
LABEL_GAP, CHARACTER, MIN_LEFT = 6, 11, 40
PLOT_HEIGHT = HEIGHT - TOP - BOTTOM
BASE = TOP + PLOT_HEIGHT  # the y of the zero line
STEPS = (1, 2, 5)
MAX_INTERVALS = 4  # at most four gridlines above zero: readable at a phone's width


@dataclass(frozen=True)
class Bar:
    x: float
    width: float
    issued: int
    failed: int
    label: str
    title: str

    @property
    def total(self) -> int:
        return self.issued + self.failed


@dataclass(frozen=True)
class Tick:
    value: int
    y: float  # in the SVG's own coordinates, where the label is drawn

    @property
    def label(self) -> str:
        return f"{self.value:,}"


def nice_step(maximum: int) -> int:
    """The smallest 1, 2 or 5 × 10^n (a whole number) that covers `maximum` in at most
    MAX_INTERVALS steps."""
    maximum = max(maximum, 1)
    magnitude = 1
    while True:
        for step in STEPS:
            if step * magnitude * MAX_INTERVALS >= maximum:
                return step * magnitude
        magnitude *= 10


def nice_ticks(maximum: int) -> list[int]:
    """0, step, 2 × step, … up to the first tick at or above `maximum` (at least 1)."""
    step = nice_step(maximum)
    intervals = -(-max(maximum, 1) // step)  # ceiling division, in whole numbers
    return [step * n for n in range(intervals + 1)]


def bar_chart(usage: Usage) -> dict:
    values = nice_ticks(max((day.issued + day.failed for day in usage.days), default=0))
    labels = [Tick(value=value, y=0).label for value in values]
    left = max(MIN_LEFT, LABEL_GAP * 2 + CHARACTER * max(map(len, labels)))
    plot_width = WIDTH - left - RIGHT
    top = values[-1]
    scale = PLOT_HEIGHT / top  # SVG units per request
    slot = plot_width / max(len(usage.days), 1)
    width = max(slot * 0.7, 1.0)
    every = max(1, len(usage.days) // 7)  # about seven date labels, whatever the range
    bars = []
    for index, day in enumerate(usage.days):
        x = round(left + index * slot + (slot - width) / 2, 2)
        label = f"{day.day.day} {day.day:%b}" if index % every == 0 else ""
        if x + len(label) * CHARACTER > WIDTH - RIGHT:
            label = ""  # it would run off the right edge
        bars.append(
            Bar(
                x=x,
                width=round(width, 2),
                issued=day.issued,
                failed=day.failed,
                label=label,
                title=f"{day.day.day} {day.day:%b %Y}: {day.issued} issued, {day.failed} failed",
            )
        )
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "left": left,
        "label_x": left - LABEL_GAP,
        "right": WIDTH - RIGHT,
        "label_y": HEIGHT - 8,
        "base": BASE,
        # The plot group's transform: request units up from the zero line.
        "scale": scale,
        "top": top,
        "bars": bars,
        "ticks": [Tick(value=value, y=BASE - value * scale) for value in values],
    }
