"""The analytics chart's axis: whole ticks in 1-2-5 steps, the top one at or above the tallest
bar, and bars drawn in request units so each one ends on the gridline of its value."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from api import charts
from api.selectors import Day, Usage

NICE = {step * 10**n for step in (1, 2, 5) for n in range(12)}


@pytest.mark.parametrize(
    ("maximum", "ticks"),
    [
        (0, [0, 1]),
        (1, [0, 1]),
        (3, [0, 1, 2, 3]),
        (4, [0, 1, 2, 3, 4]),
        (5, [0, 2, 4, 6]),
        (8, [0, 2, 4, 6, 8]),
        (10, [0, 5, 10]),
        (41, [0, 20, 40, 60]),
        (100, [0, 50, 100]),
        (1001, [0, 500, 1000, 1500]),
    ],
)
def test_the_ticks_of_a_maximum(maximum, ticks):
    assert charts.nice_ticks(maximum) == ticks


@given(st.integers(min_value=0, max_value=10**10))
def test_ticks_are_whole_numbers_from_zero_in_one_1_2_5_step_up_to_the_maximum(maximum):
    ticks = charts.nice_ticks(maximum)

    step = ticks[1] - ticks[0]
    assert all(isinstance(tick, int) for tick in ticks)
    assert ticks[0] == 0
    assert step in NICE
    assert [b - a for a, b in zip(ticks, ticks[1:], strict=False)] == [step] * (len(ticks) - 1)
    assert ticks[-1] >= maximum, "the top tick covers the tallest bar"
    assert ticks[-2] < max(maximum, 1), "and no empty interval above it"
    assert len(ticks) - 1 <= charts.MAX_INTERVALS


def usage_of(counts: list[tuple[int, int]]) -> Usage:
    first = date(2026, 1, 1)
    return Usage(
        days=[
            Day(first + timedelta(days=n), {"issued": issued, "invalid_client": failed})
            for n, (issued, failed) in enumerate(counts)
        ]
    )


@given(st.lists(st.tuples(st.integers(0, 10**7), st.integers(0, 10**7)), min_size=1, max_size=90))
def test_every_bar_is_drawn_at_its_value_on_the_axis(counts):
    chart = charts.bar_chart(usage_of(counts))

    top = chart["ticks"][-1]
    assert [(bar.issued, bar.failed) for bar in chart["bars"]] == counts
    assert max(bar.total for bar in chart["bars"]) <= top.value
    # The plot group maps a value v to y = base - v * scale; each tick's label sits there.
    for tick in chart["ticks"]:
        assert tick.y == pytest.approx(chart["base"] - tick.value * chart["scale"])
    assert top.y == pytest.approx(charts.TOP), "the top tick is the top of the plot"
    assert chart["ticks"][0].y == chart["base"]


def test_tick_labels_group_thousands():
    chart = charts.bar_chart(usage_of([(12_000, 0)]))

    assert [tick.label for tick in chart["ticks"]] == ["0", "5,000", "10,000", "15,000"]


@given(st.sampled_from([7, 30, 90]))
def test_no_date_label_runs_off_the_right_edge(days):
    chart = charts.bar_chart(usage_of([(1, 0)] * days))

    labelled = [bar for bar in chart["bars"] if bar.label]
    assert len(labelled) >= 6
    assert all(bar.x + len(bar.label) * charts.CHARACTER <= chart["right"] for bar in labelled)
