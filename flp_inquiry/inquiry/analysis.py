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

For one school, a pattern in a grade where the school has none of the group
(grade 7 at a high school) takes apart a grade the school has instead, and says
so (:func:`fit_pattern_to_school`).

:class:`flp_inquiry.inquiry.explorer.RootCauseExplorer` shows the analysis in a notebook.

"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import pandas as pd

from flp_inquiry.codes import SBAC_GRADES
from flp_inquiry.inquiry import charts, findings, labels, tables
from flp_inquiry.inquiry.cohorts import matched_cohort_growth
from flp_inquiry.inquiry.decomposition import contributions_to_gap, decompose_change
from flp_inquiry.inquiry.intervals import TOTAL_LABEL, funnel_curve, funnel_limits
from flp_inquiry.inquiry.patterns import (
    EXPLORER_METRICS,
    NOT_CHRONICALLY_ABSENT,
    OTHER_STUDENTS,
    Pattern,
    _grades_words,
    _metric_by,
    fit_pattern_to_school,
    focus_and_rest,
)
from flp_inquiry.inquiry.per_student import achievement_by_chronic_absence
from flp_inquiry.inquiry.session import ALL_SCHOOLS, Inquiry
from flp_inquiry.measures import outcomes
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
        table = tables.reader_table(
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
        table = tables.decomposition_table(decomposition, unit_col, unit=unit)
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
    tested = f"{SBAC_GRADES[0]}-{outcomes.CHRONIC_ABSENCE_GRADES[-1]}"
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
    table = tables.reader_table(
        by_attendance, {"grade": "Grades", "school_year": "School year", "attendance": "Attendance",
                        "n": "Students", "value": what.capitalize()})
    if not table.hidden_note:  # (every row hidden: the sentence below says they cannot be compared)
        analysis.tables["attendance"] = table
    no_attendance = findings.describe_data_missing(inquiry, "chronic_absence")
    if no_attendance:  # the district's data has none (the state's score files): not a matter of grades
        analysis.sentences["hypotheses"] = [no_attendance]
    elif by_attendance.empty:  # e.g. a high school: chronic absence is not counted in grades 9-12
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
        table = tables.reader_table(
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
    return grade is not None and SBAC_GRADES[0] < grade <= outcomes.CHRONIC_ABSENCE_GRADES[-1]


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
    counted = (grade in outcomes.CHRONIC_ABSENCE_GRADES if grade is not None
               else findings.counted_here(inquiry, "chronic_absence"))
    if findings.describe_data_missing(inquiry, "chronic_absence"):
        questions.append("The data holds no attendance: what do the schools' own attendance records show for "
                         "these students?")
    elif counted:
        questions.append("If chronic absence rose, who has talked with these students' families?")
    else:
        questions.append("Chronic absence is counted in grades K-8 only: what do the school's own attendance records "
                         "show for these students?")
    return questions
