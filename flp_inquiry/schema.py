"""The canonical schema: one shape for every district's data.

Each district's export is mapped onto these four tables (see ``mappings/``).
The models are pandera ``DataFrameModel``s, ``strict`` and ``coerce``; they are
validated lazily so one run reports every problem.  Everything downstream
(metrics, notebooks, reports) refers to columns through this module.

Conventions
-----------
- ``school_year`` is the calendar year the school year ends in (2024 = 2023-24).
- ``student_key`` is the district's own id prefixed with the district name,
  ``"fresno:004518233"``, so keys never collide across districts and leading
  zeros survive.
- ``grade`` is an integer: -1 transitional kindergarten, 0 kindergarten, 1-12.
"""
from __future__ import annotations

from typing import Optional

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

DISTRICTS = {
    "fresno": {"name": "Fresno Unified", "cds": "10621660000000"},
    "long_beach": {"name": "Long Beach Unified", "cds": "19647250000000"},
}

GENDERS = ["F", "M", "X"]
ETHNICITIES = ["HI", "AA", "AS", "FI", "PI", "AI", "WH", "MR", "NR"]
EL_STATUSES = ["EO", "IFEP", "EL", "RFEP", "TBD"]
TESTS = ["ela", "math", "elpac"]
COURSE_LEVELS = ["grade_level", "algebra_1", "geometry", "algebra_2", "beyond"]
MARKS = ["A", "B", "C", "D", "F"]
GRADES = list(range(-1, 13))
SBAC_GRADES = [3, 4, 5, 6, 7, 8, 11]

TABLES = ("enrollment", "assessments", "math_courses", "outcomes")

_CDS = r"^\d{14}$"
_KEY = r"^[a-z][a-z0-9_]*:\S+$"


class _Canonical(pa.DataFrameModel):
    class Config:
        strict = True
        coerce = True


class Enrollment(_Canonical):
    """One row per student per school per year; ``primary`` marks where the student counts."""

    district: Series[str]
    school_year: Series[int] = pa.Field(ge=2000, le=2100)
    student_key: Series[str] = pa.Field(str_matches=_KEY)
    school_cds: Series[str] = pa.Field(str_matches=_CDS)
    school_name: Series[str]
    grade: Series[int] = pa.Field(isin=GRADES)
    gender: Series[str] = pa.Field(isin=GENDERS)
    ethnicity: Series[str] = pa.Field(isin=ETHNICITIES)
    el_status: Series[str] = pa.Field(isin=EL_STATUSES)
    el_start_date: Series[pd.Timestamp] = pa.Field(nullable=True)
    rfep_date: Series[pd.Timestamp] = pa.Field(nullable=True)
    sed: Series[bool]
    swd: Series[bool]
    days_enrolled: Series[int] = pa.Field(ge=0, le=366)
    days_absent: Series[float] = pa.Field(ge=0, le=366)
    primary: Series[bool]

    @pa.dataframe_check(error="days_absent is more than days_enrolled")
    def absent_within_enrolled(cls, df: pd.DataFrame) -> Series[bool]:
        return df["days_absent"] <= df["days_enrolled"]


class Assessments(_Canonical):
    """One row per student per test per year; ``tested`` is False for a non-participant."""

    district: Series[str]
    school_year: Series[int] = pa.Field(ge=2000, le=2100)
    student_key: Series[str] = pa.Field(str_matches=_KEY)
    test: Series[str] = pa.Field(isin=TESTS)
    grade_tested: Series[int] = pa.Field(isin=GRADES)
    tested: Series[bool]
    scale_score: Series[pd.Int64Dtype] = pa.Field(nullable=True, ge=1100, le=3000)
    level: Series[pd.Int64Dtype] = pa.Field(nullable=True, isin=[1, 2, 3, 4])

    @pa.dataframe_check(error="a tested student needs a level and an untested one none")
    def level_matches_tested(cls, df: pd.DataFrame) -> Series[bool]:
        return df["tested"] == df["level"].notna()

    @pa.dataframe_check(error="a scale_score without a level")
    def score_has_level(cls, df: pd.DataFrame) -> Series[bool]:
        return df["scale_score"].isna() | df["level"].notna()


class MathCourses(_Canonical):
    """One row per student per math course per year (grades 6-12)."""

    district: Series[str]
    school_year: Series[int] = pa.Field(ge=2000, le=2100)
    student_key: Series[str] = pa.Field(str_matches=_KEY)
    course_level: Series[str] = pa.Field(isin=COURSE_LEVELS)
    course_title: Series[str]
    mark: Series[str] = pa.Field(nullable=True, isin=MARKS)


class Outcomes(_Canonical):
    """One row per student in a four-year graduation cohort (``cohort_year`` = year it ends)."""

    district: Series[str]
    cohort_year: Series[int] = pa.Field(ge=2000, le=2100)
    student_key: Series[str] = pa.Field(str_matches=_KEY)
    graduated: Series[bool]
    dropped_out: Series[bool]
    ag_met: Series[bool]


MODELS: dict[str, type[_Canonical]] = {
    "enrollment": Enrollment,
    "assessments": Assessments,
    "math_courses": MathCourses,
    "outcomes": Outcomes,
}


def columns_of(table: str) -> list[str]:
    """The canonical column names of ``table``, in order.

    >>> columns_of("outcomes")
    ['district', 'cohort_year', 'student_key', 'graduated', 'dropped_out', 'ag_met']
    """
    return list(MODELS[table].to_schema().columns)
