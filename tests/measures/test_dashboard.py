"""Dashboard status, change and colour: cut points exactly, and the state's own published files."""
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
    indicator_names,
    level_names,
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
