"""Altair charts for the inquiry notebooks: titled, labelled for a principal, with tooltips.

Every chart gets a ``description``: one sentence saying what it shows, used as
the text alternative in rendered reports.  Charts take the tidy (already
suppressed) tables of :mod:`flp_inquiry.measures.metrics`: rows whose value is hidden
(``*``) are left out of the marks and counted in the description.

Drawn for people, on screen and on paper: every colour a chart draws has at least
4.5:1 contrast against white (WCAG 2.1: 3:1 is needed for lines and marks, 4.5:1 for
text in that colour), no colour repeats within a chart, and a chart has at most
:data:`MAX_SERIES` colour-coded series: with more, it becomes small multiples, one
panel per series on the same scale.  Lines also differ by dash (shown in the legend)
and marker shape, so a chart printed in greyscale can still be read.

Nothing is drawn empty: a chart with no group of 11 or more students is a
:class:`NothingToDraw`, which shows nothing (nor does a table without rows,
:mod:`flp_inquiry.inquiry.tables`); the sentence a notebook writes beside them says
there is nothing to show.
"""
from __future__ import annotations

from typing import Sequence

import altair as alt
import pandas as pd

from flp_inquiry.inquiry import labels

# the renderer that shows these charts in a notebook, offline (its own module; its names are charts' too)
from flp_inquiry.inquiry.chart_renderer import (  # noqa: F401
    DRAW_IN_JUPYTERLAB,
    JUPYTERLAB_VEGA_MIMETYPE,
    VEGALITE_MIMETYPE,
    notebook_renderer,
    unchecked_bundle,
    use_notebook_renderer,
)
from flp_inquiry.measures.dashboard import round_half_away
from flp_inquiry.measures.suppression import suppress_small_cells

#: Colours of the series of one chart, in the order the series take them: Okabe and Ito's blue, vermilion,
#: bluish green and reddish purple, darkened to 4.5:1 or more against white (:func:`contrast_ratio`).
SERIES_COLOURS = ["#08306b", "#c1440e", "#007056", "#9a3d8f"]
#: At most this many colour-coded series in one chart; with more, one panel per series (small multiples).
MAX_SERIES = len(SERIES_COLOURS)
#: Dash patterns (solid, dashed, dotted, dash-dot) and marker shapes: lines told apart in greyscale too.
SERIES_DASHES = [[1, 0], [8, 4], [2, 3], [10, 3, 2, 3]]
SERIES_SHAPES = ["circle", "square", "triangle-up", "diamond"]
#: Stacked shares, highest level first (ELPAC/SBAC level 4 .. 1): blues above the middle, browns below,
#: each dark enough for white text (:func:`text_colour_on`).
LEVEL_COLOURS = ["#08306b", "#2166ac", "#b35806", "#7f3b08"]
BAR_COLOUR = "#2171b5"
#: Rules, interval lines and funnel limits; text drawn outside a mark.
INK, TEXT_INK = "#525252", "#1a1a1a"
WHITE = "#ffffff"
CAUTION_N = 30
#: A funnel plot needs this many units of 11 or more students to show which stand out from the rest.
MIN_FUNNEL_UNITS = 5

# Reports render charts to SVG; a fixed width keeps them readable on paper.
WIDTH = 560
#: One panel of small multiples, three to a row (room for four school years' labels side by side).
PANEL_WIDTH = 190

def relative_luminance(colour: str) -> float:
    """WCAG 2.1 relative luminance of a ``#rrggbb`` colour: 0 for black, 1 for white.

    >>> relative_luminance("#000000"), relative_luminance("#ffffff"), round(relative_luminance("#808080"), 4)
    (0.0, 1.0, 0.2159)
    """
    text = colour.strip().lstrip("#")
    if len(text) == 3:
        text = "".join(c * 2 for c in text)
    if len(text) != 6:
        raise ValueError(f"not a #rrggbb colour: {colour!r}")
    channels = [int(text[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(colour: str, background: str = WHITE) -> float:
    """WCAG 2.1 contrast ratio of two colours, 1 to 21 (3 is the least for lines and marks, 4.5 for text).

    Worked by hand for grey #767676: each channel 118/255 = 0.4627, linear ((0.4627 + 0.055) / 1.055) ** 2.4
    = 0.1812, so its luminance is 0.1812 and against white (1.0 + 0.05) / (0.1812 + 0.05) = 4.54.

    >>> round(contrast_ratio("#767676"), 2), contrast_ratio("#000000"), round(contrast_ratio("#6baed6"), 2)
    (4.54, 21.0, 2.43)
    """
    lighter, darker = sorted((relative_luminance(colour), relative_luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def text_colour_on(fill: str) -> str:
    """White or near-black, whichever reads better on ``fill`` (for text drawn inside a bar).

    >>> text_colour_on("#08306b"), text_colour_on("#deebf7")
    ('#ffffff', '#1a1a1a')
    """
    return WHITE if contrast_ratio(WHITE, fill) >= contrast_ratio(TEXT_INK, fill) else TEXT_INK


def _stroke_legend(title: str) -> alt.Legend:
    # a stroke 30 px long (its symbol size is the square of its length) shows a dash pattern; a dot does not
    return alt.Legend(title=title, symbolType="stroke", symbolSize=900, symbolStrokeWidth=2.5)





class NothingToDraw:
    """What a chart function returns when no group has enough students to draw: it displays nothing.

    Empty axes tell a reader nothing.  Like a chart it has a ``title`` and a
    ``description`` (saying why there is nothing), and ``to_dict()`` gives both.

    >>> empty = bar_chart(pd.DataFrame({"school": ["A"], "n": ["*"], "value": ["*"]}), "school", title="Math",
    ...                   value_title="Percent met", category_title="School")
    >>> empty.to_dict()["description"]
    'Bar chart of Percent met by School. No group has enough students to show. 1 group with fewer than 11 students is not shown.'
    >>> from IPython.core.formatters import DisplayFormatter
    >>> DisplayFormatter().format(empty)  # Jupyter (and so the report) gets nothing to show
    ({}, {})
    """

    def __init__(self, title: str, description: str):
        self.title, self.description = title, description

    def to_dict(self) -> dict[str, str]:
        return {"title": self.title, "description": self.description}

    def _ipython_display_(self) -> None:
        # IPython asks this before any other representation: nothing to draw, nothing shown.
        return None

    def __repr__(self) -> str:
        return f"NothingToDraw({self.title!r}: {self.description!r})"


def plottable(table: pd.DataFrame, value: str) -> tuple[pd.DataFrame, int]:
    """Rows whose ``value`` is a number, and how many were hidden by suppression.

    >>> t = pd.DataFrame({"school": ["A", "B"], "n": [40, "*"], "value": [52.5, "*"]})
    >>> shown, hidden = plottable(t, "value")
    >>> list(shown["school"]), hidden
    (['A'], 1)
    """
    numbers = pd.to_numeric(table[value], errors="coerce")
    shown = table.loc[numbers.notna()].copy()
    shown[value] = numbers[numbers.notna()].astype(float)
    if "n" in shown:
        shown["n"] = pd.to_numeric(shown["n"], errors="coerce")
    return shown, int(numbers.isna().sum())


def _hidden_note(hidden: int) -> str:
    if not hidden:
        return ""
    return f" {hidden} group{'s' if hidden != 1 else ''} with fewer than 11 students {'are' if hidden != 1 else 'is'} not shown."


def _extremes(shown: pd.DataFrame, label: str, value: str, unit: str) -> str:
    if shown.empty:
        return " No group has enough students to show."
    top, bottom = shown.loc[shown[value].idxmax()], shown.loc[shown[value].idxmin()]
    if len(shown) == 1:
        return f" {top[label]}: {top[value]:.1f}{unit}."
    return f" Highest: {top[label]} ({top[value]:.1f}{unit}); lowest: {bottom[label]} ({bottom[value]:.1f}{unit})."


def _unit(value_title: str) -> str:
    return "%" if "percent" in value_title.lower() or "rate" in value_title.lower() else ""


def _lines(series: pd.Series, what: str = "line") -> str:
    """What the lines (or panels) of a line chart are, in words (a sentence for any series title).

    >>> _lines(pd.Series(["EL", "EO", "EL"])), _lines(pd.Series(["Grade 3", "Grade 4", "Grade 5"])), _lines(pd.Series([], dtype=str))
    ('one line each for EL and EO', 'one line each for Grade 3, Grade 4 and Grade 5', 'no line: no group has enough students to show')
    """
    names = [str(name) for name in dict.fromkeys(series)]
    if not names:
        return f"no {what}: no group has enough students to show"
    if len(names) == 1:
        return f"one {what} for {names[0]}"
    return f"one {what} each for {labels.join_words(names)}"


def _tooltip(fields: Sequence[tuple[str, str, str]]) -> list[alt.Tooltip]:
    return [alt.Tooltip(f"{field}:{kind}", title=title) for field, kind, title in fields]


def bar_chart(
    table: pd.DataFrame, category: str, value: str = "value", *, title: str, value_title: str,
    category_title: str, reference: float | None = None, reference_label: str = "District",
) -> alt.Chart | NothingToDraw:
    """Horizontal bars of ``value`` by ``category``, each labelled with its figure; small groups (n < 30) hollow.

    A hollow bar (its outline in the bar colour) says "read with caution" in greyscale too, where a
    lighter bar would fall under 3:1 against white.  Each figure is written just past its bar's end,
    in dark ink on white.

    >>> t = pd.DataFrame({"school": ["A", "B", "C"], "n": [40, 25, "*"], "value": [52.5, 31.0, "*"]})
    >>> chart = bar_chart(t, "school", title="Math", value_title="Percent met or exceeded",
    ...                   category_title="School")
    >>> chart.to_dict()["description"]
    'Bar chart of Percent met or exceeded by School. Highest: A (52.5%); lowest: B (31.0%). 1 group with fewer than 11 students is not shown.'
    """
    shown, hidden = plottable(table, value)
    unit = _unit(value_title)
    shown = shown.assign(caution=shown["n"] < CAUTION_N if "n" in shown else False)
    sizes = ["30 or more students", "fewer than 30 students: read with caution"]
    shown["size_note"] = shown["caution"].map({False: sizes[0], True: sizes[1]})
    shown["label"] = shown[value].map(lambda v: f"{v:.1f}{unit}")
    description = f"Bar chart of {value_title} by {category_title}." + _extremes(shown, category, value, unit) + _hidden_note(hidden)
    if shown.empty:
        return NothingToDraw(title, description)
    # highest first, the same order in every layer (a sort by x is lost where layers' data differ)
    y = alt.Y(f"{category}:N", title=category_title, sort=list(shown.sort_values(value, ascending=False)[category]))
    # room past the longest bars for their figures: an eighth of the span on each side that has bars
    low, high = min(0.0, shown[value].min(), reference or 0.0), max(0.0, shown[value].max(), reference or 0.0)
    room = (high - low) / 8 or 1.0
    domain = [low - room if shown[value].min() < 0 else low, high + room if shown[value].max() > 0 else high]
    bars = alt.Chart(shown).mark_bar(stroke=BAR_COLOUR, strokeWidth=1.5).encode(
        y=y, x=alt.X(f"{value}:Q", title=value_title, scale=alt.Scale(domain=domain, nice=True)),
        fill=alt.Fill("size_note:N", title="Group size", scale=alt.Scale(domain=sizes, range=[BAR_COLOUR, WHITE]),
                      legend=alt.Legend(symbolStrokeColor=BAR_COLOUR, symbolType="square", orient="bottom",
                                        direction="horizontal", labelLimit=0)),
        tooltip=_tooltip([(category, "N", category_title), (value, "Q", value_title), ("n", "Q", "Students"), ("size_note", "N", "Group size")]),
    )
    layers = [bars]
    # the figure past the bar's end: to the right of a positive bar, to the left of a negative one
    for side, align, dx in (("datum['%s'] >= 0", "left", 4), ("datum['%s'] < 0", "right", -4)):
        layers.append(alt.Chart(shown).transform_filter(side % value).mark_text(align=align, dx=dx, color=TEXT_INK).encode(
            y=y, x=f"{value}:Q", text="label:N"))
    if reference is not None:
        rule = alt.Chart(pd.DataFrame({"reference": [reference], "label": [reference_label]})).mark_rule(
            color=TEXT_INK, strokeDash=[4, 3]).encode(x="reference:Q", tooltip=_tooltip([("label", "N", "Line"), ("reference", "Q", value_title)]))
        layers.append(rule)
        description += f" The dashed line marks {reference_label} ({reference:.1f}{unit})."
    return alt.layer(*layers).properties(title=title, width=WIDTH, description=description)


def trend_chart(
    table: pd.DataFrame, series: str, value: str = "value", *, title: str, value_title: str,
    series_title: str, x: str = "year_label", x_title: str = "School year",
) -> alt.Chart | NothingToDraw:
    """Lines over school years, one per ``series``; with more than :data:`MAX_SERIES`, one small chart each.

    Up to four lines share one chart, each with its own colour, dash and marker shape, and the
    legend shows the dashes.  More would be a tangle no one can follow (and colours would repeat):
    then each series gets a panel of its own, all on the same scale, in the order the table gives them.

    >>> t = pd.DataFrame({"year_label": ["2023-24", "2024-25"] * 2, "group": ["EL", "EL", "EO", "EO"],
    ...                   "n": [30, 30, 90, 90], "value": [-80.0, -95.0, -10.0, -8.0]})

    The description names the lines themselves, so it reads as a sentence whatever ``series_title`` is.

    >>> trend_chart(t, "group", title="DFS", value_title="Distance from standard",
    ...             series_title="Group").to_dict()["description"]
    'Line chart of Distance from standard over School year, one line each for EL and EO. In 2024-25: highest EO (-8.0); lowest EL (-95.0).'
    >>> trend_chart(t[t["group"] == "EL"], "group", title="DFS", value_title="Distance from standard",
    ...             series_title="Group").to_dict()["description"]
    'Line chart of Distance from standard over School year, one line for EL. In 2024-25: EL (-95.0), the only one shown.'

    Five grades: five panels.

    >>> five = pd.DataFrame({"year_label": "2024-25", "grade": [f"Grade {g}" for g in range(3, 8)], "n": 40,
    ...                      "value": [-10.0, -20.0, -30.0, -40.0, -50.0]})
    >>> spec = trend_chart(five, "grade", title="DFS", value_title="Points", series_title="Grade").to_dict()
    >>> spec["facet"]["field"], spec["description"].split(" on the same")[0]
    ('grade', 'Line charts of Points over School year, one panel each for Grade 3, Grade 4, Grade 5, Grade 6 and Grade 7,')
    """
    shown, hidden = plottable(table, value)
    unit = _unit(value_title)
    names = [str(name) for name in dict.fromkeys(shown[series])]  # the table's order: Grade 3 before Grade 10
    panels = len(names) > MAX_SERIES
    if panels:
        description = (f"Line charts of {value_title} over {x_title}, {_lines(shown[series], 'panel')}, "
                       "on the same scale.")
    else:
        description = f"Line chart of {value_title} over {x_title}, {_lines(shown[series])}."
    if not shown.empty:
        last = shown[shown[x] == shown[x].max()]
        top, bottom = last.loc[last[value].idxmax()], last.loc[last[value].idxmin()]
        if len(last) == 1:  # a highest that is also the lowest says nothing
            description += f" In {top[x]}: {top[series]} ({top[value]:.1f}{unit}), the only one shown."
        else:
            description += (f" In {top[x]}: highest {top[series]} ({top[value]:.1f}{unit}); "
                            f"lowest {bottom[series]} ({bottom[value]:.1f}{unit}).")
    description += _hidden_note(hidden)
    if shown.empty:
        return NothingToDraw(title, description)
    shown[series] = shown[series].astype(str)
    tooltip = _tooltip([(series, "N", series_title), (x, "O", x_title), (value, "Q", value_title), ("n", "Q", "Students")])
    x_axis = alt.X(f"{x}:O", title=x_title, axis=alt.Axis(labelAngle=0))
    if panels:
        return _trend_panels(shown, series, names, value, x_axis, tooltip, title=title, value_title=value_title,
                             description=description)
    colours, dashes, shapes = (alt.Scale(domain=names, range=styles[: len(names)])
                               for styles in (SERIES_COLOURS, SERIES_DASHES, SERIES_SHAPES))
    lines = alt.Chart(shown).mark_line(strokeWidth=2.5).encode(
        x=x_axis, y=alt.Y(f"{value}:Q", title=value_title),
        color=alt.Color(f"{series}:N", scale=colours, legend=_stroke_legend(series_title)),
        strokeDash=alt.StrokeDash(f"{series}:N", scale=dashes, legend=_stroke_legend(series_title)),
    )
    # the markers' fill and shape have legends of their own, left out: the lines' legend shows the dashes
    points = alt.Chart(shown).mark_point(filled=True, size=70, opacity=1).encode(
        x=x_axis, y=f"{value}:Q", fill=alt.Fill(f"{series}:N", scale=colours, legend=None),
        shape=alt.Shape(f"{series}:N", scale=shapes, legend=None), tooltip=tooltip,
    )
    chart = alt.layer(lines, points).resolve_legend(fill="independent", shape="independent")
    return chart.properties(title=title, width=WIDTH, description=description)


def _trend_panels(shown: pd.DataFrame, series: str, names: list[str], value: str, x_axis: alt.X, tooltip: list,
                  *, title: str, value_title: str, description: str) -> alt.FacetChart:
    """One small line chart per series, three to a row, on one scale (the value's title under the chart's)."""
    y_axis = alt.Y(f"{value}:Q", title=None)  # (a long title would overlap itself beside each row of panels)
    line = alt.Chart().mark_line(color=SERIES_COLOURS[0], strokeWidth=2.5).encode(x=x_axis, y=y_axis)
    points = alt.Chart().mark_point(color=SERIES_COLOURS[0], filled=True, size=50, opacity=1).encode(
        x=x_axis, y=y_axis, tooltip=tooltip)
    panel = alt.layer(line, points, data=shown).properties(width=PANEL_WIDTH, height=100)
    header = alt.Header(title=None, labelFontSize=12, labelFontWeight="bold", labelAnchor="start")
    # each panel its own x axis: with shared ones Vega-Lite draws an axis under every column of the last row,
    # under an empty cell too, and a panel above an empty cell shows no years at all
    return panel.facet(facet=alt.Facet(f"{series}:N", sort=names, header=header, title=None), columns=3).properties(
        title=alt.TitleParams(title, subtitle=value_title, anchor="start"), description=description
    ).resolve_axis(x="independent")


def interval_chart(
    table: pd.DataFrame, category: str, *, value: str = "value", low: str = "low", high: str = "high",
    title: str, value_title: str, category_title: str,
) -> alt.Chart | NothingToDraw:
    """Points with their 95% intervals, for comparing groups without over-reading small ones.

    >>> t = pd.DataFrame({"group": ["EL", "EO"], "n": [40, 200], "value": [20.0, 45.0],
    ...                   "low": [10.6, 38.3], "high": [34.6, 51.9]})
    >>> interval_chart(t, "group", title="Gap", value_title="Percent met",
    ...                category_title="Group").to_dict()["description"]
    'Dot chart with 95% intervals of Percent met by Group. Highest: EO (45.0%); lowest: EL (20.0%).'
    """
    shown, hidden = plottable(table, value)
    unit = _unit(value_title)
    description = (f"Dot chart with 95% intervals of {value_title} by {category_title}."
                   + _extremes(shown, category, value, unit) + _hidden_note(hidden))
    if shown.empty:
        return NothingToDraw(title, description)
    base = alt.Chart(shown).encode(y=alt.Y(f"{category}:N", title=category_title, sort="-x"))
    rules = base.mark_rule(color=INK, strokeWidth=2).encode(x=alt.X(f"{low}:Q", title=value_title), x2=f"{high}:Q")
    points = base.mark_point(filled=True, size=90, color=SERIES_COLOURS[0], opacity=1).encode(
        x=f"{value}:Q",
        tooltip=_tooltip([(category, "N", category_title), (value, "Q", value_title), (low, "Q", "95% interval from"),
                          (high, "Q", "95% interval to"), ("n", "Q", "Students")]),
    )
    return alt.layer(rules, points).properties(title=title, width=WIDTH, description=description)


def funnel_chart(
    units: pd.DataFrame, curve: pd.DataFrame, *, label: str, value: str = "value", n: str = "n",
    title: str, value_title: str,
) -> alt.Chart | NothingToDraw:
    """Funnel plot: each unit's figure against its number of students, with 95% and 99.8% limits.

    ``curve`` has columns ``n``, ``lower_95``, ``upper_95``, ``lower_99_8``, ``upper_99_8``: a rate's
    (:func:`flp_inquiry.inquiry.intervals.funnel_curve`) or a mean's
    (:func:`flp_inquiry.inquiry.intervals.mean_funnel_curve`, e.g. distance from standard).
    A point outside the 99.8% funnel is unlikely to be chance; inside the 95% funnel it may well be.
    A funnel needs :data:`MIN_FUNNEL_UNITS` (5) units with 11 or more students to show which stand
    out from the rest: with fewer it is a :class:`NothingToDraw`, whose description says why (a
    sentence a notebook can use in the chart's place; never "0 of 0" or "the one school shown").

    >>> curve = pd.DataFrame({"n": [11, 100], "lower_95": [20.0, 40.0], "upper_95": [80.0, 60.0],
    ...                       "lower_99_8": [10.0, 35.0], "upper_99_8": [90.0, 65.0]})
    >>> units = pd.DataFrame({"school": list("ABCDEF"), "n": [100, 50, 40, 60, 30, "*"],
    ...                       "value": [70.0, 50.0, 52.0, 48.0, 45.0, "*"],
    ...                       "funnel_zone": ["outside 99.8%"] + ["inside 95%"] * 4 + ["*"]})
    >>> funnel_chart(units, curve, label="school", title="t", value_title="Percent met (%)").to_dict()["description"]
    'Funnel plot of Percent met (%) against the number of students, one point per school, with 95% and 99.8% limits. 1 of the 5 schools shown falls outside the 99.8% limits. 1 group with fewer than 11 students is not shown.'
    >>> funnel_chart(units.iloc[[0, 1, 5]], curve, label="school", title="t", value_title="Percent met (%)").description
    'No funnel plot of Percent met (%): only 2 schools have 11 or more students, and a funnel plot needs at least 5 to show which stand out from the rest. 1 group with fewer than 11 students is not shown.'
    >>> funnel_chart(units.iloc[[5]], curve, label="school", title="t", value_title="Percent met (%)").description
    'No funnel plot of Percent met (%): no school has 11 or more students. 1 group with fewer than 11 students is not shown.'
    """
    shown, hidden = plottable(units, value)
    outside = int(shown.get("funnel_zone", pd.Series(dtype=str)).astype(str).str.contains("outside").sum())
    unit_words = labels.GROUP_TYPE_LABELS.get(label, label).lower()
    if len(shown) < MIN_FUNNEL_UNITS:
        if shown.empty:
            why = f"no {unit_words} has 11 or more students."
        else:
            few = f"only {len(shown)} {unit_words}{'s have' if len(shown) != 1 else ' has'}"
            why = (f"{few} 11 or more students, and a funnel plot needs at least {MIN_FUNNEL_UNITS} to show which "
                   "stand out from the rest.")
        return NothingToDraw(title, f"No funnel plot of {value_title}: {why}" + _hidden_note(hidden))
    description = (f"Funnel plot of {value_title} against the number of students, one point per {unit_words}, "
                   f"with 95% and 99.8% limits. {outside} of the {len(shown)} {unit_words}s shown "
                   f"{'falls' if outside == 1 else 'fall'} outside the 99.8% limits." + _hidden_note(hidden))
    long = curve.drop(columns=["overall"], errors="ignore").melt(id_vars=[n], var_name="limit", value_name="bound")
    long["limits"] = long["limit"].map(lambda s: "99.8% limits" if s.endswith("99_8") else "95% limits")
    lines = alt.Chart(long).mark_line(color=INK, strokeWidth=1.5).encode(
        x=alt.X(f"{n}:Q", title="Students"), y=alt.Y("bound:Q", title=value_title), detail="limit:N",
        strokeDash=alt.StrokeDash("limits:N", legend=_stroke_legend("Limits"),
                                  scale=alt.Scale(domain=["95% limits", "99.8% limits"], range=SERIES_DASHES[1:3])),
    )
    points = alt.Chart(shown).mark_point(filled=True, size=80, color=SERIES_COLOURS[0], opacity=1).encode(
        x=f"{n}:Q", y=f"{value}:Q",
        tooltip=_tooltip([(label, "N", label.capitalize()), (value, "Q", value_title), (n, "Q", "Students")]),
    )
    return alt.layer(lines, points).properties(title=title, width=WIDTH, description=description)


def stacked_share_chart(
    table: pd.DataFrame, category: str, stack: str, value: str = "value", *, title: str,
    category_title: str, stack_title: str, order: Sequence[str] | None = None,
) -> alt.Chart | NothingToDraw:
    """Stacked bars of shares (percent of each ``category``, e.g. ELPAC levels by grade), each share written in it.

    Up to four parts, highest first (:data:`LEVEL_COLOURS`; ``Level 1`` to ``Level 4`` always take the
    same colours, whichever are shown); with more, one small bar chart per part.  A share is written
    inside its segment, in the text colour that reads best on it (:func:`text_colour_on`), where the
    segment is wide enough (8% or more).  Bars are the shares themselves, not stretched to 100%: a bar
    with a part hidden (fewer than 11 students) stops short, and where that part alone would be 100%
    minus the others, the smallest part shown beside it is hidden too.

    >>> t = pd.DataFrame({"grade": ["Grade 3"] * 2, "level": ["Level 4", "Level 3"], "n": [12, 30], "value": [28.6, 71.4]})
    >>> stacked_share_chart(t, "grade", "level", title="ELPAC", category_title="Grade",
    ...                     stack_title="Level").to_dict()["description"]
    'Stacked bar chart of the share of students in each Level by Grade. Largest share: Level 3 in Grade 3 (71.4%).'

    Grade 4's Level 1 (5 students) would be 100% minus the others: Level 4, the smallest beside it, is hidden too.

    >>> t = pd.DataFrame({"grade": ["Grade 4"] * 4, "level": ["Level 4", "Level 3", "Level 2", "Level 1"],
    ...                   "n": [12, 30, 20, "*"], "value": [17.9, 44.8, 29.9, "*"]})
    >>> stacked_share_chart(t, "grade", "level", title="ELPAC", category_title="Grade",
    ...                     stack_title="Level").to_dict()["description"]
    'Stacked bar chart of the share of students in each Level by Grade. Largest share: Level 3 in Grade 4 (44.8%). 1 group with fewer than 11 students is not shown. 1 more is hidden so that a smaller group beside it cannot be worked out as 100% minus the others. Where a bar stops short of 100%, the rest is groups not shown.'
    """
    table, beside = _hide_the_complement(table, category, value)
    shown, hidden = plottable(table, value)
    hidden -= beside
    levels = [f"Level {k}" for k in (4, 3, 2, 1)]
    if order is None:
        order = levels if set(shown[stack].astype(str)) <= set(levels) else sorted(shown[stack].unique(), reverse=True)
    order = list(order)
    description = f"Stacked bar chart of the share of students in each {stack_title} by {category_title}."
    if not shown.empty:
        top = shown.loc[shown[value].idxmax()]
        description += f" Largest share: {top[stack]} in {top[category]} ({top[value]:.1f}%)."
    description += _hidden_note(hidden)
    if beside:
        description += (f" {beside} more {'is' if beside == 1 else 'are'} hidden so that a smaller group beside "
                        f"{'it' if beside == 1 else 'them'} cannot be worked out as 100% minus the others.")
    if (hidden or beside) and not shown.empty and len(order) <= len(LEVEL_COLOURS):
        description += " Where a bar stops short of 100%, the rest is groups not shown."
    if shown.empty:
        return NothingToDraw(title, description + " No group has enough students to show.")
    tooltip = _tooltip([(category, "N", category_title), (stack, "N", stack_title), (value, "Q", "Percent"), ("n", "Q", "Students")])
    if len(order) > len(LEVEL_COLOURS):
        description = description.replace("Stacked bar chart of", f"Bar charts, one per {stack_title}, of")
        bars = alt.Chart().mark_bar(color=BAR_COLOUR).encode(
            y=alt.Y(f"{category}:N", title=category_title), x=alt.X(f"{value}:Q", title="Percent of students"), tooltip=tooltip)
        header = alt.Header(title=None, labelFontWeight="bold", labelAnchor="start")
        return alt.layer(bars, data=shown).properties(width=PANEL_WIDTH).facet(
            facet=alt.Facet(f"{stack}:N", sort=order, header=header, title=None), columns=3).properties(
            title=title, description=description).resolve_axis(x="independent")  # (as in _trend_panels)
    colours = LEVEL_COLOURS[: len(order)]
    shown = shown.assign(share=shown[value] / 100,
                         stack_rank=shown[stack].map({name: rank for rank, name in enumerate(order)}),
                         text_colour=shown[stack].map(dict(zip(order, map(text_colour_on, colours)))))
    shown = shown.sort_values([category, "stack_rank"], kind="stable")
    # each segment's ends, worked out here so that its share can be written in its middle
    shown["end"] = shown.groupby(category)["share"].cumsum()
    shown["start"], shown["middle"] = shown["end"] - shown["share"], shown["end"] - shown["share"] / 2
    y = alt.Y(f"{category}:N", title=category_title)
    bars = alt.Chart(shown).mark_bar(stroke=WHITE, strokeWidth=1).encode(
        y=y, x=alt.X("start:Q", title="Percent of students", axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1])),
        x2="end:Q", color=alt.Color(f"{stack}:N", title=stack_title, sort=order, scale=alt.Scale(domain=order, range=colours)),
        tooltip=tooltip)
    text = alt.Chart(shown).transform_filter("datum.share >= 0.08").mark_text(fontWeight="bold").encode(
        y=y, x="middle:Q", text=alt.Text("share:Q", format=".0%"), color=alt.Color("text_colour:N", scale=None),
        tooltip=tooltip)
    return alt.layer(bars, text).properties(title=title, width=WIDTH, description=description)


def _hide_the_complement(table: pd.DataFrame, category: str, value: str) -> tuple[pd.DataFrame, int]:
    """``table`` with the smallest shown part of each category hidden where exactly one other part is hidden; how many.

    The parts of a category add up to 100%: one hidden part alone would be 100% minus the others.
    """
    numbers = pd.to_numeric(table[value], errors="coerce")
    hidden_in = numbers.isna().groupby(table[category]).transform("sum")
    lone = (hidden_in == 1) & numbers.notna()
    smallest = numbers.where(lone).groupby(table[category]).transform("min")
    second = lone & (numbers == smallest)
    second &= ~second.groupby(table[category]).cumsum().gt(1)  # (one row per category, if two tie)
    hidden = table.copy()
    hidden[value] = hidden[value].astype(object).where(~second, "*")
    if "n" in hidden:
        hidden["n"] = hidden["n"].astype(object).where(~second, "*")
    return hidden, int(second.sum())


def scatter_chart(
    table: pd.DataFrame, x: str, y: str, *, label: str, title: str, x_title: str, y_title: str,
) -> alt.Chart | NothingToDraw:
    """One point per group (e.g. school) of two aggregate measures, to see whether they move together.

    >>> t = pd.DataFrame({"school": ["A", "B"], "n": [40, 60], "absence": [12.0, 30.0], "dfs": [-20.0, -80.0]})
    >>> scatter_chart(t, "absence", "dfs", label="school", title="t", x_title="Chronic absence rate",
    ...               y_title="Math distance from standard").to_dict()["description"][:58]
    'Scatter plot of Math distance from standard against Chroni'
    """
    shown = table.copy()
    for column in (x, y):
        shown[column] = pd.to_numeric(shown[column], errors="coerce")
    hidden = int(shown[[x, y]].isna().any(axis=1).sum())
    shown = shown.dropna(subset=[x, y])
    description = f"Scatter plot of {y_title} against {x_title}, one point per {label}."
    if len(shown) >= 3:
        r = shown[x].corr(shown[y])
        direction = "lower" if r < 0 else "higher"
        description += f" Correlation {r:.2f}: where {x_title.lower()} is higher, {y_title.lower()} tends to be {direction}."
    description += _hidden_note(hidden)
    if shown.empty:
        return NothingToDraw(title, description + " No group has enough students to show.")
    chart = alt.Chart(shown).mark_point(filled=True, size=70, color=SERIES_COLOURS[0], opacity=1).encode(
        x=alt.X(f"{x}:Q", title=x_title), y=alt.Y(f"{y}:Q", title=y_title),
        tooltip=_tooltip([(label, "N", label.capitalize()), (x, "Q", x_title), (y, "Q", y_title), ("n", "Q", "Students")]),
    )
    return chart.properties(title=title, width=WIDTH, description=description)


def in_words(table: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """A copy with group codes in words, for chart axes and legends (``school_year`` as ``2024-25``).

    >>> t = pd.DataFrame({"grade": [7], "el_status": ["EL"], "school_year": [2025], "level": [3]})
    >>> in_words(t, ["grade", "el_status", "school_year", "level"]).iloc[0].tolist()
    ['Grade 7', 'English learners', '2024-25', 'Level 3']
    """
    words = table.copy()
    for column in columns:
        if column == "level":
            words[column] = "Level " + words[column].astype(str)
        else:
            words[column] = words[column].map(lambda value, column=column: labels.group_label(column, value))
    return words


def chart_table(table: pd.DataFrame, words: Sequence[str] = (), value: str = "value") -> pd.DataFrame:
    """A metric table ready for a chart: small groups hidden (``*``, left out of the marks), codes in words.

    >>> t = pd.DataFrame({"grade": [6, 7], "school_year": [2025, 2025], "n": [40, 7], "value": [-50.0, -90.0]})
    >>> chart_table(t, ["grade", "school_year"])[["grade", "school_year", "n", "value"]].to_dict("records")
    [{'grade': 'Grade 6', 'school_year': '2024-25', 'n': 40, 'value': -50.0}, {'grade': 'Grade 7', 'school_year': '2024-25', 'n': '*', 'value': '*'}]
    """
    shown = suppress_small_cells(table, values=[value])
    # one decimal, as tables show it: an unrounded rate in a tooltip with its count gives the numerator away
    numbers = pd.to_numeric(shown[value], errors="coerce")
    shown[value] = shown[value].where(numbers.isna(), round_half_away(numbers, 1) + 0.0)
    return in_words(shown, words)
