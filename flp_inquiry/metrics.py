"""The state's metric definitions (``specs/metrics.md``) over the canonical tables.

Every metric is a pure function: canonical tables in, one tidy row per group out,
with the grouping columns first, then ``n`` (the denominator: students, or marks
for the D/F rate) and ``value`` (a percentage 0-100 as a float; Distance from
Standard in scale-score points), then any metric-specific columns.  Results are
**not suppressed**; :func:`metric_table` (and the CLI) pass them through
:func:`flp_inquiry.suppression.suppress_small_cells`.

Groupings (``by``): ``school``, ``grade``, ``el_status``, ``ethnicity``, ``sed``,
``swd``, ``gender``, ``school_year``.  They come from the student's *primary*
enrollment row of the same school year (``school`` is its ``school_name``); a
test or course row of a student with no primary enrollment that year is left out.
Without ``school_year`` in ``by``, all years in the input are pooled.

Choices the spec leaves open (one place each, so they can be changed):

- **Algebra by grade 8 / 9**: the cohort is the students in grade 8 (9) in a school
  year (their primary enrollment); a student counts who has a course row in that
  year or any earlier one at ``algebra_1`` level *or higher* (geometry, algebra 2,
  beyond) with a mark of C or better.  Higher courses count because a student placed
  beyond Algebra 1 / Integrated 1 completed it, often before the district's records
  begin (or elsewhere); see :data:`ALGEBRA_OR_HIGHER`.
- **Graduation and a-g**: the cohort is the ``outcomes`` rows of a ``cohort_year``
  (grouped as ``school_year``); demographics come from the student's last primary
  enrollment in or before that year, and cohort students with none keep missing groups
  (the cohort is the state's, so no student is dropped).
- **Chronic absenteeism**: a student's days enrolled and absent are summed over all
  of that year's enrollment rows in the district (grades K-8 = 0-8, TK not included),
  then counted at the primary school.
- **Reclassification**: ELs enrolled at the start of the year are students whose
  row that year is EL with no RFEP date, or EL/RFEP with an RFEP date on or after
  July 1, and whose EL start date (when known) is not after July 1.
- **ELPI**: current ELs (``el_status`` EL) in grades 1-12 by that year's enrollment,
  with a summative ELPAC score this year and last; ELPI levels use the grade tested.
- **DFS**: grades 3-8 and grade 11 are always separate rows (``grade_span``), as the
  Dashboard gives them separate cut points.
- **Change** (DFS, ELPI): this year's figure minus last year's, unrounded, then rounded
  to one decimal, as the state's own Dashboard downloads show it was worked out.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
import pandas as pd

from flp_inquiry.dashboard import LEVEL_DTYPE, dashboard_levels, round_half_away, status_level
from flp_inquiry.memo import Recent
from flp_inquiry.errors import ParameterError
from flp_inquiry.codes import SBAC_GRADES
from flp_inquiry.suppression import require_columns, suppress_small_cells

GROUPINGS = ("school", "grade", "el_status", "ethnicity", "sed", "swd", "gender", "school_year", "years_as_el")
#: Bands of years as an English learner at the start of the school year, by the state's LTEL rules
#: (at risk: 4-5 years; long-term: 6 or more). Students never EL, or EL with no start date, have their own band.
YEARS_AS_EL_BANDS = ("0-3 years", "4-5 years", "6+ years", "never EL", "start date unknown")
SUBJECTS = ("ela", "math")
ELPI_LEVELS = ("1", "2L", "2H", "3L", "3H", "4")
PASSING_MARKS = ("A", "B", "C")
FAILING_MARKS = ("D", "F")
#: Course levels that show Algebra 1 / Integrated Math 1 was completed (see the module notes).
ALGEBRA_OR_HIGHER = ("algebra_1", "geometry", "algebra_2", "beyond")
CHRONIC_ABSENCE_GRADES = tuple(range(0, 9))
CHRONIC_ABSENCE_MIN_DAYS = 31
ELPI_GRADES = tuple(range(1, 13))
LTEL_GRADES, LTEL_MIN_YEARS = tuple(range(6, 13)), 6
AT_RISK_GRADES, AT_RISK_YEARS = tuple(range(3, 13)), (4, 5)

_ENROLLMENT_GROUP_COLUMNS = {"school": "school_name", "grade": "grade", "el_status": "el_status",
                             "ethnicity": "ethnicity", "sed": "sed", "swd": "swd", "gender": "gender"}


# ---------------------------------------------------------------------------
# reference data and checks
# ---------------------------------------------------------------------------

def _read_reference(name: str) -> pd.DataFrame:
    with resources.files("flp_inquiry").joinpath("data", name).open("r", encoding="utf-8") as handle:
        return pd.read_csv(handle)


@lru_cache(maxsize=None)
def level3_minimums() -> pd.DataFrame:
    """Smarter Balanced Level 3 (Standard Met) minimum scale score by subject and grade.

    >>> minimums = level3_minimums()
    >>> int(minimums.query("subject == 'ela' and grade == 3")["level3_min"].iloc[0])
    2432
    """
    return _read_reference("sbac_thresholds.csv")[["subject", "grade", "level3_min"]]


@lru_cache(maxsize=None)
def level3_minimum_by_grade(subject: str) -> dict[int, int]:
    """:func:`level3_minimums` of one subject as ``{grade: minimum}`` (a lookup for every scored row).

    >>> level3_minimum_by_grade("math")[8]
    2586
    """
    minimums = level3_minimums()
    minimums = minimums[minimums["subject"] == subject]
    return dict(zip(minimums["grade"].astype(int), minimums["level3_min"].astype(int)))


def distance_to_level3(scored: pd.DataFrame, subject: str) -> pd.Series:
    """Each scored row's scale score minus the Level 3 minimum of the grade it was tested in (points)."""
    minimum = scored["grade_tested"].map(level3_minimum_by_grade(subject)).astype(float)
    return scored["scale_score"].astype(float) - minimum


@lru_cache(maxsize=None)
def elpi_split_points() -> pd.DataFrame:
    """Lowest scale score of each ELPI level above 1, by grade, from ``elpac_ranges.csv``.

    The High half of ELPAC levels 2 and 3 starts at
    floor((lowest score of the level + lowest score of the next level) / 2).

    >>> row = elpi_split_points().set_index("grade").loc[3]
    >>> row.tolist()  # 2L, 2H, 3L, 3H, 4
    [1448, 1468, 1488, 1511, 1535]
    """
    ranges = _read_reference("elpac_ranges.csv")
    ranges["grade"] = ranges["grades"].astype(str).str.split(";")
    ranges = ranges.explode("grade").astype({"grade": int})
    return pd.DataFrame({
        "grade": ranges["grade"],
        "2L": ranges["level2_min"],
        "2H": (ranges["level2_min"] + ranges["level3_min"]) // 2,
        "3L": ranges["level3_min"],
        "3H": (ranges["level3_min"] + ranges["level4_min"]) // 2,
        "4": ranges["level4_min"],
    }).reset_index(drop=True)


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


_recent_primaries = Recent(size=4)


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
    wanted = [g for g in by if g != "school_year"]
    students = primary_enrollment(enrollment)[["school_year", "student_key", *wanted]]
    return rows.drop(columns=[c for c in wanted if c in rows], errors="ignore").merge(
        students, on=["school_year", "student_key"], how="inner")


def _share(rows: pd.DataFrame, keys: list[str], hit: pd.Series | np.ndarray, extra: dict | None = None) -> pd.DataFrame:
    """Per group of ``keys``: ``n`` rows and ``value`` = percent of them where ``hit``; ``extra`` sums more flags."""
    frame = rows[keys].copy()
    frame["_hit"] = np.asarray(hit, dtype=bool)
    for name, flags in (extra or {}).items():
        frame[name] = np.asarray(flags, dtype=bool)
    sums = ["_hit", *(extra or {})]
    if keys:
        grouped = frame.groupby(keys, sort=True, dropna=False)
        table = grouped[sums].sum().join(grouped.size().rename("n")).reset_index()
    else:
        table = pd.DataFrame({**{c: [int(frame[c].sum())] for c in sums}, "n": [len(frame)]})
    table["n"] = table["n"].astype("int64")
    with np.errstate(invalid="ignore", divide="ignore"):
        table["value"] = 100.0 * table["_hit"] / table["n"].where(table["n"] > 0)
    return table[[*keys, "n", "value", *(extra or {})]]


# ---------------------------------------------------------------------------
# Smarter Balanced
# ---------------------------------------------------------------------------

ASSESSMENT_COLUMNS = ["school_year", "student_key", "test", "grade_tested", "scale_score", "level"]


def scored_results(assessments: pd.DataFrame, subject: str) -> pd.DataFrame:
    """Smarter Balanced rows of ``subject`` in a tested grade that have a scale score (the tested students).

    >>> from flp_inquiry.metrics import _example
    >>> assessments, _ = _example()
    >>> scored_results(assessments, "ela")["student_key"].tolist()  # f:4 (grade 11) has no score
    ['f:1', 'f:1', 'f:2', 'f:3']
    """
    require_columns(assessments, ASSESSMENT_COLUMNS, "Smarter Balanced metrics")
    keep = ((assessments["test"] == subject) & assessments["grade_tested"].isin(SBAC_GRADES)
            & assessments["scale_score"].notna())
    return assessments.loc[keep, ASSESSMENT_COLUMNS]


def _scored_with_groups(assessments: pd.DataFrame, enrollment: pd.DataFrame, subject: str) -> pd.DataFrame:
    """The scored rows of ``subject`` with every grouping of their primary enrollment, ``distance`` from
    Level 3 and ``grade_span``: what each Smarter Balanced metric groups.  Read it, never change it."""
    def make() -> pd.DataFrame:
        scored = scored_results(assessments, subject)
        groupings = [g for g in GROUPINGS if g in primary_enrollment(enrollment)]
        scored = _attach_groups(scored, enrollment, groupings)
        return scored.assign(distance=distance_to_level3(scored, subject), grade_span=_grade_span(scored["grade_tested"]))

    # A notebook asks for a dozen of these metrics of the same tables, grouped in different ways.
    return _recent_scored.get_or_make([assessments, enrollment], ("scored", subject), make)


_recent_scored = Recent(size=6)


def percent_met(assessments: pd.DataFrame, enrollment: pd.DataFrame, subject: str, by: Sequence[str] = ()) -> pd.DataFrame:
    """Percent of students with a score who met or exceeded the standard (level 3 or 4).

    Parameters
    ----------
    assessments, enrollment : DataFrame
        Canonical tables.
    subject : {"ela", "math"}
    by : sequence of str
        Groupings (see the module notes).

    Returns
    -------
    DataFrame
        ``*by, n, value``: ``n`` students tested with a score, ``value`` percent met or exceeded.

    Examples
    --------
    >>> from flp_inquiry.metrics import _example
    >>> assessments, enrollment = _example()
    >>> percent_met(assessments.query("school_year == 2024"), enrollment, "ela", by=["school"])
      school  n  value
    0      A  2   50.0
    1      B  1    0.0
    """
    by = _check_by(by)
    scored = _scored_with_groups(assessments, enrollment, _check_subject(subject))
    return _share(scored, by, scored["level"].fillna(0) >= 3)


def participation_rate(assessments: pd.DataFrame, enrollment: pd.DataFrame, subject: str, by: Sequence[str] = ()) -> pd.DataFrame:
    """Percent of students enrolled in a tested grade (3-8, 11) who have a scale score in ``subject``.

    ``Not Tested`` rows, blank scores and students with no test row at all are the
    non-participants.  The grade is the enrollment grade.

    Returns
    -------
    DataFrame
        ``*by, n, value``: ``n`` students enrolled in a tested grade.

    Examples
    --------
    >>> from flp_inquiry.metrics import _example
    >>> assessments, enrollment = _example()
    >>> participation_rate(assessments, enrollment, "ela", by=["school_year"])
       school_year  n      value
    0         2023  3  33.333333
    1         2024  7  42.857143
    """
    by = _check_by(by)
    scored = scored_results(assessments, _check_subject(subject))[["school_year", "student_key"]].drop_duplicates()
    students = primary_enrollment(enrollment)
    students = students[students["grade"].isin(SBAC_GRADES)]
    tested = students.merge(scored.assign(_tested=True), on=["school_year", "student_key"], how="left")
    return _share(tested, by, tested["_tested"].fillna(False).astype(bool))


def _grade_span(grades: pd.Series) -> pd.Series:
    return pd.Series(np.where(grades == 11, "11", "3-8"), index=grades.index)


_SPAN_INDICATORS = (("3-8", "3_8"), ("11", "11"))


def _with_span_levels(table: pd.DataFrame, subject: str, change: str | None) -> pd.DataFrame:
    """Dashboard levels with each grade span's own cut points (two spans, not a row loop)."""
    if change is None:  # the status level alone: set in place for each span's rows
        levels = pd.Series(pd.NA, index=table.index, dtype=LEVEL_DTYPE)
        for span, suffix in _SPAN_INDICATORS:
            rows = (table["grade_span"] == span).to_numpy()
            if rows.any():
                levels[rows] = status_level(table.loc[rows, "value"], f"{subject}_{suffix}")
        return table.assign(status_level=levels)
    parts = [dashboard_levels(table[table["grade_span"] == span], f"{subject}_{suffix}", change=change)
             for span, suffix in _SPAN_INDICATORS]
    return pd.concat(parts).sort_index()


def distance_from_standard(assessments: pd.DataFrame, enrollment: pd.DataFrame, subject: str,
                           by: Sequence[str] = ()) -> pd.DataFrame:
    """Mean distance of scale scores from the grade's Level 3 minimum, with the Dashboard status level.

    Grades 3-8 and grade 11 are separate rows (``grade_span``), each with its own cut points.

    Returns
    -------
    DataFrame
        ``*by, grade_span, n, value, status_level``; ``value`` in points.

    Examples
    --------
    ELA minimums: grade 4 2473, grade 5 2502.  School A: 2518 (+45) and 2457 (-45), mean 0;
    school B: 2470, -32 points.

    >>> from flp_inquiry.metrics import _example
    >>> assessments, enrollment = _example()
    >>> distance_from_standard(assessments.query("school_year == 2024"), enrollment, "ela", by=["school"])
      school grade_span  n  value  status_level
    0      A        3-8  2    0.0             3
    1      B        3-8  1  -32.0             2
    """
    by = _check_by(by)
    subject = _check_subject(subject)
    scored = _scored_with_groups(assessments, enrollment, subject)
    keys = [*by, "grade_span"]
    grouped = scored.groupby(keys, sort=True, dropna=False)["distance"]
    table = pd.concat([grouped.size().rename("n"), grouped.mean().rename("value")], axis=1).reset_index()
    return _with_span_levels(table, subject, change=None)


def dfs_grade_span(table: pd.DataFrame, grade: int | None = None) -> str:
    """The one grade span of a Distance from Standard table to report (spans are never mixed).

    ``grade``'s own span; for all grades, ``3-8``, or ``11`` where the table (its
    scope: a high school, say) has no grades 3-8 rows.

    >>> high_school = pd.DataFrame({"grade_span": ["11", "11"]})
    >>> dfs_grade_span(high_school, 7), dfs_grade_span(high_school), dfs_grade_span(pd.DataFrame({"grade_span": ["3-8", "11"]}))
    ('3-8', '11', '3-8')
    """
    if grade is not None:
        return "11" if int(grade) == 11 else "3-8"
    return "11" if len(table) and not (table["grade_span"] == "3-8").any() else "3-8"


def add_change(table: pd.DataFrame, year: int, keys: list[str]) -> pd.DataFrame:
    """This year's rows of a table grouped by ``school_year`` + ``keys``, with last year's n, value and the change.

    The change is worked out from the unrounded figures and then rounded, as the Dashboard does: 43.0
    after 40.05 (published 40.1) is a change of 3.0, not 43.0 - 40.1 = 2.9.

    >>> t = pd.DataFrame({"school_year": [2024, 2025], "n": [20, 20], "value": [40.05, 43.0]})
    >>> add_change(t, 2025, [])[["prior_value", "value", "change"]].to_dict("records")
    [{'prior_value': 40.05, 'value': 43.0, 'change': 3.0}]
    """
    current = table[table["school_year"] == year]
    prior = table.loc[table["school_year"] == year - 1, [*keys, "n", "value"]]
    prior = prior.rename(columns={"n": "prior_n", "value": "prior_value"})
    if keys:
        merged = current.merge(prior, on=keys, how="left")
    else:  # one row per year: last year's (if any) sits beside this year's
        merged = current.reset_index(drop=True).join(prior.reset_index(drop=True).head(1))
    merged["prior_n"] = merged["prior_n"].astype("Int64")
    # As the Dashboard does: the unrounded figures are subtracted and the change is rounded, so it can
    # differ by 0.1 from the difference of the two published figures (a quarter of its 2017 rows do).
    merged["change"] = round_half_away(merged["value"] - merged["prior_value"], 1)
    return merged


def distance_from_standard_change(assessments: pd.DataFrame, enrollment: pd.DataFrame, subject: str, year: int,
                                  by: Sequence[str] = ()) -> pd.DataFrame:
    """DFS of ``year`` beside last year's for the same group, with status, change and colour.

    A colour needs 30 or more students this year.

    Returns
    -------
    DataFrame
        ``*by, grade_span, n, value, status_level, prior_n, prior_value, change,
        change_level, colour, colour_name``.

    Examples
    --------
    >>> from flp_inquiry.metrics import _example
    >>> assessments, enrollment = _example()
    >>> t = distance_from_standard_change(assessments, enrollment, "ela", 2024)
    >>> t[["n", "value", "prior_value", "change", "change_level", "colour"]]
       n      value  prior_value  change  change_level  colour
    0  3 -10.666667         40.0   -50.7             1    <NA>
    """
    by = _check_by(by)
    keys = [g for g in by if g != "school_year"]
    two_years = assessments[assessments["school_year"].isin([year - 1, year])]
    table = distance_from_standard(two_years, enrollment, subject, by=[*keys, "school_year"])
    table = add_change(table.drop(columns="status_level"), year, [*keys, "grade_span"])
    table = _with_span_levels(table, _check_subject(subject), change="change")
    columns = [*by, "grade_span", "n", "value", "status_level", "prior_n", "prior_value", "change",
               "change_level", "colour", "colour_name"]
    return table[columns].reset_index(drop=True)


# ---------------------------------------------------------------------------
# English learners
# ---------------------------------------------------------------------------

def elpi_level(scale_scores, grades) -> pd.Series:
    """ELPI level of Summative ELPAC scores: 1..6 for ``1, 2L, 2H, 3L, 3H, 4`` (:data:`ELPI_LEVELS`).

    A score exactly on a split point belongs to the higher level.  Missing where the
    score is missing or the grade has no ELPAC range (TK).

    >>> elpi_level([1447, 1448, 1467, 1468, 1510, 1511, 1535], [3] * 7).tolist()
    [1, 2, 2, 3, 4, 5, 6]
    """
    scores = pd.Series(scale_scores, dtype="Float64").reset_index(drop=True)
    splits = pd.DataFrame({"grade": pd.Series(grades).reset_index(drop=True).astype("Int64")})
    splits = splits.merge(elpi_split_points().astype({"grade": "Int64"}), on="grade", how="left")
    level = pd.Series(1.0, index=scores.index)
    for name in ELPI_LEVELS[1:]:
        level += (scores >= splits[name]).fillna(False).astype(float)
    level[scores.isna() | splits["2L"].isna()] = np.nan
    index = scale_scores.index if isinstance(scale_scores, pd.Series) else None
    return pd.Series(level.to_numpy(), index=index).astype("Int64")


def english_learner_progress(assessments: pd.DataFrame, enrollment: pd.DataFrame, by: Sequence[str] = ()) -> pd.DataFrame:
    """Percent of current ELs (grades 1-12) who rose at least one ELPI level, or stayed at level 4.

    Counts ELs with a Summative ELPAC score this year and last; status level by the
    ELPAC-era (2023 on) cut points.

    Returns
    -------
    DataFrame
        ``*by, n, value, status_level``.

    Examples
    --------
    Grade 3 2H (1470) -> grade 4 3L (1500) rose; grade 4 4 (1560) -> grade 5 4 (1565) stayed at 4.

    >>> from flp_inquiry.metrics import _example
    >>> assessments, enrollment = _example()
    >>> english_learner_progress(assessments, enrollment, by=["school_year"])
       school_year  n  value  status_level
    0         2024  2  100.0             5
    """
    by = _check_by(by)
    require_columns(assessments, ASSESSMENT_COLUMNS, "english_learner_progress")
    elpac = assessments[(assessments["test"] == "elpac") & assessments["scale_score"].notna()]
    elpac = elpac.drop_duplicates(["school_year", "student_key"], keep="last")
    elpac = elpac.assign(elpi=elpi_level(elpac["scale_score"], elpac["grade_tested"]))
    elpac = elpac[elpac["elpi"].notna()][["school_year", "student_key", "elpi"]]
    prior = elpac.assign(school_year=elpac["school_year"] + 1).rename(columns={"elpi": "prior_elpi"})
    students = primary_enrollment(enrollment)
    students = students[(students["el_status"] == "EL") & students["grade"].isin(ELPI_GRADES)]
    cohort = students.merge(elpac, on=["school_year", "student_key"]).merge(prior, on=["school_year", "student_key"])
    top = len(ELPI_LEVELS)
    progressed = (cohort["elpi"] > cohort["prior_elpi"]) | ((cohort["elpi"] == top) & (cohort["prior_elpi"] == top))
    return dashboard_levels(_share(cohort, by, progressed.astype(bool)), "elpi", change=None)


def _el_at_year_start(students: pd.DataFrame) -> pd.Series:
    start = _school_year_start(students["school_year"])
    rfep = students["rfep_date"]
    still_el = ((students["el_status"] == "EL") & rfep.isna()) | (
        students["el_status"].isin(["EL", "RFEP"]) & (rfep >= start))
    started = students["el_start_date"].isna() | (students["el_start_date"] <= start)
    return (still_el & started).fillna(False).astype(bool)


def reclassification_rate(enrollment: pd.DataFrame, by: Sequence[str] = ()) -> pd.DataFrame:
    """Percent of ELs enrolled at the start of the year reclassified (RFEP date) during it.

    The school year runs July 1 of the year before ``school_year`` to June 30 of it;
    a student reclassified on June 30 was not an EL at the start of the next year.

    Returns
    -------
    DataFrame
        ``*by, n, value``: ``n`` ELs at the start of the year.

    Examples
    --------
    >>> from flp_inquiry.metrics import _example
    >>> _, enrollment = _example()
    >>> reclassification_rate(enrollment, by=["school_year"])
       school_year  n  value
    0         2023  2   50.0
    1         2024  2    0.0
    """
    by = _check_by(by)
    require_columns(enrollment, ["el_start_date", "rfep_date"], "reclassification_rate")
    students = primary_enrollment(enrollment)
    students = students[_el_at_year_start(students)]
    start = _school_year_start(students["school_year"])
    end = start + pd.DateOffset(years=1) - pd.Timedelta(days=1)
    reclassified = (students["rfep_date"] >= start) & (students["rfep_date"] <= end)
    return _share(students, by, reclassified.fillna(False))


def _whole_years(since: pd.Series, until: pd.Series) -> pd.Series:
    """Completed years between two dates (birthday arithmetic)."""
    years = until.dt.year - since.dt.year
    before_anniversary = (until.dt.month < since.dt.month) | (
        (until.dt.month == since.dt.month) & (until.dt.day < since.dt.day))
    return years - before_anniversary.astype(int)


def long_term_english_learners(enrollment: pd.DataFrame, by: Sequence[str] = ()) -> pd.DataFrame:
    """Long-term English learners (LTEL) and ELs at risk of becoming one.

    Years as EL are completed years from ``el_start_date`` to the start of the school
    year (July 1).  LTEL: grades 6-12, 6 or more years; at risk: grades 3-12, 4 or 5
    years.  An EL with no start date is neither.

    Returns
    -------
    DataFrame
        ``*by, n, value, ltel, at_risk, at_risk_percent``: ``n`` current ELs (all grades),
        ``value`` percent of them LTEL, ``ltel`` and ``at_risk`` counts.

    Examples
    --------
    >>> from flp_inquiry.metrics import _example
    >>> _, enrollment = _example()
    >>> long_term_english_learners(enrollment, by=["school_year"])
       school_year  n  value  ltel  at_risk  at_risk_percent
    0         2023  2    0.0     0        0              0.0
    1         2024  2    0.0     0        1             50.0
    """
    by = _check_by(by)
    require_columns(enrollment, ["el_start_date"], "long_term_english_learners")
    students = primary_enrollment(enrollment)
    els = students[students["el_status"] == "EL"]
    years_as_el = _whole_years(els["el_start_date"], _school_year_start(els["school_year"]))
    ltel = els["grade"].isin(LTEL_GRADES) & (years_as_el >= LTEL_MIN_YEARS)
    at_risk = els["grade"].isin(AT_RISK_GRADES) & years_as_el.isin(AT_RISK_YEARS)
    ltel, at_risk = ltel.fillna(False), at_risk.fillna(False)
    table = _share(els, by, ltel, extra={"ltel": ltel, "at_risk": at_risk})
    table = table.astype({"ltel": "int64", "at_risk": "int64"})
    with np.errstate(invalid="ignore", divide="ignore"):
        table["at_risk_percent"] = 100.0 * table["at_risk"] / table["n"].where(table["n"] > 0)
    return table


# ---------------------------------------------------------------------------
# engagement
# ---------------------------------------------------------------------------

def chronic_absenteeism(enrollment: pd.DataFrame, by: Sequence[str] = (), grades: Sequence[int] | None = None) -> pd.DataFrame:
    """Percent of students enrolled 31 or more days who were absent on 10% or more of them.

    The Dashboard measure is grades K-8 (``grades=None``); other grades can be asked
    for and are labelled as not the Dashboard measure in the ``measure`` column.

    Returns
    -------
    DataFrame
        ``*by, n, value, measure``.

    Examples
    --------
    >>> from flp_inquiry.metrics import _example
    >>> _, enrollment = _example()
    >>> chronic_absenteeism(enrollment, by=["school_year"])
       school_year  n      value                measure
    0         2023  3  33.333333  Dashboard: grades K-8
    1         2024  6   0.000000  Dashboard: grades K-8
    """
    by = _check_by(by)
    require_columns(enrollment, ["days_enrolled", "days_absent"], "chronic_absenteeism")
    measured = CHRONIC_ABSENCE_GRADES if grades is None else tuple(int(g) for g in grades)
    students = _recent_absences.get_or_make([enrollment], measured, lambda: _counted_absences(enrollment, measured))
    table = _share(students, by, students["chronic"])
    if set(measured) == set(CHRONIC_ABSENCE_GRADES):
        table["measure"] = "Dashboard: grades K-8"
    else:
        table["measure"] = f"not the Dashboard measure: grades {', '.join(map(str, sorted(measured)))}"
    return table


def _counted_absences(enrollment: pd.DataFrame, measured: tuple[int, ...]) -> pd.DataFrame:
    """Students counted for chronic absence in ``measured`` grades (primary enrollment, days summed over
    their schools), each with ``chronic`` True or False.  Read it, never change it."""
    days = enrollment.groupby(["school_year", "student_key"], sort=False)[["days_enrolled", "days_absent"]].sum()
    students = primary_enrollment(enrollment).drop(columns=["days_enrolled", "days_absent"], errors="ignore")
    students = students.merge(days.reset_index(), on=["school_year", "student_key"])
    students = students[students["grade"].isin(measured) & (students["days_enrolled"] >= CHRONIC_ABSENCE_MIN_DAYS)]
    # absent * 10 >= enrolled avoids 0.1 * enrolled in binary floating point
    return students.assign(chronic=students["days_absent"].astype(float) * 10 >= students["days_enrolled"] - 1e-9)


# A notebook asks for chronic absence of the same students grouped in several ways.
_recent_absences = Recent(size=4)


# ---------------------------------------------------------------------------
# mathematics pathway, college and career
# ---------------------------------------------------------------------------

def algebra_by_grade(math_courses: pd.DataFrame, enrollment: pd.DataFrame, grade: int = 8,
                     by: Sequence[str] = ()) -> pd.DataFrame:
    """Percent of students in ``grade`` who completed Algebra 1 / Integrated 1 (or higher) with C or better.

    The cohort is the students in ``grade`` in a school year; their course rows of that
    year and every earlier one count (see the module notes for "or higher").

    Returns
    -------
    DataFrame
        ``*by, n, value``.

    Examples
    --------
    >>> from flp_inquiry.metrics import _example
    >>> _, enrollment = _example()
    >>> courses = pd.DataFrame({"school_year": [2023, 2024, 2024], "student_key": ["f:5", "f:6", "f:7"],
    ...     "course_level": ["algebra_1", "algebra_1", "grade_level"], "mark": ["C", "D", "A"]})
    >>> algebra_by_grade(courses, enrollment, grade=8, by=["school_year"])
       school_year  n      value
    0         2024  3  33.333333
    """
    by = _check_by(by)
    if grade not in range(6, 13):
        raise ParameterError("grade", grade, list(range(6, 13)))
    require_columns(math_courses, ["school_year", "student_key", "course_level", "mark"], "algebra_by_grade")
    students = primary_enrollment(enrollment)
    cohort = students[students["grade"] == grade]
    passed = math_courses[math_courses["course_level"].isin(ALGEBRA_OR_HIGHER)
                          & math_courses["mark"].isin(PASSING_MARKS)]
    passed = passed[["student_key", "school_year"]].rename(columns={"school_year": "passed_year"})
    matches = cohort[["school_year", "student_key"]].merge(passed, on="student_key")
    done = matches[matches["passed_year"] <= matches["school_year"]].drop_duplicates(["school_year", "student_key"])
    cohort = cohort.merge(done[["school_year", "student_key"]].assign(_done=True),
                          on=["school_year", "student_key"], how="left")
    return _share(cohort, by, cohort["_done"].fillna(False).astype(bool))


def d_or_f_rate(math_courses: pd.DataFrame, enrollment: pd.DataFrame, by: Sequence[str] = ()) -> pd.DataFrame:
    """Percent of marks given in each math course that were D or F.

    Returns
    -------
    DataFrame
        ``*by, course_level, course_title, n, value``: ``n`` marks given.

    Examples
    --------
    >>> from flp_inquiry.metrics import _example
    >>> _, enrollment = _example()
    >>> courses = pd.DataFrame({"school_year": [2024] * 3, "student_key": ["f:5", "f:6", "f:7"],
    ...     "course_level": ["algebra_1"] * 3, "course_title": ["ALGEBRA 1"] * 3, "mark": ["D", "B", None]})
    >>> d_or_f_rate(courses, enrollment)
      course_level course_title  n  value
    0    algebra_1    ALGEBRA 1  2   50.0
    """
    by = _check_by(by)
    require_columns(math_courses, ["school_year", "student_key", "course_level", "course_title", "mark"], "d_or_f_rate")
    marks = _attach_groups(math_courses[math_courses["mark"].notna()], enrollment, by)
    return _share(marks, [*by, "course_level", "course_title"], marks["mark"].isin(FAILING_MARKS))


def _cohort_groups(outcomes: pd.DataFrame, enrollment: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Outcome rows (``school_year`` = cohort year) with groups from the last primary enrollment up to it."""
    require_columns(outcomes, ["cohort_year", "student_key", "graduated", "ag_met"], "cohort metrics")
    cohort = outcomes.assign(school_year=outcomes["cohort_year"])
    wanted = [g for g in by if g != "school_year"]
    students = primary_enrollment(enrollment)[["school_year", "student_key", *wanted]]
    students = students.rename(columns={"school_year": "enrolled_year"})
    matches = cohort[["school_year", "student_key"]].merge(students, on="student_key")
    last = (matches[matches["enrolled_year"] <= matches["school_year"]]
            .sort_values("enrolled_year").drop_duplicates(["school_year", "student_key"], keep="last"))
    return cohort.merge(last.drop(columns="enrolled_year"), on=["school_year", "student_key"], how="left")


def graduation_rate(outcomes: pd.DataFrame, enrollment: pd.DataFrame, by: Sequence[str] = ()) -> pd.DataFrame:
    """Four-year graduation rate: graduates / students in the cohort (``school_year`` = cohort year).

    Returns
    -------
    DataFrame
        ``*by, n, value``: ``n`` students in the cohort.

    Examples
    --------
    >>> from flp_inquiry.metrics import _example
    >>> _, enrollment = _example()
    >>> outcomes = pd.DataFrame({"cohort_year": [2024] * 3, "student_key": ["f:1", "f:2", "f:9"],
    ...     "graduated": [True, False, True], "ag_met": [True, False, False]})
    >>> graduation_rate(outcomes, enrollment, by=["school"])
      school  n  value
    0      A  2   50.0
    1    NaN  1  100.0
    """
    by = _check_by(by)
    cohort = _cohort_groups(outcomes, enrollment, by)
    return _share(cohort, by, cohort["graduated"].astype(bool))


def a_g_completion_rate(outcomes: pd.DataFrame, enrollment: pd.DataFrame, by: Sequence[str] = ()) -> pd.DataFrame:
    """Percent of a cohort's graduates who completed the UC/CSU a-g requirements.

    Returns
    -------
    DataFrame
        ``*by, n, value``: ``n`` graduates.

    Examples
    --------
    >>> from flp_inquiry.metrics import _example
    >>> _, enrollment = _example()
    >>> outcomes = pd.DataFrame({"cohort_year": [2024] * 3, "student_key": ["f:1", "f:2", "f:9"],
    ...     "graduated": [True, False, True], "ag_met": [True, False, False]})
    >>> a_g_completion_rate(outcomes, enrollment)
       n  value
    0  2   50.0
    """
    by = _check_by(by)
    cohort = _cohort_groups(outcomes, enrollment, by)
    graduates = cohort[cohort["graduated"].astype(bool)]
    return _share(graduates, by, graduates["ag_met"].astype(bool))


# ---------------------------------------------------------------------------
# one metric, by name, from the harmonised data (the CLI's entry point)
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class _MetricSpec:
    tables: tuple[str, ...]
    years_back: int | None  # school years before ``year`` to load; None = all
    compute: Callable[..., pd.DataFrame]  # (data, year, subject, by) -> table with school_year
    needs_subject: bool = False
    change: bool = False


def _yearly(function: Callable[..., pd.DataFrame]) -> Callable[..., pd.DataFrame]:
    return lambda data, year, subject, by: function(data, subject, [*by, "school_year"])


METRICS: dict[str, _MetricSpec] = {
    "percent_met": _MetricSpec(("assessments", "enrollment"), 0, _yearly(
        lambda d, s, by: percent_met(d.assessments, d.enrollment, s, by)), needs_subject=True),
    "participation": _MetricSpec(("assessments", "enrollment"), 0, _yearly(
        lambda d, s, by: participation_rate(d.assessments, d.enrollment, s, by)), needs_subject=True),
    "dfs": _MetricSpec(("assessments", "enrollment"), 1,
                       lambda d, y, s, by: distance_from_standard_change(d.assessments, d.enrollment, s, y, by),
                       needs_subject=True, change=True),
    "elpi": _MetricSpec(("assessments", "enrollment"), 2, lambda d, y, s, by: _elpi_with_change(d, y, by),
                        change=True),
    "reclassification": _MetricSpec(("enrollment",), 0, _yearly(lambda d, s, by: reclassification_rate(d.enrollment, by))),
    "ltel": _MetricSpec(("enrollment",), 0, _yearly(lambda d, s, by: long_term_english_learners(d.enrollment, by))),
    "chronic_absence": _MetricSpec(("enrollment",), 0, _yearly(lambda d, s, by: chronic_absenteeism(d.enrollment, by))),
    "algebra_by_8": _MetricSpec(("math_courses", "enrollment"), None, _yearly(
        lambda d, s, by: algebra_by_grade(d.math_courses, d.enrollment, 8, by))),
    "algebra_by_9": _MetricSpec(("math_courses", "enrollment"), None, _yearly(
        lambda d, s, by: algebra_by_grade(d.math_courses, d.enrollment, 9, by))),
    "df_rate": _MetricSpec(("math_courses", "enrollment"), 0, _yearly(
        lambda d, s, by: d_or_f_rate(d.math_courses, d.enrollment, by))),
    "grad_rate": _MetricSpec(("outcomes", "enrollment"), None, _yearly(
        lambda d, s, by: graduation_rate(d.outcomes, d.enrollment, by))),
    "ag_rate": _MetricSpec(("outcomes", "enrollment"), None, _yearly(
        lambda d, s, by: a_g_completion_rate(d.outcomes, d.enrollment, by))),
}


def _elpi_with_change(data, year: int, by: list[str]) -> pd.DataFrame:
    keys = [g for g in by if g != "school_year"]
    table = english_learner_progress(data.assessments, data.enrollment, by=[*keys, "school_year"])
    table = add_change(table.drop(columns="status_level"), year, keys)
    table = dashboard_levels(table, "elpi", change="change")
    return table[[*by, "n", "value", "status_level", "prior_n", "prior_value", "change", "change_level"]]


#: Columns after ``n`` that describe the measure rather than a group's figures: never hidden.
_LABEL_COLUMNS = ("measure",)


def metric_table(metric: str, district: str, year: int, subject: str | None = None, by: Sequence[str] = (),
                 data: Path = Path("build/harmonised"), suppressed: bool = True) -> pd.DataFrame:
    """One metric for one district and school year, from the harmonised tables.

    Parameters
    ----------
    metric : str
        One of :data:`METRICS`: ``percent_met``, ``participation``, ``dfs``, ``elpi``,
        ``reclassification``, ``ltel``, ``chronic_absence``, ``algebra_by_8``,
        ``algebra_by_9``, ``df_rate``, ``grad_rate``, ``ag_rate``.
    district : str
        A harmonised district (``fresno``, ``long_beach``).
    year : int
        School year (the year it ends; the cohort year for ``grad_rate``/``ag_rate``).
    subject : {"ela", "math"}, optional
        Needed by ``percent_met``, ``participation`` and ``dfs``.
    by : sequence of str
        Groupings.
    data : Path
        Folder of harmonised districts.
    suppressed : bool
        Small cells hidden (default); ``False`` only for the district's own use.

    Returns
    -------
    DataFrame
        One column per grouping, then ``n``, ``value``, then the metric's own columns
        (and ``caution`` when suppressed).

    Examples
    --------
    >>> metric_table("percent_mett", "fresno", 2024)
    Traceback (most recent call last):
    ...
    flp_inquiry.errors.ParameterError: metric = 'percent_mett' is not allowed. Allowed values: percent_met, participation, dfs, elpi, reclassification, ltel, chronic_absence, algebra_by_8, algebra_by_9, df_rate, grad_rate, ag_rate
    """
    from flp_inquiry.store import load_district

    if metric not in METRICS:
        raise ParameterError("metric", metric, list(METRICS))
    spec = METRICS[metric]
    if spec.needs_subject:
        subject = _check_subject(subject)
    by = _check_by(by)
    year = int(year)
    years = None if spec.years_back is None else list(range(year - spec.years_back, year + 1))
    loaded = load_district(district, Path(data), tables=list(spec.tables), years=years)
    table = spec.compute(loaded, year, subject, by)
    if not spec.change:
        table = table[table["school_year"] == year]
        table = table[[*by, *[c for c in table.columns if c not in (*by, "school_year")]]]
    table = table.reset_index(drop=True)
    if not suppressed:
        return table
    if spec.change:
        table = suppress_small_cells(table, n="prior_n", caution_n=None,
                                     values=[c for c in ("prior_value", "change", "change_level", "colour", "colour_name")
                                             if c in table])
    after_n = [c for c in table.columns[table.columns.get_loc("n") + 1:] if c not in _LABEL_COLUMNS]
    return suppress_small_cells(table, values=after_n)


def _example() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Tiny canonical tables for the docstring examples (two schools, 2023 and 2024)."""
    def student(year, key, school, grade, el="EO", start=None, rfep=None, enrolled=180, absent=0.0):
        return {"district": "fresno", "school_year": year, "student_key": key, "school_cds": "10621660000001",
                "school_name": school, "grade": grade, "gender": "F", "ethnicity": "HI", "el_status": el,
                "el_start_date": pd.Timestamp(start) if start else pd.NaT,
                "rfep_date": pd.Timestamp(rfep) if rfep else pd.NaT, "sed": True, "swd": False,
                "days_enrolled": enrolled, "days_absent": absent, "primary": True}
    enrollment = pd.DataFrame([
        student(2023, "f:1", "A", 3, "EL", "2018-08-20", absent=18.0),
        student(2023, "f:2", "A", 4, "EL", "2019-08-20", rfep="2023-03-01"),
        student(2023, "f:5", "B", 7),
        student(2024, "f:1", "A", 4, "EL", "2018-08-20"),
        student(2024, "f:2", "A", 5, "RFEP", "2019-08-20", rfep="2023-03-01"),
        student(2024, "f:3", "B", 5, "EL", "2020-06-01"),
        student(2024, "f:4", "B", 11),
        student(2024, "f:5", "B", 8),
        student(2024, "f:6", "B", 8),
        student(2024, "f:7", "B", 8),
    ])
    rows = [  # year, key, test, grade tested, score, level
        (2023, "f:1", "elpac", 3, 1470, 2), (2024, "f:1", "elpac", 4, 1500, 3),
        (2023, "f:3", "elpac", 4, 1560, 4), (2024, "f:3", "elpac", 5, 1565, 4),
        (2023, "f:1", "ela", 3, 2472, 3),
        (2024, "f:1", "ela", 4, 2518, 3), (2024, "f:2", "ela", 5, 2457, 2),
        (2024, "f:3", "ela", 5, 2470, 2), (2024, "f:4", "ela", 11, None, None),
    ]
    assessments = pd.DataFrame(rows, columns=["school_year", "student_key", "test", "grade_tested", "scale_score", "level"])
    assessments = assessments.astype({"scale_score": "Int64", "level": "Int64"}).assign(
        district="fresno", tested=lambda t: t["level"].notna())
    return assessments, enrollment
