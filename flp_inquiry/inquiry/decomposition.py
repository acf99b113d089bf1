"""Where a change or a gap comes from: composition against performance, and contributions.

- :func:`decompose_change`: did the overall rate move because of who is enrolled
  (composition) or how each group does (performance)?
- :func:`contributions_to_gap`: which schools (or groups) make up most of the district's gap?

Rates are percentages 0-100; group shares are fractions 0-1.  The tables returned are
**not suppressed**: pass them through :func:`flp_inquiry.measures.suppression.suppress_small_cells`.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from flp_inquiry.errors import ParameterError
from flp_inquiry.inquiry.intervals import TOTAL_LABEL, _numbers, _unique_rows
from flp_inquiry.measures.suppression import require_columns

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
