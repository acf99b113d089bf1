"""California School Dashboard download files (tab-delimited, lower-case names), read by column name.
"""
from __future__ import annotations

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
