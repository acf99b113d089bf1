"""The root-cause explorer: its checks, its analysis of the sample's planted pattern, and its widgets."""
from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from flp_inquiry.errors import ParameterError
from flp_inquiry.explorer import (CHRONICALLY_ABSENT, NOT_CHRONICALLY_ABSENT, RootCauseExplorer,
                                  achievement_by_chronic_absence, check_pattern, fit_pattern_to_school, focus_and_rest,
                                  level3_bottleneck)
from flp_inquiry.sample import HARBOR, PENASCO
from flp_inquiry.session import Inquiry, start_inquiry
from flp_inquiry.store import DistrictData
from test_notebooks import harmonised  # noqa: F401  (the session's harmonised sample)

PATTERN = dict(metric="dfs", subject="math", group_type="el_status", group="EL", grade="7")


@pytest.fixture(scope="module")
def explorer(harmonised) -> RootCauseExplorer:  # noqa: F811
    return RootCauseExplorer.start("fresno", 2025, "all", str(harmonised), **PATTERN)


@pytest.mark.parametrize("name,value,allowed", [
    ("metric", "mean", "dfs, percent_met, chronic_absence"),
    ("subject", "science", "ela, math"),
    ("group_type", "school", "el_status, ethnicity, sed, swd, gender"),
    ("grade", "12", "all, 3, 4, 5, 6, 7, 8, 11"),
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
    assert {"trend", "funnel"} <= set(analysis.charts)
    assert {"contributions", "decomposition", "attendance", "matched"} <= set(analysis.tables)


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
    assert explorer.last is not first and explorer.last.pattern.group_words == "English only in Grade 7"

    explorer.controls["grade"].value = "6"
    assert explorer.last.pattern.group_words == "English only in Grade 6"

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
MATH_LEVEL3 = {3: 2436, 4: 2485, 5: 2528, 11: 2628}


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
    assert note == (f"K has no English learners in Grade 7 with math scores in 2024-25; this report takes apart "
                    f"Grade {grade}, {why}.")


def test_a_school_with_the_grade_or_the_whole_district_keeps_the_pattern():
    school = school_of(GRADES_3_TO_5)
    in_grade_3 = check_pattern(school, "dfs", "math", "el_status", "EL", "3")
    assert fit_pattern_to_school(school, in_grade_3) == (in_grade_3, "")
    district = dataclasses.replace(school, school="all")
    in_grade_7 = check_pattern(district, "dfs", "math", "el_status", "EL", "7")
    assert fit_pattern_to_school(district, in_grade_7) == (in_grade_7, "")


def test_a_school_without_the_group_in_any_grade_looks_at_all_grades():
    school = school_of(GRADES_3_TO_5, el_status="EO")
    school = dataclasses.replace(school, data=dataclasses.replace(
        school.data, enrollment=pd.concat([school.data.enrollment, school.data.enrollment.head(1).assign(
            school_year=2023, el_status="EL")])))  # an EL once, in 2022-23: EL is a group of the district
    pattern, note = fit_pattern_to_school(school, check_pattern(school, "dfs", "math", "el_status", "EL", "7"))
    assert pattern.grade == "all"
    assert note.endswith("nor in any other grade; this report looks at all grades together.")


def test_the_grade_dropdown_offers_only_the_grades_a_school_has(harmonised):  # noqa: F811
    explorer = RootCauseExplorer.start("long_beach", 2025, "all", str(harmonised), **PATTERN)
    explorer.widgets()
    assert "7" in explorer.controls["grade"].options
    explorer.controls["school"].value = HARBOR
    # Sample Harbor High is grades 9-12: of the tested grades (3-8, 11) it has grade 11 only
    assert list(explorer.controls["grade"].options) == ["all", "11"]
    assert explorer.controls["grade"].value == "11" and explorer.pattern.grade == "11"
    assert explorer.last.note.startswith(f"{HARBOR} has no English learners in Grade 7 with math scores in 2024-25")
