"""Is a pattern more than chance? Wilson intervals, gaps between groups, and funnel limits.

The metric functions of :mod:`flp_inquiry.measures.metrics` say *what* a number is; the
functions here (and in :mod:`flp_inquiry.inquiry.cohorts` and
:mod:`flp_inquiry.inquiry.decomposition`) help a data team ask *why*:

- :func:`wilson_interval` and :func:`group_gaps`: is the gap between two groups
  bigger than chance would make it?
- :func:`funnel_limits` and :func:`funnel_curve`: is a school's rate outside
  what its size alone would explain?  :func:`mean_funnel_limits` and
  :func:`mean_funnel_curve` ask the same of a mean (distance from standard).

Units
-----
Rates are **percentages 0-100**, as the metric functions report them; intervals,
gaps and funnel limits come back in the same units (percentage points).  Group
shares in :func:`decompose_change` and :func:`contributions_to_gap` are fractions
0-1.  Every function takes the metric tables' ``n`` (students) and ``value``
(rate or mean) columns by default; other names can be passed.

The tables returned are **not suppressed**: pass them through
:func:`flp_inquiry.measures.suppression.suppress_small_cells` before a principal sees them.
"""
from __future__ import annotations

from statistics import NormalDist
from typing import Hashable, Iterable, Sequence

import numpy as np
import pandas as pd

from flp_inquiry.errors import ParameterError
from flp_inquiry.measures.suppression import require_columns

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
        standard_error = np.sqrt(proportion * (1 - proportion) / counts.where(counts > 0)) * 100
    return _bounds(overall, standard_error, levels, clip=(0, 100))


def _mean_funnel_bounds(overall: float, sd: float, counts: pd.Series, levels: list[float]) -> dict[str, pd.Series]:
    """Lower and upper limits per level for a mean ``overall`` of students' figures with standard deviation ``sd``."""
    with np.errstate(divide="ignore", invalid="ignore"):
        standard_error = sd / np.sqrt(counts.where(counts > 0))
    return _bounds(overall, standard_error, levels, clip=None)


def _bounds(overall: float, standard_error: pd.Series, levels: list[float],
            clip: tuple[float, float] | None) -> dict[str, pd.Series]:
    bounds = {}
    for level in levels:
        half_width = _z(level) * standard_error
        low, high = overall - half_width, overall + half_width
        if clip is not None:
            low, high = low.clip(*clip), high.clip(*clip)
        bounds[f"lower_{_level_name(level)}"], bounds[f"upper_{_level_name(level)}"] = low, high
    return bounds


def _with_zones(table: pd.DataFrame, counts: pd.Series, values: pd.Series, overall: float,
                bounds: dict[str, pd.Series], levels: list[float]) -> pd.DataFrame:
    """``table`` with ``overall``, the limits and ``funnel_zone`` (where each value falls; NA where n is 0)."""
    names = [f"{level * 100:g}%" for level in levels]
    zones = [f"inside {names[0]}"] + [f"between {a} and {b}" for a, b in zip(names, names[1:])] + [f"outside {names[-1]}"]
    # how many of the limits (inner to outer) the value is outside of: 0 = inside the inner one
    outside_count = sum(
        ((values < bounds[f"lower_{_level_name(level)}"]) | (values > bounds[f"upper_{_level_name(level)}"])).astype(int)
        for level in levels
    )
    zone = pd.Series(pd.Categorical.from_codes(outside_count.to_numpy(), categories=zones), index=table.index)
    return table.assign(overall=overall, **bounds, funnel_zone=zone.where(counts > 0))


def _weighted_mean(counts: pd.Series, values: pd.Series, what: str) -> float:
    if counts.sum() <= 0:
        raise ParameterError("table", "no students", reason=f"no students to work out the overall {what} from")
    return float((counts * values).sum() / counts.sum())


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
    overall = _check_overall(_weighted_mean(counts, rates, "rate") if overall is None else overall)
    return _with_zones(table, counts, rates, overall, _funnel_bounds(overall, counts, levels), levels)


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


def _check_sd(sd: float) -> float:
    sd = float(sd)
    if not np.isfinite(sd) or sd <= 0:
        raise ParameterError("sd", sd, reason="the standard deviation of students' own figures, more than 0")
    return sd


def mean_funnel_limits(
    table: pd.DataFrame, sd: float, n: str = "n", value: str = "value", overall: float | None = None,
    levels: Sequence[float] = (0.95, 0.998),
) -> pd.DataFrame:
    """Funnel-plot control limits for each unit's mean (e.g. distance from standard), and where it falls.

    Around the overall mean m, the limits for a unit of n students are m +/- z x sd / sqrt(n),
    where sd is the standard deviation of students' own figures (each student's scale score minus
    the standard) across all the units: the spread of a mean of n students drawn from them.  Not
    clipped (a mean has no bounds).  :func:`funnel_limits` is the same for a rate.

    Parameters
    ----------
    table : DataFrame
        One row per unit (school, group), with ``n`` and ``value`` (a mean).
    sd : float
        The standard deviation of the students' figures, in the value's units (points).
    n, value : str
        Names of the count and mean columns.
    overall : float, optional
        The mean the units are held against; default the ``n``-weighted mean of ``value``.
    levels : sequence of float, default (0.95, 0.998)
        Coverages of the limits, inner to outer.

    Returns
    -------
    DataFrame
        The input columns plus ``overall``, ``lower_<level>``/``upper_<level>`` and ``funnel_zone``,
        as :func:`funnel_limits` gives them.

    Examples
    --------
    Around -50 points with students spread sd = 80 points, a school of 64 students has a standard
    error of 80 / sqrt(64) = 10 points: 95% limits -50 +/- 1.96 x 10 = -69.6 to -30.4, 99.8% limits
    -50 +/- 3.09 x 10 = -80.9 to -19.1.  A school at -45 is inside 95%, one at -25 between the two,
    one at -90 outside 99.8%.

    >>> t = pd.DataFrame({"school": ["A", "B", "C"], "n": [64, 64, 64], "value": [-45.0, -25.0, -90.0]})
    >>> limits = mean_funnel_limits(t, sd=80, overall=-50)
    >>> limits[["school", "lower_95", "upper_95", "lower_99_8", "upper_99_8", "funnel_zone"]].round(1)
      school  lower_95  upper_95  lower_99_8  upper_99_8            funnel_zone
    0      A     -69.6     -30.4       -80.9       -19.1             inside 95%
    1      B     -69.6     -30.4       -80.9       -19.1  between 95% and 99.8%
    2      C     -69.6     -30.4       -80.9       -19.1          outside 99.8%
    """
    require_columns(table, [n, value], "mean_funnel_limits")
    levels, sd = _check_levels(levels), _check_sd(sd)
    counts, means = _numbers(table, n, "mean_funnel_limits"), _numbers(table, value, "mean_funnel_limits")
    overall = _weighted_mean(counts, means, "mean") if overall is None else float(overall)
    return _with_zones(table, counts, means, overall, _mean_funnel_bounds(overall, sd, counts, levels), levels)


def mean_funnel_curve(
    overall: float, sd: float, n_max: int, levels: Sequence[float] = (0.95, 0.998), *, n_min: int = 1,
    points: int = 200,
) -> pd.DataFrame:
    """Points for drawing a mean's funnel limits (:func:`mean_funnel_limits`) from ``n_min`` to ``n_max`` students.

    The same columns as :func:`funnel_curve` (``n, overall, lower_<level>, upper_<level>``), for
    :func:`flp_inquiry.inquiry.charts.funnel_chart`.

    Examples
    --------
    Around -50 points with sd 80: for 4 students 80 / 2 = 40, -50 +/- 1.96 x 40 = -128.4 to 28.4;
    for 64, -69.6 to -30.4 as above.

    >>> mean_funnel_curve(-50, 80, 64, levels=(0.95,), n_min=4, points=2).round(1)
        n  overall  lower_95  upper_95
    0   4    -50.0    -128.4      28.4
    1  64    -50.0     -69.6     -30.4
    """
    levels, sd = _check_levels(levels), _check_sd(sd)
    if not 1 <= n_min <= n_max or points < 2:
        raise ParameterError("n_max", n_max, reason="need 1 <= n_min <= n_max and at least 2 points")
    counts = pd.Series(np.unique(np.round(np.geomspace(n_min, n_max, points)).astype(int)), name="n")
    return pd.DataFrame({"n": counts, "overall": float(overall),
                         **_mean_funnel_bounds(float(overall), sd, counts.astype(float), levels)})
