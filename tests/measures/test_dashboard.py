"""Dashboard status, change and colour: cut points exactly, every grid cell, small groups, the YAML's shape, and the
state's own published files.  Expected values come from the rules' own words (specs/metrics.md, issue 21, the 2017
downloads' rows), never from the code's output."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from flp_inquiry.errors import ParameterError
from flp_inquiry.ingest.dashboard_downloads import read_dashboard_download
from flp_inquiry.measures.assessment import add_change
from flp_inquiry.measures.dashboard import (
    change_level,
    colour,
    dashboard_levels,
    indicator_for,
    indicator_names,
    level_names,
    limit_change_levels,
    load_indicator,
    status_level,
)

# --- status levels exactly on each cut (metrics.md): value on a cut belongs to the level above ---
STATUS_EDGES = [
    # indicator, value, level (1 Very Low .. 5 Very High)
    ("ela_3_8", 45, 5), ("ela_3_8", 44.9, 4), ("ela_3_8", 10, 4), ("ela_3_8", 9.9, 3),
    ("ela_3_8", -5, 3), ("ela_3_8", -5.1, 2), ("ela_3_8", -70, 2), ("ela_3_8", -70.1, 1),
    ("math_3_8", 35, 5), ("math_3_8", 34.9, 4), ("math_3_8", 0, 4), ("math_3_8", -0.1, 3),
    ("math_3_8", -25, 3), ("math_3_8", -25.1, 2), ("math_3_8", -95, 2), ("math_3_8", -95.1, 1),
    ("ela_11", 75, 5), ("ela_11", 74.9, 4), ("ela_11", 30, 4), ("ela_11", 29.9, 3),
    ("ela_11", 0, 3), ("ela_11", -0.1, 2), ("ela_11", -45, 2), ("ela_11", -45.1, 1),
    ("math_11", 25, 5), ("math_11", 24.9, 4), ("math_11", 0, 4), ("math_11", -0.1, 3),
    ("math_11", -60, 3), ("math_11", -60.1, 2), ("math_11", -115, 2), ("math_11", -115.1, 1),
    # ELPAC-era ELPI: 35 / 45 / 55 / 65 percent
    ("elpi", 65, 5), ("elpi", 64.9, 4), ("elpi", 35, 2), ("elpi", 34.9, 1),
    # Fall 2017 ELPI: 60 / 67 / 75 / 85
    ("elpi_2017", 85, 5), ("elpi_2017", 84.9, 4), ("elpi_2017", 67, 3), ("elpi_2017", 60, 2), ("elpi_2017", 59.9, 1),
]


@pytest.mark.parametrize(("indicator", "value", "expected"), STATUS_EDGES)
def test_status_level_on_and_beside_each_cut(indicator, value, expected):
    assert status_level([value], indicator).tolist() == [expected]


# academic change: DS < -15; D -15 to < -3; M -3 to < 3; I 3 to < 15; IS >= 15
CHANGE_EDGES = [
    ("ela_3_8", -15.1, 1), ("ela_3_8", -15, 2), ("ela_3_8", -3.1, 2), ("ela_3_8", -3, 3),
    ("ela_3_8", 2.9, 3), ("ela_3_8", 3, 4), ("ela_3_8", 14.9, 4), ("ela_3_8", 15, 5),
    ("math_11", -15, 2), ("math_11", 15, 5),
    # Fall 2017 ELPI: DS < -10; D -10 to <= -1.5; M between -1.5 and 1.5; I 1.5 to < 10; IS >= 10
    ("elpi_2017", -10.1, 1), ("elpi_2017", -10, 2), ("elpi_2017", -1.5, 2), ("elpi_2017", -1.4, 3),
    ("elpi_2017", 1.4, 3), ("elpi_2017", 1.5, 4), ("elpi_2017", 9.9, 4), ("elpi_2017", 10, 5),
    # ELPAC-era ELPI: DS more than 10 down; D 2 to 10 down; M less than 2 either way
    ("elpi", -10.1, 1), ("elpi", -10, 2), ("elpi", -2, 2), ("elpi", -1.9, 3), ("elpi", 1.9, 3),
    ("elpi", 2, 4), ("elpi", 10, 5),
]


@pytest.mark.parametrize(("indicator", "change", "expected"), CHANGE_EDGES)
def test_change_level_on_and_beside_each_cut(indicator, change, expected):
    assert change_level([change], indicator).tolist() == [expected]


def test_values_are_rounded_to_one_decimal_before_the_cut():
    # 44.95 publishes as 45.0 (Very High); 44.94 as 44.9 (High); -5.05 as -5.1 (Low)
    assert status_level([44.95, 44.94, -5.05], "ela_3_8").tolist() == [5, 4, 2]


def test_missing_value_has_no_level_and_index_is_kept():
    levels = status_level(pd.Series([np.nan, 50.0], index=[7, 9]), "ela_3_8")
    assert levels.index.tolist() == [7, 9]
    assert levels.isna().tolist() == [True, False]


def test_academic_grid_corners():
    # grid rows Very Low..Very High; columns Declined Significantly..Increased Significantly
    got = colour([1, 1, 5, 5, 3], [1, 5, 1, 5, 3], "ela_3_8").tolist()
    assert got == [1, 2, 4, 5, 3]


def test_elpi_2017_grid_from_the_spec():
    # metrics.md: Very Low 1 1 1 2 2; Low 1 2 2 3 3; Medium 2 2 3 4 4; High 2 3 4 4 5; Very High 3 4 5 5 5
    spec = [[1, 1, 1, 2, 2], [1, 2, 2, 3, 3], [2, 2, 3, 4, 4], [2, 3, 4, 4, 5], [3, 4, 5, 5, 5]]
    status = [s for s in range(1, 6) for _ in range(5)]
    change = [c for _ in range(5) for c in range(1, 6)]
    assert colour(status, change, "elpi_2017").tolist() == [c for row in spec for c in row]


def test_indicator_without_grid_has_no_colour():
    with pytest.raises(ParameterError, match="no colour grid"):
        colour([1], [1], "elpi")
    table = pd.DataFrame({"n": [40], "value": [50.0], "change": [1.0]})
    result = dashboard_levels(table, "elpi")
    assert "colour" not in result and result["change_level"].tolist() == [3]


def test_unknown_indicator_lists_the_known_ones():
    with pytest.raises(ParameterError, match="Allowed values: ela_3_8"):
        status_level([1.0], "ela_3_9")
    assert set(indicator_names()) >= {"ela_3_8", "math_3_8", "ela_11", "math_11", "elpi_2017", "elpi"}


@pytest.mark.parametrize(("n", "has_colour"), [(29, False), (30, True), (None, False)])
def test_colour_needs_thirty_students(n, has_colour):
    table = pd.DataFrame({"n": [n], "value": [50.0], "change": [0.0]}, dtype="float64")
    result = dashboard_levels(table, "ela_3_8")
    # Very High x Maintained = Blue (5)
    assert result["status_level"].tolist() == [5] and result["change_level"].tolist() == [3]
    assert result["colour"].isna().tolist() == [not has_colour]
    if has_colour:
        assert result["colour"].tolist() == [5] and result["colour_name"].tolist() == ["Blue"]


def test_dashboard_levels_does_not_mutate_and_names_missing_column():
    table = pd.DataFrame({"n": [40], "value": [1.0], "change": [1.0]})
    before = table.copy()
    dashboard_levels(table, "math_3_8")
    pd.testing.assert_frame_equal(table, before)
    with pytest.raises(ParameterError, match="needs the column change"):
        dashboard_levels(table.drop(columns="change"), "math_3_8")


def test_level_names():
    assert level_names("change")[1] == "Declined Significantly"
    assert [level_names("colour")[i] for i in range(1, 6)] == ["Red", "Orange", "Yellow", "Green", "Blue"]


def test_cut_points_are_data():
    ela11 = load_indicator("ela_11")
    assert [c.at for c in ela11.status_cuts] == [-45, 0, 30, 75]
    assert load_indicator("elpi_2017").counted == ("currtesters", "priortesters")


# --- the state's own files ---------------------------------------------------

def _inside(low, high):
    """Points inside [low, high): the lower bound itself, and a point well inside."""
    if pd.isna(low):
        return [high - 20.0]
    if pd.isna(high):
        return [low, low + 20.0]
    return [low, (low + high) / 2]


@pytest.mark.parametrize("subject", ["ela", "math"])
def test_every_box_of_the_published_academic_grid(public_dir, subject):
    boxes = pd.read_csv(public_dir / "academic_5x5_cutscores.csv")
    boxes = boxes[boxes["indicator"] == subject]
    assert len(boxes) == 25
    points = [
        {"box": box.box, "value": status, "change": change, "published": box.color}
        for box in boxes.itertuples()
        for status in _inside(box.ymin, box.ymax)
        for change in _inside(box.xmin, box.xmax)
    ]
    table = pd.DataFrame(points).assign(n=30)
    result = dashboard_levels(table, f"{subject}_3_8")
    wrong = result[result["colour"] != result["published"]]
    assert wrong.empty, wrong
    # every status and change level is reached, so each box really was a different cell
    assert sorted(result["status_level"].unique()) == [1, 2, 3, 4, 5]
    assert sorted(result["change_level"].unique()) == [1, 2, 3, 4, 5]


def _read_elpi_2017(public_dir):
    return pd.read_csv(public_dir / "elpidownload2017f_fresno_longbeach.txt", sep="\t",
                       usecols=["cds", "schoolname", "currtesters", "priortesters", "currstatus", "change",
                                "statuslevel", "changelevel", "color"],
                       dtype={"cds": str})


def test_fall_2017_elpi_levels_and_colours_are_reproduced(public_dir):
    published = _read_elpi_2017(public_dir)
    assert len(published) == 177
    result = dashboard_levels(published, "elpi_2017", value="currstatus", change="change",
                              n=list(load_indicator("elpi_2017").counted))
    for ours, theirs in [("status_level", "statuslevel"), ("change_level", "changelevel"), ("colour", "color")]:
        has_one = published[theirs] > 0  # 0 = none published
        assert has_one.sum() > 100
        mismatch = result.loc[has_one, ours].astype("float") != published.loc[has_one, theirs]
        assert not mismatch.any(), result.loc[has_one & mismatch.reindex(has_one.index, fill_value=False)]
        # and where the state published none, we have none either
        assert result.loc[~has_one, ours].isna().all()


@pytest.mark.parametrize("name", ["graddownload2017f_fresno_longbeach.txt", "elpidownload2017f_fresno_longbeach.txt"])
def test_change_is_worked_out_as_the_state_worked_it_out(public_dir, name):
    # These two downloads carry each figure's numerator and denominator, so the unrounded figures are
    # known. The state's change is their difference, rounded: in a quarter of the rows (45 of 211 in the
    # graduation file) that is 0.1 away from the difference of the two published one-decimal figures.
    published = read_dashboard_download(public_dir / name)
    published["group"] = published.get("studentgroup", "ALL")
    published = published[(published["currdenom"].fillna(0) > 0) & (published["priordenom"].fillna(0) > 0)
                          & published["change"].notna()]
    # two ELPI schools counted more students than their denominators; the state published 100.0
    percent = lambda numer, denom: (100 * published[numer] / published[denom]).clip(upper=100)
    years = pd.concat([
        pd.DataFrame({"school_year": 2017, "cds": published["cds"], "group": published["group"],
                      "n": published["currdenom"], "value": percent("currnumer", "currdenom")}),
        pd.DataFrame({"school_year": 2016, "cds": published["cds"], "group": published["group"],
                      "n": published["priordenom"], "value": percent("priornumer", "priordenom")}),
    ])
    ours = add_change(years, 2017, ["cds", "group"])
    assert len(ours) == len(published) > 150
    theirs = published.set_index(["cds", "group"])["change"]
    compared = ours.set_index(["cds", "group"])["change"] - theirs
    assert (compared.abs() < 1e-9).all(), compared[compared.abs() >= 1e-9]
    of_published = (published["currstatus"] - published["priorstatus"]).round(1).to_numpy() - published["change"].to_numpy()
    assert (np.abs(of_published) > 0.05).sum() > 30  # so the test tells the two ways apart


def test_fall_2017_elpi_colour_needs_thirty_testers_both_years(public_dir):
    published = _read_elpi_2017(public_dir)
    # Los Cerritos Elementary: 31 testers now, 19 last year, change 2.0, no colour published
    row = published[(published["currtesters"] == 31) & (published["priortesters"] == 19)]
    assert row["color"].tolist() == [0]
    by_current_only = dashboard_levels(row, "elpi_2017", value="currstatus", n="currtesters")
    by_both = dashboard_levels(row, "elpi_2017", value="currstatus", n=["currtesters", "priortesters"])
    assert by_current_only["colour"].notna().all() and by_both["colour"].isna().all()


# --- every indicator of dashboard_indicators.yaml (issue 21) --------------------------------------------

NEW_STATUS_EDGES = [
    # Fall 2017 graduation, from the download's rows: Very Low < 67, Low 67 to < 85, Medium 85 to < 90,
    # High 90 to < 95, Very High >= 95
    ("graduation_2017", 66.9, 1), ("graduation_2017", 67, 2), ("graduation_2017", 84.9, 2), ("graduation_2017", 85, 3),
    ("graduation_2017", 89.9, 3), ("graduation_2017", 90, 4), ("graduation_2017", 94.9, 4), ("graduation_2017", 95, 5),
    # Fall 2017 College/Career: < 10, 10 to < 35, 35 to < 55, 55 to < 70, >= 70
    ("cci_2017", 9.9, 1), ("cci_2017", 10, 2), ("cci_2017", 34.9, 2), ("cci_2017", 35, 3),
    ("cci_2017", 54.9, 3), ("cci_2017", 55, 4), ("cci_2017", 69.9, 4), ("cci_2017", 70, 5),
]


@pytest.mark.parametrize(("indicator", "value", "expected"), NEW_STATUS_EDGES)
def test_status_level_of_the_2017_graduation_and_cci_cuts(indicator, value, expected):
    assert status_level([value], indicator).tolist() == [expected]


@pytest.mark.parametrize(("change", "expected"), [
    # declined by more than 5 / by 1 to 5 / less than 1 either way / 1 to < 5 / 5 or more
    (-5.1, 1), (-5, 2), (-1, 2), (-0.9, 3), (0.9, 3), (1, 4), (4.9, 4), (5, 5),
])
def test_change_level_of_the_2017_graduation_cuts(change, expected):
    assert change_level([change], "graduation_2017").tolist() == [expected]


def test_the_2017_rows_that_show_rounding_before_the_cut():
    # a graduation rate of 66.990 is published 67.0: Low; a change of 4.998 (5.0) and an ELPI change of
    # 9.952 (10.0) are Increased Significantly
    assert status_level([66.990291], "graduation_2017").tolist() == [2]
    assert change_level([4.998235], "graduation_2017").tolist() == [5]
    assert change_level([9.951956], "elpi_2017").tolist() == [5]


CHRONIC_STATUS = [  # Very Low 2.5% or less, Low 2.6-5.0, Medium 5.1-10.0, High 10.1-20.0, Very High 20.1+
    (0.0, "Very Low"), (2.5, "Very Low"), (2.6, "Low"), (5.0, "Low"), (5.1, "Medium"), (10.0, "Medium"),
    (10.1, "High"), (20.0, "High"), (20.1, "Very High"), (100.0, "Very High"),
    (2.54, "Very Low"), (2.55, "Low"),  # published as 2.5 and 2.6
]


@pytest.mark.parametrize(("rate", "name"), CHRONIC_STATUS)
def test_chronic_absenteeism_status_cut_points(rate, name):
    assert level_names("status")[status_level([rate], "chronic_absenteeism").iloc[0]] == name


CHRONIC_CHANGE = [  # DS 3.0+ down, D 0.5-2.9 down, M 0.4 or less either way, I 0.5-3.0 up, IS 3.1+ up
    (-10.0, "Declined Significantly"), (-3.0, "Declined Significantly"), (-2.9, "Declined"), (-0.5, "Declined"),
    (-0.4, "Maintained"), (0.0, "Maintained"), (0.4, "Maintained"), (0.5, "Increased"), (3.0, "Increased"),
    (3.1, "Increased Significantly"), (12.0, "Increased Significantly"),
    (-2.95, "Declined Significantly"), (3.04, "Increased"),  # published as -3.0 and 3.0
]


@pytest.mark.parametrize(("change", "name"), CHRONIC_CHANGE)
def test_chronic_absenteeism_change_cut_points(change, name):
    assert level_names("change")[change_level([change], "chronic_absenteeism").iloc[0]] == name


# The issue's words: rows Very Low to Very High, columns Declined Significantly .. Increased Significantly
ISSUE_GRID = {
    "Very Low": ["Blue", "Blue", "Blue", "Green", "Yellow"],
    "Low": ["Blue", "Green", "Green", "Yellow", "Orange"],
    "Medium": ["Green", "Green", "Yellow", "Orange", "Orange"],
    "High": ["Yellow", "Yellow", "Orange", "Orange", "Red"],
    "Very High": ["Yellow", "Orange", "Red", "Red", "Red"],
}
A_RATE = {"Very Low": 1.0, "Low": 4.0, "Medium": 7.5, "High": 15.0, "Very High": 25.0}
A_CHANGE = [-4.0, -1.0, 0.0, 1.5, 4.0]  # one inside each change level, DS .. IS
GRID_CELLS = [(status, column, name) for status, names in ISSUE_GRID.items() for column, name in enumerate(names)]


@pytest.mark.parametrize(("status", "column", "expected"), GRID_CELLS)
def test_chronic_absenteeism_grid_cell(status, column, expected):
    table = pd.DataFrame({"n": [30], "value": [A_RATE[status]], "change": [A_CHANGE[column]]})
    result = dashboard_levels(table, "chronic_absenteeism")
    assert level_names("status")[result["status_level"].iloc[0]] == status
    assert result["change_level"].iloc[0] == column + 1
    assert result["colour_name"].iloc[0] == expected


def test_chronic_absenteeism_says_lower_is_better_and_needs_thirty():
    assert load_indicator("chronic_absenteeism").higher_is_better is False
    table = pd.DataFrame({"n": [29, 30], "value": [25.0, 25.0], "change": [4.0, 4.0]})
    result = dashboard_levels(table, "chronic_absenteeism", reasons=True)
    assert result["colour_name"].tolist() == [np.nan, "Red"]
    assert result["no_colour_reason"].tolist() == ["fewer than 30 students this year", ""]


def test_graduation_2017_grid_as_the_download_shows_it():
    # cells seen in graddownload2017f (status x change -> colour), each always with one colour
    seen = {(1, 2): 1, (1, 3): 1, (1, 4): 1, (1, 5): 1, (2, 1): 1, (2, 2): 2, (2, 3): 2, (2, 4): 3, (2, 5): 3,
            (3, 1): 2, (3, 2): 2, (3, 3): 3, (3, 4): 4, (3, 5): 4, (4, 1): 2, (4, 2): 3, (4, 3): 4, (4, 4): 4,
            (4, 5): 5, (5, 2): 5, (5, 3): 5, (5, 4): 5, (5, 5): 5}
    got = colour([s for s, _ in seen], [c for _, c in seen], "graduation_2017").tolist()
    assert got == list(seen.values())
    # Very Low x Declined Significantly is not in the file: Red, as the rest of the row; Very High x Declined
    # Significantly cannot occur (last year over 100%): no colour
    assert colour([1, 5], [1, 1], "graduation_2017").tolist() == [1, pd.NA]


def test_a_colour_needs_thirty_in_both_years_where_the_yaml_counts_both():
    # Sunnyside High's homeless youth: 43 now, 27 in the pooled prior years -> no colour
    table = pd.DataFrame({"currdenom": [43, 30, 29], "priordenom": [27, 30, 100],
                          "currstatus": [86.0, 86.0, 86.0], "change": [0.9, 0.9, 0.9]})
    result = dashboard_levels(table, "graduation_2017", value="currstatus",
                              n=list(load_indicator("graduation_2017").counted), reasons=True)
    assert result["status_level"].tolist() == [3, 3, 3] and result["change_level"].tolist() == [3, 3, 3]
    assert result["colour"].tolist() == [pd.NA, 3, pd.NA]  # Medium x Maintained = Yellow
    assert result["no_colour_reason"].tolist() == ["fewer than 30 students (priordenom)", "",
                                                   "fewer than 30 students (currdenom)"]
    assert load_indicator("graduation_2017").table_counted == ["n", "prior_n"]


@pytest.mark.parametrize(("value", "change", "n", "prior_n", "reason"), [
    (50.0, 0.0, 40, 40, ""),
    (np.nan, np.nan, 40, 40, "no figure this year"),
    (50.0, np.nan, 40, np.nan, "no figure last year, so no change"),
    (50.0, 0.0, 12, 40, "fewer than 30 students this year"),
    (50.0, 0.0, 40, 12, "fewer than 30 students last year"),
])
def test_why_a_row_has_no_colour(value, change, n, prior_n, reason):
    table = pd.DataFrame({"value": [value], "change": [change], "n": [n], "prior_n": [prior_n]})
    result = dashboard_levels(table, "ela_3_8", n=["n", "prior_n"], reasons=True)
    assert result["no_colour_reason"].tolist() == [reason]
    assert result["colour"].isna().tolist() == [reason != ""]


def test_an_indicator_without_grid_or_cut_points_says_so():
    table = pd.DataFrame({"n": [100], "value": [90.0], "change": [1.0]})
    elpi = dashboard_levels(table, "elpi", reasons=True)
    assert elpi["no_colour_reason"].tolist() == [
        "the state's colour grid for 2023 on is not in this project's rules yet"]
    graduation = dashboard_levels(table, "graduation", reasons=True)
    assert graduation["status_level"].isna().all() and "colour" not in graduation and "change_level" not in graduation
    assert graduation["no_colour_reason"].tolist() == [
        "the state's status cut points for 2023 on are not in this project's rules yet"]
    with pytest.raises(ParameterError, match="no status cut points"):
        status_level([90.0], "graduation")
    cci = dashboard_levels(table.assign(value=40.0), "cci_2017", reasons=True)
    assert cci["status_level"].tolist() == [3]  # Medium: 35 to < 55 and "change_level" not in cci
    assert cci["no_colour_reason"].tolist() == ["the Dashboard gives this indicator no change level (2017)"]


def test_the_small_school_safety_net_holds_the_change_level():
    from flp_inquiry.measures.dashboard_check import recompute_levels

    rows = pd.DataFrame({  # status, change, flag -> change level, colour (from the graduation 2017 grid)
        "currstatus": [59.8, 94.1, 94.1, 95.5, 88.0], "change": [8.6, 5.6, 5.6, 1.1, -6.0],
        "safetynet": ["Y", "Y", "N", "Y", "Y"], "currdenom": [117, 51, 51, 112, 51], "priordenom": [443, 166, 166, 331, 166]})
    levels = recompute_levels(rows, load_indicator("graduation_2017"))
    # Sierra Charter: Increased, Very Low x I = Red; Avalon: High x Increased = Green, unflagged High x IS =
    # Blue; Renaissance: Very High x I = Blue; a fall of 6 with the flag (the lower limit, the symmetric
    # reading: no flagged row shows it): Declined, Medium x D = Orange
    assert levels["change_level"].tolist() == [4, 4, 5, 4, 2]
    assert levels["colour"].tolist() == [1, 4, 5, 5, 2]
    assert limit_change_levels(pd.Series([1, 5, None]), [True, True, True], 2, 4).tolist() == [2, 4, pd.NA]


@pytest.mark.parametrize(("measure", "year", "name"), [
    ("elpi", 2017, "elpi_2017"), ("elpi", 2023, "elpi"), ("elpi", 2030, "elpi"),
    ("graduation", 2017, "graduation_2017"), ("graduation", 2024, "graduation"),
    ("ela_3_8", 2017, "ela_3_8"), ("ela_3_8", 2025, "ela_3_8"), ("ela_11", 2017, "ela_11_2017"),
    ("ela_11", 2018, "ela_11"), ("math_11", 2017, "math_11_2017"), ("cci", 2017, "cci_2017"),
    ("chronic_absenteeism", 2023, "chronic_absenteeism"),
])
def test_indicator_for_a_year(measure, year, name):
    assert indicator_for(measure, year).name == name


@pytest.mark.parametrize(("measure", "year"), [("elpi", 2019), ("graduation", 2020), ("chronic_absenteeism", 2022),
                                               ("cci", 2024)])
def test_a_year_without_rules_is_said(measure, year):
    with pytest.raises(ParameterError, match=f"no {measure} rules"):
        indicator_for(measure, year)


def test_grade_11_had_no_level_in_fall_2017():
    assert load_indicator("ela_11_2017").status_cuts == () and load_indicator("ela_11_2017").grid is None
    result = dashboard_levels(pd.DataFrame({"n": [100], "value": [10.0], "change": [1.0]}), "ela_11_2017")
    assert result["status_level"].isna().all()


def test_every_indicator_loads_with_its_projection():
    # session.warm_up loads every indicator: the new ones, with null cuts or grid, must load too
    for name in indicator_names():
        entry = load_indicator(name)
        assert entry.title and entry.measure and ("metric" in entry.projection) != ("not_projected" in entry.projection)
    assert load_indicator("ela_3_8").el_group_rfep_years == 4 and load_indicator("elpi").el_group_rfep_years is None


def test_the_yaml_shape_is_checked_when_read():
    from flp_inquiry.measures.dashboard import _read_grid, _read_projection, _read_rules

    with pytest.raises(ParameterError, match="Allowed values: shown_when"):
        _read_rules("x", [{"rule": "safety_net"}])
    with pytest.raises(ParameterError, match="missing highest"):
        _read_rules("x", [{"rule": "change_level_limits", "when": {"column": "a", "equals": "Y"}, "lowest": 2}])
    with pytest.raises(ParameterError, match="unknown colour"):
        _read_rules("x", [{"rule": "box_code", "column": "box", "colour": 1}])
    with pytest.raises(ParameterError, match="counted and minimum go together"):
        _read_rules("x", [{"rule": "shown_when", "figure": "currstatus", "counted": ["currdenom"]}])
    with pytest.raises(ParameterError, match="5 rows of 5"):
        _read_grid("x", [[1, 2, 3, 4, 5]])
    with pytest.raises(ParameterError, match="colour 1-5"):
        _read_grid("x", [[1, 2, 3, 4, 6]] + [[1] * 5] * 4)
    assert _read_grid("x", [[None, 1, 1, 1, 1]] + [[1] * 5] * 4)[0][0] is None
    with pytest.raises(ParameterError, match="not_projected"):
        _read_projection("x", {"metric": "dfs", "not_projected": "both"})
    with pytest.raises(ParameterError, match="not_projected"):
        _read_projection("x", {"metrics": "dfs"})
