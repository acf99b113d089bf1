"""Root-cause tools for collective inquiry: is a pattern real, and where does it come from?

The metric functions of :mod:`flp_inquiry.metrics` say *what* a number is; the
functions here help a data team ask *why*:

- :func:`wilson_interval` and :func:`group_gaps`: is the gap between two groups
  bigger than chance would make it?
- :func:`matched_cohort_growth`: did the same students grow, rather than a
  different cohort arriving?
- :func:`decompose_change`: did the overall rate move because of who is
  enrolled (composition) or how each group does (performance)?
- :func:`contributions_to_gap`: which schools (or groups) make up most of the
  district's gap?
- :func:`funnel_limits` and :func:`funnel_curve`: is a school's rate outside
  what its size alone would explain?

Units
-----
Rates are **percentages 0-100**, as the metric functions report them; intervals,
gaps and funnel limits come back in the same units (percentage points).  Group
shares in :func:`decompose_change` and :func:`contributions_to_gap` are fractions
0-1.  Every function takes the metric tables' ``n`` (students) and ``value``
(rate or mean) columns by default; other names can be passed.

The tables returned are **not suppressed**: pass them through
:func:`flp_inquiry.suppression.suppress_small_cells` before a principal sees them.
"""
from __future__ import annotations

from statistics import NormalDist
from typing import Hashable, Iterable, Sequence

import numpy as np
import pandas as pd

from flp_inquiry.errors import ParameterError
from flp_inquiry.metrics import GROUPINGS, SUBJECTS, distance_to_level3, primary_enrollment
# the metrics' rule for "tested with a score" (subject, tested grade, score present), reused not restated
from flp_inquiry.metrics import scored_results
from flp_inquiry.suppression import require_columns

#: Label of the summary row of :func:`decompose_change`.
TOTAL_LABEL = "Total"


# ---------------------------------------------------------------------------
# argument checks
# ---------------------------------------------------------------------------

def _as_list(columns: str | Iterable[str]) -> list[str]:
    return [columns] if isinstance(columns, str) else list(columns)


def _numbers(table: pd.DataFrame, column: str, function: str) -> pd.Series:
    """``table[column]`` as floats; a suppressed (``*``) or other non-number cell is refused."""
    numbers = pd.to_numeric(table[column], errors="coerce").astype(float)
    bad = numbers.isna() & table[column].notna()
    if bad.any():
        raise ParameterError(
            column, table.loc[bad, column].iloc[0],
            reason=f"{function} needs numbers in column {column}; run it on the unsuppressed "
                   "table and suppress its result instead",
        )
    return numbers


def _unique_rows(table: pd.DataFrame, keys: list[str], name: str) -> None:
    duplicated = table.duplicated(keys, keep=False)
    if duplicated.any():
        first = table.loc[duplicated, keys].iloc[0].to_dict()
        raise ParameterError(name, first, reason=f"more than one row for {first}; one row per {', '.join(keys)} is needed")


def _z(confidence: float) -> float:
    """The two-sided normal quantile for ``confidence`` (1.959964 for 0.95)."""
    if not 0 < confidence < 1:
        raise ParameterError("confidence", confidence, reason="must be between 0 and 1, e.g. 0.95")
    return NormalDist().inv_cdf(0.5 + confidence / 2)


# ---------------------------------------------------------------------------
# intervals and gaps
# ---------------------------------------------------------------------------

def wilson_interval(successes, n, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for a proportion, in **percent** (0-100).

    Vectorised: ``successes`` and ``n`` may be numbers, arrays or Series of the
    same length.  ``successes`` may be fractional (a rate times its ``n``).
    Where ``n`` is 0 both ends are NaN.

    Parameters
    ----------
    successes : array-like
        Students with the outcome (for example met or exceeded the standard).
    n : array-like
        Students counted.
    confidence : float, default 0.95
        Coverage of the interval.

    Returns
    -------
    (low, high) : tuple of numpy.ndarray
        Ends of the interval in percent, the units of the metrics' ``value``.

    Examples
    --------
    8 of 10: 80% with a 95% interval of about 49.0% to 94.3%.

    >>> low, high = wilson_interval(8, 10)
    >>> round(float(low), 2), round(float(high), 2)
    (49.02, 94.33)
    >>> low, high = wilson_interval([0, 10], [10, 10])
    >>> low.round(2).tolist(), high.round(2).tolist()
    ([0.0, 72.25], [27.75, 100.0])
    """
    z = _z(confidence)
    successes = np.asarray(successes, dtype=float)
    n = np.asarray(n, dtype=float)
    if np.any(n < 0) or np.any(successes < 0) or np.any(successes > n):
        raise ParameterError("successes", "out of range", reason="need 0 <= successes <= n")
    with np.errstate(divide="ignore", invalid="ignore"):
        share = successes / n
        denominator = 1 + z**2 / n
        centre = (share + z**2 / (2 * n)) / denominator
        half_width = z * np.sqrt(share * (1 - share) / n + z**2 / (4 * n**2)) / denominator
    low = np.where(n > 0, np.clip(centre - half_width, 0, 1) * 100, np.nan)
    high = np.where(n > 0, np.clip(centre + half_width, 0, 1) * 100, np.nan)
    return low, high


def group_gaps(
    table: pd.DataFrame, group_col: str, reference: Hashable, focus: Hashable | Sequence[Hashable] | None = None,
    by: str | Sequence[str] = (), *, n: str = "n", value: str = "value", confidence: float = 0.95,
) -> pd.DataFrame:
    """The gap between each group's rate and a reference group's, with Wilson intervals.

    ``table`` is a metric table (one row per group, and per ``by`` cell), such
    as ``percent_met(..., by=["school", "el_status"])``, with rates in percent.

    Parameters
    ----------
    table : DataFrame
        Columns ``by``, ``group_col``, ``n`` and ``value`` (percent 0-100).
    group_col : str
        The grouping compared, e.g. ``"el_status"`` or ``"sed"``.
    reference : value of ``group_col``
        The group every other is compared with (``"EO"``, ``False``).
    focus : value or list of values, optional
        The groups to compare; default every group except the reference.
    by : str or list of str
        Cells within which groups are compared (e.g. ``"school"``); a cell
        without the reference group gets NaN for the reference and the gap.
    n, value : str
        Names of the count and rate columns.
    confidence : float, default 0.95
        Coverage of the Wilson intervals.

    Returns
    -------
    DataFrame
        ``*by, group_col, n, value, interval_low, interval_high, reference_group,
        reference_n, reference_value, reference_interval_low,
        reference_interval_high, gap, intervals_overlap``; ``gap`` = value -
        reference_value in percentage points.  ``intervals_overlap`` False means
        the two intervals do not overlap (a gap unlikely to be chance).

    Examples
    --------
    20% of 20 ELs (interval 8.1% to 41.6%) against 60% of 40 EOs (44.6% to 73.7%):

    >>> t = pd.DataFrame({"el_status": ["EL", "EO"], "n": [20, 40], "value": [20.0, 60.0]})
    >>> gaps = group_gaps(t, "el_status", reference="EO")
    >>> gaps[["el_status", "value", "reference_value", "gap", "intervals_overlap"]]
      el_status  value  reference_value   gap  intervals_overlap
    0        EL   20.0             60.0 -40.0              False
    """
    by = _as_list(by)
    require_columns(table, [*by, group_col, n, value], "group_gaps")
    counts, rates = _numbers(table, n, "group_gaps"), _numbers(table, value, "group_gaps")
    if ((rates < 0) | (rates > 100)).any():
        raise ParameterError(value, rates[(rates < 0) | (rates > 100)].iloc[0],
                             reason="group_gaps compares rates in percent (0-100); a mean has no Wilson interval")
    _unique_rows(table, [*by, group_col], "table")
    groups = table[group_col]
    if not (groups == reference).any():
        raise ParameterError("reference", reference, allowed=groups.drop_duplicates().tolist(),
                             reason=f"no {group_col} group of that value in the table")
    if focus is None:
        focus_rows = groups != reference
    else:
        wanted = _as_list(focus) if isinstance(focus, (str, list, tuple)) else [focus]
        absent = [f for f in wanted if not (groups == f).any()]
        if absent:
            raise ParameterError("focus", absent[0], allowed=groups.drop_duplicates().tolist(),
                                 reason=f"no {group_col} group of that value in the table")
        focus_rows = groups.isin(wanted) & (groups != reference)

    low, high = wilson_interval(rates * counts / 100, counts, confidence)
    rated = table[[*by, group_col]].assign(
        n=counts, value=rates, interval_low=low, interval_high=high,
    ).rename(columns={"n": n, "value": value})
    compared = rated.loc[focus_rows]
    reference_rows = rated.loc[groups == reference].drop(columns=group_col).rename(columns={
        n: "reference_n", value: "reference_value",
        "interval_low": "reference_interval_low", "interval_high": "reference_interval_high",
    })
    if by:
        gaps = compared.merge(reference_rows, on=by, how="left", validate="many_to_one")
    else:
        gaps = compared.merge(reference_rows, how="cross")
    gaps.insert(gaps.columns.get_loc("reference_n"), "reference_group", reference)
    gaps["gap"] = gaps[value] - gaps["reference_value"]
    overlap = (gaps["interval_low"] <= gaps["reference_interval_high"]) & (
        gaps["reference_interval_low"] <= gaps["interval_high"])
    gaps["intervals_overlap"] = overlap.astype("boolean").mask(gaps["reference_value"].isna())
    return gaps.reset_index(drop=True)


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
    (:func:`flp_inquiry.metrics.level3_minimums`); met = level 3 or 4.

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
        Groupings of :data:`flp_inquiry.metrics.GROUPINGS` except ``school_year``.
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
        dfs_from, dfs_to, dfs_change, percent_met_from, percent_met_to,
        percent_met_change``; ``n`` matched students, DFS in points, percent met
        0-100, changes = to - from.  Not suppressed: pass every column after
        ``n`` as ``values`` to :func:`flp_inquiry.suppression.suppress_small_cells`.

    Examples
    --------
    ELA: f:1 scored 2472 in grade 3 (minimum 2432: +40, met) and 2518 in grade 4
    (minimum 2473: +45, met); f:3 had no grade 4 score in 2023, so is not matched.

    >>> from flp_inquiry.metrics import _example
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
    for name in by:
        if name not in GROUPINGS or name == "school_year":
            raise ParameterError("by", name, [g for g in GROUPINGS if g != "school_year"])
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
    aggregations = {"n": ("student_key", "size")}
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
    order = [*by, "n", "mean_scale_score_from", "mean_scale_score_to", "scale_score_change",
             "dfs_from", "dfs_to", "dfs_change", "percent_met_from", "percent_met_to", "percent_met_change"]
    return growth[order]


# ---------------------------------------------------------------------------
# composition and contributions
# ---------------------------------------------------------------------------

def decompose_change(
    before: pd.DataFrame, after: pd.DataFrame, group_col: str, n: str = "n", value: str = "value",
) -> pd.DataFrame:
    """Split the change of an overall rate into composition and performance (Kitagawa / Das Gupta).

    The overall rate is the ``n``-weighted mean of the group rates, R = sum of
    share_g x value_g.  Its change from ``before`` to ``after`` (two years, or
    two districts) splits exactly, symmetrically, into

    - composition_g = (after_share_g - before_share_g) x (before_value_g + after_value_g) / 2
      (who is enrolled), and
    - performance_g = (after_value_g - before_value_g) x (before_share_g + after_share_g) / 2
      (how each group does),

    so that the sum of both over the groups is the total change.

    A group present on one side only has share 0 on the other; its rate there
    is taken to equal its rate on the side where it exists, so all of its
    effect is composition (performance 0).

    Parameters
    ----------
    before, after : DataFrame
        One row per group: ``group_col``, ``n``, ``value`` (rate or mean).
    group_col : str
        The grouping, e.g. ``"el_status"`` or ``"school"``.
    n, value : str
        Names of the count and value columns.

    Returns
    -------
    DataFrame
        One row per group and a last row labelled ``"Total"``:
        ``group_col, before_n, after_n, before_share, after_share,
        before_value, after_value, composition, performance, change``
        (shares 0-1; the others in the units of ``value``;
        ``change`` = composition + performance).

    Examples
    --------
    EL 40 students at 20% then 60 at 30%; EO 60 at 50% then 40 at 55%: the overall
    rate rises from 38% to 40%, though both groups gained more than that.

    >>> before = pd.DataFrame({"el_status": ["EL", "EO"], "n": [40, 60], "value": [20.0, 50.0]})
    >>> after = pd.DataFrame({"el_status": ["EL", "EO"], "n": [60, 40], "value": [30.0, 55.0]})
    >>> decompose_change(before, after, "el_status")[["el_status", "composition", "performance", "change"]]
      el_status  composition  performance  change
    0        EL          5.0          5.0    10.0
    1        EO        -10.5          2.5    -8.0
    2     Total         -5.5          7.5     2.0
    """
    sides = {}
    for side, table in (("before", before), ("after", after)):
        require_columns(table, [group_col, n, value], "decompose_change")
        _unique_rows(table, [group_col], side)
        counts, values = _numbers(table, n, "decompose_change"), _numbers(table, value, "decompose_change")
        if counts.sum() <= 0:
            raise ParameterError(side, "no students", reason="the table has no students to weigh the groups by")
        if (values.isna() & (counts > 0)).any():
            raise ParameterError(value, "missing", reason=f"a group with students has no {value} in {side}")
        sides[side] = pd.DataFrame({group_col: table[group_col], f"{side}_n": counts, f"{side}_value": values})

    both = sides["before"].merge(sides["after"], on=group_col, how="outer", sort=False)
    both[["before_n", "after_n"]] = both[["before_n", "after_n"]].fillna(0)
    both = both.loc[(both["before_n"] > 0) | (both["after_n"] > 0)].reset_index(drop=True)
    # a group on one side only: its rate on the other side is taken as the same (see docstring)
    both["before_value"] = both["before_value"].where(both["before_n"] > 0, both["after_value"])
    both["after_value"] = both["after_value"].where(both["after_n"] > 0, both["before_value"])
    both["before_share"] = both["before_n"] / both["before_n"].sum()
    both["after_share"] = both["after_n"] / both["after_n"].sum()
    both["composition"] = (both["after_share"] - both["before_share"]) * (both["before_value"] + both["after_value"]) / 2
    both["performance"] = (both["after_value"] - both["before_value"]) * (both["before_share"] + both["after_share"]) / 2
    both["change"] = both["composition"] + both["performance"]

    total = {
        group_col: TOTAL_LABEL,
        "before_n": both["before_n"].sum(), "after_n": both["after_n"].sum(),
        "before_share": 1.0, "after_share": 1.0,
        "before_value": (both["before_share"] * both["before_value"]).sum(),
        "after_value": (both["after_share"] * both["after_value"]).sum(),
        "composition": both["composition"].sum(), "performance": both["performance"].sum(),
        "change": both["change"].sum(),
    }
    columns = [group_col, "before_n", "after_n", "before_share", "after_share",
               "before_value", "after_value", "composition", "performance", "change"]
    groups = both[columns].astype({group_col: object})
    result = pd.concat([groups, pd.DataFrame([total], columns=columns)], ignore_index=True)
    return result.astype({"before_n": "int64", "after_n": "int64"})


def contributions_to_gap(
    table: pd.DataFrame, unit_col: str, n: str = "n", value: str = "value", reference_value: float | None = None,
) -> pd.DataFrame:
    """Which schools (or groups) make up the district's gap from a reference value.

    The district value is the ``n``-weighted mean of the units' values, so its
    gap from ``reference_value`` is the sum over units of
    contribution_i = share_i x (value_i - reference_value), share_i = n_i / N.
    A large school a little below the reference can contribute more than a
    small school far below it.

    Parameters
    ----------
    table : DataFrame
        One row per unit: ``unit_col``, ``n``, ``value``.
    unit_col : str
        The units, e.g. ``"school"``.
    n, value : str
        Names of the count and value columns.
    reference_value : float, optional
        What the district is compared with: the state rate, a target, the
        other district.  Default 0, which suits values that are already gaps
        (e.g. the ``gap`` of :func:`group_gaps`) or distances from standard (DFS).

    Returns
    -------
    DataFrame
        ``unit_col, n, value, share, difference, contribution, percent_of_total``
        sorted from the largest part of the total down; ``difference`` =
        value - reference_value, ``contribution`` sums to (district value -
        reference_value), ``percent_of_total`` sums to 100 (NaN if the total is 0).

    Examples
    --------
    School A: 100 students at 30%, school B: 300 at 40%; district 37.5%, 22.5 points
    under a target of 60%.  B contributes 0.75 x (40 - 60) = -15 points, two thirds.

    >>> t = pd.DataFrame({"school": ["A", "B"], "n": [100, 300], "value": [30.0, 40.0]})
    >>> contributions_to_gap(t, "school", reference_value=60)
      school    n  value  share  difference  contribution  percent_of_total
    0      B  300   40.0   0.75       -20.0         -15.0         66.666667
    1      A  100   30.0   0.25       -30.0          -7.5         33.333333
    """
    require_columns(table, [unit_col, n, value], "contributions_to_gap")
    _unique_rows(table, [unit_col], "table")
    counts, values = _numbers(table, n, "contributions_to_gap"), _numbers(table, value, "contributions_to_gap")
    if counts.sum() <= 0:
        raise ParameterError("table", "no students", reason="the table has no students to weigh the units by")
    reference_value = 0.0 if reference_value is None else float(reference_value)
    result = pd.DataFrame({unit_col: table[unit_col], n: table[n], value: values})
    result["share"] = counts / counts.sum()
    result["difference"] = values - reference_value
    result["contribution"] = result["share"] * result["difference"]
    total = result["contribution"].sum()
    result["percent_of_total"] = 100 * result["contribution"] / total if total != 0 else np.nan
    return result.sort_values("percent_of_total", ascending=False, kind="stable").reset_index(drop=True)


# ---------------------------------------------------------------------------
# funnel plots
# ---------------------------------------------------------------------------

def _level_name(level: float) -> str:
    """``0.95`` -> ``"95"``, ``0.998`` -> ``"99_8"`` (for column names)."""
    return f"{level * 100:g}".replace(".", "_")


def _check_levels(levels: Sequence[float]) -> list[float]:
    levels = sorted(float(level) for level in levels)
    if not levels or any(not 0 < level < 1 for level in levels) or len(set(levels)) != len(levels):
        raise ParameterError("levels", levels, reason="need distinct coverages between 0 and 1, e.g. (0.95, 0.998)")
    return levels


def _funnel_bounds(overall: float, counts: pd.Series, levels: list[float]) -> dict[str, pd.Series]:
    """Lower and upper limits (percent, clipped 0-100) per level for a binomial rate ``overall``."""
    proportion = overall / 100
    with np.errstate(divide="ignore", invalid="ignore"):
        standard_error = np.sqrt(proportion * (1 - proportion) / counts.where(counts > 0))
    bounds = {}
    for level in levels:
        half_width = _z(level) * standard_error * 100
        bounds[f"lower_{_level_name(level)}"] = (overall - half_width).clip(0, 100)
        bounds[f"upper_{_level_name(level)}"] = (overall + half_width).clip(0, 100)
    return bounds


def _check_overall(overall: float) -> float:
    overall = float(overall)
    if not 0 <= overall <= 100:
        raise ParameterError("overall", overall, reason="a rate in percent, 0-100")
    return overall


def funnel_limits(
    table: pd.DataFrame, n: str = "n", value: str = "value", overall: float | None = None,
    levels: Sequence[float] = (0.95, 0.998),
) -> pd.DataFrame:
    """Funnel-plot control limits for each unit's rate, and where the unit falls.

    Around the overall rate p (percent), the limits for a unit of n students
    are p +/- z x sqrt(p (1 - p) / n) (the normal approximation to the
    binomial), clipped to 0-100.  A small school's limits are wide: its bad year
    may be chance, not a cause to look for.

    Parameters
    ----------
    table : DataFrame
        One row per unit (school, group), with ``n`` and ``value`` (percent).
    n, value : str
        Names of the count and rate columns.
    overall : float, optional
        The rate the units are held against (percent); default the
        ``n``-weighted mean of ``value`` (the district rate).
    levels : sequence of float, default (0.95, 0.998)
        Coverages of the limits, inner to outer.

    Returns
    -------
    DataFrame
        The input columns plus ``overall``, ``lower_<level>``/``upper_<level>``
        for each level (``lower_95``, ``upper_95``, ``lower_99_8``,
        ``upper_99_8``) and ``funnel_zone``: ``"inside 95%"``, ``"between 95%
        and 99.8%"`` or ``"outside 99.8%"`` (a value exactly on a limit is
        inside it; NA where ``n`` is 0).

    Examples
    --------
    Around 50% a school of 100 students has 95% limits 50 +/- 1.96 x 5 = 40.2 to 59.8
    and 99.8% limits 50 +/- 3.09 x 5 = 34.5 to 65.5.

    >>> t = pd.DataFrame({"school": ["A", "B", "C"], "n": [100, 100, 100], "value": [55.0, 62.0, 70.0]})
    >>> limits = funnel_limits(t, overall=50)
    >>> limits[["school", "lower_95", "upper_95", "funnel_zone"]].round(1)
      school  lower_95  upper_95            funnel_zone
    0      A      40.2      59.8             inside 95%
    1      B      40.2      59.8  between 95% and 99.8%
    2      C      40.2      59.8          outside 99.8%
    """
    require_columns(table, [n, value], "funnel_limits")
    levels = _check_levels(levels)
    counts, rates = _numbers(table, n, "funnel_limits"), _numbers(table, value, "funnel_limits")
    if overall is None:
        if counts.sum() <= 0:
            raise ParameterError("table", "no students", reason="no students to work out the overall rate from")
        overall = float((counts * rates).sum() / counts.sum())
    overall = _check_overall(overall)
    bounds = _funnel_bounds(overall, counts, levels)
    names = [f"{level * 100:g}%" for level in levels]
    zones = [f"inside {names[0]}"] + [f"between {a} and {b}" for a, b in zip(names, names[1:])] + [f"outside {names[-1]}"]
    # how many of the limits (inner to outer) the rate is outside of: 0 = inside the inner one
    outside_count = sum(
        ((rates < bounds[f"lower_{_level_name(level)}"]) | (rates > bounds[f"upper_{_level_name(level)}"])).astype(int)
        for level in levels
    )
    zone = pd.Series(pd.Categorical.from_codes(outside_count.to_numpy(), categories=zones), index=table.index)
    return table.assign(overall=overall, **bounds, funnel_zone=zone.where(counts > 0))


def funnel_curve(
    overall: float, n_max: int, levels: Sequence[float] = (0.95, 0.998), *, n_min: int = 1, points: int = 200,
) -> pd.DataFrame:
    """Points for drawing funnel limits around ``overall`` from ``n_min`` to ``n_max`` students.

    Parameters
    ----------
    overall : float
        The rate in percent the funnel is centred on.
    n_max : int
        The largest unit's n (the right end of the plot).
    levels : sequence of float, default (0.95, 0.998)
        Coverages of the limits, as in :func:`funnel_limits`.
    n_min : int, default 1
        The left end of the plot.
    points : int, default 200
        About how many n values (spaced evenly on a log scale, whole numbers,
        always including ``n_min`` and ``n_max``).

    Returns
    -------
    DataFrame
        ``n, overall, lower_<level>, upper_<level>`` for each level, one row per n.

    Examples
    --------
    >>> curve = funnel_curve(50, 100, levels=(0.95,), points=3)
    >>> curve.round(1)
         n  overall  lower_95  upper_95
    0    1     50.0       0.0     100.0
    1   10     50.0      19.0      81.0
    2  100     50.0      40.2      59.8
    """
    overall = _check_overall(overall)
    levels = _check_levels(levels)
    if not 1 <= n_min <= n_max or points < 2:
        raise ParameterError("n_max", n_max, reason="need 1 <= n_min <= n_max and at least 2 points")
    counts = pd.Series(np.unique(np.round(np.geomspace(n_min, n_max, points)).astype(int)), name="n")
    return pd.DataFrame({"n": counts, "overall": overall, **_funnel_bounds(overall, counts.astype(float), levels)})
