"""The root-cause explorer: take a pattern a coach names apart, and the splits the notebooks need.

A *pattern* is one metric for one student group in one grade, e.g. "grade 7
English learners' math Distance from Standard" (:class:`Pattern`).
:func:`analyse_pattern` asks the partnership's root-cause questions of it with
the tools of :mod:`flp_inquiry.inquiry`:

- how the group compares with the other students, over the years (trend);
- which schools (or, for one school, which grades) make up the gap
  (:func:`~flp_inquiry.inquiry.contributions_to_gap`): district-wide by school in
  the pattern's grade; for one school by grade, over all its grades (the group in
  ``Grades 3-8`` against the other students in those grades), and said so;
- whether the change since last year comes from who is enrolled where
  (composition) or how the students do (performance)
  (:func:`~flp_inquiry.inquiry.decompose_change`);
- whether a school's rate is outside what its size alone explains
  (:func:`~flp_inquiry.inquiry.funnel_limits`);
- whether the *same* students fell (:func:`~flp_inquiry.inquiry.matched_cohort_growth`);
- whether chronic absence goes with it (:func:`achievement_by_chronic_absence`).

For one school, a pattern in a grade where the school has none of the group
(grade 7 at a high school) takes apart a grade the school has instead, and says
so (:func:`fit_pattern_to_school`).

:class:`RootCauseExplorer` shows the analysis in a notebook, and in JupyterLab
adds ipywidgets (district, school, grade, group, metric) that redraw it.

Splits the metric functions do not offer yet
---------------------------------------------
:func:`achievement_by_chronic_absence`, :func:`a_g_by_algebra` and
:func:`level3_bottleneck` split a metric by something that is not one of the
metrics' groupings (a student's chronic absence, their algebra by grade 9, their
ELPAC level last year).  They call the metric functions for each student
(:func:`per_student`: the student is made their own "school") so that each rule
stays written once, in :mod:`flp_inquiry.metrics`.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import pandas as pd

from flp_inquiry import charts, findings, labels, metrics
from flp_inquiry.errors import ParameterError
from flp_inquiry.memo import Recent
from flp_inquiry.inquiry import TOTAL_LABEL, contributions_to_gap, decompose_change, funnel_curve, funnel_limits, \
    matched_cohort_growth
from flp_inquiry.codes import DISTRICTS, SBAC_GRADES
from flp_inquiry.session import ALL_SCHOOLS, METRIC_TABLES, Inquiry, start_inquiry
from flp_inquiry.suppression import HIDDEN, suppress_small_cells

ALL_GRADES = "all"
OTHER_STUDENTS = "Other students"
CHRONICALLY_ABSENT, NOT_CHRONICALLY_ABSENT = "Chronically absent", "Not chronically absent"
#: Groupings a pattern's group can come from (who the students are).
GROUP_TYPES = ("el_status", "ethnicity", "sed", "swd", "gender")


@dataclass(frozen=True)
class ExplorerMetric:
    """A metric the explorer can take apart: its words, unit, and the rate used for funnel plots."""

    title: str
    unit: str
    needs_subject: bool
    grades: tuple[int, ...]
    funnel_metric: str


EXPLORER_METRICS = {
    "dfs": ExplorerMetric("distance from standard", "points", True, tuple(SBAC_GRADES), "percent_met"),
    "percent_met": ExplorerMetric("percent met or exceeded", "%", True, tuple(SBAC_GRADES), "percent_met"),
    "chronic_absence": ExplorerMetric("chronic absence rate", "%", False, tuple(metrics.CHRONIC_ABSENCE_GRADES),
                                      "chronic_absence"),
}


# ---------------------------------------------------------------------------
# a pattern and its metric
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Pattern:
    """What a coach names: ``metric`` (and ``subject``) for ``group`` of ``group_type`` in ``grade``."""

    metric: str
    subject: str
    group_type: str
    group: str
    grade: str
    group_code: object = None

    @property
    def grade_number(self) -> int | None:
        return None if self.grade == ALL_GRADES else int(self.grade)

    @property
    def group_words(self) -> str:
        """``English learners in Grade 7``, ``reclassified (RFEP) students in Grade 11``: the group as people."""
        who = labels.people_label(self.group_type, self.group_code)
        return who if self.grade_number is None else f"{who} in {labels.grade_label(self.grade_number)}"

    @property
    def metric_words(self) -> str:
        """``math distance from standard``."""
        title = EXPLORER_METRICS[self.metric].title
        if EXPLORER_METRICS[self.metric].needs_subject:
            return f"{'math' if self.subject == 'math' else 'ELA'} {title}"
        return title

    @property
    def unit(self) -> str:
        return EXPLORER_METRICS[self.metric].unit


def check_pattern(inquiry: Inquiry, metric: str, subject: str, group_type: str, group: str, grade: str) -> Pattern:
    """Check a pattern's parameters against the metric and the district's data.

    Raises :class:`~flp_inquiry.errors.ParameterError` naming the allowed values.

    >>> from flp_inquiry.metrics import _example
    >>> from flp_inquiry.store import DistrictData
    >>> assessments, enrollment = _example()
    >>> inquiry = Inquiry("fresno", 2024, "all", DistrictData("fresno", enrollment, assessments, pd.DataFrame(), pd.DataFrame()))
    >>> check_pattern(inquiry, "dfs", "math", "el_status", "EL", "7").group_words
    'English learners in Grade 7'
    >>> check_pattern(inquiry, "dfs", "math", "el_status", "LTEL", "7")
    Traceback (most recent call last):
    ...
    flp_inquiry.errors.ParameterError: group = 'LTEL' is not allowed. Allowed values: EL, EO, RFEP
    """
    if metric not in EXPLORER_METRICS:
        raise ParameterError("metric", metric, list(EXPLORER_METRICS))
    chosen = EXPLORER_METRICS[metric]
    if chosen.needs_subject and subject not in metrics.SUBJECTS:
        raise ParameterError("subject", subject, list(metrics.SUBJECTS))
    if group_type not in GROUP_TYPES:
        raise ParameterError("group_type", group_type, list(GROUP_TYPES))
    codes = inquiry.enrollment[group_type].drop_duplicates()
    by_text = {str(code): code for code in codes}
    if str(group) not in by_text:
        raise ParameterError("group", group, sorted(by_text))
    grades = [ALL_GRADES, *(str(g) for g in chosen.grades)]
    if str(grade) not in grades:
        raise ParameterError("grade", grade, grades)
    return Pattern(metric, subject, group_type, str(group), str(grade), by_text[str(group)])


def _metric_by(inquiry: Inquiry, metric: str, subject: str, by: Sequence[str], grade: int | None) -> pd.DataFrame:
    """One explorer metric (unsuppressed) grouped by ``by``, kept to ``grade`` when given.

    Distance from Standard keeps one grade span (:func:`flp_inquiry.metrics.dfs_grade_span`).
    """
    by = list(dict.fromkeys([*by, *(["grade"] if grade is not None else [])]))
    span = None
    if metric == "dfs":
        table = inquiry.metric("distance_from_standard", subject=subject, by=by)
        span = metrics.dfs_grade_span(table, grade)
        table = table[table["grade_span"] == span].drop(columns=["grade_span", "status_level"])
    elif metric == "percent_met":
        table = inquiry.metric("percent_met", subject=subject, by=by)
    else:
        table = inquiry.metric("chronic_absenteeism", by=by).drop(columns="measure")
    if grade is not None:
        table = table[table["grade"] == grade].drop(columns="grade")
    table = table.reset_index(drop=True)
    table.attrs["grade_span"] = span  # which Distance from Standard span was kept (None for the other metrics)
    return table


def _grades_words(metric: str, table: pd.DataFrame) -> str:
    """The grades a metric covers when it is taken over all grades, in words (``table`` from :func:`_metric_by`).

    >>> _grades_words("percent_met", pd.DataFrame()), _grades_words("chronic_absence", pd.DataFrame())
    ('all tested grades', 'Grades K-8')
    """
    if metric == "chronic_absence":
        return labels.grade_label(f"{metrics.CHRONIC_ABSENCE_GRADES[0]}-{metrics.CHRONIC_ABSENCE_GRADES[-1]}")
    span = table.attrs.get("grade_span")
    return labels.grade_label(span) if span else "all tested grades"


def _counted_by_grade(inquiry: Inquiry, metric: str, subject: str, by: Sequence[str] = ()) -> pd.DataFrame:
    """Students counted for an explorer metric in the inquiry's school year, by grade (and ``by``): rows with ``n > 0``.

    Every grade the metric has, whatever its Distance from Standard span.
    """
    by = [*by, "grade", "school_year"]
    if metric == "chronic_absence":
        table = inquiry.metric("chronic_absenteeism", by=by)
    else:
        table = inquiry.metric("distance_from_standard" if metric == "dfs" else "percent_met", subject=subject, by=by)
    table = table[(table["school_year"] == inquiry.school_year) & (table["n"] > 0)
                  & table["grade"].isin(EXPLORER_METRICS[metric].grades)]
    return table.reset_index(drop=True)


def grades_in_scope(inquiry: Inquiry, metric: str, subject: str) -> list[int]:
    """The grades in which the inquiry's scope has students counted for ``metric`` in its school year.

    >>> from flp_inquiry.metrics import _example
    >>> from flp_inquiry.store import DistrictData
    >>> assessments, enrollment = _example()
    >>> data = DistrictData("fresno", enrollment, assessments, pd.DataFrame(), pd.DataFrame())
    >>> grades_in_scope(Inquiry("fresno", 2024, "all", data), "dfs", "ela"), grades_in_scope(Inquiry("fresno", 2024, "A", data), "dfs", "ela")
    ([4, 5], [4, 5])
    >>> grades_in_scope(Inquiry("fresno", 2024, "B", data), "chronic_absence", "")
    [5, 8]
    """
    return sorted(int(grade) for grade in _counted_by_grade(inquiry, metric, subject)["grade"].unique())


def fit_pattern_to_school(inquiry: Inquiry, pattern: Pattern) -> tuple[Pattern, str]:
    """The pattern to take apart at the inquiry's school, and a sentence saying why when its grade had to change.

    A pattern names one grade, and a school may have none of the group counted in
    it (a high school has no Grade 7).  Then the pattern takes apart the school's
    grade whose value for the group changed most since last year
    (:func:`flp_inquiry.findings.largest_change`, as :func:`largest_change_pattern`),
    else its grade with the most students of the group this year, else all grades.
    District-wide, for all grades, or where the school has the group in the grade,
    the pattern is kept and the sentence is ``""``.  No count is quoted.

    >>> from flp_inquiry.metrics import _example
    >>> from flp_inquiry.store import DistrictData
    >>> assessments, enrollment = _example()
    >>> school = Inquiry("fresno", 2024, "A", DistrictData("fresno", enrollment, assessments, pd.DataFrame(), pd.DataFrame()))
    >>> pattern, why = fit_pattern_to_school(school, check_pattern(school, "dfs", "ela", "el_status", "EL", "7"))
    >>> pattern.grade, why
    ('4', 'A has no English learners in Grade 7 with ELA scores in 2023-24; this report takes apart Grade 4, the only grade where it has English learners with ELA scores.')
    >>> fit_pattern_to_school(school, pattern) == (pattern, "")
    True
    """
    if inquiry.whole_district or pattern.grade_number is None:
        return pattern, ""
    year, focus = inquiry.school_year, pattern.group_code
    counted = _counted_by_grade(inquiry, pattern.metric, pattern.subject, [pattern.group_type])
    counted = counted[counted[pattern.group_type] == focus]
    if (counted["grade"] == pattern.grade_number).any():
        return pattern, ""
    who = labels.people_label(pattern.group_type, focus)
    if pattern.metric == "chronic_absence":
        counted_for = "counted for chronic absence"
    else:
        counted_for = f"with {'math' if pattern.subject == 'math' else 'ELA'} scores"
    missing = (f"{inquiry.school} has no {who} in {labels.grade_label(pattern.grade_number)} {counted_for} "
               f"in {inquiry.year_label}")
    by_grade = _metric_by(inquiry, pattern.metric, pattern.subject, ["grade", pattern.group_type, "school_year"], None)
    by_grade = by_grade[(by_grade[pattern.group_type] == focus) & by_grade["grade"].isin(EXPLORER_METRICS[pattern.metric].grades)]
    changed = findings.largest_change(by_grade.drop(columns=pattern.group_type), ["grade"], year)
    if changed is not None:
        grade = int(changed["grade"])
        reason = f"where their {pattern.metric_words} changed most since last year"
    elif not counted.empty:
        most = counted.sort_values(["n", "grade"], ascending=[False, True], kind="stable")
        grade = int(most["grade"].iloc[0])
        reason = (f"the only grade where it has {who} {counted_for}" if len(counted) == 1
                  else f"the grade where it has the most {who} {counted_for}")
    else:
        return (dataclasses.replace(pattern, grade=ALL_GRADES),
                f"{missing}, nor in any other grade; this report looks at all grades together.")
    return (dataclasses.replace(pattern, grade=str(grade)),
            f"{missing}; this report takes apart {labels.grade_label(grade)}, {reason}.")


def focus_and_rest(table: pd.DataFrame, group_type: str, focus: object) -> pd.DataFrame:
    """The focus group beside all other students combined (their ``n``-weighted mean).

    >>> t = pd.DataFrame({"el_status": ["EL", "EO", "RFEP"], "n": [20, 60, 20], "value": [-150.0, -50.0, 0.0]})
    >>> focus_and_rest(t, "el_status", "EL")
            el_status   n  value
    0              EL  20 -150.0
    1  Other students  80  -37.5
    """
    keys = [c for c in table.columns if c not in (group_type, "n", "value")]
    labelled = table.assign(**{group_type: table[group_type].where(table[group_type] == focus, OTHER_STUDENTS)})
    labelled = labelled.assign(weighted=labelled["n"] * labelled["value"])
    grouped = labelled.groupby([*keys, group_type], sort=False, dropna=False)[["n", "weighted"]].sum().reset_index()
    grouped["value"] = grouped["weighted"] / grouped["n"].where(grouped["n"] > 0)
    order = grouped[group_type].ne(focus).astype(int)
    result = grouped.assign(_order=order).sort_values([*keys, "_order"], kind="stable")
    return result[[*keys, group_type, "n", "value"]].reset_index(drop=True)


# ---------------------------------------------------------------------------
# per-student splits (see the module notes)
# ---------------------------------------------------------------------------

def per_student(inquiry: Inquiry, name: str, **options) -> pd.DataFrame:
    """A metric of :mod:`flp_inquiry.metrics` for each student: ``school_year, student_key, value``.

    Each student is made their own school, so the metric's own rule decides (for
    example chronic absence: 100 for a chronically absent student, 0 if not).
    Never shown to a reader: it feeds the splits below.

    >>> from flp_inquiry.metrics import _example
    >>> from flp_inquiry.store import DistrictData
    >>> assessments, enrollment = _example()
    >>> inquiry = Inquiry("fresno", 2024, "all", DistrictData("fresno", enrollment, assessments, pd.DataFrame(), pd.DataFrame()))
    >>> per_student(inquiry, "chronic_absenteeism").query("school_year == 2023").to_dict("records")[0]
    {'school_year': 2023, 'student_key': 'f:1', 'value': 100.0}
    """
    data = inquiry.scoped_data
    inputs = [getattr(data, table) for table in METRIC_TABLES[name]]

    def values() -> pd.DataFrame:
        own_school = data.enrollment.assign(school_name=data.enrollment["student_key"])
        tables = [own_school if table == "enrollment" else getattr(data, table) for table in METRIC_TABLES[name]]
        table = getattr(metrics, name)(*tables, by=["school", "school_year"], **options)
        return table.rename(columns={"school": "student_key"})[["school_year", "student_key", "value"]]

    # The explorer asks for the same split several times per pattern (all grades, then the focus grade).
    return _recent_splits.get_or_make(inputs, (name, tuple(sorted(options.items()))), values)


_recent_splits = Recent(size=4)


def achievement_by_chronic_absence(inquiry: Inquiry, subject: str, by: Sequence[str] = (),
                                   measure: str = "distance_from_standard") -> pd.DataFrame:
    """Achievement of chronically absent students beside the others' (``attendance`` column).

    Students counted for chronic absence (grades K-8, 31 days or more) only.
    ``measure`` is ``distance_from_standard`` (grades 3-8 rows) or ``percent_met``.
    Not suppressed.

    >>> from flp_inquiry.metrics import _example
    >>> from flp_inquiry.store import DistrictData
    >>> assessments, enrollment = _example()
    >>> inquiry = Inquiry("fresno", 2024, "all", DistrictData("fresno", enrollment, assessments, pd.DataFrame(), pd.DataFrame()))
    >>> achievement_by_chronic_absence(inquiry, "ela", by=["school_year"])[["school_year", "attendance", "n", "value"]]
       school_year              attendance  n      value
    0         2023      Chronically absent  1  40.000000
    1         2024  Not chronically absent  3 -10.666667
    """
    parts = []
    for label, rows in _attendance_halves(inquiry).items():
        table = inquiry.with_rows("assessments", rows).metric(measure, subject=subject, by=list(by))
        if "grade_span" in table:
            table = table[table["grade_span"] == "3-8"].drop(columns=["grade_span", "status_level"])
        parts.append(table.assign(attendance=label))
    result = pd.concat(parts, ignore_index=True)
    by = list(by)
    result = result[[*by, "attendance", "n", "value"]].sort_values([*by, "attendance"], kind="stable")
    return result.reset_index(drop=True)


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
    # (metrics._scored_with_groups) are worked out once, not once per grouping.
    return _recent_halves.get_or_make([assessments, flags], "attendance", split)


_recent_halves = Recent(size=2)


def a_g_by_algebra(inquiry: Inquiry, by: Sequence[str] = ()) -> pd.DataFrame:
    """a-g completion of graduates who completed algebra by grade 9 beside those who did not.

    Only graduates whose grade 9 year is in the data are counted (``pathway``
    column).  Not suppressed.

    >>> from flp_inquiry.metrics import _example
    >>> from flp_inquiry.store import DistrictData
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


def _elpac_levels(inquiry: Inquiry) -> pd.DataFrame:
    """Summative ELPAC overall level of each current EL, with their primary enrollment's groups."""
    elpac = inquiry.scoped_data.assessments
    elpac = elpac[(elpac["test"] == "elpac") & elpac["level"].notna()]
    elpac = elpac.drop_duplicates(["school_year", "student_key"], keep="last")[["school_year", "student_key", "level"]]
    students = metrics.primary_enrollment(inquiry.scoped_data.enrollment)
    students = students[students["el_status"] == "EL"]
    return elpac.merge(students[["school_year", "student_key", "school", "grade"]], on=["school_year", "student_key"])


def elpac_level_shares(inquiry: Inquiry, by: Sequence[str] = ()) -> pd.DataFrame:
    """Share of English learners at each Summative ELPAC level (``level`` 1-4), by ``by``.

    ``n`` is the students at that level (the count a reader must not see under 11),
    ``group_n`` the ELs tested in the group, ``value`` the percent at the level.

    >>> from flp_inquiry.metrics import _example
    >>> from flp_inquiry.store import DistrictData
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

    >>> from flp_inquiry.metrics import _example
    >>> from flp_inquiry.store import DistrictData
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


# ---------------------------------------------------------------------------
# the analysis
# ---------------------------------------------------------------------------

@dataclass
class Analysis:
    """What the explorer shows for one pattern: sentences, reader tables (suppressed) and charts.

    ``note`` says why the pattern's grade is not the one asked for (:func:`fit_pattern_to_school`), or is ``""``.
    """

    inquiry: Inquiry
    pattern: Pattern
    note: str = ""
    sentences: dict[str, list[str]] = field(default_factory=dict)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    charts: dict[str, object] = field(default_factory=dict)


def _hide_beside_total(table: pd.DataFrame, unit_col: str, counts: dict[str, list[str]]) -> pd.DataFrame:
    """Small units hidden, and a second one beside the ``Total`` row, for each count column."""
    for count, values in counts.items():
        table = suppress_small_cells(table, n=count, values=values, caution_n=None,
                                     complementary={unit_col: TOTAL_LABEL}, keys=[unit_col])
    return table


def _every_unit_hidden(table: pd.DataFrame, unit_col: str, counts: list[str]) -> bool:
    """Whether every row but the Total hides one of ``counts``: the table would show its Total row alone.

    >>> t = pd.DataFrame({"school": ["A", "B", TOTAL_LABEL], "n": ["*", "*", 23]})
    >>> _every_unit_hidden(t, "school", ["n"]), _every_unit_hidden(t.assign(n=["*", 12, 23]), "school", ["n"])
    (True, False)
    """
    units = table[table[unit_col] != TOTAL_LABEL]
    return len(units) > 0 and bool(units[counts].eq(HIDDEN).any(axis=1).all())


def _unit_column(inquiry: Inquiry) -> str:
    return "school" if inquiry.whole_district else "grade"


def _as_students(table: pd.DataFrame, group_type: str, focus: object, words: str, others: str) -> pd.DataFrame:
    """A focus-and-rest table (:func:`focus_and_rest`) with its two groups in words, in a ``students`` column."""
    said = table.assign(students=table[group_type].map(lambda group: words if group == focus else others))
    return said.drop(columns=group_type)


def analyse_pattern(inquiry: Inquiry, pattern: Pattern) -> Analysis:
    """Take a pattern apart (see the module notes); every table kept is suppressed.

    For one school, a grade the school has none of the group in is replaced first
    (:func:`fit_pattern_to_school`): ``analysis.pattern`` is what was taken apart.

    District-wide, the gap and the change are taken apart by school, in the pattern's
    grade.  For one school they are taken apart by grade: the group in *all* the
    grades the metric covers (``English learners in Grades 3-8``), against the other
    students in those grades, and the sentences and tables say so.
    """
    pattern, note = fit_pattern_to_school(inquiry, pattern)
    analysis = Analysis(inquiry, pattern, note=note)
    year, grade, focus, group_type = inquiry.school_year, pattern.grade_number, pattern.group_code, pattern.group_type
    words, unit, what = pattern.group_words, pattern.unit, pattern.metric_words
    who = labels.people_label(group_type, focus)
    others = "other students" + (f" in {labels.grade_label(grade)}" if grade is not None else "")
    trend = focus_and_rest(_metric_by(inquiry, pattern.metric, pattern.subject, [group_type, "school_year"], grade),
                           group_type, focus)
    trend = trend[trend["school_year"] <= year]
    said = _as_students(trend, group_type, focus, words, others)
    # the legend names the grade too: "English learners in Grade 7", "Other students in Grade 7"
    labelled = said.assign(students=said["students"].map(labels.sentence_start),
                           year_label=said["school_year"].map(labels.school_year_label))
    analysis.charts["trend"] = charts.trend_chart(
        suppress_small_cells(labelled), "students", title=f"{what.capitalize()}: {words} and {others}, {inquiry.scope_label}",
        value_title=what.capitalize() + (" (points)" if unit == "points" else " (%)"), series_title="Students")
    analysis.sentences["shows"] = [
        findings.describe_biggest_gap(said[said["school_year"] == year].drop(columns="school_year"), "students", others,
                                      what=what, unit=unit, focus=words),
        findings.describe_largest_change(said, ["students"], year, what=what, unit=unit)]
    _take_apart_by_unit(analysis, trend)

    funnel_metric = EXPLORER_METRICS[pattern.metric].funnel_metric
    funnel_units = _metric_by(inquiry if inquiry.whole_district else dataclasses.replace(inquiry, school=ALL_SCHOOLS),
                              funnel_metric, pattern.subject, ["school", group_type, "school_year"], grade)
    funnel_units = funnel_units[(funnel_units[group_type] == focus) & (funnel_units["school_year"] == year)]
    funnel_units = funnel_units[funnel_units["n"] > 0]
    funnel_what = EXPLORER_METRICS[funnel_metric].title
    # for one school, the funnel holds every school of the district: the words say so
    funnel_words = words if inquiry.whole_district else f"{words} across {inquiry.district_name}"
    if not funnel_units.empty:
        limits = funnel_limits(funnel_units)
        if not findings.shown_rows(limits).empty:  # no chart when every school is under 11 students
            curve = funnel_curve(float(limits["overall"].iloc[0]), int(max(funnel_units["n"].max(), 2)))
            analysis.charts["funnel"] = charts.funnel_chart(
                suppress_small_cells(limits, values=["value"]), curve, label="school",
                title=f"{funnel_what.capitalize()} of {funnel_words}, by school, {inquiry.year_label}",
                value_title=f"{funnel_what.capitalize()} (%)")
    else:
        limits = funnel_units.assign(funnel_zone=pd.Series(dtype=str))
    surprising = [findings.describe_funnel(limits, "school", what=f"{funnel_what} of {funnel_words}")]

    unit_col = _unit_column(inquiry)
    if pattern.metric != "chronic_absence":
        absence = _metric_by(inquiry, "chronic_absence", "", [unit_col, group_type, "school_year"], None)
        absence = absence[absence[group_type] == focus].drop(columns=group_type)
        surprising += findings.describe_unusual_changes(absence, [unit_col], year, what=f"chronic absence among {who}", unit="%")
        _hypotheses(analysis)
    else:
        analysis.sentences["hypotheses"] = [
            "The pattern is chronic absence itself: the attendance notebook compares the test results of chronically "
            "absent students with their classmates'."]
    analysis.sentences["surprising"] = surprising
    analysis.sentences["questions"] = _meeting_questions(analysis)
    return analysis


def _take_apart_by_unit(analysis: Analysis, trend: pd.DataFrame) -> None:
    """Which schools (district-wide, in the pattern's grade) or grades (one school, all grades) make up the gap and the change."""
    inquiry, pattern = analysis.inquiry, analysis.pattern
    year, grade, focus, group_type = inquiry.school_year, pattern.grade_number, pattern.group_code, pattern.group_type
    unit, what = pattern.unit, pattern.metric_words
    unit_col = _unit_column(inquiry)
    keys = [unit_col, group_type]
    if inquiry.whole_district:
        units = _metric_by(inquiry, pattern.metric, pattern.subject, ["school", group_type, "school_year"], grade)
        reference, words = trend, pattern.group_words
        others = "other students" + (f" in {labels.grade_label(grade)}" if grade is not None else "")
        if grade is not None:  # each school's students are named with their grade
            units, keys = units.assign(grade=grade), [*keys, "grade"]
    else:
        units = _metric_by(inquiry, pattern.metric, pattern.subject, ["grade", group_type, "school_year"], None)
        units = units[units["grade"].isin(EXPLORER_METRICS[pattern.metric].grades)]
        everyone = _metric_by(inquiry, pattern.metric, pattern.subject, [group_type, "school_year"], None)
        reference = focus_and_rest(everyone, group_type, focus)
        grades = _grades_words(pattern.metric, everyone)
        who = labels.people_label(group_type, focus)
        words, others = f"{who} in {grades}", f"other students in {grades}"
    units = units[units[group_type] == focus]
    names = units[[unit_col, *keys[1:]]].drop_duplicates(unit_col).astype({unit_col: object})
    now, before = (units[units["school_year"] == y].drop(columns="school_year") for y in (year, year - 1))
    rest = reference.loc[(reference["school_year"] == year) & (reference[group_type] == OTHER_STUDENTS), "value"]
    reference_value = float(rest.iloc[0]) if len(rest) and pd.notna(rest.iloc[0]) else None
    by_what = labels.GROUP_TYPE_LABELS[unit_col].lower()
    if not now.empty and now["n"].sum() > 0 and reference_value is not None:
        contributions = contributions_to_gap(now, unit_col, reference_value=reference_value)
        total = {unit_col: TOTAL_LABEL, "n": contributions["n"].sum(), "contribution": contributions["contribution"].sum(),
                 "percent_of_total": 100.0}
        total["value"] = reference_value + total["contribution"]
        contributions = _hide_beside_total(pd.concat([contributions, pd.DataFrame([total])], ignore_index=True),
                                           unit_col, {"n": ["value", "contribution", "percent_of_total"]})
        table = charts.reader_table(
            contributions, {unit_col: labels.GROUP_TYPE_LABELS[unit_col], "n": "Students", "value": what.capitalize(),
                            "contribution": "Part of the gap", "percent_of_total": "Percent of the gap"},
            values=["value", "contribution", "percent_of_total"], what=f"the breakdown of the gap by {by_what}")
        if table.hidden_note:  # every row hidden: one sentence says so, no table of stars
            analysis.sentences["shows"].append(table.hidden_note)
        else:
            if not _every_unit_hidden(contributions, unit_col, ["n"]):  # (else the sentence below says so)
                analysis.tables["contributions"] = table
            shown = contributions[contributions[unit_col] != TOTAL_LABEL].merge(names, on=unit_col, how="left")
            analysis.sentences["shows"].append(findings.describe_contributions(
                shown, unit_col, what=f"the gap between {words} and {others}", keys=keys, unit=unit))
    if not now.empty and not before.empty:
        moving = ["composition", "performance", "change"]
        decomposition = _hide_beside_total(decompose_change(before, now, unit_col), unit_col,
                                           {"after_n": ["after_value", *moving], "before_n": ["before_value", *moving]})
        table = charts.decomposition_table(decomposition, unit_col, unit=unit)
        # (every row hidden, or every one but the Total: the sentence below says all the table would)
        if not table.hidden_note and not _every_unit_hidden(decomposition, unit_col, ["after_n", "before_n"]):
            analysis.tables["decomposition"] = table
        named = decomposition.merge(names, on=unit_col, how="left")  # (the Total row stays last)
        analysis.sentences["shows"].append(
            findings.describe_decomposition(named, unit_col, what=f"{what} of {words}", unit=unit, keys=keys))


def _hypotheses(analysis: Analysis) -> None:
    """Is chronic absence behind the pattern, and did the same students fall? (Achievement patterns only.)"""
    inquiry, pattern = analysis.inquiry, analysis.pattern
    year, grade, focus, group_type = inquiry.school_year, pattern.grade_number, pattern.group_code, pattern.group_type
    unit, what = pattern.unit, pattern.metric_words
    who = labels.people_label(group_type, focus)
    measure = "distance_from_standard" if pattern.metric == "dfs" else "percent_met"
    # chronic absence is counted in K-8 and tests are taken from grade 3: together, grades 3-8
    tested = f"{SBAC_GRADES[0]}-{metrics.CHRONIC_ABSENCE_GRADES[-1]}"
    by_attendance = achievement_by_chronic_absence(inquiry, pattern.subject, by=[group_type, "school_year"],
                                                   measure=measure).assign(grade=tested)
    if grade is not None:
        at_grade = achievement_by_chronic_absence(inquiry, pattern.subject, measure=measure,
                                                  by=[group_type, "grade", "school_year"])
        at_grade = at_grade[at_grade["grade"] == grade]
        by_attendance = pd.concat([at_grade, by_attendance], ignore_index=True).astype({"grade": object})
    by_attendance = by_attendance[(by_attendance[group_type] == focus) & (by_attendance["school_year"] >= year - 1)]
    # the group's own figure is shown above: a small half of it would give away the other half
    by_attendance = suppress_small_cells(by_attendance, values=["value"], caution_n=None, parts_of=["grade", "school_year"])
    table = charts.reader_table(
        by_attendance, {"grade": "Grades", "school_year": "School year", "attendance": "Attendance",
                        "n": "Students", "value": what.capitalize()})
    if not table.hidden_note:  # (every row hidden: the sentence below says they cannot be compared)
        analysis.tables["attendance"] = table
    if by_attendance.empty:  # e.g. a high school: chronic absence is not counted in grades 9-12
        place = inquiry.district_name if inquiry.whole_district else inquiry.school
        subject_words = "math" if pattern.subject == "math" else "ELA"
        analysis.sentences["hypotheses"] = [
            f"Chronic absence is counted in grades K-8 only, and {place} has no {who} in those "
            f"grades with {subject_words} scores: their {what} cannot be compared by attendance here."]
    else:
        this_year = by_attendance[by_attendance["school_year"] == year].drop(columns="school_year")
        those = "those not chronically absent"  # (the same grade and group)
        this_year = this_year.assign(attendance=this_year["attendance"].replace({NOT_CHRONICALLY_ABSENT: those}))
        analysis.sentences["hypotheses"] = [findings.describe_biggest_gap(
            this_year, "attendance", those, keys=["grade", group_type], what=f"{what} of {who} by attendance", unit=unit)]
    if _follows_same_students(grade):
        # a school follows the students it has now, wherever they were last year (a middle school's grade 6
        # were at elementary schools); their groups are last year's
        growth = matched_cohort_growth(inquiry.scoped_data.assessments, inquiry.scoped_data.enrollment, pattern.subject,
                                       year - 1, year, by=["grade", group_type], groups_year=year - 1,
                                       counted_at=None if inquiry.whole_district else inquiry.school)
        growth = growth[(growth["grade"] == grade - 1) & (growth[group_type] == focus)]
        table = charts.reader_table(
            growth, {"n": "Same students, tested both years", "dfs_from": f"DFS in {labels.grade_label(grade - 1)}",
                     "dfs_to": f"DFS in {labels.grade_label(grade)}", "dfs_change": "Change (points)"},
            values=["dfs_from", "dfs_to", "dfs_change"])
        if not table.hidden_note:  # (under 11: the sentence below says they cannot be followed)
            analysis.tables["matched"] = table
        # the groups are last year's (a student reclassified since stays an English learner here)
        followed = (f"{who} in {labels.grade_label(grade - 1)} last year" if inquiry.whole_district
                    else f"{who} now at {inquiry.school} who were in {labels.grade_label(grade - 1)} last year")
        analysis.sentences["hypotheses"].append(findings.describe_matched_growth(growth, words=followed))


def _follows_same_students(grade: int | None) -> bool:
    """Whether a grade's students can be followed from last year's test (grades 4-8: tested the year before too)."""
    return grade is not None and SBAC_GRADES[0] < grade <= metrics.CHRONIC_ABSENCE_GRADES[-1]


def _meeting_questions(analysis: Analysis) -> list[str]:
    """Questions for the meeting that fit what was taken apart (no chronic absence where it is not counted)."""
    inquiry, pattern = analysis.inquiry, analysis.pattern
    questions = [f"What do teachers of {pattern.group_words} at {inquiry.scope_label} see that the data does not?"]
    if _follows_same_students(pattern.grade_number):
        questions.append("Is the change in the same students (matched cohort) or in who arrived?")
    else:
        questions.append(f"Did different {labels.people_label(pattern.group_type, pattern.group_code)} arrive this year, "
                         "or did similar students do differently?")
    grade = pattern.grade_number
    counted = (grade in metrics.CHRONIC_ABSENCE_GRADES if grade is not None
               else findings.counted_here(inquiry, "chronic_absence"))
    if counted:
        questions.append("If chronic absence rose, who has talked with these students' families?")
    else:
        questions.append("Chronic absence is counted in grades K-8 only: what do the school's own attendance records "
                         "show for these students?")
    return questions


# ---------------------------------------------------------------------------
# showing it, with widgets in JupyterLab
# ---------------------------------------------------------------------------

SECTIONS = {
    "shows": ("What the data shows", ("trend",), ("contributions", "decomposition")),
    "surprising": ("What is surprising", ("funnel",), ()),
    "hypotheses": ("Hypotheses: attendance and the same students", (), ("attendance", "matched")),
}


def section_outputs(analysis: Analysis, section: str, heading: bool = True) -> list:
    """The Markdown, charts and tables of one section (``shows``, ``surprising``, ``hypotheses``), in order.

    >>> section_outputs(Analysis(None, None), "surprising")[0].data
    '### What is surprising\\n\\n- Nothing stands out beyond what chance could explain.'
    >>> section_outputs(Analysis(None, None), "surprising", heading=False)[0].data
    '- Nothing stands out beyond what chance could explain.'
    """
    from IPython.display import Markdown

    title, chart_names, table_names = SECTIONS[section]
    sentences = analysis.sentences.get(section) or ["Nothing stands out beyond what chance could explain."]
    outputs = [Markdown(findings.as_markdown(title, sentences, level=3) if heading else findings.bullets(sentences))]
    outputs += [analysis.charts[name] for name in chart_names if name in analysis.charts]
    outputs += [analysis.tables[name] for name in table_names if name in analysis.tables]
    return outputs


class RootCauseExplorer:
    """The explorer of one notebook: the analysis of a pattern, shown statically or redrawn by widgets.

    ``pattern`` is the pattern taken apart (for one school, perhaps in another grade
    than asked: :func:`fit_pattern_to_school`); the grade dropdown offers only the
    grades the chosen district or school has students counted in.

    ``last`` is the most recent :class:`Analysis` and ``renders`` counts how often it
    was drawn, so a test (or a coach) can see that a widget change redrew it.
    """

    def __init__(self, inquiry: Inquiry, pattern: Pattern, data_dir: str | Path | None = None):
        self.inquiry = inquiry
        self.data_dir = data_dir or inquiry.data_dir
        self._inquiries = {(inquiry.district, inquiry.school): inquiry}
        self.last = analyse_pattern(inquiry, pattern)
        self.pattern = self.last.pattern  # for one school, possibly another grade (see fit_pattern_to_school)
        self.renders = 0
        self.controls: dict[str, object] = {}
        self._output = None
        self._updating = False

    @classmethod
    def start(cls, district: str, school_year: int, school: str, data_dir: str, *, metric: str, subject: str,
              group_type: str, group: str, grade: str) -> "RootCauseExplorer":
        """Check every parameter (a wrong one stops with the allowed values), load the district, analyse."""
        inquiry = start_inquiry(district, school_year, school, data_dir)
        return cls(inquiry, check_pattern(inquiry, metric, subject, group_type, group, grade))

    def show(self, section: str) -> None:
        """Display one section of the current analysis under the notebook's own heading (no widgets needed)."""
        from IPython.display import display

        for output in section_outputs(self.last, section, heading=False):
            display(output)

    def _inquiry_for(self, district: str, school: str) -> Inquiry:
        key = (district, school)
        if key not in self._inquiries:
            self._inquiries[key] = start_inquiry(district, self.inquiry.school_year, school, self.data_dir)
        return self._inquiries[key]

    def _options(self, inquiry: Inquiry, metric: str) -> dict[str, list]:
        """Each dropdown's choices for a scope: only the grades it has students counted for ``metric`` in.

        Grades are (words, value) pairs: the dropdown shows ``K``, the analysis gets ``"0"``.
        """
        schools = sorted(inquiry.data.enrollment["school_name"].unique())
        groups = sorted(str(g) for g in inquiry.data.enrollment[self.pattern.group_type].unique())
        grades = [grade_choice(ALL_GRADES),
                  *(grade_choice(str(g)) for g in grades_in_scope(inquiry, metric, self.pattern.subject))]
        return {"district": list(DISTRICTS), "school": [ALL_SCHOOLS, *schools], "grade": grades,
                "group": groups, "metric": list(EXPLORER_METRICS)}

    def widgets(self):
        """Dropdowns (district, school, grade, group, metric) above an output area that redraws on each change."""
        import ipywidgets

        options = self._options(self.inquiry, self.pattern.metric)
        current = {"district": self.inquiry.district, "school": self.inquiry.school, "grade": self.pattern.grade,
                   "group": self.pattern.group, "metric": self.pattern.metric}
        descriptions = {"district": "District", "school": "School", "grade": "Grade",
                        "group": labels.GROUP_TYPE_LABELS[self.pattern.group_type], "metric": "Measure"}
        self.controls = {name: ipywidgets.Dropdown(options=options[name], value=current[name],
                                                   description=descriptions[name])
                         for name in options}
        for control in self.controls.values():
            control.observe(self._changed, names="value")
        # The analysis above is the starting point; the output area fills on the first change
        # (drawing into it now would only repeat it, and costs a batch run widget traffic).
        self._output = ipywidgets.Output()
        return ipywidgets.VBox([ipywidgets.HBox(list(self.controls.values())[:3]),
                                ipywidgets.HBox(list(self.controls.values())[3:]), self._output])

    def _changed(self, _change=None) -> None:
        if self._updating:
            return
        self._updating = True
        try:
            values = {name: control.value for name, control in self.controls.items()}
            if values["district"] != self.inquiry.district and values["school"] != ALL_SCHOOLS:
                values["school"] = ALL_SCHOOLS
            inquiry = self._inquiry_for(values["district"], values["school"])
            metric = values["metric"]
            options = self._options(inquiry, metric)
            grades = [ALL_GRADES, *(str(g) for g in EXPLORER_METRICS[metric].grades)]
            grade = values["grade"] if values["grade"] in grades else ALL_GRADES
            if inquiry.whole_district and grade not in [value for _, value in options["grade"]]:
                grade = ALL_GRADES  # (one school's missing grade is replaced by the analysis, which says why)
            pattern = check_pattern(inquiry, metric, self.pattern.subject, self.pattern.group_type,
                                    values["group"], grade)
            self.last = analyse_pattern(inquiry, pattern)
            self.inquiry, self.pattern = inquiry, self.last.pattern
            for name, control in self.controls.items():
                if [tuple(option) if isinstance(option, (list, tuple)) else option
                        for option in control.options] != options[name]:
                    control.options = options[name]
                control.value = {"district": inquiry.district, "school": inquiry.school, "grade": self.pattern.grade,
                                 "group": self.pattern.group, "metric": metric}[name]
        finally:
            self._updating = False
        self._draw()

    def _draw(self) -> None:
        from IPython.display import display

        self.renders += 1
        if self._output is None:
            return
        self._output.clear_output(wait=True)
        with self._output:
            display(findings_heading(self.last))
            for section in SECTIONS:
                for output in section_outputs(self.last, section):
                    display(output)


def grade_choice(grade: str) -> tuple[str, str]:
    """A grade dropdown's choice: the words a reader sees and the value the analysis takes.

    >>> grade_choice("0"), grade_choice("7"), grade_choice("all")
    (('K', '0'), ('Grade 7', '7'), ('All grades', 'all'))
    """
    return ("All grades" if grade == ALL_GRADES else labels.grade_label(int(grade)), grade)


def findings_heading(analysis: Analysis):
    """The Markdown heading naming the pattern and its scope.

    >>> from flp_inquiry.metrics import _example
    >>> from flp_inquiry.store import DistrictData
    >>> assessments, enrollment = _example()
    >>> inquiry = Inquiry("fresno", 2024, "all", DistrictData("fresno", enrollment, assessments, pd.DataFrame(), pd.DataFrame()))
    >>> findings_heading(Analysis(inquiry, check_pattern(inquiry, "dfs", "math", "el_status", "EL", "7"))).data
    '## Math distance from standard of English learners in Grade 7: Fresno Unified, 2023-24'

    When the pattern's grade was changed for a school, the sentence saying why follows the heading.

    >>> findings_heading(Analysis(inquiry, check_pattern(inquiry, "dfs", "math", "el_status", "EL", "4"),
    ...                           note="A has no English learners in Grade 7 ...")).data.splitlines()[-1]
    'A has no English learners in Grade 7 ...'
    """
    from IPython.display import Markdown

    pattern, inquiry = analysis.pattern, analysis.inquiry
    what = pattern.metric_words
    heading = f"## {what[0].upper()}{what[1:]} of {pattern.group_words}: {inquiry.scope_label}, {inquiry.year_label}"
    return Markdown(f"{heading}\n\n{analysis.note}" if analysis.note else heading)


def largest_change_pattern(inquiry: Inquiry, metric: str, subject: str, group_type: str = "el_status") -> Pattern:
    """The pattern to take apart first: the grade and group whose ``metric`` changed most since last year.

    Falls back to the whole group type's first group in all grades when no group is shown both years.
    """
    grades = EXPLORER_METRICS[metric].grades
    table = _metric_by(inquiry, metric, subject, ["grade", group_type, "school_year"], None)
    table = table[table["grade"].isin(grades)]
    focus = findings.largest_change(table, ["grade", group_type], inquiry.school_year)
    if focus is None:
        first = sorted(str(code) for code in inquiry.enrollment[group_type].unique())[0]
        return check_pattern(inquiry, metric, subject, group_type, first, ALL_GRADES)
    return check_pattern(inquiry, metric, subject, group_type, str(focus[group_type]), str(int(focus["grade"])))
