"""The state's score files harmonised with the built-in mapping (``--mapping toms``), on files worked out by hand.

The hand-worked district is described in tests/toms_files.py (its table of records): every
expected row below is read off that table.
"""
from __future__ import annotations

import json

import pandas as pd
import pytest

from flp_inquiry.cli import main
from flp_inquiry.errors import InputDataError
from flp_inquiry.ingest.harmonise import harmonise_district
from flp_inquiry.ingest.store import load_district
from tests.toms_files import (
    CAASPP_2025,
    DISTRICT_CDS,
    NAME_A,
    NAME_B,
    OTHER_DISTRICT_SCHOOL,
    SCHOOL_A,
    SCHOOL_B,
    write_hand_worked,
    write_toms,
)

KEY = "toms_valley:{:010d}".format


def harmonised(folder, out, **years):
    write_hand_worked(folder, **years)
    harmonise_district("toms_valley", folder, out, mapping="toms")
    return load_district("toms_valley", out)


@pytest.fixture
def district(tmp_path):
    return harmonised(tmp_path / "downloads", tmp_path / "out")


def rows_of(frame: pd.DataFrame, columns: list[str]) -> list[list]:
    shown = frame[columns].astype(object)
    return shown.where(shown.notna(), None).values.tolist()


def test_smarter_balanced_rows_keep_scores_only_where_the_include_indicator_is_y(district):
    ela = district.assessments.query("test == 'ela'").set_index("student_key")
    assert rows_of(ela.loc[[KEY(i) for i in (1, 3, 4, 5, 6, 7, 10, 11)]].reset_index(),
                   ["include_indicator", "tested", "scale_score", "level", "tested_school_cds"]) == [
        ["Y", True, 2502, 3, SCHOOL_A],
        ["Y", True, 2600, 4, SCHOOL_A],             # the mover: tested at A, in CALPADS at B
        ["T", True, None, None, SCHOOL_A],          # LOSS: tested, the lowest score is no result
        ["E", False, None, None, SCHOOL_A],         # an English learner in a US school under 12 months
        ["N", False, None, None, SCHOOL_A],         # a parent exemption
        ["R", True, None, None, SCHOOL_B],          # invalidated
        ["Y", True, 2550, 3, DISTRICT_CDS],         # a nonpublic school: the district of accountability
        ["Y", True, 2700, 4, OTHER_DISTRICT_SCHOOL],
    ]
    assert rows_of(district.assessments.query("test == 'math'"), ["student_key", "grade_tested", "scale_score"]) == [
        [KEY(1), 5, 2528]]


def test_the_caa_and_the_alternate_elpac_are_kept_apart(district, tmp_path):
    assert KEY(8) not in set(district.assessments["student_key"]) and KEY(23) not in set(district.assessments["student_key"])
    other = pd.read_parquet(tmp_path / "out" / "toms_valley" / "other_tests.parquet")
    assert rows_of(other, ["student_key", "test", "grade_tested", "include_indicator", "scale_score", "level"]) == [
        [KEY(8), "caa_ela", 5, "Y", 545, 3], [KEY(23), "alternate_elpac", 3, "Y", None, 2]]


def test_summative_elpac_rows(district):
    elpac = district.assessments.query("test == 'elpac'")
    assert rows_of(elpac, ["student_key", "grade_tested", "include_indicator", "tested", "scale_score", "level"]) == [
        [KEY(5), 5, "Y", True, 1520, 3], [KEY(21), 3, "T", True, None, None], [KEY(22), 3, "N", False, None, None]]


def test_enrollment_is_one_row_per_student_from_the_calpads_snapshot(district):
    enrollment = district.enrollment.set_index("student_key")
    # 11 CAASPP students (s1 twice), the ELPAC-only s21, s22 and s23
    assert len(enrollment) == 14 and enrollment.index.is_unique and enrollment["primary"].all()
    assert rows_of(enrollment.loc[[KEY(3), KEY(5), KEY(10), KEY(21)]].reset_index(),
                   ["school_cds", "school_name", "grade", "el_status", "sed", "swd", "ethnicity"]) == [
        [SCHOOL_B, NAME_B, 5, "EO", True, False, "HI"],
        [SCHOOL_A, NAME_A, 5, "EL", True, False, "HI"],    # from the CAASPP record (ELAS), before the ELPAC one
        [SCHOOL_A, NAME_A, 5, "EO", True, True, "HI"],
        [SCHOOL_A, NAME_A, 3, "EL", True, False, "HI"],    # an ELPAC-only student: ELASforTesting
    ]
    assert enrollment.loc[KEY(5), "el_start_date"] == pd.Timestamp("2024-08-20")
    # the files have no attendance: unknown, never zero
    assert enrollment["days_enrolled"].isna().all() and enrollment["days_absent"].isna().all()


@pytest.mark.parametrize("caaspp_year, elpac_year", [(2022, 2022), (2023, 2023), (2024, 2024)])
def test_headers_renamed_between_years_give_the_same_tables(caaspp_year, elpac_year, tmp_path):
    # 2024-25 renamed ReportingEthnicity (CAASPP, ELPAC) and EconomicDisadvantageStatus (ELPAC); 2023-24 the IDEA
    # indicator (CALPADSIDEAIndicator -> CALPADSSpecialEducation); 2021-22 spelt the final tested NPS flag with
    # spaces (row 11, the NPS record, relies on it)
    earlier = harmonised(tmp_path / "earlier", tmp_path / "out_earlier", caaspp_year=caaspp_year, elpac_year=elpac_year)
    latest = harmonised(tmp_path / "latest", tmp_path / "out_latest")
    columns = ["student_key", "test", "grade_tested", "include_indicator", "tested", "scale_score", "tested_school_cds"]
    pd.testing.assert_frame_equal(earlier.assessments[columns], latest.assessments[columns])
    columns = ["student_key", "school_cds", "grade", "ethnicity", "sed", "swd", "el_status"]
    pd.testing.assert_frame_equal(earlier.enrollment[columns], latest.enrollment[columns])
    assert earlier.enrollment["school_year"].unique().tolist() == [caaspp_year]


def test_prior_scores_are_kept_for_growth(tmp_path):
    write_toms(tmp_path / "in", CAASPP_2025, "caaspp", 2025, [
        {"scale_score_minus_1": "2450", "grade_assessed_minus_1": "04", "scale_score_minus_2": "2390",
         "grade_assessed_minus_2": "03"}])
    harmonise_district("toms_valley", tmp_path / "in", tmp_path / "out", mapping="toms")
    row = load_district("toms_valley", tmp_path / "out").assessments.iloc[0]
    assert (row["prior_scale_score_1"], row["prior_scale_score_2"], pd.isna(row["prior_scale_score_3"])) == (2450, 2390, True)


def test_the_same_record_in_two_downloads_of_a_year_names_both(tmp_path):
    write_toms(tmp_path / "in", "caaspp_enrolled.CSV", "caaspp", 2025, [{}])
    write_toms(tmp_path / "in", "caaspp_tested.CSV", "caaspp", 2025, [{"ssid": "0000000002"}, {}])
    with pytest.raises(InputDataError) as caught:
        harmonise_district("toms_valley", tmp_path / "in", tmp_path / "out", mapping="toms")
    assert [(p.file, p.row, p.column, p.value) for p in caught.value.problems] == [
        ("caaspp_enrolled.CSV", 2, "SSID", "0000000001"), ("caaspp_tested.CSV", 3, "SSID", "0000000001")]
    assert "(caaspp_enrolled.CSV row 2; caaspp_tested.CSV row 3)" in caught.value.problems[0].message
    assert not (tmp_path / "out").exists()


def test_a_snapshot_that_breaks_the_canonical_rules_names_the_toms_field(tmp_path):
    write_toms(tmp_path / "in", CAASPP_2025, "caaspp", 2025, [{"gender": ""}])
    with pytest.raises(InputDataError) as caught:
        harmonise_district("toms_valley", tmp_path / "in", tmp_path / "out", mapping="toms")
    assert [(p.file, p.row, p.column) for p in caught.value.problems] == [(CAASPP_2025, 2, "Gender")]


def test_the_cli_harmonises_a_folder_of_downloads_with_the_built_in_mapping(tmp_path, capsys):
    write_hand_worked(tmp_path / "in")
    assert main(["harmonise", "--district", "toms_valley", "--source", str(tmp_path / "in"),
                 "--out", str(tmp_path / "out"), "--mapping", "toms"]) == 0
    printed = capsys.readouterr().out
    assert "caaspp_2025.CSV: 1 records of the state's other tests" in printed
    manifest = json.loads((tmp_path / "out" / "toms_valley" / "manifest.json").read_text())
    # assessments: 10 ELA and 1 math record, 3 Summative ELPAC; apart: the CAA and the Alternate ELPAC
    assert manifest["tables"] == {"enrollment": 14, "assessments": 14, "math_courses": 0, "outcomes": 0, "other_tests": 2}
    assert [(s["file"], s["rows"], s["kind"], s["layout"]) for s in manifest["sources"]] == [
        ("caaspp_2025.CSV", 12, "toms", "CAASPP 2024-25 (401 columns)"),
        ("elpac_2025.CSV", 4, "toms", "Summative ELPAC 2024-25 (376 columns)")]


def test_a_district_without_its_own_mapping_is_told_of_the_built_in_one(tmp_path, capsys):
    assert main(["harmonise", "--district", "toms_valley", "--source", str(tmp_path), "--out", str(tmp_path / "o")]) == 2
    assert "--mapping toms for the state's TOMS score files" in capsys.readouterr().err
