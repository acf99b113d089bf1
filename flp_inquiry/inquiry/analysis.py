"""The root-cause analysis of a pattern: its trend, where it comes from, and what would test it.

A *pattern* is one metric for one student group in one grade, e.g. "grade 7
English learners' math Distance from Standard" (:class:`Pattern`).
:func:`analyse_pattern` asks the partnership's root-cause questions of it with
the tools of :mod:`flp_inquiry.inquiry`:

- how the group compares with the other students, over the years (trend);
- which schools (or, for one school, which grades) make up the gap
  (:func:`~flp_inquiry.inquiry.decomposition.contributions_to_gap`): district-wide by school in
  the pattern's grade; for one school by grade, over all its grades (the group in
  ``Grades 3-8`` against the other students in those grades), and said so;
- whether the change since last year comes from who is enrolled where
  (composition) or how the students do (performance)
  (:func:`~flp_inquiry.inquiry.decomposition.decompose_change`);
- whether a school's rate is outside what its size alone explains
  (:func:`~flp_inquiry.inquiry.intervals.funnel_limits`);
- whether the *same* students fell (:func:`~flp_inquiry.inquiry.cohorts.matched_cohort_growth`);
- whether chronic absence goes with it (:func:`achievement_by_chronic_absence`).

For one school, a pattern the school does not have (grade 7 at a high school, English
learners at a school with none, test scores at a K-2 school) is replaced by one it has,
and the report says so; a school with no student counted for any explorer measure gets
sentences saying there is nothing to take apart (:func:`fit_pattern_to_school`).

:class:`flp_inquiry.inquiry.explorer.RootCauseExplorer` shows the analysis in a notebook.

"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import pandas as pd

from flp_inquiry.inquiry import charts, findings, labels, tables
from flp_inquiry.inquiry.decomposition import contributions_to_gap, decompose_change
from flp_inquiry.inquiry.intervals import (
    TOTAL_LABEL,
    funnel_curve,
    funnel_limits,
    mean_funnel_curve,
    mean_funnel_limits,
)
from flp_inquiry.inquiry.pattern_hypotheses import meeting_questions, no_hypothesis, pattern_hypotheses
from flp_inquiry.inquiry.patterns import (
    EXPLORER_METRICS,
    OTHER_STUDENTS,
    Pattern,
    _grades_of_span,
    _metric_by,
    fit_pattern_to_school,
    focus_and_rest,
    nothing_to_take_apart,
    scope_grade_words,
)
from flp_inquiry.inquiry.per_student import per_student
from flp_inquiry.inquiry.session import ALL_SCHOOLS, Inquiry
from flp_inquiry.measures.students import primary_enrollment
from flp_inquiry.measures.suppression import HIDDEN, suppress_small_cells

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
    if not inquiry.whole_district and nothing_to_take_apart(inquiry, pattern):
        return _nothing_to_show(analysis)
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

    surprising = [_funnel(analysis, grade)]

    unit_col = _unit_column(inquiry)
    if pattern.metric != "chronic_absence":
        absence = _metric_by(inquiry, "chronic_absence", "", [unit_col, group_type, "school_year"], None)
        absence = absence[absence[group_type] == focus].drop(columns=group_type)
        if unit_col == "grade":  # the pattern's tested grades, not kindergarten's absence in a grade 3 take-apart
            absence = absence[absence["grade"].isin(_grades_of_span(pattern.metric, trend))]
        what_absence = f"chronic absence among {who}"
        surprising += findings.describe_unusual_changes(absence, [unit_col], year, what=what_absence, unit="%")
        unusual = findings.unusual_changes(absence, [unit_col], year)
        if not unusual.empty:
            analysis.tables["absence"] = findings.changes_table(absence, [unit_col], year, unit="%", what=what_absence,
                                                                only=unusual)
        hypotheses = pattern_hypotheses(analysis)
        analysis.sentences["hypotheses"] = [hypothesis.claim() for hypothesis in hypotheses] or [no_hypothesis(analysis)]
    else:
        hypotheses = []
        analysis.sentences["hypotheses"] = [
            "The pattern is chronic absence itself: the attendance report compares the test results of chronically "
            "absent students with their classmates'."]
    analysis.sentences["surprising"] = surprising
    analysis.sentences["questions"] = meeting_questions(analysis, hypotheses)
    return analysis


def _funnel(analysis: Analysis, grade: int | None) -> str:
    """The funnel of every school's figure for the group (the pattern's own measure): a chart with five
    schools or more, and the sentence saying which fall outside the limits, or why there is no funnel."""
    inquiry, pattern = analysis.inquiry, analysis.pattern
    district = inquiry if inquiry.whole_district else dataclasses.replace(inquiry, school=ALL_SCHOOLS)
    units = _metric_by(district, pattern.metric, pattern.subject, ["school", pattern.group_type, "school_year"], grade)
    units = units[(units[pattern.group_type] == pattern.group_code) & (units["school_year"] == inquiry.school_year)]
    units = units[units["n"] > 0]
    unit = pattern.unit
    # for one school, the funnel holds every school of the district: the words say so
    words = pattern.group_words if inquiry.whole_district else f"{pattern.group_words} across {inquiry.district_name}"
    what = f"{pattern.metric_words} of {words}"
    spread = _spread(district, pattern, grade) if unit == "points" and not units.empty else None
    if len(findings.shown_rows(units)) < findings.FUNNEL_MIN_UNITS or (unit == "points" and spread is None):
        # too few schools for limits (the sentence says so), or a mean with no spread to draw them from
        return findings.describe_funnel(units.assign(funnel_zone=""), "school", what=what, unit=unit)
    # a rate's limits are binomial; a mean's (distance from standard) come from its students' own spread
    limits = funnel_limits(units) if spread is None else mean_funnel_limits(units, sd=spread)
    if len(findings.shown_rows(limits)) >= findings.FUNNEL_MIN_UNITS:
        overall, n_max = float(limits["overall"].iloc[0]), int(max(units["n"].max(), 2))
        curve = funnel_curve(overall, n_max) if spread is None else mean_funnel_curve(overall, spread, n_max)
        analysis.charts["funnel"] = charts.funnel_chart(
            suppress_small_cells(limits, values=["value"]), curve, label="school",
            title=f"{pattern.metric_words.capitalize()} of {words}, by school, {inquiry.year_label}",
            value_title=f"{pattern.metric_words.capitalize()} ({'points' if unit == 'points' else '%'})")
    return findings.describe_funnel(limits, "school", what=what, unit=unit)


def _spread(district: Inquiry, pattern: Pattern, grade: int | None) -> float | None:
    """The standard deviation of the group's students' own distances from standard across the district."""
    distances = per_student(district, "distance_from_standard", subject=pattern.subject)
    students = primary_enrollment(district.data.enrollment)
    students = students[(students["school_year"] == district.school_year) & (students[pattern.group_type] == pattern.group_code)]
    if grade is not None:
        students = students[students["grade"] == grade]
    values = distances.merge(students[["school_year", "student_key"]], on=["school_year", "student_key"])["value"]
    return float(values.std(ddof=1)) if len(values) > 1 else None


def _nothing_to_show(analysis: Analysis) -> Analysis:
    """A school with no student counted for any explorer measure: every section says so, no chart, no table."""
    inquiry = analysis.inquiry
    nothing = (f"{inquiry.school} has no students with test scores or counted for chronic absence in "
               f"{inquiry.year_label}, so there is nothing to compare here.")
    analysis.sentences = {
        "shows": [nothing],
        "surprising": ["With no students to count, nothing can stand out."],
        "hypotheses": ["No hypothesis can be tested on these figures: the school's own records "
                       "(attendance, classroom assessments) are where to look."],
        "questions": [f"Which of the school's own records would show how students at {inquiry.school} are doing?"],
    }
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
        grades = scope_grade_words(inquiry, _grades_of_span(pattern.metric, everyone))
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
        table = tables.reader_table(
            contributions, {unit_col: labels.GROUP_TYPE_LABELS[unit_col], "n": "Students", "value": what.capitalize(),
                            "contribution": "Part of the gap", "percent_of_total": "Percent of the gap"},
            values=["value", "contribution", "percent_of_total"], what=f"the breakdown of the gap by {by_what}",
            caption=f"Each {by_what}'s part of the gap between {words} and {others}")
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
        table = tables.decomposition_table(decomposition, unit_col, unit=unit)
        # shown while its Total row shows: the sentence below quotes it, and a reader can check it
        if not table.hidden_note:
            analysis.tables["decomposition"] = table
        named = decomposition.merge(names, on=unit_col, how="left")  # (the Total row stays last)
        analysis.sentences["shows"].append(
            findings.describe_decomposition(named, unit_col, what=f"{what} of {words}", unit=unit, keys=keys))
