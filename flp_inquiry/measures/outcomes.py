"""Engagement and outcomes: chronic absenteeism, algebra by grade 8/9, D/F rates, graduation and a-g.
"""
from __future__ import annotations

from typing import Sequence

import pandas as pd

from flp_inquiry.codes import CHRONIC_ABSENCE_GRADES
from flp_inquiry.errors import ParameterError
from flp_inquiry.measures.dashboard_groups import (
    DASHBOARD_GROUP_LABELS,
    RFEP_YEARS_IN_EL,
    el_group_rfep_years,
    with_dashboard_groups,
)
from flp_inquiry.measures.students import (
    MULTI_GROUPINGS,
    _attach_groups,
    _check_by,
    _share,
    primary_enrollment,
)
from flp_inquiry.measures.suppression import require_columns
from flp_inquiry.memo import Recent

PASSING_MARKS = ("A", "B", "C")
FAILING_MARKS = ("D", "F")
#: Course levels that show Algebra 1 / Integrated Math 1 was completed (see the module notes).
ALGEBRA_OR_HIGHER = ("algebra_1", "geometry", "algebra_2", "beyond")
CHRONIC_ABSENCE_MIN_DAYS = 31
# ---------------------------------------------------------------------------
# engagement
# ---------------------------------------------------------------------------

def chronic_absenteeism(enrollment: pd.DataFrame, by: Sequence[str] = (), grades: Sequence[int] | None = None) -> pd.DataFrame:
    """Percent of students enrolled 31 or more days who were absent on 10% or more of them.

    A student whose days are not known (enrollment from the state's score files, which have no
    attendance) is not counted: a district with no attendance at all has no rows.

    The Dashboard measure is grades K-8 (``grades=None``); other grades can be asked
    for and are labelled as not the Dashboard measure in the ``measure`` column.

    Returns
    -------
    DataFrame
        ``*by, n, value, measure``.

    Examples
    --------
    >>> from flp_inquiry.measures.metrics import _example
    >>> _, enrollment = _example()
    >>> chronic_absenteeism(enrollment, by=["school_year"])
       school_year  n      value                measure
    0         2023  3  33.333333  Dashboard: grades K-8
    1         2024  6   0.000000  Dashboard: grades K-8
    """
    by = _check_by(by)
    require_columns(enrollment, ["days_enrolled", "days_absent"], "chronic_absenteeism")
    measured = CHRONIC_ABSENCE_GRADES if grades is None else tuple(int(g) for g in grades)
    students = _recent_absences.get_or_make([enrollment], measured, lambda: _counted_absences(enrollment, measured))
    students = with_dashboard_groups(students, enrollment, by, el_group_rfep_years("chronic_absenteeism"))
    table = _share(students, by, students["chronic"])
    if set(measured) == set(CHRONIC_ABSENCE_GRADES):
        table["measure"] = "Dashboard: grades K-8"
    else:
        table["measure"] = f"not the Dashboard measure: grades {', '.join(map(str, sorted(measured)))}"
    return table


def _counted_absences(enrollment: pd.DataFrame, measured: tuple[int, ...]) -> pd.DataFrame:
    """Students counted for chronic absence in ``measured`` grades (primary enrollment, days summed over
    their schools), each with ``chronic`` True or False.  Read it, never change it."""
    # min_count: days not known stay unknown (null), never a sum of zero days
    days = enrollment.groupby(["school_year", "student_key"], sort=False)[["days_enrolled", "days_absent"]].sum(min_count=1)
    students = primary_enrollment(enrollment).drop(columns=["days_enrolled", "days_absent"], errors="ignore")
    students = students.merge(days.reset_index(), on=["school_year", "student_key"])
    enough_days = (students["days_enrolled"] >= CHRONIC_ABSENCE_MIN_DAYS) & students["days_absent"].notna()
    students = students[students["grade"].isin(measured) & enough_days.fillna(False).astype(bool)]
    # absent * 10 >= enrolled avoids 0.1 * enrolled in binary floating point
    return students.assign(chronic=students["days_absent"].astype(float) * 10 >= students["days_enrolled"] - 1e-9)


# A notebook asks for chronic absence of the same students grouped in several ways.
_recent_absences = Recent(size=8)


# ---------------------------------------------------------------------------
# mathematics pathway, college and career
# ---------------------------------------------------------------------------

def algebra_by_grade(math_courses: pd.DataFrame, enrollment: pd.DataFrame, grade: int = 8,
                     by: Sequence[str] = ()) -> pd.DataFrame:
    """Percent of students in ``grade`` who completed Algebra 1 / Integrated 1 (or higher) with C or better.

    The cohort is the students in ``grade`` in a school year; their course rows of that
    year and every earlier one count (see the module notes for "or higher").  With no course
    rows at all (a district whose data has no courses: the state's score files) there is
    nothing to measure, and no rows: not a rate of 0%.

    Returns
    -------
    DataFrame
        ``*by, n, value``.

    Examples
    --------
    >>> from flp_inquiry.measures.metrics import _example
    >>> _, enrollment = _example()
    >>> courses = pd.DataFrame({"school_year": [2023, 2024, 2024], "student_key": ["f:5", "f:6", "f:7"],
    ...     "course_level": ["algebra_1", "algebra_1", "grade_level"], "mark": ["C", "D", "A"]})
    >>> algebra_by_grade(courses, enrollment, grade=8, by=["school_year"])
       school_year  n      value
    0         2024  3  33.333333
    """
    by = _check_by(by)
    if grade not in range(6, 13):
        raise ParameterError("grade", grade, list(range(6, 13)))
    require_columns(math_courses, ["school_year", "student_key", "course_level", "mark"], "algebra_by_grade")
    students = primary_enrollment(enrollment)
    cohort = students[(students["grade"] == grade) & (len(math_courses) > 0)]
    passed = math_courses[math_courses["course_level"].isin(ALGEBRA_OR_HIGHER)
                          & math_courses["mark"].isin(PASSING_MARKS)]
    passed = passed[["student_key", "school_year"]].rename(columns={"school_year": "passed_year"})
    matches = cohort[["school_year", "student_key"]].merge(passed, on="student_key")
    done = matches[matches["passed_year"] <= matches["school_year"]].drop_duplicates(["school_year", "student_key"])
    cohort = cohort.merge(done[["school_year", "student_key"]].assign(_done=True),
                          on=["school_year", "student_key"], how="left")
    cohort = with_dashboard_groups(cohort, enrollment, by, RFEP_YEARS_IN_EL)
    return _share(cohort, by, cohort["_done"].fillna(False).astype(bool))


def d_or_f_rate(math_courses: pd.DataFrame, enrollment: pd.DataFrame, by: Sequence[str] = ()) -> pd.DataFrame:
    """Percent of marks given in each math course that were D or F.

    Returns
    -------
    DataFrame
        ``*by, course_level, course_title, n, value``: ``n`` marks given.

    Examples
    --------
    >>> from flp_inquiry.measures.metrics import _example
    >>> _, enrollment = _example()
    >>> courses = pd.DataFrame({"school_year": [2024] * 3, "student_key": ["f:5", "f:6", "f:7"],
    ...     "course_level": ["algebra_1"] * 3, "course_title": ["ALGEBRA 1"] * 3, "mark": ["D", "B", None]})
    >>> d_or_f_rate(courses, enrollment)
      course_level course_title  n  value
    0    algebra_1    ALGEBRA 1  2   50.0
    """
    by = _check_by(by)
    require_columns(math_courses, ["school_year", "student_key", "course_level", "course_title", "mark"], "d_or_f_rate")
    marks = _attach_groups(math_courses[math_courses["mark"].notna()], enrollment, by)
    marks = with_dashboard_groups(marks, enrollment, by, RFEP_YEARS_IN_EL)
    return _share(marks, [*by, "course_level", "course_title"], marks["mark"].isin(FAILING_MARKS))


def _cohort_groups(outcomes: pd.DataFrame, enrollment: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Outcome rows (``school_year`` = cohort year) with groups from the last primary enrollment up to it.

    By Dashboard group, a cohort student with no enrollment up to the cohort year counts in ALL only.
    """
    require_columns(outcomes, ["cohort_year", "student_key", "graduated", "ag_met"], "cohort metrics")
    cohort = outcomes.assign(school_year=outcomes["cohort_year"])
    wanted = [g for g in by if g != "school_year" and g not in MULTI_GROUPINGS]
    students = primary_enrollment(enrollment)[["school_year", "student_key", *wanted]]
    students = students.rename(columns={"school_year": "enrolled_year"})
    matches = cohort[["school_year", "student_key"]].merge(students, on="student_key")
    last = (matches[matches["enrolled_year"] <= matches["school_year"]]
            .sort_values("enrolled_year").drop_duplicates(["school_year", "student_key"], keep="last"))
    cohort = cohort.merge(last, on=["school_year", "student_key"], how="left")
    if "dashboard_group" in by:
        known = cohort["enrolled_year"].notna()
        expanded = with_dashboard_groups(cohort[known].astype({"enrolled_year": "int64"}), enrollment, by,
                                         el_group_rfep_years("graduation"), year_column="enrolled_year")
        unknown = cohort[~known].assign(dashboard_group=pd.Categorical(["ALL"] * int((~known).sum()),
                                                                       categories=list(DASHBOARD_GROUP_LABELS)))
        cohort = pd.concat([expanded, unknown], ignore_index=True)
    return cohort.drop(columns="enrolled_year")


def graduation_rate(outcomes: pd.DataFrame, enrollment: pd.DataFrame, by: Sequence[str] = ()) -> pd.DataFrame:
    """Four-year graduation rate: graduates / students in the cohort (``school_year`` = cohort year).

    Returns
    -------
    DataFrame
        ``*by, n, value``: ``n`` students in the cohort.

    Examples
    --------
    >>> from flp_inquiry.measures.metrics import _example
    >>> _, enrollment = _example()
    >>> outcomes = pd.DataFrame({"cohort_year": [2024] * 3, "student_key": ["f:1", "f:2", "f:9"],
    ...     "graduated": [True, False, True], "ag_met": [True, False, False]})
    >>> graduation_rate(outcomes, enrollment, by=["school"])
      school  n  value
    0      A  2   50.0
    1    NaN  1  100.0
    """
    by = _check_by(by)
    cohort = _cohort_groups(outcomes, enrollment, by)
    return _share(cohort, by, cohort["graduated"].astype(bool))


def a_g_completion_rate(outcomes: pd.DataFrame, enrollment: pd.DataFrame, by: Sequence[str] = ()) -> pd.DataFrame:
    """Percent of a cohort's graduates who completed the UC/CSU a-g requirements.

    Returns
    -------
    DataFrame
        ``*by, n, value``: ``n`` graduates.

    Examples
    --------
    >>> from flp_inquiry.measures.metrics import _example
    >>> _, enrollment = _example()
    >>> outcomes = pd.DataFrame({"cohort_year": [2024] * 3, "student_key": ["f:1", "f:2", "f:9"],
    ...     "graduated": [True, False, True], "ag_met": [True, False, False]})
    >>> a_g_completion_rate(outcomes, enrollment)
       n  value
    0  2   50.0
    """
    by = _check_by(by)
    cohort = _cohort_groups(outcomes, enrollment, by)
    graduates = cohort[cohort["graduated"].astype(bool)]
    return _share(graduates, by, graduates["ag_met"].astype(bool))
