"""Altair charts for the inquiry notebooks: titled, labelled for a principal, with tooltips.

Every chart gets a ``description``: one sentence saying what it shows, used as
the text alternative in rendered reports.  Charts take the tidy (already
suppressed) tables of :mod:`flp_inquiry.measures.metrics`: rows whose value is hidden
(``*``) are left out of the marks and counted in the description.  Colours are
one dark hue or a dark-to-light ramp, and series also differ by line dash,
so charts survive greyscale printing.

Nothing is drawn empty: a chart with no group of 11 or more students is a
:class:`NothingToDraw`, which shows nothing (nor does a table without rows,
:mod:`flp_inquiry.inquiry.tables`); the sentence a notebook writes beside them says
there is nothing to show.
"""
from __future__ import annotations

import os
from typing import Sequence

import altair as alt
import pandas as pd

from flp_inquiry.inquiry import labels
from flp_inquiry.measures.suppression import suppress_small_cells

SERIES_COLOURS = ["#08306b", "#2171b5", "#6baed6", "#9e9ac8", "#525252", "#bdbdbd"]
LEVEL_COLOURS = ["#08306b", "#4292c6", "#9ecae1", "#deebf7"]  # ELPAC/SBAC level 4 .. 1
BAR_COLOUR = "#2171b5"
CAUTION_N = 30

# Reports render charts to SVG; a fixed width keeps them readable on paper.
WIDTH = 560

VEGALITE_MIMETYPE = f"application/vnd.vegalite.v{alt.SCHEMA_VERSION.lstrip('v').split('.')[0]}+json"
#: What JupyterLab 4 draws with the Vega it ships (no Vega-Lite 6 there yet).
JUPYTERLAB_VEGA_MIMETYPE = "application/vnd.vega.v5+json"


def notebook_renderer(spec: dict, **_metadata) -> dict:
    """Altair's renderer for this package's notebooks (``"flp-inquiry"``: :func:`use_notebook_renderer`).

    Altair's default writes HTML that loads Vega from a CDN, so a coach offline or
    behind a district firewall would see no chart. This writes the Vega-Lite spec
    (what reports draw as SVG), the chart's description as text, and, while
    :data:`DRAW_IN_JUPYTERLAB` holds, the chart compiled to Vega (vl-convert) for
    JupyterLab to draw itself, offline, with its tooltips. A pack's kernels leave
    that out: their reports never show it.

    >>> bundle = notebook_renderer({"mark": "bar", "description": "One bar.", "data": {"values": [{"a": 1}]}})
    >>> sorted(bundle), bundle["text/plain"]
    (['application/vnd.vega.v5+json', 'application/vnd.vegalite.v6+json', 'text/plain'], 'One bar.')
    """
    bundle = {VEGALITE_MIMETYPE: spec, "text/plain": str(spec.get("description") or "A chart.")}
    if DRAW_IN_JUPYTERLAB:
        import vl_convert

        vega = vl_convert.vegalite_to_vega(spec)
        vega["$schema"] = "https://vega.github.io/schema/vega/v5.json"  # the same grammar for these charts
        bundle[JUPYTERLAB_VEGA_MIMETYPE] = vega
    return bundle


#: Whether charts carry a Vega spec for JupyterLab (:func:`notebook_renderer`). A pack's kernels run with
#: ``FLP_INQUIRY_BATCH=1`` (:data:`flp_inquiry.packs.kernels.BATCH_ENVIRONMENT`): their reports never show it.
DRAW_IN_JUPYTERLAB = os.environ.get("FLP_INQUIRY_BATCH") != "1"

alt.renderers.register("flp-inquiry", notebook_renderer)


def use_notebook_renderer() -> None:
    """Show Altair charts with :func:`notebook_renderer` from now on (every notebook's ``start_inquiry`` does).

    >>> use_notebook_renderer(); alt.renderers.active
    'flp-inquiry'
    """
    alt.renderers.enable("flp-inquiry")


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


def _lines(series: pd.Series) -> str:
    """What the lines of a line chart are, in words (a sentence for any series title).

    >>> _lines(pd.Series(["EL", "EO", "EL"])), _lines(pd.Series(["Grade 3", "Grade 4", "Grade 5"])), _lines(pd.Series([], dtype=str))
    ('one line each for EL and EO', 'one line each for Grade 3, Grade 4 and Grade 5', 'no line: no group has enough students to show')
    """
    names = [str(name) for name in dict.fromkeys(series)]
    if not names:
        return "no line: no group has enough students to show"
    if len(names) == 1:
        return f"one line for {names[0]}"
    return f"one line each for {labels.join_words(names)}"


def _tooltip(fields: Sequence[tuple[str, str, str]]) -> list[alt.Tooltip]:
    return [alt.Tooltip(f"{field}:{kind}", title=title) for field, kind, title in fields]


def bar_chart(
    table: pd.DataFrame, category: str, value: str = "value", *, title: str, value_title: str,
    category_title: str, reference: float | None = None, reference_label: str = "District",
) -> alt.Chart | NothingToDraw:
    """Horizontal bars of ``value`` by ``category``; small groups (n < 30) drawn lighter.

    >>> t = pd.DataFrame({"school": ["A", "B", "C"], "n": [40, 25, "*"], "value": [52.5, 31.0, "*"]})
    >>> chart = bar_chart(t, "school", title="Math", value_title="Percent met or exceeded",
    ...                   category_title="School")
    >>> chart.to_dict()["description"]
    'Bar chart of Percent met or exceeded by School. Highest: A (52.5%); lowest: B (31.0%). 1 group with fewer than 11 students is not shown.'
    """
    shown, hidden = plottable(table, value)
    unit = _unit(value_title)
    shown = shown.assign(caution=shown["n"] < CAUTION_N if "n" in shown else False)
    shown["size_note"] = shown["caution"].map({True: "fewer than 30 students: read with caution", False: "30 or more students"})
    description = f"Bar chart of {value_title} by {category_title}." + _extremes(shown, category, value, unit) + _hidden_note(hidden)
    if shown.empty:
        return NothingToDraw(title, description)
    bars = alt.Chart(shown).mark_bar(color=BAR_COLOUR).encode(
        y=alt.Y(f"{category}:N", title=category_title, sort="-x"),
        x=alt.X(f"{value}:Q", title=value_title),
        opacity=alt.Opacity("size_note:N", title="Group size",
                            scale=alt.Scale(domain=["30 or more students", "fewer than 30 students: read with caution"], range=[1.0, 0.45])),
        tooltip=_tooltip([(category, "N", category_title), (value, "Q", value_title), ("n", "Q", "Students"), ("size_note", "N", "Group size")]),
    )
    layers = [bars]
    if reference is not None:
        rule = alt.Chart(pd.DataFrame({"reference": [reference], "label": [reference_label]})).mark_rule(
            color="black", strokeDash=[4, 3]).encode(x="reference:Q", tooltip=_tooltip([("label", "N", "Line"), ("reference", "Q", value_title)]))
        layers.append(rule)
        description += f" The dashed line marks {reference_label} ({reference:.1f}{unit})."
    return alt.layer(*layers).properties(title=title, width=WIDTH, description=description)


def trend_chart(
    table: pd.DataFrame, series: str, value: str = "value", *, title: str, value_title: str,
    series_title: str, x: str = "year_label", x_title: str = "School year",
) -> alt.Chart | NothingToDraw:
    """Lines over school years, one per ``series``, told apart by line dash too.

    >>> t = pd.DataFrame({"year_label": ["2023-24", "2024-25"] * 2, "group": ["EL", "EL", "EO", "EO"],
    ...                   "n": [30, 30, 90, 90], "value": [-80.0, -95.0, -10.0, -8.0]})

    The description names the lines themselves, so it reads as a sentence whatever ``series_title`` is.

    >>> trend_chart(t, "group", title="DFS", value_title="Distance from standard",
    ...             series_title="Group").to_dict()["description"]
    'Line chart of Distance from standard over School year, one line each for EL and EO. In 2024-25: highest EO (-8.0); lowest EL (-95.0).'
    >>> trend_chart(t[t["group"] == "EL"], "group", title="DFS", value_title="Distance from standard",
    ...             series_title="Group").to_dict()["description"]
    'Line chart of Distance from standard over School year, one line for EL. In 2024-25: EL (-95.0), the only one shown.'
    """
    shown, hidden = plottable(table, value)
    unit = _unit(value_title)
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
    legend = alt.Legend(title=series_title)
    chart = alt.Chart(shown).mark_line(point=alt.OverlayMarkDef(size=60, filled=True)).encode(
        x=alt.X(f"{x}:O", title=x_title),
        y=alt.Y(f"{value}:Q", title=value_title),
        color=alt.Color(f"{series}:N", scale=alt.Scale(range=SERIES_COLOURS), legend=legend),
        strokeDash=alt.StrokeDash(f"{series}:N", legend=legend),  # dashes tell series apart in greyscale
        tooltip=_tooltip([(series, "N", series_title), (x, "O", x_title), (value, "Q", value_title), ("n", "Q", "Students")]),
    )
    return chart.properties(title=title, width=WIDTH, description=description)


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
    rules = base.mark_rule(color="#525252", strokeWidth=2).encode(x=alt.X(f"{low}:Q", title=value_title), x2=f"{high}:Q")
    points = base.mark_point(filled=True, size=90, color=SERIES_COLOURS[0]).encode(
        x=f"{value}:Q",
        tooltip=_tooltip([(category, "N", category_title), (value, "Q", value_title), (low, "Q", "95% interval from"),
                          (high, "Q", "95% interval to"), ("n", "Q", "Students")]),
    )
    return alt.layer(rules, points).properties(title=title, width=WIDTH, description=description)


def funnel_chart(
    units: pd.DataFrame, curve: pd.DataFrame, *, label: str, value: str = "value", n: str = "n",
    title: str, value_title: str,
) -> alt.Chart | NothingToDraw:
    """Funnel plot: each unit's rate against its number of students, with 95% and 99.8% limits.

    ``curve`` has columns ``n``, ``lower_95``, ``upper_95``, ``lower_998``, ``upper_998``.
    A point outside the 99.8% funnel is unlikely to be chance; inside the 95% funnel it may well be.
    When no unit has 11 or more students there is nothing to plot: callers leave the chart out,
    and its description says so (never "0 of 0").

    >>> curve = pd.DataFrame({"n": [11, 100], "lower_95": [20.0, 40.0], "upper_95": [80.0, 60.0],
    ...                       "lower_99_8": [10.0, 35.0], "upper_99_8": [90.0, 65.0]})
    >>> units = pd.DataFrame({"school": ["A", "B", "C"], "n": [100, 50, "*"], "value": [70.0, 50.0, "*"],
    ...                       "funnel_zone": ["outside 99.8%", "inside 95%", "*"]})
    >>> funnel_chart(units, curve, label="school", title="t", value_title="Percent met (%)").to_dict()["description"]
    'Funnel plot of Percent met (%) against the number of students, one point per school, with 95% and 99.8% limits. 1 of the 2 schools shown falls outside the 99.8% limits. 1 group with fewer than 11 students is not shown.'
    >>> funnel_chart(units.iloc[[2]], curve, label="school", title="t", value_title="Percent met (%)").to_dict()["description"]
    'Funnel plot of Percent met (%) against the number of students, with 95% and 99.8% limits: no school has 11 or more students to plot. 1 group with fewer than 11 students is not shown.'
    """
    shown, hidden = plottable(units, value)
    outside = int(shown.get("funnel_zone", pd.Series(dtype=str)).astype(str).str.contains("outside").sum())
    unit_words = labels.GROUP_TYPE_LABELS.get(label, label).lower()
    if shown.empty:
        description = (f"Funnel plot of {value_title} against the number of students, with 95% and 99.8% limits: "
                       f"no {unit_words} has 11 or more students to plot.")
    else:
        description = (f"Funnel plot of {value_title} against the number of students, one point per {unit_words}, "
                       "with 95% and 99.8% limits.")
        if len(shown) == 1:
            description += f" The one {unit_words} shown {'falls outside' if outside else 'is inside'} the 99.8% limits."
        else:
            description += (f" {outside} of the {len(shown)} {unit_words}s shown {'falls' if outside == 1 else 'fall'} "
                            "outside the 99.8% limits.")
    description += _hidden_note(hidden)
    if shown.empty:
        return NothingToDraw(title, description)
    long = curve.drop(columns=["overall"], errors="ignore").melt(id_vars=[n], var_name="limit", value_name="bound")
    long["limits"] = long["limit"].map(lambda s: "99.8% limits" if s.endswith("99_8") else "95% limits")
    lines = alt.Chart(long).mark_line(color="#525252").encode(
        x=alt.X(f"{n}:Q", title="Students"), y=alt.Y("bound:Q", title=value_title),
        detail="limit:N", strokeDash=alt.StrokeDash("limits:N", title="Limits"),
    )
    points = alt.Chart(shown).mark_point(filled=True, size=80, color=SERIES_COLOURS[0]).encode(
        x=f"{n}:Q", y=f"{value}:Q",
        tooltip=_tooltip([(label, "N", label.capitalize()), (value, "Q", value_title), (n, "Q", "Students")]),
    )
    return alt.layer(lines, points).properties(title=title, width=WIDTH, description=description)


def stacked_share_chart(
    table: pd.DataFrame, category: str, stack: str, value: str = "value", *, title: str,
    category_title: str, stack_title: str, order: Sequence[str] | None = None,
) -> alt.Chart | NothingToDraw:
    """100% stacked bars (e.g. ELPAC levels by grade), dark for the highest level.

    >>> t = pd.DataFrame({"grade": ["Grade 3"] * 2, "level": ["Level 4", "Level 3"], "n": [12, 30], "value": [28.6, 71.4]})
    >>> stacked_share_chart(t, "grade", "level", title="ELPAC", category_title="Grade",
    ...                     stack_title="Level").to_dict()["description"]
    'Stacked bar chart of the share of students in each Level by Grade. Largest share: Level 3 in Grade 3 (71.4%).'
    """
    shown, hidden = plottable(table, value)
    order = list(order) if order is not None else sorted(shown[stack].unique(), reverse=True)
    description = f"Stacked bar chart of the share of students in each {stack_title} by {category_title}."
    if not shown.empty:
        top = shown.loc[shown[value].idxmax()]
        description += f" Largest share: {top[stack]} in {top[category]} ({top[value]:.1f}%)."
    description += _hidden_note(hidden)
    if shown.empty:
        return NothingToDraw(title, description + " No group has enough students to show.")
    chart = alt.Chart(shown).mark_bar(stroke="white", strokeWidth=0.5).encode(
        y=alt.Y(f"{category}:N", title=category_title),
        x=alt.X(f"{value}:Q", title="Percent of students", stack="normalize", axis=alt.Axis(format="%")),
        color=alt.Color(f"{stack}:N", title=stack_title, sort=order,
                        scale=alt.Scale(domain=order, range=(LEVEL_COLOURS * 2)[: len(order)])),
        order=alt.Order("stack_rank:Q"),
        tooltip=_tooltip([(category, "N", category_title), (stack, "N", stack_title), (value, "Q", "Percent"), ("n", "Q", "Students")]),
    ).transform_calculate(stack_rank=f"indexof({list(order)!r}, datum['{stack}'])")
    return chart.properties(title=title, width=WIDTH, description=description)


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
    chart = alt.Chart(shown).mark_point(filled=True, size=70, color=SERIES_COLOURS[0]).encode(
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
    return in_words(suppress_small_cells(table, values=[value]), words)
