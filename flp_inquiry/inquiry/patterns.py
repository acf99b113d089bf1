"""Patterns a coach names: one metric for one student group in one grade, fitted to a school's grades.

A *pattern* is e.g. "grade 7 English learners' math Distance from Standard" (:class:`Pattern`).
For one school, a pattern in a grade where the school has none of the group (grade 7 at a
high school) takes apart a grade the school has instead, and says so (:func:`fit_pattern_to_school`).
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Sequence

import pandas as pd

from flp_inquiry.codes import SBAC_GRADES
from flp_inquiry.errors import ParameterError
from flp_inquiry.inquiry import findings, labels
from flp_inquiry.inquiry.session import Inquiry
from flp_inquiry.measures import assessment, outcomes, students

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
    "chronic_absence": ExplorerMetric("chronic absence rate", "%", False, tuple(outcomes.CHRONIC_ABSENCE_GRADES),
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

    >>> from flp_inquiry.measures.metrics import _example
    >>> from flp_inquiry.ingest.store import DistrictData
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
    if chosen.needs_subject and subject not in students.SUBJECTS:
        raise ParameterError("subject", subject, list(students.SUBJECTS))
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

    Distance from Standard keeps one grade span (:func:`flp_inquiry.measures.assessment.dfs_grade_span`).
    """
    by = list(dict.fromkeys([*by, *(["grade"] if grade is not None else [])]))
    span = None
    if metric == "dfs":
        table = inquiry.metric("distance_from_standard", subject=subject, by=by)
        span = assessment.dfs_grade_span(table, grade)
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
        return labels.grade_label(f"{outcomes.CHRONIC_ABSENCE_GRADES[0]}-{outcomes.CHRONIC_ABSENCE_GRADES[-1]}")
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

    >>> from flp_inquiry.measures.metrics import _example
    >>> from flp_inquiry.ingest.store import DistrictData
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
    (:func:`flp_inquiry.inquiry.findings.changes.largest_change`, as :func:`largest_change_pattern`),
    else its grade with the most students of the group this year, else all grades.
    District-wide, for all grades, or where the school has the group in the grade,
    the pattern is kept and the sentence is ``""``.  No count is quoted.

    >>> from flp_inquiry.measures.metrics import _example
    >>> from flp_inquiry.ingest.store import DistrictData
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
