"""The canonical schema: one shape for every district's data.

Each district's export is mapped onto these four tables (see ``mappings/``); the state's
own score files (TOMS, :mod:`flp_inquiry.ingest.toms`) onto the same tables, with the state's
other tests (CAA, CAST, CSA, the Alternate ELPAC) kept apart in :class:`OtherTests`.
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
- A column declared ``Optional`` is there only when the source has it (the state's Include
  Indicator, the school a result counts at, prior-year scores: the score files have them, the
  districts' own exports do not); a district without them harmonises exactly as before.
"""
from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Optional

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from flp_inquiry.codes import (  # noqa: F401  (the schema's codes, re-exported)
    COURSE_LEVELS,
    DISTRICTS,
    EL_STATUSES,
    ENROLLED_BY,
    ENROLLED_TABLES,
    ETHNICITIES,
    GENDERS,
    GRADES,
    INCLUDE_INDICATORS,
    MARKS,
    OTHER_TESTS,
    SBAC_GRADES,
    TABLES,
    TESTED_INDICATORS,
    TESTS,
)

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
        unknown = df["days_absent"].isna() | df["days_enrolled"].isna()  # no attendance (ScoreFileEnrollment)
        return unknown | (df["days_absent"].astype("float64") <= df["days_enrolled"].astype("float64"))

    @pa.dataframe_check(error="el_start_date is after the end of the school year of its row (30 June)")
    def el_start_not_after_year(cls, df: pd.DataFrame) -> Series[bool]:
        return df["el_start_date"].isna() | (df["el_start_date"] <= school_year_end(df["school_year"]))

    @pa.dataframe_check(error="rfep_date is after the end of the school year of its row (30 June)")
    def rfep_not_after_year(cls, df: pd.DataFrame) -> Series[bool]:
        return df["rfep_date"].isna() | (df["rfep_date"] <= school_year_end(df["school_year"]))


class ScoreFileEnrollment(Enrollment):
    """Enrollment from the state's score files (their CALPADS snapshot): the days may be null.

    The score files have no attendance, and a zero would read as "enrolled no days"; a
    district's own attendance export, where the mapping adds one, fills them in.  Everything
    else is :class:`Enrollment`'s (a partner district's enrollment keeps its required days).
    """

    days_enrolled: Series[pd.Int64Dtype] = pa.Field(nullable=True, ge=0, le=366)
    days_absent: Series[float] = pa.Field(nullable=True, ge=0, le=366)


class Assessments(_Canonical):
    """One row per student per test per year; ``tested`` is False for a non-participant.

    The optional columns come from the state's score files: ``include_indicator`` (Y, T, R, N,
    E: which records the state counts as tested and with a valid score), ``tested_school_cds``
    (the school a result counts at: the final tested school; ``<district>0000000`` for a
    nonpublic-school student, who counts in the district's figures only) and
    ``prior_scale_score_1..3`` (the same test one to three years before, as the state keeps it).
    With an include indicator, a row has a level exactly when it is ``Y`` and is tested exactly
    when it is ``Y``, ``T`` or ``R``; without one, a tested row has a level and an untested one none.
    """

    district: Series[str]
    school_year: Series[int] = pa.Field(ge=2000, le=2100)
    student_key: Series[str] = pa.Field(str_matches=_KEY)
    test: Series[str] = pa.Field(isin=TESTS)
    grade_tested: Series[int] = pa.Field(isin=GRADES)
    tested: Series[bool]
    scale_score: Series[pd.Int64Dtype] = pa.Field(nullable=True, ge=1100, le=3000)
    level: Series[pd.Int64Dtype] = pa.Field(nullable=True, isin=[1, 2, 3, 4])
    include_indicator: Optional[Series[str]] = pa.Field(nullable=True, isin=INCLUDE_INDICATORS)
    tested_school_cds: Optional[Series[str]] = pa.Field(nullable=True, str_matches=_CDS)
    prior_scale_score_1: Optional[Series[pd.Int64Dtype]] = pa.Field(nullable=True, ge=1100, le=3000)
    prior_scale_score_2: Optional[Series[pd.Int64Dtype]] = pa.Field(nullable=True, ge=1100, le=3000)
    prior_scale_score_3: Optional[Series[pd.Int64Dtype]] = pa.Field(nullable=True, ge=1100, le=3000)

    @pa.dataframe_check(error="a tested student needs a level and an untested one none")
    def level_matches_tested(cls, df: pd.DataFrame) -> Series[bool]:
        return _has_indicator(df) | (df["tested"] == df["level"].notna())

    @pa.dataframe_check(error="a level exactly where include_indicator is Y, tested exactly where it is Y, T or R")
    def level_matches_include_indicator(cls, df: pd.DataFrame) -> Series[bool]:
        indicator = df["include_indicator"] if "include_indicator" in df else pd.Series(None, index=df.index)
        counted = (indicator == "Y").fillna(False).astype(bool)
        took_test = indicator.isin(TESTED_INDICATORS)
        return ~_has_indicator(df) | ((counted == df["level"].notna()) & (df["tested"] == took_test))

    @pa.dataframe_check(error="a scale_score without a level")
    def score_has_level(cls, df: pd.DataFrame) -> Series[bool]:
        return df["scale_score"].isna() | df["level"].notna()

    @pa.dataframe_check(error="scale_score is outside the published range of its assessment for the grade_tested")
    def score_in_published_range(cls, df: pd.DataFrame) -> Series[bool]:
        keys = pd.MultiIndex.from_arrays([df["test"].astype("str"),
                                          pd.to_numeric(df["grade_tested"], errors="coerce")])
        bounds = score_ranges().set_index(["test", "grade_tested"]).reindex(keys)
        score = pd.to_numeric(df["scale_score"], errors="coerce").astype("float64").to_numpy()
        inside = (score >= bounds["lowest"].to_numpy()) & (score <= bounds["highest"].to_numpy())
        return pd.Series(inside | pd.isna(score), index=df.index)


def _has_indicator(df: pd.DataFrame) -> pd.Series:
    """Rows with the state's Include Indicator (a score-file row)."""
    if "include_indicator" not in df:
        return pd.Series(False, index=df.index)
    return df["include_indicator"].notna()


class OtherTests(_Canonical):
    """The state's other tests (:data:`OTHER_TESTS`), one row per student per test per year, never pooled
    with the Smarter Balanced or Summative ELPAC results; written as ``other_tests.parquet`` beside the
    canonical tables.  Their scales differ by test (CAA, CAST): a score is kept as the file gives it."""

    district: Series[str]
    school_year: Series[int] = pa.Field(ge=2000, le=2100)
    student_key: Series[str] = pa.Field(str_matches=_KEY)
    test: Series[str] = pa.Field(isin=OTHER_TESTS)
    grade_tested: Series[int] = pa.Field(isin=GRADES)
    include_indicator: Series[str] = pa.Field(isin=INCLUDE_INDICATORS)
    scale_score: Series[pd.Int64Dtype] = pa.Field(nullable=True, ge=0, le=9999)
    level: Series[pd.Int64Dtype] = pa.Field(nullable=True, isin=[1, 2, 3, 4])
    tested_school_cds: Series[str] = pa.Field(nullable=True, str_matches=_CDS)


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


def school_year_end(school_year: pd.Series) -> pd.Series:
    """The last day of each school year: 30 June of the year it ends in.

    >>> school_year_end(pd.Series([2024])).tolist()
    [Timestamp('2024-06-30 00:00:00')]
    """
    years = pd.to_numeric(school_year, errors="coerce").astype("Int64").astype("str")
    return pd.to_datetime(years + "-06-30", format="%Y-%m-%d", errors="coerce")


@lru_cache(maxsize=None)
def score_ranges() -> pd.DataFrame:
    """The lowest and highest scale score of each test and grade, from the package's reference data.

    Smarter Balanced ranges come from ``data/sbac_thresholds.csv``, Summative ELPAC ranges
    (lowest = the Level 1 minimum) from ``data/elpac_ranges.csv``; a grade a test is not
    given in has no range, so any score there is outside it.

    >>> score_ranges().query("test == 'elpac' and grade_tested == 3")[["lowest", "highest"]].values.tolist()
    [[1150, 1800]]
    """
    folder = resources.files("flp_inquiry") / "data"
    with (folder / "sbac_thresholds.csv").open("rb") as file:
        sbac = pd.read_csv(file)
    with (folder / "elpac_ranges.csv").open("rb") as file:
        elpac = pd.read_csv(file, dtype={"grades": str})
    elpac["grade"] = elpac["grades"].str.split(";")
    elpac = elpac.explode("grade").astype({"grade": int})
    return pd.concat([
        pd.DataFrame({"test": sbac["subject"], "grade_tested": sbac["grade"],
                      "lowest": sbac["lowest_score"], "highest": sbac["highest_score"]}),
        pd.DataFrame({"test": "elpac", "grade_tested": elpac["grade"],
                      "lowest": elpac["level1_min"], "highest": elpac["highest_score"]}),
    ], ignore_index=True).astype({"grade_tested": "int64", "lowest": "int64", "highest": "int64"})


def columns_of(table: str) -> list[str]:
    """The canonical columns every ``table`` has, in order (without its optional ones).

    >>> columns_of("outcomes")
    ['district', 'cohort_year', 'student_key', 'graduated', 'dropped_out', 'ag_met']
    """
    return [name for name, column in MODELS[table].to_schema().columns.items() if column.required]


def optional_columns_of(table: str) -> list[str]:
    """The canonical columns ``table`` has only when its source has them, in order.

    >>> optional_columns_of("assessments")[:2], optional_columns_of("enrollment")
    (['include_indicator', 'tested_school_cds'], [])
    """
    return [name for name, column in MODELS[table].to_schema().columns.items() if not column.required]
