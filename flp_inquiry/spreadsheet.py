"""CSV that a spreadsheet shows as text and never runs: :func:`spreadsheet_csv`, :func:`spreadsheet_text`.

Excel, LibreOffice and Google Sheets take a cell that starts with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return as a formula, and a formula can fetch a web page or
start a program ("CSV injection", OWASP).  A school or course name comes from another
system's export, so every CSV the project writes (``flp-inquiry metrics``, the
cross-district extracts, the synthetic exports) goes through :func:`spreadsheet_csv`,
which follows OWASP's advice:

- such a cell is written with a single quote in front (``'=HYPERLINK(...)``), which a
  spreadsheet reads as "this cell is text"; a number is left as it is (``-5.2``, ``+3``,
  ``-1e-05`` are numbers, not formulas), and so is every other cell;
- a cell that itself starts with a single quote gets a second one, so that the quote can
  always be taken off again: :func:`spreadsheet_text` (used by
  :func:`~flp_inquiry.measures.extract.read_extracts`) gives back exactly the text that
  was written;
- a cell with a carriage return inside is quoted, as one with a line break is (else a
  spreadsheet would start a new row there, whose first cell could be a formula).

Column names are treated like cells.
"""
from __future__ import annotations

import re

import pandas as pd

#: What a cell a spreadsheet would run as a formula starts with (OWASP's list).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: Put in front of such a cell (and of a cell that starts with it already, so it can be taken off again).
TEXT_MARK = "'"
_NEEDS_MARK = re.compile("^[" + re.escape("".join(FORMULA_STARTS) + TEXT_MARK) + "]")
#: A number as a spreadsheet reads one: a sign, digits, a decimal point, an exponent.
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def spreadsheet_safe(value: object) -> object:
    """One cell as a spreadsheet may open it: a text that would run as a formula gets a quote in front.

    Anything but text (a number, a missing value) is left as it is.

    >>> [spreadsheet_safe(v) for v in ["=1+1", "@SUM(A1)", "-5.2", "+3", "-x", "'quoted", "Lincoln", 7.5]]
    ["'=1+1", "'@SUM(A1)", '-5.2', '+3', "'-x", "''quoted", 'Lincoln', 7.5]
    """
    if isinstance(value, str) and _NEEDS_MARK.match(value) and not _NUMBER.fullmatch(value):
        return TEXT_MARK + value
    return value


def _is_text(column: pd.Series) -> bool:
    """Whether a column may hold text (numbers, booleans and dates hold nothing a spreadsheet runs)."""
    return column.dtype == object or isinstance(column.dtype, pd.StringDtype)


def _safe_column(column: pd.Series) -> pd.Series:
    if not _is_text(column):
        return column
    text = column.astype(object)
    marked = text.str.match(_NEEDS_MARK, na=False) & ~text.str.fullmatch(_NUMBER, na=False)
    if not marked.any():
        return column
    return text.mask(marked, TEXT_MARK + text[marked].astype(str))


def spreadsheet_csv(frame: pd.DataFrame, *, lineterminator: str = "\n", index: bool = False, **options) -> str:
    """``frame`` as CSV text a spreadsheet opens without running anything (see the module's notes).

    Parameters
    ----------
    frame : DataFrame
        The table; it is not changed.
    lineterminator : str
        What ends each row (``"\\n"``, or ``"\\r\\n"`` as Windows exports do).
    index : bool
        Write the frame's index as a first column (default no).
    **options
        Other options of :meth:`pandas.DataFrame.to_csv` (``float_format``, ``na_rep``).

    Returns
    -------
    str
        The CSV text (encode it as the file needs).

    Examples
    --------
    >>> table = pd.DataFrame({"school": ["=HYPERLINK(\\"http://x\\")", "Lincoln"], "change": [-5.2, 1.0]})
    >>> print(spreadsheet_csv(table), end="")
    school,change
    "'=HYPERLINK(""http://x"")",-5.2
    Lincoln,1.0
    >>> spreadsheet_csv(pd.DataFrame({"name": ["a\\rb"]}))
    'name\\n"a\\rb"\\n'
    """
    safe = frame.copy()
    safe.columns = [spreadsheet_safe(str(name)) for name in frame.columns]
    for position in range(safe.shape[1]):
        safe.isetitem(position, _safe_column(safe.iloc[:, position]))
    if "\r" in lineterminator or not _holds_carriage_return(safe):
        return safe.to_csv(index=index, lineterminator=lineterminator, **options)
    # Python's csv quotes a cell with a character of the line ending in it, and only then: rows
    # are written ending in CR LF (so a cell with a CR in it is quoted), and the row endings,
    # outside quotes, are then set to what was asked for.
    text = safe.to_csv(index=index, lineterminator="\r\n", **options)
    parts = text.split('"')  # outside quotes at even positions (a doubled "" leaves an empty one)
    parts[0::2] = [part.replace("\r\n", lineterminator) for part in parts[0::2]]
    return '"'.join(parts)


def _holds_carriage_return(frame: pd.DataFrame) -> bool:
    names = any("\r" in str(name) for name in frame.columns)
    return names or any(column.astype(object).str.contains("\r", regex=False, na=False).any()
                        for _, column in frame.items() if _is_text(column))


def spreadsheet_text(frame: pd.DataFrame) -> pd.DataFrame:
    """A table read back from a CSV :func:`spreadsheet_csv` wrote, with every cell's original text.

    The quote put in front of a cell (and of a column name) is taken off again; read the
    CSV with every column as text (``dtype=str``) first.

    >>> written = spreadsheet_csv(pd.DataFrame({"group": ["=1+1", "'quoted", "-5.2", "EL"]}))
    >>> import io
    >>> spreadsheet_text(pd.read_csv(io.StringIO(written), dtype=str))["group"].tolist()
    ['=1+1', "'quoted", '-5.2', 'EL']
    """
    def original(column: pd.Series) -> pd.Series:
        text = column.astype(object)
        marked = text.str.startswith(TEXT_MARK, na=False)
        return text.mask(marked, text[marked].str[len(TEXT_MARK):]) if marked.any() else column

    restored = frame.copy()
    restored.columns = [name[len(TEXT_MARK):] if isinstance(name, str) and name.startswith(TEXT_MARK) else name
                        for name in frame.columns]
    for position in range(restored.shape[1]):
        if _is_text(restored.iloc[:, position]):
            restored.isetitem(position, original(restored.iloc[:, position]))
    return restored
