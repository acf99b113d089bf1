"""Sentences for the notebooks' prose: right numbers, and never a figure for fewer than 11 students."""
from __future__ import annotations

import pandas as pd
import pytest

from flp_inquiry.inquiry import findings, tables
from flp_inquiry.inquiry.session import start_inquiry


def two_years(values: dict[str, tuple[int, float, int, float]]) -> pd.DataFrame:
    """school -> (n last year, value last year, n this year, value this year), as a metric table."""
    rows = []
    for school, (prior_n, prior_value, n, value) in values.items():
        rows += [{"school_year": 2024, "school": school, "n": prior_n, "value": prior_value},
                 {"school_year": 2025, "school": school, "n": n, "value": value}]
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------
# what may be quoted: the n = 10 / 11 edge
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("n,quoted", [(10, False), (11, True), (0, False)])
def test_shown_rows_keeps_only_groups_of_11_or_more(n, quoted):
    table = pd.DataFrame({"school": ["A"], "n": [n], "value": [55.0]})
    assert (len(findings.shown_rows(table)) == 1) is quoted


@pytest.mark.parametrize("prior_n,n,expected", [
    (10, 40, "No group has 11 or more students in both years"),  # last year too small: no change quoted
    (40, 10, "No group has 11 or more students in both years"),  # this year too small
    (11, 11, "students at A went from 20.0% in 2023-24 to 50.0% in 2024-25 (up 30.0 percentage points)"),
])
def test_a_change_is_quoted_only_when_both_years_are_shown(prior_n, n, expected):
    table = two_years({"A": (prior_n, 20.0, n, 50.0)})
    assert expected in findings.describe_largest_change(table, ["school"], 2025, what="chronic absence", unit="%")


def test_the_largest_change_ignores_a_bigger_change_in_a_small_group():
    # B moves 40 points but has 9 students this year; A's 5-point move is the only one that may be quoted,
    # and it is not called the largest (B's, unseen, is larger)
    table = two_years({"A": (50, 20.0, 50, 25.0), "B": (30, 20.0, 9, 60.0)})
    sentence = findings.describe_largest_change(table, ["school"], 2025, what="chronic absence", unit="%")
    assert sentence == ("Chronic absence of students at A went from 20.0% in 2023-24 to 25.0% in 2024-25 "
                        "(up 5.0 percentage points), the only group with 11 or more students in both years.")
    assert "60.0" not in sentence and "B" not in sentence and "largest" not in sentence


@pytest.mark.parametrize("values,keys,expected", [
    # one figure for all students: 18.9% -> 22.7%, up 3.8 points; no "largest", no "All students"
    ({"A": (400, 18.9, 410, 22.7)}, [],
     "Chronic absence went from 18.9% in 2023-24 to 22.7% in 2024-25 (up 3.8 percentage points)."),
    # 7.1% both years: said as unchanged, not "from 7.1% to 7.1%"
    ({"A": (300, 7.1, 310, 7.1)}, [], "Chronic absence was 7.1% in 2024-25, unchanged from 2023-24."),
    # one school in the table: its change, no "only group" (there is no other)
    ({"A": (40, 30.0, 40, 20.0)}, ["school"],
     "Chronic absence of students at A went from 30.0% in 2023-24 to 20.0% in 2024-25 (down 10.0 percentage points)."),
    # two schools shown both years: A moved 10 points, B 2: the largest is A's
    ({"A": (40, 30.0, 40, 20.0), "B": (40, 30.0, 40, 32.0)}, ["school"],
     "The largest change in chronic absence from 2023-24 to 2024-25: Students at A, from 30.0% to 20.0% "
     "(down 10.0 percentage points)."),
])
def test_one_figure_is_not_called_the_largest(values, keys, expected):
    table = two_years(values)
    table = table if keys else table.drop(columns="school")
    assert findings.describe_largest_change(table, keys, 2025, what="chronic absence", unit="%") == expected


def test_a_list_of_one_change_is_said_as_one():
    # the notebooks' "The largest changes ... by grade and group:" lead, with one group shown both years
    table = two_years({"A": (30, 40.0, 30, 46.0), "B": (8, 40.0, 30, 90.0)})
    sentence = findings.summarise_largest_changes(table, ["school"], 2025, what="percent met", unit="%",
                                                  lead="The largest changes in percent met:")
    assert sentence == ("Percent met of students at A went from 40.0% in 2023-24 to 46.0% in 2024-25 "
                        "(up 6.0 percentage points), the only group with 11 or more students in both years.")


def test_suppressed_tables_are_read_as_hidden():
    table = pd.DataFrame({"school": ["A", "B"], "n": ["*", 30], "value": ["*", 41.0]})
    assert findings.describe_extremes(table, ["school"], what="percent met", unit="%") == (
        "Percent met: Students at B (41.0%), the only group with 11 or more students.")


# ---------------------------------------------------------------------------
# numbers in words
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("value,unit,text", [
    (44.95, "%", "45.0%"), (-5.05, "points", "-5.1 points"), (2.25, "%", "2.3%"), (0.0, "points", "0.0 points"),
])
def test_values_round_half_away_from_zero_as_the_dashboard(value, unit, text):
    assert findings.format_value(value, unit) == text


@pytest.mark.parametrize("change,unit,text", [
    (3.0, "%", "up 3.0 percentage points"), (-15.04, "points", "down 15.0 points"), (0.04, "%", "unchanged"),
])
def test_changes_read_up_or_down(change, unit, text):
    assert findings.format_change(change, unit) == text


def test_group_phrase_says_who_then_grade_then_school():
    table = pd.DataFrame({"school": ["Sample Oak"], "grade": [0], "sed": [True], "el_status": ["RFEP"]})
    assert findings.group_phrase(table, ["school", "grade", "sed", "el_status"]).tolist() == [
        "Socioeconomically disadvantaged reclassified (RFEP) students in kindergarten at Sample Oak"]


@pytest.mark.parametrize("group_type,value,phrase", [
    ("el_status", "RFEP", "Reclassified (RFEP) students in Grade 11"),
    ("el_status", "EO", "English-only students in Grade 11"),
    ("el_status", "EL", "English learners in Grade 11"),
    ("ethnicity", "HI", "Hispanic or Latino students in Grade 11"),
    ("sed", False, "Students not socioeconomically disadvantaged in Grade 11"),
    ("swd", True, "Students with disabilities in Grade 11"),
    ("attendance", "Chronically absent", "Chronically absent students in Grade 11"),
])
def test_group_phrases_name_the_students(group_type, value, phrase):
    table = pd.DataFrame({"grade": [11], group_type: [value]})
    assert findings.group_phrase(table, ["grade", group_type]).tolist() == [phrase]


def test_students_of_a_grade_are_named_in_a_sentence():
    # the contributions sentence named "Students in Grade 4": with the group's column it names them
    table = pd.DataFrame({"grade": [4, 3], "el_status": ["EL", "EL"], "n": [11, 11], "value": [-120.0, -40.0],
                          "contribution": [-55.0, -15.0], "percent_of_total": [78.6, 21.4]})
    assert findings.describe_contributions(table, "grade", what="the gap", keys=["grade", "el_status"]) == (
        "English learners in Grade 4 make up most of the gap: 78.6% of it (-55.0 points of the total).")


# ---------------------------------------------------------------------------
# gaps, contributions, funnels, surprises
# ---------------------------------------------------------------------------

def test_the_biggest_gap_of_rates_says_whether_chance_could_explain_it():
    # 12 of 60 ELs (20%) against 30 of 50 EOs (60%): 40 points apart, far more than either interval's half-width
    apart = pd.DataFrame({"el_status": ["EL", "EO"], "n": [60, 50], "value": [20.0, 60.0]})
    assert "do not overlap" in findings.describe_biggest_gap(apart, "el_status", "EO", what="percent met", unit="%")
    # 5 of 12 (41.7%) against 6 of 12 (50%): each interval is about +/- 25 points wide, so they overlap
    close = pd.DataFrame({"el_status": ["EL", "EO"], "n": [12, 12], "value": [41.7, 50.0]})
    assert "could be chance" in findings.describe_biggest_gap(close, "el_status", "EO", what="percent met", unit="%")


def test_the_biggest_gap_of_means_within_schools():
    table = pd.DataFrame({"school": ["A", "A", "B", "B"], "el_status": ["EL", "EO"] * 2, "n": [20, 40, 30, 40],
                          "value": [-100.0, -40.0, -80.0, -70.0]})
    sentence = findings.describe_biggest_gap(table, "el_status", "EO", keys=["school"], what="math DFS", unit="points")
    assert sentence == ("The biggest gap in math DFS: English learners at A, -100.0 points against -40.0 points for "
                        "English-only students (60.0 points lower).")


def test_a_gap_with_a_small_focus_group_is_not_quoted():
    table = pd.DataFrame({"el_status": ["EL", "EO"], "n": [10, 40], "value": [5.0, 60.0]})
    assert "5.0" not in findings.describe_biggest_gap(table, "el_status", "EO", what="percent met", unit="%")


def test_the_gap_between_two_groups_is_not_the_biggest_of_one():
    # EL 20 at -100 against EO 40 at -40: one gap to quote, 60 points
    table = pd.DataFrame({"el_status": ["EL", "EO"], "n": [20, 40], "value": [-100.0, -40.0]})
    assert findings.describe_biggest_gap(table, "el_status", "EO", what="math DFS", unit="points") == (
        "The gap in math DFS: English learners, -100.0 points against -40.0 points for English-only students "
        "(60.0 points lower).")


def test_contributions_name_the_largest_part():
    table = pd.DataFrame({"school": ["B", "A", "C"], "n": [300, 100, 11], "value": [40.0, 30.0, 0.0],
                          "contribution": [-15.0, -7.5, -1.6], "percent_of_total": [62.2, 31.1, 6.7]})
    assert findings.describe_contributions(table, "school", what="the gap") == (
        "Students at B make up most of the gap: 62.2% of it (-15.0 points of the total).")


def test_funnel_names_only_shown_schools_outside_the_limits():
    table = pd.DataFrame({"school": list("ABCDEF"), "n": [100, 8, 50, 40, 40, 40], "value": [70.0, 100.0, 30.0, 30, 30, 30],
                          "funnel_zone": ["outside 99.8%", "outside 99.8%", "inside 95%", *["inside 95%"] * 3]})
    sentence = findings.describe_funnel(table, "school", what="chronic absence")  # 5 schools shown: a funnel
    assert "A (70.0%)" in sentence and "B" not in sentence.replace("(unlikely", "")


@pytest.mark.parametrize("last_change,unusual", [(6.1, True), (6.0, False), (-6.1, True)])
def test_a_change_is_unusual_beyond_three_times_the_median(last_change, unusual):
    # changes +1, -2, +2 and x: the median of 1, 2, 2, |x| is 2 (for |x| >= 2), so the cut is 6 points
    table = two_years({"A": (40, 20.0, 40, 21.0), "B": (40, 20.0, 40, 18.0), "C": (40, 20.0, 40, 22.0),
                       "D": (40, 20.0, 40, 20.0 + last_change)})
    sentences = findings.describe_unusual_changes(table, ["school"], 2025, what="chronic absence", unit="%")
    assert [sentence.startswith("At D,") for sentence in sentences] == ([True] if unusual else [])


def test_the_bottleneck_sentence_and_its_small_case():
    table = pd.DataFrame({"school_year": [2025], "n": [10], "value": [90.0], "moved_up": [10.0]})
    assert findings.describe_bottleneck(table, 2025).startswith("Fewer than 11 English learners")
    table = table.assign(n=[40])
    assert "90.0% were still at level 3" in findings.describe_bottleneck(table, 2025)


def test_decomposition_quotes_only_shown_schools():
    table = pd.DataFrame({"school": ["A", "B", "Total"], "before_n": [40, 9, 49], "after_n": [40, 12, 52],
                          "before_value": [-100.0, "*", -90.0], "after_value": [-105.0, "*", -99.0],
                          "composition": [-1.0, "*", 1.0], "performance": [-4.0, "*", -10.0],
                          "change": [-5.0, "*", -9.0]})
    sentence = findings.describe_decomposition(table, "school", what="math DFS", unit="points")
    # B is hidden: A's part is the only one that may be quoted, so it is not "the largest"; A's part (-4.0)
    # is its share of the total change, not its own change (-5.0), and the sentence gives both
    assert sentence == ("Since last year, math DFS went down 9.0 points: up 1.0 points from who is enrolled where "
                        "(composition) and down 10.0 points from how students did (performance). The only part "
                        "of the performance change that can be shown is at A: down 4.0 points of it (its own "
                        "figure went from -100.0 points to -105.0 points).")


def test_an_unchanged_total_is_said_so():
    # A down 4, B up 4 with the same shares: the total does not move
    table = pd.DataFrame({"school": ["A", "B", "Total"], "before_n": [40, 40, 80], "after_n": [40, 40, 80],
                          "before_value": [-20.0, -40.0, -30.0], "after_value": [-24.0, -36.0, -30.0],
                          "composition": [0.0, 0.0, 0.0], "performance": [-2.0, 2.0, 0.0], "change": [-2.0, 2.0, 0.0]})
    sentence = findings.describe_decomposition(table, "school", what="math DFS", unit="points")
    assert sentence.startswith("Since last year, math DFS was unchanged: unchanged from who is enrolled where")


def test_trends_of_some_indicators_are_those_rows_of_all_of_them(sample_harmonised):
    inquiry = start_inquiry("long_beach", 2025, "all", sample_harmonised)
    wanted = ["Four-year graduation rate", "a-g completion (of graduates)"]
    some = findings.indicator_trends(inquiry, wanted)
    every = findings.indicator_trends(inquiry)
    pd.testing.assert_frame_equal(some, every[every["indicator"].isin(wanted)].reset_index(drop=True))
    assert set(some["indicator"]) == set(wanted) and len(some) >= 4


# ---------------------------------------------------------------------------
# the common metrics at a school without some indicators' grades
# ---------------------------------------------------------------------------

def high_school():
    """High school "H" of a made-up district: 11 grade 11 students a year, ELA scale score 2583 + 10 in 2024-25
    and 2583 - 20 in 2023-24 (2583 = grade 11 ELA level 3 minimum, specs/metrics.md): DFS +10 and -20."""
    from flp_inquiry.ingest.schema import columns_of
    from flp_inquiry.ingest.store import DistrictData
    from flp_inquiry.inquiry.session import Inquiry

    enrollment, assessments = [], []
    for year, dfs in ((2024, -20), (2025, 10)):
        for number in range(11):
            key = f"f:{year}-{number}"
            enrollment.append({"district": "fresno", "school_year": year, "student_key": key,
                               "school_cds": "10621660000001", "school_name": "H", "grade": 11, "gender": "F",
                               "ethnicity": "HI", "el_status": "EO", "el_start_date": pd.NaT, "rfep_date": pd.NaT,
                               "sed": True, "swd": False, "days_enrolled": 180, "days_absent": 0.0, "primary": True})
            assessments.append({"school_year": year, "student_key": key, "test": "ela", "grade_tested": 11,
                                "scale_score": 2583 + dfs, "level": 3, "district": "fresno", "tested": True})
    empty = {t: pd.DataFrame(columns=columns_of(t)) for t in ("math_courses", "outcomes")}
    data = DistrictData("fresno", pd.DataFrame(enrollment),
                        pd.DataFrame(assessments).astype({"scale_score": "Int64", "level": "Int64"}), **empty)
    return Inquiry("fresno", 2025, "H", data)


def test_common_metrics_say_what_a_high_school_does_not_count():
    glance = findings.common_metrics(high_school()).set_index("metric")
    assert glance.loc["chronic_absence", "not_counted"] == "not counted at this school: grades K-8 only"
    assert glance.loc["algebra_by_8", "not_counted"] == "not counted at this school: grade 8 only"
    # grades 9-12 are there (no cohort in this made-up data: counted, but too few students)
    assert glance.loc["grad_rate", "not_counted"] == "" and (glance.loc["percent_met", "not_counted"] == "").all()
    table = tables.reader_table(glance.reset_index(), {"indicator": "Indicator", "n": "Students", "value": "2024-25"},
                                not_counted="not_counted").data.set_index("Indicator")
    assert table.loc["Chronic absenteeism (grades K-8)"].tolist() == ["", "", "not counted at this school: grades K-8 only"]
    assert table.loc["Four-year graduation rate", "Students"] == "*"


def test_a_high_school_has_grade_11_distance_from_standard():
    ela = findings.common_metrics(high_school()).query("metric == 'dfs' and subject == 'ela'").iloc[0]
    assert (ela["indicator"], ela["grade_span"]) == ("ELA: distance from standard, grade 11", "11")
    assert (ela["n"], ela["value"], ela["prior_n"], ela["prior_value"], ela["change"]) == (11, 10.0, 11, -20.0, 30.0)


def test_a_sentence_never_quotes_a_figure_the_packs_audit_hides(sample_harmonised, tmp_path, monkeypatch):
    """Where the audit's protection hides a school's grade-9 reclassification rate, its table shows * and no
    sentence names it, though the sentence adds a column of its own to name the group."""
    import json

    from flp_inquiry.measures.metric_meaning import table_meaning
    from flp_inquiry.measures.table_meaning import HIDE_VARIABLE, MEANING_ATTRIBUTE, population_key

    inquiry = start_inquiry("long_beach", 2025, "Sample Harbor High", sample_harmonised)
    by_grade = findings.as_shown(inquiry.metric("reclassification_rate", by=["grade", "school_year"]),
                                 parts_of=["school_year"]).query("school_year == 2025")
    shown = findings.shown_rows(by_grade)
    assert 9 in shown["grade"].tolist() and len(shown) >= 2  # (both grade 9 and 10 have 11 ELs or more)
    info = by_grade.attrs[MEANING_ATTRIBUTE]
    meaning = table_meaning(by_grade, by_grade, info, "", shown_columns=list(by_grade.columns),
                            counts={"n": ["value"]}, decimals=1)
    row = next(r for r in meaning.rows if str(r["grade"]) == "9")
    grade_9 = population_key({**meaning.population, **{d: row[d] for d in meaning.dimensions if d in row}})
    hide = tmp_path / "hide.json"
    hide.write_text(json.dumps([[info["numerator"], grade_9]]), encoding="utf-8")  # the rate alone
    monkeypatch.setenv(HIDE_VARIABLE, str(hide))

    said = findings.describe_extremes(by_grade.assign(el_status="EL"), ["grade", "el_status"],
                                      what="reclassification rate", unit="%")
    grade_9_rate = findings.format_value(float(shown.loc[shown["grade"] == 9, "value"].iloc[0]), "%")
    assert grade_9_rate not in str(said) and "Grade 9" not in str(said)
    table = tables.reader_table(by_grade, {"grade": "Grade", "n": "English learners at the start of the year",
                                           "value": "Reclassified (%)"}, parts_of=[])
    assert table.data.loc[table.data["Grade"] == "Grade 9", "Reclassified (%)"].tolist() == ["*"]
