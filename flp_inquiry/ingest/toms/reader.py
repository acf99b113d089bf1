"""Reading the TOMS Student Score Data Files (CAASPP and Summative ELPAC) as they come from TOMS.

:func:`read_toms_file` reads one caret-delimited download: it finds the layout year from
the header (:mod:`~flp_inquiry.ingest.toms.layouts`), reads only the fields it needs by name
(never a name, birth date or address) with pyarrow's CSV reader, tolerates a UTF-8 byte-order
mark, and has every value checked and typed (:mod:`~flp_inquiry.ingest.toms.values`).  Every
problem of the file (the fixed-width form, another delimiter, an unknown layout, a record with
too few or too many fields, unknown codes, a record that does not end with ``ZZ``, scores
outside their test's range) comes back as a :class:`~flp_inquiry.errors.Problem` with file,
row (header = row 1), field and value; :func:`read_toms_files` raises them all at once in one
:class:`~flp_inquiry.errors.InputDataError`.

Real TOMS downloads often end without a line break, so a missing final line break is not
taken as truncation (as it is for the districts' own exports): a record cut short has too
few fields, or an ``EndofRecord`` other than ``ZZ``, and is refused for that.  A file cut
exactly after a complete record cannot be told from a whole one (the file has no trailer
count): compare the record counts in the harmonised folder's manifest with TOMS.
"""
from __future__ import annotations

import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv

from flp_inquiry.errors import InputDataError, Problem
from flp_inquiry.ingest.readers import ROW, sha256_of
from flp_inquiry.ingest.toms.layouts import Layout, closest_layout, detect_layout, known_layouts
from flp_inquiry.ingest.toms.values import MAX_LISTED, check_records, convert_records

DELIMITER = "^"
_UTF8_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_OTHER_DELIMITERS = {",": "comma", "\t": "tab", ";": "semicolon", "|": "vertical bar"}
#: The school year a TOMS file name carries (``..._TestedStudentScoreData_2025_DLMTR.CSV``).
_NAME_YEAR = re.compile(r"_(20\d\d)(?=[_.])")
_HEAD_BYTES = 1 << 20
#: pyarrow's block of the file parsed at once: 4 MB blocks parsed a 333 MB file in 0.6 s, 16 MB blocks in 1.4-1.8 s
#: (a block that stays in the processor's cache while its 401 fields a record are split)
_BLOCK_BYTES = 1 << 22


@dataclass(frozen=True)
class TomsFile:
    """One TOMS download as read: its layout, typed records (``None`` when unreadable), problems."""

    name: str
    sha256: str
    layout: Layout | None
    records: pd.DataFrame | None
    problems: list[Problem] = field(default_factory=list)

    @property
    def test(self) -> str | None:
        """``"caaspp"`` or ``"elpac"`` (``None`` when the layout is unknown)."""
        return self.layout.test if self.layout else None

    @property
    def school_year(self) -> int | None:
        """The school year of the layout (the calendar year it ends in)."""
        return self.layout.school_year if self.layout else None

    @property
    def preliminary(self) -> bool:
        """True when records say ``RecordIdentifier`` = ``Preliminary``: results before the state's final release."""
        return self.records is not None and "record_identifier" in self.records and \
            bool(self.records["record_identifier"].eq("Preliminary").any())

    @property
    def row_count(self) -> int:
        return 0 if self.records is None else len(self.records)


def read_toms_files(paths: Iterable[Path]) -> list[TomsFile]:
    """Read TOMS downloads; every problem of every file is raised at once.

    Raises
    ------
    InputDataError
        Anything wrong in any file, each problem with file, row, field and value.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = Path(folder) / "scores.dat"
    ...     _ = path.write_text("01123456789012SMITH" + " " * 4000 + "ZZ\\n")
    ...     read_toms_files([path])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    flp_inquiry.errors.InputDataError: 1 problem in the district's files; nothing was written: scores.dat, row 1: this is the fixed-width form of a TOMS score file ... (its name ends in _DLMTR)
    """
    files = [read_toms_file(Path(path)) for path in paths]
    problems = [problem for file in files for problem in file.problems]
    if problems:
        raise InputDataError(problems)
    return files


def read_toms_file(path: Path) -> TomsFile:
    """Read one caret-delimited TOMS Student Score Data File; problems are returned, not raised.

    Parameters
    ----------
    path
        A CAASPP or Summative ELPAC Student Score Data File as downloaded from TOMS
        (``..._DLMTR.CSV``); it is only read.

    Returns
    -------
    TomsFile
        ``records`` has one row per record, the fields of :data:`~flp_inquiry.ingest.toms.layouts.CAASPP_FIELDS`
        (or ``ELPAC_FIELDS``) typed, and ``_row``; ``None`` when the file cannot be read at all.

    Examples
    --------
    >>> import tempfile
    >>> from flp_inquiry.ingest.toms.layouts import layout_for
    >>> header = list(layout_for("caaspp", 2025).header)
    >>> values = dict.fromkeys(header, "")
    >>> values.update(RecordType="1", SSID="0000000001", GradeAssessed="5", IncludeIndicator="Y",
    ...               ScaleScore="2502", AchievementLevels="3", EndofRecord="ZZ")
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = Path(folder) / "caaspp.CSV"
    ...     _ = path.write_text("^".join(header) + "\\n" + "^".join(values[n] for n in header))
    ...     scores = read_toms_file(path)
    >>> scores.layout.label, scores.problems
    ('CAASPP 2024-25 (401 columns)', [])
    >>> scores.records[["record_type", "grade_assessed", "scale_score", "achievement_level", "_row"]].to_dict("records")
    [{'record_type': '01', 'grade_assessed': 5, 'scale_score': 2502, 'achievement_level': 3, '_row': 2}]
    """
    with system_memory_pool():
        return _read(Path(path))


@contextmanager
def system_memory_pool():
    """pyarrow allocates from the system's allocator inside (arrays made stay valid after).

    pyarrow's default allocator (mimalloc) spent more system time than the work itself on this
    machine: a 333 MB CAASPP file took 2.6 s to parse and 3.4 s to convert with it, 0.8 s and
    1.7 s with the system's; harmonising it, 8.5-9.5 s against 6.0 s.
    """
    default_pool = pa.default_memory_pool()
    pa.set_memory_pool(pa.system_memory_pool())
    try:
        yield
    finally:
        pa.set_memory_pool(default_pool)
        release_memory()


def release_memory() -> None:
    """Give the memory freed back to the system: parsing a 333 MB file left 470 MB that was no longer used."""
    pa.system_memory_pool().release_unused()


def _read(path: Path) -> TomsFile:
    name = path.name
    sha256 = sha256_of(path)
    header, problem = _read_header(path)
    if problem is not None:
        return TomsFile(name, sha256, None, None, [problem])
    layout, problems = _find_layout(name, header)
    if layout is None:
        return TomsFile(name, sha256, None, None, problems)
    problems += _check_name_year(name, layout)
    table, row_numbers, parse_problems = _parse(path, header, layout)
    problems += parse_problems
    if table is None:
        return TomsFile(name, sha256, layout, None, problems)
    records, value_problems = convert_records(name, table, row_numbers, layout)
    del table
    release_memory()
    problems += value_problems
    # a record already reported (a bad code, a cut record) is not blamed again by the rules across fields
    reported = {p.row for p in problems if p.row is not None}
    problems += check_records(name, records[~records[ROW].isin(reported)], layout.test)
    return TomsFile(name, sha256, layout, records, _in_order(problems))


def _in_order(problems: list[Problem]) -> list[Problem]:
    """By row (the file's own problems first), the counts of unlisted problems last."""
    return sorted(problems, key=lambda p: (p.message.startswith("... and"), p.row or 0))


# -- the file as a whole -------------------------------------------------------------------------


def _read_header(path: Path) -> tuple[list[str], Problem | None]:
    """The header's names, or the one problem that makes the file unreadable as a TOMS download."""
    name = path.name
    with path.open("rb") as file:
        head = file.read(_HEAD_BYTES)
    if not head.removeprefix(_UTF8_BOM).strip():
        return [], Problem(name, None, None, None, "the file is empty: not even a header row")
    if head.startswith(_UTF16_BOMS):
        return [], Problem(name, None, None, None,
                           "the file is UTF-16 (re-saved as Excel 'Unicode Text'): download it again from TOMS")
    if b"\x00" in head:
        return [], Problem(name, None, None, None,
                           "this is not a text file (it has binary bytes): was a spreadsheet saved under this name?")
    line = head.removeprefix(_UTF8_BOM).split(b"\n", 1)[0].rstrip(b"\r")
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        return [], Problem(name, 1, None, None, "the header row is not UTF-8 text: download the file again from TOMS")
    if DELIMITER not in text:
        return [], _no_caret_header(name, path, text)
    names = text.split(DELIMITER)
    if any(n.startswith('"') and n.endswith('"') for n in names[:3]):
        return [], Problem(name, 1, None, None,
                           "the header's names are in quotes: the file was re-saved by another program, "
                           "which may also have changed values; download it again from TOMS")
    return [n.strip() for n in names], None


def _no_caret_header(name: str, path: Path, line: str) -> Problem:
    """The problem of a first line without a caret: the fixed-width form, another delimiter, or no header."""
    if path.suffix.lower() == ".dat" or (len(line) > 1000 and re.match(r"\d{2}|SA|SE", line)):
        return Problem(name, 1, None, None,
                       "this is the fixed-width form of a TOMS score file (no header row, fields by position), "
                       "and the state documents no positions for the layout years read here: in TOMS, download "
                       "the Student Score Data File again as the caret-delimited file (its name ends in _DLMTR)")
    for delimiter, word in _OTHER_DELIMITERS.items():
        if delimiter in line and "RecordType" in line:
            return Problem(name, 1, None, None,
                           f"the file is {word}-separated, not caret-separated (^) as TOMS writes it: it was "
                           "re-saved by a spreadsheet, which drops leading zeros (04 -> 4) and splits school "
                           "names that hold a comma; download the caret-delimited file (_DLMTR) again from TOMS")
    return Problem(name, 1, None, None, "the first row is not a TOMS header row (RecordType^...): "
                   "is this a CAASPP or Summative ELPAC Student Score Data File?")


def _find_layout(name: str, header: list[str]) -> tuple[Layout | None, list[Problem]]:
    repeated = sorted({n for n in header if header.count(n) > 1})
    if repeated:
        return None, [Problem(name, 1, n, None, "the header names this column more than once") for n in repeated]
    layout = detect_layout(header)
    if layout is not None:
        return layout, []
    if "RecordType" not in header:
        return None, [Problem(name, 1, None, None, "the first row is not a TOMS header row (RecordType^...): "
                              "is this a CAASPP or Summative ELPAC Student Score Data File?")]
    begun = [layout for layout in known_layouts() if list(layout.header[:len(header)]) == header]
    if begun and len(header) < len(begun[-1].header):  # the latest layout whose header begins so
        return None, [Problem(name, 1, header[-1], None,
                              f"the header ends after {len(header)} of the {len(begun[-1].header)} names of the "
                              f"{begun[-1].label} layout: the file was cut off; download it again from TOMS")]
    best, missing, unexpected = closest_layout(header)
    known = "; ".join(layout.label for layout in known_layouts())
    shown = lambda names: ", ".join(names[:8]) + (f" and {len(names) - 8} more" if len(names) > 8 else "")  # noqa: E731
    detail = []
    if missing:
        detail.append(f"it lacks {shown(missing)}")
    if unexpected:
        detail.append(f"it has {shown(unexpected)} that the layout has not")
    return None, [Problem(name, 1, None, f"{len(header)} columns",
                          f"the header is not a layout year this reader knows ({known}); the closest is "
                          f"{best.label}, but {' and '.join(detail)}. If TOMS has a new layout, add its header "
                          "to flp_inquiry/data/toms_layouts.json (and a renamed field read to flp_inquiry/ingest/toms/layouts.py)")]


def _check_name_year(name: str, layout: Layout) -> list[Problem]:
    """A TOMS file name carries its school year; a name saying another year than the header is a problem."""
    years = {int(y) for y in _NAME_YEAR.findall(name)}
    if len(years) == 1 and layout.school_year not in years:
        year = years.pop()
        return [Problem(name, 1, None, None,
                        f"the file name says school year {year - 1}-{year % 100:02d} but the header is the "
                        f"{layout.label} layout: is this the right file, or was it renamed?")]
    return []


def _parse(path: Path, header: list[str], layout: Layout) -> tuple[pa.Table | None, np.ndarray, list[Problem]]:
    """The needed columns as text, the record's line numbers, and the problems of bad records.

    The fast path parses with threads.  pyarrow tells threads' bad records only without
    their line numbers, so a file with any bad record is parsed again in one thread.
    """
    columns = layout.columns_read()
    bad_count = [0]

    def count_bad(row) -> str:
        bad_count[0] += 1
        return "skip"

    try:
        table = _read_columns(path, header, columns, use_threads=True, handler=count_bad)
        bad: list[tuple[int, int]] = []
        blank: list[int] = []
        if bad_count[0]:
            def note_bad(row) -> str:
                if row.text.strip():  # a line of spaces is a blank line, not a record
                    bad.append((row.number, row.actual_columns))
                else:
                    blank.append(row.number)
                return "skip"
            table = _read_columns(path, header, columns, use_threads=False, handler=note_bad)
    except pa.ArrowInvalid as error:
        if "skip initial" in str(error):  # the header row alone, without a line break: no records
            empty = pa.table({column: pa.array([], pa.string()) for column in columns})
            return empty, np.array([], dtype="int64"), []
        if "UTF8" in str(error) or "utf8" in str(error).lower():
            return None, np.array([]), _rows_not_utf8(path)
        return None, np.array([]), [Problem(path.name, None, None, None, f"the file cannot be read as a "
                                                                         f"caret-delimited TOMS file: {error}")]
    # blank lines come through as rows of nulls; they are dropped after conversion
    line_numbers = np.arange(2, 2 + table.num_rows + len(bad) + len(blank))
    line_numbers = np.setdiff1d(line_numbers, [number for number, _ in bad] + blank, assume_unique=True)
    problems = [_bad_record(path.name, number, count, header) for number, count in bad]
    return table, line_numbers, problems


def _read_columns(path: Path, header: list[str], columns: dict[str, str], *, use_threads: bool, handler) -> pa.Table:
    names = [n if n else f"(unnamed column {i + 1})" for i, n in enumerate(header)]
    return pa_csv.read_csv(
        path,
        read_options=pa_csv.ReadOptions(use_threads=use_threads, block_size=_BLOCK_BYTES, skip_rows=1,
                                        column_names=names),
        parse_options=pa_csv.ParseOptions(delimiter=DELIMITER, quote_char=False, double_quote=False,
                                          escape_char=False, ignore_empty_lines=False,
                                          invalid_row_handler=handler),
        convert_options=pa_csv.ConvertOptions(include_columns=list(columns),
                                              column_types={c: pa.string() for c in columns},
                                              strings_can_be_null=True, null_values=[""]),
    )


def _bad_record(name: str, line: int, count: int, header: list[str]) -> Problem:
    """A record with another number of fields than the header: named by its row and where it ends."""
    expected = len(header)
    if count < expected:
        field_name = header[count] if count < expected else None
        message = (f"this record has {count} fields where the header has {expected}: it ends before "
                   f"field {count + 1} ({field_name}); a field is missing or the record was cut off")
    else:
        field_name = header[-1]
        message = (f"this record has {count} fields where the header has {expected}: there is "
                   f"something after {field_name} (a stray ^ in a value?)")
    return Problem(name, line, field_name, f"{count} fields", message)


def _rows_not_utf8(path: Path) -> list[Problem]:
    """Rows whose bytes are not UTF-8 (slow, line by line: only for a file already known to be wrong)."""
    problems = []
    with path.open("rb") as file:
        for number, line in enumerate(file, start=1):
            try:
                line.decode("utf-8")
            except UnicodeDecodeError:
                problems.append(Problem(path.name, number, None, None,
                                        "bytes that are not UTF-8 text: the file was re-saved in another "
                                        "encoding; download it again from TOMS"))
                if len(problems) >= MAX_LISTED:
                    break
    return problems

