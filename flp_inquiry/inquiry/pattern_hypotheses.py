"""The explorer's hypotheses about a pattern, tested on its own tables, and the meeting's questions they lead to.

Two hypotheses for an achievement pattern: does chronic absence go with it (the group's chronically
absent students against the others, in the pattern's grade or the scope's tested grades), and did
the same students move the way the group did (the matched cohort, with its 95% interval).  Each has
its verdict (:mod:`flp_inquiry.inquiry.findings.verdicts`); the questions for the meeting follow from
the verdicts.  The tables the evidence quotes are added to the analysis.
"""
from __future__ import annotations

import pandas as pd

from flp_inquiry.codes import CHRONIC_ABSENCE_GRADES, SBAC_GRADES
from flp_inquiry.inquiry import findings, labels, tables
from flp_inquiry.inquiry.claims import CANT_TELL, NOT_SUPPORTED, SUPPORTED, Claim, Figure, Hypothesis
from flp_inquiry.inquiry.cohorts import matched_cohort_growth
from flp_inquiry.inquiry.patterns import CHRONICALLY_ABSENT, NOT_CHRONICALLY_ABSENT, _metric_by, scope_grade_words
from flp_inquiry.inquiry.per_student import achievement_by_chronic_absence
from flp_inquiry.measures.suppression import suppress_small_cells


def follows_same_students(grade: int | None) -> bool:
    """Whether a grade's students can be followed from last year's test (grades 4-8: tested the year before too)."""
    return grade is not None and SBAC_GRADES[0] < grade <= CHRONIC_ABSENCE_GRADES[-1]


def pattern_hypotheses(analysis) -> list[Hypothesis]:
    """Chronic absence and the same students, for an achievement pattern; the tables behind them go in ``analysis``."""
    hypotheses = [_absence_hypothesis(analysis)]
    if follows_same_students(analysis.pattern.grade_number):
        hypotheses.append(_same_students_hypothesis(analysis))
    return [hypothesis for hypothesis in hypotheses if hypothesis is not None]


def no_hypothesis(analysis) -> str:
    """Why the explorer tests no hypothesis: the pattern's grades have no chronic absence and no earlier test."""
    inquiry, pattern = analysis.inquiry, analysis.pattern
    who = labels.people_label(pattern.group_type, pattern.group_code)
    place = inquiry.district_name if inquiry.whole_district else inquiry.school
    return (f"No hypothesis can be tested here: chronic absence is counted in grades K-8 only, and {place} has no {who} "
            "in those grades with scores; the school's own attendance records would show whether missing school goes "
            "with these results.")


def _tested_words(analysis) -> tuple[str, list[int]]:
    """The grades both tested and counted for chronic absence (3-8), kept to the scope's: words and grades."""
    grades = list(range(SBAC_GRADES[0], CHRONIC_ABSENCE_GRADES[-1] + 1))
    return scope_grade_words(analysis.inquiry, grades), findings.scope_grades(analysis.inquiry, grades) or grades


def _absence_hypothesis(analysis) -> Hypothesis | None:
    inquiry, pattern = analysis.inquiry, analysis.pattern
    missing = findings.describe_data_missing(inquiry, "chronic_absence")
    if missing:  # the district's data has no attendance (the state's score files): not a matter of grades
        return Hypothesis("If chronic absence goes with the pattern",
                          f"chronically absent {labels.people_label(pattern.group_type, pattern.group_code)} score "
                          f"below the group's other students in {pattern.metric_words}", CANT_TELL,
                          missing,
                          "The schools' own attendance records, set beside these results, would test it.")
    year, grade, focus, group_type = inquiry.school_year, pattern.grade_number, pattern.group_code, pattern.group_type
    unit, what = pattern.unit, pattern.metric_words
    who = labels.people_label(group_type, focus)
    measure = "distance_from_standard" if pattern.metric == "dfs" else "percent_met"
    span_words, span_grades = _tested_words(analysis)
    by_attendance = achievement_by_chronic_absence(inquiry, pattern.subject, by=[group_type, "school_year"],
                                                   measure=measure).assign(grade=span_words)
    if grade is not None and len(span_grades) > 1:
        at_grade = achievement_by_chronic_absence(inquiry, pattern.subject, measure=measure,
                                                  by=[group_type, "grade", "school_year"])
        at_grade = at_grade[at_grade["grade"] == grade].assign(grade=labels.grade_label(grade))
        by_attendance = pd.concat([at_grade, by_attendance], ignore_index=True)
    by_attendance = by_attendance[(by_attendance[group_type] == focus) & (by_attendance["school_year"] >= year - 1)]
    by_attendance = findings.with_interval_words(by_attendance.astype({"grade": object}), unit)
    # the group's own figure is shown above: a small half of it would give away the other half
    shown = suppress_small_cells(by_attendance, values=["value", "interval"], caution_n=None,
                                 parts_of=["grade", "school_year"])
    table = tables.reader_table(
        shown, {"grade": "Grades", "school_year": "School year", "attendance": "Attendance",
                "n": "Students", "value": what.capitalize(), "interval": "95% interval"}, values=["value", "interval"],
        caption=f"{what.capitalize()} of {who}, chronically absent or not")
    if not table.hidden_note:  # (every row hidden: the verdict says they cannot be compared)
        analysis.tables["attendance"] = table
    condition = "If chronic absence goes with the pattern"
    expectation = f"chronically absent {who} score below the group's other students in {what}"
    test = "Following the same students as their attendance changes would test whether it is absence itself."
    if by_attendance.empty:  # e.g. a high school: chronic absence is not counted in grades 9-12 (see no_hypothesis)
        return None
    # the pattern's grade when both halves are shown there, else the tested grades together
    rows = shown[shown["grade"] == labels.grade_label(grade)] if grade is not None else shown.iloc[:0]
    def both_shown(frame):
        now = frame[frame["school_year"] == year]
        return len(findings.shown_rows(now)) == 2
    chosen = rows if both_shown(rows) else shown[shown["grade"] == span_words]
    grade_words = chosen["grade"].iloc[0] if len(chosen) else span_words
    return findings.group_against_group(
        by_attendance[by_attendance["grade"] == grade_words], "attendance", CHRONICALLY_ABSENT, NOT_CHRONICALLY_ABSENT,
        year=year, expect_lower=True, unit=unit, condition=condition, expectation=expectation, test=test,
        what=what, focus_words=f"chronically absent {who} in {grade_words}",
        reference_words="those not chronically absent", source=table)


def _same_students_hypothesis(analysis) -> Hypothesis:
    inquiry, pattern = analysis.inquiry, analysis.pattern
    year, grade, focus, group_type = inquiry.school_year, pattern.grade_number, pattern.group_code, pattern.group_type
    who = labels.people_label(group_type, focus)
    # a school follows the students it has now, wherever they were last year (a middle school's grade 6
    # were at elementary schools); their groups are last year's
    growth = matched_cohort_growth(inquiry.scoped_data.assessments, inquiry.scoped_data.enrollment, pattern.subject,
                                   year - 1, year, by=["grade", group_type], groups_year=year - 1,
                                   counted_at=None if inquiry.whole_district else inquiry.school)
    growth = findings.with_interval_words(
        growth[(growth["grade"] == grade - 1) & (growth[group_type] == focus)].assign(
            low=lambda t: t["dfs_change_low"], high=lambda t: t["dfs_change_high"]), "points")
    table = tables.reader_table(
        growth, {"n": "Same students, tested both years", "dfs_from": f"DFS in {labels.grade_label(grade - 1)}",
                 "dfs_to": f"DFS in {labels.grade_label(grade)}", "dfs_change": "Change (points)",
                 "interval": "95% interval"}, values=["dfs_from", "dfs_to", "dfs_change", "interval"],
        caption=f"The same {who} a year apart, {labels.grade_words(grade - 1)} to {labels.grade_words(grade)}")
    if not table.hidden_note:  # (under 11: the verdict says they cannot be followed)
        analysis.tables["matched"] = table
    followed = (f"{who} in {labels.grade_label(grade - 1)} last year" if inquiry.whole_district
                else f"{who} now at {inquiry.school} who were in {labels.grade_label(grade - 1)} last year")
    trend = findings.largest_change(_group_trend(analysis), [], year)
    direction = "fell" if trend is None or trend["change"] < 0 else "rose"
    condition = "If the change is in the same students, not only in who arrived"
    expectation = f"the students followed from last year {direction} too"
    test = "Their classwork and grades this year would show where they moved."
    shown = findings.shown_rows(growth, value="dfs_change")
    if shown.empty:
        return Hypothesis(condition, expectation, CANT_TELL,
                          f"fewer than 11 {followed} were tested again this year, so the same students cannot be followed.",
                          test)
    row = shown.iloc[0]
    low, high = (pd.to_numeric(pd.Series([row[c]]), errors="coerce").iloc[0] for c in ("dfs_change_low", "dfs_change_high"))
    first, second = Figure.of(row["dfs_from"], "points"), Figure.of(row["dfs_to"], "points")
    evidence = Claim.of(f"the same students ({followed}, tested again) went from ", first, " to ", second, " (",
                        Figure.change(first, second), f"; 95% interval {low:.1f} to {high:.1f}).")
    moved = "fell" if high < 0 else "rose" if low > 0 else ""
    if not moved:
        verdict = CANT_TELL
        evidence = Claim.of(evidence, " The interval holds 0: chance alone could make a change this size.")
    else:
        verdict = SUPPORTED if moved == direction else NOT_SUPPORTED
    return Hypothesis(condition, expectation, verdict, findings.with_source(evidence, table), test)


def _group_trend(analysis) -> pd.DataFrame:
    pattern = analysis.pattern
    table = _metric_by(analysis.inquiry, pattern.metric, pattern.subject, [pattern.group_type, "school_year"],
                       pattern.grade_number)
    return table[table[pattern.group_type] == pattern.group_code].drop(columns=pattern.group_type)


def meeting_questions(analysis, hypotheses: list[Hypothesis]) -> list[str]:
    """Questions for the meeting from what was found: the hypotheses' verdicts, in the scope's own words."""
    inquiry, pattern = analysis.inquiry, analysis.pattern
    who = labels.people_label(pattern.group_type, pattern.group_code)
    questions = [f"What do teachers of {pattern.group_words} at {inquiry.scope_label} see that the data does not?"]
    verdicts = {hypothesis.condition: hypothesis.verdict for hypothesis in hypotheses}
    same = next((v for c, v in verdicts.items() if c.startswith("If the change is in the same students")), None)
    absence = next((v for c, v in verdicts.items() if c.startswith("If chronic absence")), None)
    if same == SUPPORTED:
        questions.append(f"The same students moved too: what changed in their {labels.grade_label(pattern.grade_number)} "
                         "classes this year (teachers, schedules, placement)?")
    elif same == NOT_SUPPORTED:
        questions.append(f"The same students did not move that way: which {who} arrived this year, and what did they "
                         "learn before?")
    else:
        questions.append(f"Did different {who} arrive this year, or did similar students score differently?")
    if findings.describe_data_missing(inquiry, "chronic_absence"):
        questions.append("The data holds no attendance: what do the schools' own attendance records show for these "
                         "students?")
    elif absence == SUPPORTED:
        questions.append(f"Chronically absent {who} score lower here: who has talked with their families, and what "
                         "would bring them to school?")
    elif absence is not None and pattern.grade_number in (None, *CHRONIC_ABSENCE_GRADES):
        questions.append(f"Where chronic absence rose among {who}, who has talked with their families?")
    else:
        questions.append("Chronic absence is counted in grades K-8 only: what do the school's own attendance records "
                         "show for these students?")
    return questions
