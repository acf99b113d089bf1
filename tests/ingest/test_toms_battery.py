"""The bad-input battery for the state's score files: every broken TOMS download a data coach may be handed.

Each case harmonises with ``--mapping toms`` and either gives the same tables as the good
files or stops with one InputDataError whose problems name the file, row (header = row 1),
field and value, with nothing written and the downloads byte-identical.  The expected
problems are worked out from the file each case makes.  Every case is recorded in the
results table (tests/battery_report.py group STATE_FILES, README "Bad input and faults").
"""
from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flp_inquiry.errors import InputDataError
from flp_inquiry.ingest.harmonise import harmonise_district
from flp_inquiry.ingest.schema import TABLES
from flp_inquiry.ingest.store import load_district
from flp_inquiry.ingest.toms.layouts import layout_for
from tests.battery_report import STATE_FILES, checking
from tests.toms_files import CAASPP_2022, CAASPP_2025, ELPAC_2025, toms_lines, write_toms

DISTRICT = "toms_valley"
#: The good downloads every case spoils: three CAASPP records of 2024-25 and one ELPAC record.
RECORDS = [{}, {"ssid": "0000000002", "record_type": "02", "scale_score": "2528"}, {"ssid": "0000000003"}]
BATTERY = settings(max_examples=20, deadline=None, derandomize=True, database=None,
                   suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def good_downloads(folder: Path) -> Path:
    if folder.exists():
        shutil.rmtree(folder)
    write_toms(folder, CAASPP_2025, "caaspp", 2025, RECORDS)
    write_toms(folder, ELPAC_2025, "elpac", 2025, [{}])
    return folder


def hashes(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def tables_of(source: Path, out: Path) -> dict[str, pd.DataFrame]:
    """Harmonise (it should work) and return the tables; the downloads are never changed."""
    before = hashes(source)
    harmonise_district(DISTRICT, source, out, mapping="toms")
    assert hashes(source) == before
    data = load_district(DISTRICT, out)
    return {table: getattr(data, table) for table in TABLES}


def problems_of(source: Path, out: Path) -> list[tuple]:
    """Harmonise expecting an InputDataError: (file, row, field, value, message); nothing written, nothing changed."""
    before = hashes(source)
    with pytest.raises(InputDataError) as caught:
        harmonise_district(DISTRICT, source, out, mapping="toms")
    assert hashes(source) == before
    assert not out.exists() or not any(out.iterdir())
    return [(p.file, p.row, p.column, p.value, p.message) for p in caught.value.problems]


def located(problems: list[tuple]) -> list[tuple]:
    return [p[:4] for p in problems]


@pytest.fixture
def downloads(tmp_path) -> Path:
    return good_downloads(tmp_path / "downloads")


@pytest.fixture(scope="module")
def baseline(tmp_path_factory) -> dict[str, pd.DataFrame]:
    folder = tmp_path_factory.mktemp("good")
    return tables_of(good_downloads(folder / "downloads"), folder / "out")


def test_a_file_cut_inside_its_last_record(downloads, tmp_path):
    with checking("truncated file (cut inside the last record): the field it ends before", DISTRICT, STATE_FILES):
        path = downloads / CAASPP_2025
        text = path.read_text()
        cut = text[: text.rindex("^ZZ") - 40]          # 40 characters into the blank tail of the last record
        path.write_text(cut)
        fields = cut.rsplit("\n", 1)[1].count("^") + 1
        header = layout_for("caaspp", 2025).header
        problems = problems_of(downloads, tmp_path / "out")
        assert located(problems) == [(CAASPP_2025, 4, header[fields], f"{fields} fields")]
        assert f"this record has {fields} fields where the header has 401" in problems[0][4]


def test_a_file_cut_inside_its_final_zz(downloads, tmp_path):
    with checking("truncated file (cut inside the final ZZ): EndofRecord", DISTRICT, STATE_FILES):
        path = downloads / CAASPP_2025
        path.write_text(path.read_text()[:-1])
        assert located(problems_of(downloads, tmp_path / "out")) == [(CAASPP_2025, 4, "EndofRecord", "Z")]


@BATTERY
@given(data=st.data())
def test_a_file_cut_at_any_byte(data, tmp_path_factory, baseline):
    """Cut anywhere in the records: refused at the last row, or (cut exactly after a whole record, which no
    file without a record count can tell from a shorter download) the records before the cut."""
    with checking("truncated file (any byte offset)", DISTRICT, STATE_FILES):
        folder = tmp_path_factory.mktemp("cut")
        source = good_downloads(folder / "downloads")
        path = source / CAASPP_2025
        text = path.read_bytes()
        start = text.index(b"\n") + 1
        offset = data.draw(st.integers(start + 1, len(text) - 1), label="offset")
        path.write_bytes(text[:offset])
        whole_records = text[:offset].count(b"\n")   # records before the last line
        try:
            tables = tables_of(source, folder / "out")
        except InputDataError as error:
            assert {(p.file, p.row) for p in error.problems} == {(CAASPP_2025, whole_records + 1)}, error
            return
        assert text[:offset].endswith(b"^ZZ")   # only a cut just after a record's end harmonises
        kept = baseline["assessments"].iloc[: whole_records]
        assert len(tables["assessments"]) == len(kept) + 1  # (and the ELPAC record)


@pytest.mark.parametrize("delimiter, word", [(",", "comma"), ("\t", "tab")])
def test_a_download_re_saved_with_another_delimiter(delimiter, word, downloads, tmp_path):
    with checking(f"wrong delimiter (re-saved {word}-separated)", DISTRICT, STATE_FILES):
        path = downloads / CAASPP_2025
        path.write_text(path.read_text().replace("^", delimiter))
        (problem,) = problems_of(downloads, tmp_path / "out")
        assert problem[:4] == (CAASPP_2025, 1, None, None)
        assert f"{word}-separated" in problem[4] and "_DLMTR" in problem[4]


def test_an_unknown_layout_year(downloads, tmp_path):
    with checking("unknown layout year (a renamed header): the closest layout and its differences", DISTRICT, STATE_FILES):
        path = downloads / CAASPP_2025
        path.write_text(path.read_text().replace("EthnicityforTesting", "EthnicityforReporting", 1))
        (problem,) = problems_of(downloads, tmp_path / "out")
        assert problem[:4] == (CAASPP_2025, 1, None, "401 columns")
        assert "the closest is CAASPP 2024-25 (401 columns)" in problem[4]
        assert "it lacks EthnicityforTesting" in problem[4] and "it has EthnicityforReporting" in problem[4]


def test_a_record_with_364_fields_in_a_365_field_file(tmp_path):
    with checking("a record with 364 fields in a 365-field file (2021-22)", DISTRICT, STATE_FILES):
        source = tmp_path / "downloads"
        path = write_toms(source, CAASPP_2022, "caaspp", 2022, RECORDS)
        lines = path.read_text().split("\n")
        fields = lines[2].split("^")
        del fields[200]                                   # one blank field lost in the middle of row 3
        lines[2] = "^".join(fields)
        path.write_text("\n".join(lines))
        assert len(layout_for("caaspp", 2022).header) == 365
        (problem,) = problems_of(source, tmp_path / "out")
        assert problem[:4] == (CAASPP_2022, 3, "EndofRecord", "364 fields")
        assert "364 fields where the header has 365" in problem[4]


def test_a_record_with_a_stray_caret(downloads, tmp_path):
    with checking("a record with a field too many (a ^ in a value)", DISTRICT, STATE_FILES):
        path = downloads / CAASPP_2025
        lines = path.read_text().split("\n")
        lines[1] = lines[1].replace("Sample A Elementary", "Sample A^Elementary", 1)
        path.write_text("\n".join(lines))
        assert located(problems_of(downloads, tmp_path / "out")) == [(CAASPP_2025, 2, "EndofRecord", "402 fields")]


def test_the_fixed_width_form(downloads, tmp_path):
    with checking("the fixed-width .dat form: what to download instead", DISTRICT, STATE_FILES):
        (downloads / "99000010000000_CAASPP_Student_Score_Data_File_2025.dat").write_text("01" + " " * 4034 + "ZZ\n")
        (problem,) = problems_of(downloads, tmp_path / "out")
        assert problem[:2] == ("99000010000000_CAASPP_Student_Score_Data_File_2025.dat", 1)
        assert "fixed-width form" in problem[4] and "_DLMTR" in problem[4]


@pytest.mark.parametrize("case, content, words", [
    ("wrong encoding (UTF-16, Excel 'Unicode Text')", "RecordType^SSID".encode("utf-16"), "UTF-16"),
    ("empty file", b"", "empty"),
    ("a spreadsheet saved under the download's name", b"PK\x03\x04\x00\x00binary", "not a text file"),
    ("a re-saved file with quoted names", b"\"RecordType\"^\"SSID\"^\"X\"\n", "in quotes"),
])
def test_files_that_are_not_a_download_as_toms_gives_it(case, content, words, downloads, tmp_path):
    with checking(case, DISTRICT, STATE_FILES):
        (downloads / CAASPP_2025).write_bytes(content)
        (problem,) = problems_of(downloads, tmp_path / "out")
        assert problem[0] == CAASPP_2025 and problem[1] in (None, 1) and words in problem[4]


def test_a_row_that_is_not_utf8(downloads, tmp_path):
    with checking("wrong encoding (a Latin-1 row): its row", DISTRICT, STATE_FILES):
        header, first, second, third = toms_lines("caaspp", 2025, [*RECORDS[:2], {"ssid": "0000000003",
                                                                    "calpads_school_name": "Sample Peña Elementary"}])
        (downloads / CAASPP_2025).write_bytes("\n".join([header, first, second, third]).encode("latin-1"))
        assert located(problems_of(downloads, tmp_path / "out")) == [(CAASPP_2025, 4, None, None)]


def test_the_header_cut_off(downloads, tmp_path):
    with checking("the header cut off", DISTRICT, STATE_FILES):
        header = layout_for("caaspp", 2025).header[:120]
        (downloads / CAASPP_2025).write_text("^".join(header))
        (problem,) = problems_of(downloads, tmp_path / "out")
        assert problem[1:3] == (1, header[-1]) and "120 of the 401 names" in problem[4]


def test_codes_the_layout_does_not_know(downloads, tmp_path):
    with checking("codes the layout does not know: every one, by row and field", DISTRICT, STATE_FILES):
        write_toms(downloads, CAASPP_2025, "caaspp", 2025, [
            {"record_type": "07"}, {"ssid": "0000000002", "include_indicator": "X", "ethnicity": "900"},
            {"ssid": "0000000003", "condition_code": "ABS", "elas": "LEP"}])
        assert sorted(located(problems_of(downloads, tmp_path / "out"))) == [
            (CAASPP_2025, 2, "RecordType", "07"), (CAASPP_2025, 3, "EthnicityforTesting", "900"),
            (CAASPP_2025, 3, "IncludeIndicator", "X"), (CAASPP_2025, 4, "ConditionCode", "ABS"),
            (CAASPP_2025, 4, "ELAS", "LEP")]


def test_a_score_that_cannot_be_its_level(downloads, tmp_path):
    with checking("a level that does not match the score, a score outside the grade's range", DISTRICT, STATE_FILES):
        write_toms(downloads, CAASPP_2025, "caaspp", 2025, [
            {"achievement_level": "2"}, {"ssid": "0000000002", "scale_score": "2100", "achievement_level": "1"}])
        assert located(problems_of(downloads, tmp_path / "out")) == [
            (CAASPP_2025, 2, "AchievementLevels", 2), (CAASPP_2025, 3, "ScaleScore", 2100)]


def test_a_file_named_for_another_year_than_its_header(downloads, tmp_path):
    with checking("a file named for another school year than its header", DISTRICT, STATE_FILES):
        (downloads / CAASPP_2025).rename(downloads / CAASPP_2025.replace("_2025_", "_2024_"))
        (problem,) = problems_of(downloads, tmp_path / "out")
        assert problem[1] == 1 and "2023-24" in problem[4] and "CAASPP 2024-25" in problem[4]


def test_the_same_record_in_the_enrolled_and_the_tested_download(downloads, tmp_path):
    with checking("the same record in two downloads of a year (enrolled and tested LEA): both named", DISTRICT, STATE_FILES):
        shutil.copy(downloads / CAASPP_2025, downloads / CAASPP_2025.replace("Tested", "Enrolled"))
        problems = problems_of(downloads, tmp_path / "out")
        assert len(problems) == 6 and {p[2] for p in problems} == {"SSID"}


@pytest.mark.parametrize("case, change", [
    ("codes and numbers without their zeros (a spreadsheet's 5 for 05)",
     lambda text: text.replace("^01^0000000001^", "^1^0000000001^").replace("^05^05^", "^5^5^")),
    ("a UTF-8 BOM and Windows line breaks", lambda text: "\ufeff" + text.replace("\n", "\r\n")),
    ("a final line break (or none, as TOMS writes them)", lambda text: text + "\n"),
    ("a CDS code a spreadsheet shortened (a county 01-09 code)", None),
])
def test_forms_a_good_download_comes_in_give_the_same_tables(case, change, downloads, tmp_path, baseline):
    with checking(f"{case}: the same tables", DISTRICT, STATE_FILES):
        path = downloads / CAASPP_2025
        if change is None:  # a county-01 school written with 13 digits is the 14-digit code
            write_toms(downloads, CAASPP_2025, "caaspp", 2025, [
                {**record, "final_tested_school_code": "1612596000001"} for record in RECORDS])
            tables = tables_of(downloads, tmp_path / "out")
            assert set(tables["assessments"].query("test != 'elpac'")["tested_school_cds"]) == {"01612596000001"}
            return
        path.write_bytes(change(path.read_bytes().decode("utf-8")).encode("utf-8"))
        tables = tables_of(downloads, tmp_path / "out")
        for table in TABLES:
            pd.testing.assert_frame_equal(tables[table], baseline[table], obj=table)


def test_a_header_only_download_is_harmonised_and_reported(downloads, tmp_path):
    with checking("a download with a header and no records: harmonised, and reported", DISTRICT, STATE_FILES):
        write_toms(downloads, ELPAC_2025, "elpac", 2025, [])
        tables = tables_of(downloads, tmp_path / "out")
        assert (tables["assessments"]["test"] != "elpac").all()
        findings = json.loads((tmp_path / "out" / DISTRICT / "manifest.json").read_text())["findings"]
        assert {"kind": "no_rows", "file": ELPAC_2025,
                "message": f"{ELPAC_2025}: the file has a header and no rows: nothing is read from it"} in findings


def test_names_birth_dates_and_addresses_never_reach_the_harmonised_folder(downloads, tmp_path):
    with checking("names, birth dates and addresses in the download: never read", DISTRICT, STATE_FILES):
        private = {"StudentLastName": "Zyxwvuts", "StudentFirstName": "Qponmlk", "DateofBirth": "2014-03-07",
                   "StudentAddressLine1": "4242 Hidden Lane"}
        write_toms(downloads, ELPAC_2025, "elpac", 2025, [{"_raw": private}])
        write_toms(downloads, CAASPP_2025, "caaspp", 2025, [{**RECORDS[0], "_raw": {
            k: v for k, v in private.items() if k in layout_for("caaspp", 2025).header}}])
        tables_of(downloads, tmp_path / "out")
        written = b"".join(p.read_bytes() for p in (tmp_path / "out").rglob("*") if p.is_file())
        for value in private.values():
            assert value.encode() not in written
