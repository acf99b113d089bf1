"""Reading TOMS files: the forms they come in, and what is wrong in a bad one.

Every bad file gives problems naming file, row (header = row 1), field and value; the
expected problems are written out by hand from the file each test makes.  The cases a data
coach meets, harmonised end to end, are in test_toms_battery.py.
"""
from __future__ import annotations

import pandas as pd
import pytest

from flp_inquiry.errors import InputDataError
from flp_inquiry.ingest.toms.layouts import layout_for
from flp_inquiry.ingest.toms.reader import read_toms_file, read_toms_files
from tests.toms_files import CAASPP_2022, CAASPP_2025, SCHOOL_A, toms_lines, write_toms


@pytest.fixture
def write(tmp_path):
    """``write(name, test, year, records, **options)`` -> the path of a small TOMS file in tmp_path."""
    return lambda name, test, year, records, **options: write_toms(tmp_path, name, test, year, records, **options)


def located(problems):
    return [(p.file, p.row, p.column, p.value) for p in problems]


# -- forms a good file comes in ------------------------------------------------------------------

def test_padded_and_unpadded_codes_a_bom_crlf_and_no_final_line_break_read_the_same(write):
    padded = read_toms_file(write("a.CSV", "caaspp", 2025, [{}, {"ssid": "0000000002", "record_type": "02",
                                                               "scale_score": "2528"}]))
    unpadded = read_toms_file(write("b.CSV", "caaspp", 2025, [
        {"record_type": "1", "grade_assessed": "5", "calpads_grade": "5"},
        {"ssid": "0000000002", "record_type": "2", "grade_assessed": "5", "calpads_grade": "5", "scale_score": "2528"}],
        line_break="\r\n", bom=True))
    assert padded.problems == unpadded.problems == []
    pd.testing.assert_frame_equal(padded.records, unpadded.records)
    assert padded.records[["record_type", "grade_assessed", "scale_score", "_row"]].values.tolist() == [
        ["01", 5, 2502, 2], ["02", 5, 2528, 3]]


def test_values_are_typed(write):
    file = read_toms_file(write("a.CSV", "caaspp", 2025, [{"elas": "RFEP", "rfep_date": "2023-10-02",
                                                          "el_entry_date": "2017-08-14", "ethnicity": "800"}]))
    record = file.records.iloc[0]
    assert (record["elas"], record["ethnicity"], record["economic_disadvantage"], record["disability"]) == \
        ("RFEP", "MR", True, False)
    assert (record["rfep_date"], record["el_entry_date"]) == (pd.Timestamp("2023-10-02"), pd.Timestamp("2017-08-14"))
    assert (record["calpads_school_code"], record["school_year"] if "school_year" in record else file.school_year) == \
        (SCHOOL_A, 2025)


def test_a_zero_padded_cast_score_and_an_unpadded_elpac_score_are_numbers(write):
    cast = read_toms_file(write("c.CSV", "caaspp", 2025, [{"record_type": "06", "scale_score": "0214",
                                                          "achievement_level": "2"}]))
    elpac = read_toms_file(write("e.CSV", "elpac", 2025, [{"overall_scale_score": "1500"}]))
    assert (cast.problems, elpac.problems) == ([], [])
    assert (cast.records["scale_score"].iloc[0], elpac.records["overall_scale_score"].iloc[0]) == (214, 1500)


def test_blank_lines_are_skipped_and_records_keep_their_spreadsheet_rows(write, tmp_path):
    header, first, second = toms_lines("caaspp", 2025, [{}, {"ssid": "0000000002"}])
    path = tmp_path / "blank.CSV"
    path.write_text("\n".join([header, first, "", "   ", second]) + "\n")
    file = read_toms_file(path)
    assert file.problems == []
    assert file.records["_row"].tolist() == [2, 5]


def test_names_birth_dates_and_addresses_are_not_in_the_records(write):
    file = read_toms_file(write("e.CSV", "elpac", 2025, [{"_raw": {
        "StudentLastName": "Sample", "DateofBirth": "2015-01-01", "StudentAddressLine1": "100 Sample Street"}}]))
    assert not [c for c in file.records.columns if "name" in c and "school" not in c]
    assert "Sample" not in [str(value) for value in file.records.to_numpy().ravel()]


def test_the_preliminary_variant_with_a_leading_record_identifier_reads(tmp_path):
    header, record = toms_lines("caaspp", 2023, [{}])
    path = tmp_path / "prelim.csv"
    path.write_text("RecordIdentifier^" + header + "\nPreliminary^" + record)
    file = read_toms_file(path)
    assert (file.problems, file.layout.record_identifier, file.school_year, file.row_count) == ([], True, 2023, 1)
    assert file.preliminary


def test_a_cds_code_a_spreadsheet_shortened_by_its_leading_zero_is_the_same_code(write):
    file = read_toms_file(write("a.CSV", "caaspp", 2025, [{"final_tested_school_code": "1612596000001"}]))
    assert (file.problems, file.records["final_tested_school_code"].iloc[0]) == ([], "01612596000001")


def test_a_header_only_file_is_a_file_with_no_records(write):
    file = read_toms_file(write("e.CSV", "elpac", 2025, []))
    assert (file.problems, file.row_count) == ([], 0)


# -- the bad-input battery -----------------------------------------------------------------------

def test_a_file_cut_off_in_its_last_record_names_the_row_and_where_it_ends(write):
    path = write(CAASPP_2025, "caaspp", 2025, [{}, {"ssid": "0000000002"}, {"ssid": "0000000003"}])
    text = path.read_text()
    cut = text[: text.rindex("^ZZ") - 40]          # 40 characters into the blank tail of the last record
    path.write_text(cut)
    fields = cut.rsplit("\n", 1)[1].count("^") + 1
    header = layout_for("caaspp", 2025).header
    assert located(read_toms_file(path).problems) == [(CAASPP_2025, 4, header[fields], f"{fields} fields")]


def test_a_file_cut_inside_its_final_zz_is_refused_at_end_of_record(write):
    path = write(CAASPP_2025, "caaspp", 2025, [{}, {"ssid": "0000000002"}])
    path.write_text(path.read_text()[:-1])
    assert located(read_toms_file(path).problems) == [(CAASPP_2025, 3, "EndofRecord", "Z")]


@pytest.mark.parametrize("delimiter, word", [(",", "comma"), ("\t", "tab")])
def test_a_file_re_saved_with_another_delimiter_is_named(delimiter, word, tmp_path):
    lines = [line.replace("^", delimiter) for line in toms_lines("caaspp", 2025, [{}])]
    path = tmp_path / "resaved.csv"
    path.write_text("\n".join(lines))
    (problem,) = read_toms_file(path).problems
    assert (problem.file, problem.row) == ("resaved.csv", 1)
    assert f"{word}-separated" in problem.message and "_DLMTR" in problem.message


def test_an_unknown_layout_year_names_the_closest_layout_and_the_differences(tmp_path):
    header = [n if n != "EthnicityforTesting" else "EthnicityforReporting" for n in layout_for("caaspp", 2025).header]
    path = tmp_path / "next_year.CSV"
    path.write_text("^".join(header) + "\n" + "^".join("" for _ in header))
    (problem,) = read_toms_file(path).problems
    assert (problem.file, problem.row, problem.column, problem.value) == ("next_year.CSV", 1, None, "401 columns")
    assert "closest is CAASPP 2024-25 (401 columns)" in problem.message
    assert "lacks EthnicityforTesting" in problem.message and "has EthnicityforReporting" in problem.message


def test_a_header_cut_off_is_named_as_cut_off(tmp_path):
    header = layout_for("elpac", 2025).header[:120]
    path = tmp_path / "cut.CSV"
    path.write_text("^".join(header))
    (problem,) = read_toms_file(path).problems
    assert (problem.row, problem.column) == (1, header[-1]) and "120 of the 376 names" in problem.message


def test_a_record_with_364_fields_in_a_365_field_file(write):
    path = write(CAASPP_2022, "caaspp", 2022, [{}, {"ssid": "0000000002"}, {"ssid": "0000000003"}])
    lines = path.read_text().split("\n")
    fields = lines[2].split("^")
    del fields[200]                                   # one blank field lost in the middle of row 3
    lines[2] = "^".join(fields)
    path.write_text("\n".join(lines))
    file = read_toms_file(path)
    assert len(layout_for("caaspp", 2022).header) == 365
    assert located(file.problems) == [(CAASPP_2022, 3, "EndofRecord", "364 fields")]
    assert "364 fields where the header has 365" in file.problems[0].message
    assert file.records["_row"].tolist() == [2, 4]   # the other records keep their rows


def test_a_record_with_a_stray_caret_has_366_fields(write):
    path = write(CAASPP_2022, "caaspp", 2022, [{}, {"ssid": "0000000002", "_raw": {"CALPADSSchoolName": "A^B"}}])
    assert located(read_toms_file(path).problems) == [(CAASPP_2022, 3, "EndofRecord", "366 fields")]


def test_unknown_codes_are_all_listed_with_row_field_and_value(write):
    path = write(CAASPP_2025, "caaspp", 2025, [
        {"record_type": "07"},
        {"ssid": "0000000002", "include_indicator": "X", "ethnicity": "900"},
        {"ssid": "0000000003", "grade_assessed": "13", "gender": "Q", "condition_code": "ABS"},
        {"ssid": "12345", "elas": "LEP", "rfep_date": "10/32/2023", "el_entry_date": "15-04-12"},
    ])
    assert sorted(located(read_toms_file(path).problems)) == sorted([
        (CAASPP_2025, 2, "RecordType", "07"),
        (CAASPP_2025, 3, "IncludeIndicator", "X"),
        (CAASPP_2025, 3, "EthnicityforTesting", "900"),
        (CAASPP_2025, 4, "GradeAssessed", "13"),
        (CAASPP_2025, 4, "Gender", "Q"),
        (CAASPP_2025, 4, "ConditionCode", "ABS"),
        (CAASPP_2025, 5, "SSID", "12345"),
        (CAASPP_2025, 5, "ELAS", "LEP"),
        (CAASPP_2025, 5, "RFEPDate", "10/32/2023"),
        (CAASPP_2025, 5, "ELEntryDate", "15-04-12"),
    ])


def test_elpac_codes_of_another_layout_are_unknown(write):
    path = write("e.CSV", "elpac", 2025, [{"record_type": "SE"}, {"ssid": "0000000102", "include_indicator": "R"},
                                          {"ssid": "0000000103", "overall_level": "5"}])
    assert located(read_toms_file(path).problems) == [
        ("e.CSV", 2, "RecordType", "SE"), ("e.CSV", 3, "IncludeIndicator", "R"), ("e.CSV", 4, "OverallPL", "5")]


@pytest.mark.parametrize("changes, column, value, words", [
    ({"scale_score": ""}, "ScaleScore", None, "no scale score"),
    ({"scale_score": "2100"}, "ScaleScore", 2100, "outside the published scale-score range"),   # ELA 5: 2200-2730
    ({"achievement_level": "2"}, "AchievementLevels", 2, "does not match the scale score"),      # 2502 is level 3
    ({"grade_assessed": "09"}, "ScaleScore", 2502, "not given in"),
    ({"scale_score": "25O2"}, "ScaleScore", "25O2", "not a whole number"),
])
def test_scores_that_cannot_be_what_the_record_says(changes, column, value, words, write):
    (problem,) = read_toms_file(write("a.CSV", "caaspp", 2025, [changes])).problems
    assert (problem.row, problem.column, problem.value) == (2, column, value) and words in problem.message


def test_a_level_on_the_cut_score_is_that_level(write):
    # ELA grade 5: level 3 from 2502, level 4 from 2582
    file = read_toms_file(write("a.CSV", "caaspp", 2025, [{"scale_score": "2581", "achievement_level": "3"},
                                                         {"ssid": "0000000002", "scale_score": "2582",
                                                          "achievement_level": "4"}]))
    assert file.problems == []


def test_the_same_students_test_twice_in_a_file_names_both_rows(write):
    path = write("a.CSV", "caaspp", 2025, [{}, {"record_type": "02", "scale_score": "2528"}, {}])
    assert [(p.row, p.column, p.value, p.message.endswith("(rows 2, 4)")) for p in read_toms_file(path).problems] == [
        (2, "SSID", "0000000001", True), (4, "SSID", "0000000001", True)]


def test_a_file_named_for_another_year_than_its_header(write):
    name = "99000010000000_CAASPP_Student_Score_Data_File_TestedStudentScoreData_2024_DLMTR.CSV"
    (problem,) = read_toms_file(write(name, "caaspp", 2025, [{}])).problems
    assert (problem.row, "2023-24" in problem.message, "CAASPP 2024-25" in problem.message) == (1, True, True)


def test_the_fixed_width_form_is_named_with_what_to_download_instead(tmp_path):
    path = tmp_path / "99000010000000_CAASPP_Student_Score_Data_File_2025.dat"
    path.write_text("01" + "0000000001" + " " * 4022 + "ZZ\n")
    (problem,) = read_toms_file(path).problems
    assert (problem.file, problem.row) == (path.name, 1)
    assert "fixed-width form" in problem.message and "_DLMTR" in problem.message


@pytest.mark.parametrize("content, words", [
    (b"", "empty"), (b"\xef\xbb\xbf", "empty"), ("RecordType^SSID".encode("utf-16"), "UTF-16"),
    (b"PK\x03\x04\x00\x00binary", "not a text file"), (b"\"RecordType\"^\"SSID\"^\"X\"\n", "in quotes"),
    (b"Student^Score\n1^2\n", "not a TOMS header row"),
])
def test_files_that_are_not_a_toms_download_at_all(content, words, tmp_path):
    path = tmp_path / "x.CSV"
    path.write_bytes(content)
    (problem,) = read_toms_file(path).problems
    assert words in problem.message and problem.row in (None, 1)


def test_a_value_that_is_not_utf8_names_its_row(tmp_path):
    header, first, second = toms_lines("caaspp", 2025, [{}, {"ssid": "0000000002",
                                                             "calpads_school_name": "Sample Peña Elementary"}])
    path = tmp_path / "latin1.CSV"
    path.write_bytes("\n".join([header, first, second]).encode("latin-1"))
    assert located(read_toms_file(path).problems) == [("latin1.CSV", 3, None, None)]


def test_every_problem_of_every_file_is_raised_at_once(write, tmp_path):
    caaspp = write(CAASPP_2025, "caaspp", 2025, [{"include_indicator": "X"}, {"ssid": "0000000002", "gender": "Q"}])
    dat = tmp_path / "scores.dat"
    dat.write_text("01" + " " * 4000)
    with pytest.raises(InputDataError) as caught:
        read_toms_files([caaspp, dat])
    assert located(caught.value.problems) == [(CAASPP_2025, 2, "IncludeIndicator", "X"),
                                              (CAASPP_2025, 3, "Gender", "Q"), ("scores.dat", 1, None, None)]
    assert str(caught.value).startswith("3 problems in the district's files; nothing was written:")


def test_many_bad_rows_are_counted_after_the_first_25(write):
    records = [{"ssid": f"{i:010d}", "gender": "Q"} for i in range(1, 31)]
    problems = read_toms_file(write("a.CSV", "caaspp", 2025, records)).problems
    assert len(problems) == 26 and problems[-1].message.startswith("... and 5 more rows")
