"""Root-cause tools: every expected number below is worked out by hand in the comments.

z for 95% = 1.959964 (z^2 = 3.841459); z for 99.8% = 3.090232; z for 90% = 1.644854.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from flp_inquiry.errors import ParameterError
from flp_inquiry.inquiry.cohorts import matched_cohort_growth
from flp_inquiry.inquiry.decomposition import contributions_to_gap, decompose_change
from flp_inquiry.inquiry.intervals import funnel_curve, funnel_limits, group_gaps, wilson_interval

# ---------------------------------------------------------------------------
# wilson_interval
# ---------------------------------------------------------------------------

@pytest.mark.parametrize(
    "successes, n, confidence, low, high",
    [
        # 8/10: p = 0.8, z^2/n = 0.3841459, denominator 1.3841459
        # centre = (0.8 + 0.1920729) / 1.3841459 = 0.716738
        # half = 1.959964 * sqrt(0.016 + 0.0096036) / 1.3841459 = 1.959964 * 0.1600114 / 1.3841459 = 0.226578
        (8, 10, 0.95, 49.016, 94.332),
        # 0/10: centre = 0.1920729 / 1.3841459 = 0.138769 = half (sqrt(0.0096036) = 0.0979980)
        (0, 10, 0.95, 0.0, 27.754),
        # 10/10 mirrors 0/10
        (10, 10, 0.95, 72.246, 100.0),
        # 8/10 at 90%: z^2/n = 0.2705543; centre = (0.8 + 0.1352772) / 1.2705543 = 0.736115
        # half = 1.644854 * sqrt(0.016 + 0.0067639) / 1.2705543 = 1.644854 * 0.150877 / 1.2705543 = 0.195326
        (8, 10, 0.90, 54.079, 93.144),
    ],
)
def test_wilson_interval_hand_worked(successes, n, confidence, low, high):
    got_low, got_high = wilson_interval(successes, n, confidence)
    assert float(got_low) == pytest.approx(low, abs=0.002)
    assert float(got_high) == pytest.approx(high, abs=0.002)


def test_wilson_interval_is_vectorised_and_nan_for_no_students():
    low, high = wilson_interval(pd.Series([8, 0]), pd.Series([10, 0]))
    assert low[0] == pytest.approx(49.016, abs=0.002)
    assert math.isnan(low[1]) and math.isnan(high[1])


def test_wilson_interval_refuses_more_successes_than_students():
    with pytest.raises(ParameterError, match="successes <= n"):
        wilson_interval(11, 10)


# ---------------------------------------------------------------------------
# group_gaps
# ---------------------------------------------------------------------------

@pytest.fixture
def school_el_table() -> pd.DataFrame:
    return pd.DataFrame({
        "school": ["Oak", "Oak", "Oak", "Pine"],
        "el_status": ["EL", "EO", "RFEP", "EL"],
        "n": [20, 40, 10, 12],
        "value": [20.0, 60.0, 80.0, 25.0],
    })


def test_group_gaps_within_schools(school_el_table):
    before = school_el_table.copy()
    gaps = group_gaps(school_el_table, "el_status", reference="EO", by="school")
    pd.testing.assert_frame_equal(school_el_table, before)  # input untouched
    assert list(gaps.columns) == [
        "school", "el_status", "n", "value", "interval_low", "interval_high", "reference_group",
        "reference_n", "reference_value", "reference_interval_low", "reference_interval_high",
        "gap", "intervals_overlap",
    ]
    oak_el = gaps.loc[(gaps["school"] == "Oak") & (gaps["el_status"] == "EL")].iloc[0]
    # EL 20% of 20 -> 20 - 60 = -40 points
    assert oak_el["gap"] == -40.0
    # EL 4/20: z^2/n = 0.1920729, denominator 1.1920729, centre = (0.2 + 0.0960365) / 1.1920729 = 0.248338
    # half = 1.959964 * sqrt(0.008 + 0.0024009) / 1.1920729 = 1.959964 * 0.1019848 / 1.1920729 = 0.167679
    assert oak_el["interval_high"] == pytest.approx(41.602, abs=0.002)
    # EO 24/40: z^2/n = 0.0960365, denominator 1.0960365, centre = (0.6 + 0.0480182) / 1.0960365 = 0.591242
    # half = 1.959964 * sqrt(0.006 + 0.0006002) / 1.0960365 = 1.959964 * 0.0812416 / 1.0960365 = 0.145280
    assert oak_el["reference_interval_low"] == pytest.approx(44.596, abs=0.002)
    assert oak_el["intervals_overlap"] == False  # noqa: E712  41.6 < 44.6
    oak_rfep = gaps.loc[gaps["el_status"] == "RFEP"].iloc[0]
    assert oak_rfep["gap"] == 20.0 and oak_rfep["intervals_overlap"] == True  # noqa: E712
    pine = gaps.loc[gaps["school"] == "Pine"].iloc[0]
    assert math.isnan(pine["reference_value"]) and math.isnan(pine["gap"])
    assert pd.isna(pine["intervals_overlap"])


def test_group_gaps_focus_and_boolean_groups():
    table = pd.DataFrame({"sed": [True, False], "n": [50, 50], "value": [40.0, 50.0]})
    gaps = group_gaps(table, "sed", reference=False, focus=True)
    assert len(gaps) == 1 and gaps.loc[0, "sed"] == True  # noqa: E712
    assert gaps.loc[0, "gap"] == -10.0
    assert gaps.loc[0, "reference_group"] == False  # noqa: E712


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"reference": "IFEP", "by": "school"}, "reference = 'IFEP'"),
        ({"reference": "EO", "focus": "LTEL", "by": "school"}, "focus = 'LTEL'"),
        ({"reference": "EO", "by": "grade"}, "needs the column grade"),
        # without by = school, Oak's and Pine's EL rows collide
        ({"reference": "EO"}, "more than one row"),
    ],
)
def test_group_gaps_wrong_arguments_are_named(school_el_table, kwargs, message):
    with pytest.raises(ParameterError, match=message):
        group_gaps(school_el_table, "el_status", **kwargs)


def test_group_gaps_refuses_suppressed_cells_and_means():
    suppressed = pd.DataFrame({"el_status": ["EL", "EO"], "n": ["*", 40], "value": ["*", 60.0]})
    with pytest.raises(ParameterError, match="unsuppressed"):
        group_gaps(suppressed, "el_status", reference="EO")
    dfs = pd.DataFrame({"el_status": ["EL", "EO"], "n": [20, 40], "value": [-80.0, 10.0]})
    with pytest.raises(ParameterError, match="percent"):
        group_gaps(dfs, "el_status", reference="EO")


# ---------------------------------------------------------------------------
# decompose_change
# ---------------------------------------------------------------------------

def test_decompose_change_two_groups_by_hand():
    # before: EL 40 at 20%, EO 60 at 50% -> overall (800 + 3000) / 100 = 38
    # after:  EL 60 at 30%, EO 40 at 55% -> overall (1800 + 2200) / 100 = 40; change +2
    # EL: composition (0.6 - 0.4) x (20 + 30) / 2 = 5;   performance (30 - 20) x (0.4 + 0.6) / 2 = 5
    # EO: composition (0.4 - 0.6) x (50 + 55) / 2 = -10.5; performance (55 - 50) x (0.6 + 0.4) / 2 = 2.5
    before = pd.DataFrame({"el_status": ["EL", "EO"], "n": [40, 60], "value": [20.0, 50.0]})
    after = pd.DataFrame({"el_status": ["EO", "EL"], "n": [40, 60], "value": [55.0, 30.0]})
    result = decompose_change(before, after, "el_status").set_index("el_status")
    assert result.loc["EL", "composition"] == pytest.approx(5.0)
    assert result.loc["EL", "performance"] == pytest.approx(5.0)
    assert result.loc["EO", "composition"] == pytest.approx(-10.5)
    assert result.loc["EO", "performance"] == pytest.approx(2.5)
    total = result.loc["Total"]
    assert total["before_value"] == pytest.approx(38.0) and total["after_value"] == pytest.approx(40.0)
    assert total["composition"] == pytest.approx(-5.5) and total["performance"] == pytest.approx(7.5)
    assert total["change"] == pytest.approx(2.0)
    assert total["composition"] + total["performance"] == pytest.approx(total["after_value"] - total["before_value"])
    assert (total["before_n"], total["after_n"]) == (100, 100)


def test_decompose_change_group_on_one_side_only_is_all_composition():
    # before: A 50 at 40, B 50 at 60 -> 50;  after: A 50 at 40, B 25 at 60, C 25 at 80 -> 55
    # A: no change. B: composition (0.25 - 0.5) x 60 = -15. C: share 0 -> 0.25 at 80: composition 20.
    before = pd.DataFrame({"school": ["A", "B"], "n": [50, 50], "value": [40.0, 60.0]})
    after = pd.DataFrame({"school": ["A", "B", "C"], "n": [50, 25, 25], "value": [40.0, 60.0, 80.0]})
    result = decompose_change(before, after, "school").set_index("school")
    assert result.loc["C", "before_share"] == 0 and result.loc["C", "before_n"] == 0
    assert result.loc["C", "composition"] == pytest.approx(20.0)
    assert result.loc["C", "performance"] == pytest.approx(0.0)
    assert result.loc["B", "composition"] == pytest.approx(-15.0)
    assert result.loc["Total", "change"] == pytest.approx(5.0)
    assert result.loc["Total", "performance"] == pytest.approx(0.0)


def test_decompose_change_names_the_missing_column():
    before = pd.DataFrame({"school": ["A"], "n": [50], "value": [40.0]})
    with pytest.raises(ParameterError, match="needs the column value"):
        decompose_change(before, before.drop(columns="value"), "school")


# ---------------------------------------------------------------------------
# contributions_to_gap
# ---------------------------------------------------------------------------

def test_contributions_sum_to_the_district_gap():
    # A 100 at 30, B 300 at 40: district (3000 + 12000) / 400 = 37.5; target 60 -> gap -22.5
    # A: 0.25 x (30 - 60) = -7.5 (33.3%); B: 0.75 x (40 - 60) = -15 (66.7%)
    table = pd.DataFrame({"school": ["A", "B"], "n": [100, 300], "value": [30.0, 40.0]})
    result = contributions_to_gap(table, "school", reference_value=60)
    assert list(result["school"]) == ["B", "A"]
    assert list(result["contribution"]) == pytest.approx([-15.0, -7.5])
    assert list(result["percent_of_total"]) == pytest.approx([200 / 3, 100 / 3])
    assert result["contribution"].sum() == pytest.approx(37.5 - 60)
    assert result["percent_of_total"].sum() == pytest.approx(100.0)


def test_contributions_default_reference_is_zero_for_distances():
    # DFS: A 20 students at -30, B 80 at +5 -> district (-600 + 400) / 100 = -2
    # A: 0.2 x -30 = -6 (300% of -2); B: 0.8 x 5 = 4 (-200%): A more than explains the shortfall
    table = pd.DataFrame({"school": ["A", "B"], "n": [20, 80], "value": [-30.0, 5.0]})
    result = contributions_to_gap(table, "school")
    assert list(result["school"]) == ["A", "B"]
    assert list(result["contribution"]) == pytest.approx([-6.0, 4.0])
    assert list(result["percent_of_total"]) == pytest.approx([300.0, -200.0])


# ---------------------------------------------------------------------------
# funnel_limits and funnel_curve
# ---------------------------------------------------------------------------

def test_funnel_limits_zones_by_hand():
    # around 50% with n = 100: standard error sqrt(0.25 / 100) = 0.05 = 5 points
    # 95%: 50 +/- 1.959964 x 5 = 50 +/- 9.7998 -> 40.2002 .. 59.7998
    # 99.8%: 50 +/- 3.090232 x 5 = 50 +/- 15.4512 -> 34.5488 .. 65.4512
    table = pd.DataFrame({
        "school": ["in", "between high", "between low", "out high", "out low"],
        "n": [100] * 5,
        "value": [59.7, 59.9, 34.6, 65.5, 34.5],
    })
    limits = funnel_limits(table, overall=50)
    assert limits.loc[0, "lower_95"] == pytest.approx(40.2002, abs=1e-4)
    assert limits.loc[0, "upper_99_8"] == pytest.approx(65.4512, abs=1e-4)
    assert list(limits["funnel_zone"]) == [
        "inside 95%", "between 95% and 99.8%", "between 95% and 99.8%", "outside 99.8%", "outside 99.8%",
    ]


def test_funnel_limits_small_school_and_exact_limit():
    # n = 1 around 50%: 50 +/- 1.96 x 50 = -48 .. 148, clipped to 0 .. 100; 100 lies exactly on it: inside
    # n = 0: no limits, no zone
    table = pd.DataFrame({"school": ["tiny", "empty"], "n": [1, 0], "value": [100.0, np.nan]})
    limits = funnel_limits(table, overall=50)
    assert (limits.loc[0, "lower_95"], limits.loc[0, "upper_95"]) == (0.0, 100.0)
    assert limits.loc[0, "funnel_zone"] == "inside 95%"
    assert pd.isna(limits.loc[1, "funnel_zone"]) and math.isnan(limits.loc[1, "upper_95"])


def test_funnel_limits_default_overall_is_the_weighted_rate():
    # (100 x 20 + 300 x 40) / 400 = 35
    table = pd.DataFrame({"n": [100, 300], "value": [20.0, 40.0]})
    assert funnel_limits(table)["overall"].tolist() == [35.0, 35.0]


def test_funnel_curve_spans_and_narrows():
    curve = funnel_curve(50, 400, points=50)
    assert curve["n"].iloc[0] == 1 and curve["n"].iloc[-1] == 400 and curve["n"].is_unique
    assert curve["upper_95"].is_monotonic_decreasing and curve["lower_99_8"].is_monotonic_increasing
    # n = 100 would give 40.2002 .. 59.7998 as above; n = 400: 50 +/- 1.959964 x 2.5 = 45.1001 .. 54.8999
    assert curve["lower_95"].iloc[-1] == pytest.approx(45.1001, abs=1e-4)
    assert curve["upper_95"].iloc[-1] == pytest.approx(54.8999, abs=1e-4)


@pytest.mark.parametrize("levels", [(), (0.95, 1.2), (0.95, 0.95)])
def test_funnel_refuses_bad_levels(levels):
    with pytest.raises(ParameterError, match="levels"):
        funnel_curve(50, 100, levels=levels)


# ---------------------------------------------------------------------------
# matched_cohort_growth
# ---------------------------------------------------------------------------

def _enrollment_row(year, key, school, grade, el_status, primary=True):
    return {"school_year": year, "student_key": key, "school_name": school, "grade": grade, "gender": "F",
            "ethnicity": "HI", "el_status": el_status, "sed": True, "swd": False, "primary": primary}


@pytest.fixture
def two_years() -> tuple[pd.DataFrame, pd.DataFrame]:
    """ELA 2023 -> 2024.  Level 3 minimums: grade 3 2432, grade 4 2473, grade 5 2502."""
    enrollment = pd.DataFrame([
        _enrollment_row(2023, "f:1", "Oak", 3, "EL"), _enrollment_row(2024, "f:1", "Oak", 4, "RFEP"),
        _enrollment_row(2023, "f:2", "Oak", 3, "EO"), _enrollment_row(2024, "f:2", "Oak", 4, "EO"),
        _enrollment_row(2023, "f:3", "Pine", 4, "EL"), _enrollment_row(2024, "f:3", "Pine", 5, "EL"),
        _enrollment_row(2024, "f:3", "Oak", 5, "EL", primary=False),
        _enrollment_row(2023, "f:4", "Oak", 3, "EO"), _enrollment_row(2024, "f:4", "Oak", 3, "EO"),
        _enrollment_row(2024, "f:5", "Oak", 4, "EO"),
        _enrollment_row(2023, "f:6", "Pine", 5, "EO"), _enrollment_row(2024, "f:6", "Pine", 6, "EO"),
    ])
    rows = [  # year, key, test, grade tested, scale score, level
        (2023, "f:1", "ela", 3, 2432, 3), (2024, "f:1", "ela", 4, 2483, 3),   # 0 -> +10, met -> met
        (2023, "f:1", "math", 3, 2300, 1), (2024, "f:1", "math", 4, 2600, 4),  # other subject: ignored
        (2023, "f:2", "ela", 3, 2400, 2), (2024, "f:2", "ela", 4, 2480, 3),   # -32 -> +7, not -> met
        (2023, "f:3", "ela", 4, 2473, 3), (2024, "f:3", "ela", 5, 2490, 2),   # 0 -> -12, met -> not
        (2023, "f:4", "ela", 3, 2420, 2), (2024, "f:4", "ela", 3, 2440, 3),   # held back: not matched
        (2024, "f:5", "ela", 4, 2500, 3),                                     # new arrival: not matched
        (2023, "f:6", "ela", 5, 2510, 3), (2024, "f:6", "ela", 6, None, None),  # not tested in 2024
    ]
    assessments = pd.DataFrame(rows, columns=["school_year", "student_key", "test", "grade_tested",
                                              "scale_score", "level"])
    assessments = assessments.astype({"scale_score": "Int64", "level": "Int64"})
    return assessments, enrollment


def test_matched_cohort_growth_follows_the_same_students(two_years):
    assessments, enrollment = two_years
    before = assessments.copy()
    growth = matched_cohort_growth(assessments, enrollment, "ela", 2023, 2024)
    pd.testing.assert_frame_equal(assessments, before)
    row = growth.iloc[0]
    # matched: f:1, f:2, f:3
    assert row["n"] == 3
    # scores (2432 + 2400 + 2473) / 3 = 2435 -> (2483 + 2480 + 2490) / 3 = 2484.333; change 148 / 3
    assert row["mean_scale_score_from"] == pytest.approx(2435.0)
    assert row["scale_score_change"] == pytest.approx(148 / 3)
    # DFS (0 - 32 + 0) / 3 = -10.667 -> (10 + 7 - 12) / 3 = 1.667; change 37 / 3 = 12.333
    assert row["dfs_from"] == pytest.approx(-32 / 3)
    assert row["dfs_to"] == pytest.approx(5 / 3)
    assert row["dfs_change"] == pytest.approx(37 / 3)
    # met 2 of 3 both years (f:1, f:3 then f:1, f:2)
    assert row["percent_met_from"] == pytest.approx(200 / 3)
    assert row["percent_met_change"] == pytest.approx(0.0)


def test_matched_cohort_growth_groups_fixed_in_the_first_year(two_years):
    assessments, enrollment = two_years
    growth = matched_cohort_growth(assessments, enrollment, "ela", 2023, 2024, by="el_status").set_index("el_status")
    # 2023 ELs: f:1 and f:3 (f:1 is RFEP by 2024 but stays in the group): DFS 0 -> (10 - 12) / 2 = -1
    assert growth.loc["EL", "n"] == 2
    assert growth.loc["EL", "dfs_change"] == pytest.approx(-1.0)
    assert (growth.loc["EL", "percent_met_from"], growth.loc["EL", "percent_met_to"]) == (100.0, 50.0)
    # EO: f:2 alone, -32 -> +7
    assert growth.loc["EO", "dfs_change"] == pytest.approx(39.0)
    # grouped by 2024 enrollment instead: f:1 is RFEP, leaving f:3 alone as EL (0 -> -12)
    later = matched_cohort_growth(assessments, enrollment, "ela", 2023, 2024, by="el_status", groups_year=2024)
    later = later.set_index("el_status")
    assert sorted(later.index) == ["EL", "EO", "RFEP"]
    assert later.loc["EL", "n"] == 1 and later.loc["EL", "dfs_change"] == pytest.approx(-12.0)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"subject": "science"}, "subject = 'science'"),
        ({"to_year": 2023}, "must be after from_year"),
        ({"by": "school_year"}, "by = 'school_year'"),
    ],
)
def test_matched_cohort_growth_wrong_arguments(two_years, kwargs, message):
    assessments, enrollment = two_years
    arguments = {"subject": "ela", "from_year": 2023, "to_year": 2024, **kwargs}
    with pytest.raises(ParameterError, match=message):
        matched_cohort_growth(assessments, enrollment, **arguments)
