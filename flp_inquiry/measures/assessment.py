"""Smarter Balanced ELA and mathematics: percent met, participation, Distance from Standard and its change.

Rows from the state's score files carry the state's Include Indicator and tested school, and the
state's rules apply to them: only ``Y`` records are in averages and level shares (percent met, DFS),
each result counts at its final tested school (:func:`~flp_inquiry.measures.students.with_reporting_school`),
and participation is the state's number tested over its number enrolled, by the layout's codes
(:func:`participation_rate`).  Cut scores are always those of the grade tested.  Rows without
these columns (the districts' own exports) are computed as they always were.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from flp_inquiry.codes import SBAC_GRADES, TESTED_INDICATORS
from flp_inquiry.measures.dashboard import LEVEL_DTYPE, dashboard_levels, round_half_away, status_level
from flp_inquiry.measures.dashboard_groups import el_group_rfep_years, with_dashboard_groups
from flp_inquiry.measures.reference import distance_to_level3
from flp_inquiry.measures.students import (
    GROUPINGS,
    _attach_groups,
    _check_by,
    _check_subject,
    _share,
    primary_enrollment,
    with_reporting_school,
)
from flp_inquiry.measures.suppression import require_columns
from flp_inquiry.memo import Recent

# ---------------------------------------------------------------------------
# Smarter Balanced
# ---------------------------------------------------------------------------

ASSESSMENT_COLUMNS = ["school_year", "student_key", "test", "grade_tested", "scale_score", "level"]
#: The state's Include Indicators of a student enrolled for a test (E, an English learner in a US school under
#: 12 months, is exempt from ELA: not enrolled for it), and of one with a valid score.
ENROLLED_INDICATORS = ("Y", "T", "R", "N")
VALID_INDICATOR = "Y"


def scored_results(assessments: pd.DataFrame, subject: str) -> pd.DataFrame:
    """Smarter Balanced rows of ``subject`` in a tested grade that have a scale score (the tested students).

    A row with the state's Include Indicator counts only when it is ``Y`` (a valid score);
    the reporting school (``tested_school_cds``) comes along where the rows have it.

    >>> from flp_inquiry.measures.metrics import _example
    >>> assessments, _ = _example()
    >>> scored_results(assessments, "ela")["student_key"].tolist()  # f:4 (grade 11) has no score
    ['f:1', 'f:1', 'f:2', 'f:3']
    """
    require_columns(assessments, ASSESSMENT_COLUMNS, "Smarter Balanced metrics")
    keep = ((assessments["test"] == subject) & assessments["grade_tested"].isin(SBAC_GRADES)
            & assessments["scale_score"].notna())
    if "include_indicator" in assessments:
        indicator = assessments["include_indicator"]
        keep &= (indicator.isna() | (indicator == VALID_INDICATOR)).to_numpy()
    columns = [*ASSESSMENT_COLUMNS, *(c for c in ("tested_school_cds",) if c in assessments)]
    return assessments.loc[keep, columns]


def _scored_with_groups(assessments: pd.DataFrame, enrollment: pd.DataFrame, subject: str) -> pd.DataFrame:
    """The scored rows of ``subject`` with every grouping of their primary enrollment, ``distance`` from
    Level 3 and ``grade_span``: what each Smarter Balanced metric groups.  Read it, never change it."""
    def make() -> pd.DataFrame:
        scored = scored_results(assessments, subject)
        groupings = [g for g in GROUPINGS if g in primary_enrollment(enrollment)]
        scored = with_reporting_school(_attach_groups(scored, enrollment, groupings), enrollment)
        return scored.assign(distance=distance_to_level3(scored, subject), grade_span=_grade_span(scored["grade_tested"]))

    # A notebook asks for a dozen of these metrics of the same tables, grouped in different ways.
    return _recent_scored.get_or_make([assessments, enrollment], ("scored", subject), make)


_recent_scored = Recent(size=12)


def results_of_years(assessments: pd.DataFrame, years: Sequence[int]) -> pd.DataFrame:
    """The rows of ``years``; the same table each time for the same rows, so what is worked out from it
    (:func:`_scored_with_groups`) is found again.  Read it, never change it.

    >>> from flp_inquiry.measures.metrics import _example
    >>> assessments, _ = _example()
    >>> two = results_of_years(assessments, (2023, 2024))
    >>> two is results_of_years(assessments, (2023, 2024)), sorted(set(two["school_year"]))
    (True, [2023, 2024])
    """
    years = tuple(int(year) for year in years)
    return _recent_years.get_or_make([assessments], ("years", years),
                                     lambda: assessments[assessments["school_year"].isin(list(years))])


#: A report asks for this year and last of its district's and its school's students' results.
_recent_years = Recent(size=4)


def _academic_groups(rows: pd.DataFrame, enrollment: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """``rows`` once per Dashboard group where ``by`` has ``dashboard_group``: the academic indicator's
    groups, whose EL holds students reclassified within four years.  By school, a result counted at
    the district level only (no ``school``: a nonpublic-school placement) is in no school's row."""
    if "school" in by:
        rows = rows[rows["school"].notna()]
    return with_dashboard_groups(rows, enrollment, by, el_group_rfep_years("ela_3_8"))


def percent_met(assessments: pd.DataFrame, enrollment: pd.DataFrame, subject: str, by: Sequence[str] = ()) -> pd.DataFrame:
    """Percent of students with a score who met or exceeded the standard (level 3 or 4).

    Parameters
    ----------
    assessments, enrollment : DataFrame
        Canonical tables.
    subject : {"ela", "math"}
    by : sequence of str
        Groupings (see the module notes).

    Returns
    -------
    DataFrame
        ``*by, n, value``: ``n`` students tested with a score, ``value`` percent met or exceeded.

    Examples
    --------
    >>> from flp_inquiry.measures.metrics import _example
    >>> assessments, enrollment = _example()
    >>> percent_met(assessments.query("school_year == 2024"), enrollment, "ela", by=["school"])
      school  n  value
    0      A  2   50.0
    1      B  1    0.0
    """
    by = _check_by(by)
    scored = _academic_groups(_scored_with_groups(assessments, enrollment, _check_subject(subject)), enrollment, by)
    return _share(scored, by, scored["level"].fillna(0) >= 3)


def participation_rate(assessments: pd.DataFrame, enrollment: pd.DataFrame, subject: str, by: Sequence[str] = ()) -> pd.DataFrame:
    """Percent of students enrolled in a tested grade (3-8, 11) who have a scale score in ``subject``.

    ``Not Tested`` rows, blank scores and students with no test row at all are the
    non-participants.  The grade is the enrollment grade.

    Rows with the state's Include Indicator (its score files list every student registered
    for the test) are counted as the state counts them instead: number tested (``Y``, ``T``,
    ``R``: took the test, with a valid score or not) over number enrolled (those and ``N``:
    not tested, a parent exemption, a medical emergency, one part only); ``E`` (an English
    learner in a US school under 12 months, exempt from ELA) is in neither.  These are the
    CAASPP results' "students tested" and "students enrolled" by the layout's own codes; the
    Dashboard's 95% participation rule is not this rate.  Each record counts at its tested school.

    Returns
    -------
    DataFrame
        ``*by, n, value``: ``n`` students enrolled in a tested grade.

    Examples
    --------
    >>> from flp_inquiry.measures.metrics import _example
    >>> assessments, enrollment = _example()
    >>> participation_rate(assessments, enrollment, "ela", by=["school_year"])
       school_year  n      value
    0         2023  3  33.333333
    1         2024  7  42.857143
    """
    by = _check_by(by)
    subject = _check_subject(subject)
    if "include_indicator" in assessments and assessments["include_indicator"].notna().any():
        return _state_participation(assessments, enrollment, subject, by)
    scored = scored_results(assessments, subject)[["school_year", "student_key"]].drop_duplicates()
    students = primary_enrollment(enrollment)
    students = students[students["grade"].isin(SBAC_GRADES)]
    tested = students.merge(scored.assign(_tested=True), on=["school_year", "student_key"], how="left")
    tested = _academic_groups(tested, enrollment, by)
    return _share(tested, by, tested["_tested"].fillna(False).astype(bool))


def _state_participation(assessments: pd.DataFrame, enrollment: pd.DataFrame, subject: str, by: list[str]) -> pd.DataFrame:
    """Participation by the Include Indicator: tested (Y, T, R) over enrolled (Y, T, R, N), at each tested school.

    >>> from flp_inquiry.measures.metrics import _example
    >>> assessments, enrollment = _example()
    >>> rows = assessments[assessments["test"] == "ela"].assign(include_indicator=["Y", "Y", "E", "Y", "N"])
    >>> participation_rate(rows, enrollment, "ela", by=["school_year"]).round(1).to_dict("records")  # f:2 E, f:4 N
    [{'school_year': 2023, 'n': 1, 'value': 100.0}, {'school_year': 2024, 'n': 3, 'value': 66.7}]
    """
    indicator = assessments["include_indicator"]
    rows = assessments[(assessments["test"] == subject) & assessments["grade_tested"].isin(SBAC_GRADES)
                       & indicator.isin(ENROLLED_INDICATORS)]
    columns = ["school_year", "student_key", "include_indicator", *(c for c in ("tested_school_cds",) if c in rows)]
    groupings = [g for g in GROUPINGS if g in primary_enrollment(enrollment)]
    rows = with_reporting_school(_attach_groups(rows[columns], enrollment, groupings), enrollment)
    rows = _academic_groups(rows, enrollment, by)
    return _share(rows, by, rows["include_indicator"].isin(TESTED_INDICATORS))


def _grade_span(grades: pd.Series) -> pd.Series:
    return pd.Series(np.where(grades == 11, "11", "3-8"), index=grades.index)


_SPAN_INDICATORS = (("3-8", "3_8"), ("11", "11"))


def _with_span_levels(table: pd.DataFrame, subject: str, change: str | None) -> pd.DataFrame:
    """Dashboard levels with each grade span's own cut points (two spans, not a row loop)."""
    if change is None:  # the status level alone: set in place for each span's rows
        levels = pd.Series(pd.NA, index=table.index, dtype=LEVEL_DTYPE)
        for span, suffix in _SPAN_INDICATORS:
            rows = (table["grade_span"] == span).to_numpy()
            if rows.any():
                levels[rows] = status_level(table.loc[rows, "value"], f"{subject}_{suffix}")
        return table.assign(status_level=levels)
    parts = [dashboard_levels(table[table["grade_span"] == span], f"{subject}_{suffix}", change=change)
             for span, suffix in _SPAN_INDICATORS]
    return pd.concat(parts).sort_index()


def distance_from_standard(assessments: pd.DataFrame, enrollment: pd.DataFrame, subject: str,
                           by: Sequence[str] = ()) -> pd.DataFrame:
    """Mean distance of scale scores from the grade's Level 3 minimum, with the Dashboard status level.

    Grades 3-8 and grade 11 are separate rows (``grade_span``), each with its own cut points.

    Returns
    -------
    DataFrame
        ``*by, grade_span, n, value, status_level``; ``value`` in points.

    Examples
    --------
    ELA minimums: grade 4 2473, grade 5 2502.  School A: 2518 (+45) and 2457 (-45), mean 0;
    school B: 2470, -32 points.

    >>> from flp_inquiry.measures.metrics import _example
    >>> assessments, enrollment = _example()
    >>> distance_from_standard(assessments.query("school_year == 2024"), enrollment, "ela", by=["school"])
      school grade_span  n  value  status_level
    0      A        3-8  2    0.0             3
    1      B        3-8  1  -32.0             2
    """
    by = _check_by(by)
    subject = _check_subject(subject)
    scored = _academic_groups(_scored_with_groups(assessments, enrollment, subject), enrollment, by)
    keys = [*by, "grade_span"]
    grouped = scored.groupby(keys, sort=True, dropna=False, observed=True)["distance"]
    table = pd.concat([grouped.size().rename("n"), grouped.mean().rename("value")], axis=1).reset_index()
    return _with_span_levels(table, subject, change=None)


def dfs_grade_span(table: pd.DataFrame, grade: int | None = None) -> str:
    """The one grade span of a Distance from Standard table to report (spans are never mixed).

    ``grade``'s own span; for all grades, ``3-8``, or ``11`` where the table (its
    scope: a high school, say) has no grades 3-8 rows.

    >>> high_school = pd.DataFrame({"grade_span": ["11", "11"]})
    >>> dfs_grade_span(high_school, 7), dfs_grade_span(high_school), dfs_grade_span(pd.DataFrame({"grade_span": ["3-8", "11"]}))
    ('3-8', '11', '3-8')
    """
    if grade is not None:
        return "11" if int(grade) == 11 else "3-8"
    return "11" if len(table) and not (table["grade_span"] == "3-8").any() else "3-8"


def add_change(table: pd.DataFrame, year: int, keys: list[str]) -> pd.DataFrame:
    """This year's rows of a table grouped by ``school_year`` + ``keys``, with last year's n, value and the change.

    The change is worked out from the unrounded figures and then rounded, as the Dashboard does: 43.0
    after 40.05 (published 40.1) is a change of 3.0, not 43.0 - 40.1 = 2.9.

    >>> t = pd.DataFrame({"school_year": [2024, 2025], "n": [20, 20], "value": [40.05, 43.0]})
    >>> add_change(t, 2025, [])[["prior_value", "value", "change"]].to_dict("records")
    [{'prior_value': 40.05, 'value': 43.0, 'change': 3.0}]
    """
    current = table[table["school_year"] == year]
    prior = table.loc[table["school_year"] == year - 1, [*keys, "n", "value"]]
    prior = prior.rename(columns={"n": "prior_n", "value": "prior_value"})
    if keys:
        merged = current.merge(prior, on=keys, how="left")
    else:  # one row per year: last year's (if any) sits beside this year's
        merged = current.reset_index(drop=True).join(prior.reset_index(drop=True).head(1))
    merged["prior_n"] = merged["prior_n"].astype("Int64")
    # As the Dashboard does: the unrounded figures are subtracted and the change is rounded, so it can
    # differ by 0.1 from the difference of the two published figures (a quarter of its 2017 rows do).
    merged["change"] = round_half_away(merged["value"] - merged["prior_value"], 1)
    return merged


def distance_from_standard_change(assessments: pd.DataFrame, enrollment: pd.DataFrame, subject: str, year: int,
                                  by: Sequence[str] = ()) -> pd.DataFrame:
    """DFS of ``year`` beside last year's for the same group, with status, change and colour.

    A colour needs 30 or more students this year.

    Returns
    -------
    DataFrame
        ``*by, grade_span, n, value, status_level, prior_n, prior_value, change,
        change_level, colour, colour_name``.

    Examples
    --------
    >>> from flp_inquiry.measures.metrics import _example
    >>> assessments, enrollment = _example()
    >>> t = distance_from_standard_change(assessments, enrollment, "ela", 2024)
    >>> t[["n", "value", "prior_value", "change", "change_level", "colour"]]
       n      value  prior_value  change  change_level  colour
    0  3 -10.666667         40.0   -50.7             1    <NA>
    """
    by = _check_by(by)
    keys = [g for g in by if g != "school_year"]
    table = distance_from_standard(results_of_years(assessments, (year - 1, year)), enrollment, subject,
                                   by=[*keys, "school_year"])
    table = add_change(table.drop(columns="status_level"), year, [*keys, "grade_span"])
    table = _with_span_levels(table, _check_subject(subject), change="change")
    columns = [*by, "grade_span", "n", "value", "status_level", "prior_n", "prior_value", "change",
               "change_level", "colour", "colour_name"]
    return table[columns].reset_index(drop=True)
