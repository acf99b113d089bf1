"""The root-cause explorer: its checks, its analysis of the sample's planted pattern, and its widgets."""
from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from flp_inquiry.errors import ParameterError
from flp_inquiry.ingest.sample import HARBOR, PENASCO
from flp_inquiry.ingest.store import DistrictData
from flp_inquiry.inquiry.analysis import analyse_pattern
from flp_inquiry.inquiry.explorer import RootCauseExplorer
from flp_inquiry.inquiry.patterns import (
    CHRONICALLY_ABSENT,
    NOT_CHRONICALLY_ABSENT,
    check_pattern,
    fit_pattern_to_school,
    focus_and_rest,
)
from flp_inquiry.inquiry.per_student import achievement_by_chronic_absence, level3_bottleneck
from flp_inquiry.inquiry.session import Inquiry, start_inquiry
from tests.battery_report import records
from tests.inquiry.test_notebooks import harmonised  # noqa: F401  (the session's harmonised sample)

PATTERN = dict(metric="dfs", subject="math", group_type="el_status", group="EL", grade="7")


@pytest.fixture(scope="module")
def explorer(harmonised) -> RootCauseExplorer:  # noqa: F811
    return RootCauseExplorer.start("fresno", 2025, "all", str(harmonised), **PATTERN)


@pytest.mark.parametrize("name,value,allowed", [
    ("metric", "mean", "dfs, percent_met, chronic_absence"),
    ("subject", "science", "ela, math"),
    ("group_type", "school", "el_status, ethnicity, sed, swd, gender"),
    ("grade", "12", "auto, all, 3, 4, 5, 6, 7, 8, 11"),
])
def test_a_wrong_pattern_names_the_allowed_values(explorer, name, value, allowed):
    with pytest.raises(ParameterError, match=f"Allowed values: {allowed}"):
        check_pattern(explorer.inquiry, **{**PATTERN, name: value})


def test_focus_and_rest_weighs_the_other_groups_by_their_students():
    # EO 60 at -50 and RFEP 20 at 0 -> other students (60 x -50 + 20 x 0) / 80 = -37.5
    table = pd.DataFrame({"school_year": [2025] * 3, "el_status": ["EL", "EO", "RFEP"], "n": [20, 60, 20],
                          "value": [-150.0, -50.0, 0.0]})
    rest = focus_and_rest(table, "el_status", "EL")
    assert rest[["el_status", "n", "value"]].to_dict("records") == [
        {"el_status": "EL", "n": 20, "value": -150.0}, {"el_status": "Other students", "n": 80, "value": -37.5}]


def test_the_planted_grade7_drop_is_taken_apart(explorer):
    analysis = explorer.last
    shows = " ".join(analysis.sentences["shows"])
    assert "English learners in Grade 7 went down" in shows
    surprising = " ".join(analysis.sentences["surprising"])
    assert f"At {PENASCO}, chronic absence among English learners" in surprising
    assert "trend" in analysis.charts
    # two schools have grade 7 English learners: too few for a funnel plot (5), a sentence says so instead
    assert "funnel" not in analysis.charts and "too few to tell whether one stands out by more than chance" in surprising
    assert {"attendance", "matched"} <= set(analysis.tables)
    # 23 grade 7 English learners at two schools, neither with 11: the breakdown of the gap by school would
    # show its Total row alone, which the sentence gives; the change taken apart keeps its Total row, whose
    # composition and performance parts the sentence quotes, so a reader can check them
    assert "No school can be shown on its own" in shows
    assert "contributions" not in analysis.tables and "decomposition" in analysis.tables


def test_chronically_absent_grade7_english_learners_score_far_lower(explorer):
    split = achievement_by_chronic_absence(explorer.inquiry, "math", by=["el_status", "grade", "school_year"])
    this_year = split.query("el_status == 'EL' and grade == 7 and school_year == 2025").set_index("attendance")
    assert this_year.loc[CHRONICALLY_ABSENT, "value"] < this_year.loc[NOT_CHRONICALLY_ABSENT, "value"] - 50


def test_the_bottleneck_holds_most_level3_english_learners(explorer):
    bottleneck = level3_bottleneck(explorer.inquiry, by=["school_year"]).set_index("school_year")
    assert bottleneck.loc[2025, "value"] > 55 and bottleneck.loc[2025, "moved_up"] < 30


def test_every_table_shown_is_suppressed(explorer):
    for name, table in explorer.last.tables.items():
        shown = table.data
        for column in [c for c in shown.columns if c.startswith(("Students", "Same students"))]:
            counts = shown[column]
            assert all(value == "*" or int(value) >= 11 for value in counts), name


def test_changing_a_widget_redraws_the_analysis(harmonised):  # noqa: F811
    explorer = RootCauseExplorer.start("fresno", 2025, "all", str(harmonised), **PATTERN)
    box = explorer.widgets()
    assert set(explorer.controls) == {"district", "school", "grade", "group", "metric"}
    assert box.children[-1] is explorer._output
    renders, first = explorer.renders, explorer.last

    explorer.controls["group"].value = "EO"
    assert explorer.renders == renders + 1
    assert explorer.last is not first and explorer.last.pattern.group_words == "English-only students in Grade 7"

    explorer.controls["grade"].value = "6"
    assert explorer.last.pattern.group_words == "English-only students in Grade 6"

    explorer.controls["school"].value = PENASCO
    assert explorer.last.inquiry.school == PENASCO
    assert "Grade" in explorer.last.tables["contributions"].data.columns  # within a school: grades, not schools

    explorer.controls["metric"].value = "chronic_absence"
    assert explorer.last.pattern.metric_words == "chronic absence rate"
    assert "attendance" not in explorer.last.tables

    explorer.controls["district"].value = "long_beach"
    assert explorer.last.inquiry.district == "long_beach" and explorer.last.inquiry.school == "all"
    assert PENASCO not in explorer.controls["school"].options
    assert explorer.renders == renders + 5


def test_the_explorer_for_one_school_names_it(harmonised):  # noqa: F811
    inquiry = start_inquiry("fresno", 2025, PENASCO, str(harmonised))
    explorer = RootCauseExplorer(inquiry, check_pattern(inquiry, "chronic_absence", "math", "el_status", "EL", "all"))
    assert f"{PENASCO} (Fresno Unified)" in explorer.last.charts["trend"].to_dict()["title"]
    assert any("English learners" in sentence and "up" in sentence for sentence in explorer.last.sentences["shows"])


# ---------------------------------------------------------------------------
# a grade the school has (fit_pattern_to_school), on small hand-made schools
# ---------------------------------------------------------------------------

#: Level 3 minimum math scale scores (specs/metrics.md): a student's DFS is their score minus this.
MATH_LEVEL3 = {3: 2436, 4: 2485, 5: 2528, 6: 2552, 11: 2628}  # metrics.md


def school_of(groups: list[tuple[int, int, int, int]], el_status: str = "EL") -> Inquiry:
    """School "K" of a made-up district: ``(year, grade, students, DFS)`` groups, every student tested in math."""
    enrollment, assessments = [], []
    for year, grade, students, dfs in groups:
        for number in range(students):
            key = f"f:{year}-{grade}-{number}"
            enrollment.append({"district": "fresno", "school_year": year, "student_key": key,
                               "school_cds": "10621660000001", "school_name": "K", "grade": grade, "gender": "F",
                               "ethnicity": "HI", "el_status": el_status, "el_start_date": pd.NaT, "rfep_date": pd.NaT,
                               "sed": True, "swd": False, "days_enrolled": 180, "days_absent": 0.0, "primary": True})
            assessments.append({"school_year": year, "student_key": key, "test": "math", "grade_tested": grade,
                                "scale_score": MATH_LEVEL3[grade] + dfs, "level": 2, "district": "fresno", "tested": True})
    assessments = pd.DataFrame(assessments).astype({"scale_score": "Int64", "level": "Int64"})
    data = DistrictData("fresno", pd.DataFrame(enrollment), assessments, pd.DataFrame(), pd.DataFrame())
    return Inquiry("fresno", 2025, "K", data)


# grade 3: 11 ELs at -50 then 11 at -45 (up 5); grade 4: 11 at -40 then 11 at -60 (down 20);
# grade 5: 5 ELs last year, 20 this year (too few last year for a change to be quoted)
GRADES_3_TO_5 = [(2024, 3, 11, -50), (2025, 3, 11, -45), (2024, 4, 11, -40), (2025, 4, 11, -60),
                 (2024, 5, 5, -30), (2025, 5, 20, -10)]


@pytest.mark.parametrize("groups,grade,why", [
    # both grades 3 and 4 can be compared: grade 4 moved most (20 points against 5)
    (GRADES_3_TO_5, "4", "where their math distance from standard changed most since last year"),
    # grade 4 with 10 students last year cannot be compared: grade 3 is the only change that may be quoted
    ([(2024, 4, 10, -40) if g[:2] == (2024, 4) else g for g in GRADES_3_TO_5], "3",
     "where their math distance from standard changed most since last year"),
    # no year before: no change at all; grade 5 has the most ELs this year (20 against 11 and 11)
    ([g for g in GRADES_3_TO_5 if g[0] == 2025], "5", "the grade where it has the most English learners with math scores"),
    # a high school: grade 11 is its only tested grade, 10 ELs each year (no change quoted)
    ([(2024, 11, 10, -110), (2025, 11, 10, -55)], "11", "the only grade where it has English learners with math scores"),
])
def test_a_school_without_the_grade_takes_apart_one_it_has(groups, grade, why):
    school = school_of(groups)
    pattern, note = fit_pattern_to_school(school, check_pattern(school, "dfs", "math", "el_status", "EL", "7"))
    assert pattern.grade == grade
    # K (grades 3-5, or 11) has no grade 7 at all: the note does not name it
    why = why if why.startswith("the ") else f"the grade {why}"
    assert note == (f"This report takes apart English learners in Grade {grade} (K has "
                    f"{'grade 11' if grade == '11' else 'grades 3-5'}), {why}.")


def test_a_school_with_the_grade_or_the_whole_district_keeps_the_pattern():
    school = school_of(GRADES_3_TO_5)
    in_grade_3 = check_pattern(school, "dfs", "math", "el_status", "EL", "3")
    assert fit_pattern_to_school(school, in_grade_3) == (in_grade_3, "")
    district = dataclasses.replace(school, school="all")
    in_grade_7 = check_pattern(district, "dfs", "math", "el_status", "EL", "7")
    assert fit_pattern_to_school(district, in_grade_7) == (in_grade_7, "")


def test_a_school_without_the_group_takes_apart_its_largest_group_and_says_so():
    """No English learner at K this year (one in 2022-23): its one group by language status, English-only
    students, is taken apart, and then their grade that changed most (Grade 4: down 20 against up 5)."""
    school = school_of(GRADES_3_TO_5, el_status="EO")
    school = dataclasses.replace(school, data=dataclasses.replace(
        school.data, enrollment=pd.concat([school.data.enrollment, school.data.enrollment.head(1).assign(
            school_year=2023, el_status="EL")])))  # an EL once, in 2022-23
    pattern, note = fit_pattern_to_school(school, check_pattern(school, "dfs", "math", "el_status", "EL", "7"))
    assert (pattern.group, pattern.grade) == ("EO", "4")
    assert note == ("K has no English learners with math scores in 2024-25; this report takes apart English-only "
                    "students instead, the largest group by English language status among its students with math "
                    "scores. This report takes apart English-only students in Grade 4 (K has grades 3-5), the grade "
                    "where their math distance from standard changed most since last year.")


def test_a_group_the_district_never_had_is_a_pattern_not_an_error():
    """TBD is one of the partnership's language statuses, though no student here has it: the school's
    largest group is taken apart (grades 3-5: 11 + 11 + 20 English learners, all of them)."""
    school = school_of(GRADES_3_TO_5)
    pattern, note = fit_pattern_to_school(school, check_pattern(school, "dfs", "math", "el_status", "TBD", "all"))
    assert (pattern.group, pattern.grade) == ("EL", "all")
    assert note.startswith("K has no students whose language status is to be determined with math scores in 2024-25")
    with pytest.raises(ParameterError, match="Allowed values: EL, EO, IFEP, RFEP, TBD"):
        check_pattern(school, "dfs", "math", "el_status", "ELL", "all")


def primary_school() -> Inquiry:
    """School "P": grades K-2 (no state tests), 12 English learners in Grade 1 each year, 4 of them chronically
    absent in 2023-24 (20 days of 180) and 1 in 2024-25."""
    rows = [{"district": "fresno", "school_year": year, "student_key": f"f:{year}-{n}", "school_cds": "10621660000002",
             "school_name": "P", "grade": 1, "gender": "F", "ethnicity": "HI", "el_status": "EL", "el_start_date": pd.NaT,
             "rfep_date": pd.NaT, "sed": True, "swd": False, "days_enrolled": 180,
             "days_absent": 20.0 if n < {2024: 4, 2025: 1}[year] else 0.0, "primary": True}
            for year in (2024, 2025) for n in range(12)]
    no_tests = pd.DataFrame(columns=["school_year", "student_key", "test", "grade_tested", "scale_score", "level",
                                     "district", "tested"])
    return Inquiry("fresno", 2025, "P", DistrictData("fresno", pd.DataFrame(rows), no_tests, pd.DataFrame(),
                                                     pd.DataFrame()))


def test_a_school_without_test_scores_takes_apart_chronic_absence():
    """Grade 1 chronic absence of ELs: 4/12 = 33.3% then 1/12 = 8.3%, down 25.0 points."""
    school = primary_school()
    analysis = analyse_pattern(school, check_pattern(school, "dfs", "math", "el_status", "EL", "7"))
    assert (analysis.pattern.metric, analysis.pattern.grade) == ("chronic_absence", "1")
    assert analysis.note == (
        "P has no students with math scores in 2024-25; this report takes apart the chronic absence rate instead. "
        "This report takes apart English learners in Grade 1 (P has grade 1), the grade where their chronic absence "
        "rate changed most since last year.")
    assert ("Chronic absence rate of English learners in Grade 1 went from 33.3% in 2023-24 to 8.3% in 2024-25 "
            "(down 25.0 percentage points).") in analysis.sentences["shows"]


@records("the root-cause explorer at a school with nothing it can count (grades 9-10 only): "
         "the report says there is no pattern to take apart")
def test_a_school_with_nothing_to_count_says_there_is_no_pattern():
    """Grades 9-10 only: no state test (grade 11) and no chronic absence (K-8)."""
    school = primary_school()
    school = dataclasses.replace(school, data=dataclasses.replace(
        school.data, enrollment=school.data.enrollment.assign(grade=9)))
    analysis = analyse_pattern(school, check_pattern(school, "dfs", "math", "el_status", "EL", "7"))
    assert analysis.note == ("P has no students with test scores or counted for chronic absence in 2024-25: "
                             "there is no pattern to take apart here.")
    assert analysis.sentences["shows"] == [
        "P has no students with test scores or counted for chronic absence in 2024-25, so there is nothing to "
        "compare here."]
    assert not analysis.charts and not analysis.tables


def test_the_grade_dropdown_offers_only_the_grades_a_school_has(harmonised):  # noqa: F811
    explorer = RootCauseExplorer.start("long_beach", 2025, "all", str(harmonised), **PATTERN)
    explorer.widgets()
    assert ("Grade 7", "7") in explorer.controls["grade"].options
    explorer.controls["school"].value = HARBOR
    # Sample Harbor High is grades 9-12: of the tested grades (3-8, 11) it has grade 11 only
    assert list(explorer.controls["grade"].options) == [("All grades", "all"), ("Grade 11", "11")]
    assert explorer.controls["grade"].value == "11" and explorer.pattern.grade == "11"
    assert explorer.last.note.startswith(f"This report takes apart English learners in Grade 11 ({HARBOR} has grades 9-12)")


# ---------------------------------------------------------------------------
# what a one-school report takes apart, and says it takes apart (hand-made schools)
# ---------------------------------------------------------------------------

def district_of(groups: list[tuple[str, int, int, str, int, int]]) -> DistrictData:
    """A made-up district: ``(school, year, grade, el_status, students, DFS)`` groups, every student tested in math."""
    enrollment, assessments = [], []
    for school, year, grade, el_status, students, dfs in groups:
        for number in range(students):
            key = f"f:{school}-{year}-{grade}-{el_status}-{number}"
            enrollment.append({"district": "fresno", "school_year": year, "student_key": key,
                               "school_cds": f"1062166000000{ord(school) % 10}", "school_name": school, "grade": grade,
                               "gender": "F", "ethnicity": "HI", "el_status": el_status, "el_start_date": pd.NaT,
                               "rfep_date": pd.NaT, "sed": True, "swd": False, "days_enrolled": 180,
                               "days_absent": 0.0, "primary": True})
            assessments.append({"school_year": year, "student_key": key, "test": "math", "grade_tested": grade,
                                "scale_score": MATH_LEVEL3[grade] + dfs, "level": 2, "district": "fresno", "tested": True})
    assessments = pd.DataFrame(assessments).astype({"scale_score": "Int64", "level": "Int64"})
    return DistrictData("fresno", pd.DataFrame(enrollment), assessments, pd.DataFrame(), pd.DataFrame())


# School K: grade 3 ELs -50 then -40, grade 4 ELs -100 then -120; English-only students 0 (grade 3) and
# -20 (grade 4) both years; 11 students in every group.  School L (grade 4 only): ELs -70 then -60,
# English-only students -40 both years.
TWO_SCHOOLS = [
    ("K", 2024, 3, "EL", 11, -50), ("K", 2025, 3, "EL", 11, -40), ("K", 2024, 4, "EL", 11, -100),
    ("K", 2025, 4, "EL", 11, -120), *[("K", year, 3, "EO", 11, 0) for year in (2024, 2025)],
    *[("K", year, 4, "EO", 11, -20) for year in (2024, 2025)],
    ("L", 2024, 4, "EL", 11, -70), ("L", 2025, 4, "EL", 11, -60), *[("L", year, 4, "EO", 11, -40) for year in (2024, 2025)],
]


def test_one_school_takes_apart_all_its_grades_and_says_so():
    """Grade 4 English learners at K, taken apart by grade: the breakdown is of *all* grades, and says so.

    Grade 4: ELs -120 against the other students' -20 (gap 100); last year -100 (down 20).
    All its grades (3-4): ELs (11 x -40 + 11 x -120) / 22 = -80 against other students (0 - 20) / 2 = -10: gap -70.
    Grade 4's part 0.5 x (-120 - (-10)) = -55, 55/70 = 78.6%; grade 3's 0.5 x (-40 - (-10)) = -15.
    Last year all ELs (-50 - 100) / 2 = -75: down 5, all performance (same shares): grade 3 +10 x 0.5 = +5,
    grade 4 -20 x 0.5 = -10.  (The old report measured the all-grades ELs against grade 4's other students,
    -20, and called the change of all grades that of grade 4.)
    """
    school = Inquiry("fresno", 2025, "K", district_of(TWO_SCHOOLS))
    analysis = analyse_pattern(school, check_pattern(school, "dfs", "math", "el_status", "EL", "4"))
    assert analysis.sentences["shows"] == [
        "The gap in math distance from standard: English learners in Grade 4, -120.0 points against -20.0 points "
        "for other students in Grade 4 (100.0 points lower).",
        "The largest change in math distance from standard from 2023-24 to 2024-25: English learners in Grade 4, "
        "from -100.0 points to -120.0 points (down 20.0 points).",
        "English learners in Grade 4 make up most of the gap between English learners in Grades 3-4 and other "
        "students in Grades 3-4: 78.6% of it (-55.0 points of the total).",
        "Since last year, math distance from standard of English learners in Grades 3-4 went down 5.0 points: "
        "unchanged from who is enrolled where (composition) and down 5.0 points from how students did "
        "(performance). The largest part of the performance change is among English learners in Grade 4: down "
        "10.0 points of it (its own figure went from -100.0 points to -120.0 points).",
    ]
    gap = analysis.tables["contributions"].data.set_index("Grade")
    assert gap.loc["Total", ["Students", "Math distance from standard", "Part of the gap"]].tolist() == [22, -80.0, -70.0]
    assert gap.loc["Grade 3", "Part of the gap"] == -15.0
    change = analysis.tables["decomposition"].data.set_index("Grade")
    assert change.loc["Total", ["Last year", "This year", "Part of the change (points)"]].tolist() == [-75.0, -80.0, -5.0]


def test_the_district_takes_apart_the_grade_by_school():
    """District-wide, grade 4 ELs by school, against grade 4's other students.

    Grade 4 ELs: (11 x -120 + 11 x -60) / 22 = -90 against (11 x -20 + 11 x -40) / 22 = -30: gap -60;
    K's part 0.5 x (-120 + 30) = -45 (75%), L's 0.5 x (-60 + 30) = -15.  Last year (-100 - 70) / 2 = -85:
    down 5; K's performance part -20 x 0.5 = -10, L's +10 x 0.5 = +5.
    """
    district = Inquiry("fresno", 2025, "all", district_of(TWO_SCHOOLS))
    analysis = analyse_pattern(district, check_pattern(district, "dfs", "math", "el_status", "EL", "4"))
    assert analysis.sentences["shows"][2:] == [
        "English learners in Grade 4 at K make up most of the gap between English learners in Grade 4 and other "
        "students in Grade 4: 75.0% of it (-45.0 points of the total).",
        "Since last year, math distance from standard of English learners in Grade 4 went down 5.0 points: "
        "unchanged from who is enrolled where (composition) and down 5.0 points from how students did "
        "(performance). The largest part of the performance change is among English learners in Grade 4 at K: down "
        "10.0 points of it (its own figure went from -100.0 points to -120.0 points).",
    ]
    gap = analysis.tables["contributions"].data.set_index("School")
    assert gap.loc["Total", ["Students", "Math distance from standard", "Part of the gap"]].tolist() == [22, -90.0, -60.0]


def test_a_breakdown_with_every_group_under_11_is_one_sentence_not_a_table_of_stars():
    # a high school: grade 11 has 3 English learners each year (and 20 other students)
    groups = [("H", year, 11, "EL", 3, -100) for year in (2024, 2025)] + [("H", year, 11, "EO", 20, -20) for year in (2024, 2025)]
    school = Inquiry("fresno", 2025, "H", district_of(groups))
    analysis = analyse_pattern(school, check_pattern(school, "dfs", "math", "el_status", "EL", "11"))
    assert "contributions" not in analysis.tables and "decomposition" not in analysis.tables
    assert "Every group in the breakdown of the gap by grade has fewer than 11 students, so it is not shown." \
        in analysis.sentences["shows"]
    assert ("Fewer than 11 students in one of the two years: the change in math distance from standard of English "
            "learners in Grade 11 cannot be taken apart.") in analysis.sentences["shows"]
    # and the questions do not ask about chronic absence, which is not counted in grade 11
    assert not any("If chronic absence rose" in question for question in analysis.sentences["questions"])


def test_the_grade_dropdown_says_k_for_kindergarten():
    enrollment = pd.DataFrame([{"district": "fresno", "school_year": year, "student_key": f"f:{year}-{grade}-{n}",
                                "school_cds": "10621660000001", "school_name": "K", "grade": grade, "gender": "F",
                                "ethnicity": "HI", "el_status": "EL", "el_start_date": pd.NaT, "rfep_date": pd.NaT,
                                "sed": True, "swd": False, "days_enrolled": 180, "days_absent": 20.0 * (n % 2),
                                "primary": True}
                               for year in (2024, 2025) for grade in (0, 1) for n in range(12)])
    school = Inquiry("fresno", 2025, "K", DistrictData("fresno", enrollment, pd.DataFrame(
        columns=["school_year", "student_key", "test", "grade_tested", "scale_score", "level", "district", "tested"]),
        pd.DataFrame(), pd.DataFrame()))
    explorer = RootCauseExplorer(school, check_pattern(school, "chronic_absence", "", "el_status", "EL", "0"))
    explorer.widgets()
    assert list(explorer.controls["grade"].options) == [("All grades", "all"), ("K", "0"), ("Grade 1", "1")]
    assert explorer.controls["grade"].value == "0" and explorer.controls["grade"].label == "K"


def test_one_half_of_a_group_is_not_shown_beside_the_other_hidden():
    """K's grade 4 English learners in 2024-25: 14 tested, 3 of them chronically absent (20 days of 180).

    The report shows the 14 (the group's gap and trend); showing the 11 not chronically absent beside a
    hidden 3 would give the 3 away: both halves are hidden.
    """
    groups = [("K", 2025, 4, "EL", 14, -120) if group[1:4] == (2025, 4, "EL") else group for group in TWO_SCHOOLS
              if group[0] == "K"]
    data = district_of(groups)
    chronic = data.enrollment["student_key"].isin([f"f:K-2025-4-EL-{number}" for number in range(3)])
    data = dataclasses.replace(data, enrollment=data.enrollment.assign(
        days_absent=data.enrollment["days_absent"].mask(chronic, 20.0)))
    school = Inquiry("fresno", 2025, "K", data)
    analysis = analyse_pattern(school, check_pattern(school, "dfs", "math", "el_status", "EL", "4"))
    assert analysis.tables["contributions"].data.set_index("Grade").loc["Grade 4", "Students"] == 14
    rows = analysis.tables["attendance"].data
    grade_4 = rows[(rows["Grades"] == "Grade 4") & (rows["School year"] == "2024-25")]
    assert grade_4["Students"].tolist() == ["*", "*"]
    assert not any("Grade 4" in sentence for sentence in analysis.sentences["hypotheses"][:1])


def test_a_middle_school_follows_its_grade6_students_from_their_elementary_school():
    """Grade 6 English learners at middle school M were in grade 5 at elementary school E last year.

    12 English learners: 10 points above the grade 5 minimum at E in 2023-24, 20 below the grade 6 minimum at M
    in 2024-25, so the same students went from 10.0 to -20.0 points (down 30.0).  12 English-only students
    make the same move at 0 points both years.  (Before, the report looked for last year's grade 5 *at M*,
    found nobody, and said the same students could not be followed.)
    """
    enrollment, assessments = [], []
    for number in range(24):
        key, el_status = f"f:{number}", "EL" if number < 12 else "EO"
        for year, school, grade, dfs in ((2024, "E", 5, 10 if el_status == "EL" else 0),
                                         (2025, "M", 6, -20 if el_status == "EL" else 0)):
            enrollment.append({"district": "fresno", "school_year": year, "student_key": key,
                               "school_cds": "10621660000001", "school_name": school, "grade": grade, "gender": "F",
                               "ethnicity": "HI", "el_status": el_status, "el_start_date": pd.NaT, "rfep_date": pd.NaT,
                               "sed": True, "swd": False, "days_enrolled": 180, "days_absent": 0.0, "primary": True})
            assessments.append({"school_year": year, "student_key": key, "test": "math", "grade_tested": grade,
                                "scale_score": MATH_LEVEL3[grade] + dfs, "level": 2, "district": "fresno",
                                "tested": True})
    data = DistrictData("fresno", pd.DataFrame(enrollment),
                        pd.DataFrame(assessments).astype({"scale_score": "Int64", "level": "Int64"}),
                        pd.DataFrame(), pd.DataFrame())
    school = Inquiry("fresno", 2025, "M", data)
    analysis = analyse_pattern(school, check_pattern(school, "dfs", "math", "el_status", "EL", "6"))
    assert ("If the change is in the same students, not only in who arrived, the students followed from last year "
            "fell too. Supported: the same students (English learners now at M who were in Grade 5 last year, tested "
            "again) went from 10.0 points to -20.0 points (down 30.0 points; 95% interval -30.0 to -30.0)"
            ) in analysis.sentences["hypotheses"][1]
    matched = analysis.tables["matched"].data
    assert matched["Same students, tested both years"].tolist() == [12]


def test_the_trend_chart_legend_names_the_grade(explorer):
    # the two lines are grade 7's groups, as the title says, not all English learners against all other students
    trend = explorer.last.charts["trend"]
    assert sorted(set(trend.data["students"])) == ["English learners in Grade 7", "Other students in Grade 7"]
    assert "one line each for English learners in Grade 7 and Other students in Grade 7" in trend.to_dict()["description"]
