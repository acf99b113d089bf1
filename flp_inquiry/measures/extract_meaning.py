"""The aggregate extract's figures as tables that know what they count, and figures hidden in it beyond the rule.

A reader of the partnership's view has a district's extract beside its reports, so the pack's
audit reads it (:func:`extract_meanings`); where the audit's protection hides a figure the
extract shows, the extract is written again with it hidden (:func:`hide_extract_figures`).
"""
from __future__ import annotations

import math

import pandas as pd

from flp_inquiry.measures.dashboard import round_half_away
from flp_inquiry.measures.metric_meaning import extract_measures
from flp_inquiry.measures.table_meaning import Count, Rate, TableMeaning, population_key

#: Columns worked out from a group's rate (hidden with it).
FROM_THE_RATE = ("value", "change", "status_level", "change_level", "colour", "colour_name")


def _population(row, group_type: str) -> dict:
    population = {"school_year": str(int(row["school_year"]))}
    if group_type != "all":
        population[group_type] = str(row["group"])
    if isinstance(row["grade_span"], str) and row["grade_span"]:
        population["grade"] = row["grade_span"]
    return population


def extract_meanings(extract: pd.DataFrame, name: str) -> list[TableMeaning]:
    """A district's aggregate extract as tables: one per metric, subject and group type, each group type complete.

    >>> extract = pd.DataFrame({"metric": "chronic_absence", "subject": None, "grade_span": None, "school_year": 2025,
    ...     "group_type": ["all", "el_status", "el_status"], "group": ["All", "EL", "EO"], "n": ["40", "*", "*"],
    ...     "value": ["25.0", "*", "*"]})
    >>> [(m.table, m.complete, len(m.rows)) for m in extract_meanings(extract, "x")]
    [('x: chronic_absence by all', {}, 1), ('x: chronic_absence by el_status', {'el_status': 'all'}, 2)]
    """
    meanings = []
    for (metric, subject, group_type), rows in extract.groupby(["metric", "subject", "group_type"], dropna=False,
                                                               sort=False):
        measures = extract_measures(metric, subject)
        if measures is None:
            continue
        count, numerator = measures
        table_rows = []
        for row in rows.itertuples(index=False):
            cell: dict = {"n": "*" if str(row.n) == "*" else int(float(row.n))}
            if cell["n"] == "*":
                cell["hidden"] = {"n": "hidden"}  # (the extract does not say which of its stars is the small one)
            if group_type != "all":
                cell[group_type] = str(row.group)
            if isinstance(row.grade_span, str) and row.grade_span:
                cell["population"] = {"grade": row.grade_span}
            if numerator:
                cell["value"] = "*" if str(row.value) == "*" else (None if pd.isna(row.value) else float(row.value))
            table_rows.append(cell)
        dimensions = [] if group_type == "all" else [group_type]
        label = f"{metric}{' ' + subject if isinstance(subject, str) else ''}"
        meanings.append(TableMeaning(
            f"{name}: {label} by {group_type}", {"school_year": str(int(rows["school_year"].iloc[0]))}, dimensions,
            [Count("n", count)], [Rate("value", numerator, "n", _decimals_shown(table_rows))] if numerator else [],
            {group_type: "all"} if dimensions else {}, table_rows))
    return meanings




def _decimals_shown(rows: list[dict]) -> int | None:
    """1 when every rate of ``rows`` is rounded to one decimal, as this project writes them; else ``None`` (unrounded).

    An extract an earlier version wrote, or a partner sent, may hold its rates unrounded: read as
    rounded, a rate and its count would disagree.

    >>> _decimals_shown([{"value": 25.0}, {"value": "*"}]), _decimals_shown([{"value": 36.10354223433242}])
    (1, None)
    """
    rates = [row["value"] for row in rows if isinstance(row.get("value"), float) and math.isfinite(row["value"])]
    return 1 if all(abs(rate - round_half_away(rate, 1)) < 1e-9 for rate in rates) else None


def hide_extract_figures(extract: pd.DataFrame, figures: frozenset[tuple[str, str]]) -> pd.DataFrame:
    """``extract`` with every figure of ``figures`` (``(measure, population)``) hidden: a count with its row's figures.

    >>> extract = pd.DataFrame({"metric": "chronic_absence", "subject": None, "grade_span": None, "school_year": 2025,
    ...     "group_type": ["all", "el_status"], "group": ["All", "EL"], "n": [40, 20], "value": [25.0, 30.0],
    ...     "colour": ["Red", "Red"]})
    >>> hidden = hide_extract_figures(extract, frozenset({("chronic_absence.absent", "school_year=2025")}))
    >>> hidden[["n", "value", "colour"]].values.tolist()
    [[40, '*', '*'], [20, 30.0, 'Red']]
    """
    if not figures:
        return extract
    result = extract.copy()
    for position, row in enumerate(extract.to_dict("records")):
        measures = extract_measures(row["metric"], row["subject"])
        if measures is None:
            continue
        key = population_key(_population(row, row["group_type"]))
        count, numerator = measures
        hide = ([c for c in ("n", *FROM_THE_RATE) if c in result] if (count, key) in figures else
                [c for c in FROM_THE_RATE if c in result] if numerator and (numerator, key) in figures else [])
        for column in hide:
            if result[column].dtype != object:
                result[column] = result[column].astype(object)
            result.iloc[position, result.columns.get_loc(column)] = "*"
    return result
