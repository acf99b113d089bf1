"""Who is counted, where and in which group: primary enrollments, groupings, and shares of them.

A metric's groups come from the student's *primary* enrollment row of the same school year
(``school`` is its ``school_name``); see :mod:`flp_inquiry.measures.metrics` for the rules.
A test result that says where the state counts it (``tested_school_cds``, from the state's score
files) counts at that school instead (:func:`with_reporting_school`).
``dashboard_group`` is the Dashboard's student groups, several per student
(:mod:`flp_inquiry.measures.dashboard_groups`): each metric expands its rows to them.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from flp_inquiry.codes import SUBJECTS
from flp_inquiry.errors import ParameterError
from flp_inquiry.measures.suppression import require_columns
from flp_inquiry.memo import Recent

GROUPINGS = ("school", "grade", "el_status", "ethnicity", "sed", "swd", "gender", "school_year", "years_as_el",
             "dashboard_group")
#: Groupings that are not one column of the primary enrollment (a student is in several groups at once).
MULTI_GROUPINGS = ("dashboard_group",)
#: Bands of years as an English learner at the start of the school year, by the state's LTEL rules
#: (at risk: 4-5 years; long-term: 6 or more). Students never EL, or EL with no start date, have their own band.
YEARS_AS_EL_BANDS = ("0-3 years", "4-5 years", "6+ years", "never EL", "start date unknown")
LTEL_GRADES, LTEL_MIN_YEARS = tuple(range(6, 13)), 6
AT_RISK_GRADES, AT_RISK_YEARS = tuple(range(3, 13)), (4, 5)


def _check_by(by: Sequence[str]) -> list[str]:
    by = [by] if isinstance(by, str) else list(by)
    for name in by:
        if name not in GROUPINGS:
            raise ParameterError("by", name, GROUPINGS)
    return list(dict.fromkeys(by))


def _check_subject(subject: str | None) -> str:
    if subject not in SUBJECTS:
        raise ParameterError("subject", subject, SUBJECTS)
    return subject


def _school_year_start(years: pd.Series) -> pd.Series:
    """July 1 of the calendar year before ``school_year`` (2024 -> 2023-07-01).

    >>> _school_year_start(pd.Series([2024, 1970])).dt.strftime("%Y-%m-%d").tolist()
    ['2023-07-01', '1969-07-01']
    """
    # months since 1970-01 (numpy's epoch), as dates: no date parsing, 10x faster than pd.to_datetime
    months = (np.asarray(years, dtype="int64") - 1 - 1970) * 12 + (7 - 1)
    return pd.Series(months.astype("datetime64[M]").astype("datetime64[us]"), index=years.index)


# ---------------------------------------------------------------------------
# groups and rates
# ---------------------------------------------------------------------------

ENROLLMENT_COLUMNS = ["school_year", "student_key", "school_name", "grade", "gender", "ethnicity",
                      "el_status", "sed", "swd", "primary"]


def primary_enrollment(enrollment: pd.DataFrame) -> pd.DataFrame:
    """One row per student per year: the primary enrollment, ``school_name`` also as ``school``.

    Should a student have two primary rows in a year, the one with more days enrolled is kept.

    >>> e = pd.DataFrame({"school_year": [2024, 2024], "student_key": ["f:1", "f:1"],
    ...     "school_name": ["A", "B"], "grade": [3, 3], "gender": ["F", "F"], "ethnicity": ["HI", "HI"],
    ...     "el_status": ["EL", "EL"], "sed": [True, True], "swd": [False, False],
    ...     "primary": [False, True]})
    >>> primary_enrollment(e)[["student_key", "school"]].to_dict("records")
    [{'student_key': 'f:1', 'school': 'B'}]
    """
    require_columns(enrollment, ENROLLMENT_COLUMNS, "primary_enrollment")
    # A notebook asks for dozens of metrics of a few tables (the district's, its school's students'):
    # each one's primary rows are found once.
    return _recent_primaries.get_or_make([enrollment], "primary", lambda: _primary_rows(enrollment))


_recent_primaries = Recent(size=8)


def _primary_rows(enrollment: pd.DataFrame) -> pd.DataFrame:
    primary = enrollment[enrollment["primary"].astype(bool)]
    if "days_enrolled" in primary:
        primary = primary.sort_values("days_enrolled", ascending=False, kind="stable")
    primary = primary.drop_duplicates(["school_year", "student_key"]).sort_index()
    primary = primary.assign(school=primary["school_name"])
    if "el_start_date" in primary:
        primary = primary.assign(years_as_el=years_as_el_band(primary))
    return primary


def years_as_el_band(students: pd.DataFrame) -> pd.Series:
    """Each student's band of years as an English learner (EL or RFEP) at the start of the school year.

    >>> students = pd.DataFrame({"school_year": [2025] * 4, "el_status": ["EL", "RFEP", "EO", "EL"],
    ...     "el_start_date": pd.to_datetime(["2019-08-15", "2020-08-15", None, None])})
    >>> years_as_el_band(students).tolist()  # 2024-07-01: 4 whole years since 2019-08-15, 3 since 2020-08-15
    ['4-5 years', '0-3 years', 'never EL', 'start date unknown']
    """
    years = _whole_years(students["el_start_date"], _school_year_start(students["school_year"]))
    ever_el = students["el_status"].isin(["EL", "RFEP"])
    band = np.select([~ever_el, years.isna(), years >= LTEL_MIN_YEARS, years >= min(AT_RISK_YEARS)],
                     ["never EL", "start date unknown", "6+ years", "4-5 years"], default="0-3 years")
    return pd.Series(band, index=students.index)


def _attach_groups(rows: pd.DataFrame, enrollment: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """``rows`` (keyed by school_year, student_key) with the grouping columns of their primary enrollment."""
    wanted = [g for g in by if g != "school_year" and g not in MULTI_GROUPINGS]
    students = primary_enrollment(enrollment)[["school_year", "student_key", *wanted]]
    return rows.drop(columns=[c for c in wanted if c in rows], errors="ignore").merge(
        students, on=["school_year", "student_key"], how="inner")


#: The school code of a result counted at the district level (a nonpublic-school placement): in no school.
DISTRICT_LEVEL_SCHOOL = "0000000"


def with_reporting_school(rows: pd.DataFrame, enrollment: pd.DataFrame) -> pd.DataFrame:
    """Test results at the school the state counts them at, where the rows say so (the score files' tested school).

    A row with a ``tested_school_cds`` counts there, as the state's school aggregates do: a
    student tested at A and now enrolled at B counts at A; at the district level (school code
    ``0000000``: a nonpublic-school placement) in the district's figures and no school's
    (``school`` missing); at a school of another district in none of this district's figures
    (left out).  Rows without one (the districts' own exports have no such column) keep the
    school of their primary enrollment, as before.  The district's schools are those of
    ``enrollment``; a tested school none of its students is enrolled at is named by its code.

    >>> rows = pd.DataFrame({"school": ["B", "B", "B", "B"],
    ...     "tested_school_cds": ["10621660000001", "10621660000000", "19647250000009", None]})
    >>> enrollment = pd.DataFrame({"school_cds": ["10621660000001", "10621660000002"], "school_name": ["A", "B"]})
    >>> with_reporting_school(rows, enrollment)["school"].tolist()
    ['A', nan, 'B']
    """
    if "tested_school_cds" not in rows or not rows["tested_school_cds"].notna().any():
        return rows
    codes = rows["tested_school_cds"].astype("object")
    district = set(enrollment["school_cds"].astype(str).str[:7])
    rows = rows[codes.isna() | codes.str[:7].isin(district)]
    if "school" not in rows:
        return rows
    codes = codes[rows.index]
    names = enrollment.drop_duplicates("school_cds").set_index("school_cds")["school_name"]
    named = codes.map(names).astype(object)
    named = named.where(named.notna() | codes.isna(), "School " + codes.str[7:])
    named = named.where(codes.str[7:] != DISTRICT_LEVEL_SCHOOL, np.nan)
    return rows.assign(school=named.where(codes.notna(), rows["school"].astype(object)))


def _share(rows: pd.DataFrame, keys: list[str], hit: pd.Series | np.ndarray, extra: dict | None = None) -> pd.DataFrame:
    """Per group of ``keys``: ``n`` rows and ``value`` = percent of them where ``hit``; ``extra`` sums more flags."""
    frame = rows[keys].copy()
    frame["_hit"] = np.asarray(hit, dtype=bool)
    for name, flags in (extra or {}).items():
        frame[name] = np.asarray(flags, dtype=bool)
    sums = ["_hit", *(extra or {})]
    if keys:
        grouped = frame.groupby(keys, sort=True, dropna=False, observed=True)
        table = grouped[sums].sum().join(grouped.size().rename("n")).reset_index()
    else:
        table = pd.DataFrame({**{c: [int(frame[c].sum())] for c in sums}, "n": [len(frame)]})
    table["n"] = table["n"].astype("int64")
    with np.errstate(invalid="ignore", divide="ignore"):
        table["value"] = 100.0 * table["_hit"] / table["n"].where(table["n"] > 0)
    return table[[*keys, "n", "value", *(extra or {})]]


def _whole_years(since: pd.Series, until: pd.Series) -> pd.Series:
    """Completed years between two dates (birthday arithmetic)."""
    years = until.dt.year - since.dt.year
    before_anniversary = (until.dt.month < since.dt.month) | (
        (until.dt.month == since.dt.month) & (until.dt.day < since.dt.day))
    return years - before_anniversary.astype(int)
