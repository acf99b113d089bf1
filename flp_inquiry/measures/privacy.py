"""The last line of defence: nothing that identifies a student reaches a principal's report.

Suppression (:mod:`flp_inquiry.measures.suppression`) hides small groups when a table is
made; this module checks what was actually *shown*.  :func:`scan_report` reads
a rendered report (or any HTML) and lists every :class:`Finding`:

- a known student id, in any of the forms it travels in: the ``student_key``
  (``fresno:004518233``), the district's own id with its leading zeros
  (``004518233``) or without them (``4518233``), and any ``<district>:<id>``
  key even when the id is not known;
- a table column that counts students (``n``, ``students``, ``count``,
  ``tested``, ``enrolled`` ...) showing a number above 0 and under 11;
- a table longer than ``max_rows`` rows, or with a column named like a student
  id: a row-level table, not an aggregate.

:func:`find_derivable_counts` reads a set of reports together (what one reader
receives) for a hidden count that a total shown elsewhere gives away.

:func:`check_report` and :func:`check_notebook_outputs` raise
:class:`PrivacyError` instead; :func:`flp_inquiry.packs.report.render_report` calls
both, so a refused report is never written.
"""
from __future__ import annotations

import functools
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from bs4 import BeautifulSoup

from flp_inquiry.codes import DISTRICTS
from flp_inquiry.errors import FlpInquiryError
from flp_inquiry.measures.suppression import OVERLAPPING, OVERLAPPING_ATTRIBUTE

#: Fewer students than this in a group is never shown (the partnership's suppression rule).
MIN_N = 11
#: A table with more rows than this is treated as row-level data, not an aggregate.
MAX_ROWS = 200
#: Ids shorter than this are too likely to match an ordinary number to be searched for.
MIN_ID_LENGTH = 5

# Column names (lower case, words joined by "_") that count students ...
_COUNT_COLUMN = re.compile(
    r"^(n|n_.+|.+_n|count|.+_count|count_.+|students|.*_students|students_.*|number_of_.+|"
    r"tested|.*_tested|tested_.*|enrolled|.*_enrolled|enrolled_.*|enrollment|.*_enrollment|"
    r"headcount|group_size|denominator|numerator)$"
)
# ... unless they are a share of students rather than a number of them.
_SHARE_COLUMN = re.compile(r"(^|_)(percent|pct|rate|share|proportion|ratio|average|mean|median|dfs|distance)(_|$)|%")
_ID_COLUMN = re.compile(
    r"(^|_)(student_?(key|id|number|no|num)|ssid|statewide_student_id|perm_?id|local_?id)(_|$)"
)
# A field named like a student id inside JSON (chart data, widget state).
_ID_FIELD_IN_JSON = re.compile(r'"(student_?(key|id|number)|ssid|perm_?id|local_?id)"\s*:', re.IGNORECASE)
_STUDENT_KEY = re.compile(r"(?<![A-Za-z0-9_])(" + "|".join(map(re.escape, DISTRICTS)) + r"):[A-Za-z0-9]+")
# A decimal number is one token: the digits after a point in a chart's coordinates are not an id.
_TOKEN = re.compile(r"(?<![.\w])[A-Za-z0-9]+(?:\.[0-9]+)*")
_DATA_URI = re.compile(r"data:[\w/+.-]+;base64,[A-Za-z0-9+/=\s]+")
_PANDAS_SHAPE = re.compile(r"(\d[\d,]*) rows × \d+ columns")
# Charts are inline SVG: thousands of tags, and never a table, so the table scan parses the page without them.
_SVG_ELEMENT = re.compile(r"<svg\b.*?</svg>", re.DOTALL | re.IGNORECASE)
_NUMBER = re.compile(r"^[-+]?\d[\d,]*(\.\d+)?$")
_SCHOOL_YEAR = re.compile(r"^(19|20)\d\d(-\d\d)?$")


class PrivacyError(FlpInquiryError):
    """A report (or notebook output) would show something that identifies students.

    >>> print(PrivacyError([Finding("small_count", "table 1, column 'n', row 2", "7",
    ...                             "a group of fewer than 11 students is shown")]))
    1 privacy problem; the report was not written:
      - table 1, column 'n', row 2, value '7': a group of fewer than 11 students is shown
    """

    def __init__(self, findings: Iterable["Finding"]):
        self.findings = list(findings)
        n = len(self.findings)
        lines = [f"  - {finding}" for finding in self.findings[:50]]
        if n > 50:
            lines.append(f"  ... and {n - 50} more")
        super().__init__(f"{n} privacy problem{'s' if n != 1 else ''}; the report was not written:\n" + "\n".join(lines))


@dataclass(frozen=True)
class Finding:
    """One thing a report must not show.

    ``kind`` is ``student_id``, ``small_count``, ``row_level_table``, ``id_column`` or
    ``derivable_count``;
    ``where`` says where it was found, in words.

    >>> str(Finding("student_id", "text", "fresno:004518233", "a student id is shown"))
    "text, value 'fresno:004518233': a student id is shown"
    """

    kind: str
    where: str
    value: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}, value {self.value!r}: {self.message}"


def column_key(name: str) -> str:
    """A column heading reduced to lower-case words joined by ``_``, for matching.

    >>> column_key("Students tested"), column_key(" N "), column_key("Percent (%)")
    ('students_tested', 'n', 'percent_%')
    """
    return "_".join(re.findall(r"[a-z0-9%]+", name.lower()))


def is_count_column(name: str) -> bool:
    """Whether a column heading names a number of students (not a share of them).

    >>> [is_count_column(c) for c in ("n", "Students tested", "Enrolled", "Percent tested", "value", "grade")]
    [True, True, True, False, False, False]
    """
    key = column_key(name)
    return bool(_COUNT_COLUMN.match(key)) and not _SHARE_COLUMN.search(key)


def is_id_column(name: str) -> bool:
    """Whether a column heading names a student identifier.

    >>> [is_id_column(c) for c in ("student_key", "Student ID", "SSID", "school", "n")]
    [True, True, True, False, False]
    """
    return bool(_ID_COLUMN.search(column_key(name)))


def id_variants(student_ids: Iterable[str]) -> tuple[set[str], set[str]]:
    """The forms a student id can be shown in: keys and raw ids, and raw ids without leading zeros.

    Forms shorter than :data:`MIN_ID_LENGTH` characters are left out (they would
    match ordinary numbers).

    >>> exact, unpadded = id_variants(["fresno:004518233", "1234567"])
    >>> sorted(exact), sorted(unpadded)
    (['004518233', '1234567', 'fresno:004518233'], ['1234567', '4518233'])
    """
    if isinstance(student_ids, frozenset):  # a district's ids, checked against report after report
        return _frozen_id_variants(student_ids)
    exact: set[str] = set()
    unpadded: set[str] = set()
    for student_id in student_ids:
        text = str(student_id).strip()
        raw = text.split(":", 1)[1] if ":" in text else text
        for form in (text, raw):
            if len(form) >= MIN_ID_LENGTH:
                exact.add(form)
        if raw.isdigit() and len(raw.lstrip("0")) >= MIN_ID_LENGTH:
            unpadded.add(raw.lstrip("0"))
    return exact, unpadded


def as_id_set(student_ids: Iterable[str]) -> frozenset[str]:
    """``student_ids`` as a frozenset, whose id forms are then worked out once, however many reports it checks.

    >>> ids = frozenset({"fresno:1234567"})
    >>> as_id_set(ids) is ids, as_id_set(["a", "a"])
    (True, frozenset({'a'}))
    """
    return student_ids if isinstance(student_ids, frozenset) else frozenset(student_ids)


@functools.lru_cache(maxsize=4)
def _frozen_id_variants(student_ids: frozenset) -> tuple[frozenset, frozenset]:
    exact, unpadded = id_variants(list(student_ids))
    return frozenset(exact), frozenset(unpadded)


def find_student_ids(text: str, student_ids: Iterable[str] = ()) -> list[Finding]:
    """Student ids in ``text``: the given ones in any form, and any ``<district>:<id>`` key.

    >>> [f.value for f in find_student_ids("Top: 4518233; key long_beach:77 and 2024-25", ["fresno:004518233"])]
    ['long_beach:77', '4518233']
    """
    exact, unpadded = id_variants(student_ids)
    text = _DATA_URI.sub("data:", text)  # base64 images can hold any run of digits
    found: dict[str, Finding] = {}
    for match in _STUDENT_KEY.finditer(text):
        found[match.group()] = Finding("student_id", "text", match.group(), "a student key is shown")
    text = _STUDENT_KEY.sub(" ", text)  # a key's id part is the same finding, not a second one
    if exact or unpadded:
        for token in _TOKEN.findall(text):
            if token in exact or (token.isdigit() and token.lstrip("0") in unpadded):
                found.setdefault(token, Finding("student_id", "text", token, "a known student id is shown"))
    return list(found.values())


def read_tables(html: str) -> list[tuple[list[str], list[list[str]]]]:
    """Each ``<table>`` of ``html`` as (column headings, body rows of cell text).

    Headings spread over several header rows (a pandas index name, a column
    index name) are joined per column.

    >>> read_tables("<table><thead><tr><th>school</th><th>n</th></tr></thead>"
    ...             "<tbody><tr><th>A</th><td>40</td></tr></tbody></table>")
    [(['school', 'n'], [['A', '40']])]
    """
    return _read_tables(_parse_without_charts(html))


def _parse_without_charts(html: str) -> BeautifulSoup:
    return BeautifulSoup(_SVG_ELEMENT.sub("<svg></svg>", html), "html.parser")


def _read_tables(page: BeautifulSoup) -> list[tuple[list[str], list[list[str]]]]:
    tables = []
    for table in page.find_all("table"):
        rows = [[cell.get_text(" ", strip=True) for cell in _expanded(tr)] for tr in table.find_all("tr")]
        header_rows = [tr for tr in table.find_all("tr") if tr.find_parent("thead") is not None]
        if not header_rows and rows and table.find("tr").find("td") is None:
            header_rows = [table.find("tr")]  # a table without <thead>: its first row of <th> is the header
        n_header = len(header_rows)
        width = max((len(r) for r in rows), default=0)
        headings = []
        for position in range(width):
            words = [row[position] for row in rows[:n_header] if position < len(row) and row[position]]
            headings.append(" ".join(words))
        tables.append((headings, rows[n_header:]))
    return tables


def _expanded(tr) -> list:
    """The cells of a row, a cell spanning k columns repeated k times."""
    cells = []
    for cell in tr.find_all(["th", "td"], recursive=False):
        span = int(cell.get("colspan", 1) or 1) if str(cell.get("colspan", "1")).isdigit() else 1
        cells.extend([cell] * span)
    return cells


def scan_tables(html: str, min_n: int = MIN_N, max_rows: int = MAX_ROWS) -> list[Finding]:
    """Small counts, row-level tables and student-id columns in the tables of ``html``.

    >>> table = "<table><tr><th>school</th><th>n</th></tr><tr><td>A</td><td>7</td></tr></table>"
    >>> [f.kind for f in scan_tables(table)]
    ['small_count']
    >>> [f.value for f in scan_tables("<p>500 rows × 3 columns</p>")]  # pandas' truncated display
    ['500 rows × 3 columns']
    """
    findings = []
    page = _parse_without_charts(html)
    # pandas shows only the first and last rows of a long table, and says how long it is.
    for shape in _PANDAS_SHAPE.finditer(page.get_text(" ")):
        if int(shape.group(1).replace(",", "")) > max_rows:
            findings.append(Finding("row_level_table", "a pandas table", shape.group(),
                                    f"a table longer than {max_rows} rows looks like student-level data"))
    for number, (headings, rows) in enumerate(_read_tables(page), start=1):
        if len(rows) > max_rows:
            findings.append(Finding("row_level_table", f"table {number}", f"{len(rows)} rows",
                                    f"a table longer than {max_rows} rows looks like student-level data"))
        for position, heading in enumerate(headings):
            if is_id_column(heading):
                findings.append(Finding("id_column", f"table {number}, column {heading!r}", heading,
                                        "a column of student ids is shown"))
            if not is_count_column(heading):
                continue
            for row_number, row in enumerate(rows, start=1):
                cell = row[position] if position < len(row) else ""
                if _NUMBER.match(cell) and 0 < float(cell.replace(",", "")) < min_n:
                    findings.append(Finding("small_count", f"table {number}, column {heading!r}, row {row_number}",
                                            cell, f"a group of fewer than {min_n} students is shown"))
    return findings


def scan_report(html_or_path: str | os.PathLike, student_ids: Iterable[str] = (), min_n: int = MIN_N,
                max_rows: int = MAX_ROWS) -> list[Finding]:
    """Everything in a report (HTML text, or the path of an HTML file) that a principal must not see.

    Parameters
    ----------
    html_or_path
        HTML text, or the path of a rendered report.
    student_ids
        Known student keys or district ids (e.g. every ``student_key`` of the harmonised data).
    min_n
        The smallest group whose count may be shown.
    max_rows
        The longest table that still counts as an aggregate.

    Returns
    -------
    list of Finding
        Empty when the report is clean.

    Examples
    --------
    >>> scan_report("<p>Math: 52.5% met, n = 40</p>")
    []
    >>> [f.kind for f in scan_report("<p>See fresno:004518233</p>")]
    ['student_id']
    """
    html = _read_html(html_or_path)
    return find_student_ids(html, student_ids) + scan_tables(html, min_n=min_n, max_rows=max_rows)


def check_report(html_or_path: str | os.PathLike, student_ids: Iterable[str] = (), min_n: int = MIN_N,
                 max_rows: int = MAX_ROWS) -> None:
    """Raise :class:`PrivacyError` listing every finding of :func:`scan_report`, if any.

    >>> check_report("<table><tr><th>grade</th><th>students</th></tr><tr><td>3</td><td>11</td></tr></table>")
    >>> check_report("<table><tr><th>grade</th><th>students</th></tr><tr><td>3</td><td>10</td></tr></table>")
    Traceback (most recent call last):
    ...
    flp_inquiry.measures.privacy.PrivacyError: 1 privacy problem; the report was not written:
      - table 1, column 'students', row 1, value '10': a group of fewer than 11 students is shown
    """
    findings = scan_report(html_or_path, student_ids, min_n=min_n, max_rows=max_rows)
    if findings:
        raise PrivacyError(findings)


def find_derivable_counts(reports: dict[str, str], min_n: int = MIN_N) -> list[Finding]:
    """Hidden counts that a reader of these reports could work out by subtraction.

    ``reports`` maps a name to the HTML of every report one reader receives (one
    school's, say).  A table whose count column hides exactly one cell shows the
    others; if any table of any of these reports shows, as a count, that sum plus
    1 to ``min_n - 1``, the hidden cell is that difference: a total shown
    elsewhere gives it away.  A table is read part by part too, as a reader
    would add up each part's rows: each school year's, when it has a column of
    school years, and, when its rows are labelled by several columns, the rows
    that share every label but the last (a grade's and a year's two attendance
    halves).  (The tables' own rule is :func:`flp_inquiry.measures.suppression.suppress_small_cells`,
    ``parts_of``; this reads what was shown, as a reader would.)  A coincidence
    can be flagged too: each finding is worth a look, not proof.

    >>> groups = ("<table><tr><th>Group</th><th>Students</th></tr><tr><td>EL</td><td>40</td></tr>"
    ...           "<tr><td>EO</td><td>300</td></tr><tr><td>TBD</td><td>*</td></tr></table>")
    >>> total = "<table><tr><th>Indicator</th><th>Students</th></tr><tr><td>Math</td><td>341</td></tr></table>"
    >>> [str(f) for f in find_derivable_counts({"math": groups, "glance": total})]
    ["math, table 1, column 'Students', value '1': the hidden count is 341 (glance) minus the 340 shown"]
    >>> find_derivable_counts({"math": groups, "glance": total.replace("341", "352")})
    []

    Rows of overlapping groups (a student in several, as in the Dashboard's groups) add up to nothing:

    >>> find_derivable_counts({"math": groups.replace("<table>", '<table data-rows="overlapping">'), "glance": total})
    []

    Two years, one hidden count in each: the column as a whole hides two, but
    2024-25's total gives its hidden count away.

    >>> years = ("<table><tr><th>School year</th><th>Group</th><th>Students</th></tr>"
    ...          "<tr><td>2023-24</td><td>EL</td><td>25</td></tr><tr><td>2023-24</td><td>TBD</td><td>*</td></tr>"
    ...          "<tr><td>2024-25</td><td>EL</td><td>40</td></tr><tr><td>2024-25</td><td>TBD</td><td>*</td></tr></table>")
    >>> total = "<table><tr><th>Indicator</th><th>Students</th></tr><tr><td>Math</td><td>42</td></tr></table>"
    >>> [str(f) for f in find_derivable_counts({"math": years, "glance": total})]
    ["math, table 1, column 'Students' in 2024-25, value '2': the hidden count is 42 (glance) minus the 40 shown"]
    """
    columns = [(name, number, heading, [cell.strip().replace(",", "") for cell in cells], splits)
               for name, html in reports.items()
               for number, heading, cells, splits in _count_columns(read_tables(html))]
    # a table of overlapping groups (a student in several: the Dashboard's groups) has no rows that add up
    overlapping = {(name, number) for name, html in reports.items()
                   for number, table in enumerate(_parse_without_charts(html).find_all("table"), start=1)
                   if table.get(OVERLAPPING_ATTRIBUTE) == OVERLAPPING}
    shown_counts: dict[int, str] = {}  # every count shown, and the first report showing it
    for name, _, _, cells, _ in columns:
        for cell in cells:
            if cell.isdigit():
                shown_counts.setdefault(int(cell), name)
    findings, found = [], set()
    for name, number, heading, cells, splits in columns:
        if (name, number) in overlapping:
            continue  # (its counts still count as totals a reader has seen, above)
        for part_name, rows in _wholes(len(cells), splits):
            part = [cells[row] for row in rows]
            if part.count("*") != 1:
                continue
            hidden_cell = (name, number, heading, rows[part.index("*")])
            shown = sum(int(cell) for cell in part if cell.isdigit())
            total = next((shown + hidden for hidden in range(1, min_n) if shown + hidden in shown_counts), None)
            if total is not None and hidden_cell not in found:  # found in the whole column already: once is enough
                found.add(hidden_cell)
                where = f"{name}, table {number}, column {heading!r}" + (f" in {part_name}" if part_name else "")
                findings.append(Finding("derivable_count", where, str(total - shown),
                                        f"the hidden count is {total} ({shown_counts[total]}) minus the {shown} shown"))
    return findings


def _count_columns(tables: list[tuple[list[str], list[list[str]]]]):
    """``(table number, heading, cells, splits)`` of every column of :func:`read_tables` that counts students.

    ``splits`` are the ways a reader could split the table's rows into parts,
    each a name per row: by the table's column of school years, and, when the
    columns before its first count are several labels, by every label but the
    last (``Grade 7, 2024-25``).
    """
    for number, (headings, rows) in enumerate(tables, start=1):
        columns = [[row[position] if position < len(row) else "" for row in rows] for position in range(len(headings))]
        counted = [position for position, heading in enumerate(headings) if is_count_column(heading)]
        if not counted:
            continue
        splits = [[cell.strip() for cell in cells] for heading, cells in zip(headings, columns)
                  if not is_count_column(heading) and _is_school_years(cells)][:1]
        outer = range(counted[0] - 1)  # the columns before the first count name the row: all but the last
        if len(outer) > 0:
            splits.append([", ".join(columns[position][row].strip() for position in outer) for row in range(len(rows))])
        for position in counted:
            yield number, headings[position], columns[position], splits


def _is_school_years(cells: list[str]) -> bool:
    """Whether a column holds a school year in every row ("2024-25", or a cohort's "2025")."""
    return bool(cells) and all(_SCHOOL_YEAR.match(cell.strip()) for cell in cells)


def _wholes(count: int, splits: list[list[str]]) -> list[tuple[str | None, list[int]]]:
    """The rows (of ``count``) a reader could add up: all of them, then each part of each split.

    >>> _wholes(3, [["2023-24", "2024-25", "2024-25"]])
    [(None, [0, 1, 2]), ('2023-24', [0]), ('2024-25', [1, 2])]
    >>> _wholes(2, [["2024-25", "2024-25"], ["Grade 7, 2024-25", "Grades 3-8, 2024-25"]])
    [(None, [0, 1]), ('Grade 7, 2024-25', [0]), ('Grades 3-8, 2024-25', [1])]
    >>> _wholes(2, [])
    [(None, [0, 1])]
    """
    wholes: list[tuple[str | None, list[int]]] = [(None, list(range(count)))]
    seen = {tuple(range(count))}
    for names in splits:
        parts: dict[str, list[int]] = {}
        for row, part_name in enumerate(names):
            parts.setdefault(part_name, []).append(row)
        for part_name, rows in parts.items():
            if tuple(rows) not in seen:  # a split of one part, or the same rows split another way
                seen.add(tuple(rows))
                wholes.append((part_name, rows))
    return wholes


def check_notebook_outputs(notebook, student_ids: Iterable[str] = (), min_n: int = MIN_N,
                           max_rows: int = MAX_ROWS) -> None:
    """Refuse an executed notebook whose outputs hold student ids or row-level tables.

    Every output is read, printed text and errors included (a notebook that
    prints student keys has a bug even if the report would drop the print):
    HTML outputs as by :func:`scan_report`, other outputs for ids, and chart
    data (JSON) for fields named like a student id.

    Parameters
    ----------
    notebook
        An ``nbformat`` notebook node (executed).
    student_ids, min_n, max_rows
        As for :func:`scan_report`.

    Raises
    ------
    PrivacyError
        Listing every finding, each placed by cell number.

    Examples
    --------
    >>> import nbformat
    >>> cell = nbformat.v4.new_code_cell("print(keys[0])")
    >>> cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="long_beach:1234567\\n")]
    >>> check_notebook_outputs(nbformat.v4.new_notebook(cells=[cell]))
    Traceback (most recent call last):
    ...
    flp_inquiry.measures.privacy.PrivacyError: 1 privacy problem; the report was not written:
      - cell 1, text, value 'long_beach:1234567': a student key is shown
    """
    student_ids = as_id_set(student_ids)
    findings = []
    for cell_number, cell in enumerate(notebook.cells, start=1):
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            for finding in _scan_output(output, student_ids, min_n, max_rows):
                findings.append(Finding(finding.kind, f"cell {cell_number}, {finding.where}", finding.value, finding.message))
    if findings:
        raise PrivacyError(findings)


def _scan_output(output, student_ids: frozenset[str], min_n: int, max_rows: int) -> list[Finding]:
    if output.output_type == "stream":
        return find_student_ids(output.text, student_ids)
    if output.output_type == "error":
        return find_student_ids(f"{output.ename}: {output.evalue}", student_ids)
    findings = []
    for mimetype, value in output.get("data", {}).items():
        text = value if isinstance(value, str) else json.dumps(value)
        if mimetype == "text/html":
            findings += scan_report(text, student_ids, min_n=min_n, max_rows=max_rows)
        else:
            findings += find_student_ids(text, student_ids)
        for match in _ID_FIELD_IN_JSON.finditer(text):
            findings.append(Finding("id_column", f"{mimetype} data", match.group(1), "chart or widget data holds student ids"))
    return findings


def _read_html(html_or_path: str | os.PathLike) -> str:
    if isinstance(html_or_path, os.PathLike) or ("<" not in html_or_path and Path(html_or_path).is_file()):
        return Path(html_or_path).read_text(encoding="utf-8")
    return html_or_path
