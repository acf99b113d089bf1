"""read_export: strict text reading, row numbers, and whole-file problems."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from flp_inquiry.ingest.readers import ROW, read_export


def read(tmp_path: Path, content: bytes, *, encoding="utf-8", delimiter=",", required=("id", "name")):
    path = tmp_path / "students.csv"
    path.write_bytes(content)
    return read_export(path, encoding=encoding, delimiter=delimiter, required_columns=list(required))


def test_values_stay_text_with_spreadsheet_rows(tmp_path: Path):
    raw = read(tmp_path, b"id,name,days\r\n007,Ana,3.5\r\n0100, Bo ,\r\n")
    assert raw.problems == []
    assert raw.records["id"].tolist() == ["007", "0100"]          # never numbers
    assert raw.records["days"].tolist()[0] == "3.5"
    assert raw.records["name"].tolist() == ["Ana", "Bo"]          # surrounding spaces trimmed
    assert pd.isna(raw.records["days"].iloc[1])                   # empty = missing
    assert raw.records[ROW].tolist() == [2, 3]
    assert raw.row_count == 2


def test_blank_lines_are_skipped_but_rows_keep_their_numbers(tmp_path: Path):
    raw = read(tmp_path, b"id,name\n1,a\n\n3,c\n")
    assert raw.records[ROW].tolist() == [2, 4]


def test_header_only_is_zero_rows(tmp_path: Path):
    raw = read(tmp_path, b"id,name\n")
    assert raw.problems == [] and raw.row_count == 0 and list(raw.records.columns) == ["id", "name", ROW]


def test_byte_order_mark_is_not_part_of_the_first_column(tmp_path: Path):
    raw = read(tmp_path, "\ufeffid,name\n1,a\n".encode("utf-8"))
    assert raw.problems == [] and raw.records["id"].tolist() == ["1"]


def test_cp1252_accents(tmp_path: Path):
    raw = read(tmp_path, "id,name\n1,Sample Peñasco Middle\n".encode("cp1252"), encoding="cp1252")
    assert raw.records["name"].tolist() == ["Sample Peñasco Middle"]


def test_utf8_file_given_to_a_cp1252_mapping(tmp_path: Path):
    raw = read(tmp_path, "id,name\n1,plain\n2,Sample Peñasco Middle\n".encode("utf-8"), encoding="cp1252")
    [problem] = raw.problems
    assert (problem.row, problem.column, problem.value) == (3, "name", "Sample Peñasco Middle")
    assert "UTF-8" in problem.message and "PeÃ±asco" in problem.message
    assert raw.records is None


def test_bytes_that_do_not_decode(tmp_path: Path):
    raw = read(tmp_path, b"id,name\n1,Mu\xf1oz\n2,ok\n3,G\xfcl\n")
    assert [(p.row, p.column, p.value) for p in raw.problems] == [
        (2, "name", "Mu\ufffdoz"), (4, "name", "G\ufffdl")]


def test_empty_and_binary_files(tmp_path: Path):
    assert "empty" in read(tmp_path, b"").problems[0].message
    assert "empty" in read(tmp_path, b"\r\n  \n").problems[0].message
    assert "binary" in read(tmp_path, b"PK\x03\x04\x00\x00").problems[0].message


def test_other_delimiter_gives_a_one_column_header(tmp_path: Path):
    [problem] = read(tmp_path, b"id;name\n1;a\n").problems
    assert (problem.row, problem.value) == (1, "id;name")
    assert "delimited by ';'" in problem.message


def test_missing_and_renamed_columns(tmp_path: Path):
    raw = read(tmp_path, b"id,full_name,extra\n1,a,b\n", required=("id", "name", "grade"))
    assert [(p.row, p.column) for p in raw.problems] == [(1, "name"), (1, "grade")]
    assert "unexpected columns found: full_name, extra" in raw.problems[0].message
    assert raw.records is None


def test_extra_columns_alone_are_fine(tmp_path: Path):
    assert read(tmp_path, b"id,name,site_type\n1,a,ES\n").problems == []


def test_repeated_header_column(tmp_path: Path):
    [problem] = read(tmp_path, b"id,name,id\n1,a,2\n").problems
    assert (problem.row, problem.column) == (1, "id") and "more than once" in problem.message


@pytest.mark.parametrize("line, count", [(b"2,b,x", 3), (b"2", 1)])
def test_ragged_rows_are_problems_and_other_rows_keep_their_numbers(tmp_path: Path, line: bytes, count: int):
    raw = read(tmp_path, b"id,name\n1,a\n" + line + b"\n3,c\n")
    [problem] = raw.problems
    assert (problem.row, problem.value) == (3, line.decode())
    assert f"{count} values where the header has 2" in problem.message
    assert raw.records[ROW].tolist() == [2, 4]


def test_the_file_is_not_changed(tmp_path: Path):
    content = b"id,name\n1,a\n"
    path = tmp_path / "students.csv"
    path.write_bytes(content)
    path.chmod(0o444)     # read-only, as raw exports should be
    read_export(path, encoding="utf-8", delimiter=",", required_columns=["id"])
    assert path.read_bytes() == content


def test_utf8_text_in_a_cp1252_file_is_found_at_its_cell(tmp_path: Path):
    content = "id,name\n1,Muñoz\n".encode("cp1252") + "2,PEÑA\n3,Zoë 🙂\n".encode("utf-8")
    raw = read(tmp_path, content, encoding="cp1252")
    assert [(p.row, p.column, p.value) for p in raw.problems] == [(3, "name", "PEÑA"), (4, "name", "Zoë 🙂")]
    assert "'PEÃ‘A'" in raw.problems[0].message and raw.records is None


def test_cp1252_that_merely_looks_like_utf8_reads_as_written(tmp_path: Path):
    # É + ’ (0xC9 0x92) and Ñ + – (0xD1 0x96) are valid UTF-8 byte pairs too
    raw = read(tmp_path, "id,name\n1,JOSÉ’S\n2,PEÑA–LEE\n3,Muñoz\n".encode("cp1252"), encoding="cp1252")
    assert raw.problems == [] and raw.records["name"].tolist() == ["JOSÉ’S", "PEÑA–LEE", "Muñoz"]


def test_a_cp1252_row_in_a_utf8_file(tmp_path: Path):
    raw = read(tmp_path, "id,name\n1,Peñasco\n".encode("utf-8") + "2,Muñoz\n".encode("cp1252"))
    [problem] = raw.problems
    assert (problem.row, problem.column, problem.value) == (3, "name", "Mu\ufffdoz")
    assert "in Windows-1252 it reads 'Muñoz'" in problem.message and "other rows are UTF-8" in problem.message


@pytest.mark.parametrize("content", [b"id,name\r1,a\r2,b\r", b"id,name\r1,a\r2,b"])
def test_rows_ending_with_a_cr_alone(tmp_path: Path, content: bytes):
    raw = read(tmp_path, content)
    if content.endswith(b"\r"):
        assert raw.problems == [] and raw.records["name"].tolist() == ["a", "b"] and raw.records[ROW].tolist() == [2, 3]
    else:  # still a file that does not end with a line break: its last row may be cut off
        assert [p.row for p in raw.problems] == [3] and "cut off" in raw.problems[0].message


def test_stray_carriage_returns(tmp_path: Path):
    lines = [b"id,name\r\n", b'1,"a\rb"\r\n'] + [b"%d,x\ry\r\n" % i for i in range(2, 30)]
    raw = read(tmp_path, b"".join(lines))
    # the quoted one (row 2) is text; rows 3-30 are not: 20 listed, 8 counted
    assert [p.row for p in raw.problems[:20]] == list(range(3, 23))
    assert raw.problems[0].value == "x\ry" and raw.problems[0].column == "name"
    assert raw.problems[20].message == "... and 8 more rows with a carriage return (CR) inside"
    [header] = read(tmp_path, b'id,"na\rme"\n1,a\n', required=("id",)).problems
    assert (header.row, header.value) == (1, "na\rme")
