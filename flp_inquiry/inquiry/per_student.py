"""Splits the metric functions do not offer: a metric by a student's own other measure.

:func:`achievement_by_chronic_absence`, :func:`a_g_by_algebra` and
:func:`level3_bottleneck` split a metric by something that is not one of the
metrics' groupings (a student's chronic absence, their algebra by grade 9, their
ELPAC level last year).  They call the metric functions for each student
(:func:`per_student`: the student is made their own "school") so that each rule
stays written once, in :mod:`flp_inquiry.measures.metrics`.
"""
from __future__ import annotations

from typing import Sequence

import pandas as pd

from flp_inquiry.inquiry.patterns import CHRONICALLY_ABSENT, NOT_CHRONICALLY_ABSENT
from flp_inquiry.inquiry.session import METRIC_TABLES, Inquiry
from flp_inquiry.measures.metrics import FUNCTIONS
from flp_inquiry.measures.students import primary_enrollment
from flp_inquiry.memo import Recent

# ---------------------------------------------------------------------------
# per-student splits (see the module notes)
# ---------------------------------------------------------------------------

def per_student(inquiry: Inquiry, name: str, **options) -> pd.DataFrame:
    """A metric of :mod:`flp_inquiry.measures.metrics` for each student: ``school_year, student_key, value``.

    Each student is made their own school, so the metric's own rule decides (for
    example chronic absence: 100 for a chronically absent student, 0 if not).
    Never shown to a reader: it feeds the splits below.

    >>> from flp_inquiry.measures.metrics import _example
    >>> from flp_inquiry.ingest.store import DistrictData
    >>> assessments, enrollment = _example()
    >>> inquiry = Inquiry("fresno", 2024, "all", DistrictData("fresno", enrollment, assessments, pd.DataFrame(), pd.DataFrame()))
    >>> per_student(inquiry, "chronic_absenteeism").query("school_year == 2023").to_dict("records")[0]
    {'school_year': 2023, 'student_key': 'f:1', 'value': 100.0}
    """
    data = inquiry.scoped_data
    inputs = [getattr(data, table) for table in METRIC_TABLES[name]]

    def values() -> pd.DataFrame:
        # one table of students as their own schools for each enrollment, so its primary rows are found once
        own_school = _recent_own_schools.get_or_make(
            [data.enrollment], "own school", lambda: data.enrollment.assign(school_name=data.enrollment["student_key"]))
        tables = [own_school if table == "enrollment" else getattr(data, table) for table in METRIC_TABLES[name]]
        table = FUNCTIONS[name](*tables, by=["school", "school_year"], **options)
        return table.rename(columns={"school": "student_key"})[["school_year", "student_key", "value"]]

    # The explorer asks for the same split several times per pattern (all grades, then the focus grade).
    return _recent_splits.get_or_make(inputs, (name, tuple(sorted(options.items()))), values)


_recent_splits = Recent(size=8)
_recent_own_schools = Recent(size=8)


def achievement_by_chronic_absence(inquiry: Inquiry, subject: str, by: Sequence[str] = (),
                                   measure: str = "distance_from_standard") -> pd.DataFrame:
    """Achievement of chronically absent students beside the others' (``attendance`` column).

    Students counted for chronic absence (grades K-8, 31 days or more) only.
    ``measure`` is ``distance_from_standard`` (grades 3-8 rows) or ``percent_met``.
    Not suppressed.

    >>> from flp_inquiry.measures.metrics import _example
    >>> from flp_inquiry.ingest.store import DistrictData
    >>> assessments, enrollment = _example()
    >>> inquiry = Inquiry("fresno", 2024, "all", DistrictData("fresno", enrollment, assessments, pd.DataFrame(), pd.DataFrame()))
    >>> achievement_by_chronic_absence(inquiry, "ela", by=["school_year"])[["school_year", "attendance", "n", "value"]]
       school_year              attendance  n      value
    0         2023      Chronically absent  1  40.000000
    1         2024  Not chronically absent  3 -10.666667
    """
    data = inquiry.scoped_data
    key = ("by absence", inquiry.school, subject, tuple(by), measure)
    # the explorer asks again at every redraw of the same scope (another group of the same grouping, say)
    return _recent_by_absence.get_or_make([data.assessments, data.enrollment], key, lambda: _by_chronic_absence(
        inquiry, subject, by, measure)).copy()


_recent_by_absence = Recent(size=32)


def _by_chronic_absence(inquiry: Inquiry, subject: str, by: Sequence[str], measure: str) -> pd.DataFrame:
    parts = []
    for label, rows in _attendance_halves(inquiry).items():
        half = inquiry.with_rows("assessments", rows)
        table = half.metric(measure, subject=subject, by=list(by))
        if "grade_span" in table:
            table = table[table["grade_span"] == "3-8"].drop(columns=["grade_span", "status_level"])
        if measure == "distance_from_standard":
            table = _with_mean_intervals(half, table, subject, list(by))
        parts.append(table.assign(attendance=label))
    result = pd.concat(parts, ignore_index=True)
    by = list(by)
    columns = [*by, "attendance", "n", "value", *(["low", "high"] if "low" in result else [])]
    result = result[columns].sort_values([*by, "attendance"], kind="stable")
    return result.reset_index(drop=True)


def _with_mean_intervals(inquiry: Inquiry, table: pd.DataFrame, subject: str, by: list[str]) -> pd.DataFrame:
    """``table`` (a group's mean Distance from Standard) with the 95% interval of each mean (``low``, ``high``).

    From each student's own distance (:func:`per_student`), grouped as the table is:
    mean +/- 1.96 x their standard deviation / sqrt(n); none for fewer than two students.
    """
    from flp_inquiry.inquiry.findings.verdicts import mean_interval

    distances = per_student(inquiry, "distance_from_standard", subject=subject)
    wanted = dict.fromkeys(["grade", "school", *(g for g in by if g != "school_year")])
    students = primary_enrollment(inquiry.scoped_data.enrollment)
    students = students[students["grade"].isin(range(3, 9))]  # the table's span: grades 3-8
    rows = distances.merge(students[["school_year", "student_key", *wanted]], on=["school_year", "student_key"])
    if not inquiry.whole_district:
        rows = rows[rows["school"] == inquiry.school]
    keys = list(by)
    if not keys:
        low, high = mean_interval(rows["value"])
        return table.assign(low=low, high=high)
    bounds = rows.groupby(keys, dropna=False)["value"].apply(mean_interval)
    bounds = pd.DataFrame(bounds.tolist(), index=bounds.index, columns=["low", "high"]).reset_index()
    return table.merge(bounds, on=keys, how="left")


def _attendance_halves(inquiry: Inquiry) -> dict[str, pd.DataFrame]:
    """The inquiry's test rows of chronically absent students, and of the others (counted for chronic absence)."""
    flags = per_student(inquiry, "chronic_absenteeism")
    assessments = inquiry.scoped_data.assessments

    def split() -> dict[str, pd.DataFrame]:
        flagged = assessments.merge(flags, on=["school_year", "student_key"])
        chronic = flagged["value"] == 100
        return {CHRONICALLY_ABSENT: flagged[chronic].drop(columns="value"),
                NOT_CHRONICALLY_ABSENT: flagged[~chronic].drop(columns="value")}

    # The same halves for every grouping the explorer asks for, so each half's scored rows
    # (_scored_with_groups) are worked out once, not once per grouping.
    return _recent_halves.get_or_make([assessments, flags], "attendance", split)


_recent_halves = Recent(size=2)


def a_g_by_algebra(inquiry: Inquiry, by: Sequence[str] = ()) -> pd.DataFrame:
    """a-g completion of graduates who completed algebra by grade 9 beside those who did not.

    Only graduates whose grade 9 year is in the data are counted (``pathway``
    column).  Not suppressed.

    >>> from flp_inquiry.measures.metrics import _example
    >>> from flp_inquiry.ingest.store import DistrictData
    >>> _, enrollment = _example()
    >>> enrollment = enrollment.assign(grade=enrollment["grade"].where(enrollment["student_key"] != "f:4", 9),
    ...                                school_year=enrollment["school_year"])
    >>> courses = pd.DataFrame({"school_year": [2024], "student_key": ["f:4"], "course_level": ["algebra_1"],
    ...                         "course_title": ["ALGEBRA 1"], "mark": ["B"]})
    >>> outcomes = pd.DataFrame({"cohort_year": [2024], "student_key": ["f:4"], "graduated": [True], "ag_met": [True]})
    >>> inquiry = Inquiry("fresno", 2024, "all", DistrictData("fresno", enrollment, pd.DataFrame(), courses, outcomes))
    >>> a_g_by_algebra(inquiry, by=["school_year"])
       school_year                             pathway  n  value
    0         2024  Algebra 1 by grade 9 (C or better)  1  100.0
    """
    flags = per_student(inquiry, "algebra_by_grade", grade=9)
    flags = flags.groupby("student_key", as_index=False)["value"].max()
    outcomes = inquiry.scoped_data.outcomes.merge(flags, on="student_key")
    parts = []
    for label, done in (("Algebra 1 by grade 9 (C or better)", True), ("No algebra by grade 9", False)):
        rows = outcomes[(outcomes["value"] == 100) == done].drop(columns="value")
        if rows.empty:
            continue
        parts.append(inquiry.with_rows("outcomes", rows).metric("a_g_completion_rate", by=list(by)).assign(pathway=label))
    by = list(by)
    if not parts:
        return pd.DataFrame(columns=[*by, "pathway", "n", "value"])
    return pd.concat(parts, ignore_index=True)[[*by, "pathway", "n", "value"]]


def reclassification_after_level4(inquiry: Inquiry, by: Sequence[str] = ()) -> pd.DataFrame:
    """Of last year's English learners at ELPAC level 4 and still ELs at the start of this year, the percent
    reclassified during it (``value``), and the percent still English learners at its end (``still_el``).

    The state expects ELs who reach level 4 to be reclassified (with the district's other criteria):
    many level-4 ELs left as ELs point to the criteria, not language growth.  Groups are this
    year's.  Not suppressed.

    >>> from flp_inquiry.measures.metrics import _example
    >>> from flp_inquiry.ingest.store import DistrictData
    >>> assessments, enrollment = _example()
    >>> f3 = enrollment[enrollment["student_key"] == "f:3"].assign(school_year=2023, grade=4)  # an EL at B in 2023 too
    >>> data = DistrictData("fresno", pd.concat([enrollment, f3], ignore_index=True), assessments, pd.DataFrame(), pd.DataFrame())
    >>> inquiry = Inquiry("fresno", 2024, "all", data)
    >>> reclassification_after_level4(inquiry, by=["school_year"])  # f:3: level 4 in 2023, still EL in 2024
       school_year  n  value  still_el
    0         2024  1    0.0     100.0
    """
    levels = _elpac_levels(inquiry)
    reached = levels.loc[levels["level"] == 4, ["school_year", "student_key"]]
    reached = reached.assign(school_year=reached["school_year"] + 1)
    enrollment = inquiry.scoped_data.enrollment
    rows = enrollment.merge(reached, on=["school_year", "student_key"])
    table = inquiry.with_rows("enrollment", rows).metric("reclassification_rate", by=list(by))
    return table.assign(still_el=100.0 - table["value"])


def _elpac_levels(inquiry: Inquiry) -> pd.DataFrame:
    """Summative ELPAC overall level of each current EL, with their primary enrollment's groups."""
    elpac = inquiry.scoped_data.assessments
    elpac = elpac[(elpac["test"] == "elpac") & elpac["level"].notna()]
    elpac = elpac.drop_duplicates(["school_year", "student_key"], keep="last")[["school_year", "student_key", "level"]]
    students = primary_enrollment(inquiry.scoped_data.enrollment)
    students = students[students["el_status"] == "EL"]
    return elpac.merge(students[["school_year", "student_key", "school", "grade"]], on=["school_year", "student_key"])


def elpac_level_shares(inquiry: Inquiry, by: Sequence[str] = ()) -> pd.DataFrame:
    """Share of English learners at each Summative ELPAC level (``level`` 1-4), by ``by``.

    ``n`` is the students at that level (the count a reader must not see under 11),
    ``group_n`` the ELs tested in the group, ``value`` the percent at the level.

    >>> from flp_inquiry.measures.metrics import _example
    >>> from flp_inquiry.ingest.store import DistrictData
    >>> assessments, enrollment = _example()
    >>> inquiry = Inquiry("fresno", 2024, "all", DistrictData("fresno", enrollment, assessments, pd.DataFrame(), pd.DataFrame()))
    >>> elpac_level_shares(inquiry, by=["school_year"])
       school_year  level  n  group_n  value
    0         2023      2  1        1  100.0
    1         2024      3  1        2   50.0
    2         2024      4  1        2   50.0
    """
    levels = _elpac_levels(inquiry)
    if not inquiry.whole_district:
        levels = levels[levels["school"] == inquiry.school]
    by = list(by)
    counts = levels.groupby([*by, "level"], sort=True).size().rename("n").reset_index()
    totals = levels.groupby(by, sort=True).size().rename("group_n").reset_index() if by else None
    counts = counts.merge(totals, on=by) if by else counts.assign(group_n=len(levels))
    counts["value"] = 100.0 * counts["n"] / counts["group_n"]
    return counts.astype({"level": "int64", "n": "int64", "group_n": "int64"})


def level3_bottleneck(inquiry: Inquiry, by: Sequence[str] = ()) -> pd.DataFrame:
    """Of last year's ELs at ELPAC level 3 and tested again, the percent still at level 3 (``value``).

    Groups (``school``, ``grade``) are last year's; ``moved_up`` is the percent who
    reached level 4.  Students reclassified in between are not ELs any more and
    are left out only if they were not tested again.  Not suppressed.

    >>> from flp_inquiry.measures.metrics import _example
    >>> from flp_inquiry.ingest.store import DistrictData
    >>> assessments, enrollment = _example()
    >>> extra = pd.DataFrame({"school_year": [2023, 2024], "student_key": ["f:1", "f:1"], "test": "elpac",
    ...     "grade_tested": [3, 4], "scale_score": [1500, 1530], "level": [3, 3], "district": "fresno", "tested": True})
    >>> rows = pd.concat([assessments[assessments["test"] != "elpac"], extra]).astype({"level": "Int64"})
    >>> inquiry = Inquiry("fresno", 2024, "all", DistrictData("fresno", enrollment, rows, pd.DataFrame(), pd.DataFrame()))
    >>> level3_bottleneck(inquiry, by=["school_year"])
       school_year  n  value  moved_up
    0         2024  1  100.0       0.0
    """
    levels = _elpac_levels(inquiry)
    before = levels[levels["level"] == 3].assign(school_year=lambda t: t["school_year"] + 1)
    if not inquiry.whole_district:
        before = before[before["school"] == inquiry.school]
    elpac = inquiry.scoped_data.assessments
    elpac = elpac[(elpac["test"] == "elpac") & elpac["level"].notna()].drop_duplicates(["school_year", "student_key"], keep="last")
    pairs = before.drop(columns="level").merge(elpac[["school_year", "student_key", "level"]], on=["school_year", "student_key"])
    pairs = pairs.assign(still=pairs["level"] == 3, up=pairs["level"] > 3)
    keys = list(by) or ["_all"]
    pairs = pairs.assign(_all=0) if not by else pairs
    grouped = pairs.groupby(keys, sort=True)
    table = pd.DataFrame({"n": grouped.size(), "value": 100.0 * grouped["still"].mean(),
                          "moved_up": 100.0 * grouped["up"].mean()}).reset_index()
    return table.drop(columns="_all", errors="ignore").astype({"n": "int64"})
