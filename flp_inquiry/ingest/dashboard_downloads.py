"""California School Dashboard download files (tab-delimited, lower-case names), read by column name,
and the blank counts in them that are zeros (:func:`fill_blank_parts`).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import pandas as pd

from flp_inquiry.errors import InputDataError, Problem
from flp_inquiry.ingest.public_text import (
    PublicFileLayoutError,
    Source,
    _blank_to_missing,
    _open_state_file,
    _read_text_columns,
    _to_number,
)

DASHBOARD_REPORT_TYPES: dict[str, str] = {"X": "state", "C": "county", "D": "district", "S": "school"}
#: Dashboard ``studentgroup`` codes (see specs/metrics.md, "Public files of the state").
DASHBOARD_STUDENT_GROUPS: tuple[str, ...] = (
    "ALL", "AA", "AI", "AS", "FI", "HI", "PI", "WH", "MR",
    "EL", "ELO", "RFP", "EO", "LTEL", "SED", "SWD", "FOS", "HOM",
)
#: Dashboard download columns that hold text, not numbers (flags, codes and names).
DASHBOARD_TEXT_COLUMNS: frozenset[str] = frozenset({
    "cds", "rtype", "schoolname", "districtname", "countyname", "charter_flag", "coe_flag",
    "dass_flag", "studentgroup", "reportingyear", "cal_method", "safetynet", "flag50pct",
    "nsize_met", "indicator", "type", "hscutpoints", "pairshare_method",
})
# --------------------------------------------------------------------------- Dashboard downloads


def _is_rate(column: str) -> bool:
    """Dashboard rates and changes (floats); other numeric columns are counts or levels."""
    return column == "change" or column.endswith(("status", "pct", "rate"))


def read_dashboard_download(source: Source) -> pd.DataFrame:
    """Read a California School Dashboard download file (tab-delimited, lower-case names).

    Columns are typed by name: ``cds`` stays a 14-digit string; names, flags and
    codes (:data:`DASHBOARD_TEXT_COLUMNS`) stay text; rates and changes
    (``currstatus``, ``priorstatus``, ``change``, ``*_pct``) become floats;
    counts and levels (``currdenom``, ``statuslevel``, ``color``, ...) become
    ``Int64``; another column becomes a number when every cell is one.  Blank
    and ``*`` cells are missing (a blank status is a group too small to report).

    Parameters
    ----------
    source
        Path to the file (``ela11download2017f.txt``, ``elpidownload...``,
        ``graddownload...``, ``ccidownload...``), its bytes, or an open file.

    Returns
    -------
    pandas.DataFrame
        The file's columns under their (lower-case) names; ``rtype`` is D
        district, S school, C county, X state (:data:`DASHBOARD_REPORT_TYPES`).

    Raises
    ------
    PublicFileLayoutError
        No ``cds`` or ``rtype`` column.
    InputDataError
        A CDS code that is not 14 digits, text in a count or rate column.

    Examples
    --------
    >>> sample = (b"cds\\trtype\\tstudentgroup\\tcurrdenom\\tcurrstatus\\tstatuslevel\\n"
    ...           b"10621660000000\\tD\\tALL\\t3562\\t-11.6\\t2\\n"
    ...           b"10621660106740\\tS\\tALL\\t*\\t\\t\\n")
    >>> frame = read_dashboard_download(sample)
    >>> frame.dtypes.astype(str).tolist()
    ['str', 'str', 'str', 'Int64', 'float64', 'Int64']
    >>> frame.loc[1, "currdenom"] is pd.NA
    True
    """
    opened = _open_state_file(source)
    header = [column.lower() for column in opened.header]
    missing = [c for c in ("cds", "rtype") if c not in header]
    if missing:
        raise PublicFileLayoutError(opened.name, "California School Dashboard download", missing, opened.header)
    raw = _read_text_columns(opened, opened.header)
    raw.columns = header
    text = _blank_to_missing(raw)
    problems: list[Problem] = []
    cds = text["cds"].str.zfill(14)  # a spreadsheet may have dropped the leading zero
    bad = cds.isna() | ~cds.str.fullmatch(r"\d{14}").fillna(False).astype(bool)
    for row, value in text["cds"][bad].head(20).items():
        problems.append(Problem(opened.name, int(row) + 2, "cds", value, "expected a 14-digit CDS code"))
    frame = {"cds": cds}
    for column in [c for c in header if c != "cds"]:
        values = text[column]
        if column in DASHBOARD_TEXT_COLUMNS:
            frame[column] = values
            continue
        numbers = pd.to_numeric(values, errors="coerce")
        all_numbers = not (values.notna() & numbers.isna()).any()
        if not all_numbers and not _is_rate(column) and not column.endswith(("denom", "numer", "level", "color")):
            frame[column] = values  # a column this reader does not know, holding text
            continue
        integral = bool((numbers.dropna() % 1 == 0).all())
        whole = not _is_rate(column) and integral
        frame[column] = _to_number(values, opened.name, column, whole=whole, problems=problems)
    if problems:
        raise InputDataError(problems)
    return pd.DataFrame(frame)[["cds", *[c for c in header if c != "cds"]]].reset_index(drop=True)


@dataclass(frozen=True)
class BlankParts:
    """What :func:`fill_blank_parts` found in the rows of one total and its parts.

    ``filled`` is the frame with the blanks that are zeros set to 0; the masks are per row:
    ``checked`` the rows with a total, ``zeros`` those whose blanks were zeros, ``hidden`` those
    keeping blanks that hide students (the known parts add up to less than the total), and
    ``inconsistent`` those whose parts cannot make the total (more than it, or less with no blank).
    """

    total: str
    parts: tuple[str, ...]
    filled: pd.DataFrame
    checked: pd.Series
    zeros: pd.Series
    zero_cells: int
    hidden: pd.Series
    inconsistent: pd.Series
    known_sum: pd.Series


def fill_blank_parts(frame: pd.DataFrame, total: str, parts: Sequence[str]) -> BlankParts:
    """Blank counts that are zeros, set to 0: a blank part whose row's other parts add up to its total.

    A Dashboard download leaves a count blank both where it is zero and where it is suppressed
    (fewer than 11).  Where the row's known parts already add up to the total, every blank part
    of it is 0 (the 2017 ELPI download: Valley Prep's LTELs, 13 + 0 + 17 + blank = 30); where they
    add up to less, a blank hides students and stays missing.  Parts the frame lacks are ignored
    (``parts`` of the result names those it has: none without the total column); a row without a
    total is left as it is.

    Parameters
    ----------
    frame : DataFrame
        A download as :func:`read_dashboard_download` gives it (never changed).
    total : str
        The column the parts add up to (``currnumer``).
    parts : sequence of str
        The columns that add up to it (``curradvanced``, ``currmaintained``, ...).

    Returns
    -------
    BlankParts

    Examples
    --------
    >>> rows = pd.DataFrame({"total": [30, 32, 32], "a": [13, 20, 20], "b": [17, None, 2], "c": [None, 10, 10]},
    ...                     dtype="Int64")
    >>> found = fill_blank_parts(rows, "total", ["a", "b", "c"])
    >>> found.filled["c"].tolist(), found.zeros.tolist(), found.hidden.tolist(), found.zero_cells
    ([0, 10, 10], [True, False, False], [False, True, False], 1)
    """
    present = [p for p in parts if p in frame.columns]
    if total not in frame.columns or not present:
        nothing = pd.Series(False, index=frame.index)
        return BlankParts(total, (), frame, nothing, nothing, 0, nothing, nothing,
                          pd.Series(np.nan, index=frame.index))
    totals = pd.to_numeric(frame[total], errors="coerce").astype("float64")
    values = frame[present].apply(pd.to_numeric, errors="coerce").astype("float64")
    blanks = values.isna()
    known_sum = values.fillna(0).sum(axis=1)
    checked = totals.notna()
    some_blank = blanks.any(axis=1)
    zeros = checked & some_blank & (known_sum == totals)
    hidden = checked & some_blank & (known_sum < totals)
    inconsistent = checked & (known_sum != totals) & ~hidden
    filled = frame.copy()
    for column in present:
        filled[column] = filled[column].mask(zeros & blanks[column], 0)
    return BlankParts(total, tuple(present), filled, checked, zeros, int(blanks[zeros].sum().sum()), hidden,
                      inconsistent, known_sum)
