"""The state's metric definitions, one edge table per rule (specs/metrics.md).

Every expected value is worked out by hand in a comment beside it.
"""
from __future__ import annotations

from types import SimpleNamespace

import pandas as pd
import pytest

from flp_inquiry.errors import ParameterError
from flp_inquiry.ingest.schema import Assessments, Enrollment, MathCourses, Outcomes
from flp_inquiry.measures import metrics
from flp_inquiry.measures.assessment import (
    distance_from_standard,
    distance_from_standard_change,
    participation_rate,
    percent_met,
)
from flp_inquiry.measures.english_learners import (
    ELPI_LEVELS,
    elpi_level,
    english_learner_progress,
    long_term_english_learners,
    reclassification_rate,
)
from flp_inquiry.measures.outcomes import (
    a_g_completion_rate,
    algebra_by_grade,
    chronic_absenteeism,
    d_or_f_rate,
    graduation_rate,
)
from flp_inquiry.measures.suppression import suppress_small_cells

# --- canonical rows, built by hand (validated against the schema so they are canonical) ---

def enrolled(key, year=2024, school="Sample Alder", grade=5, el="EO", el_start=None, rfep=None,
             days=180, absent=0.0, primary=True, **overrides):
    row = {"district": "fresno", "school_year": year, "student_key": f"fresno:{key}",
           "school_cds": "10621660000001", "school_name": school, "grade": grade, "gender": "F",
           "ethnicity": "HI", "el_status": el, "el_start_date": pd.Timestamp(el_start) if el_start else pd.NaT,
           "rfep_date": pd.Timestamp(rfep) if rfep else pd.NaT, "sed": False, "swd": False,
           "days_enrolled": days, "days_absent": absent, "primary": primary}
    return {**row, **overrides}


def scored(key, score=None, level=None, test="ela", year=2024, grade=5):
    return {"district": "fresno", "school_year": year, "student_key": f"fresno:{key}", "test": test,
            "grade_tested": grade, "tested": level is not None, "scale_score": score, "level": level}


def course(key, level="algebra_1", mark="C", year=2024, title=None):
    return {"district": "fresno", "school_year": year, "student_key": f"fresno:{key}", "course_level": level,
            "course_title": title or level.upper(), "mark": mark}


def outcome(key, cohort=2024, graduated=True, ag=False):
    return {"district": "fresno", "cohort_year": cohort, "student_key": f"fresno:{key}", "graduated": graduated,
            "dropped_out": False, "ag_met": ag}


def enrollment_table(*rows, checked=True):
    """Canonical enrollment; ``checked=False`` for rows the loaders refuse, to show a metric stays right anyway."""
    table = pd.DataFrame(list(rows))
    return Enrollment.validate(table) if checked else Enrollment.to_schema().coerce_dtype(table)


def assessment_table(*rows, checked=True):
    """Canonical assessments; ``checked=False`` as for :func:`enrollment_table`."""
    table = pd.DataFrame(list(rows)).astype({"scale_score": "Int64", "level": "Int64"})
    return Assessments.validate(table) if checked else Assessments.to_schema().coerce_dtype(table)


def course_table(*rows):
    return MathCourses.validate(pd.DataFrame(list(rows)))


def outcome_table(*rows):
    return Outcomes.validate(pd.DataFrame(list(rows)))


def single(table, column="value"):
    assert len(table) == 1, table
    return table[column].iloc[0]


# --- Smarter Balanced ----------------------------------------------------------

def test_percent_met_counts_only_students_with_scores():
    enrollment = enrollment_table(*(enrolled(k) for k in "abcd"))
    assessments = assessment_table(
        scored("a", 2600, 4), scored("b", 2450, 2), scored("c"),  # c: blank score, not tested
        scored("d", 2550, 3, grade=10),  # grade 10 is not a tested grade (the loaders refuse it, too)
        checked=False,
    )
    table = percent_met(assessments, enrollment, "ela")
    # tested with scores: a, b -> n 2; met or exceeded: a -> 1 / 2 = 50 %
    assert (single(table, "n"), single(table)) == (2, 50.0)


@pytest.mark.parametrize(("students", "shown"), [(10, False), (11, True)])
def test_percent_met_of_ten_is_hidden_and_of_eleven_shown(students, shown):
    keys = [f"s{i}" for i in range(students)]
    enrollment = enrollment_table(*(enrolled(k) for k in keys))
    assessments = assessment_table(*(scored(k, 2510, 3) for k in keys))
    table = suppress_small_cells(percent_met(assessments, enrollment, "ela"))
    # all met: 100 %
    assert single(table) == (100.0 if shown else "*")


def test_participation_counts_not_tested_rows_and_missing_students_against():
    enrollment = enrollment_table(
        enrolled("a"), enrolled("b"), enrolled("c"), enrolled("d"),
        enrolled("e", grade=2),  # not a tested grade: not in the denominator
    )
    assessments = assessment_table(
        scored("a", 2500, 2), scored("b", 2600, 4),
        scored("c"),  # a Long Beach "Not Tested" row
        # d has no row at all
        scored("b", 2400, 1, test="math"),  # the other subject does not count
    )
    table = participation_rate(assessments, enrollment, "ela")
    # enrolled in a tested grade: a b c d = 4; scored: a b = 2 -> 50 %
    assert (single(table, "n"), single(table)) == (4, 50.0)


def test_groups_come_from_the_primary_enrollment_of_the_same_year():
    enrollment = enrollment_table(
        enrolled("a", year=2023, el="EL", school="Sample Alder"),
        enrolled("a", year=2024, el="RFEP", school="Sample Birch"),
        enrolled("a", year=2024, el="RFEP", school="Sample Cedar", primary=False),
    )
    assessments = assessment_table(scored("a", 2510, 3, year=2023), scored("a", 2400, 2, year=2024))
    table = percent_met(assessments, enrollment, "ela", by=["school_year", "school", "el_status"])
    assert table[["school_year", "school", "el_status", "n", "value"]].values.tolist() == [
        [2023, "Sample Alder", "EL", 1, 100.0],
        [2024, "Sample Birch", "RFEP", 1, 0.0],
    ]


# Level 3 minimums: ELA gr 6 2531, gr 11 2583; math gr 8 2586, gr 11 2628 (metrics.md)
DFS_ON_CUTS = [
    ("ela", 6, 2531 + 45, 45, 5), ("ela", 6, 2531 + 10, 10, 4), ("ela", 6, 2531 - 5, -5, 3),
    ("ela", 6, 2531 - 70, -70, 2), ("ela", 6, 2531 - 71, -71, 1),
    ("math", 8, 2586 + 35, 35, 5), ("math", 8, 2586, 0, 4), ("math", 8, 2586 - 25, -25, 3),
    ("math", 8, 2586 - 95, -95, 2), ("math", 8, 2586 - 96, -96, 1),
    ("ela", 11, 2583 + 75, 75, 5), ("ela", 11, 2583 + 30, 30, 4), ("ela", 11, 2583, 0, 3),
    ("ela", 11, 2583 - 45, -45, 2),
    ("math", 11, 2628 + 25, 25, 5), ("math", 11, 2628, 0, 4), ("math", 11, 2628 - 60, -60, 3),
    ("math", 11, 2628 - 115, -115, 2), ("math", 11, 2628 - 116, -116, 1),
]


@pytest.mark.parametrize(("subject", "grade", "score", "distance", "level"), DFS_ON_CUTS)
def test_distance_from_standard_exactly_on_each_cut(subject, grade, score, distance, level):
    enrollment = enrollment_table(enrolled("a", grade=grade))
    assessments = assessment_table(scored("a", score, 2, test=subject, grade=grade))
    table = distance_from_standard(assessments, enrollment, subject)
    assert single(table, "grade_span") == ("11" if grade == 11 else "3-8")
    assert (single(table), single(table, "status_level")) == (distance, level)


def test_distance_from_standard_is_a_mean_of_each_grade_s_distance_and_keeps_grade_11_apart():
    enrollment = enrollment_table(enrolled("a", grade=3), enrolled("b", grade=4), enrolled("c", grade=11))
    assessments = assessment_table(scored("a", 2442, 3, grade=3), scored("b", 2463, 2, grade=4),
                                   scored("c", 2600, 3, grade=11))
    table = distance_from_standard(assessments, enrollment, "ela")
    # 3-8: (2442 - 2432 = +10) and (2463 - 2473 = -10) -> mean 0; grade 11: 2600 - 2583 = 17
    assert table[["grade_span", "n", "value"]].values.tolist() == [["11", 1, 17.0], ["3-8", 2, 0.0]]


def _dfs_two_years(prior_distance, current_distance, students=1):
    """``students`` grade-5 ELA students each year at the given distances (grade 5 minimum 2502)."""
    rows, scores = [], []
    for i in range(students):
        for year, distance in ((2023, prior_distance), (2024, current_distance)):
            rows.append(enrolled(f"s{i}", year=year))
            scores.append(scored(f"s{i}", 2502 + distance, 3, year=year))
    return assessment_table(*scores), enrollment_table(*rows)


@pytest.mark.parametrize(("change", "level"), [(-16, 1), (-15, 2), (-3, 3), (2, 3), (3, 4), (14, 4), (15, 5)])
def test_change_exactly_on_each_cut(change, level):
    assessments, enrollment = _dfs_two_years(0, change)
    table = distance_from_standard_change(assessments, enrollment, "ela", 2024)
    # prior DFS 0, current DFS = change
    assert (single(table, "change"), single(table, "change_level")) == (change, level)
    assert pd.isna(single(table, "colour"))  # one student: no colour


@pytest.mark.parametrize(("students", "colour"), [(29, None), (30, 5)])
def test_colour_needs_thirty_students(students, colour):
    assessments, enrollment = _dfs_two_years(30, 45, students)
    table = distance_from_standard_change(assessments, enrollment, "ela", 2024)
    # status 45 = Very High (5); change 45 - 30 = 15 = Increased Significantly (5); grid -> Blue (5)
    assert (single(table, "status_level"), single(table, "change_level")) == (5, 5)
    assert (single(table, "prior_n"), single(table, "prior_value")) == (students, 30.0)
    assert (None if pd.isna(single(table, "colour")) else single(table, "colour")) == colour


def test_change_is_worked_out_from_the_unrounded_figures_as_the_dashboard_does():
    # 2023: 19 students 40 points above the grade 5 minimum and one 41 above: mean 801 / 20 = 40.05,
    # published 40.1; 2024: all 20 at 43 points, 43.0.  The change is 43.0 - 40.05 = 2.95, published
    # 3.0: Increased (4); subtracting the published figures (43.0 - 40.1 = 2.9) would say Maintained.
    rows, scores = [], []
    for i in range(20):
        for year, distance in ((2023, 41 if i == 0 else 40), (2024, 43)):
            rows.append(enrolled(f"s{i}", year=year))
            scores.append(scored(f"s{i}", 2502 + distance, 3, year=year))
    table = distance_from_standard_change(assessment_table(*scores), enrollment_table(*rows), "ela", 2024)
    assert single(table, "prior_value") == pytest.approx(40.05)
    assert (single(table, "change"), single(table, "change_level")) == (3.0, 4)


def test_change_of_a_group_missing_last_year_is_missing():
    enrollment = enrollment_table(enrolled("a", year=2024))
    assessments = assessment_table(scored("a", 2502, 3, year=2024))
    table = distance_from_standard_change(assessments, enrollment, "ela", 2024)
    assert pd.isna(single(table, "change")) and pd.isna(single(table, "change_level"))


# --- English learners -----------------------------------------------------------

def test_elpi_change_without_groupings():
    # 2023: EL "a" rose (grade 2 1430 -> grade 3 1470: grade 2 2L is 1424-1446 -> grade 3 2H): 100 %;
    # 2024: "a" grade 3 2H 1470 -> grade 4 2H 1480 (2H from 1479): stayed, 0 % -> change -100
    rows = [enrolled("a", year=y, grade=g, el="EL") for y, g in ((2022, 2), (2023, 3), (2024, 4))]
    scores = [scored("a", s, 2, "elpac", y, g) for y, g, s in ((2022, 2, 1430), (2023, 3, 1470), (2024, 4, 1480))]
    data = SimpleNamespace(assessments=assessment_table(*scores), enrollment=enrollment_table(*rows))
    table = metrics.METRICS["elpi"].compute(data, 2024, None, [])
    assert table[["n", "value", "prior_n", "prior_value", "change"]].values.tolist() == [[1, 0.0, 1, 100.0, -100.0]]
    assert (single(table, "status_level"), single(table, "change_level")) == (1, 1)


@pytest.mark.parametrize(("grade", "score", "level"), [
    # grade 3: 2L from 1448; 2H from floor((1448 + 1488) / 2) = 1468; 3L from 1488;
    # 3H from floor((1488 + 1535) / 2) = floor(1511.5) = 1511; 4 from 1535
    (3, 1447, "1"), (3, 1448, "2L"), (3, 1467, "2L"), (3, 1468, "2H"), (3, 1488, "3L"),
    (3, 1510, "3L"), (3, 1511, "3H"), (3, 1534, "3H"), (3, 1535, "4"),
    # grade 10 (9-10 band): 2H floor((1493 + 1545) / 2) = 1519; 3H floor((1545 + 1606) / 2) = 1575
    (10, 1518, "2L"), (10, 1519, "2H"), (10, 1575, "3H"),
    # kindergarten: 2H floor((1374 + 1422) / 2) = 1398
    (0, 1398, "2H"),
])
def test_elpi_level_on_each_split_point(grade, score, level):
    code = elpi_level([score], [grade]).iloc[0]
    assert ELPI_LEVELS[code - 1] == level


def test_elpi_level_missing_for_missing_score_or_tk():
    assert elpi_level(pd.Series([None, 1500]), pd.Series([3, -1])).isna().tolist() == [True, True]


def test_english_learner_progress_rises_and_stays():
    # grade 3 in 2023 -> grade 4 in 2024.  Grade 4 splits: 2L 1459, 2H floor((1459+1499)/2) = 1479,
    # 3L 1499, 3H floor((1499+1549)/2) = 1524, 4 1549.
    pairs = {
        "rise": (1470, 1500),      # 2H -> 3L: counts
        "drop": (1520, 1500),      # 3H -> 3L: does not
        "top": (1540, 1549),       # 4 -> 4 (1549 exactly on level 4): counts
        "same": (1490, 1510),      # 3L -> 3L: does not
    }
    rows, scores = [], []
    for key, (prior, current) in pairs.items():
        rows += [enrolled(key, year=2023, grade=3, el="EL"), enrolled(key, year=2024, grade=4, el="EL")]
        scores += [scored(key, prior, 2, "elpac", 2023, 3), scored(key, current, 3, "elpac", 2024, 4)]
    rows += [enrolled("rfep", year=2024, grade=4, el="RFEP"),      # not a current EL
             enrolled("new", year=2024, grade=4, el="EL"),         # no score last year
             enrolled("kinder", year=2024, grade=0, el="EL")]      # kindergarten is not in grades 1-12
    scores += [scored("rfep", 1470, 2, "elpac", 2023, 3), scored("rfep", 1560, 4, "elpac", 2024, 4),
               scored("new", 1560, 4, "elpac", 2024, 4),
               scored("kinder", 1300, 1, "elpac", 2023, -1), scored("kinder", 1480, 4, "elpac", 2024, 0)]
    # (the TK score is one the loaders refuse: no published TK range; kept to show grades 1-12 only count)
    table = english_learner_progress(assessment_table(*scores, checked=False), enrollment_table(*rows))
    # 2 of 4 progressed = 50 % -> status Medium (45 to < 55) = 3
    assert (single(table, "n"), single(table), single(table, "status_level")) == (4, 50.0, 3)


def test_reclassification_within_the_school_year_only():
    # school year 2024 runs 2023-07-01 .. 2024-06-30
    enrollment = enrollment_table(
        enrolled("day_before", year=2023, el="EL", rfep="2023-06-30"),
        enrolled("day_before", year=2024, el="RFEP", rfep="2023-06-30"),  # not an EL at the start of 2024
        enrolled("first_day", year=2024, el="EL", rfep="2023-07-01"),
        enrolled("last_day", year=2024, el="RFEP", rfep="2024-06-30"),
        enrolled("still_el", year=2024, el="EL"),
        enrolled("next_year", year=2024, el="EL", rfep="2024-07-01"),  # a date the loaders refuse for 2024
        enrolled("english_only", year=2024, el="EO"),
        checked=False,
    )
    table = reclassification_rate(enrollment, by=["school_year"])
    # 2023: day_before (EL at 2022-07-01, reclassified 2023-06-30) -> 1 / 1 = 100 %
    # 2024: ELs at start: first_day, last_day, still_el, next_year = 4; reclassified: first_day, last_day -> 50 %
    assert table[["school_year", "n", "value"]].values.tolist() == [[2023, 1, 100.0], [2024, 4, 50.0]]


def test_long_term_english_learners_and_at_risk():
    # years as EL counted to the start of school year 2024, 2023-07-01
    enrollment = enrollment_table(
        enrolled("six_years", grade=6, el="EL", el_start="2017-07-01"),         # 6 years, grade 6 -> LTEL
        enrolled("almost_six", grade=6, el="EL", el_start="2017-07-02"),        # 5 years -> at risk
        enrolled("young_long", grade=5, el="EL", el_start="2010-01-01"),        # 13 years, grade 5: neither
        enrolled("four_years", grade=3, el="EL", el_start="2019-07-01"),        # 4 years, grade 3 -> at risk
        enrolled("grade_two", grade=2, el="EL", el_start="2019-07-01"),         # grade 2: neither
        enrolled("no_date", grade=9, el="EL"),                                  # unknown: neither
        enrolled("reclassified", grade=8, el="RFEP", el_start="2010-01-01"),    # not an EL
    )
    table = long_term_english_learners(enrollment)
    # ELs: 6; LTEL 1 -> 100/6 %; at risk 2 -> 200/6 %
    assert (single(table, "n"), single(table, "ltel"), single(table, "at_risk")) == (6, 1, 2)
    assert single(table) == pytest.approx(100 / 6)
    assert single(table, "at_risk_percent") == pytest.approx(200 / 6)


# --- engagement -------------------------------------------------------------------

def test_chronic_absence_thirty_vs_thirty_one_days_and_exactly_ten_percent():
    enrollment = enrollment_table(
        enrolled("thirty_days", days=30, absent=10.0),     # under 31 days: not counted
        enrolled("exactly_ten", days=31, absent=3.1),      # 3.1 / 31 = 10 %: chronic
        enrolled("just_under", days=31, absent=3.0),       # 9.7 %: not chronic
        enrolled("two_schools", days=20, absent=2.0),      # 20 + 20 days, 2 + 2 absent = 10 %: chronic
        enrolled("two_schools", days=20, absent=2.0, school="Sample Birch", primary=False),
        enrolled("high_school", grade=9, days=180, absent=90.0),
        enrolled("tk", grade=-1, days=180, absent=90.0),
    )
    table = chronic_absenteeism(enrollment, by=["school"])
    # K-8 with >= 31 days: exactly_ten, just_under, two_schools (at its primary school) = 3; chronic 2
    assert table[["school", "n"]].values.tolist() == [["Sample Alder", 3]]
    assert single(table) == pytest.approx(200 / 3)
    assert single(table, "measure") == "Dashboard: grades K-8"
    high = chronic_absenteeism(enrollment, grades=[9])
    assert (single(high, "n"), single(high)) == (1, 100.0)
    assert single(high, "measure").startswith("not the Dashboard measure")


# --- mathematics pathway, college and career ---------------------------------------

def test_algebra_by_grade_8_and_9():
    enrollment = enrollment_table(
        *(enrolled(k, grade=8) for k in ["c_now", "d_now", "b_last_year", "geometry", "grade_level", "later", "none"]),
        enrolled("b_last_year", year=2023, grade=7),
        enrolled("d_now", year=2025, grade=9), enrolled("grade_level", year=2025, grade=9),
    )
    courses = course_table(
        course("c_now", mark="C"),                            # counts
        course("d_now", mark="D"),                            # D: no
        course("b_last_year", mark="B", year=2023),           # grade 7: counts by grade 8
        course("geometry", level="geometry", mark="A"),       # beyond Algebra 1: counts (module notes)
        course("grade_level", level="grade_level", mark="A"), # no
        course("later", mark="A", year=2025),                 # after grade 8: no
        course("d_now", mark="C", year=2025),                 # repeated in grade 9 with a C
        course("grade_level", level="grade_level", mark="B", year=2025),
    )
    by_8 = algebra_by_grade(courses, enrollment, grade=8, by=["school_year"])
    # 2024 grade 8: 7 students; c_now, b_last_year, geometry -> 3 / 7
    assert by_8["school_year"].tolist() == [2024] and single(by_8, "n") == 7
    assert single(by_8) == pytest.approx(300 / 7)
    by_9 = algebra_by_grade(courses, enrollment, grade=9, by=["school_year"])
    # 2025 grade 9: d_now (C in 2025) yes, grade_level no -> 1 / 2
    assert by_9[["school_year", "n", "value"]].values.tolist() == [[2025, 2, 50.0]]


def test_d_or_f_rate_by_course():
    enrollment = enrollment_table(*(enrolled(k, grade=9) for k in "abcdef"))
    courses = course_table(
        course("a", mark="D", title="ALGEBRA 1"), course("b", mark="F", title="ALGEBRA 1"),
        course("c", mark="A", title="ALGEBRA 1"), course("d", mark="C", title="ALGEBRA 1"),
        course("e", mark=None, title="ALGEBRA 1"),  # no mark given: not counted
        course("f", level="geometry", mark="B", title="GEOMETRY"),
    )
    table = d_or_f_rate(courses, enrollment)
    # ALGEBRA 1: D, F of 4 marks = 50 %; GEOMETRY: 0 of 1
    assert table[["course_title", "n", "value"]].values.tolist() == [["ALGEBRA 1", 4, 50.0], ["GEOMETRY", 1, 0.0]]


def test_graduation_and_a_g_rates_use_the_last_enrollment_up_to_the_cohort_year():
    enrollment = enrollment_table(
        enrolled("moved", year=2022, grade=10, school="Sample Alder"),
        enrolled("moved", year=2023, grade=11, school="Sample Birch"),
        enrolled("moved", year=2025, grade=12, school="Sample Cedar"),  # after the cohort year: ignored
        enrolled("stayed", year=2024, grade=12, school="Sample Birch"),
        enrolled("dropped", year=2024, grade=12, school="Sample Birch"),
        enrolled("alder", year=2024, grade=12, school="Sample Alder"),
    )
    outcomes = outcome_table(
        outcome("moved", graduated=True, ag=True), outcome("stayed", graduated=True, ag=False),
        outcome("dropped", graduated=False, ag=True),  # a-g met but not a graduate: not in a-g
        outcome("alder", graduated=True, ag=True),
        outcome("other_cohort", cohort=2023, graduated=False),
    )
    grad = graduation_rate(outcomes, enrollment, by=["school_year", "school"])
    # 2023 cohort: other_cohort (no enrollment: missing school), 0 of 1.
    # 2024: Alder: alder 1/1; Birch: moved (last school Birch), stayed, dropped -> 2 of 3
    assert grad[["school_year", "n"]].values.tolist() == [[2023, 1], [2024, 1], [2024, 3]]
    assert grad["school"].isna().tolist() == [True, False, False]
    assert grad["school"].tolist()[1:] == ["Sample Alder", "Sample Birch"]
    assert grad["value"].tolist() == pytest.approx([0.0, 100.0, 200 / 3])
    ag = a_g_completion_rate(outcomes, enrollment, by=["school_year"])
    # 2024 graduates: moved (a-g), stayed, alder (a-g) -> 2 / 3; 2023 has no graduates
    assert ag["school_year"].tolist() == [2024]
    assert (single(ag, "n"), single(ag)) == (3, pytest.approx(200 / 3))


# --- arguments, purity and speed ---------------------------------------------------------

def test_unknown_grouping_and_subject_list_the_allowed_values():
    enrollment = enrollment_table(enrolled("a"))
    assessments = assessment_table(scored("a", 2500, 3))
    with pytest.raises(ParameterError, match="by = 'race' is not allowed. Allowed values: school, grade"):
        percent_met(assessments, enrollment, "ela", by=["race"])
    with pytest.raises(ParameterError, match="Allowed values: ela, math"):
        percent_met(assessments, enrollment, "science")


def test_missing_column_is_named():
    enrollment = enrollment_table(enrolled("a"))
    with pytest.raises(ParameterError, match="needs the column days_absent"):
        chronic_absenteeism(enrollment.drop(columns="days_absent"))
    with pytest.raises(ParameterError, match="needs the column school_name"):
        reclassification_rate(enrollment.drop(columns="school_name"))


def test_inputs_are_not_mutated():
    enrollment = enrollment_table(enrolled("a", el="EL", el_start="2018-01-01", absent=20.0),
                                  enrolled("a", year=2023, el="EL", el_start="2018-01-01"))
    assessments = assessment_table(scored("a", 2500, 3), scored("a", 1500, 3, "elpac"),
                                   scored("a", 1450, 2, "elpac", 2023, 4))
    courses = course_table(course("a"))
    outcomes = outcome_table(outcome("a"))
    copies = [t.copy() for t in (enrollment, assessments, courses, outcomes)]
    percent_met(assessments, enrollment, "ela", by=["school"])
    participation_rate(assessments, enrollment, "ela", by=["grade"])
    distance_from_standard_change(assessments, enrollment, "ela", 2024, by=["sed"])
    english_learner_progress(assessments, enrollment)
    reclassification_rate(enrollment)
    long_term_english_learners(enrollment)
    chronic_absenteeism(enrollment)
    algebra_by_grade(courses, enrollment)
    d_or_f_rate(courses, enrollment)
    graduation_rate(outcomes, enrollment)
    for before, after in zip(copies, (enrollment, assessments, courses, outcomes)):
        pd.testing.assert_frame_equal(before, after)


def test_percent_met_by_years_as_an_english_learner():
    # school year 2025 starts 2024-07-01; whole years as EL by then decide the band
    enrollment = enrollment_table(
        enrolled("six", year=2025, el="EL", el_start="2018-07-01"),        # exactly 6 years -> 6+
        enrolled("five", year=2025, el="EL", el_start="2018-07-02"),       # a day short of 6 -> 5 -> 4-5
        enrolled("four", year=2025, el="RFEP", el_start="2020-07-01", rfep="2024-03-01"),  # 4 -> 4-5
        enrolled("three", year=2025, el="EL", el_start="2021-07-02"),      # 2 whole years -> 0-3
        enrolled("eo", year=2025, el="EO"),                                # never EL
    )
    assessments = assessment_table(scored("six", 2400, 1, year=2025), scored("five", 2600, 4, year=2025),
                                   scored("four", 2510, 3, year=2025), scored("three", 2450, 2, year=2025),
                                   scored("eo", 2520, 3, year=2025))
    table = percent_met(assessments, enrollment, "ela", by=["years_as_el"])
    # 0-3: three (level 2) -> 0 %; 4-5: five (4), four (3) -> 2 / 2 = 100 %; 6+: six (1) -> 0 %; never EL: eo -> 100 %
    assert table[["years_as_el", "n", "value"]].values.tolist() == [
        ["0-3 years", 1, 0.0], ["4-5 years", 2, 100.0], ["6+ years", 1, 0.0], ["never EL", 1, 100.0]]
