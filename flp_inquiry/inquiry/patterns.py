"""Patterns a coach names: one metric for one student group in one grade, fitted to a school.

A *pattern* is e.g. "grade 7 English learners' math Distance from Standard" (:class:`Pattern`).
For one school, a pattern the school does not have is replaced by one it has, and the report
says so (:func:`fit_pattern_to_school`): a grade the school has when it has none of the group in
the pattern's grade (grade 7 at a high school), another group when it has none of the group (no
English learners), another measure when it has no student counted for the measure at all (no
test scores at a K-2 school); when it has none at all, the report says there is nothing to take apart.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Sequence

import pandas as pd

from flp_inquiry.codes import CHRONIC_ABSENCE_GRADES, EXPLORER_METRIC_GRADES, GROUP_CODES
from flp_inquiry.errors import ParameterError
from flp_inquiry.inquiry import findings, labels
from flp_inquiry.inquiry.questions import ALL_GRADES, AUTO_GRADE
from flp_inquiry.inquiry.session import Inquiry
from flp_inquiry.measures import assessment, students

OTHER_STUDENTS = "Other students"
CHRONICALLY_ABSENT, NOT_CHRONICALLY_ABSENT = "Chronically absent", "Not chronically absent"
#: Groupings a pattern's group can come from (who the students are).
GROUP_TYPES = tuple(GROUP_CODES)
#: Each grouping as a sentence names it ("the largest group by English language status").
_GROUPING_WORDS = {"el_status": "English language status", "ethnicity": "race/ethnicity",
                   "sed": "socioeconomic status", "swd": "disability status", "gender": "gender"}


@dataclass(frozen=True)
class ExplorerMetric:
    """A metric the explorer can take apart: its words, unit, and the rate used for funnel plots."""

    title: str
    unit: str
    needs_subject: bool
    grades: tuple[int, ...]
    funnel_metric: str


EXPLORER_METRICS = {
    "dfs": ExplorerMetric("distance from standard", "points", True, EXPLORER_METRIC_GRADES["dfs"], "percent_met"),
    "percent_met": ExplorerMetric("percent met or exceeded", "%", True, EXPLORER_METRIC_GRADES["percent_met"],
                                  "percent_met"),
    "chronic_absence": ExplorerMetric("chronic absence rate", "%", False, EXPLORER_METRIC_GRADES["chronic_absence"],
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
    """Check a pattern's parameters against the metric and the partnership's groups.

    A group is any of the canonical tables' codes for its grouping (and any the
    district's data holds): a school, or a district, without it gets a pattern it
    has instead (:func:`fit_pattern_to_school`), not an error.
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
    flp_inquiry.errors.ParameterError: group = 'LTEL' is not allowed. Allowed values: EL, EO, IFEP, RFEP, TBD
    """
    if metric not in EXPLORER_METRICS:
        raise ParameterError("metric", metric, list(EXPLORER_METRICS))
    chosen = EXPLORER_METRICS[metric]
    if chosen.needs_subject and subject not in students.SUBJECTS:
        raise ParameterError("subject", subject, list(students.SUBJECTS))
    if group_type not in GROUP_TYPES:
        raise ParameterError("group_type", group_type, list(GROUP_TYPES))
    codes = [*GROUP_CODES[group_type], *inquiry.data.enrollment[group_type].drop_duplicates()]
    by_text = {str(code): code for code in codes}
    if str(group) not in by_text:
        raise ParameterError("group", group, sorted(by_text))
    grades = [AUTO_GRADE, ALL_GRADES, *(str(g) for g in chosen.grades)]
    if str(grade) not in grades:
        raise ParameterError("grade", grade, grades)
    if str(grade) == AUTO_GRADE:
        grade = _grade_that_changed_most(inquiry, metric, subject, group_type, by_text[str(group)])
    return Pattern(metric, subject, group_type, str(group), str(grade), by_text[str(group)])


def _grade_that_changed_most(inquiry: Inquiry, metric: str, subject: str, group_type: str, focus: object) -> str:
    """The scope's grade where the group's figure changed most since last year; else where it has the most
    students this year; else all grades.  (So a school's report is about a grade it has: nothing to explain.)"""
    table = _metric_by(inquiry, metric, subject, ["grade", group_type, "school_year"], None)
    table = table[(table[group_type] == focus) & table["grade"].isin(EXPLORER_METRICS[metric].grades)]
    changed = findings.largest_change(table.drop(columns=group_type), ["grade"], inquiry.school_year)
    if changed is not None:
        return str(int(changed["grade"]))
    this_year = table[(table["school_year"] == inquiry.school_year) & (table["n"] > 0)]
    if not this_year.empty:
        return str(int(this_year.sort_values(["n", "grade"], ascending=[False, True], kind="stable")["grade"].iloc[0]))
    return ALL_GRADES


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
        return labels.grade_label(f"{CHRONIC_ABSENCE_GRADES[0]}-{CHRONIC_ABSENCE_GRADES[-1]}")
    span = table.attrs.get("grade_span")
    return labels.grade_label(span) if span else "all tested grades"


def _grades_of_span(metric: str, table: pd.DataFrame) -> tuple[int, ...]:
    """The grades a metric covers over "all grades" (a Distance from Standard span: 3-8 or 11)."""
    if table.attrs.get("grade_span") == "11":
        return (11,)
    if metric == "chronic_absence":
        return EXPLORER_METRICS[metric].grades
    return tuple(grade for grade in EXPLORER_METRICS[metric].grades if grade != 11)


def scope_grade_words(inquiry: Inquiry, grades) -> str:
    """Grades as a group's words name them, kept to the ones the scope has: ``Grades 3-5`` at a K-5 school.

    District-wide the whole span (``Grades 3-8``); for one school its own grades of the span, a run as
    ``Grades 3-5``, one as ``Grade 4``, others listed.
    """
    grades = sorted(grades)
    if not inquiry.whole_district:
        grades = findings.scope_grades(inquiry, grades) or grades
    if len(grades) == 1:
        return labels.grade_label(grades[0])
    if grades == list(range(grades[0], grades[-1] + 1)):
        return labels.grade_label(f"{grades[0]}-{grades[-1]}")
    return labels.join_words([labels.grade_label(grade) for grade in grades])


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
    """The pattern to take apart at the inquiry's school, and sentences saying why when it had to change.

    In order, for the inquiry's school year (no count is quoted):

    1. a school with no student counted for the pattern's measure (no math scores at
       a K-2 school) takes apart another explorer measure it has students counted for
       (chronic absence), and says so; with none, it keeps the pattern and says there
       is nothing to take apart (:func:`nothing_to_take_apart`);
    2. a school with none of the pattern's group counted for it (no English learners)
       takes apart the largest group of the same grouping it has (English-only students),
       and says so;
    3. a school with none of the group in the pattern's grade (a high school has no Grade 7)
       takes apart the grade whose value for the group changed most since last year
       (:func:`flp_inquiry.inquiry.findings.changes.largest_change`), else its grade with
       the most students of the group, and says so.

    District-wide, or where the school has the pattern, it is kept and the sentence is ``""``.

    >>> from flp_inquiry.measures.metrics import _example
    >>> from flp_inquiry.ingest.store import DistrictData
    >>> assessments, enrollment = _example()
    >>> school = Inquiry("fresno", 2024, "A", DistrictData("fresno", enrollment, assessments, pd.DataFrame(), pd.DataFrame()))
    >>> pattern, why = fit_pattern_to_school(school, check_pattern(school, "dfs", "ela", "el_status", "EL", "7"))
    >>> pattern.grade, why
    ('4', 'This report takes apart English learners in Grade 4 (A has grades 4-5), the only grade where it has English learners with ELA scores.')

    (A school without grade 7 reads nothing about grade 7; one with grade 7 but none of the group in
    it is told so.)
    >>> fit_pattern_to_school(school, pattern) == (pattern, "")
    True
    >>> pattern, why = fit_pattern_to_school(school, check_pattern(school, "dfs", "ela", "el_status", "IFEP", "all"))
    >>> pattern.group, why
    ('EL', 'A has no initially fluent (IFEP) students with ELA scores in 2023-24; this report takes apart English learners instead, the largest group by English language status among its students with ELA scores.')
    """
    if inquiry.whole_district:
        return pattern, ""
    notes: list[str] = []
    fitted = _fit_measure(inquiry, pattern, notes)
    if fitted is None:
        return pattern, _nothing_note(inquiry, pattern)
    fitted = _fit_group(inquiry, fitted, notes)
    if fitted.grade_number is not None:
        fitted = _fit_grade(inquiry, fitted, notes)
    return fitted, " ".join(notes)


def _counted_for(pattern: Pattern) -> str:
    """``with math scores``, ``counted for chronic absence``: which students a pattern's measure counts."""
    if pattern.metric == "chronic_absence":
        return "counted for chronic absence"
    return f"with {'math' if pattern.subject == 'math' else 'ELA'} scores"


def _counted_groups(inquiry: Inquiry, pattern: Pattern) -> pd.DataFrame:
    """Students counted for the pattern's measure this year at the inquiry's school, by grade and the pattern's grouping."""
    return _counted_by_grade(inquiry, pattern.metric, pattern.subject, [pattern.group_type])


def nothing_to_take_apart(inquiry: Inquiry, pattern: Pattern) -> bool:
    """Whether the inquiry's scope has no student counted for the pattern's measure in its school year."""
    return _counted_groups(inquiry, pattern).empty


def _nothing_note(inquiry: Inquiry, pattern: Pattern) -> str:
    return (f"{inquiry.school} has no students with test scores or counted for chronic absence in "
            f"{inquiry.year_label}: there is no pattern to take apart here.")


def _fit_measure(inquiry: Inquiry, pattern: Pattern, notes: list[str]) -> Pattern | None:
    """The pattern, or the first other explorer measure the school has students counted for (said in ``notes``)."""
    if not nothing_to_take_apart(inquiry, pattern):
        return pattern
    for metric, chosen in EXPLORER_METRICS.items():
        subject = pattern.subject if pattern.subject in students.SUBJECTS else students.SUBJECTS[-1]
        other = dataclasses.replace(pattern, metric=metric, subject=subject)
        if metric != pattern.metric and not nothing_to_take_apart(inquiry, other):
            grade = pattern.grade if pattern.grade_number in (None, *chosen.grades) else ALL_GRADES
            notes.append(f"{inquiry.school} has no students {_counted_for(pattern)} in {inquiry.year_label}; "
                         f"this report takes apart the {other.metric_words} instead.")
            return dataclasses.replace(other, grade=grade)
    return None


def _fit_group(inquiry: Inquiry, pattern: Pattern, notes: list[str]) -> Pattern:
    """The pattern, or its grouping's largest group at the school, when the school has none of its group."""
    counted = _counted_groups(inquiry, pattern)
    if (counted[pattern.group_type] == pattern.group_code).any():
        return pattern
    sizes = counted.groupby(pattern.group_type, sort=False)["n"].sum().reset_index()
    sizes = sizes.assign(_text=sizes[pattern.group_type].astype(str)).sort_values(["n", "_text"], ascending=[False, True],
                                                                                   kind="stable")
    code = sizes[pattern.group_type].iloc[0]
    fitted = dataclasses.replace(pattern, group=str(code), group_code=code)
    who, counted_for = labels.people_label(pattern.group_type, pattern.group_code), _counted_for(pattern)
    notes.append(f"{inquiry.school} has no {who} {counted_for} in {inquiry.year_label}; this report takes apart "
                 f"{labels.people_label(pattern.group_type, code)} instead, the largest group by "
                 f"{_GROUPING_WORDS[pattern.group_type]} among its students {counted_for}.")
    return fitted


def _fit_grade(inquiry: Inquiry, pattern: Pattern, notes: list[str]) -> Pattern:
    """The pattern, or a grade the school has the pattern's group in (said in ``notes``)."""
    year, focus = inquiry.school_year, pattern.group_code
    counted = _counted_groups(inquiry, pattern)
    counted = counted[counted[pattern.group_type] == focus]
    if (counted["grade"] == pattern.grade_number).any():
        return pattern
    who, counted_for = labels.people_label(pattern.group_type, focus), _counted_for(pattern)
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
    else:  # (not reached: the group was fitted to one the school has)
        notes.append(f"{missing}, nor in any other grade; this report looks at all grades together.")
        return dataclasses.replace(pattern, grade=ALL_GRADES)
    if findings.scope_grades(inquiry, [pattern.grade_number]):
        notes.append(f"{missing}; this report takes apart {labels.grade_label(grade)}, {reason}.")
    else:  # a grade the school does not teach is not named: nothing in the report is about it
        reason = reason if reason.startswith("the ") else f"the grade {reason}"
        notes.append(f"This report takes apart {who} in {labels.grade_words(grade)} ({inquiry.school} has "
                     f"{findings.grades_in_scope_words(inquiry)}), {reason}.")
    return dataclasses.replace(pattern, grade=str(grade))


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
