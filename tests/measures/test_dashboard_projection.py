"""The projected Dashboard of a small hand-made district, every figure, level and colour worked out by hand.

School A: 40 Hispanic students, grade 4 in 2022-23 and grade 5 in 2023-24 (the same students):
  students 0-9 current English learners, 10-11 RFEP 2021-03-01 (three school years before 2023-24: in the
  academic EL group both years), 12-13 RFEP 2019-03-01 (five years: in no EL group), 14-39 English only;
  students 0-19 socioeconomically disadvantaged.
School B: 3 White English-only students in grades 1 (2023) and 2 (2024), never absent, never tested.

ELA: every A student 60 points below the grade 4 minimum (2413 against 2473) in 2023 and 80 below grade 5's
(2422 against 2502) in 2024.  Math: 30 below both years (2455 against 2485, 2498 against 2528).
Chronic absence: A's students 0-3 absent 20 of 180 days in 2023, students 0-9 in 2024.
ELPAC (the 10 English learners): 1480 in grade 4 (2H) in 2023; in grade 5 (2L below 1490, 3L from 1514)
students 0-4 score 1520 (rose) and 5-9 1470 (fell): ELPI 5 of 10 = 50%.
"""
from __future__ import annotations

import pandas as pd
import pytest

from flp_inquiry.errors import ParameterError
from flp_inquiry.ingest.schema import columns_of
from flp_inquiry.ingest.store import DistrictData
from flp_inquiry.measures.dashboard_projection import COLUMNS, projected_dashboard


def _district() -> DistrictData:
    enrollment, assessments = [], []
    for year, grade in ((2023, 4), (2024, 5)):
        for i in range(40):
            el = "EL" if i < 10 else "RFEP" if i < 14 else "EO"
            rfep = pd.Timestamp("2021-03-01") if i in (10, 11) else pd.Timestamp("2019-03-01") if i in (12, 13) else pd.NaT
            chronic = i < (4 if year == 2023 else 10)
            enrollment.append({"district": "fresno", "school_year": year, "student_key": f"fresno:{i}",
                               "school_cds": "10621660000001", "school_name": "A", "grade": grade, "gender": "F",
                               "ethnicity": "HI", "el_status": el, "el_start_date": pd.NaT, "rfep_date": rfep,
                               "sed": i < 20, "swd": False, "days_enrolled": 180, "days_absent": 20.0 if chronic else 0.0,
                               "primary": True})
            minimum = {"ela": {4: 2473, 5: 2502}, "math": {4: 2485, 5: 2528}}
            below = {"ela": 60 if year == 2023 else 80, "math": 30}
            for test in ("ela", "math"):
                assessments.append((year, f"fresno:{i}", test, grade, minimum[test][grade] - below[test], 1))
            if i < 10:
                elpac = 1480 if year == 2023 else (1520 if i < 5 else 1470)
                assessments.append((year, f"fresno:{i}", "elpac", grade, elpac, 2))
        for j in range(3):
            enrollment.append({"district": "fresno", "school_year": year, "student_key": f"fresno:b{j}",
                               "school_cds": "10621660000002", "school_name": "B", "grade": grade - 3, "gender": "M",
                               "ethnicity": "WH", "el_status": "EO", "el_start_date": pd.NaT, "rfep_date": pd.NaT,
                               "sed": False, "swd": False, "days_enrolled": 180, "days_absent": 0.0, "primary": True})
    assessments = pd.DataFrame(assessments, columns=["school_year", "student_key", "test", "grade_tested",
                                                     "scale_score", "level"])
    assessments = assessments.astype({"scale_score": "Int64", "level": "Int64"}).assign(district="fresno", tested=True)
    empty = [pd.DataFrame(columns=columns_of(t)) for t in ("math_courses", "outcomes")]
    return DistrictData("fresno", pd.DataFrame(enrollment), assessments, *empty)


@pytest.fixture(scope="module")
def district_view() -> pd.DataFrame:
    return projected_dashboard(_district(), 2024)


def _cell(table, measure, group):
    rows = table[(table["measure"] == measure) & (table["dashboard_group"] == group)]
    assert len(rows) == 1, rows
    return rows.iloc[0]


def test_red_and_orange_come_first(district_view):
    first = district_view.head(6)
    assert list(zip(first["measure"], first["dashboard_group"].astype(str), first["colour_name"])) == [
        ("ela_3_8", "ALL", "Red"), ("ela_3_8", "HI", "Red"),
        ("chronic_absenteeism", "ALL", "Red"), ("chronic_absenteeism", "HI", "Red"),
        ("math_3_8", "ALL", "Orange"), ("math_3_8", "HI", "Orange")]
    assert district_view["colour"].iloc[6:].isna().all()  # nothing else has a colour
    assert list(district_view.columns) == COLUMNS
    assert "Projected Dashboard 2024" in district_view.attrs["caption"] and "not the state's" in district_view.attrs["caption"]


def test_ela_and_math_cells(district_view):
    ela = _cell(district_view, "ela_3_8", "ALL")
    # -80.0 is Very Low (< -70); -80 - (-60) = -20.0 Declined Significantly (< -15): Very Low x DS = Red
    assert (ela["n"], ela["value"], ela["prior_n"], ela["prior_value"], ela["change"]) == (40, -80.0, 40, -60.0, -20.0)
    assert (ela["status"], ela["change_name"], ela["colour_name"], ela["no_colour_reason"]) == (
        "Very Low", "Declined Significantly", "Red", "")
    math = _cell(district_view, "math_3_8", "ALL")
    # -30.0 is Low (-95 to < -25); change 0.0 Maintained: Low x Maintained = Orange
    assert (math["value"], math["change"], math["status"], math["change_name"], math["colour_name"]) == (
        -30.0, 0.0, "Low", "Maintained", "Orange")


def test_the_academic_el_group_holds_the_recent_rfeps_and_small_groups_get_no_colour(district_view):
    # EL = 10 current ELs + 2 reclassified in 2020-21; the 2 reclassified in 2018-19 are in neither
    assert [int(_cell(district_view, "ela_3_8", g)["n"]) for g in ("EL", "ELO", "RFP", "EO", "SED")] == [12, 10, 2, 26, 20]
    for group in ("EL", "ELO", "RFP", "EO", "SED"):
        cell = _cell(district_view, "ela_3_8", group)
        assert (cell["status"], cell["change_name"]) == ("Very Low", "Declined Significantly")  # each student alike
        assert pd.isna(cell["colour"]) and cell["no_colour_reason"] == "fewer than 30 students this year"


def test_chronic_absenteeism_cells(district_view):
    whole = _cell(district_view, "chronic_absenteeism", "ALL")
    # 10 of 43 = 23.26% (Very High, 20.1 or more) after 4 of 43 = 9.30%: +13.95 -> 14.0, Increased Significantly
    assert (whole["n"], whole["prior_n"], round(whole["value"], 2), round(whole["prior_value"], 2), whole["change"]) == (
        43, 43, 23.26, 9.30, 14.0)
    assert (whole["status"], whole["change_name"], whole["colour_name"]) == ("Very High", "Increased Significantly", "Red")
    # English learners here are current ELs only (0-9): 10 of 10 after 4 of 10
    el = _cell(district_view, "chronic_absenteeism", "EL")
    assert (el["n"], el["value"], el["prior_value"], el["change"]) == (10, 100.0, 40.0, 60.0)
    # English only: A's 26 and B's 3, 29 students, one short of a colour
    eo = _cell(district_view, "chronic_absenteeism", "EO")
    assert (eo["n"], eo["value"], eo["status"], eo["change_name"]) == (29, 0.0, "Very Low", "Maintained")
    assert pd.isna(eo["colour"]) and eo["no_colour_reason"] == "fewer than 30 students this year"
    assert "RFP" not in set(district_view.loc[district_view["measure"] == "chronic_absenteeism", "dashboard_group"])


def test_cells_without_a_colour_say_why(district_view):
    elpi = _cell(district_view, "elpi", "ALL")
    assert (elpi["n"], elpi["value"], elpi["status"]) == (10, 50.0, "Medium")  # 45 to < 55
    assert elpi["no_colour_reason"] == "the state's colour grid for 2023 on is not in this project's rules yet"
    assert pd.isna(elpi["change"])  # no ELPAC of 2021-22, so no ELPI last year
    assert _cell(district_view, "cci", "ALL")["no_colour_reason"] == "this project holds the state's rules for this indicator for 2017, not 2024"
    graduation = _cell(district_view, "graduation", "ALL")
    assert graduation["no_colour_reason"] == "no students counted for this measure in the district in 2024"
    assert _cell(district_view, "ela_11", "ALL")["no_colour_reason"].startswith("no students counted")


def test_one_school(district_view):
    school_b = projected_dashboard(_district(), 2024, school="B")
    assert _cell(school_b, "ela_3_8", "ALL")["no_colour_reason"] == \
        "no students counted for this measure at this school in 2024"
    chronic = _cell(school_b, "chronic_absenteeism", "ALL")
    assert (chronic["n"], chronic["value"], chronic["change"], chronic["status"]) == (3, 0.0, 0.0, "Very Low")
    school_a = projected_dashboard(_district(), 2024, school="A")
    chronic_a = _cell(school_a, "chronic_absenteeism", "ALL")  # 10 of 40 = 25.0 after 4 of 40 = 10.0
    assert (chronic_a["n"], chronic_a["value"], chronic_a["change"], chronic_a["colour_name"]) == (40, 25.0, 15.0, "Red")
    with pytest.raises(ParameterError, match="school = 'C'"):
        projected_dashboard(_district(), 2024, school="C")


def test_a_year_before_the_data_has_no_prior_figures():
    table = projected_dashboard(_district(), 2023)
    ela = _cell(table, "ela_3_8", "ALL")
    assert (ela["value"], ela["status"]) == (-60.0, "Low") and ela["no_colour_reason"] == "no figure last year, so no change"
