"""harmonise_district on hand-made exports: what survives, and every bad-input kind reported in full."""
from __future__ import annotations

import csv
import hashlib
import io
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from flp_inquiry.cli import main
from flp_inquiry.errors import InputDataError, MappingError, Problem
from flp_inquiry.ingest.harmonise import harmonise_district
from flp_inquiry.ingest.schema import MODELS, TABLES
from flp_inquiry.ingest.store import load_district
from tests.conftest import FIXTURES, PROJECT

EXPORTS = FIXTURES / "exports"
ENCODING = {"fresno": "cp1252", "long_beach": "utf-8"}


def hashes(folder: Path) -> dict[str, str]:
    """SHA-256 of every file under ``folder``, by relative path."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def exports(tmp_path: Path) -> Path:
    """Both districts' good fixture exports, copied so a test may spoil them."""
    for district in ENCODING:
        shutil.copytree(EXPORTS / district, tmp_path / "exports" / district)
    return tmp_path / "exports"


def edit_text(path: Path, old: str, new: str, encoding: str, count: int = 1) -> None:
    text = path.read_bytes().decode(encoding)
    assert text.count(old) >= count, f"{old!r} not in {path.name}"
    path.write_bytes(text.replace(old, new, count).encode(encoding))


def drop_columns(path: Path, columns: list[str], encoding: str) -> None:
    rows = list(csv.reader(io.StringIO(path.read_bytes().decode(encoding))))
    keep = [i for i, name in enumerate(rows[0]) if name not in columns]
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows([[row[i] for i in keep] for row in rows])
    path.write_bytes(buffer.getvalue().encode(encoding))


# -- the good fixtures ----------------------------------------------------------------------------

def test_fresno_values_survive_into_parquet(exports: Path, tmp_path: Path):
    folder = harmonise_district("fresno", exports / "fresno", tmp_path / "out")
    data = load_district("fresno", tmp_path / "out")
    enrollment = data.enrollment.set_index(["school_year", "student_key", "school_cds"])
    row = enrollment.loc[(2024, "fresno:004518233", "10621660123456")]
    assert row["school_name"] == "Sample Peñasco Middle"          # cp1252 accent
    assert row["grade"] == 7 and row["el_status"] == "EL"
    assert row["days_absent"] == 3.5                              # half day
    assert row["el_start_date"] == pd.Timestamp("2019-08-15")     # MM/DD/YYYY
    assert pd.isna(row["rfep_date"]) and row["sed"] and not row["swd"] and row["primary"]
    assert "fresno:000000417" in set(data.enrollment["student_key"])  # leading zeros kept
    kinder = enrollment.loc[(2024, "fresno:010203040", "10621660111111")]
    assert kinder["grade"] == 0 and kinder["gender"] == "X"
    # the school year comes from the file name: 2022-23 -> 2023
    assert sorted(data.enrollment["school_year"].unique()) == [2023, 2024]
    # 001112223 has two enrollments in 2024, the primary one at Tehipite
    moved = data.enrollment[data.enrollment["student_key"] == "fresno:001112223"]
    assert moved.set_index("school_cds")["primary"].to_dict() == {"10621660123456": False, "10621660222222": True}
    assert len(data.enrollment) == 7
    for table in TABLES:
        MODELS[table].validate(getattr(data, table))
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["tables"] == {"enrollment": 7, "assessments": 7, "math_courses": 5, "outcomes": 3}
    assert {s["file"]: s["rows"] for s in manifest["sources"]} == {
        "assessments_2023-24.csv": 4, "enrollment_2022-23.csv": 2,
        "enrollment_2023-24.csv": 5, "outcomes_2023-24.csv": 3}


def test_fresno_wide_tests_become_long_rows(exports: Path, tmp_path: Path):
    harmonise_district("fresno", exports / "fresno", tmp_path / "out")
    tests = load_district("fresno", tmp_path / "out").assessments
    by_key = tests.set_index(["student_key", "test"])
    # the grade 7 EL: ELA, math and ELPAC
    assert by_key.loc[("fresno:004518233", "elpac"), ["scale_score", "level"]].tolist() == [1512, 3]
    # grade 11 with a blank math score: a row, not tested
    math_11 = by_key.loc[("fresno:000000417", "math")]
    assert not math_11["tested"] and pd.isna(math_11["scale_score"]) and pd.isna(math_11["level"])
    # no ELPAC row without an ELPAC score, and no rows at all for the kindergartner
    assert ("fresno:000000417", "elpac") not in by_key.index
    assert "fresno:010203040" not in set(tests["student_key"])
    assert len(tests) == 7 and tests["tested"].sum() == 6


def test_fresno_courses_come_from_primary_enrollment_rows(exports: Path, tmp_path: Path):
    harmonise_district("fresno", exports / "fresno", tmp_path / "out")
    courses = load_district("fresno", tmp_path / "out").math_courses
    in_2024 = courses[courses["school_year"] == 2024].set_index("student_key")
    # MATH 8 was on 001112223's non-primary row: only ALG 1 HON counts
    assert in_2024.loc["fresno:001112223", ["course_title", "course_level", "mark"]].tolist() == \
        ["ALG 1 HON", "algebra_1", "A"]
    assert in_2024["course_level"].to_dict() == {
        "fresno:000000417": "algebra_2", "fresno:001112223": "algebra_1", "fresno:004518233": "grade_level"}
    outcomes = load_district("fresno", tmp_path / "out").outcomes.set_index("student_key")
    assert outcomes.loc["fresno:000000418", ["cohort_year", "graduated", "dropped_out", "ag_met"]].tolist() == \
        [2024, False, True, False]


def test_long_beach_values_survive_into_parquet(exports: Path, tmp_path: Path):
    harmonise_district("long_beach", exports / "long_beach", tmp_path / "out")
    data = load_district("long_beach", tmp_path / "out")
    enrollment = data.enrollment.set_index(["school_year", "student_key"])
    tk = enrollment.loc[(2024, "long_beach:2345678")]
    assert tk["school_cds"] == "19647250100001" and tk["school_name"] == "Sample Muñoz Elementary"  # joined
    assert tk["grade"] == -1 and tk["gender"] == "M" and tk["el_status"] == "TBD"
    assert not tk["sed"] and tk["swd"]
    rfep = enrollment.loc[(2024, "long_beach:1234567")]
    assert rfep["rfep_date"] == pd.Timestamp("2024-02-01") and rfep["ethnicity"] == "HI"
    assert data.enrollment["primary"].all()
    tests = data.assessments.set_index(["school_year", "student_key", "test"])
    not_tested = tests.loc[(2023, "long_beach:1234567", "math")]
    assert not not_tested["tested"] and pd.isna(not_tested["level"])
    assert tests.loc[(2024, "long_beach:3456789", "ela"), "level"] == 4
    assert data.math_courses.set_index("course_title")["course_level"].to_dict() == {
        "Math 7 CC": "grade_level", "Integrated Math I Honors": "algebra_1",
        "Pre-Calculus": "beyond", "AP Statistics": "beyond"}
    assert data.outcomes["cohort_year"].tolist() == [2023, 2024, 2024]   # sorted
    for table in TABLES:
        MODELS[table].validate(getattr(data, table))


def test_rows_are_written_in_the_same_order_every_time(exports: Path, tmp_path: Path):
    first = harmonise_district("long_beach", exports / "long_beach", tmp_path / "a")
    second = harmonise_district("long_beach", exports / "long_beach", tmp_path / "b")
    for table in TABLES:
        pd.testing.assert_frame_equal(pd.read_parquet(first / f"{table}.parquet"),
                                      pd.read_parquet(second / f"{table}.parquet"))


def test_header_only_file_gives_zero_rows(exports: Path, tmp_path: Path):
    outcomes = exports / "fresno" / "outcomes_2023-24.csv"
    outcomes.write_bytes(b"StudentID,Outcome,AGMet\r\n")
    harmonise_district("fresno", exports / "fresno", tmp_path / "out")
    assert load_district("fresno", tmp_path / "out").outcomes.empty


def test_third_district_needs_only_a_mapping(tmp_path: Path):
    third = EXPORTS / "third_district"
    harmonise_district("third", third / "export", tmp_path / "out", mapping=third / "third.yaml")
    data = load_district("third", tmp_path / "out")
    enrollment = data.enrollment.set_index("student_key")
    assert enrollment.loc["third:00042", ["school_year", "grade", "gender", "ethnicity", "el_status"]].tolist() == \
        [2024, 0, "M", "HI", "EL"]
    assert enrollment.loc["third:00042", "school_name"] == "Sample Église Elementary"
    assert enrollment.loc["third:00042", "days_absent"] == 1.5
    assert enrollment.loc["third:00043", "rfep_date"] == pd.Timestamp("2022-03-15")   # YYYYMMDD
    tests = data.assessments.set_index("test")
    assert tests.loc["ela", ["scale_score", "level", "tested"]].tolist() == [2555, 3, True]
    assert not tests.loc["math", "tested"]
    assert data.math_courses.empty and data.outcomes.empty   # not in this export: written empty


def test_mapping_for_another_district_is_refused(exports: Path, tmp_path: Path):
    with pytest.raises(MappingError, match="is for district 'third', not 'fresno'"):
        harmonise_district("fresno", exports / "fresno", tmp_path / "out",
                           mapping=EXPORTS / "third_district" / "third.yaml")


# -- bad inputs: one case per kind, each with two problems so "all at once" is checked ----------

def wrong_encoding_cp1252(src: Path) -> None:
    path = src / "fresno" / "enrollment_2023-24.csv"
    path.write_bytes(path.read_bytes().decode("cp1252").encode("utf-8"))   # re-saved as UTF-8


def undecodable_utf8(src: Path) -> None:
    path = src / "long_beach" / "sites.csv"
    path.write_bytes(path.read_bytes().decode("utf-8").encode("cp1252"))


def missing_columns(src: Path) -> None:
    drop_columns(src / "fresno" / "enrollment_2023-24.csv", ["SED", "DaysAbsent"], "cp1252")


def renamed_column(src: Path) -> None:
    edit_text(src / "long_beach" / "students.csv", "grade_level", "GradeLevel", "utf-8")
    edit_text(src / "fresno" / "outcomes_2023-24.csv", "AGMet", "AG_Met", "cp1252")


def unknown_codes(src: Path) -> None:
    edit_text(src / "fresno" / "enrollment_2023-24.csv", "0654321,Sample Roosevelt High,11,M",
              "0654321,Sample Roosevelt High,13,M", "cp1252")
    edit_text(src / "long_beach" / "test_results.csv", "SBAC Math,7,,Not Tested", "SBAC Math,7,,Absent", "utf-8")


def bad_dates(src: Path) -> None:
    edit_text(src / "fresno" / "enrollment_2023-24.csv", "08/15/2019,,Y,N,180", "2019-08-15,,Y,N,180", "cp1252")
    edit_text(src / "long_beach" / "students.csv", "2024-02-01", "2024-02-30", "utf-8")


def out_of_range(src: Path) -> None:
    edit_text(src / "fresno" / "assessments_2023-24.csv", "07,2489,2", "07,9999,2", "cp1252")
    edit_text(src / "fresno" / "assessments_2023-24.csv", "2620,4", "2620,5", "cp1252")
    edit_text(src / "long_beach" / "students.csv", "150,10", "150,-2", "utf-8")


def duplicate_student_years(src: Path) -> None:
    edit_text(src / "fresno" / "enrollment_2023-24.csv", "40,2.5,N", "40,2.5,Y", "cp1252")
    path = src / "long_beach" / "students.csv"
    path.write_bytes(path.read_bytes() + b"3456789,2024,205,11,Nonbinary,Two or More Races,English Only,,,0,FALSE,90,0\n")


def empty_files(src: Path) -> None:
    (src / "fresno" / "outcomes_2023-24.csv").write_bytes(b"")
    (src / "long_beach" / "math_courses.csv").write_bytes(b"")


def not_csv(src: Path) -> None:
    (src / "long_beach" / "sites.csv").write_bytes(b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00")
    path = src / "long_beach" / "cohort_outcomes.csv"
    path.write_bytes(path.read_bytes().replace(b",", b";"))


def ragged_row(src: Path) -> None:
    edit_text(src / "long_beach" / "math_courses.csv", "Pre-Calculus,C", "Pre-Calculus,C,extra", "utf-8")
    edit_text(src / "long_beach" / "math_courses.csv", "Math 7 CC,B", "Math 7 CC", "utf-8")


# (spoil the exports, [(file, row, column, value, words in the message)])
BAD_INPUTS = {
    "wrong encoding (UTF-8 file, cp1252 mapping)": (wrong_encoding_cp1252, [
        ("enrollment_2023-24.csv", 2, "SchoolName", "Sample Peñasco Middle", "UTF-8"),
        ("enrollment_2023-24.csv", 5, "SchoolName", "Sample Peñasco Middle", "UTF-8")]),
    "bytes that are not UTF-8": (undecodable_utf8, [
        ("sites.csv", 2, "site_name", "Sample Mu\ufffdoz Elementary", "not utf-8 text")]),
    "missing columns": (missing_columns, [
        ("enrollment_2023-24.csv", 1, "SED", None, "expected column 'SED' is missing"),
        ("enrollment_2023-24.csv", 1, "DaysAbsent", None, "expected column 'DaysAbsent' is missing")]),
    "renamed columns": (renamed_column, [
        ("students.csv", 1, "grade_level", None, "unexpected columns found: GradeLevel"),
        ("outcomes_2023-24.csv", 1, "AGMet", None, "unexpected columns found: AG_Met")]),
    "unknown codes": (unknown_codes, [
        ("enrollment_2023-24.csv", 3, "Grade", "13", "not a code the mapping knows"),
        ("test_results.csv", 3, "performance_level", "Absent", "not a code the mapping knows")]),
    "bad dates": (bad_dates, [
        ("enrollment_2023-24.csv", 2, "ELStartDate", "2019-08-15", "MM/DD/YYYY"),
        ("students.csv", 3, "reclassification_date", "2024-02-30", "YYYY-MM-DD")]),
    "out-of-range numbers": (out_of_range, [
        ("assessments_2023-24.csv", 2, "ELA_SS", "9999", "outside the plausible range 1100 to 3000"),
        ("assessments_2023-24.csv", 4, "MATH_PL", "5", "not a code the mapping knows"),
        ("students.csv", 4, "days_absent", "-2", "outside the plausible range 0 to 366")]),
    "duplicate student-years": (duplicate_student_years, [
        ("enrollment_2023-24.csv", 5, "StudentID", "001112223", "rows 5, 6"),
        ("enrollment_2023-24.csv", 6, "StudentID", "001112223", "rows 5, 6"),
        ("students.csv", 6, "student_number", "3456789", "rows 5, 6")]),
    "empty files": (empty_files, [
        ("outcomes_2023-24.csv", None, None, None, "empty"),
        ("math_courses.csv", None, None, None, "empty")]),
    "not CSV": (not_csv, [
        ("sites.csv", None, None, None, "not a text CSV"),
        ("cohort_outcomes.csv", 1, None, "student_number;cohort_year;graduated;dropped_out;ag_complete",
         "delimited by ';'")]),
    "ragged rows": (ragged_row, [
        ("math_courses.csv", 2, None, "1234567,2023,Math 7 CC", "3 values where the header has 4"),
        ("math_courses.csv", 4, None, "3456789,2024,Pre-Calculus,C,extra", "5 values where the header has 4")]),
}


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_input_is_reported_in_full_and_nothing_changes(case: str, exports: Path, tmp_path: Path, capsys):
    spoil, expected = BAD_INPUTS[case]
    out = tmp_path / "out"
    for district in ENCODING:
        harmonise_district(district, exports / district, out)
    good_output = hashes(out)
    spoil(exports)
    raw_before = hashes(exports)
    districts = sorted({d for d in ENCODING for f, *_ in expected if (exports / d / f).exists()})

    problems: list[Problem] = []
    for district in districts:
        with pytest.raises(InputDataError) as caught:
            harmonise_district(district, exports / district, out)
        problems += caught.value.problems
        assert main(["harmonise", "--district", district, "--source", str(exports / district),
                     "--out", str(out)]) == 2
    found = {(p.file, p.row, p.column, p.value) for p in problems}
    for file, row, column, value, words in expected:
        assert (file, row, column, value) in found, f"{(file, row, column, value)} not among {problems}"
        problem = next(p for p in problems if (p.file, p.row, p.column, p.value) == (file, row, column, value))
        assert words.lower() in problem.message.lower()
    stderr = capsys.readouterr().err
    for file, *_ in expected:
        assert file in stderr
    assert hashes(out) == good_output                       # the earlier output is untouched
    assert sorted(p.name for p in out.iterdir()) == sorted(ENCODING)   # no temporary folders left
    assert hashes(exports) == raw_before                    # raw files byte-identical


def test_one_problem_per_mistake_not_one_per_check(exports: Path, tmp_path: Path):
    unknown_codes(exports)
    with pytest.raises(InputDataError) as caught:
        harmonise_district("fresno", exports / "fresno", tmp_path / "out")
    # the unknown grade is not reported a second time by the schema's grade rule
    assert [(p.row, p.column) for p in caught.value.problems] == [(3, "Grade")]
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


SAMPLE = PROJECT / "data" / "sample"


@pytest.mark.parametrize("district", ["fresno", "long_beach"])
def test_sample_exports_harmonise_and_validate(district: str, tmp_path: Path):
    if not (SAMPLE / district).is_dir():
        pytest.skip(f"no synthetic sample at {SAMPLE / district}: run make sample")
    harmonise_district(district, SAMPLE / district, tmp_path)
    data = load_district(district, tmp_path)
    assert len(data.enrollment) > 0 and len(data.assessments) > 0
    for table in TABLES:
        MODELS[table].validate(getattr(data, table))


def test_schema_rules_are_reported_at_the_export_cell(exports: Path, tmp_path: Path):
    enrollment = exports / "fresno" / "enrollment_2023-24.csv"
    edit_text(enrollment, "0111111,Sample Lincoln", "111111,Sample Lincoln", "cp1252")   # 6-digit school code
    edit_text(enrollment, "175,12,Y", "175,176,Y", "cp1252")                               # absent > enrolled
    with pytest.raises(InputDataError) as caught:
        harmonise_district("fresno", exports / "fresno", tmp_path / "out")
    by_row = {p.row: p for p in caught.value.problems}
    assert sorted(by_row) == [3, 4]
    assert (by_row[4].file, by_row[4].column, by_row[4].value) == \
        ("enrollment_2023-24.csv", "SchoolCode", "1062166111111")
    assert "school_cds" in by_row[4].message
    assert (by_row[3].column, by_row[3].value) == ("DaysEnrolled, DaysAbsent", "175, 176.0")
    assert by_row[3].message == "days_absent is more than days_enrolled"


def test_a_score_in_an_untested_grade_is_reported_not_dropped(exports: Path, tmp_path: Path):
    edit_text(exports / "fresno" / "assessments_2023-24.csv", "010203040,KN,,", "010203040,KN,2400,", "cp1252")
    with pytest.raises(InputDataError) as caught:
        harmonise_district("fresno", exports / "fresno", tmp_path / "out")
    [problem] = caught.value.problems
    assert (problem.file, problem.row, problem.column, problem.value) == \
        ("assessments_2023-24.csv", 5, "ELA_SS", "2400")
    assert "GradeTested is not one of 03, 04, 05, 06, 07, 08, 11" in problem.message


def test_a_score_without_a_level_is_reported(exports: Path, tmp_path: Path):
    edit_text(exports / "fresno" / "assessments_2023-24.csv", "2620,4", "2620,", "cp1252")
    with pytest.raises(InputDataError) as caught:
        harmonise_district("fresno", exports / "fresno", tmp_path / "out")
    [problem] = caught.value.problems
    assert (problem.file, problem.row, problem.column, problem.value) == \
        ("assessments_2023-24.csv", 4, "MATH_SS, MATH_PL", "2620, blank")
    assert problem.message == "a scale_score without a level"
