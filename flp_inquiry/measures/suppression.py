"""Small-cell rules: the one function every table shown to a principal goes through.

A count, percentage or mean for fewer than 11 students is never shown (the CAASPP
public files' rule); rates for fewer than 30 carry a caution.  See
:func:`suppress_small_cells` for the exact rule, including complementary suppression.
"""
from __future__ import annotations

from typing import Hashable, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from flp_inquiry.errors import ParameterError

HIDDEN = "*"
MIN_N = 11
CAUTION_N = 30
#: The attribute a reader table of overlapping groups carries (a student in several: the Dashboard's groups),
#: so that no check adds its rows up (:func:`flp_inquiry.measures.privacy.find_derivable_counts`).
OVERLAPPING_ATTRIBUTE, OVERLAPPING = "data-rows", "overlapping"


def require_columns(table: pd.DataFrame, columns: Iterable[str], function: str) -> None:
    """Raise a :class:`ParameterError` naming every column ``function`` needs that ``table`` lacks.

    >>> require_columns(pd.DataFrame({"n": [1]}), ["n", "value"], "percent_met")
    Traceback (most recent call last):
    ...
    flp_inquiry.errors.ParameterError: table = "<table with columns ['n']>" is not allowed: percent_met needs the column value, which the table does not have
    """
    missing = [c for c in dict.fromkeys(columns) if c not in table.columns]
    if missing:
        raise ParameterError(
            "table", f"<table with columns {list(table.columns)}>",
            reason=f"{function} needs the column{'s' if len(missing) > 1 else ''} "
                   f"{', '.join(missing)}, which the table does not have",
        )


def too_small(counts: pd.Series, min_n: int = MIN_N) -> np.ndarray:
    """Which counts are never shown: under ``min_n``, or missing (rule 1 of :func:`suppress_small_cells`).

    >>> too_small(pd.Series([10, 11, "*", None])).tolist()
    [True, False, True, True]
    """
    numbers = pd.to_numeric(counts, errors="coerce")
    return (numbers.isna() | (numbers < min_n)).to_numpy()


def _complementary_round(
    table: pd.DataFrame, hidden: np.ndarray, counts: pd.Series, column: str | None, total: Hashable, keys: list[str],
    *, total_elsewhere: bool = False,
) -> np.ndarray:
    """One pass along ``column``: hide a second cell where exactly one is hidden and the total shows.

    ``column=None``: the groups are the rows sharing ``keys``, and their totals are shown
    elsewhere (``total_elsewhere``), not in the table.
    """
    is_total = np.zeros(len(table), dtype=bool) if column is None else (table[column] == total).to_numpy()
    others = [k for k in keys if k != column]
    # one group = the cells sharing every other key; a constant key when there is none
    # (ngroup with dropna=False keeps rows whose keys are missing in a group of their own)
    group = table.groupby(others, dropna=False, sort=False).ngroup().to_numpy() if others else np.zeros(len(table))
    frame = pd.DataFrame({
        "group": group,
        "hidden_cell": hidden & ~is_total,
        "shown_total": ~hidden & is_total,
        "candidate": ~hidden & ~is_total,
        "n": counts.to_numpy(),
        "position": np.arange(len(table)),
    })
    per_group = frame.groupby("group", sort=False)[["hidden_cell", "shown_total"]].transform("sum")
    exposed = (per_group["hidden_cell"] == 1) & ((per_group["shown_total"] >= 1) | total_elsewhere)
    second = (
        frame[exposed & frame["candidate"]]
        .sort_values(["n", "position"], kind="stable")
        .drop_duplicates("group")["position"]
    )
    newly_hidden = hidden.copy()
    newly_hidden[second.to_numpy()] = True
    return newly_hidden


def suppress_small_cells(
    table: pd.DataFrame,
    n: str = "n",
    values: Sequence[str] = ("value",),
    min_n: int = MIN_N,
    caution_n: int | None = CAUTION_N,
    complementary: Mapping[str, Hashable] | None = None,
    keys: Sequence[str] | None = None,
    parts_of: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Hide figures for small groups and flag rates that need a caution.

    The rule, exactly:

    1. **Primary.** A row whose count ``n`` is under ``min_n`` (11), or missing, has
       ``n`` and every column in ``values`` written as the string ``"*"``.
    2. **Complementary** (only when ``complementary`` is given).  ``complementary``
       maps a key column to the label of its total row, e.g. ``{"el_status": "All"}``.
       For each such column, a *group* is the rows that agree on every other key
       column (``keys``).  Where exactly one non-total row of a group is hidden and the
       group's total row is shown, the shown non-total row with the smallest ``n``
       (the first such row on a tie) is hidden too, so the first cannot be found by
       subtracting the others from the total.  Passes repeat over every column until
       nothing changes, so hiding along rows can force hiding along columns.
       ``parts_of`` does the same for a group split into parts whose total the report
       shows elsewhere (chronically absent or not, beside the group's own figure; every
       student group, beside the figure for all students): the rows that agree on the
       ``parts_of`` columns are the parts of one total (``[]``: the whole table is).
    3. **Caution.** A boolean ``caution`` column is added: True where ``n`` is under
       ``caution_n`` (30), hidden or not, so a report can print a visible caution.
       ``caution_n=None`` adds no column.

    Parameters
    ----------
    table : DataFrame
        One row per cell, with its count.
    n : str
        The count column.
    values : sequence of str
        Columns hidden with the count (rates, means, levels, colours).
    min_n, caution_n : int
        Smallest count shown; smallest count shown without a caution.
    complementary : mapping of str to label, optional
        Key column -> label of its total row.
    keys : sequence of str, optional
        Columns that identify a cell; by default every column left of ``n``.
    parts_of : sequence of str, optional
        Columns naming a whole whose parts are the rows, its total shown elsewhere;
        ``[]`` when every row is a part of one whole.

    Returns
    -------
    DataFrame
        A copy; hidden columns become object columns holding ``"*"`` where hidden.

    Examples
    --------
    >>> t = pd.DataFrame({"school": ["A", "B", "C"], "n": [10, 11, 40], "value": [50.0, 45.5, 60.0]})
    >>> suppress_small_cells(t)
      school   n value  caution
    0      A   *     *     True
    1      B  11  45.5     True
    2      C  40  60.0    False

    One hidden group beside a shown total forces the next-smallest group out too:

    >>> t = pd.DataFrame({"el_status": ["EL", "RFEP", "EO", "All"], "n": [8, 20, 50, 78],
    ...                   "value": [10.0, 40.0, 60.0, 48.7]})
    >>> suppress_small_cells(t, complementary={"el_status": "All"})["value"].tolist()
    ['*', '*', 60.0, 48.7]

    A group split in two, its total shown elsewhere: a small half hides the other half too.

    >>> t = pd.DataFrame({"grade": [7, 7, 8, 8], "attendance": ["A", "B", "A", "B"], "n": [3, 20, 12, 11],
    ...                   "value": [-150.0, -90.0, -120.0, -100.0]})
    >>> suppress_small_cells(t, caution_n=None, parts_of=["grade"])["n"].tolist()
    ['*', '*', 12, 11]

    Every student group, the figure for all of them shown elsewhere (a report's common metrics):

    >>> t = pd.DataFrame({"el_status": ["EL", "EO", "RFEP", "TBD"], "n": [40, 300, 25, 1]})
    >>> suppress_small_cells(t, values=[], caution_n=None, parts_of=[])["n"].tolist()
    [40, 300, '*', '*']
    """
    value_columns = list(values)
    require_columns(table, [n, *value_columns], "suppress_small_cells")
    counts = pd.to_numeric(table[n], errors="coerce")
    hidden = too_small(counts, min_n)
    if complementary or parts_of is not None:
        if keys is None:
            keys = list(table.columns[: table.columns.get_loc(n)])
        key_columns = list(keys)
        require_columns(table, [*key_columns, *(complementary or {}), *(parts_of or [])], "suppress_small_cells")
        for _ in range(len(table) + 1):  # each pass hides at least one more cell, or stops
            if not hidden.any():
                break  # nothing hidden, nothing to work out
            before = hidden.copy()
            for column, total in (complementary or {}).items():
                hidden = _complementary_round(table, hidden, counts, column, total, key_columns)
            if parts_of is not None:
                hidden = _complementary_round(table, hidden, counts, None, None, list(parts_of), total_elsewhere=True)
            if (hidden == before).all():
                break
    result = table.copy()
    for column in [n, *value_columns]:
        result[column] = result[column].astype(object).where(~hidden, HIDDEN)
    if caution_n is not None:
        result["caution"] = (counts.isna() | (counts < caution_n)).to_numpy()
    return result
