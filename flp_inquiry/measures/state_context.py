"""The state's own figures for the common indicators, from the state files a user gives, for a report's year.

A principal reads a school's figure beside its district's, the partner district's and California's.
California's comes from the state's public files, which the user downloads (a meeting pack's
``state_files``; ``../shared/data/public`` in the tests): California School Dashboard downloads (the
statewide row, all students) and CAASPP Smarter Balanced research files (the statewide row, all
students, all grades).  Only a file of the report's own school year is used: a figure of another year
beside this year's would mislead, so the note says which years the files hold instead.

The path list travels to a pack's kernels in :data:`STATE_FILES_VARIABLE` (paths joined by ``os.pathsep``);
pandas is imported only to read the files, so the process that starts a pack does not load it.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

if TYPE_CHECKING:
    import pandas as pd

from flp_inquiry.errors import FlpInquiryError

#: The environment variable a pack's kernels find the state files in.
STATE_FILES_VARIABLE = "FLP_INQUIRY_STATE_FILES"
#: The common indicator (metric, subject, grade span) each Dashboard download measures.
DASHBOARD_INDICATORS = {
    "ela_3_8": ("dfs", "ela", "3-8"), "math_3_8": ("dfs", "math", "3-8"),
    "ela_11": ("dfs", "ela", "11"), "math_11": ("dfs", "math", "11"),
    "graduation": ("grad_rate", "", ""), "chronic_absenteeism": ("chronic_absence", "", ""), "elpi": ("elpi", "", ""),
}
#: The CAASPP research files' test ids of ELA and mathematics.
RESEARCH_SUBJECTS = {1: "ela", 2: "math"}
COLUMNS = ["metric", "subject", "grade_span", "state_value", "state_n"]


def school_year_words(year: int) -> str:
    """``2017`` -> ``2016-17`` (as :func:`flp_inquiry.inquiry.labels.school_year_label`; this stage is before it)."""
    return f"{int(year) - 1}-{int(year) % 100:02d}"


def state_files_from_environment() -> list[Path]:
    """The state files a pack gave its kernels (none outside a pack).

    >>> os.environ.pop(STATE_FILES_VARIABLE, None); state_files_from_environment()
    []
    """
    value = os.environ.get(STATE_FILES_VARIABLE, "")
    return [Path(part) for part in value.split(os.pathsep) if part]


def _dashboard_rows(path: Path) -> tuple[int, list[dict]]:
    import pandas as pd

    from flp_inquiry.ingest.dashboard_downloads import read_dashboard_download
    from flp_inquiry.measures.dashboard_check import identify_download

    frame = read_dashboard_download(path)
    kind, year = identify_download(path.name, frame)
    if kind.measure not in DASHBOARD_INDICATORS:
        return year, []
    everyone = frame["studentgroup"].astype(str) == "ALL" if "studentgroup" in frame else True  # (ELPI: all ELs)
    state = frame[(frame["rtype"].astype(str) == "X") & everyone]
    metric, subject, span = DASHBOARD_INDICATORS[kind.measure]
    rows = [{"metric": metric, "subject": subject, "grade_span": span, "state_value": float(row["currstatus"]),
             "state_n": row.get("currdenom")} for _, row in state.iterrows() if pd.notna(row.get("currstatus"))]
    return year, rows


def _research_rows(path: Path) -> tuple[int, list[dict]]:
    import pandas as pd

    from flp_inquiry.ingest.public import ALL_GRADES, ALL_STUDENTS, STATE_CDS, read_caaspp_research_file

    frame = read_caaspp_research_file(path, cds={STATE_CDS})
    frame = frame[(frame["student_group_id"] == ALL_STUDENTS) & (frame["grade"] == ALL_GRADES)]
    if "test_type" in frame:  # Smarter Balanced ("B"), not the alternate assessment
        frame = frame[frame["test_type"].astype(str).isin(["B", "nan"])]
    years = sorted(int(year) for year in frame["test_year"].dropna().unique())
    rows = [{"metric": "percent_met", "subject": RESEARCH_SUBJECTS[int(row["test_id"])], "grade_span": "",
             "state_value": float(row["pct_met_and_above"]), "state_n": row.get("students_with_scores")}
            for _, row in frame.iterrows()
            if int(row["test_id"]) in RESEARCH_SUBJECTS and pd.notna(row["pct_met_and_above"])]
    return (years[-1] if years else 0), rows


def state_figures(paths: Iterable[str | os.PathLike], school_year: int) -> tuple["pd.DataFrame", str]:
    """California's figure of each common indicator in ``school_year``, from the files given, and a note.

    A file the readers do not know is named in the note, not an error: the report still runs.

    >>> figures, note = state_figures([], 2025)
    >>> len(figures), note
    (0, 'No state file was given, so no figure for California is shown.')
    """
    import pandas as pd

    found, years, without_state, unknown = [], set(), [], []
    for path in map(Path, paths):
        for reader in (_dashboard_rows, _research_rows):
            try:
                year, rows = reader(path)
            except (FlpInquiryError, OSError, ValueError, KeyError):
                continue
            if not rows:
                without_state.append(path.name)  # a district subset: no statewide row
            else:
                years.add(year)
                if year == int(school_year):
                    found.extend(rows)
            break
        else:
            unknown.append(path.name)
    figures = pd.DataFrame(found, columns=COLUMNS).drop_duplicates(["metric", "subject", "grade_span"], keep="last")
    this_year = school_year_words(int(school_year))
    if not years and not unknown and not without_state:
        note = "No state file was given, so no figure for California is shown."
    elif figures.empty:
        held = (f"statewide figures for {', '.join(school_year_words(year) for year in sorted(years))} only" if years
                else "no statewide figures")
        note = (f"The state files given hold {held}, not for {this_year}: no figure for California is shown "
                "(a figure of another year beside this year's would mislead).")
    else:
        note = f"California's figures: the state's own files for {this_year} (statewide, all students)."
    if without_state:
        note += f" Without a statewide row: {', '.join(sorted(without_state))}."
    if unknown:
        note += f" Not read (not a Dashboard download or CAASPP research file): {', '.join(sorted(unknown))}."
    return figures.reset_index(drop=True), note
