"""The Dashboard's student groups, and metrics grouped by them, worked out by hand.

School year 2024 is 2023-24; "reclassified within the last four years" is an RFEP date from
2020-07-01 to 2024-06-30 (the school years 2020-21, 2021-22, 2022-23 and 2023-24).
"""
from __future__ import annotations

import pandas as pd
import pytest

from flp_inquiry.codes import DASHBOARD_GROUP_LABELS
from flp_inquiry.errors import ParameterError
from flp_inquiry.inquiry import labels
from flp_inquiry.measures.assessment import distance_from_standard, participation_rate, percent_met
from flp_inquiry.measures.dashboard import load_indicator
from flp_inquiry.measures.dashboard_groups import (
    GROUPS_NOT_COMPUTED,
    PROJECT_EL_STATUS_LABELS,
    dashboard_groups,
    el_group_rfep_years,
    reclassified_within,
)
from flp_inquiry.measures.outcomes import chronic_absenteeism, graduation_rate


def student(key, el_status="EO", rfep=None, year=2024, ethnicity="HI", sed=False, swd=False, primary=True,
            school="A", grade=5, absent=0.0, days=180):
    return {"district": "fresno", "school_year": year, "student_key": key, "school_cds": "10621660000001",
            "school_name": school, "grade": grade, "gender": "F", "ethnicity": ethnicity, "el_status": el_status,
            "el_start_date": pd.NaT, "rfep_date": pd.Timestamp(rfep) if rfep else pd.NaT, "sed": sed, "swd": swd,
            "days_enrolled": days, "days_absent": absent, "primary": primary}


def groups_of(rows, **options) -> dict:
    table = dashboard_groups(pd.DataFrame(rows), **options)
    return {(year, key): set(part["dashboard_group"].astype(str))
            for (year, key), part in table.groupby(["school_year", "student_key"])}


EL_CASES = [
    # key, el_status, RFEP date, in EL?, in ELO?, in RFP?
    ("current EL", "EL", None, True, True, False),
    ("RFEP 3 years ago (2020-21)", "RFEP", "2021-03-01", True, False, True),
    ("RFEP 5 years ago (2018-19)", "RFEP", "2019-03-01", False, False, False),
    ("RFEP 4 years ago (2019-20)", "RFEP", "2020-03-01", False, False, False),
    ("RFEP on the window's first day", "RFEP", "2020-07-01", True, False, True),
    ("RFEP on the day before it", "RFEP", "2020-06-30", False, False, False),
    ("RFEP this year (2023-24)", "RFEP", "2024-03-01", True, False, True),
    ("EL row, reclassified this year", "EL", "2024-03-01", True, False, True),
    ("RFEP, date unknown", "RFEP", None, False, False, False),
    ("English only", "EO", None, False, False, False),
    ("IFEP", "IFEP", None, False, False, False),
]


@pytest.mark.parametrize(("key", "el_status", "rfep", "in_el", "in_elo", "in_rfp"), EL_CASES)
def test_the_academic_el_group(key, el_status, rfep, in_el, in_elo, in_rfp):
    got = groups_of([student(key, el_status, rfep)])[(2024, key)]
    assert ("EL" in got, "ELO" in got, "RFP" in got) == (in_el, in_elo, in_rfp)
    assert ("EO" in got) == (el_status == "EO")


def test_the_same_rfep_leaves_el_after_four_school_years():
    # reclassified 2021-03-01 (2020-21): in EL in 2021, 2022, 2023 and 2024; out from 2025
    rows = [student("f:1", "RFEP", "2021-03-01", year=year) for year in (2021, 2022, 2023, 2024, 2025)]
    got = groups_of(rows)
    assert ["EL" in got[(year, "f:1")] for year in (2021, 2022, 2023, 2024, 2025)] == [True, True, True, True, False]


def test_el_is_elo_plus_rfp_and_the_rest_are_in_neither():
    table = dashboard_groups(pd.DataFrame([student(key, status, rfep) for key, status, rfep, *_ in EL_CASES]))
    members = {g: set(table.loc[table["dashboard_group"] == g, "student_key"]) for g in ("EL", "ELO", "RFP")}
    assert members["EL"] == members["ELO"] | members["RFP"] and not members["ELO"] & members["RFP"]
    assert len(members["EL"]) == 5  # current EL, 3 years ago, the first day, this year (RFEP and EL rows)
    assert table.attrs["rfep_without_date"] == 1


def test_an_indicator_whose_el_group_is_current_english_learners():
    # chronic absenteeism, ELPI, graduation: EL = ELO = this year's el_status EL, no RFP
    rows = [student("a", "EL"), student("b", "RFEP", "2023-03-01"), student("c", "EL", "2024-03-01")]
    got = groups_of(rows, rfep_years=el_group_rfep_years("chronic_absenteeism"))
    assert got[(2024, "a")] >= {"EL", "ELO"} and got[(2024, "c")] >= {"EL", "ELO"}
    assert not got[(2024, "b")] & {"EL", "ELO", "RFP"}
    assert el_group_rfep_years("ela_3_8") == load_indicator("ela_3_8").el_group_rfep_years == 4
    assert el_group_rfep_years("elpi") is None and el_group_rfep_years("graduation") is None


def test_other_groups_and_those_left_out():
    rows = [student("a", ethnicity="AA", sed=True, swd=True), student("b", ethnicity="NR"),
            student("c", ethnicity="MR")]
    got = groups_of(rows)
    assert got[(2024, "a")] == {"ALL", "EO", "SED", "SWD", "AA"}
    assert got[(2024, "b")] == {"ALL", "EO"}  # not reported: no ethnicity group
    assert got[(2024, "c")] == {"ALL", "EO", "MR"}
    table = dashboard_groups(pd.DataFrame(rows))
    assert set(table.attrs["groups_not_computed"]) == {"FOS", "HOM", "LTEL"}
    assert "no foster flag" in GROUPS_NOT_COMPUTED["FOS"] and "no homeless flag" in GROUPS_NOT_COMPUTED["HOM"]
    assert not {"FOS", "HOM"} & set(DASHBOARD_GROUP_LABELS)


def test_the_primary_row_counts_and_groups_come_in_the_dashboard_order():
    rows = [student("a", "EL", primary=False, ethnicity="WH"), student("a", "EO", primary=True, ethnicity="HI")]
    table = dashboard_groups(pd.DataFrame(rows))
    assert table["dashboard_group"].astype(str).tolist() == ["ALL", "EO", "HI"]
    assert list(table["dashboard_group"].cat.categories) == list(DASHBOARD_GROUP_LABELS)


def test_labels_tell_the_dashboards_el_from_the_projects():
    assert "reclassified within four years" in DASHBOARD_GROUP_LABELS["EL"]
    assert "not the Dashboard's EL group" in PROJECT_EL_STATUS_LABELS["EL"]
    assert labels.group_label("dashboard_group", "RFP") == DASHBOARD_GROUP_LABELS["RFP"]
    assert labels.GROUP_TYPE_LABELS["dashboard_group"] == "Dashboard student group"


def test_reclassified_within_edges_and_bad_years():
    dates = pd.Series(pd.to_datetime(["2023-07-01", "2023-06-30", "2024-06-30"]))
    assert reclassified_within(dates, pd.Series([2024] * 3), years=1).tolist() == [True, False, True]
    assert reclassified_within(dates, pd.Series([2024] * 3), years=0).tolist() == [False, False, False]
    with pytest.raises(ParameterError):
        reclassified_within(dates, pd.Series([2024] * 3), years=-1)


def test_a_missing_column_is_named():
    with pytest.raises(ParameterError, match="rfep_date"):
        dashboard_groups(pd.DataFrame([student("a")]).drop(columns="rfep_date"))


# --- metrics by Dashboard group: a student-year counted once in each of its groups -------------------------

# Four grade-5 students in 2023-24, all Hispanic:
#   f:1 current EL, SED, level 3 (2502, ELA grade 5 minimum 2502: DFS 0), absent 18 of 180 (chronic)
#   f:2 RFEP 2021-03-01 (3 years), SED, level 4 (2582: +80), absent 0
#   f:3 RFEP 2019-03-01 (5 years), level 1 (2402: -100), absent 20 (chronic)
#   f:4 English only, level 2 (2462: -40), absent 0
FOUR = [student("f:1", "EL", sed=True, absent=18.0), student("f:2", "RFEP", "2021-03-01", sed=True),
        student("f:3", "RFEP", "2019-03-01", absent=20.0), student("f:4", "EO")]
SCORES = [("f:1", 2502, 3), ("f:2", 2582, 4), ("f:3", 2402, 1), ("f:4", 2462, 2)]


def _four():
    enrollment = pd.DataFrame(FOUR)
    assessments = pd.DataFrame([{"district": "fresno", "school_year": 2024, "student_key": key, "test": "ela",
                                 "grade_tested": 5, "tested": True, "scale_score": score, "level": level}
                                for key, score, level in SCORES]).astype({"scale_score": "Int64", "level": "Int64"})
    return assessments, enrollment


def _by_group(table):
    return {str(row.dashboard_group): (int(row.n), round(float(row.value), 1)) for row in table.itertuples()}


def test_percent_met_and_dfs_by_dashboard_group():
    assessments, enrollment = _four()
    # EL: f:1 (met) and f:2 (exceeded), 100%; ELO f:1; RFP f:2; EO f:4 (not met); SED f:1, f:2
    assert _by_group(percent_met(assessments, enrollment, "ela", ["dashboard_group"])) == {
        "ALL": (4, 50.0), "EL": (2, 100.0), "ELO": (1, 100.0), "RFP": (1, 100.0), "EO": (1, 0.0),
        "SED": (2, 100.0), "HI": (4, 50.0)}
    # DFS: ALL (0 + 80 - 100 - 40) / 4 = -15; EL (0 + 80) / 2 = 40
    dfs = distance_from_standard(assessments, enrollment, "ela", ["dashboard_group"])
    assert _by_group(dfs) == {"ALL": (4, -15.0), "EL": (2, 40.0), "ELO": (1, 0.0), "RFP": (1, 80.0),
                              "EO": (1, -40.0), "SED": (2, 40.0), "HI": (4, -15.0)}
    assert dfs["status_level"].tolist() == [2, 4, 3, 5, 2, 4, 2]  # by the grades 3-8 cuts
    assert _by_group(participation_rate(assessments, enrollment, "ela", ["dashboard_group"]))["EL"] == (2, 100.0)


def test_the_projects_own_el_breakdown_is_kept_as_it_is():
    assessments, enrollment = _four()
    by_status = percent_met(assessments, enrollment, "ela", ["el_status"])
    assert by_status[["el_status", "n", "value"]].values.tolist() == [["EL", 1, 100.0], ["EO", 1, 0.0],
                                                                        ["RFEP", 2, 50.0]]


def test_chronic_absenteeism_by_dashboard_group_uses_current_english_learners():
    _, enrollment = _four()
    # chronic: f:1 (18 of 180 = 10%) and f:3 (20); EL is f:1 alone here (no RFEP window for this indicator)
    assert _by_group(chronic_absenteeism(enrollment, ["dashboard_group"])) == {
        "ALL": (4, 50.0), "EL": (1, 100.0), "ELO": (1, 100.0), "EO": (1, 0.0), "SED": (2, 50.0), "HI": (4, 50.0)}


def test_graduation_by_dashboard_group_counts_a_student_without_enrollment_in_all():
    _, enrollment = _four()
    outcomes = pd.DataFrame({"district": "fresno", "cohort_year": [2024] * 3, "student_key": ["f:1", "f:4", "f:9"],
                             "graduated": [True, False, True], "dropped_out": False, "ag_met": False})
    assert _by_group(graduation_rate(outcomes, enrollment, ["dashboard_group"])) == {
        "ALL": (3, 66.7), "EL": (1, 100.0), "ELO": (1, 100.0), "EO": (1, 0.0), "SED": (1, 100.0), "HI": (2, 50.0)}


def test_matched_cohorts_refuse_a_grouping_with_several_groups_per_student():
    from flp_inquiry.inquiry.cohorts import matched_cohort_growth

    assessments, enrollment = _four()
    with pytest.raises(ParameterError, match="by = 'dashboard_group'"):
        matched_cohort_growth(assessments, enrollment, "ela", 2023, 2024, by=["dashboard_group"])
