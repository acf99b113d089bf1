"""Reading a district's raw export files strictly, as text, with spreadsheet row numbers.

Nothing is guessed: every value is read as a string (ids are never numbers, so
leading zeros survive), an empty cell is missing, and each record keeps the row
number a spreadsheet shows (header = row 1) in the column :data:`ROW`.  What is
wrong with a file as a whole (wrong encoding, not a CSV, missing or renamed
columns, ragged rows) comes back as :class:`~flp_inquiry.errors.Problem` records,
all of them, never as an exception halfway through.  Files are opened read-only.
"""
from __future__ import annotations

import bisect
import csv
import hashlib
import io
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from flp_inquiry.errors import Problem

#: The column holding each record's spreadsheet row number (header = row 1).
ROW = "_row"
#: Provenance columns carried beside the canonical ones until validation: the file of a row, and per
#: canonical column the source column it came from (a prefix; wide tables and the state's files).
FILE = "_file"
SOURCE_OF = "_source:"
#: Rows of one file listed individually before the rest are counted.
MAX_ROWS_LISTED = 20
_OTHER_DELIMITERS = (",", ";", "\t", "|")
#: How a column with no name in the header is called in problems: "(unnamed column 17)".
_UNNAMED = "(unnamed column "
_UTF8_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
#: Stands for a carriage return while a line is split into cells (a character no export holds).
_CR_MARK = "\ufffc"


@dataclass(frozen=True)
class RawFile:
    """One export file as read: its text records (``None`` when unreadable) and its problems."""

    name: str
    sha256: str
    records: pd.DataFrame | None
    problems: list[Problem] = field(default_factory=list)

    @property
    def row_count(self) -> int:
        """Records read (0 for an unreadable file)."""
        return 0 if self.records is None else len(self.records)


def sha256_of(path: Path) -> str:
    """The SHA-256 hex digest of a file's bytes.

    >>> import tempfile, os
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = Path(folder) / "a.csv"
    ...     _ = path.write_bytes(b"abc")
    ...     sha256_of(path)[:12]
    'ba7816bf8f01'
    """
    digest = hashlib.sha256()
    with Path(path).open("rb") as file:  # in blocks: a state file of 400 MB is never held whole for its hash
        for block in iter(lambda: file.read(1 << 24), b""):
            digest.update(block)
    return digest.hexdigest()


def read_export(path: Path, *, encoding: str, delimiter: str, required_columns: list[str]) -> RawFile:
    """Read one raw export file as text records, with every problem of the file as a whole.

    Parameters
    ----------
    path
        The CSV file; it is opened read-only.
    encoding
        The encoding the mapping expects (``"utf-8"``, ``"cp1252"``).
    delimiter
        The field delimiter the mapping expects.
    required_columns
        Columns the header must have (others may be present too).

    Returns
    -------
    RawFile
        ``records`` has the file's columns as strings (missing = empty cell) plus
        :data:`ROW`; it is ``None`` when the file cannot be used at all.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = Path(folder) / "students.csv"
    ...     _ = path.write_bytes(b"id,name\\n007,Pe\\xf1a\\n008,\\n")
    ...     raw = read_export(path, encoding="cp1252", delimiter=",", required_columns=["id"])
    >>> raw.records.to_dict("records")
    [{'id': '007', 'name': 'Peña', '_row': 2}, {'id': '008', 'name': nan, '_row': 3}]
    >>> raw.problems
    []
    """
    name = path.name
    content = path.read_bytes()
    sha256 = hashlib.sha256(content).hexdigest()
    if not content.removeprefix(_UTF8_BOM).strip():
        return RawFile(name, sha256, None, [Problem(name, None, None, None, "the file is empty: not even a header row")])
    if content.startswith(_UTF16_BOMS):
        return RawFile(name, sha256, None, [Problem(
            name, None, None, None,
            f"the file is UTF-16 (Excel's 'Unicode Text'), the mapping says {encoding}: "
            f"save it again as a CSV file in {encoding}")])
    if b"\x00" in content:
        return RawFile(name, sha256, None, [Problem(
            name, None, None, None,
            "this is not a text CSV file (it contains binary bytes): was a spreadsheet saved with a .csv name?")])
    text, problems = _decode(name, content, encoding, delimiter)
    if problems:
        return RawFile(name, sha256, None, problems)
    text, problems = _line_breaks(name, text, delimiter)
    if problems:
        return RawFile(name, sha256, None, problems)
    header_line = text.split("\n", 1)[0].rstrip("\r")
    header = _cells(header_line, delimiter)
    problems = _check_header(name, header, header_line, delimiter, required_columns)
    if problems:
        return RawFile(name, sha256, None, problems)
    records, problems = _parse(name, text, header, delimiter)
    cut = _cut_off_row(name, text)
    if cut is not None:
        # one problem for the cut row (not also "too few values"), and none of its values are read
        problems = [p for p in problems if p.row != cut.row] + [cut]
        records = records[records[ROW] != cut.row].reset_index(drop=True)
    return RawFile(name, sha256, records, problems)


def _line_breaks(name: str, text: str, delimiter: str) -> tuple[str, list[Problem]]:
    """Rows end with LF or CR LF; a file whose rows all end with a CR alone is read too.

    Excel for Mac's "CSV (Macintosh)" ends rows with a CR alone.  In a file of LF or
    CR LF rows, a CR alone is a problem at its row: in the header, or outside quotes in a
    row, a spreadsheet starts a new row there (a CR inside a quoted cell is that cell's text).
    A CR at the very end of the file is a cut-off row (see :func:`_cut_off_row`).
    """
    if "\r" not in text:
        return text, []
    if "\n" not in text:
        return text.replace("\r", "\n"), []
    strays = [match.start() for match in re.finditer(r"\r(?!\n)(?!\Z)", text)]
    if not strays:
        return text, []
    problems = []
    lines = text.split("\n")
    header = _cells(lines[0].rstrip("\r"), delimiter)
    line_ends = [match.start() for match in re.finditer("\n", text)]
    stray_rows = sorted({bisect.bisect_left(line_ends, position) for position in strays})
    unlisted = 0
    for index in stray_rows:
        line = lines[index].rstrip("\r")
        if index == 0:
            for column in (c for c in header if "\r" in c):
                problems.append(Problem(name, 1, None, column,
                                        "a carriage return (CR) inside a column name of the header: a spreadsheet "
                                        "splits the header there; remove it from the header and export again"))
            continue
        outside = [position for position, character in enumerate(line)
                   if character == "\r" and line.count('"', 0, position) % 2 == 0]
        if not outside:
            continue  # inside quotes: the cell's own text
        if len(problems) >= MAX_ROWS_LISTED:
            unlisted += 1
            continue
        cells = _cells(line, delimiter)
        position = next((i for i, cell in enumerate(cells) if "\r" in cell), None)
        column = header[position] if position is not None and position < len(header) else None
        problems.append(Problem(name, index + 1, column, cells[position] if position is not None else line[:80],
                                "a carriage return (CR) inside this row: a spreadsheet starts a new row there; "
                                "remove it from the cell, or put the cell in quotes, and export again"))
    if unlisted:
        problems.append(Problem(name, None, None, None,
                                f"... and {unlisted} more rows with a carriage return (CR) inside"))
    return text, problems


def _cut_off_row(name: str, text: str) -> Problem | None:
    """The last row, when the file ends without a line break: it may have been cut off.

    Export tools end the last row with a line break; without one, the last value may
    be shortened (``3.5`` cut to ``3``) and still look valid, so that row is refused.
    A header alone without a line break may be a file cut just after it: refused too.
    """
    if text.endswith("\n"):
        return None
    last_line = text.rsplit("\n", 1)[-1]
    if not last_line.strip():
        return None
    where = "after its header" if "\n" not in text else "in the middle of this row"
    return Problem(name, text.count("\n") + 1, None, last_line[:80],
                   f"the file ends {where}, without a line break: it may have been cut off "
                   "while being copied or exported; export the whole file again")


def _decode(name: str, content: bytes, encoding: str, delimiter: str) -> tuple[str, list[Problem]]:
    """Decode strictly; a file, or rows of it, in another encoding than the mapping's is a problem, per row."""
    is_utf8 = encoding.lower().replace("_", "-") in ("utf-8", "utf8", "utf-8-sig")
    if is_utf8:
        try:
            return content.decode("utf-8-sig"), []
        except UnicodeDecodeError:
            return "", _rows_not_utf8(name, content, delimiter)
    if content.isascii():
        return content.decode(encoding), []
    body = content.removeprefix(_UTF8_BOM)
    try:
        as_utf8 = body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        # cp1252 text with accents is practically never valid UTF-8: the export was re-saved
        return as_utf8, _rows_matching(
            name, as_utf8, delimiter, r"[^\x00-\x7f]",
            lambda text: f"the file is UTF-8 but the mapping says {encoding}: this text would be "
                         f"misread as {text.encode('utf-8').decode(encoding, errors='replace')!r}")
    try:
        text = body.decode(encoding)
    except UnicodeDecodeError:
        replaced = body.decode(encoding, errors="replace")
        return replaced, _rows_matching(
            name, replaced, delimiter, "\ufffd",
            lambda text: f"bytes that are not {encoding} text (shown as \ufffd): "
                         f"the file is in another encoding than the mapping says")
    return text, _rows_in_utf8(name, body, text, encoding, delimiter)


#: A character written in UTF-8: two, three or four bytes (RFC 3629's grammar, no overlong forms).
_UTF8_CHARACTER = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}"
    rb"|\xed[\x80-\x9f][\x80-\xbf]|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}"
    rb"|\xf4[\x80-\x8f][\x80-\xbf]{2}")


#: How every UTF-8 character of two bytes or more starts (a quick test before the exact pattern).
_UTF8_START = re.compile(rb"[\xc2-\xf4][\x80-\xbf]")


def _is_utf8_text(sequence: bytes, encoding: str) -> bool:
    """Whether bytes that are one character in UTF-8 were written as UTF-8, not as ``encoding``.

    In Windows-1252 such bytes read as an accented capital and a symbol (``Ã±`` for ``ñ``),
    which names never hold, with one exception kept as written: a capital (other than
    ``Â``, ``Ã``, where every UTF-8 accent of Spanish starts) before a punctuation mark,
    as in ``JOSÉ’S`` or ``MUÑOZ–LEE``.
    """
    if len(sequence) > 2 or sequence[0] in b"\xc2\xc3":
        return True
    first, second = sequence.decode(encoding, errors="replace")
    return not (first.isupper() and unicodedata.category(second)[0] in "PZ")


def _rows_in_utf8(name: str, content: bytes, text: str, encoding: str, delimiter: str) -> list[Problem]:
    """Rows written in UTF-8 in a file of a single-byte encoding (cp1252): each would read garbled.

    The file as a whole is not UTF-8 (it has bytes UTF-8 never uses), so it mixes the two:
    typically rows pasted in from another export.
    """
    if len(bytes(range(256)).decode(encoding, errors="replace")) != 256:
        return []  # a multi-byte encoding: UTF-8's byte patterns mean nothing there
    if not _UTF8_START.search(content):
        return []  # the usual case, found in one fast pass: no byte pair UTF-8 could have written
    matches = [m for m in _UTF8_CHARACTER.finditer(content) if _is_utf8_text(m.group(), encoding)]
    lines = text.split("\n")
    found: dict[int, tuple[str, str]] = {}  # line index -> (the line as read, the line as meant)
    line_starts = [0, *(m.end() for m in re.finditer(b"\n", content))] if matches else []
    for match in matches:
        index = bisect.bisect_right(line_starts, match.start()) - 1
        as_read, meant = found.get(index, (lines[index], lines[index]))
        sequence = match.group()
        found[index] = (as_read, meant.replace(sequence.decode(encoding), sequence.decode("utf-8"), 1))
    if not found:
        return []
    header = _cells(lines[0].rstrip("\r"), delimiter)
    problems = []
    for index, (as_read, meant) in list(found.items())[:MAX_ROWS_LISTED]:
        read_cells, meant_cells = _cells(as_read.rstrip("\r"), delimiter), _cells(meant.rstrip("\r"), delimiter)
        position = next((i for i, (a, b) in enumerate(zip(read_cells, meant_cells)) if a != b), None)
        column = header[position] if position is not None and position < len(header) and index else None
        cell, garbled = ((meant_cells[position], read_cells[position]) if position is not None
                         else (meant.rstrip("\r"), as_read.rstrip("\r")))
        problems.append(Problem(
            name, index + 1, column, cell,
            f"this text is in UTF-8 but the rest of the file in {encoding} (as the mapping says): it would be "
            f"misread as {garbled!r}; save the whole file again in one encoding"))
    if len(found) > MAX_ROWS_LISTED:
        problems.append(Problem(name, None, None, None,
                                f"... and {len(found) - MAX_ROWS_LISTED} more rows with text in UTF-8"))
    return problems


def _rows_not_utf8(name: str, content: bytes, delimiter: str) -> list[Problem]:
    """Rows of a UTF-8 file (as the mapping says) with bytes UTF-8 never uses: another encoding's text."""
    content = content.removeprefix(_UTF8_BOM)
    lines = content.split(b"\n")
    bad, utf8_elsewhere = [], False
    for index, line in enumerate(lines):
        try:
            utf8_elsewhere |= not line.decode("utf-8").isascii()
        except UnicodeDecodeError:
            bad.append(index)
    header = _cells(lines[0].decode("utf-8", errors="replace").rstrip("\r"), delimiter)
    problems = []
    for index in bad[:MAX_ROWS_LISTED]:
        cells = _cells(lines[index].decode("utf-8", errors="replace").rstrip("\r"), delimiter)
        position = next((i for i, cell in enumerate(cells) if "\ufffd" in cell), None)
        column = header[position] if position is not None and position < len(header) and index else None
        cell = cells[position] if position is not None else None
        try:
            guess = _cells(lines[index].decode("cp1252").rstrip("\r"), delimiter)[position]
            hint = f"; in Windows-1252 it reads {guess!r}"
        except (UnicodeDecodeError, IndexError, TypeError):
            hint = ""
        where = ("the other rows are UTF-8, as the mapping says: save the whole file again in UTF-8"
                 if utf8_elsewhere else "the file is in another encoding than the mapping says")
        problems.append(Problem(name, index + 1, column, cell,
                                f"bytes that are not utf-8 text (shown as \ufffd){hint}: {where}"))
    if len(bad) > MAX_ROWS_LISTED:
        problems.append(Problem(name, None, None, None,
                                f"... and {len(bad) - MAX_ROWS_LISTED} more rows with the same encoding problem"))
    return problems


def _cells(line: str, delimiter: str) -> list[str]:
    """One line split into cells as a spreadsheet would; a carriage return inside stays in its cell."""
    try:  # the csv module refuses a bare CR outside quotes: it is carried through as another character
        cells = next(csv.reader([line.replace("\r", _CR_MARK)], delimiter=delimiter), [])
    except csv.Error:
        return [line]
    return [cell.replace(_CR_MARK, "\r") for cell in cells]


def _rows_matching(name, text, delimiter, pattern, describe) -> list[Problem]:
    """One problem per row whose text matches ``pattern``, naming the column and the cell."""
    lines = pa.array(text.split("\n"))
    line_numbers = np.flatnonzero(pc.match_substring_regex(lines, pattern).to_numpy(zero_copy_only=False))
    header = _cells(lines[0].as_py().rstrip("\r"), delimiter)
    problems = []
    for index in line_numbers[:MAX_ROWS_LISTED]:  # bounded: only the rows reported
        cells = _cells(lines[int(index)].as_py().rstrip("\r"), delimiter)
        position = next((i for i, cell in enumerate(cells) if re.search(pattern, cell)), None)
        column = header[position] if position is not None and position < len(header) else None
        cell = cells[position] if position is not None else None
        row = int(index) + 1  # line 0 is the header, row 1
        problems.append(Problem(name, row, column, cell, describe(cell or "")))
    if len(line_numbers) > MAX_ROWS_LISTED:
        problems.append(Problem(name, None, None, None,
                                f"... and {len(line_numbers) - MAX_ROWS_LISTED} more rows with the same encoding problem"))
    return problems


def _check_header(name, header, header_line, delimiter, required_columns) -> list[Problem]:
    if len(header) == 1 and len(required_columns) > 1:
        found = [d for d in _OTHER_DELIMITERS if d != delimiter and d in header_line]
        hint = f": it seems to be delimited by {found[0]!r}, the mapping says {delimiter!r}" if found else ""
        return [Problem(name, 1, None, header_line[:80], f"the header has a single column{hint}")]
    problems = []
    # columns with no name (Excel's trailing ",,") are checked for values when the rows are read
    duplicated = sorted({column for column in header if header.count(column) > 1 and column.strip()})
    for column in duplicated:
        problems.append(Problem(name, 1, column, None, "the header names this column more than once"))
    missing = [column for column in required_columns if column not in header]
    unexpected = [column for column in header if column not in required_columns]
    for column in missing:
        hint = (f"; unexpected columns found: {', '.join(unexpected)} (renamed?)" if unexpected
                else "")
        problems.append(Problem(name, 1, column, None, f"expected column {column!r} is missing{hint}"))
    return problems


def _parse(name: str, text: str, header: list[str], delimiter: str) -> tuple[pd.DataFrame, list[Problem]]:
    """Parse with pyarrow, all columns as strings; ragged rows are problems, blank lines skipped.

    A line of only delimiters and spaces (``,,,``) is blank, whatever its length.  A column
    with no name in the header is dropped, and a value in it is a problem.
    """
    ragged: list[tuple[int, int, str]] = []
    blank_short: list[int] = []

    def note_ragged(row) -> str:
        if not row.text.strip(delimiter + " \t\r\n"):
            blank_short.append(row.number)
        else:
            ragged.append((row.number, row.actual_columns, row.text))
        return "skip"

    names = [column if column.strip() else f"{_UNNAMED}{i + 1})" for i, column in enumerate(header)]
    if not text.endswith("\n"):
        text += "\n"  # a header alone without a line break is still a header (a cut row is reported apart)
    table = pa_csv.read_csv(
        io.BytesIO(text.encode("utf-8")),
        # single-threaded so the handler is told each bad row's line number
        read_options=pa_csv.ReadOptions(use_threads=False, block_size=1 << 26,
                                        column_names=names, skip_rows=1),
        parse_options=pa_csv.ParseOptions(delimiter=delimiter, invalid_row_handler=note_ragged,
                                          ignore_empty_lines=False),
        convert_options=pa_csv.ConvertOptions(
            column_types={column: pa.string() for column in names},
            strings_can_be_null=True, quoted_strings_can_be_null=True, null_values=[""]),
    )
    table = pa.table({column: _blank_to_null(table.column(column)) for column in names})
    records = table.to_pandas()
    # records are the lines from 2 on, less the ragged lines that pyarrow skipped
    line_numbers = np.arange(2, 2 + len(records) + len(ragged) + len(blank_short))
    records[ROW] = np.setdiff1d(line_numbers, [number for number, _, _ in ragged] + blank_short)
    blank_lines = records[names].isna().all(axis=1)
    records = records[~blank_lines].reset_index(drop=True)
    problems = [Problem(name, number, None, line[:80],
                        f"this row has {count} values where the header has {len(header)} columns")
                for number, count, line in ragged]
    for column in (c for c in names if c.startswith(_UNNAMED)):
        filled = records[records[column].notna()]
        problems += [Problem(name, int(row), column, value,
                             "a value in a column with no name in the header: name the column "
                             "in the export, or remove the value")
                     for row, value in filled[[ROW, column]].head(MAX_ROWS_LISTED).itertuples(index=False)]
        if len(filled) > MAX_ROWS_LISTED:
            problems.append(Problem(name, None, column, None, f"... and {len(filled) - MAX_ROWS_LISTED} "
                                    "more rows with a value in this column with no name"))
        records = records.drop(columns=column)
    return records, problems


def _blank_to_null(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """Trim surrounding spaces; a cell of only spaces is missing, like an empty one."""
    trimmed = pc.utf8_trim_whitespace(column)
    return pc.if_else(pc.equal(trimmed, ""), pa.scalar(None, pa.string()), trimmed)
