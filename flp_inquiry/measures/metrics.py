"""The state's metric definitions (``specs/metrics.md``) over the canonical tables.

Every metric is a pure function: canonical tables in, one tidy row per group out,
with the grouping columns first, then ``n`` (the denominator: students, or marks
for the D/F rate) and ``value`` (a percentage 0-100 as a float; Distance from
Standard in scale-score points), then any metric-specific columns.  Results are
**not suppressed**; :func:`metric_table` (and the CLI) pass them through
:func:`flp_inquiry.measures.suppression.suppress_small_cells`.

Groupings (``by``): ``school``, ``grade``, ``el_status``, ``ethnicity``, ``sed``,
``swd``, ``gender``, ``school_year``, ``years_as_el``, ``dashboard_group``.  They come from
the student's *primary* enrollment row of the same school year (``school`` is its
``school_name``); a test or course row of a student with no primary enrollment that year is
left out.  ``dashboard_group`` is the Dashboard's student groups, a student counted once in
each (:mod:`flp_inquiry.measures.dashboard_groups`); its EL group is the Dashboard's (for ELA
and mathematics with students reclassified within four years), not ``el_status``'s EL.
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
- **Growth** (:mod:`flp_inquiry.measures.growth`): residual gains against a line fitted on
  the whole district's students of each year, grade and subject, averaged by ``by`` and
  pulled toward the mean; grades 4-8 and grade 11 (three years since grade 8) are separate
  rows (``growth_span``).  Three years before ``year`` are loaded, for grade 11's prior
  scores; suppressed by :func:`flp_inquiry.measures.growth.suppress_growth`.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import pandas as pd

from flp_inquiry.errors import ParameterError
from flp_inquiry.measures.assessment import (
    add_change,
    distance_from_standard,
    distance_from_standard_change,
    participation_rate,
    percent_met,
)
from flp_inquiry.measures.dashboard import dashboard_levels
from flp_inquiry.measures.english_learners import (
    english_learner_progress,
    long_term_english_learners,
    reclassification_rate,
)
from flp_inquiry.measures.growth import growth, suppress_growth
from flp_inquiry.measures.outcomes import (
    a_g_completion_rate,
    algebra_by_grade,
    chronic_absenteeism,
    d_or_f_rate,
    graduation_rate,
)
from flp_inquiry.measures.students import _check_by, _check_subject
from flp_inquiry.measures.suppression import suppress_small_cells

# ---------------------------------------------------------------------------
# one metric, by name, from the harmonised data (the CLI's entry point)
# ---------------------------------------------------------------------------

#: Every metric function by name: what a notebook's ``Inquiry.metric`` asks for.  Growth is not one:
#: its line is fitted on the whole district, never on a school's rows (``Inquiry.growth``).
FUNCTIONS: dict[str, Callable[..., pd.DataFrame]] = {function.__name__: function for function in (
    percent_met, participation_rate, distance_from_standard, distance_from_standard_change,
    english_learner_progress, reclassification_rate, long_term_english_learners, chronic_absenteeism,
    algebra_by_grade, d_or_f_rate, graduation_rate, a_g_completion_rate,
)}


@dataclass(frozen=True)
class _MetricSpec:
    tables: tuple[str, ...]
    years_back: int | None  # school years before ``year`` to load; None = all
    compute: Callable[..., pd.DataFrame]  # (data, year, subject, by) -> table with school_year
    needs_subject: bool = False
    change: bool = False
    suppress: Callable[[pd.DataFrame], pd.DataFrame] | None = None  # instead of every column after n hidden


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
    "growth": _MetricSpec(("assessments", "enrollment"), 3, lambda d, y, s, by: _growth_of_year(d, y, s, by),
                          needs_subject=True, suppress=suppress_growth),
}


def _growth_of_year(data, year: int, subject: str, by: list[str]) -> pd.DataFrame:
    """Growth of ``year`` alone, fitted on the whole district that year.

    ``data`` must be a whole district's tables, never a school's students' rows
    (``Inquiry.scoped_data``): the line would be fitted on that school alone.  A notebook
    asks ``Inquiry.growth``.  Only that year's enrollment is passed: a growth score counts where its own year's primary
    enrollment is, and the prior scores need none, so the figures are the same as from every
    year's rows, for a quarter of the work of finding primary enrollments.
    """
    enrollment = data.enrollment[data.enrollment["school_year"] == year]
    return growth(data.assessments, enrollment, subject, [*by, "school_year"]).drop(columns="subject")


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
        ``algebra_by_9``, ``df_rate``, ``grad_rate``, ``ag_rate``, ``growth``.
    district : str
        A harmonised district (``fresno``, ``long_beach``).
    year : int
        School year (the year it ends; the cohort year for ``grad_rate``/``ag_rate``).
    subject : {"ela", "math"}, optional
        Needed by ``percent_met``, ``participation``, ``dfs`` and ``growth``.
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
    flp_inquiry.errors.ParameterError: metric = 'percent_mett' is not allowed. Allowed values: percent_met, participation, dfs, elpi, reclassification, ltel, chronic_absence, algebra_by_8, algebra_by_9, df_rate, grad_rate, ag_rate, growth
    """
    from flp_inquiry.ingest.store import load_district

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
    if spec.suppress is not None:
        return spec.suppress(table)
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
