"""The projected Dashboard: every indicator x Dashboard student group, as the state's rules would colour it.

:func:`projected_dashboard` works each Dashboard indicator of a school year out from a district's
own harmonised data (its ``projection`` in ``dashboard_indicators.yaml`` says from which metric),
by Dashboard student group (:mod:`flp_inquiry.measures.dashboard_groups`), beside last year's for
the change, and gives it the status level, change level and colour of that year's rules.  Where a
cell has no colour it says why: no rules for the year, no cut points or grid, no figure this year
or last, fewer than 30 students.  Groups in Red or Orange come first: what district teams watch for
the state's assistance.

It is a projection, not the state's Dashboard: the district's own records, not the state's files
(CALPADS, CAASPP) after their corrections, and the figures as the project computes them.  The table
is not suppressed: a report passes it through
:func:`flp_inquiry.measures.suppression.suppress_small_cells`.
"""
from __future__ import annotations

import pandas as pd

from flp_inquiry.errors import ParameterError
from flp_inquiry.measures.assessment import add_change, distance_from_standard, results_of_years
from flp_inquiry.measures.dashboard import (
    LEVEL_DTYPE,
    Indicator,
    dashboard_levels,
    indicator_for,
    indicator_names,
    level_names,
    load_indicator,
    measure_names,
)
from flp_inquiry.measures.dashboard_groups import DASHBOARD_GROUP_LABELS
from flp_inquiry.measures.english_learners import english_learner_progress
from flp_inquiry.measures.outcomes import chronic_absenteeism, graduation_rate
from flp_inquiry.memo import Recent

#: The projected Dashboard's columns.
COLUMNS = ["indicator", "measure", "title", "unit", "dashboard_group", "group", "n", "value", "prior_n", "prior_value",
           "change", "status_level", "status", "change_level", "change_name", "colour", "colour_name",
           "no_colour_reason", "note"]
#: Colours a district team watches (Red, Orange): listed first.
WATCHED_COLOURS = (1, 2)


def _yearly(data, projection: dict, keys: list[str], year: int) -> pd.DataFrame:
    """The projection's metric for ``keys`` + ``school_year``, this year and last (read it, never change it).

    By school it is the same table for every school of the district, each cutting out its own rows:
    it is remembered by the district's tables, so a report for each school works it out once
    (or none does: a pack's kernel template has, :func:`work_out_by_school`).
    """
    sources = _sources(data)
    key = (projection["metric"], projection.get("subject"), tuple(keys), int(year))  # both DFS spans: one table
    table = _recent_yearly.get_or_make(sources, key, lambda: _work_out_yearly(data, projection, keys, year))
    if projection["metric"] == "dfs":
        return table[table["grade_span"] == projection["grade_span"]].drop(columns=["status_level", "grade_span"])
    return table


#: A report's own projection asks for 7 Dashboard measures, by school (for a school) or not.
_recent_yearly = Recent(size=16)


def _sources(data) -> list[pd.DataFrame]:
    """The tables a projection is worked out from (what its results are remembered by)."""
    return [data.assessments, data.enrollment, data.outcomes]


def work_out_by_school(data, school_year: int) -> None:
    """Work out now the tables every school's projected Dashboard of ``school_year`` is cut from.

    A pack's kernel template calls this once per district (:mod:`flp_inquiry.inquiry.shared_work`);
    each school's :func:`projected_dashboard` then only takes out its rows.

    >>> from flp_inquiry.ingest.schema import columns_of
    >>> from flp_inquiry.ingest.store import DistrictData
    >>> from flp_inquiry.measures.metrics import _example
    >>> assessments, enrollment = _example()
    >>> data = DistrictData("fresno", enrollment, assessments,
    ...                     *(pd.DataFrame(columns=columns_of(t)) for t in ("math_courses", "outcomes")))
    >>> work_out_by_school(data, 2024)
    >>> projected_dashboard(data, 2024, "A")["measure"].iloc[0] in set(measure_names())
    True
    """
    year = int(school_year)
    for measure in measure_names():
        try:
            indicator = indicator_for(measure, year)
        except ParameterError:
            continue  # no rules for the year: nothing to work out
        if "not_projected" not in indicator.projection:
            _every_school_levelled(data, indicator, year)


def _work_out_yearly(data, projection: dict, keys: list[str], year: int) -> pd.DataFrame:
    metric, by = projection["metric"], [*keys, "school_year"]
    if metric == "dfs":
        two_years = results_of_years(data.assessments, (year - 1, year))
        return distance_from_standard(two_years, data.enrollment, projection["subject"], by=by)
    if metric == "elpi":
        return english_learner_progress(data.assessments, data.enrollment, by=by).drop(columns="status_level")
    if metric == "chronic_absence":
        return chronic_absenteeism(data.enrollment, by=by).drop(columns="measure")
    if metric == "grad_rate":
        return graduation_rate(data.outcomes, data.enrollment, by=by)
    raise ParameterError("projection.metric", metric, ["dfs", "elpi", "chronic_absence", "grad_rate"])


def _unworked_row(measure: str, indicator: Indicator | None, reason: str) -> dict:
    return {"indicator": indicator.name if indicator else "", "measure": measure,
            "title": indicator.title if indicator else _latest_title(measure), "unit": indicator.unit if indicator else "",
            "dashboard_group": "ALL", "group": DASHBOARD_GROUP_LABELS["ALL"], "no_colour_reason": reason,
            "note": ""}


def _latest_title(measure: str) -> str:
    """The title of the latest entry the YAML holds for ``measure``."""
    entries = [entry for entry in map(load_indicator, indicator_names()) if entry.measure == measure]
    return entries[-1].title if entries else measure


def _no_rules_reason(measure: str, year: int) -> str:
    """Why a measure has no row in ``year``: the spans of years the project holds its rules for."""
    spans = [entry.span for entry in map(load_indicator, indicator_names()) if entry.measure == measure]
    return f"this project holds the state's rules for this indicator for {' and '.join(spans)}, not {year}"


def _indicator_rows(data, indicator: Indicator, year: int, school: str | None) -> pd.DataFrame | dict:
    """One indicator's rows by Dashboard group, levels and reasons added; or one row saying why none."""
    projection = indicator.projection
    if "not_projected" in projection:
        return _unworked_row(indicator.measure, indicator, f"not projected: {projection['not_projected']}")
    every_school = None if school is None else _recent_levelled.find(_sources(data), (indicator.name, year))
    if every_school is not None:  # every school's rows worked out ahead (work_out_by_school): this school's
        table = every_school[every_school["school"] == school].drop(columns="school")
    else:
        keys = ["dashboard_group", *(["school"] if school is not None else [])]
        table = _yearly(data, projection, keys, year)
        if school is not None:
            table = table[table["school"] == school].drop(columns="school")
        table = _levelled(table, indicator, year, ["dashboard_group"])
    if table.empty:
        where = "at this school" if school is not None else "in the district"
        return _unworked_row(indicator.measure, indicator, f"no students counted for this measure {where} in {year}")
    return table


def _levelled(table: pd.DataFrame, indicator: Indicator, year: int, keys: list[str]) -> pd.DataFrame:
    """Rows of ``keys`` with their change since last year, levels, colour and reasons (row by row)."""
    table = add_change(table, year, keys)
    if table.empty:
        return table
    table = dashboard_levels(table, indicator.name, n=indicator.table_counted, reasons=True)
    return table.assign(indicator=indicator.name, measure=indicator.measure, title=indicator.title, unit=indicator.unit,
                        group=table["dashboard_group"].map(DASHBOARD_GROUP_LABELS).astype(object),
                        note=indicator.projection.get("note", ""))


def _every_school_levelled(data, indicator: Indicator, year: int) -> pd.DataFrame:
    """:func:`_levelled` for every school at once: each school's rows as its own projection gives them."""
    return _recent_levelled.get_or_make(
        _sources(data), (indicator.name, year),
        lambda: _levelled(_yearly(data, indicator.projection, ["dashboard_group", "school"], year), indicator, year,
                          ["dashboard_group", "school"]))


#: Every school's rows of each indicator, levelled: only ever worked out ahead (work_out_by_school).
_recent_levelled = Recent(size=8)


def projected_dashboard(data, school_year: int, school: str | None = None) -> pd.DataFrame:
    """Every Dashboard indicator x student group of ``school_year``, from a district's own data.

    Parameters
    ----------
    data : flp_inquiry.ingest.store.DistrictData
        The district's harmonised tables (this year and last are used; graduation by cohort year).
    school_year : int
        The Dashboard's year (2024: the Fall 2024 Dashboard, school year 2023-24).
    school : str, optional
        One school (its ``school_name``); the district as a whole when omitted.

    Returns
    -------
    DataFrame
        :data:`COLUMNS`: per indicator (``indicator`` the YAML entry of the year's rules) and group,
        ``n``, ``value``, ``prior_n``, ``prior_value``, ``change``, the levels (numbers and names)
        and the colour, with ``no_colour_reason`` where a row has none and ``note`` on how the
        figure differs from the state's.  Rows in Red or Orange first (by colour, then indicator,
        then group), then the others in indicator and group order.  Not suppressed.
        ``attrs["caption"]`` labels it as a projection.

    Examples
    --------
    >>> from flp_inquiry.ingest.schema import columns_of
    >>> from flp_inquiry.ingest.store import DistrictData
    >>> from flp_inquiry.measures.metrics import _example
    >>> assessments, enrollment = _example()
    >>> data = DistrictData("fresno", enrollment, assessments,
    ...                     *(pd.DataFrame(columns=columns_of(t)) for t in ("math_courses", "outcomes")))
    >>> table = projected_dashboard(data, 2024)
    >>> table.loc[(table["measure"] == "chronic_absenteeism") & (table["dashboard_group"] == "ALL"),
    ...           ["n", "value", "prior_n", "change", "status", "change_name", "no_colour_reason"]].to_dict("records")
    [{'n': 6, 'value': 0.0, 'prior_n': 3, 'change': -33.3, 'status': 'Very Low', 'change_name': 'Declined Significantly', 'no_colour_reason': 'fewer than 30 students this year'}]
    """
    year = int(school_year)
    if school is not None and not (data.enrollment["school_name"] == school).any():
        raise ParameterError("school", school, sorted(set(data.enrollment["school_name"])))
    parts: list[pd.DataFrame] = []
    for order, measure in enumerate(measure_names()):
        try:
            indicator = indicator_for(measure, year)
        except ParameterError:
            part = _unworked_row(measure, None, _no_rules_reason(measure, year))
        else:
            part = _indicator_rows(data, indicator, year, school)
        part = pd.DataFrame([part]) if isinstance(part, dict) else part
        parts.append(part.assign(_order=order))
    table = pd.concat(parts, ignore_index=True).reindex(columns=[*COLUMNS, "_order"])
    for column in ("status_level", "change_level", "colour"):
        table[column] = table[column].astype(LEVEL_DTYPE)
    for column in ("n", "prior_n"):
        table[column] = table[column].astype("Int64")
    table["status"] = table["status_level"].map(level_names("status")).astype(object)
    table["change_name"] = table["change_level"].map(level_names("change")).astype(object)
    table["colour_name"] = table["colour"].map(level_names("colour")).astype(object)
    table[["no_colour_reason", "note"]] = table[["no_colour_reason", "note"]].fillna("")
    table["dashboard_group"] = pd.Categorical(table["dashboard_group"].astype(str), categories=list(DASHBOARD_GROUP_LABELS))
    watched = table["colour"].isin(WATCHED_COLOURS).fillna(False).astype(bool)
    table["_first"] = (~watched).astype(int)
    table["_colour"] = table["colour"].where(watched).astype("float64")
    table = table.sort_values(["_first", "_colour", "_order", "dashboard_group"], kind="stable", na_position="last")
    table = table.drop(columns=["_first", "_colour", "_order"]).reset_index(drop=True)
    where = f"{school}, " if school is not None else ""
    table.attrs["caption"] = (f"Projected Dashboard {year} ({where}{data.district}): worked out from the district's own "
                              f"data with the state's rules (dashboard_indicators.yaml); not the state's Dashboard")
    return table[COLUMNS]
