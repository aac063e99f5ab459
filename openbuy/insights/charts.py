"""Charts for public dashboards, drawn on the server as SVG: no JavaScript, no chart library.

To assistive technology a chart is one image (``role="img"``), named by its ``<title>`` and
described by a ``<desc>`` that gives the highest and lowest values. Every bar carries its value as
text, so colour is never the only cue. The template ``insights/includes/chart.html`` puts the same
data beside the chart as a table, which is the accessible and copyable form.

Geometry is in viewBox units. The SVG's natural width is ``WIDTH`` CSS pixels, one unit to a pixel;
it shrinks with a narrower column (``_charts.scss``). Text is ``FONT_SIZE`` (GOV.UK's body size),
which stays at 14px or more down to the narrowest one-half column on a desktop screen.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.text import slugify

Number = Decimal | float | int

WIDTH = 440
FONT_SIZE = 19
CHAR_WIDTH = FONT_SIZE * 0.6  # a generous average advance for a sans-serif face
GAP = 6
BAR_HEIGHT = 24
ROW_HEIGHT = FONT_SIZE + 8 + BAR_HEIGHT + 16  # a label line, then its bar, then space
PLOT_HEIGHT = 220  # the height the columns of a column chart share
BAR_COLOUR = "#1d70b8"  # GOV.UK blue: 5.2:1 against white
TEXT_COLOUR = "#0b0c0c"  # GOV.UK black: 19:1 against white
FONT_FAMILY = "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif"
CURRENCY_SYMBOLS = {"GBP": "£", "EUR": "€", "USD": "$", "£": "£", "€": "€", "$": "$"}

_ids = itertools.count(1)


class ChartRow(NamedTuple):
    label: str
    value: Number
    formatted: str


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    rows: tuple[ChartRow, ...]
    svg: SafeString  # empty when there are no rows
    label_heading: str = "Item"
    value_heading: str = "Value"


def format_value(value: Number, unit: str = "") -> str:
    """Thousands separators, and decimals only when the value has them. ``unit`` is "%" (the value
    is already a percentage: 12.5 is "12.5%"), a currency ("GBP", "£", or any ISO code), or a word
    put after the number ("days")."""
    places = 0 if value == int(value) else 1 if unit == "%" else 2
    digits = f"{abs(value):,.{places}f}"
    sign = "-" if value < 0 else ""
    if unit == "%":
        return f"{sign}{digits}%"
    if symbol := CURRENCY_SYMBOLS.get(unit.upper()):
        return f"{sign}{symbol}{digits}"
    if len(unit) == 3 and unit.isalpha() and unit.isupper():
        return f"{sign}{unit} {digits}"
    return f"{sign}{digits} {unit}".rstrip()


def bar_chart(
    title: str,
    rows: Sequence[tuple[str | date, Number]],
    *,
    unit: str = "",
    value_format: Callable[[Number], str] | None = None,
    id: str | None = None,
    label_heading: str = "Item",
    value_heading: str = "Value",
) -> Chart:
    """Horizontal bars, one a row in the order given: the label above its bar, the value after."""
    data = _rows(rows, unit, value_format)
    chart = Chart(_chart_id(title, id), title, data, SafeString(""), label_heading, value_heading)
    if not data:
        return chart
    values = [float(row.value) for row in data]
    low, high = min(0.0, *values), max(0.0, *values)
    value_room = min(_text_width(max(len(row.formatted) for row in data)) + GAP, WIDTH / 3)
    left = value_room if low < 0 else 0.0  # negative bars need room for their values on the left
    scale = (WIDTH - left - value_room) / (high - low) if high > low else 0.0
    zero = left - low * scale
    parts = []
    for index, (row, value) in enumerate(zip(data, values, strict=True)):
        top = index * ROW_HEIGHT
        bar_top = top + FONT_SIZE + 8
        end = zero + value * scale
        parts += [
            _text(_fit(row.label, int(WIDTH / CHAR_WIDTH)), 0, top + FONT_SIZE),
            _rect(min(zero, end), bar_top, abs(end - zero), BAR_HEIGHT),
            _line(zero, bar_top - 4, zero, bar_top + BAR_HEIGHT + 4),
            _text(
                row.formatted,
                end + GAP if value >= 0 else end - GAP,
                bar_top + BAR_HEIGHT / 2 + FONT_SIZE * 0.35,
                anchor="start" if value >= 0 else "end",
            ),
        ]
    height = len(data) * ROW_HEIGHT - 12
    return _with_svg(chart, _describe(data), height, parts)


def column_chart(
    title: str,
    rows: Sequence[tuple[str | date, Number]],
    *,
    unit: str = "",
    value_format: Callable[[Number], str] | None = None,
    id: str | None = None,
    label_heading: str = "Month",
    value_heading: str = "Value",
) -> Chart:
    """Vertical columns for a time series, oldest first: periods along the bottom, each value at
    the end of its column (turned upright when it is wider than the column's share of the width).
    A date label reads as its month ("Jan 2025"). When the labels are wider than a column, every
    second (third, …) column is labelled, the label starting at the column's left edge."""
    data = _rows(rows, unit, value_format)
    chart = Chart(_chart_id(title, id), title, data, SafeString(""), label_heading, value_heading)
    if not data:
        return chart
    values = [float(row.value) for row in data]
    low, high = min(0.0, *values), max(0.0, *values)
    slot = WIDTH / len(data)
    column = min(slot * 0.7, 64)
    value_width = _text_width(max(len(row.formatted) for row in data))
    upright = value_width > slot - 4
    reach = (value_width if upright else FONT_SIZE) + GAP  # room for a value beyond its column
    bottom = reach if low < 0 else 0.0  # below the lowest negative column
    scale = PLOT_HEIGHT / (high - low) if high > low else 0.0
    zero = reach + (high * scale if scale else PLOT_HEIGHT)
    labels_y = reach + PLOT_HEIGHT + bottom + GAP + FONT_SIZE
    step = math.ceil((_text_width(min(max(len(row.label) for row in data), 12)) + GAP) / slot)
    label_chars = int((step * slot - GAP) / CHAR_WIDTH)

    parts = [_line(0, zero, WIDTH, zero)]
    for index, (row, value) in enumerate(zip(data, values, strict=True)):
        centre = (index + 0.5) * slot
        end = zero - value * scale
        parts.append(_rect(centre - column / 2, min(zero, end), column, abs(end - zero)))
        y = end - GAP if value >= 0 else end + GAP
        if upright:
            x = centre + FONT_SIZE * 0.35
            anchor = "start" if value >= 0 else "end"
            parts.append(_text(row.formatted, x, y, anchor=anchor, rotate=True))
        else:
            below = 0 if value >= 0 else FONT_SIZE * 0.8  # room for the text under its baseline
            parts.append(_text(row.formatted, centre, y + below, anchor="middle"))
        label = _fit(row.label, label_chars)
        if step == 1:  # the label fits under its column
            parts.append(_text(label, centre, labels_y, anchor="middle"))
        elif index % step == 0 and centre - column / 2 + _text_width(len(label)) <= WIDTH:
            parts.append(_text(label, centre - column / 2, labels_y))  # from the column's left
    summary = _describe(data)
    if len(data) > 1:
        summary = f"From {data[0].label} to {data[-1].label}. {summary}"
    return _with_svg(chart, summary, labels_y + GAP, parts)


def _rows(
    rows: Iterable[tuple[str | date, Number]],
    unit: str,
    value_format: Callable[[Number], str] | None,
) -> tuple[ChartRow, ...]:
    result = []
    for label, value in rows:
        if not math.isfinite(value):
            raise ValueError(f"The value for {label!r} is {value}, which cannot be drawn")
        text = label.strftime("%b %Y") if isinstance(label, date) else str(label)
        formatted = value_format(value) if value_format else format_value(value, unit)
        result.append(ChartRow(text, value, formatted))
    return tuple(result)


def _chart_id(title: str, given: str | None) -> str:
    if given:
        return slugify(given) or "chart"
    return f"chart-{slugify(title)[:40].strip('-') or 'untitled'}-{next(_ids)}"


def _describe(rows: tuple[ChartRow, ...]) -> str:
    if len(rows) == 1:
        return f"One value: {rows[0].label}, {rows[0].formatted}."
    high = max(rows, key=lambda row: row.value)
    low = min(rows, key=lambda row: row.value)
    if high.value == low.value:
        return f"{len(rows)} values, all {high.formatted}."
    return (
        f"{len(rows)} values. Highest: {high.label}, {high.formatted}. "
        f"Lowest: {low.label}, {low.formatted}."
    )


def _with_svg(chart: Chart, description: str, height: float, parts: list[SafeString]) -> Chart:
    svg = format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" class="ob-chart__svg" role="img" '
        'aria-labelledby="{id}-title {id}-desc" viewBox="0 0 {width} {height}" '
        'width="{width}" height="{height}" font-family="{font}" font-size="{size}" '
        'fill="{colour}"><title id="{id}-title">{title}</title>'
        '<desc id="{id}-desc">{description}</desc>{body}</svg>',
        id=chart.id,
        width=WIDTH,
        height=_n(height),
        font=FONT_FAMILY,
        size=FONT_SIZE,
        colour=TEXT_COLOUR,
        title=chart.title,
        description=description,
        body=format_html_join("", "{}", ((part,) for part in parts)),
    )
    return replace(chart, svg=svg)


def _text(
    content: str, x: float, y: float, *, anchor: str = "start", rotate: bool = False
) -> SafeString:
    turn = format_html(' transform="rotate(-90 {} {})"', _n(x), _n(y)) if rotate else ""
    return format_html(
        '<text x="{}" y="{}" text-anchor="{}"{}>{}</text>', _n(x), _n(y), anchor, turn, content
    )


def _rect(x: float, y: float, width: float, height: float) -> SafeString:
    return format_html(
        '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"/>',
        _n(x),
        _n(y),
        _n(width),
        _n(height),
        BAR_COLOUR,
    )


def _line(x1: float, y1: float, x2: float, y2: float) -> SafeString:
    return format_html(
        '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}"/>',
        _n(x1),
        _n(y1),
        _n(x2),
        _n(y2),
        TEXT_COLOUR,
    )


def _fit(text: str, chars: int) -> str:
    """``text`` cut to ``chars`` characters, ending in an ellipsis when it was cut."""
    return text if len(text) <= chars else text[: max(chars - 1, 0)].rstrip() + "…"


def _text_width(chars: int) -> float:
    return chars * CHAR_WIDTH


def _n(number: float) -> str:
    return f"{number:.2f}".rstrip("0").rstrip(".")
