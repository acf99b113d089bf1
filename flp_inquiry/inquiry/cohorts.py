"""Matched cohorts: did the same students grow, rather than a different cohort arriving?

The tables returned are **not suppressed**: pass them through
:func:`flp_inquiry.measures.suppression.suppress_small_cells` before a principal sees them.
"""
from __future__ import annotations

from statistics import NormalDist
from typing import Sequence

import numpy as np
import pandas as pd

from flp_inquiry.errors import ParameterError
from flp_inquiry.inquiry.intervals import _as_list
from flp_inquiry.measures.assessment import scored_results
from flp_inquiry.measures.reference import distance_to_level3
from flp_inquiry.measures.students import GROUPINGS, MULTI_GROUPINGS, SUBJECTS, primary_enrollment
from flp_inquiry.measures.suppression import require_columns
from flp_inquiry.memo import Recent

# ---------------------------------------------------------------------------
# matched cohorts
# ---------------------------------------------------------------------------

def matched_cohort_growth(
    assessments: pd.DataFrame, enrollment: pd.DataFrame, subject: str, from_year: int, to_year: int,
    by: str | Sequence[str] = (), groups_year: int | None = None, counted_at: str | None = None,
) -> pd.DataFrame:
    """Growth of the *same* students tested in ``from_year`` and again in ``to_year``.

    Comparing this year's grade 5 with last year's grade 5 compares two different
    cohorts; this follows each student instead.  A student is matched who has a
    Smarter Balanced score in ``subject`` in both years, in grade g and then in
    grade g + (to_year - from_year): students held back or skipped ahead are left
    out.  Distance from Standard uses each score's own grade minimum
    (:func:`flp_inquiry.measures.reference.level3_minimums`); met = level 3 or 4.

    Groups are fixed for the whole cohort: they come from each student's primary
    enrollment in ``groups_year`` (default ``from_year``), so a student
    reclassified in between stays in the EL group they started in.  Students with no
    primary enrollment that year are left out.

    Parameters
    ----------
    assessments, enrollment : DataFrame
        Canonical tables holding both years.
    subject : {"ela", "math"}
    from_year, to_year : int
        School years (the year each ends), ``from_year`` < ``to_year``.
    by : str or sequence of str
        Groupings of :data:`flp_inquiry.measures.students.GROUPINGS` except ``school_year`` and
        ``dashboard_group`` (several groups per student).
    groups_year : int, optional
        The year whose enrollment gives the groups (e.g. ``to_year`` to group by
        the school the students attend now).
    counted_at : str, optional
        Only the students whose primary enrollment in ``to_year`` is at this
        school, whatever school they were at before: a middle school's grade 6
        came from elementary schools last year.

    Returns
    -------
    DataFrame
        ``*by, n, mean_scale_score_from, mean_scale_score_to, scale_score_change,
        dfs_from, dfs_to, dfs_change, dfs_change_low, dfs_change_high, percent_met_from,
        percent_met_to, percent_met_change``; ``n`` matched students, DFS in points, percent met
        0-100, changes = to - from; ``dfs_change_low``/``high``: the 95% interval of the mean
        change (mean +/- 1.96 x the standard deviation of the students' changes / sqrt(n); none for one student).  Not suppressed: pass every column after
        ``n`` as ``values`` to :func:`flp_inquiry.measures.suppression.suppress_small_cells`.

    Examples
    --------
    ELA: f:1 scored 2472 in grade 3 (minimum 2432: +40, met) and 2518 in grade 4
    (minimum 2473: +45, met); f:3 had no grade 4 score in 2023, so is not matched.

    >>> from flp_inquiry.measures.metrics import _example
    >>> assessments, enrollment = _example()
    >>> growth = matched_cohort_growth(assessments, enrollment, "ela", 2023, 2024)
    >>> growth[["n", "dfs_from", "dfs_to", "dfs_change", "percent_met_change"]]
       n  dfs_from  dfs_to  dfs_change  percent_met_change
    0  1      40.0    45.0         5.0                 0.0

    f:1 is at school A in 2024, so A's students are followed; B's are not:

    >>> [int(matched_cohort_growth(assessments, enrollment, "ela", 2023, 2024, counted_at=school)["n"].iloc[0])
    ...  for school in ("A", "B")]
    [1, 0]
    """
    by = _as_list(by)
    key = ("matched", subject, int(from_year), int(to_year), tuple(by), groups_year, counted_at)
    # the explorer asks again at every redraw of the same scope (another group of the same grouping, say)
    return _recent_growth.get_or_make([assessments, enrollment], key, lambda: _matched_cohort_growth(
        assessments, enrollment, subject, from_year, to_year, by, groups_year, counted_at)).copy()


_recent_growth = Recent(size=32)


def _matched_cohort_growth(assessments: pd.DataFrame, enrollment: pd.DataFrame, subject: str, from_year: int,
                           to_year: int, by: list[str], groups_year: int | None, counted_at: str | None) -> pd.DataFrame:
    for name in by:
        if name not in GROUPINGS or name == "school_year" or name in MULTI_GROUPINGS:  # one group per student here
            raise ParameterError("by", name, [g for g in GROUPINGS if g != "school_year" and g not in MULTI_GROUPINGS])
    from_year, to_year = int(from_year), int(to_year)
    if to_year <= from_year:
        raise ParameterError("to_year", to_year, reason=f"must be after from_year ({from_year})")
    groups_year = from_year if groups_year is None else int(groups_year)
    if subject not in SUBJECTS:
        raise ParameterError("subject", subject, SUBJECTS)
    students = primary_enrollment(enrollment)
    require_columns(students, by, "matched_cohort_growth")
    scored = scored_results(assessments, subject)
    scored = scored[scored["school_year"].isin([from_year, to_year])]
    scored = scored.drop_duplicates(["school_year", "student_key"], keep="last")
    scored = scored.assign(
        scale_score=scored["scale_score"].astype(float),
        distance=distance_to_level3(scored, subject),
        met=(scored["level"].fillna(0) >= 3).astype(float) * 100,
    )
    measures = ["grade_tested", "scale_score", "distance", "met"]
    earlier = scored.loc[scored["school_year"] == from_year, ["student_key", *measures]]
    later = scored.loc[scored["school_year"] == to_year, ["student_key", *measures]]
    pairs = earlier.merge(later, on="student_key", suffixes=("_from", "_to"))
    pairs = pairs[pairs["grade_tested_to"] == pairs["grade_tested_from"] + (to_year - from_year)]
    if counted_at is not None:
        here = students.loc[(students["school_year"] == to_year) & (students["school"] == counted_at), "student_key"]
        pairs = pairs[pairs["student_key"].isin(here)]
    students = students.loc[students["school_year"] == groups_year, ["student_key", *by]]
    pairs = pairs.merge(students, on="student_key", how="inner")

    columns = {"mean_scale_score": "scale_score", "dfs": "distance", "percent_met": "met"}
    pairs = pairs.assign(distance_change=pairs["distance_to"] - pairs["distance_from"])
    aggregations = {"n": ("student_key", "size"), "_change_sd": ("distance_change", "std")}
    for name, source in columns.items():
        aggregations[f"{name}_from"] = (f"{source}_from", "mean")
        aggregations[f"{name}_to"] = (f"{source}_to", "mean")
    if by:
        growth = pairs.groupby(by, sort=True, dropna=False).agg(**aggregations).reset_index()
    else:
        growth = pairs.assign(_all=0).groupby("_all").agg(**aggregations).reset_index(drop=True)
        if growth.empty:
            growth = pd.DataFrame({"n": [0]}).assign(**{k: np.nan for k in list(aggregations)[1:]})
    for name, change in (("mean_scale_score", "scale_score_change"), ("dfs", "dfs_change"),
                         ("percent_met", "percent_met_change")):
        growth[change] = growth[f"{name}_to"] - growth[f"{name}_from"]
    growth["n"] = growth["n"].astype("int64")
    # the 95% interval of the students' mean change (a normal approximation: the change of each student, n of them)
    margin = NormalDist().inv_cdf(0.975) * growth.pop("_change_sd") / np.sqrt(growth["n"].where(growth["n"] > 1))
    growth["dfs_change_low"], growth["dfs_change_high"] = growth["dfs_change"] - margin, growth["dfs_change"] + margin
    order = [*by, "n", "mean_scale_score_from", "mean_scale_score_to", "scale_score_change",
             "dfs_from", "dfs_to", "dfs_change", "dfs_change_low", "dfs_change_high",
             "percent_met_from", "percent_met_to", "percent_met_change"]
    return growth[order]
