"""English learners: ELPI progress, reclassification, long-term ELs and those at risk.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from flp_inquiry.measures.assessment import ASSESSMENT_COLUMNS
from flp_inquiry.measures.dashboard import dashboard_levels
from flp_inquiry.measures.dashboard_groups import RFEP_YEARS_IN_EL, el_group_rfep_years, with_dashboard_groups
from flp_inquiry.measures.reference import elpi_split_points
from flp_inquiry.measures.students import (
    AT_RISK_GRADES,
    AT_RISK_YEARS,
    LTEL_GRADES,
    LTEL_MIN_YEARS,
    _check_by,
    _school_year_start,
    _share,
    _whole_years,
    primary_enrollment,
    with_reporting_school,
)
from flp_inquiry.measures.suppression import require_columns

ELPI_LEVELS = ("1", "2L", "2H", "3L", "3H", "4")
ELPI_GRADES = tuple(range(1, 13))
# ---------------------------------------------------------------------------
# English learners
# ---------------------------------------------------------------------------

def elpi_level(scale_scores, grades) -> pd.Series:
    """ELPI level of Summative ELPAC scores: 1..6 for ``1, 2L, 2H, 3L, 3H, 4`` (:data:`ELPI_LEVELS`).

    A score exactly on a split point belongs to the higher level.  Missing where the
    score is missing or the grade has no ELPAC range (TK).

    >>> elpi_level([1447, 1448, 1467, 1468, 1510, 1511, 1535], [3] * 7).tolist()
    [1, 2, 2, 3, 4, 5, 6]
    """
    scores = pd.Series(scale_scores, dtype="Float64").reset_index(drop=True)
    splits = pd.DataFrame({"grade": pd.Series(grades).reset_index(drop=True).astype("Int64")})
    splits = splits.merge(elpi_split_points().astype({"grade": "Int64"}), on="grade", how="left")
    level = pd.Series(1.0, index=scores.index)
    for name in ELPI_LEVELS[1:]:
        level += (scores >= splits[name]).fillna(False).astype(float)
    level[scores.isna() | splits["2L"].isna()] = np.nan
    index = scale_scores.index if isinstance(scale_scores, pd.Series) else None
    return pd.Series(level.to_numpy(), index=index).astype("Int64")


def english_learner_progress(assessments: pd.DataFrame, enrollment: pd.DataFrame, by: Sequence[str] = ()) -> pd.DataFrame:
    """Percent of current ELs (grades 1-12) who rose at least one ELPI level, or stayed at level 4.

    Counts ELs with a Summative ELPAC score this year and last; status level by the
    ELPAC-era (2023 on) cut points.

    Returns
    -------
    DataFrame
        ``*by, n, value, status_level``.

    Examples
    --------
    Grade 3 2H (1470) -> grade 4 3L (1500) rose; grade 4 4 (1560) -> grade 5 4 (1565) stayed at 4.

    >>> from flp_inquiry.measures.metrics import _example
    >>> assessments, enrollment = _example()
    >>> english_learner_progress(assessments, enrollment, by=["school_year"])
       school_year  n  value  status_level
    0         2024  2  100.0             5
    """
    by = _check_by(by)
    require_columns(assessments, ASSESSMENT_COLUMNS, "english_learner_progress")
    elpac = assessments[(assessments["test"] == "elpac") & assessments["scale_score"].notna()]
    elpac = elpac.drop_duplicates(["school_year", "student_key"], keep="last")
    elpac = elpac.assign(elpi=elpi_level(elpac["scale_score"], elpac["grade_tested"]))
    reporting = [c for c in ("tested_school_cds",) if c in elpac]  # the state's files: the school tested at
    elpac = elpac[elpac["elpi"].notna()][["school_year", "student_key", "elpi", *reporting]]
    prior = elpac.assign(school_year=elpac["school_year"] + 1).rename(columns={"elpi": "prior_elpi"})
    students = primary_enrollment(enrollment)
    students = students[(students["el_status"] == "EL") & students["grade"].isin(ELPI_GRADES)]
    cohort = students.merge(elpac, on=["school_year", "student_key"]).merge(
        prior.drop(columns=reporting), on=["school_year", "student_key"])
    cohort = with_reporting_school(cohort, enrollment)
    if "school" in by:  # a nonpublic-school placement counts in the district's figure only
        cohort = cohort[cohort["school"].notna()]
    top = len(ELPI_LEVELS)
    cohort = cohort.assign(progressed=(cohort["elpi"] > cohort["prior_elpi"]) | ((cohort["elpi"] == top) & (cohort["prior_elpi"] == top)))
    cohort = with_dashboard_groups(cohort, enrollment, by, el_group_rfep_years("elpi"))
    return dashboard_levels(_share(cohort, by, cohort["progressed"].astype(bool)), "elpi", change=None)


def _el_at_year_start(students: pd.DataFrame) -> pd.Series:
    start = _school_year_start(students["school_year"])
    rfep = students["rfep_date"]
    still_el = ((students["el_status"] == "EL") & rfep.isna()) | (
        students["el_status"].isin(["EL", "RFEP"]) & (rfep >= start))
    started = students["el_start_date"].isna() | (students["el_start_date"] <= start)
    return (still_el & started).fillna(False).astype(bool)


def reclassification_rate(enrollment: pd.DataFrame, by: Sequence[str] = ()) -> pd.DataFrame:
    """Percent of ELs enrolled at the start of the year reclassified (RFEP date) during it.

    The school year runs July 1 of the year before ``school_year`` to June 30 of it;
    a student reclassified on June 30 was not an EL at the start of the next year.

    Returns
    -------
    DataFrame
        ``*by, n, value``: ``n`` ELs at the start of the year.

    Examples
    --------
    >>> from flp_inquiry.measures.metrics import _example
    >>> _, enrollment = _example()
    >>> reclassification_rate(enrollment, by=["school_year"])
       school_year  n  value
    0         2023  2   50.0
    1         2024  2    0.0
    """
    by = _check_by(by)
    require_columns(enrollment, ["el_start_date", "rfep_date"], "reclassification_rate")
    students = primary_enrollment(enrollment)
    students = students[_el_at_year_start(students)]
    start = _school_year_start(students["school_year"])
    end = start + pd.DateOffset(years=1) - pd.Timedelta(days=1)
    students = students.assign(reclassified=((students["rfep_date"] >= start) & (students["rfep_date"] <= end)).fillna(False))
    # by Dashboard group, a student reclassified this year is in EL (as RFP), as for the academic indicator
    students = with_dashboard_groups(students, enrollment, by, RFEP_YEARS_IN_EL)
    return _share(students, by, students["reclassified"])


def long_term_english_learners(enrollment: pd.DataFrame, by: Sequence[str] = ()) -> pd.DataFrame:
    """Long-term English learners (LTEL) and ELs at risk of becoming one.

    Years as EL are completed years from ``el_start_date`` to the start of the school
    year (July 1).  LTEL: grades 6-12, 6 or more years; at risk: grades 3-12, 4 or 5
    years.  An EL with no start date is neither.

    Returns
    -------
    DataFrame
        ``*by, n, value, ltel, at_risk, at_risk_percent``: ``n`` current ELs (all grades),
        ``value`` percent of them LTEL, ``ltel`` and ``at_risk`` counts.

    Examples
    --------
    >>> from flp_inquiry.measures.metrics import _example
    >>> _, enrollment = _example()
    >>> long_term_english_learners(enrollment, by=["school_year"])
       school_year  n  value  ltel  at_risk  at_risk_percent
    0         2023  2    0.0     0        0              0.0
    1         2024  2    0.0     0        1             50.0
    """
    by = _check_by(by)
    require_columns(enrollment, ["el_start_date"], "long_term_english_learners")
    students = primary_enrollment(enrollment)
    els = students[students["el_status"] == "EL"]
    years_as_el = _whole_years(els["el_start_date"], _school_year_start(els["school_year"]))
    ltel = els["grade"].isin(LTEL_GRADES) & (years_as_el >= LTEL_MIN_YEARS)
    at_risk = els["grade"].isin(AT_RISK_GRADES) & years_as_el.isin(AT_RISK_YEARS)
    els = els.assign(_ltel=ltel.fillna(False), _at_risk=at_risk.fillna(False))
    els = with_dashboard_groups(els, enrollment, by, RFEP_YEARS_IN_EL)
    table = _share(els, by, els["_ltel"], extra={"ltel": els["_ltel"], "at_risk": els["_at_risk"]})
    table = table.astype({"ltel": "int64", "at_risk": "int64"})
    with np.errstate(invalid="ignore", divide="ignore"):
        table["at_risk_percent"] = 100.0 * table["at_risk"] / table["n"].where(table["n"] > 0)
    return table
