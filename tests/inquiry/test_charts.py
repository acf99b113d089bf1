"""Tables a principal reads (flp_inquiry.inquiry.tables.reader_table): a table of stars, and a measure not counted at all."""
from __future__ import annotations

import pandas as pd
import pytest
from IPython.core.interactiveshell import InteractiveShell
from IPython.display import display
from IPython.utils.capture import capture_output

from flp_inquiry.inquiry import tables

COLUMNS = {"grade": "Grade", "n": "Students", "value": "Percent met"}


def shown(table) -> list[dict]:
    """What Jupyter (and so a report) gets from a displayed reader table: the data of each output."""
    InteractiveShell.instance()  # display() publishes to a shell, as in a notebook
    with capture_output() as captured:
        display(table)
    return [output.data for output in captured.outputs]


@pytest.mark.parametrize("counts,note", [
    # every group under 11: one sentence, no table
    ([10, 3], "Every group in the table by grade has fewer than 11 students, so it is not shown."),
    ([0, 10], "Every group in the table by grade has fewer than 11 students, so it is not shown."),
    # one group of 11: the table is shown
    ([11, 3], ""),
])
def test_a_table_whose_every_row_is_hidden_is_one_sentence(counts, note):
    table = pd.DataFrame({"grade": [3, 4], "n": counts, "value": [40.0, 60.0]})
    reader = tables.reader_table(table, COLUMNS, what="the table by grade")
    assert reader.hidden_note == note
    if note:
        assert shown(reader) == [{"text/html": f'<div class="prose"><p>{note}</p></div>', "text/plain": note}]
        assert not reader.shows_rows
    else:
        assert [list(data) for data in shown(reader)] == [["text/html", "text/plain"]]


def test_groups_hidden_beside_a_shown_total_keep_the_table():
    # grade 3 has 8 students, grade 4 (12) is hidden beside it so the total of 20 does not give it away:
    # every group is hidden, but the total shows, so the table does too
    table = pd.DataFrame({"grade": [3, 4, "Total"], "n": [8, 12, 20], "value": [40.0, 60.0, 52.0]})
    reader = tables.reader_table(table, COLUMNS, complementary={"grade": "Total"})
    assert reader.hidden_note == "" and reader.data["Students"].tolist() == ["*", "*", 20]


def test_a_measure_not_counted_at_the_school_is_said_so_not_starred():
    table = pd.DataFrame({"indicator": ["Math: percent met", "Chronic absenteeism (grades K-8)"], "n": [40, 0],
                          "value": [25.0, None], "why": ["", "not counted at this school: grades K-8 only"]})
    data = tables.reader_table(table, {"indicator": "Indicator", "n": "Students", "value": "2024-25"},
                               not_counted="why").data
    assert data.to_dict("records") == [
        {"Indicator": "Math: percent met", "Students": 40, "2024-25": 25.0, "Note": ""},
        {"Indicator": "Chronic absenteeism (grades K-8)", "Students": "", "2024-25": "",
         "Note": "not counted at this school: grades K-8 only"}]


def test_the_decomposition_headings_say_each_row_is_a_part_of_the_change():
    # grade 4 went from -111.5 to -90.8 (up 20.7) but its part of the total change is -2.1: "Change" misread it
    decomposition = pd.DataFrame({"grade": [4, 5, "Total"], "before_n": [16, 20, 36], "after_n": [18, 20, 38],
                                  "before_value": [-111.5, -100.0, -105.1], "after_value": [-90.8, -130.0, -111.4],
                                  "composition": [-7.2, 1.0, -6.2], "performance": [5.1, -15.0, -9.9],
                                  "change": [-2.1, -14.0, -16.1]})
    headings = list(tables.decomposition_table(decomposition, "grade", unit="points").data.columns)
    assert "Change" not in headings and "Part of the change (points)" in headings


# ---------------------------------------------------------------------------
# charts for people: contrast, no repeated colour, at most four series, dashes in legends, funnels
# ---------------------------------------------------------------------------

import re  # noqa: E402  (the chart tests' own imports, below the table tests')

import vl_convert  # noqa: E402
from bs4 import BeautifulSoup  # noqa: E402

from flp_inquiry.inquiry import charts  # noqa: E402
from flp_inquiry.inquiry.intervals import funnel_curve, funnel_limits, mean_funnel_curve, mean_funnel_limits  # noqa: E402

YEARS = ["2021-22", "2022-23", "2023-24", "2024-25"]
#: Colours that code no series: the ink of rules, interval lines and figures written outside a mark.
NEUTRAL = {charts.INK, charts.TEXT_INK, "#000000"}


def _series(count: int) -> pd.DataFrame:
    return pd.DataFrame([{"year_label": year, "grade": f"Grade {3 + i}", "n": 40, "value": -20.0 - 9 * i + 2 * j}
                         for i in range(count) for j, year in enumerate(YEARS)])


def _levels(parts: int) -> pd.DataFrame:
    names = [f"Level {level}" for level in range(parts, 0, -1)]
    return pd.DataFrame([{"grade": f"Grade {g}", "level": name, "n": 20, "value": 100 / parts}
                         for g in (3, 4, 5) for name in names])


def _units(count: int) -> pd.DataFrame:
    return pd.DataFrame({"school": [f"School {i}" for i in range(count)], "n": [20 + 15 * i for i in range(count)],
                         "value": [30.0 + 7 * (i % 4) for i in range(count)]})


def every_chart() -> dict[str, object]:
    """One of each kind of chart this package draws, with as many series as each can take."""
    bars = pd.DataFrame({"school": ["A", "B", "C", "D"], "n": [120, 25, 80, 14], "value": [22.5, -31.0, 14.2, 40.0]})
    rate_units = funnel_limits(_units(6))
    mean_units = mean_funnel_limits(_units(6).assign(value=lambda t: -t["value"]), sd=90)
    return {
        "bars, some small, a reference line": charts.bar_chart(
            bars, "school", title="t", value_title="Rate (%)", category_title="School", reference=20.0),
        **{f"{k} lines": charts.trend_chart(_series(k), "grade", title="t", value_title="Points", series_title="Grade")
           for k in (1, 2, 3, 4)},
        "seven lines as panels": charts.trend_chart(_series(7), "grade", title="t", value_title="Points", series_title="Grade"),
        "intervals": charts.interval_chart(
            pd.DataFrame({"group": ["EL", "EO"], "n": [40, 200], "value": [20.0, 45.0], "low": [10.6, 38.3],
                          "high": [34.6, 51.9]}), "group", title="t", value_title="Percent met", category_title="Group"),
        "funnel of a rate": charts.funnel_chart(rate_units, funnel_curve(float(rate_units["overall"].iloc[0]), 95),
                                                label="school", title="t", value_title="Percent met (%)"),
        "funnel of a mean": charts.funnel_chart(mean_units, mean_funnel_curve(float(mean_units["overall"].iloc[0]), 90, 95),
                                                label="school", title="t", value_title="Distance from standard (points)"),
        "four levels stacked": charts.stacked_share_chart(_levels(4), "grade", "level", title="t", category_title="Grade",
                                                          stack_title="Level"),
        "six parts as panels": charts.stacked_share_chart(_levels(6), "grade", "level", title="t", category_title="Grade",
                                                          stack_title="Part"),
        "scatter": charts.scatter_chart(pd.DataFrame({"school": list("ABC"), "n": [40, 60, 50], "x": [12.0, 30.0, 20.0],
                                                      "y": [-20.0, -80.0, -50.0]}), "x", "y", label="school", title="t",
                                        x_title="Chronic absence", y_title="DFS"),
    }


def _hex(colour: str) -> str | None:
    colour = colour.strip().lower()
    named = {"white": "#ffffff", "black": "#000000"}
    colour = named.get(colour, colour)
    if re.fullmatch(r"#[0-9a-f]{3}", colour):
        colour = "#" + "".join(c * 2 for c in colour[1:])
    return colour if re.fullmatch(r"#[0-9a-f]{6}", colour) else None


def _on_white(colour: str, opacity: float) -> str:
    """What a colour drawn at ``opacity`` over white looks like."""
    channels = [int(colour[i:i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(c * opacity + 255 * (1 - opacity)):02x}" for c in channels)


def drawn_colours(svg: str) -> list[tuple[str, str, str]]:
    """(kind of mark, fill or stroke, colour as seen on white) of every mark the SVG draws (not axes or grid)."""
    soup = BeautifulSoup(svg, "html.parser")
    drawn = []
    for group in soup.find_all("g", class_=re.compile(r"role-(mark|legend-symbol)")):
        kind = next((c.removeprefix("mark-") for c in group["class"] if c.startswith("mark-")), "?")
        for element in group.find_all(["path", "rect", "text", "line", "circle"], recursive=False):
            opacity = float(element.get("opacity", 1))
            for paint in ("fill", "stroke"):
                colour = _hex(element.get(paint, ""))
                if colour is None:
                    continue
                seen = opacity * float(element.get(f"{paint}-opacity", 1))
                drawn.append((kind, paint, _on_white(colour, seen)))
    return drawn


@pytest.mark.parametrize("name", list(every_chart()))
def test_every_colour_a_chart_draws_has_3_to_1_contrast_on_white_and_no_series_colour_repeats(name):
    chart = every_chart()[name]
    svg = vl_convert.vegalite_to_svg(chart.to_dict())
    drawn = drawn_colours(svg)
    assert drawn, "no mark found: the check would see nothing"
    # white is the page: a hollow bar's inside, the lines between stacked segments, text inside a dark segment
    inked = {colour for _, _, colour in drawn if colour != charts.WHITE}
    low = {colour: round(charts.contrast_ratio(colour), 2) for colour in inked if charts.contrast_ratio(colour) < 3}
    assert low == {}, f"{name}: colours under 3:1 against white"
    series = {colour for kind, _, colour in drawn if kind in ("line", "symbol", "rect") and colour not in NEUTRAL | {charts.WHITE}}
    assert len(series) <= charts.MAX_SERIES, f"{name}: {sorted(series)}"
    if name.endswith(" lines"):  # k lines, k colours: none repeated
        assert len(series) == int(name.split()[0]), series


def test_the_palettes_themselves_are_dark_enough_and_distinct():
    for colour in [*charts.SERIES_COLOURS, *charts.LEVEL_COLOURS, charts.BAR_COLOUR, charts.INK, charts.TEXT_INK]:
        assert charts.contrast_ratio(colour) >= 4.5, colour  # lines need 3:1; 4.5:1 lets text take the colour too
    assert len(set(charts.SERIES_COLOURS)) == len(charts.SERIES_COLOURS) == charts.MAX_SERIES == 4
    assert len(set(charts.LEVEL_COLOURS)) == len(charts.LEVEL_COLOURS)
    # the colours the issue found too light (2.43, 2.65 and 1.88 to 1) are gone
    assert not {"#6baed6", "#9e9ac8", "#bdbdbd"} & {*charts.SERIES_COLOURS, *charts.LEVEL_COLOURS}
    assert round(charts.contrast_ratio("#6baed6"), 2) == 2.43  # the measure itself, worked out by hand in its doctest


def test_text_inside_a_stacked_segment_reads_on_its_colour():
    for fill in charts.LEVEL_COLOURS:
        text = charts.text_colour_on(fill)
        assert charts.contrast_ratio(text, fill) >= 4.5, (fill, text)
    spec = every_chart()["four levels stacked"].to_dict()
    values = next(iter(spec["datasets"].values()))
    level_colour = dict(zip([f"Level {k}" for k in (4, 3, 2, 1)], charts.LEVEL_COLOURS))
    assert all(row["text_colour"] == charts.text_colour_on(level_colour[row["level"]]) for row in values)


def test_four_lines_differ_in_greyscale_and_the_legend_shows_their_dashes():
    svg = BeautifulSoup(vl_convert.vegalite_to_svg(every_chart()["4 lines"].to_dict()), "html.parser")
    lines = [path["stroke-dasharray"] for path in svg.select("g.mark-line.role-mark > path")]
    legend = [path for path in svg.select("g.role-legend-symbol > path")]
    markers = {path["d"] for path in svg.select("g.mark-symbol.role-mark > path")}
    assert len(set(lines)) == len(lines) == 4  # solid, dashed, dotted, dash-dot
    assert sorted(path["stroke-dasharray"] for path in legend) == sorted(lines)
    # each legend symbol is a stroke 30 px long: long enough to show its dashes (a dot shows none)
    assert {path["d"] for path in legend} == {"M-15,0L15,0"}
    assert len(markers) == 4  # circle, square, triangle, diamond


def test_more_than_four_lines_become_panels_on_one_scale():
    spec = every_chart()["seven lines as panels"].to_dict()
    assert spec["facet"]["field"] == "grade" and spec["columns"] == 3
    assert spec["facet"]["sort"] == [f"Grade {g}" for g in range(3, 10)]  # the table's order, not 'Grade 10' first
    assert spec["resolve"] == {"axis": {"x": "independent"}}  # one y scale shared by every panel, years under each
    assert spec["description"].startswith("Line charts of Points over School year, one panel each for Grade 3,")


def test_every_chart_compiles_for_jupyterlab():
    for name, chart in every_chart().items():
        bundle = charts.notebook_renderer(chart.to_dict())
        vega = bundle[charts.JUPYTERLAB_VEGA_MIMETYPE] if charts.DRAW_IN_JUPYTERLAB else vl_convert.vegalite_to_vega(chart.to_dict())
        assert vega["marks"], name


@pytest.mark.parametrize("units,drawn", [(0, False), (1, False), (4, False), (5, True), (8, True)])
def test_a_funnel_needs_five_units_of_11_or_more(units, drawn):
    table = _units(units)
    small = pd.DataFrame({"school": ["Tiny"], "n": ["*"], "value": ["*"]})  # under 11: never counts
    limits = pd.concat([funnel_limits(table) if units else table, small], ignore_index=True)
    chart = charts.funnel_chart(limits, funnel_curve(40.0, 200), label="school", title="t", value_title="Percent met (%)")
    assert isinstance(chart, charts.NothingToDraw) != drawn
    if not drawn:
        why = "no school has 11 or more students" if units == 0 else (
            f"only {units} school{'s have' if units > 1 else ' has'} 11 or more students, and a funnel plot needs at least 5")
        assert chart.description.startswith(f"No funnel plot of Percent met (%): {why}"), chart.description
        assert chart.description.endswith("1 group with fewer than 11 students is not shown.")


def test_a_funnel_of_means_by_hand():
    # sd 90 points, 81 students: standard error 10, 95% limits overall +/- 19.6
    table = pd.DataFrame({"school": ["A", "B"], "n": [81, 81], "value": [-40.0, -80.0]})
    limits = mean_funnel_limits(table, sd=90)
    assert limits["overall"].tolist() == [-60.0, -60.0]
    assert limits["lower_95"].round(1).tolist() == [-79.6, -79.6] and limits["upper_95"].round(1).tolist() == [-40.4, -40.4]
    assert limits["funnel_zone"].tolist() == ["between 95% and 99.8%", "between 95% and 99.8%"]


# ---------------------------------------------------------------------------
# tables for people: a caption, scoped headings, an id a sentence can point to, text escaped
# ---------------------------------------------------------------------------

def _soup(table) -> BeautifulSoup:
    return BeautifulSoup(table.to_html(), "html.parser")


def test_a_reader_table_has_a_caption_scoped_headings_and_an_id_of_its_own():
    table = pd.DataFrame({"grade": [3, 4], "n": [40, 25], "value": [40.0, 60.0]})
    soup = _soup(tables.reader_table(table, COLUMNS, caption="Math by grade, Sample Oak"))
    html_table = soup.find("table")
    assert html_table["id"] == "table-math-by-grade-sample-oak"
    assert html_table.caption.get_text() == "Math by grade, Sample Oak"
    assert [(th.get_text(), th["scope"]) for th in html_table.thead.find_all("th")] == [
        ("Grade", "col"), ("Students", "col"), ("Percent met", "col"), ("Note", "col")]
    rows = html_table.tbody.find_all("tr")
    assert [(row.find().name, row.find()["scope"], row.find().get_text()) for row in rows] == [
        ("th", "row", "Grade 3"), ("th", "row", "Grade 4")]
    assert all(cell.name == "td" for row in rows for cell in row.find_all(["th", "td"])[1:])
    assert "T_" not in str(soup)  # no random pandas id


def test_a_table_without_a_caption_gets_one_from_its_headings_and_the_same_id_every_time():
    table = pd.DataFrame({"grade": [3, 4], "n": [40, 25], "value": [40.0, 60.0]})
    first, again = (_soup(tables.reader_table(table, COLUMNS)) for _ in range(2))
    assert first.find("caption").get_text() == "Students and percent met by grade"
    assert first.find("table")["id"] == again.find("table")["id"] == "table-students-and-percent-met-by-grade"
    assert str(first) == str(again)
    assert tables.reader_table(table, COLUMNS, id="grades").to_html().count('id="grades"') == 1


def test_text_from_data_stays_text_in_headings_cells_and_caption():
    hostile = 'Oak <img src=x onerror="alert(1)"> & "Elm"'
    table = pd.DataFrame({"school": [hostile], "n": [40], "value": [40.0]})
    html = tables.reader_table(table, {"school": hostile, "n": "Students", "value": "Percent met"},
                               caption=f"Math at {hostile}").to_html()
    assert "<img" not in html and "&lt;img src=x onerror=&quot;alert(1)&quot;&gt; &amp;" in html
    soup = BeautifulSoup(html, "html.parser")
    assert soup.caption.get_text() == f"Math at {hostile}"
    assert soup.tbody.th.get_text() == hostile and soup.thead.th.get_text() == hostile


def test_styles_a_coach_adds_still_reach_their_cells():
    table = pd.DataFrame({"grade": [3, 4], "n": [40, 25], "value": [40.0, 60.0]})
    styled = tables.reader_table(table, COLUMNS).set_properties(subset=["Students"], color="red").to_html()
    soup = BeautifulSoup(styled, "html.parser")
    selectors = re.findall(r"#([\w-]+)", soup.style.get_text())
    cells = {cell["id"] for cell in soup.find_all(["td", "th"], id=True)}
    assert selectors and set(selectors) <= cells
    assert all(soup.find(id=s).get_text() in ("40", "25") for s in selectors)


def test_a_level_keeps_its_colour_whichever_levels_are_shown_and_bars_are_not_stretched():
    # only levels 3 and 2 with 11 or more students: level 2 is still below the middle (brown), not the second blue
    t = pd.DataFrame({"grade": ["Grade 1"] * 4, "level": ["Level 4", "Level 3", "Level 2", "Level 1"],
                      "n": ["*", 28, 12, "*"], "value": ["*", 58.3, 25.0, "*"]})
    spec = charts.stacked_share_chart(t, "grade", "level", title="t", category_title="Grade", stack_title="Level").to_dict()
    bars = spec["layer"][0]["encoding"]
    assert bars["color"]["scale"] == {"domain": ["Level 4", "Level 3", "Level 2", "Level 1"], "range": charts.LEVEL_COLOURS}
    values = {row["level"]: row for row in next(iter(spec["datasets"].values()))}
    assert (values["Level 3"]["start"], values["Level 3"]["end"]) == (0.0, 0.583)  # 58.3%, not stretched to 76.8%
    assert values["Level 2"]["end"] == pytest.approx(0.833)  # and the bar stops short: two levels are not shown
    assert "the rest is groups not shown" in spec["description"]
