"""What a metric's table counts, from the kernel to the pack's audit (issue 22).

A table made by a metric (:meth:`flp_inquiry.inquiry.session.Inquiry.metric`) carries what it
counts in its ``attrs`` (:data:`~flp_inquiry.measures.table_meaning.MEANING_ATTRIBUTE`,
:func:`metric_meaning`): the measures of its ``n`` and ``value`` (:data:`METRIC_MEASURES`), the
scope, and the groupings whose rows make up their whole (:func:`complete_dimensions`, computed
from the data, not declared).  :func:`table_meaning` turns that and the table before and after
suppression into the :class:`~flp_inquiry.measures.table_meaning.TableMeaning` a reader table
shows with it; :func:`hide_figures` hides what the pack's protection asks for.
"""
from __future__ import annotations

import json
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from flp_inquiry.measures.dashboard import round_half_away
from flp_inquiry.measures.table_meaning import (
    DIMENSIONS,
    MEANING_ATTRIBUTE,
    NOT_ADDITIVE,
    WORD_COLUMNS,
    Count,
    Rate,
    TableMeaning,
    _value_text,
    population_key,
)

#: A metric function (``Inquiry.metric``'s name) -> the measure its ``n`` counts and its ``value``'s
#: numerator (``None``: not a rate, such as a mean); ``{subject}`` and ``{grade}`` from its options.
METRIC_MEASURES: dict[str, tuple[str, str | None]] = {
    "percent_met": ("{subject}.tested", "{subject}.met"),
    "participation_rate": ("participation.{subject}.enrolled", "participation.{subject}.tested"),
    "distance_from_standard": ("{subject}.tested", None),
    "english_learner_progress": ("elpi.students", "elpi.progressed"),
    "reclassification_rate": ("reclassification.els", "reclassification.reclassified"),
    "long_term_english_learners": ("ltel.els", "ltel.long_term"),
    "chronic_absenteeism": ("chronic_absence.enrolled", "chronic_absence.absent"),
    "algebra_by_grade": ("algebra_by_{grade}.students", "algebra_by_{grade}.completed"),
    "d_or_f_rate": ("marks.given", "marks.d_or_f"),
    "graduation_rate": ("graduation.cohort", "graduation.graduated"),
    "a_g_completion_rate": ("graduation.graduated", "a_g.completed"),
}

#: The extract's metric names (:data:`flp_inquiry.measures.metrics.METRICS`) -> the metric functions'.
EXTRACT_METRIC_FUNCTIONS = {
    "percent_met": "percent_met", "participation": "participation_rate", "dfs": "distance_from_standard",
    "elpi": "english_learner_progress", "reclassification": "reclassification_rate",
    "ltel": "long_term_english_learners", "chronic_absence": "chronic_absenteeism", "algebra_by_8": "algebra_by_grade",
    "algebra_by_9": "algebra_by_grade",
    "grad_rate": "graduation_rate", "ag_rate": "a_g_completion_rate",
}


def extract_measures(metric: str, subject) -> tuple[str, str | None] | None:
    """The measures an extract's (or the common metrics') row of ``metric`` counts: its ``n`` and its rate's numerator.

    >>> extract_measures("percent_met", "math"), extract_measures("dfs", "ela"), extract_measures("growth", None)
    (('math.tested', 'math.met'), ('ela.tested', None), None)
    """
    function = EXTRACT_METRIC_FUNCTIONS.get(metric)
    if function is None:
        return None
    words = {"subject": subject if isinstance(subject, str) and subject else "",
             "grade": 9 if metric == "algebra_by_9" else 8}
    count, numerator = METRIC_MEASURES[function]
    return count.format(**words), numerator.format(**words) if numerator else None

def metric_meaning(metric: str, options: Mapping[str, Any], population: Mapping[str, Any],
                   complete: Sequence[str] = (), columns: Sequence[str] = ()) -> dict | None:
    """What a metric's table counts, for its ``attrs`` (:data:`MEANING_ATTRIBUTE`); ``None`` for an unknown metric.

    ``population`` is the scope (``{"school": ...}``), ``complete`` the grouping columns whose
    rows were found to make up their whole (:func:`complete_dimensions`), ``columns`` the table's
    columns (a table made from it with a new column of groups is another table: :func:`table_meaning`).

    >>> metric_meaning("percent_met", {"subject": "math"}, {"school": "A"}, ["el_status"])
    {'count': 'math.tested', 'numerator': 'math.met', 'population': {'school': 'A'}, 'complete': {'el_status': {}}, 'columns': []}
    >>> metric_meaning("algebra_by_grade", {}, {})["numerator"], metric_meaning("growth", {}, {})
    ('algebra_by_8.completed', None)
    """
    if metric not in METRIC_MEASURES:
        return None
    words = {"subject": options.get("subject", ""), "grade": options.get("grade", 8)}
    count, numerator = METRIC_MEASURES[metric]
    return {"count": count.format(**words), "numerator": numerator.format(**words) if numerator else None,
            "population": {str(k): _value_text(v) for k, v in population.items()},
            "complete": {d: {} for d in complete} if not isinstance(complete, Mapping) else dict(complete),
            "columns": list(columns)}


def parts_per_whole(table: pd.DataFrame, dimension: str) -> dict[str, int]:
    """How many rows (parts) each whole of ``dimension`` has in ``table``: a table that lost some is no longer complete.

    >>> parts_per_whole(pd.DataFrame({"grade": [3, 4, 3], "school_year": [2024, 2024, 2025], "n": 1}), "grade")
    {'2024': 2, '2025': 1}
    """
    others = [c for c in table.columns if (c in DIMENSIONS or c == "grade_span") and c != dimension]
    keys = ["|".join(_value_text(v) for v in row) for row in table[others].itertuples(index=False)] if others else \
        [""] * len(table)
    return {key: int(count) for key, count in pd.Series(keys, dtype=object).value_counts(sort=False).items()}


def complete_dimensions(parts: pd.DataFrame, wholes: Mapping[str, pd.DataFrame], n: str = "n") -> list[str]:
    """The grouping columns of ``parts`` whose rows add up to the whole (``wholes[column]``: the metric without it).

    A breakdown may leave students out (no group recorded): then its groups are parts of the
    whole, not all of it, and only "at most the whole" holds.

    >>> parts = pd.DataFrame({"el_status": ["EL", "EO", "EL"], "school_year": [2025, 2025, 2024], "n": [4, 6, 5]})
    >>> wholes = {"el_status": pd.DataFrame({"school_year": [2025, 2024], "n": [10, 7]})}
    >>> complete_dimensions(parts, wholes)  # 2024: 5 of 7
    []
    >>> complete_dimensions(parts.iloc[:2], wholes)
    ['el_status']
    """
    found = []
    for column, whole in wholes.items():
        others = [c for c in parts.columns if (c in DIMENSIONS or c == "grade_span") and c != column]
        if column not in parts or n not in whole or any(c not in whole for c in others):
            continue
        if others and whole.duplicated(others).any():
            continue
        summed = pd.to_numeric(parts[n], errors="coerce").groupby([parts[c] for c in others] if others else
                                                                 [0] * len(parts)).sum()
        totals = (whole.set_index(others)[n] if others else pd.Series([whole[n].sum()], index=[0]))
        totals = pd.to_numeric(totals, errors="coerce")
        aligned = totals.reindex(summed.index)
        if len(summed) and aligned.notna().all() and bool((summed == aligned).all()):
            found.append(column)
    return found


def table_meaning(table: pd.DataFrame, hidden: pd.DataFrame, info: Mapping, name: str, *,
                  shown_columns: Sequence[str], counts: Mapping[str, Sequence[str]], decimals: int,
                  min_n: int = 11) -> TableMeaning | None:
    """A reader table's meaning: ``table`` before suppression, ``hidden`` after, ``info`` from its metric.

    Only the metric's own ``n`` and its ``value`` (a rate) are declared; other columns (a
    second subject set beside it, intervals) are not counted figures the audit knows.

    >>> info = metric_meaning("chronic_absenteeism", {}, {}, {"el_status": {"2025": 3}}, ["el_status", "school_year", "n", "value"])
    >>> raw = pd.DataFrame({"el_status": ["EL", "EO", "TBD"], "school_year": 2025, "n": [261, 599, 4],
    ...                     "value": [27.97, 20.03, 25.0]})
    >>> hidden = raw.astype(object).assign(n=[261, "*", "*"], value=[27.97, "*", "*"])
    >>> meaning = table_meaning(raw, hidden, info, "t#1", shown_columns=["el_status", "n", "value"],
    ...                         counts={"n": ["value"]}, decimals=1)
    >>> meaning.complete, [(r["n"], r["value"], r.get("hidden")) for r in meaning.rows]
    ({'el_status': 'all'}, [(261, 28.0, None), ('*', '*', {'n': 'complementary'}), ('*', '*', {'n': 'small'})])
    """
    if not info or "n" not in table or "n" not in counts:
        return None
    if info.get("per_row") == "metric":
        return _per_row_meaning(table, hidden, info, name, shown_columns, counts, decimals, min_n)
    stamped = set(info.get("columns", ()))
    if stamped and any(column not in stamped and column not in WORD_COLUMNS
                       and not pd.api.types.is_numeric_dtype(table[column]) for column in table.columns):
        return None  # groups added after the metric (a split of its students): not the metric's table any more
    dimensions = [c for c in table.columns if c in DIMENSIONS]
    population = dict(info.get("population", {}))
    # (a blank span is no grade: the rows of a table without Distance from Standard)
    span = ("grade_span" in table and "grade" not in table and table["grade_span"].nunique() == 1
            and _value_text(table["grade_span"].iloc[0]).strip() != "")
    if span:  # Distance from Standard: one grade span's students
        population["grade"] = _value_text(table["grade_span"].iloc[0])
    # the metric's own count and rate, and those of metrics set beside it (side_by_side: "n_ela", "value_ela")
    measures = [("", info["count"], info.get("numerator"), info.get("complete", {})),
                *((b["suffix"], b["count"], b.get("numerator"), b.get("complete", {})) for b in info.get("beside", ()))]
    count_list, rates = [], []
    for suffix, count, numerator, _ in measures:
        if f"n{suffix}" not in table or f"n{suffix}" not in counts:
            continue
        count_list.append(Count(f"n{suffix}", count, displayed=f"n{suffix}" in shown_columns))
        value = f"value{suffix}"
        if numerator and value in table and value in counts[f"n{suffix}"] and value in shown_columns:
            rates.append(Rate(value, numerator, f"n{suffix}", decimals))
    rows = []
    for position in range(len(table)):
        row: dict = {d: _value_text(table[d].iloc[position]) for d in dimensions}
        if "grade_span" in table and not span and "grade" not in table and \
                _value_text(table["grade_span"].iloc[position]).strip():
            row.setdefault("population", {})["grade"] = _value_text(table["grade_span"].iloc[position])
        for count in count_list:
            raw = pd.to_numeric(pd.Series([table[count.column].iloc[position]]), errors="coerce").iloc[0]
            if hidden[count.column].iloc[position] == "*":
                row[count.column] = "*"
                row.setdefault("hidden", {})[count.column] = ("hidden" if pd.isna(raw) else "small" if raw < min_n
                                                              else "complementary")
            else:
                row[count.column] = None if pd.isna(raw) else int(raw)  # (None: no figure at all)
        for rate in rates:
            value = hidden[rate.column].iloc[position]
            number = pd.to_numeric(pd.Series([value]), errors="coerce").iloc[0]
            row[rate.column] = "*" if value == "*" else (None if pd.isna(number)
                                                         else float(np.ravel(round_half_away(np.array([number]), decimals))[0] + 0.0))
        rows.append(row)
    # complete where every whole still has all of its parts (a query may have dropped some grades, say), for
    # every measure the table shows (a dimension's rows add up for all of them, or it is not declared)
    complete = {}
    for dimension in dimensions:
        wholes = parts_per_whole(table, dimension) if dimension not in NOT_ADDITIVE else None
        if wholes is not None and all(dimension in stamped and all(stamped[dimension].get(key) == number
                                                                       for key, number in wholes.items())
                                      for _, _, _, stamped in measures):
            complete[dimension] = "all"
    return TableMeaning(name, population, dimensions, count_list, rates, complete, rows)


def side_by_side(left: pd.DataFrame, right: pd.DataFrame, on: Sequence[str], suffix: str,
                 how: str = "inner") -> pd.DataFrame:
    """Two metrics' tables merged on their groups (``right``'s columns with ``suffix``), each still saying what it counts.

    A plain merge keeps neither table's meaning; this one keeps ``left``'s and adds ``right``'s as
    ``n<suffix>`` and ``value<suffix>`` (:func:`table_meaning`).  A grouping whose rows made up the
    whole in both is complete in the merge only if the merge kept every row.

    >>> math = pd.DataFrame({"el_status": ["EL", "EO"], "school_year": 2025, "n": [40, 60], "value": [10.0, 20.0]})
    >>> math.attrs[MEANING_ATTRIBUTE] = metric_meaning("percent_met", {"subject": "math"}, {}, {"el_status": {"2025": 2}})
    >>> ela = math.assign(n=[41, 59], value=[15.0, 25.0])
    >>> ela.attrs[MEANING_ATTRIBUTE] = metric_meaning("percent_met", {"subject": "ela"}, {}, {"el_status": {"2025": 2}})
    >>> merged = side_by_side(math, ela, ["el_status", "school_year"], "_ela")
    >>> meaning = table_meaning(merged, merged.astype(object), merged.attrs[MEANING_ATTRIBUTE], "t#1",
    ...     shown_columns=list(merged.columns), counts={"n": ["value"], "n_ela": ["value_ela"]}, decimals=1)
    >>> [c.measure for c in meaning.counts], [r.numerator for r in meaning.rates], meaning.complete
    (['math.tested', 'ela.tested'], ['math.met', 'ela.met'], {'el_status': 'all'})
    """
    merged = left.merge(right, on=list(on), suffixes=("", suffix), how=how)
    mine, theirs = left.attrs.get(MEANING_ATTRIBUTE), right.attrs.get(MEANING_ATTRIBUTE)
    if mine and theirs and mine.get("population") == theirs.get("population") and not mine.get("per_row"):
        kept = len(merged) == len(left) == len(right)
        merged.attrs[MEANING_ATTRIBUTE] = {
            **mine, "complete": mine.get("complete", {}) if kept else {}, "columns": list(merged.columns),
            "beside": [*mine.get("beside", ()), {"suffix": suffix, "count": theirs["count"],
                                                "numerator": theirs.get("numerator"),
                                                "complete": theirs.get("complete", {}) if kept else {}}]}
    else:
        merged.attrs = {}
    return merged


def _per_row_meaning(table, hidden, info, name, shown_columns, counts, decimals, min_n) -> TableMeaning:
    """A table whose every row is its own metric (the common metrics: ``metric``, ``subject``, ``grade_span``)."""
    base = table_meaning(table, hidden, {"count": "row", "numerator": "row", "population": info.get("population", {}),
                                         "complete": {}, "columns": []}, name, shown_columns=shown_columns,
                         counts=counts, decimals=decimals, min_n=min_n)
    for position, row in enumerate(base.rows):
        measures = extract_measures(str(table["metric"].iloc[position]), table["subject"].iloc[position])
        span = table["grade_span"].iloc[position] if "grade_span" in table else ""
        row["population"] = {"school_year": info["school_year"], **({"grade": str(span)} if span else {})}
        if measures is None:  # a figure the audit does not know the meaning of: left out
            row["n"], row["value"] = None, None
            row.pop("hidden", None)
            continue
        row["measures"] = {"n": measures[0], **({"value": measures[1]} if measures[1] else {})}
        if not measures[1]:
            row["not_rates"] = ["value"]
    base.dimensions = []
    base.population.pop("grade", None)  # each row says its own grade span
    base.headline = True  # the common metrics and the headline figures: hidden last
    return base


def figures_to_hide(path: str | None) -> frozenset[tuple[str, str]]:
    """The figures a pack's protection hides beyond the rule: ``(measure, population)`` pairs from a JSON file.

    >>> figures_to_hide(None)
    frozenset()
    """
    if not path:
        return frozenset()
    with open(path, encoding="utf-8") as handle:
        return frozenset((str(m), str(p)) for m, p in json.load(handle))


def hide_figures(meaning: TableMeaning, hidden: pd.DataFrame, figures: frozenset[tuple[str, str]],
                 counts: Mapping[str, Sequence[str]]) -> pd.DataFrame:
    """``hidden`` (a table after suppression) with every figure of ``figures`` it shows hidden too, and ``meaning`` to match.

    A count hidden takes the figures shown with it (as the rule does); a rate alone leaves its count.

    >>> m = TableMeaning("t#1", {}, ["el_status"], [Count("n", "k")], [Rate("value", "r", "n", 1)],
    ...                  rows=[{"el_status": "EL", "n": 40, "value": 10.0}, {"el_status": "EO", "n": 50, "value": 20.0}])
    >>> t = pd.DataFrame({"el_status": ["EL", "EO"], "n": [40, 50], "value": [10.0, 20.0]}, dtype=object)
    >>> hide_figures(m, t, frozenset({("k", "el_status=EL"), ("r", "el_status=EO")}), {"n": ["value"]}).values.tolist()
    [['EL', '*', '*'], ['EO', 50, '*']]
    >>> m.rows[0]["hidden"], m.rows[1]["hidden"]
    ({'n': 'complementary'}, {'value': 'alone'})
    """
    if not figures:
        return hidden
    result = hidden.copy()
    for position, row in enumerate(meaning.rows):  # (one row of the meaning per row of the table)
        population = population_key({**meaning.population, **{d: row[d] for d in meaning.dimensions if d in row},
                                     **row.get("population", {})})
        measures = row.get("measures", {})  # (a row may count something else: the common metrics)
        for count in meaning.counts:
            if row.get(count.column) not in (None, "*") and (measures.get(count.column, count.measure), population) in figures:
                row[count.column] = "*"
                row.setdefault("hidden", {})[count.column] = "complementary"
                for column in [count.column, *counts.get(count.column, ())]:
                    if column in result:
                        result.iloc[position, result.columns.get_loc(column)] = "*"
                for rate in meaning.rates:
                    if rate.of == count.column and row.get(rate.column) is not None:
                        row[rate.column] = "*"
        for rate in meaning.rates:
            if row.get(rate.column) not in (None, "*") and (measures.get(rate.column, rate.numerator), population) in figures:
                row[rate.column] = "*"
                row.setdefault("hidden", {})[rate.column] = "alone"
                result.iloc[position, result.columns.get_loc(rate.column)] = "*"
    return result
