"""The bad-input battery: every kind of broken export a data coach may be handed, per district.

Each case either harmonises correctly (the same values as the good fixture) or stops with an
InputDataError whose problems name the file, row, column and value, leaving no output and the
raw files byte-identical.  What is "correct" is decided per case, in its docstring.  Every case
records its outcome in the results table (tests/battery_report.py, README "Bad input and faults").

tests/test_harmonise.py and tests/test_readers.py already cover one example each of: a UTF-8 file
for a cp1252 mapping, undecodable bytes, missing and renamed columns, unknown codes, bad dates,
out-of-range numbers, two primary rows, empty and binary files, a ';' file, ragged rows, a BOM,
blank lines and header-only files in the reader.  This battery extends those, not repeats them.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flp_inquiry.cli import main
from flp_inquiry.errors import InputDataError
from flp_inquiry.ingest import catalog
from flp_inquiry.ingest.harmonise import harmonise_district
from flp_inquiry.ingest.schema import TABLES
from flp_inquiry.ingest.store import load_district
from tests.battery_report import checking
from tests.conftest import FIXTURES

EXPORTS = FIXTURES / "exports"
ENCODING = {"fresno": "cp1252", "long_beach": "utf-8"}
#: The file of each district that most cases spoil: its enrollment file.
ENROLLMENT = {"fresno": "enrollment_2023-24.csv", "long_beach": "students.csv"}
BATTERY = settings(max_examples=25, deadline=None, derandomize=True, database=None,
                   suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
#: Fewer examples where each one rewrites every file of a district or has few distinct outcomes.
FEWER = settings(BATTERY, max_examples=12)


# -- helpers --------------------------------------------------------------------------------------

def copy_export(district: str, folder: Path) -> Path:
    """A fresh copy of a district's good fixture export, to spoil."""
    if folder.exists():
        shutil.rmtree(folder)
    shutil.copytree(EXPORTS / district, folder)
    return folder


def hashes(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def tables_of(district: str, out: Path) -> dict[str, pd.DataFrame]:
    data = load_district(district, out)
    return {table: getattr(data, table) for table in TABLES}


def harmonised(district: str, source: Path, out: Path) -> dict[str, pd.DataFrame]:
    """Harmonise and return the tables; any error fails the test (it should have harmonised)."""
    before = hashes(source)
    harmonise_district(district, source, out)
    assert hashes(source) == before
    return tables_of(district, out)


def problems_of(district: str, source: Path, out: Path) -> list[tuple]:
    """Harmonise expecting an InputDataError: its problems as (file, row, column, value, message).

    Also checks what every failure owes the coach: the raw files are unchanged and nothing is
    written (an earlier output is left as it was, no temporary folder is left behind).
    """
    before = hashes(source)
    earlier = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()} if out.exists() else {}
    with pytest.raises(InputDataError) as caught:
        harmonise_district(district, source, out)
    assert hashes(source) == before
    after = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()} if out.exists() else {}
    assert after == earlier
    assert not out.exists() or sorted(p.name for p in out.iterdir()) == sorted({p.parts[0] for p in earlier})
    return [(p.file, p.row, p.column, p.value, p.message) for p in caught.value.problems]


def findings_of(district: str, out: Path) -> list[dict]:
    """What harmonising found and recorded in the manifest (not errors)."""
    return json.loads((out / district / "manifest.json").read_text(encoding="utf-8"))["findings"]


def located(problems: list[tuple]) -> list[tuple]:
    """Problems without their messages: (file, row, column, value)."""
    return [p[:4] for p in problems]


def read_text(path: Path, district: str) -> str:
    return path.read_bytes().decode(ENCODING[district])


def write_text(path: Path, district: str, text: str) -> None:
    path.write_bytes(text.encode(ENCODING[district]))


def replace(path: Path, district: str, old: str, new: str) -> None:
    text = read_text(path, district)
    assert text.count(old) == 1, f"{old!r} should be once in {path.name}"
    write_text(path, district, text.replace(old, new))


def replace_all(path: Path, district: str, old: str, new: str) -> None:
    text = read_text(path, district)
    assert old in text, f"{old!r} should be in {path.name}"
    write_text(path, district, text.replace(old, new))


def rows_of(path: Path, district: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(read_text(path, district))))


def write_rows(path: Path, district: str, rows: list[list[str]]) -> None:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    write_text(path, district, buffer.getvalue())


def assert_same_tables(got: dict[str, pd.DataFrame], expected: dict[str, pd.DataFrame]) -> None:
    for table in TABLES:
        pd.testing.assert_frame_equal(got[table], expected[table], obj=table)


def row_set(frame: pd.DataFrame) -> set[tuple]:
    return {tuple("<NA>" if pd.isna(v) else v for v in row) for row in frame.itertuples(index=False)}


@pytest.fixture(scope="module")
def baseline(tmp_path_factory) -> dict[str, dict[str, pd.DataFrame]]:
    """The good fixtures' harmonised tables, which a harmless change must reproduce exactly."""
    out = tmp_path_factory.mktemp("baseline")
    return {district: harmonised(district, EXPORTS / district, out) for district in ENCODING}


@pytest.fixture
def src(tmp_path: Path):
    """``src(district)``: a fresh copy of that district's good export in tmp_path."""
    return lambda district: copy_export(district, tmp_path / "exports" / district)


BOTH = pytest.mark.parametrize("district", list(ENCODING))


# -- truncated files ------------------------------------------------------------------------------

@BOTH
def test_a_file_cut_off_in_its_last_row_is_refused(district, src, tmp_path):
    """Cut inside the last row, the row may still look valid (``MathMark`` ``A`` cut to blank,
    ``days_absent`` ``10`` to ``1``), so a file not ending with a line break is an error at its
    last row, and that row's values are not read (no "too few values" or "no primary" besides)."""
    with checking("truncated file (cut inside the last row)", district):
        folder = src(district)
        path = folder / ENROLLMENT[district]
        content = path.read_bytes()
        path.write_bytes(content[:-3])   # drop "\r\n"/"\n" and the last characters of the last value
        last_line = content[:-3].decode(ENCODING[district]).rsplit("\n", 1)[1]
        row = content.count(b"\n")       # the last row's spreadsheet number
        problems = problems_of(district, folder, tmp_path / "out")
        assert located(problems) == [(ENROLLMENT[district], row, None, last_line)]
        assert "cut off" in problems[0][4]


@pytest.mark.parametrize("district, file", [("fresno", "enrollment_2023-24.csv"),
                                            ("fresno", "assessments_2023-24.csv"),
                                            ("long_beach", "students.csv"),
                                            ("long_beach", "test_results.csv")])
def test_truncation_at_any_byte_never_changes_a_value(district, file, baseline, tmp_path):
    """A file cut at any byte either stops the load at the cut row (a header cut at its end too: the
    rows may have been lost), or (cut exactly at a line break,
    which no reader can tell from a shorter export) harmonises to a subset of the good rows: rows may
    be missing, never altered.  The manifest's row counts are there to compare with the SIS."""
    with checking("truncated file (any byte offset)", district):
        content = (EXPORTS / district / file).read_bytes()

        @settings(BATTERY, max_examples=20)
        @given(offset=st.integers(min_value=0, max_value=len(content) - 1))
        def cut_at(offset: int) -> None:
            folder = copy_export(district, tmp_path / "src")
            out = tmp_path / "out"
            shutil.rmtree(out, ignore_errors=True)
            kept = content[:offset]
            (folder / file).write_bytes(kept)
            header_complete = kept.count(b"\n") >= 1 or kept.rstrip(b"\r") == content.split(b"\n")[0].rstrip(b"\r")
            try:
                got = harmonised(district, folder, out)
            except InputDataError as error:
                files = {p.file for p in error.problems}
                assert file in files or str(folder) in files, error
                if header_complete and not kept.endswith(b"\n"):
                    cut_row = kept.count(b"\n") + 1
                    assert any(p.file == file and p.row == cut_row and "cut off" in p.message
                               for p in error.problems), error
                return
            # harmonised: only possible when the cut fell on a line break after the header
            assert kept.count(b"\n") >= 1 and kept.endswith(b"\n")
            for table in TABLES:
                assert row_set(got[table]) <= row_set(baseline[district][table]), table

        cut_at()


# -- wrong delimiter, wrong encoding, a BOM -------------------------------------------------------

@pytest.mark.parametrize("district, delimiter", [("fresno", "\t"), ("long_beach", "|")])
def test_wrong_delimiter_is_named(district, delimiter, src, tmp_path):
    """A file saved with another delimiter: one problem at its header, naming the delimiter found."""
    with checking("wrong delimiter", district):
        folder = src(district)
        path = folder / ENROLLMENT[district]
        rows = rows_of(path, district)
        write_text(path, district, "".join(delimiter.join(row) + "\n" for row in rows))
        problems = problems_of(district, folder, tmp_path / "out")
        assert located(problems) == [(ENROLLMENT[district], 1, None, delimiter.join(rows[0])[:80])]
        assert f"delimited by {delimiter!r}" in problems[0][4]


@BOTH
def test_utf16_file_is_named_as_utf16(district, src, tmp_path):
    """Excel's "Unicode Text" (UTF-16 with a BOM): refused with a message saying so, not "binary"."""
    with checking("wrong encoding (UTF-16)", district):
        folder = src(district)
        path = folder / ENROLLMENT[district]
        path.write_bytes(read_text(path, district).encode("utf-16"))
        problems = problems_of(district, folder, tmp_path / "out")
        assert located(problems) == [(ENROLLMENT[district], None, None, None)]
        assert "UTF-16" in problems[0][4] and ENCODING[district] in problems[0][4]


def test_fresno_file_resaved_as_utf8_with_bom_is_refused_at_the_accented_rows(src, tmp_path):
    """Fresno's mapping says cp1252: a UTF-8 re-save (with Excel's BOM) is named at each accented cell."""
    with checking("wrong encoding (UTF-8 with BOM for cp1252)", "fresno"):
        folder = src("fresno")
        path = folder / "enrollment_2022-23.csv"
        path.write_bytes(read_text(path, "fresno").encode("utf-8-sig"))
        problems = problems_of("fresno", folder, tmp_path / "out")
        assert located(problems) == [("enrollment_2022-23.csv", 2, "SchoolName", "Sample Peñasco Middle")]
        assert "UTF-8" in problems[0][4]


@BOTH
def test_utf8_bom_on_an_ascii_or_utf8_file_harmonises_identically(district, src, baseline, tmp_path):
    """A UTF-8 BOM is not part of the first column's name: long_beach (UTF-8, accents in sites.csv)
    and fresno's ASCII-only outcomes file read exactly as without it."""
    with checking("a UTF-8 BOM", district):
        folder = src(district)
        for name in ({"fresno": ["outcomes_2023-24.csv"], "long_beach": ["sites.csv", "students.csv"]}[district]):
            (folder / name).write_bytes(b"\xef\xbb\xbf" + (folder / name).read_bytes())
        assert_same_tables(harmonised(district, folder, tmp_path / "out"), baseline[district])


def test_a_file_of_only_a_bom_is_empty(src, tmp_path):
    with checking("empty file (only a BOM)", "long_beach"):
        folder = src("long_beach")
        (folder / "cohort_outcomes.csv").write_bytes(b"\xef\xbb\xbf\r\n")
        problems = problems_of("long_beach", folder, tmp_path / "out")
        assert located(problems) == [("cohort_outcomes.csv", None, None, None)]
        assert "empty" in problems[0][4]


# -- extra, missing, reordered and duplicated columns ---------------------------------------------

@BOTH
def test_extra_columns_are_ignored(district, src, baseline, tmp_path):
    """Decision: columns the mapping does not read are ignored (exports gain columns over time);
    the canonical tables are strict, so nothing of them leaks through.  Values with commas and
    quotes in the extra column do not shift the others."""
    with checking("extra columns", district):
        folder = src(district)
        path = folder / ENROLLMENT[district]
        rows = rows_of(path, district)
        write_rows(path, district, [row[:3] + (["Counselor, notes"] if i == 0 else [f'Ms "{i}", room 4'])
                                    + row[3:] for i, row in enumerate(rows)])
        assert_same_tables(harmonised(district, folder, tmp_path / "out"), baseline[district])


@BOTH
def test_blank_nameless_columns_are_ignored_but_a_value_in_one_is_reported(district, src, baseline, tmp_path):
    """Excel leaves empty columns with no name (``,,`` at the end of every line): ignored while
    they are blank; a value in one cannot be placed, so it is a problem at its row."""
    with checking("extra columns with no name (Excel's trailing ,,)", district):
        folder = src(district)
        path = folder / ENROLLMENT[district]
        rows = [row + ["", ""] for row in rows_of(path, district)]
        write_rows(path, district, rows)
        assert_same_tables(harmonised(district, folder, tmp_path / "out"), baseline[district])
        rows[3][-1] = "see office"
        write_rows(path, district, rows)
        width = len(rows[0])
        problems = problems_of(district, folder, tmp_path / "out")
        assert located(problems) == [(ENROLLMENT[district], 4, f"(unnamed column {width})", "see office")]


def test_a_missing_lookup_column_is_one_problem_not_a_cascade(src, tmp_path):
    """sites.csv without cds_code: one problem at its header; the students are not each reported."""
    with checking("missing columns (lookup file)", "long_beach"):
        folder = src("long_beach")
        path = folder / "sites.csv"
        write_rows(path, "long_beach", [[row[0], *row[2:]] for row in rows_of(path, "long_beach")])
        problems = problems_of("long_beach", folder, tmp_path / "out")
        assert located(problems) == [("sites.csv", 1, "cds_code", None)]
        assert "expected column 'cds_code' is missing" in problems[0][4]


def test_missing_id_column_in_the_test_file(src, tmp_path):
    with checking("missing columns (id column)", "fresno"):
        folder = src("fresno")
        path = folder / "assessments_2023-24.csv"
        write_rows(path, "fresno", [row[1:] for row in rows_of(path, "fresno")])
        problems = problems_of("fresno", folder, tmp_path / "out")
        assert located(problems) == [("assessments_2023-24.csv", 1, "StudentID", None)]


@BOTH
def test_columns_in_any_order_harmonise_identically(district, baseline, tmp_path):
    """Columns are found by name, not position: any permutation of every file's columns gives
    exactly the same tables."""
    with checking("columns reordered", district):
        files = sorted(p.name for p in (EXPORTS / district).iterdir())

        @FEWER
        @given(seeds=st.lists(st.randoms(use_true_random=False), min_size=len(files), max_size=len(files)))
        def permuted(seeds) -> None:
            folder = copy_export(district, tmp_path / "src")
            out = tmp_path / "out"
            shutil.rmtree(out, ignore_errors=True)
            for name, rng in zip(files, seeds):
                rows = rows_of(folder / name, district)
                order = list(range(len(rows[0])))
                rng.shuffle(order)
                write_rows(folder / name, district, [[row[i] for i in order] for row in rows])
            assert_same_tables(harmonised(district, folder, out), baseline[district])

        permuted()


@pytest.mark.parametrize("district, column", [("fresno", "DaysAbsent"), ("long_beach", "site_type")])
def test_a_column_named_twice_is_reported(district, column, src, tmp_path):
    """Decision: a repeated header name is an error even for a column the mapping does not read
    (long_beach's site_type): the export is malformed and either copy might be the one meant."""
    with checking("duplicate headers", district):
        folder = src(district)
        name = {"fresno": ENROLLMENT["fresno"], "long_beach": "sites.csv"}[district]
        rows = rows_of(folder / name, district)
        at = rows[0].index(column)
        write_rows(folder / name, district, [row + [row[at] if i == 0 else "7"] for i, row in enumerate(rows)])
        problems = problems_of(district, folder, tmp_path / "out")
        assert located(problems) == [(name, 1, column, None)]
        assert "more than once" in problems[0][4]


# -- empty files, only a header, blank lines ------------------------------------------------------

def test_an_empty_enrollment_file_is_one_problem(src, tmp_path):
    """A zero-byte enrollment file: one problem; its students' test rows are not each reported as
    'not enrolled' (the unreadable file may be where they are)."""
    with checking("empty file", "fresno"):
        folder = src("fresno")
        (folder / "enrollment_2023-24.csv").write_bytes(b"")
        problems = problems_of("fresno", folder, tmp_path / "out")
        assert located(problems) == [("enrollment_2023-24.csv", None, None, None)]
        assert "empty" in problems[0][4]


def test_header_only_enrollment_with_test_rows_names_the_empty_file_first(src, tmp_path):
    """Enrollment with only its header while test results exist: the empty file is named first, as
    having no rows, and then each test row as a student never enrolled that year, which follows from
    it (the KN row has no test blocks, so it is not a test row)."""
    with checking("only a header (enrollment, with test rows): the empty file named first", "fresno"):
        folder = src("fresno")
        path = folder / "enrollment_2023-24.csv"
        write_text(path, "fresno", read_text(path, "fresno").split("\r\n")[0].split("\n")[0] + "\r\n")
        problems = problems_of("fresno", folder, tmp_path / "out")
        assert located(problems) == [("enrollment_2023-24.csv", None, None, None),
                                     ("assessments_2023-24.csv", 2, "StudentID", "004518233"),
                                     ("assessments_2023-24.csv", 3, "StudentID", "000000417"),
                                     ("assessments_2023-24.csv", 4, "StudentID", "001112223")]
        assert problems[0][4] == "the file has a header and no rows: nothing is read from it"
        assert all("not enrolled" in p[4] and "2024" in p[4] for p in problems[1:])


def test_header_only_lookup_file_is_named_before_the_students_it_leaves_without_a_school(src, tmp_path):
    """sites.csv with only its header: named first; then each student row's site, which it cannot find."""
    with checking("only a header (lookup file): the empty file named first", "long_beach"):
        folder = src("long_beach")
        (folder / "sites.csv").write_bytes(b"site_id,cds_code,site_name,site_type\n")
        problems = problems_of("long_beach", folder, tmp_path / "out")
        assert located(problems)[0] == ("sites.csv", None, None, None)
        assert "header and no rows" in problems[0][4]
        # rows 2-5 of students.csv each name a site the empty file does not have
        assert [p[:3] for p in problems[1:]] == [("students.csv", row, "site_id") for row in (2, 3, 4, 5)]
        assert all("not a site_id of the sites file" in p[4] for p in problems[1:])


def test_header_only_outcomes_harmonise_to_no_outcomes_and_say_so(src, baseline, tmp_path):
    """Only a header and nothing depends on it: zero rows, correctly, the other tables unchanged, and
    the file is named in the manifest's findings (a cut-off export would look the same)."""
    with checking("only a header (harmless: harmonised, and reported)", "long_beach"):
        folder = src("long_beach")
        (folder / "cohort_outcomes.csv").write_bytes(b"student_number,cohort_year,graduated,dropped_out,ag_complete\n")
        got = harmonised("long_beach", folder, tmp_path / "out")
        assert got["outcomes"].empty and list(got["outcomes"].columns) == list(baseline["long_beach"]["outcomes"].columns)
        for table in ("enrollment", "assessments", "math_courses"):
            pd.testing.assert_frame_equal(got[table], baseline["long_beach"][table])
        assert findings_of("long_beach", tmp_path / "out") == [
            {"kind": "no_rows", "file": "cohort_outcomes.csv",
             "message": "cohort_outcomes.csv: the file has a header and no rows: nothing is read from it"}]


@BOTH
def test_blank_lines_are_skipped_and_rows_keep_spreadsheet_numbers(district, src, baseline, tmp_path):
    """Empty lines, ``,,,`` lines (short or full) and lines of spaces are skipped; a later problem
    is still reported at the row a spreadsheet shows."""
    with checking("blank lines", district):
        folder = src(district)
        path = folder / ENROLLMENT[district]
        lines = read_text(path, district).splitlines()
        width = lines[0].count(",")
        blank = ["", ",,,", "," * width, "   "]
        # header, row 2, four blank lines (rows 3-6), the other rows from row 7
        write_text(path, district, "\r\n".join([lines[0], lines[1], *blank, *lines[2:]]) + "\r\n")
        assert_same_tables(harmonised(district, folder, tmp_path / "out"), baseline[district])
        days, value = {"fresno": ("DaysEnrolled", "175"), "long_beach": ("days_enrolled", "179")}[district]
        write_text(path, district, read_text(path, district).replace(f",{value},", ",-175,", 1))
        problems = problems_of(district, folder, tmp_path / "out")
        assert located(problems) == [(ENROLLMENT[district], 7, days, "-175")]


# -- numbers --------------------------------------------------------------------------------------

@pytest.mark.parametrize("district, old, new, column, row, words", [
    ("fresno", ",180,3.5,", ',"1,080",3.5,', "DaysEnrolled", 2, "thousands separators"),
    ("long_beach", ",2490,", ',"2,490",', "scale_score", 2, "thousands separators"),
    ("long_beach", ",150,10", ",150,1e1", "days_absent", 4, "not a number"),
    ("fresno", ",2489,", ",2.489,", "ELA_SS", 2, "not a whole number"),
])
def test_numbers_with_separators_or_exponents_are_refused(district, old, new, column, row, words, src, tmp_path):
    """``1,080`` is neither 1 nor 1080 silently: it is refused, naming the value; so are ``1e1``
    and a European ``2.489`` where a whole number is expected.  (A decimal column such as days
    absent reads ``1.234`` as 1.234 days: a thousands separator there would mean 1000 days or
    more, beyond the 366 allowed.)"""
    with checking("numbers with thousands separators", district):
        folder = src(district)
        name = {"DaysEnrolled": ENROLLMENT["fresno"], "ELA_SS": "assessments_2023-24.csv",
                "scale_score": "test_results.csv", "days_absent": "students.csv"}[column]
        replace(folder / name, district, old, new)
        value = next(cell for cell in next(csv.reader([new.strip(",")])) if cell not in old.split(","))
        problems = problems_of(district, folder, tmp_path / "out")
        assert located(problems) == [(name, row, column, value)]
        assert words in problems[0][4]


def test_an_unquoted_thousands_separator_shifts_the_row_and_is_reported(src, tmp_path):
    with checking("numbers with thousands separators (unquoted)", "long_beach"):
        folder = src("long_beach")
        replace(folder / "students.csv", "long_beach", ",FALSE,180,0", ",FALSE,1,180,0")
        problems = problems_of("long_beach", folder, tmp_path / "out")
        line = "3456789,2024,205,11,Nonbinary,Two or More Races,English Only,,,0,FALSE,1,180,0"
        assert located(problems) == [("students.csv", 5, None, line)]
        assert "14 values where the header has 13" in problems[0][4]


@pytest.mark.parametrize("district, old, new, column, value", [
    ("fresno", ",170,0,", ",-170,0,", "DaysEnrolled", "-170"),
    ("fresno", ",180,3.5,", ",180,-0.5,", "DaysAbsent", "-0.5"),
    ("long_beach", ",179,2\n", ",-1,2\n", "days_enrolled", "-1"),
])
def test_negative_days_are_refused(district, old, new, column, value, src, tmp_path):
    with checking("negative days", district):
        folder = src(district)
        replace(folder / ENROLLMENT[district], district, old, new)
        problems = problems_of(district, folder, tmp_path / "out")
        row = {"-170": 4, "-0.5": 2, "-1": 3}[value]
        assert located(problems) == [(ENROLLMENT[district], row, column, value)]
        assert "outside the plausible range 0 to 366" in problems[0][4]


@pytest.mark.parametrize("district, old, new, expected", [
    # an ELPAC score in the SBAC range: inside 1100-3000, outside ELPAC grade 7's 1150-1900
    ("fresno", ",1512,3", ",2512,3", ("assessments_2023-24.csv", 2, "GradeTested, ELPAC_SS", "7, 2512")),
    # an SBAC grade 7 score below its lowest (2260)
    ("fresno", ",2489,2,", ",1489,2,", ("assessments_2023-24.csv", 2, "GradeTested, ELA_SS", "7, 1489")),
    ("long_beach", ",1560,", ",1960,", ("test_results.csv", 4, "grade_tested, scale_score", "7, 1960")),
    # beyond the mapping's plausible range: reported once, at the cell
    ("long_beach", ",2700,", ",27000,", ("test_results.csv", 7, "scale_score", "27000")),
])
def test_scores_outside_their_tests_published_range(district, old, new, expected, src, tmp_path):
    """Each test has a published scale-score range by grade (flp_inquiry/data): a score outside it is
    refused, naming the grade and the score; the ELPAC grade 7 top is 1900, SBAC ELA grade 7 is 2260-2810."""
    with checking("scores out of range", district):
        folder = src(district)
        replace(folder / expected[0], district, old, new)
        problems = problems_of(district, folder, tmp_path / "out")
        assert located(problems) == [expected]


@pytest.mark.parametrize("score, ok", [(1150, True), (1149, False), (1900, True), (1901, False)])
def test_elpac_range_edges_grade_7(score, ok, src, baseline, tmp_path):
    with checking("scores out of range (edges)", "long_beach"):
        folder = src("long_beach")
        replace(folder / "test_results.csv", "long_beach", ",1560,", f",{score},")
        if ok:
            got = harmonised("long_beach", folder, tmp_path / "out")
            elpac = got["assessments"].query("test == 'elpac'")
            assert elpac["scale_score"].tolist() == [score]
        else:
            assert located(problems_of("long_beach", folder, tmp_path / "out")) == \
                [("test_results.csv", 4, "grade_tested, scale_score", f"7, {score}")]


# -- dates in the future --------------------------------------------------------------------------

@pytest.mark.parametrize("district, old, new, ok", [
    ("fresno", "08/15/2019,,Y,N,180", "06/30/2024,,Y,N,180", True),      # last day of 2023-24
    ("fresno", "08/15/2019,,Y,N,180", "07/01/2024,,Y,N,180", False),     # first day of 2024-25
    ("long_beach", "2018-08-20,2024-02-01", "2018-08-20,2024-06-30", True),
    ("long_beach", "2018-08-20,2024-02-01", "2018-08-20,2025-02-01", False),
])
def test_dates_after_the_end_of_the_rows_school_year(district, old, new, ok, src, tmp_path):
    """A date after 30 June of the row's school year is in the future for that file: refused,
    naming the cell; 30 June itself is inside the year."""
    with checking("dates in the future (after the school year)", district):
        folder = src(district)
        replace(folder / ENROLLMENT[district], district, old, new)
        if ok:
            got = harmonised(district, folder, tmp_path / "out")
            column = {"fresno": "el_start_date", "long_beach": "rfep_date"}[district]
            assert pd.Timestamp("2024-06-30") in set(got["enrollment"][column])
        else:
            expected = {"fresno": (ENROLLMENT["fresno"], 2, "ELStartDate", "2024-07-01"),
                        "long_beach": ("students.csv", 3, "reclassification_date", "2025-02-01")}[district]
            problems = problems_of(district, folder, tmp_path / "out")
            assert located(problems) == [expected]
            assert "after the end of the school year" in problems[0][4]


# -- primary enrollment ---------------------------------------------------------------------------

def test_two_schools_both_primary_names_both_rows(src, tmp_path):
    """long_beach has one row per student-year: the same student at two sites in 2024 names both
    rows (fresno's two-Y case is in test_harmonise.py)."""
    with checking("two schools, both marked primary", "long_beach"):
        folder = src("long_beach")
        path = folder / "students.csv"
        path.write_bytes(path.read_bytes() + "2345678,2024,310,-1,Male,Asian,To Be Determined,,,0,TRUE,30,1\n".encode())
        problems = problems_of("long_beach", folder, tmp_path / "out")
        assert located(problems) == [("students.csv", 4, "student_number", "2345678"),
                                     ("students.csv", 6, "student_number", "2345678")]
        assert all("rows 4, 6" in p[4] for p in problems)


@pytest.mark.parametrize("change, rows", [
    (("140,5,Y,ALG 1 HON", "140,5,N,ALG 1 HON"), [5, 6]),   # two schools, neither primary
    (("170,0,Y", "170,0,N"), [4]),                          # one school, not primary
])
def test_no_primary_school_is_reported(change, rows, src, tmp_path):
    """Exactly one primary row per student-year: with none, the student would vanish from every
    school's counts, so it is refused (a silently wrong count otherwise)."""
    with checking("student-year with no primary school", "fresno"):
        folder = src("fresno")
        replace(folder / "enrollment_2023-24.csv", "fresno", *change)
        problems = problems_of("fresno", folder, tmp_path / "out")
        student = {5: "001112223", 4: "010203040"}[rows[0]]
        assert located(problems) == [("enrollment_2023-24.csv", row, "StudentID", student) for row in rows]
        assert all("PrimaryEnrollment" in p[4] for p in problems)


# -- the same student under two ids ---------------------------------------------------------------

@pytest.mark.parametrize("district, old, new, expected", [
    # Excel dropped the leading zeros: the test row of the real id is then not enrolled either
    ("fresno", "004518233,0123456,Sample Pe\u00f1asco Middle,07", "4518233,0123456,Sample Pe\u00f1asco Middle,07",
     [("assessments_2023-24.csv", 2, "StudentID", "004518233"),
      ("enrollment_2023-24.csv", 2, "StudentID", "4518233")]),
    ("long_beach", "2345678,2024", "2.345678E+06,2024", [("students.csv", 4, "student_number", "2.345678E+06")]),
    ("long_beach", "3456789,2024,205", "03456789,2024,205",
     [("students.csv", 5, "student_number", "03456789"),
      ("math_courses.csv", 4, "student_number", "3456789"), ("math_courses.csv", 5, "student_number", "3456789"),
      ("test_results.csv", 7, "student_number", "3456789"), ("test_results.csv", 8, "student_number", "3456789")]),
])
def test_ids_a_spreadsheet_mangled_are_refused(district, old, new, expected, src, tmp_path):
    """What the loader can honestly guarantee about "one student, two ids": every id has its
    district's form (fresno 9 digits with leading zeros, long_beach an integer without), so the
    usual way one student gets a second id (a spreadsheet dropping zeros or writing 2.3E+06) is
    an error, not a second student.  Two different well-formed ids for one person cannot be told
    apart from the export (matching on demographics without names would merge different children):
    see the next test."""
    with checking("the same student under two ids (mangled id)", district):
        folder = src(district)
        replace(folder / ENROLLMENT[district], district, old, new)
        problems = problems_of(district, folder, tmp_path / "out")
        assert sorted(located(problems)) == sorted(expected)


def test_two_well_formed_ids_stay_two_students_and_spaces_do_not_make_a_new_id(src, baseline, tmp_path):
    """Not detectable, so not guessed: a second well-formed id with identical demographics stays a
    separate student (documented limit).  An id with spaces around it is the same id."""
    with checking("the same student under two ids (well-formed: kept apart, documented)", "long_beach"):
        folder = src("long_beach")
        path = folder / "students.csv"
        path.write_bytes(path.read_bytes().replace(b"\n2345678,2024", b"\n 2345678 ,2024")
                         + b"2345679,2024,101,-1,Male,Asian,To Be Determined,,,0,TRUE,150,10\n")
        got = harmonised("long_beach", folder, tmp_path / "out")
        keys = got["enrollment"].query("school_year == 2024")["student_key"].tolist()
        assert keys == ["long_beach:1234567", "long_beach:2345678", "long_beach:2345679", "long_beach:3456789"]
        pd.testing.assert_frame_equal(got["assessments"], baseline["long_beach"]["assessments"])


# -- test rows for a student never enrolled -------------------------------------------------------

@pytest.mark.parametrize("district, file, line, expected", [
    ("fresno", "assessments_2023-24.csv", "007777777,05,2400,2,2420,2,,\r\n",
     ("assessments_2023-24.csv", 6, "StudentID", "007777777")),
    # enrolled in 2023 and 2024, but tested in 2022
    ("long_beach", "test_results.csv", "1234567,2022,SBAC ELA,6,2450,Standard Met\n",
     ("test_results.csv", 9, "student_number", "1234567")),
    ("long_beach", "math_courses.csv", "2345679,2024,Algebra I,B\n",
     ("math_courses.csv", 6, "student_number", "2345679")),
])
def test_rows_for_a_student_not_enrolled_that_year(district, file, line, expected, src, tmp_path):
    """A test result or course for a student with no enrollment row that school year is refused,
    naming the row: it would count in no school, or in the wrong year."""
    with checking("test rows for a student never enrolled", district):
        folder = src(district)
        path = folder / file
        path.write_bytes(path.read_bytes() + line.encode(ENCODING[district]))
        problems = problems_of(district, folder, tmp_path / "out")
        assert located(problems) == [expected]
        assert "not enrolled" in problems[0][4]


# -- codes the mapping does not know --------------------------------------------------------------

@pytest.mark.parametrize("district, file, old, new, column, row", [
    ("long_beach", "students.csv", "3456789,2024,205,11,Nonbinary", "3456789,2024,205,11,nonbinary", "gender", 5),
    ("long_beach", "students.csv", ",1,FALSE,180,4", ",1,N,180,4", "iep", 2),          # fresno's Y/N
    ("long_beach", "sites.csv", "205,", "205 B,", "site_id", 3),                      # looked-up code
    ("fresno", "enrollment_2023-24.csv", "Middle,08,F,AS,IFEP,,,N,N,140", "Middle,08,F,AS,N/A,,,N,N,140", "ELAS", 6),
    ("fresno", "enrollment_2023-24.csv", "Y,ALGEBRA 2,A", "Y,ALGEBRA II,A", "MathCourse", 3),
])
def test_codes_the_mapping_does_not_know(district, file, old, new, column, row, src, tmp_path):
    """Unknown codes (other case, another district's vocabulary, N/A, a course title not in the
    mapping) are never dropped or guessed: one problem at the cell, listing the known codes."""
    with checking("codes the mapping does not know", district):
        folder = src(district)
        replace(folder / file, district, old, new)
        value = next(a for a, b in zip(new.split(","), old.split(",")) if a != b)
        problems = problems_of(district, folder, tmp_path / "out")
        if file == "sites.csv":
            # the site code is unknown where it is used: the students at site 205
            assert located(problems) == [("students.csv", 5, "site_id", "205")]
            assert "not a site_id of the sites file" in problems[0][4]
        else:
            assert located(problems) == [(file, row, column, value)]
            assert "not a code the mapping knows (known:" in problems[0][4]


def test_codes_with_spaces_around_them_are_the_same_code(src, baseline, tmp_path):
    with checking("codes with surrounding spaces (trimmed)", "long_beach"):
        folder = src("long_beach")
        replace(folder / "students.csv", "long_beach", ",Nonbinary,", ",  Nonbinary ,")
        assert_same_tables(harmonised("long_beach", folder, tmp_path / "out"), baseline["long_beach"])


# -- two encodings in one file --------------------------------------------------------------------

def test_utf8_rows_in_a_cp1252_file_are_named_not_garbled(src, tmp_path):
    """Fresno's mapping says cp1252; a row pasted in from a UTF-8 file decodes as cp1252 to
    'Sample PeÃ±asco Middle' without any error, so UTF-8's byte patterns are looked for: the row is
    named, with its column and the text meant, and the garbled reading in the message."""
    with checking("two encodings in one file (UTF-8 rows in a cp1252 file)", "fresno"):
        folder = src("fresno")
        path = folder / "enrollment_2023-24.csv"
        line = "000000999,0123456,Sample Pe\u00f1asco Middle,07,F,HI,EL,08/15/2019,,Y,N,180,3.5,Y,MATH 7,B\r\n"
        path.write_bytes(path.read_bytes() + line.encode("utf-8"))  # the other rows stay cp1252 (Peñasco: 0xF1)
        problems = problems_of("fresno", folder, tmp_path / "out")
        assert located(problems) == [("enrollment_2023-24.csv", 7, "SchoolName", "Sample Pe\u00f1asco Middle")]
        assert "UTF-8" in problems[0][4] and "cp1252" in problems[0][4]
        assert "'Sample Pe\u00c3\u00b1asco Middle'" in problems[0][4]  # what it would have read


def test_a_cp1252_row_in_a_utf8_file_is_named(src, tmp_path):
    """Long Beach's mapping says UTF-8 (sites.csv holds 'Muñoz' in UTF-8); a Windows-1252 row in it
    is named at its cell, with what it says in Windows-1252 and that the other rows are UTF-8."""
    with checking("two encodings in one file (a cp1252 row in a UTF-8 file)", "long_beach"):
        folder = src("long_beach")
        path = folder / "sites.csv"
        path.write_bytes(path.read_bytes() + "410,19647250100004,Sample Pe\u00f1a Middle,MS\n".encode("cp1252"))
        problems = problems_of("long_beach", folder, tmp_path / "out")
        assert located(problems) == [("sites.csv", 5, "site_name", "Sample Pe\ufffda Middle")]
        assert "in Windows-1252 it reads 'Sample Pe\u00f1a Middle'" in problems[0][4]
        assert "the other rows are UTF-8" in problems[0][4]


def test_cp1252_punctuation_after_an_accented_capital_is_not_taken_for_utf8(src, tmp_path):
    """Bytes that could be UTF-8 but are real cp1252: a capital before a curly apostrophe or a dash
    ('PEÑA’S', 'JOSÉ–LUIS': 0xD1 0x92 is also UTF-8 for 'ђ', 0xC9 0x96 for 'ɖ') read as written, in every row."""
    with checking("two encodings in one file: cp1252 punctuation not mistaken for UTF-8", "fresno"):
        folder = src("fresno")
        for name in ("enrollment_2022-23.csv", "enrollment_2023-24.csv"):
            path = folder / name
            write_text(path, "fresno", read_text(path, "fresno").replace(
                "Sample Roosevelt High", "PE\u00d1A\u2019S JOS\u00c9\u2013LUIS High"))
        got = harmonised("fresno", folder, tmp_path / "out")
        assert set(got["enrollment"].query("school_cds == '10621660654321'")["school_name"]) == {
            "PE\u00d1A\u2019S JOS\u00c9\u2013LUIS High"}


# -- carriage returns -----------------------------------------------------------------------------

@BOTH
def test_a_bare_cr_inside_the_header_is_one_problem(district, src, tmp_path, capsys):
    """A carriage return inside a column name: one problem at row 1 naming the name (the csv module
    used to stop with a traceback), and the command says it in one line."""
    with checking("a bare CR inside a header", district):
        folder = src(district)
        column = {"fresno": "SchoolName", "long_beach": "site_id"}[district]
        path = folder / ENROLLMENT[district]
        write_text(path, district, read_text(path, district).replace(column, column[:4] + "\r" + column[4:], 1))
        problems = problems_of(district, folder, tmp_path / "out")
        assert located(problems) == [(ENROLLMENT[district], 1, None, column[:4] + "\r" + column[4:])]
        assert "carriage return (CR) inside a column name" in problems[0][4]
        status = main(["harmonise", "--district", district, "--source", str(folder), "--out", str(tmp_path / "out")])
        err = capsys.readouterr().err
        assert status == 2 and err.count("\n") == 1 and "Traceback" not in err
        assert err.startswith(f"flp-inquiry harmonise: 1 problem in the district's files; nothing was written: "
                              f"{ENROLLMENT[district]}, row 1, value ")


@BOTH
def test_a_bare_cr_inside_a_row_is_named_and_a_quoted_one_is_text(district, src, baseline, tmp_path):
    """A CR alone inside a row, outside quotes, would start a new row in a spreadsheet: a problem at
    its row and column; inside a quoted cell of a column the mapping does not read, it is that
    cell's text and harmless."""
    with checking("a bare CR inside a row", district):
        folder = src(district)
        path = folder / ENROLLMENT[district]
        rows = rows_of(path, district)
        write_rows(path, district, [row + (["Notes"] if i == 0 else ["line one\rline two" if i == 2 else ""])
                                    for i, row in enumerate(rows)])
        assert_same_tables(harmonised(district, folder, tmp_path / "out"), baseline[district])
        text = read_text(path, district)
        write_text(path, district, text.replace('"line one\rline two"', "line one\rline two"))
        problems = problems_of(district, folder, tmp_path / "out")
        assert located(problems) == [(ENROLLMENT[district], 3, "Notes", "line one\rline two")]


@BOTH
def test_rows_ending_with_a_cr_alone_read_as_rows(district, src, baseline, tmp_path):
    """Excel for Mac's "CSV (Macintosh)" ends every row with a CR alone: read like any other file."""
    with checking("rows ending with a CR alone (Excel for Mac)", district):
        folder = src(district)
        for path in folder.iterdir():
            lines = read_text(path, district).splitlines()
            write_text(path, district, "\r".join(lines) + "\r")
        assert_same_tables(harmonised(district, folder, tmp_path / "out"), baseline[district])


# -- school names: a school is its code -----------------------------------------------------------

FRESNO_CDS = {"Sample Pe\u00f1asco Middle": "10621660123456", "Sample Roosevelt High": "10621660654321",
              "Sample Lincoln Elementary": "10621660111111", "Sample Tehipite Middle": "10621660222222"}


def names_by_code(got: dict[str, pd.DataFrame]) -> dict[str, set[str]]:
    enrollment = got["enrollment"]
    return {code: set(group["school_name"]) for code, group in enrollment.groupby("school_cds")}


def test_a_renamed_school_keeps_its_latest_name_for_every_year(src, tmp_path, capsys):
    """Peñasco is 'Sample Peñasco Middle' in 2022-23 and 'Peñasco Middle School' in 2023-24: one school
    (one code), shown by its latest name in both years; the finding names both names with their years
    and files, is printed by the command and kept in the manifest."""
    with checking("a school code with two names (renamed): its latest, for every year, and reported", "fresno"):
        folder = src("fresno")
        replace_all(folder / "enrollment_2023-24.csv", "fresno", "Sample Pe\u00f1asco Middle", "Pe\u00f1asco Middle School")
        out = tmp_path / "out"
        assert main(["harmonise", "--district", "fresno", "--source", str(folder), "--out", str(out)]) == 0
        assert names_by_code(tables_of("fresno", out))["10621660123456"] == {"Pe\u00f1asco Middle School"}
        [finding] = findings_of("fresno", out)
        assert finding["kind"] == "renamed" and finding["school_cds"] == ["10621660123456"]
        assert finding["message"] == (
            "school 10621660123456 has 2 names: 'Sample Pe\u00f1asco Middle' (2023: enrollment_2022-23.csv); "
            "'Pe\u00f1asco Middle School' (2024: enrollment_2023-24.csv): shown by its latest, "
            "'Pe\u00f1asco Middle School', for every year")
        assert f"finding: {finding['message']}\n" in capsys.readouterr().out


def test_a_typo_on_one_row_loses_to_the_name_on_more_rows(src, tmp_path):
    """Two names in the latest year: the one on more rows (2 against 1) is the school's name."""
    with checking("a school code with two names (renamed): its latest, for every year, and reported", "fresno"):
        folder = src("fresno")
        path = folder / "enrollment_2023-24.csv"
        path.write_bytes(path.read_bytes() + "000000777,0123456,Sample Penasco Midle,07,F,HI,EL,,,Y,N,180,3,Y,MATH 7,B\r\n"
                         .encode("cp1252"))
        path = folder / "assessments_2023-24.csv"
        got = harmonised("fresno", folder, tmp_path / "out")
        assert names_by_code(got)["10621660123456"] == {"Sample Pe\u00f1asco Middle"}
        assert [f["kind"] for f in findings_of("fresno", tmp_path / "out")] == ["renamed"]


@BOTH
def test_two_schools_with_one_name_are_told_apart_by_code(district, src, tmp_path):
    """Two codes, one name (even in another case): each is shown with its 7-digit school code, so
    reports, tables and 'schools: all' see two schools; the finding names both codes."""
    with checking("two schools with the same name: told apart by code, and reported", district):
        folder = src(district)
        if district == "fresno":
            for name in ("enrollment_2022-23.csv", "enrollment_2023-24.csv"):
                replace_all(folder / name, district, "Sample Roosevelt High", "SAMPLE PE\u00d1ASCO MIDDLE")
            codes = {"10621660123456": "Sample Pe\u00f1asco Middle (school 0123456)",
                     "10621660654321": "SAMPLE PE\u00d1ASCO MIDDLE (school 0654321)"}
        else:
            replace(folder / "sites.csv", district, "Sample Cabrillo High", "Sample Hughes Middle")
            codes = {"19647250100002": "Sample Hughes Middle (school 0100002)",
                     "19647250100003": "Sample Hughes Middle (school 0100003)"}
        got = harmonised(district, folder, tmp_path / "out")
        shown = names_by_code(got)
        assert {code: shown[code] for code in codes} == {code: {name} for code, name in codes.items()}
        [finding] = findings_of(district, tmp_path / "out")
        assert finding["kind"] == "same_name" and finding["school_cds"] == sorted(codes)
        assert finding["shown_as"] == codes
        if district == "long_beach":  # a looked-up name is found in the lookup file
            assert "sites.csv" in finding["message"] and "students.csv" not in finding["message"]


def test_a_name_another_school_had_in_an_earlier_year_is_reported(src, tmp_path):
    """Roosevelt (0654321) was called 'Sample Tehipite Middle' in 2022-23, the name of another school
    in 2023-24: not merged; each keeps its latest name (no code needed), and the shared name is a finding."""
    with checking("a school name with two codes across years: reported, not merged", "fresno"):
        folder = src("fresno")
        replace_all(folder / "enrollment_2022-23.csv", "fresno", "Sample Roosevelt High", "Sample Tehipite Middle")
        got = harmonised("fresno", folder, tmp_path / "out")
        shown = names_by_code(got)
        assert shown["10621660654321"] == {"Sample Roosevelt High"}
        assert shown["10621660222222"] == {"Sample Tehipite Middle"}
        kinds = {f["kind"]: f for f in findings_of("fresno", tmp_path / "out")}
        assert sorted(kinds) == ["renamed", "same_name"]
        assert kinds["same_name"]["school_cds"] == ["10621660222222", "10621660654321"]
        assert "10621660654321 (2023: enrollment_2022-23.csv)" in kinds["same_name"]["message"]


RESERVED, BLANK, CONTROL = ("a school named 'all' (any case): its code after it, and reported",
                            "a school with no name: named by its code, and reported",
                            "control characters in a school name: taken out, and reported")


@pytest.mark.parametrize("case, name, shown, kinds", [
    (RESERVED, "all", "all (school 0654321)", ["reserved_name"]),
    (RESERVED, "ALL", "ALL (school 0654321)", ["reserved_name"]),
    (BLANK, "", "School 0654321", ["blank_name"]),
    (CONTROL, "Sample\tRoosevelt\x07 High", "Sample Roosevelt High", ["control_characters"]),
    (CONTROL, "Sample\x0bRoosevelt\x1b High", "Sample Roosevelt High", ["control_characters"]),
    (BLANK, "\x01\x02", "School 0654321", ["blank_name", "control_characters"]),
])
def test_names_that_are_not_safe_to_show_are_made_safe(case, name, shown, kinds, src, tmp_path):
    """'all' (the pack's word for every school), an empty name and control characters (a tab, a bell,
    a vertical tab, an escape): made safe by the school's code, or taken out, each a finding."""
    with checking(case, "fresno"):
        folder = src("fresno")
        for file in ("enrollment_2022-23.csv", "enrollment_2023-24.csv"):
            rows = rows_of(folder / file, "fresno")
            write_rows(folder / file, "fresno", [[name if cell == "Sample Roosevelt High" else cell for cell in row]
                                                 for row in rows])
        got = harmonised("fresno", folder, tmp_path / "out")
        assert names_by_code(got)["10621660654321"] == {shown}
        assert sorted(f["kind"] for f in findings_of("fresno", tmp_path / "out")) == kinds
        names = [n for _, n in catalog.schools("fresno", tmp_path / "out")]
        assert shown in names and len(names) == len(set(names)) == 4


def test_a_text_direction_override_in_a_looked_up_name_is_taken_out(src, tmp_path):
    """A right-to-left override (U+202E) makes a name read backwards after it: taken out, reported
    at the lookup file the name comes from."""
    with checking(CONTROL, "long_beach"):
        folder = src("long_beach")
        replace(folder / "sites.csv", "long_beach", "Sample Cabrillo High", "Sample \u202eCabrillo High")
        got = harmonised("long_beach", folder, tmp_path / "out")
        assert names_by_code(got)["19647250100002"] == {"Sample Cabrillo High"}
        [finding] = findings_of("long_beach", tmp_path / "out")
        assert finding["kind"] == "control_characters" and "(in sites.csv)" in finding["message"]


# -- any single corrupted cell --------------------------------------------------------------------

CELL_TEXT = st.one_of(
    st.sampled_from(["", "0", "-1", "1,5", "13", "2025", "Y", "N", "TRUE", "x", "1e3", "N/A", "99999",
                     "07", "KN", "3.5", "2400", "004518233", "1234567", "2024-13-01", "12/31/2030"]),
    st.text(alphabet="0123456789.-/ AaZz", max_size=8),
)


@pytest.mark.parametrize("district, file", [("fresno", "enrollment_2023-24.csv"),
                                            ("fresno", "assessments_2023-24.csv"),
                                            ("long_beach", "students.csv"),
                                            ("long_beach", "test_results.csv")])
def test_any_single_corrupted_cell_is_caught_or_harmless(district, file, baseline, tmp_path):
    """Replace one cell with anything: either the load stops with a problem at that row (or at rows
    of the same student, e.g. a duplicate or a test row left without enrollment), or it harmonises
    and every other student's values are exactly those of the good export."""
    with checking("any single corrupted cell (property)", district):
        rows = rows_of(EXPORTS / district / file, district)
        id_column = {"fresno": "StudentID", "long_beach": "student_number"}[district]

        @BATTERY
        @given(row=st.integers(1, len(rows) - 1), column=st.integers(0, len(rows[0]) - 1), text=CELL_TEXT)
        def corrupt(row: int, column: int, text: str) -> None:
            folder = copy_export(district, tmp_path / "src")
            out = tmp_path / "out"
            shutil.rmtree(out, ignore_errors=True)
            spoiled = [list(r) for r in rows]
            spoiled[row][column] = text
            write_rows(folder / file, district, spoiled)
            ids = {rows[row][0].strip(), spoiled[row][0].strip()}
            try:
                got = harmonised(district, folder, out)
            except InputDataError as error:
                for p in error.problems:
                    assert (p.file, p.row) == (file, row + 1) or p.value in ids, (p, error)
                assert any((p.file, p.row) == (file, row + 1) for p in error.problems) or \
                    any(p.column == id_column for p in error.problems), error
                return
            keys = {f"{district}:{i}" for i in ids}
            # a changed school name may rename its school on every row, but only with a finding saying so
            renamed = {code for finding in findings_of(district, out) for code in finding["school_cds"]}
            for table in TABLES:
                others = got[table][~got[table]["student_key"].isin(keys)].reset_index(drop=True)
                expected = baseline[district][table]
                expected = expected[~expected["student_key"].isin(keys)].reset_index(drop=True)
                if table == "enrollment":
                    others = others.assign(school_name=others["school_name"].where(
                        ~others["school_cds"].isin(renamed), expected["school_name"]))
                pd.testing.assert_frame_equal(others, expected, obj=table)

        corrupt()
