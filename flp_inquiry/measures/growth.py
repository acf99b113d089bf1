"""Growth beside status: how much students grew against similar students, by school and group.

Status (Distance from Standard) mixes whom a school serves with what it does for them; growth
asks how far each student moved from where they started.  This module follows the
residual-gain idea of California's Student Growth Model:

- :func:`growth_regressions`: the expected score of each grade, subject and year, a straight
  line in last year's ELA and math scores, fitted on the students in the tables passed in;
- :func:`residual_gains`: each student's actual score minus that expected score;
- :func:`flp_inquiry.measures.growth_averages.average_growth`: averages by school, grade and
  student group, pulled toward the mean in proportion to how little each average can be
  trusted (empirical Bayes), with the standard error of each, and no average for fewer than
  11 scores (its formulas are in that module);
- :func:`suppress_growth`: what a reader may see of such a table.

:func:`growth` does the first three for one subject; ``flp-inquiry metrics growth`` gives it
suppressed, and :meth:`flp_inquiry.inquiry.session.Inquiry.growth` for a notebook's scope.

Who is counted
--------------
A **growth score** needs, for school year *t* and subject *k*:

- grades 4-8 (``growth_span`` ``"4-8"``): a Smarter Balanced score in *k* in grade *g* in year
  *t*, and ELA **and** math scores in grade *g* - 1 in year *t* - 1 (a student held back or
  skipped ahead has no growth score);
- grade 11 (``growth_span`` ``"11"``): a score in *k* in grade 11 in year *t*, and ELA and math
  scores in grade 8 in year *t* - 3.  This is **three years of growth** (grades 9, 10 and 11),
  not one, and it is not a state figure: it is always its own row, never averaged with grades
  4-8 (:data:`GROWTH_SPAN_WORDS`);
- a primary enrollment in year *t* (its school and groups are the ones the score counts for,
  as for Distance from Standard).

A student with two scores in the same year and subject keeps the last one, as
:func:`flp_inquiry.inquiry.cohorts.matched_cohort_growth` does.

Formulas
--------
**Expected score.**  For each school year *t*, grade *g* and subject *k*, ordinary least
squares over the **fit population** *F(t, g, k)* = every student of the tables passed in who
has a growth score there (above); for a district's tables, every student of the district with
the three scores and a primary enrollment that year::

    y_i = b0 + b1 * ela_i + b2 * math_i + e_i

with ``y`` this year's score and ``ela``, ``math`` the prior scores.  Worked out from the
centred sums ``S_ab = sum_i (a_i - mean a)(b_i - mean b)``::

    [b1, b2] = solve([[S_ee, S_em], [S_em, S_mm]], [S_ey, S_my])
    b0       = mean y - b1 * mean ela - b2 * mean math

A fit needs more students than the line has coefficients (4 or more) and prior ELA and math
scores that are not on one straight line; otherwise its students have no expected score and
no growth score.  One line per school year as well as grade and subject: a year's test and
cohort shifts go into the line, not into every school's figure.

**Residual gain** of student *i*: ``r_i = y_i - (b0 + b1 * ela_i + b2 * math_i)``, in
scale-score points.  Over *F(t, g, k)* the residual gains add up to 0 (least squares with an
intercept), so **0 is the typical growth of the students in the data, and with the district's
tables a school's figure is relative to the district**, never to the state.

How this differs from the state's Student Growth Model
------------------------------------------------------
- **Fit population.**  The state fits each grade and subject's expected score on every
  student in California with the scores needed; here it is fitted on the students in the
  tables passed in (a district's).  The district's own average growth is therefore 0 by
  construction: the figures tell schools and groups apart *within* the district; they do not
  say whether the district grew more than the state, and Fresno's figures are not comparable
  with Long Beach's.  Pass one district's whole tables, never one school's rows (the line
  would be fitted on that school alone, and the school would be at 0).
- **Aggregation.**  The state combines a school's current- and prior-year average residual
  gains (EBLP); here one year, or the years passed pooled
  (:mod:`flp_inquiry.measures.growth_averages`).
- **Who counts.**  The state's rules for which students and scores count (its student
  set-up) are not reproduced; here every student with the three scores and a primary
  enrollment counts, at that enrollment's school.
- **Grades.**  The state measures grades 4-8; the grade 11 figure (from grade 8, three years)
  is this package's own and is labelled so.
- The same minimum holds: no average for fewer than 11 growth scores.

Reading the figures
-------------------
- Growth is against students **who scored the same last year**, in the same grade: a line
  fitted grade by grade cannot tell whether the district's elementary schools grow more than
  its middle schools, only how each school compares with the schools serving the same grades.
- Prior scores carry measurement error, so the line's slopes are under 1 and it expects low
  scorers to come back toward the mean.  A group that scores low every year (students with
  disabilities in the synthetic sample) then shows negative growth of a few points even where
  it grows like everyone else.  Group gaps in growth are read with that in mind.

The tables of :func:`growth` are **not suppressed**: pass them through
:func:`suppress_growth` before a principal sees them.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from flp_inquiry.measures.assessment import ASSESSMENT_COLUMNS, scored_results
from flp_inquiry.measures.growth_averages import AVERAGE_COLUMNS, average_growth
from flp_inquiry.measures.students import GROUPINGS, SUBJECTS, _check_subject, primary_enrollment
from flp_inquiry.measures.suppression import MIN_N, require_columns, suppress_small_cells
from flp_inquiry.memo import Recent

#: Each growth span: the grades it measures, and how many years back the prior scores are.
GROWTH_SPANS = {"4-8": {"grades": (4, 5, 6, 7, 8), "years_back": 1},
                "11": {"grades": (11,), "years_back": 3}}
#: What each growth span measures, in words a principal reads.
GROWTH_SPAN_WORDS = {"4-8": "grades 4-8, growth since last year",
                     "11": "grade 11, growth in the three years since grade 8 (not a state figure)"}
#: Students a fit needs: more than the line's three coefficients.
MIN_FIT_STUDENTS = 4

REGRESSION_COLUMNS = ["school_year", "subject", "grade_tested", "growth_span", "n", "intercept", "prior_ela",
                      "prior_math", "residual_sd", "r_squared"]
SCORE_COLUMNS = ["school_year", "student_key", "subject", "grade_tested", "growth_span", "prior_year", "prior_grade",
                 "prior_ela", "prior_math", "scale_score", "expected_score", "residual_gain"]
#: The figures of a growth table a reader sees: the others (the plain mean, the family's mean and
#: spreads) beside the estimate would let a reader work out the mean of a hidden group of the family.
SHOWN_COLUMNS = ["n", "value", "standard_error"]


# ---------------------------------------------------------------------------
# students with a growth score, and the expected score
# ---------------------------------------------------------------------------

def _scores_by_student_year(assessments: pd.DataFrame) -> tuple[pd.DataFrame, pd.Index]:
    """One row per student (an integer ``student``) and school year with a Smarter Balanced score: the
    grade tested and scale score in each subject (NaN where none); and the student keys, in code order."""
    keys = pd.Index(assessments["student_key"].drop_duplicates())
    wide = None
    for subject in SUBJECTS:
        scored = scored_results(assessments, subject)
        part = pd.DataFrame({"school_year": scored["school_year"].to_numpy(dtype="int64"),
                             "student": keys.get_indexer(scored["student_key"]),
                             f"{subject}_grade": scored["grade_tested"].to_numpy(dtype="int64"),
                             f"{subject}_score": scored["scale_score"].to_numpy(dtype="float64", na_value=np.nan)})
        part = part.drop_duplicates(["school_year", "student"], keep="last")  # the last score of a year counts
        wide = part if wide is None else wide.merge(part, on=["school_year", "student"], how="outer")
    return wide, keys


def _with_prior_scores(wide: pd.DataFrame, subject: str) -> pd.DataFrame:
    """The scores of ``subject`` in a growth span's grades that have both prior scores (see the module notes)."""
    current = wide.loc[wide[f"{subject}_score"].notna(),
                       ["school_year", "student", f"{subject}_grade", f"{subject}_score"]]
    current = current.rename(columns={f"{subject}_grade": "grade_tested", f"{subject}_score": "scale_score"})
    both = wide.dropna(subset=["ela_score", "math_score"])
    parts = []
    for span, rule in GROWTH_SPANS.items():
        here = current[current["grade_tested"].isin(rule["grades"])]
        prior = pd.DataFrame({
            "school_year": both["school_year"].to_numpy() + rule["years_back"],
            "student": both["student"].to_numpy(),
            "prior_year": both["school_year"].to_numpy(),
            "ela_grade": both["ela_grade"].to_numpy(), "math_grade": both["math_grade"].to_numpy(),
            "prior_ela": both["ela_score"].to_numpy(), "prior_math": both["math_score"].to_numpy(),
        })
        here = here.merge(prior, on=["school_year", "student"], how="inner")
        # the prior scores of the grade before (grades 4-8), or of grade 8 (grade 11): in both subjects
        expected_grade = here["grade_tested"] - 1 if span == "4-8" else pd.Series(8, index=here.index)
        on_track = (here["ela_grade"] == expected_grade) & (here["math_grade"] == expected_grade)
        here = here[on_track].assign(growth_span=span, prior_grade=expected_grade[on_track])
        parts.append(here.drop(columns=["ela_grade", "math_grade"]))
    scores = pd.concat(parts, ignore_index=True).assign(subject=subject)
    return scores.astype({"grade_tested": "int64", "prior_grade": "int64", "prior_year": "int64"})


def _growth_rows(assessments: pd.DataFrame, enrollment: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """Every growth score of both subjects, with its expected score, residual gain and the groupings of
    its primary enrollment; the fitted lines; and the groupings' names.

    Worked out once for a pair of tables (:class:`flp_inquiry.memo.Recent`): a report asks for growth
    in both subjects and by many groupings.  Students are matched by integer codes of
    ``student_key``, and text groupings are categorical: merges, filters and group-bys of text are
    several times slower.  Read it, never change it.
    """
    def make() -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
        require_columns(assessments, ASSESSMENT_COLUMNS, "growth")
        wide, keys = _scores_by_student_year(assessments)
        scores = pd.concat([_with_prior_scores(wide, subject) for subject in SUBJECTS], ignore_index=True)
        scores = scores.sort_values(["subject", "school_year", "grade_tested"], kind="stable", ignore_index=True)
        students = primary_enrollment(enrollment)
        groupings = [g for g in GROUPINGS if g in students and g != "school_year"]
        student = keys.get_indexer(students["student_key"])
        tested = student >= 0  # (a student never tested has no growth score)
        groups = students.loc[tested, ["school_year", *groupings]].assign(student=student[tested])
        text = [g for g in groupings
                if not (pd.api.types.is_numeric_dtype(groups[g]) or pd.api.types.is_bool_dtype(groups[g]))]
        groups = groups.astype({g: "category" for g in text})
        scores = scores.merge(groups, on=["school_year", "student"], how="inner")  # (keeps the order of scores)
        lines, expected = _fit_lines(scores)
        scores = scores.assign(student_key=keys.take(scores["student"].to_numpy()).to_numpy(),
                               expected_score=expected, residual_gain=scores["scale_score"].to_numpy() - expected)
        return scores[scores["residual_gain"].notna()], lines, groupings

    return _recent_rows.get_or_make([assessments, enrollment], "growth rows", make)


_recent_rows = Recent(size=2)


def _fit_lines(scores: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """Least squares of ``scale_score`` on ``prior_ela`` and ``prior_math`` per subject, school year and grade.

    Returns the coefficients (one row per fit, :data:`REGRESSION_COLUMNS`) and each row's expected
    score (NaN where its fit could not be made).  All fits at once, from group sums.
    """
    keys = ["subject", "school_year", "grade_tested"]
    fit = scores.groupby(keys, sort=True).ngroup().to_numpy()
    count = np.bincount(fit) if len(fit) else np.zeros(0, dtype=int)
    x1, x2, y = (scores[c].to_numpy(dtype="float64") for c in ("prior_ela", "prior_math", "scale_score"))

    def group_sum(values: np.ndarray) -> np.ndarray:
        return np.bincount(fit, weights=values, minlength=len(count))

    with np.errstate(invalid="ignore", divide="ignore"):
        means = [group_sum(v) / count for v in (x1, x2, y)]
        d1, d2, dy = (v - m[fit] for v, m in zip((x1, x2, y), means))
        s11, s12, s22 = group_sum(d1 * d1), group_sum(d1 * d2), group_sum(d2 * d2)
        s1y, s2y, syy = group_sum(d1 * dy), group_sum(d2 * dy), group_sum(dy * dy)
        determinant = s11 * s22 - s12 * s12
        # collinear priors: the determinant is (nearly) 0 against the size of the sums
        usable = (count >= MIN_FIT_STUDENTS) & (np.abs(determinant) > 1e-9 * np.maximum(s11 * s22, 1e-300))
        b1 = np.where(usable, (s22 * s1y - s12 * s2y) / determinant, np.nan)
        b2 = np.where(usable, (s11 * s2y - s12 * s1y) / determinant, np.nan)
        b0 = means[2] - b1 * means[0] - b2 * means[1]
        residual_ss = syy - b1 * s1y - b2 * s2y
        residual_sd = np.sqrt(np.maximum(residual_ss, 0) / (count - 3))
        r_squared = np.where(syy > 0, 1 - residual_ss / syy, np.nan)
    expected = b0[fit] + b1[fit] * x1 + b2[fit] * x2
    first = scores.groupby(keys, sort=True)[["growth_span"]].first().reset_index()
    lines = first.assign(n=count.astype("int64"), intercept=b0, prior_ela=b1, prior_math=b2,
                         residual_sd=np.where(usable, residual_sd, np.nan),
                         r_squared=np.where(usable, r_squared, np.nan))
    return lines, expected


def growth_regressions(assessments: pd.DataFrame, enrollment: pd.DataFrame, subject: str) -> pd.DataFrame:
    """The expected-score line of each school year and grade tested in ``subject``, and whom it was fitted on.

    Parameters
    ----------
    assessments, enrollment : DataFrame
        Canonical tables of one whole district (see the module notes: never one school's rows).
    subject : {"ela", "math"}

    Returns
    -------
    DataFrame
        ``school_year, subject, grade_tested, growth_span, n, intercept, prior_ela, prior_math,
        residual_sd, r_squared``: ``n`` students fitted on (every student with a growth score
        there), the line's coefficients (expected = intercept + prior_ela x last year's ELA score
        + prior_math x last year's math score), the residual standard deviation (points, ``n`` - 3
        degrees of freedom) and the share of variance explained.

    Examples
    --------
    Ten students, grade 5 ELA from grade 4 (see :func:`_example`): the line is
    660 + 0.5 x ELA + 0.25 x math.

    >>> assessments, enrollment = _example()
    >>> line = growth_regressions(assessments, enrollment, "ela")
    >>> line[["school_year", "grade_tested", "n", "intercept", "prior_ela", "prior_math"]].round(6)
       school_year  grade_tested   n  intercept  prior_ela  prior_math
    0         2024             5  10      660.0        0.5        0.25
    """
    subject = _check_subject(subject)
    _, lines, _ = _growth_rows(assessments, enrollment)
    return lines[lines["subject"] == subject][REGRESSION_COLUMNS].reset_index(drop=True)


def residual_gains(assessments: pd.DataFrame, enrollment: pd.DataFrame, subject: str) -> pd.DataFrame:
    """Each student's growth score in ``subject``: this year's score minus the score expected from last year's.

    Parameters
    ----------
    assessments, enrollment : DataFrame
        Canonical tables of one whole district (the expected score is fitted on them).
    subject : {"ela", "math"}

    Returns
    -------
    DataFrame
        One row per growth score: ``school_year, student_key, subject, grade_tested, growth_span,
        prior_year, prior_grade, prior_ela, prior_math, scale_score, expected_score,
        residual_gain``, then the groupings of the student's primary enrollment that year
        (``school``, ``grade``, ``el_status``, ...; text ones categorical, which
        :func:`average_growth` groups several times faster).  Student rows: never shown to a
        principal; :func:`average_growth` makes the tables that are.

    Examples
    --------
    Student f:01: grade 4 ELA 2430 and math 2480 in 2023 (20 below and 20 above the ten
    students' means of 2450 and 2460), so expected 2500 + 0.5 x -20 + 0.25 x 20 = 2495 in
    grade 5; scored 2500, a residual gain of +5 points.

    >>> assessments, enrollment = _example()
    >>> gains = residual_gains(assessments, enrollment, "ela")
    >>> gains[["student_key", "scale_score", "expected_score", "residual_gain"]].head(2).round(6)
      student_key  scale_score  expected_score  residual_gain
    0        f:01       2500.0          2495.0            5.0
    1        f:02       2480.0          2485.0           -5.0
    """
    subject = _check_subject(subject)
    scores, _, groupings = _growth_rows(assessments, enrollment)
    return scores.loc[scores["subject"] == subject, [*SCORE_COLUMNS, *groupings]].reset_index(drop=True)


def growth(assessments: pd.DataFrame, enrollment: pd.DataFrame, subject: str, by: Sequence[str] | str = (),
           toward: Sequence[str] | str | None = None) -> pd.DataFrame:
    """Average growth in ``subject`` by ``by``: :func:`residual_gains` then :func:`average_growth`.

    Parameters
    ----------
    assessments, enrollment : DataFrame
        Canonical tables of one whole district.
    subject : {"ela", "math"}
    by, toward : sequence of str
        As :func:`flp_inquiry.measures.growth_averages.average_growth`.

    Returns
    -------
    DataFrame
        As :func:`flp_inquiry.measures.growth_averages.average_growth`.  Not suppressed.

    Examples
    --------
    The ten students of :func:`_example` are under 11: a count, no average.

    >>> assessments, enrollment = _example()
    >>> growth(assessments, enrollment, "ela", by=["school_year"])[["school_year", "growth_span", "n", "value"]]
       school_year growth_span   n  value
    0         2024         4-8  10    NaN
    """
    return average_growth(residual_gains(assessments, enrollment, subject), by=by, toward=toward)


def suppress_growth(table: pd.DataFrame, min_n: int = MIN_N) -> pd.DataFrame:
    """What a reader may see of a growth table: each unit's ``n``, ``value`` and ``standard_error``, small ones hidden.

    The rule: a unit of fewer than ``min_n`` (11) growth scores has ``n``, ``value`` and
    ``standard_error`` written ``*``; ``caution`` marks units under 30.  Only those figures are
    kept (:data:`SHOWN_COLUMNS`): the plain mean, the reliability and the family's mean and
    spreads beside an estimate would let a reader work out the plain mean of a hidden unit of the
    same family.  A table without ``school`` holds plain averages that add up, with their counts,
    to 0 in each school year, grade and span (the line's residuals do, by construction): the rows
    that share those are parts of a known total, so one hidden row hides another
    (:func:`flp_inquiry.measures.suppression.suppress_small_cells`, ``parts_of``).

    Parameters
    ----------
    table : DataFrame
        As :func:`growth` returns it (its keys, then :data:`flp_inquiry.measures.growth_averages.AVERAGE_COLUMNS`).
    min_n : int
        Smallest count shown.

    Returns
    -------
    DataFrame
        The keys, then ``n, value, standard_error, caution``.

    Examples
    --------
    >>> table = pd.DataFrame({"el_status": ["EL", "EO", "RFEP"], "growth_span": "4-8", "n": [40, 300, 6],
    ...                       "value": [-4.0, 1.0, -30.0], "standard_error": [5.0, 2.0, 14.0]})
    >>> suppress_growth(table)  # the 6 RFEP students, and the smallest other group with them
      el_status growth_span    n value standard_error  caution
    0        EL         4-8    *     *              *    False
    1        EO         4-8  300   1.0            2.0    False
    2      RFEP         4-8    *     *              *     True
    """
    require_columns(table, SHOWN_COLUMNS, "suppress_growth")
    keys = [c for c in table.columns if c not in AVERAGE_COLUMNS]
    shown = table[[*keys, *SHOWN_COLUMNS]]
    plain = "school" not in keys
    parts = [c for c in ("school_year", "grade", "subject", "growth_span") if c in keys] if plain else None
    return suppress_small_cells(shown, values=["value", "standard_error"], min_n=min_n, keys=keys, parts_of=parts)


def _example() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Ten students tested in grade 4 (2023) and grade 5 (2024), made so the least-squares line is easy by hand.

    Prior ELA = 2450 + e and math = 2460 + m with e = -20, -20, -10, -10, 0, 0, 10, 10, 20, 20 and
    m = 20, -20, 20, -20, 0, 0, -20, 20, -20, 20: both add up to 0 and e . m = 0, so the line's
    slopes are e . y / e . e and m . y / m . m.  Grade 5 ELA = 2500 + 0.5 e + 0.25 m + r with
    residuals r = 5, -5, -5, 5, 10, -10, 5, -5, -5, 5 (adding up to 0, r . e = 0, r . m = 0): the
    line is 2500 + 0.5 (ELA - 2450) + 0.25 (math - 2460) = 660 + 0.5 ELA + 0.25 math and the
    residual gains are r.  Students f:01-f:05 are at school A, f:06-f:10 at B.
    """
    ela_offsets = [-20, -20, -10, -10, 0, 0, 10, 10, 20, 20]
    math_offsets = [20, -20, 20, -20, 0, 0, -20, 20, -20, 20]
    residuals = [5, -5, -5, 5, 10, -10, 5, -5, -5, 5]
    rows, students = [], []
    for number, (e, m, r) in enumerate(zip(ela_offsets, math_offsets, residuals), start=1):
        key = f"f:{number:02d}"
        grade_5 = 2500 + e // 2 + m // 4 + r
        rows += [(2023, key, "ela", 4, 2450 + e), (2023, key, "math", 4, 2460 + m), (2024, key, "ela", 5, grade_5)]
        for year, grade in ((2023, 4), (2024, 5)):
            students.append({"district": "fresno", "school_year": year, "student_key": key,
                             "school_cds": "10621660000001", "school_name": "A" if number <= 5 else "B",
                             "grade": grade, "gender": "F", "ethnicity": "HI", "el_status": "EO",
                             "el_start_date": pd.NaT, "rfep_date": pd.NaT, "sed": True, "swd": False,
                             "days_enrolled": 180, "days_absent": 0.0, "primary": True})
    assessments = pd.DataFrame(rows, columns=["school_year", "student_key", "test", "grade_tested", "scale_score"])
    assessments = assessments.assign(district="fresno", tested=True,
                                     scale_score=assessments["scale_score"].astype("Int64"),
                                     level=pd.array([2] * len(assessments), dtype="Int64"))
    return assessments, pd.DataFrame(students)
