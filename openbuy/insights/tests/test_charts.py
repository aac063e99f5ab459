"""The SVG charts: well-formed, proportional, escaped, described, and drawn beside a table."""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.template import Context, Engine

from openbuy.insights.charts import (
    BAR_COLOUR,
    CHAR_WIDTH,
    TEXT_COLOUR,
    WIDTH,
    Chart,
    bar_chart,
    column_chart,
    format_value,
)

SVG = "{http://www.w3.org/2000/svg}"
TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
SPEND = [("Acme Ltd", Decimal("12000")), ("Bolt & Co", Decimal("3000")), ("Cog plc", 6000)]


def parse(chart: Chart) -> ET.Element:
    return ET.fromstring(str(chart.svg))


def bars(chart: Chart) -> list[ET.Element]:
    return parse(chart).findall(f".//{SVG}rect")


def texts(chart: Chart) -> list[str]:
    return [element.text or "" for element in parse(chart).iter(f"{SVG}text")]


def render(chart: Chart, **context) -> ET.Element:
    engine = Engine(dirs=[str(TEMPLATES)])
    html = engine.get_template("insights/includes/chart.html").render(
        Context({"chart": chart, **context})
    )
    return ET.fromstring(html[html.index("<figure") :])


@pytest.mark.parametrize("make", [bar_chart, column_chart])
def test_chart_is_well_formed_svg_named_and_described(make):
    chart = make("Spend by supplier", SPEND, unit="GBP")

    root = parse(chart)

    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    assert title.text == "Spend by supplier"
    assert "Highest: Acme Ltd, £12,000" in desc.text
    assert "Lowest: Bolt & Co, £3,000" in desc.text
    assert int(root.get("font-size")) >= 14


@pytest.mark.parametrize("make", [bar_chart, column_chart])
def test_every_bar_carries_its_value_as_text(make):
    chart = make("Spend", SPEND, unit="GBP")

    assert len(bars(chart)) == 3
    assert {"£12,000", "£3,000", "£6,000"} <= set(texts(chart))


def test_bar_lengths_are_proportional_to_values():
    widths = [float(bar.get("width")) for bar in bars(bar_chart("Spend", SPEND))]

    scale = widths[0] / 12000
    assert widths[1] == pytest.approx(3000 * scale, abs=0.01)
    assert widths[2] == pytest.approx(6000 * scale, abs=0.01)


def test_column_heights_are_proportional_to_values():
    rows = [(date(2025, month, 1), value) for month, value in [(1, 10), (2, 40), (3, 25)]]
    chart = column_chart("Contracts a month", rows)

    heights = [float(bar.get("height")) for bar in bars(chart)]

    assert heights[0] * 4 == pytest.approx(heights[1], abs=0.02)
    assert heights[2] * 1.6 == pytest.approx(heights[1], abs=0.02)
    assert [row.label for row in chart.rows] == ["Jan 2025", "Feb 2025", "Mar 2025"]
    assert "From Jan 2025 to Mar 2025." in parse(chart).find(f"{SVG}desc").text


@pytest.mark.parametrize("make", [bar_chart, column_chart])
def test_labels_and_titles_are_escaped(make):
    evil = '<script>alert("x")</script>'
    chart = make(evil, [(evil, 1), ("Tom & Jerry's", 2)])

    root = parse(chart)

    assert "<script>" not in chart.svg
    assert "&lt;script&gt;" in chart.svg
    assert not any(element.tag.endswith("script") for element in root.iter())
    assert root.find(f"{SVG}title").text == evil
    assert "Tom & Jerry's" in texts(chart)


def test_ids_are_unique_and_can_be_given():
    first, second = bar_chart("Spend", SPEND), bar_chart("Spend", SPEND)

    ids = [parse(chart).find(f"{SVG}title").get("id") for chart in (first, second)]

    assert ids[0] != ids[1]
    assert first.id.startswith("chart-spend-")
    assert bar_chart("Spend", SPEND, id="spend by supplier").id == "spend-by-supplier"
    assert bar_chart("!!!", SPEND).id.startswith("chart-untitled-")


@pytest.mark.parametrize("make", [bar_chart, column_chart])
def test_no_rows_means_no_svg(make):
    chart = make("Spend", [])

    assert chart.rows == ()
    assert chart.svg == ""


@pytest.mark.parametrize("make", [bar_chart, column_chart])
def test_all_zero_data_draws_empty_bars(make):
    chart = make("Complaints", [("A", 0), ("B", 0)])

    length = "width" if make is bar_chart else "height"
    assert [float(bar.get(length)) for bar in bars(chart)] == [0, 0]
    assert texts(chart).count("0") == 2
    assert parse(chart).find(f"{SVG}desc").text.endswith("2 values, all 0.")


@pytest.mark.parametrize("make", [bar_chart, column_chart])
def test_negative_values_extend_the_other_way_from_zero(make):
    chart = make("Change", [("Up", 50), ("Down", -25)], unit="%")

    up, down = bars(chart)
    length, start = ("width", "x") if make is bar_chart else ("height", "y")

    assert float(up.get(length)) == pytest.approx(2 * float(down.get(length)), abs=0.02)
    if make is bar_chart:  # the negative bar ends where the positive one starts
        assert float(down.get("x")) + float(down.get("width")) == pytest.approx(float(up.get("x")))
    else:  # the negative column starts where the positive one ends
        assert float(up.get("y")) + float(up.get("height")) == pytest.approx(float(down.get("y")))
    assert float(up.get(start)) >= 0 and float(down.get(start)) >= 0
    assert {"50%", "-25%"} <= set(texts(chart))


@pytest.mark.parametrize("make", [bar_chart, column_chart])
def test_a_single_row(make):
    chart = make("Spend", [("Acme Ltd", Decimal("1234.5"))], unit="£")

    assert len(bars(chart)) == 1
    assert parse(chart).find(f"{SVG}desc").text == "One value: Acme Ltd, £1,234.50."


def test_values_that_cannot_be_drawn_are_refused():
    with pytest.raises(ValueError, match="cannot be drawn"):
        bar_chart("Spend", [("A", float("nan"))])


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        (Decimal("1234567"), "GBP", "£1,234,567"),
        (Decimal("1234.5"), "GBP", "£1,234.50"),
        (-2500, "£", "-£2,500"),
        (1000, "CHF", "CHF 1,000"),
        (12.345, "%", "12.3%"),
        (50, "%", "50%"),
        (1500, "days", "1,500 days"),
        (0, "", "0"),
    ],
)
def test_format_value(value, unit, expected):
    assert format_value(value, unit) == expected


def test_a_custom_value_format_is_used_in_chart_and_table():
    chart = bar_chart("Share", [("A", 0.25)], value_format=lambda value: f"{value:.0%}")

    assert chart.rows[0].formatted == "25%"
    assert "25%" in texts(chart)


def test_long_labels_are_cut_in_the_svg_but_whole_in_the_table():
    label = "The Very Long Name of a Supplier of Professional Services Limited"
    chart = bar_chart("Spend", [(label, 1)])

    drawn = texts(chart)[0]

    assert drawn.endswith("…") and label.startswith(drawn[:-1])
    assert chart.rows[0].label == label
    cell = render(chart).find(".//tbody/tr/th")
    assert cell.text == label


def test_many_months_label_every_few_columns():
    rows = [(date(2024 + month // 12, month % 12 + 1, 1), month) for month in range(24)]

    root = parse(column_chart("Awards", rows))

    labels = [text for text in root.iter(f"{SVG}text") if " 202" in text.text]
    assert labels[0].text == "Jan 2024"
    assert 1 < len(labels) < 24
    starts = [float(label.get("x")) for label in labels]
    gaps = [after - before for before, after in itertools.pairwise(starts)]
    assert min(gaps) >= len("Jan 2024") * CHAR_WIDTH  # labels never overlap
    assert starts[-1] + len(labels[-1].text) * CHAR_WIDTH <= WIDTH


def test_colours_contrast_with_white():
    def luminance(colour: str) -> float:
        channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    def contrast(colour: str) -> float:
        return 1.05 / (luminance(colour) + 0.05)

    assert contrast(BAR_COLOUR) >= 3
    assert contrast(TEXT_COLOUR) >= 4.5


def test_template_renders_figure_with_chart_and_table_of_the_same_rows():
    chart = bar_chart("Spend by <supplier>", SPEND, unit="GBP", label_heading="Supplier")

    figure = render(chart)

    assert figure.tag == "figure"
    assert figure.find("figcaption").text == "Spend by <supplier>"
    assert figure.find(f".//{SVG}svg") is not None
    table = figure.find(".//table")
    assert table.get("class") == "govuk-table ob-chart__table"
    assert table.find("caption").text == chart.title
    assert [th.text for th in table.findall("thead/tr/th")] == ["Supplier", "Value"]
    cells = [(row.find("th").text, row.find("td").text) for row in table.findall("tbody/tr")]
    assert cells == [(row.label, row.formatted) for row in chart.rows]
    assert cells[1] == ("Bolt & Co", "£3,000")


def test_template_says_when_there_is_no_data():
    figure = render(column_chart("Awards", []))

    assert figure.find(".//svg") is None and figure.find(".//table") is None
    assert figure.find("p").text == "No data yet."
    assert render(bar_chart("A", []), empty_message="Nothing").find("p").text == "Nothing"
