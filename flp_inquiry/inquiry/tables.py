"""Tables a principal reads: small cells hidden, groups in words, plain headings, nothing shown empty.

Every table a notebook shows goes through :func:`reader_table`, and so through
:func:`flp_inquiry.measures.suppression.suppress_small_cells`.  A table without rows
(:class:`ReaderTable`) shows nothing; the sentence a notebook writes beside it says why.
"""
from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
import pandas as pd
from pandas.io.formats.style import Styler

from flp_inquiry.inquiry import labels
from flp_inquiry.inquiry.prose import paragraph
from flp_inquiry.measures.dashboard import round_half_away
from flp_inquiry.measures.suppression import CAUTION_N, HIDDEN, suppress_small_cells

# ---------------------------------------------------------------------------
# tables a principal reads
# ---------------------------------------------------------------------------

CAUTION_NOTE = "fewer than 30 students: read with caution"


def _group_words(column: str, values: pd.Series) -> pd.Series:
    """Group codes in words (``EL`` -> ``English learners``); labels such as ``Total`` stay as they are."""
    def word(value):
        try:
            return labels.group_label(column, value)
        except (TypeError, ValueError):
            return str(value)
    return values.map(word)


def _rounded(values: pd.Series, decimals: int = 1) -> pd.Series:
    """Numbers rounded as the Dashboard publishes them; ``*`` and text kept.

    >>> _rounded(pd.Series([-0.04, 2.25, "*"])).tolist()
    [0.0, 2.3, '*']
    """
    numbers = pd.to_numeric(values, errors="coerce")
    # (+ 0.0 turns a rounded -0.0 into 0.0: "-0.0" would read as a fall)
    rounded = pd.Series(round_half_away(numbers, decimals) + 0.0, index=values.index)
    return rounded.astype(object).where(numbers.notna(), values)


def _numbers_or_hidden(values: pd.Series) -> bool:
    """Whether a column holds only numbers and ``*`` (a table hidden before: :func:`flp_inquiry.inquiry.findings.as_shown`).

    >>> _numbers_or_hidden(pd.Series([-127.25, "*", None], dtype=object)), _numbers_or_hidden(pd.Series(["A", 1.0]))
    (True, False)
    """
    present = values.dropna()
    present = present[present.astype(str) != HIDDEN]
    return len(present) > 0 and bool(present.map(lambda v: isinstance(v, (int, float, np.number))
                                                  and not isinstance(v, bool)).all())


class ReaderTable(Styler):
    """A table for a reader (a pandas ``Styler``), shown in a notebook and its report only when it has rows.

    Headings over no rows tell a reader nothing, and look like something went
    missing: a table without rows displays nothing at all, and the sentence a
    notebook writes above it says there is nothing to show.  A table whose every
    row is hidden (``*``) says so in one sentence (``hidden_note``) instead of
    showing a grid of stars.  Everything else (``.data``, ``.to_html()``, styling)
    is the ``Styler``'s.

    >>> empty = ReaderTable(pd.DataFrame(columns=["Student group", "Students"]))
    >>> full = ReaderTable(pd.DataFrame({"Student group": ["English learners"], "Students": [25]}))
    >>> from IPython.core.formatters import DisplayFormatter
    >>> DisplayFormatter().format(empty)  # Jupyter (and so the report) gets nothing to show
    ({}, {})
    >>> empty.shows_rows, full.shows_rows
    (False, True)
    """

    #: The sentence shown instead of a table whose every row is hidden; ``""`` otherwise.
    hidden_note = ""

    @property
    def shows_rows(self) -> bool:
        """Whether the table has any row to show (not every one hidden)."""
        return not self.data.empty and not self.hidden_note

    def _ipython_display_(self) -> None:
        # IPython asks this before any other representation: a table without rows shows nothing.
        from IPython.display import display

        if self.hidden_note:
            display(paragraph(self.hidden_note))
        if not self.shows_rows:
            return
        display({"text/html": self.to_html(), "text/plain": self.data.to_string(index=False)}, raw=True)


def _every_row_hidden(counts: pd.DataFrame, hidden: pd.DataFrame, what: str) -> str:
    """The sentence for a table whose every row has every count hidden, else ``""``."""
    if counts.empty or not (hidden == HIDDEN).all(axis=None):
        return ""
    where, so = (f"in {what} ", "so it is not shown") if what else ("here ", "so no table is shown")
    numbers = counts.apply(pd.to_numeric, errors="coerce")
    if (numbers.isna() | (numbers < 11)).all(axis=None):
        return f"Every group {where}has fewer than 11 students, {so}."
    return (f"Every group {where}is hidden (fewer than 11 students, or hidden so that a smaller group cannot be "
            f"worked out from the total), {so}.")


def reader_table(
    table: pd.DataFrame, columns: Mapping[str, str], *, values: Sequence[str] = ("value",),
    counts: Mapping[str, Sequence[str]] | None = None, decimals: int = 1,
    complementary: Mapping[str, object] | None = None, parts_of: Sequence[str] | None = None,
    not_counted: str | None = None, what: str = "",
) -> ReaderTable:
    """An aggregate table as a principal reads it: small cells ``*``, groups in words, plain headings.

    Every table a notebook shows goes through here.  Each count column in ``counts``
    hides itself and its value columns under 11 students
    (:func:`flp_inquiry.measures.suppression.suppress_small_cells`; default ``{"n": values}``);
    figures are rounded to ``decimals``; group columns (``school``, ``grade``,
    ``el_status`` ...) are put in words; only ``columns`` are kept, renamed; a
    *Note* column flags groups under 30.  ``complementary`` (a key column and the label of
    its total row) hides a second group where one hidden group could be worked out from
    the total.  ``parts_of`` does so for rows that are parts of a whole whose figure the
    report shows elsewhere: every student group of a year, beside the year's figure for
    all students in the common metrics (the columns naming the whole; ``[]``: the whole
    table is one).  ``not_counted`` names a column saying why a row's measure is not counted
    in the scope at all (``""`` where it is): such a row's counts and figures are left
    blank, not ``*``, and the reason goes in the *Note*.  Returns a :class:`ReaderTable`
    (a pandas ``Styler``) without the row index (its ``.data`` is the table); one
    without rows shows nothing in a notebook or report, and one whose every row is
    hidden shows one sentence instead (``what`` names the table in it).

    >>> t = pd.DataFrame({"el_status": ["EL", "RFEP"], "n": [25, 8], "value": [31.04, 70.0]})
    >>> shown = reader_table(t, {"el_status": "Group", "n": "Students", "value": "Percent met"}).data
    >>> shown.to_dict("records")[1]
    {'Group': 'Reclassified (RFEP)', 'Students': '*', 'Percent met': '*', 'Note': ''}
    >>> shown.loc[0, ["Students", "Percent met", "Note"]].tolist()
    [25, 31.0, 'fewer than 30 students: read with caution']

    Every row hidden: one sentence instead of a grid of stars.

    >>> reader_table(t.assign(n=[9, 8]), {"el_status": "Group", "n": "Students", "value": "Percent met"},
    ...              what="the table by group").hidden_note
    'Every group in the table by group has fewer than 11 students, so it is not shown.'

    The groups make up all students, whose number the report shows elsewhere: the one
    hidden group would be that number minus the others, so the smallest other group is hidden too.

    >>> t = pd.DataFrame({"el_status": ["EL", "EO", "RFEP", "TBD"], "n": [40, 300, 25, 1], "value": [20.0, 60.0, 70.0, 0.0]})
    >>> shown = reader_table(t, {"el_status": "Group", "n": "Students"}, parts_of=[]).data
    >>> shown["Students"].tolist(), "Note" in shown  # (RFEP's 25 is hidden: no caution says it is 11-29)
    ([40, 300, '*', '*'], False)

    A measure not counted at all in the scope is said so, not starred:

    >>> t = pd.DataFrame({"indicator": ["ELA", "Chronic absence"], "n": [40, 0], "value": [52.0, None],
    ...                   "why": ["", "not counted here: grades K-8 only"]})
    >>> reader_table(t, {"indicator": "Indicator", "n": "Students", "value": "Rate"}, not_counted="why").data.to_dict("records")[1]
    {'Indicator': 'Chronic absence', 'Students': '', 'Rate': '', 'Note': 'not counted here: grades K-8 only'}
    """
    counts = dict(counts) if counts is not None else {"n": list(values)}
    hidden = table
    for count, hidden_with in counts.items():
        hidden = suppress_small_cells(hidden, n=count, values=[v for v in hidden_with if v in hidden], caution_n=None,
                                      complementary=complementary, keys=list(complementary or ()) or None,
                                      parts_of=parts_of)
    reasons = (table[not_counted].fillna("").astype(str) if not_counted else pd.Series("", index=table.index))
    counted = reasons == ""
    blanked = {*counts, *(v for hidden_with in counts.values() for v in hidden_with)}
    first = next(iter(counts))
    numbers = pd.to_numeric(table[first], errors="coerce")
    shown = pd.DataFrame(index=table.index)
    for column, heading in columns.items():
        if column not in hidden:
            continue
        if column in labels.GROUP_TYPE_LABELS:
            shown[heading] = _group_words(column, hidden[column])
        elif column in counts or pd.api.types.is_numeric_dtype(table[column]) or _numbers_or_hidden(table[column]):
            shown[heading] = _rounded(hidden[column], 0 if column in counts else decimals)
            if column in counts:
                shown[heading] = shown[heading].map(lambda v: v if v == HIDDEN else int(v) if pd.notna(v) else v)
        else:
            shown[heading] = hidden[column]
        if column in blanked:
            shown[heading] = shown[heading].astype(object).where(counted, "")
    # a count hidden beside a smaller one (complementary) gets no caution: it would say the group is 11-29
    caution = (numbers >= 11) & (numbers < CAUTION_N) & counted & (hidden[first] != HIDDEN)
    if caution.any() or not counted.all():
        shown["Note"] = reasons.where(~counted, caution.map({True: CAUTION_NOTE, False: ""}))
    shown = shown.reset_index(drop=True)
    # every cell and heading escaped: a school or course name is text, never markup (pandas' Styler escapes nothing)
    styled = ReaderTable(shown).hide(axis="index").format(precision=decimals, na_rep="", escape="html")
    styled = styled.format_index(escape="html", axis=1)
    count_columns = [c for c in counts if c in table]
    styled.hidden_note = _every_row_hidden(table.loc[counted, count_columns], hidden.loc[counted, count_columns], what)
    return styled


def decomposition_table(decomposition: pd.DataFrame, unit_col: str, unit: str, what: str = "") -> ReaderTable:
    """:func:`flp_inquiry.inquiry.decomposition.decompose_change` for a reader: a unit is hidden when either year is under 11.

    A unit's composition, performance and change are its *parts* of the total change
    (they add up to the Total row), not the change of its own figure: the headings say so.
    With the total shown, one hidden unit could be worked out from the others, so a
    second one is hidden too (here A, beside B's 8 students last year).

    >>> d = pd.DataFrame({"school": ["A", "B", "Total"], "before_n": [40, 8, 48], "after_n": [50, 30, 80],
    ...     "before_share": [0.83, 0.17, 1.0], "after_share": [0.62, 0.38, 1.0], "before_value": [20.0, 30.0, 21.7],
    ...     "after_value": [25.0, 35.0, 28.8], "composition": [-4.7, 6.6, 1.9], "performance": [3.6, 1.4, 5.0],
    ...     "change": [-1.1, 8.0, 6.9]})
    >>> decomposition_table(d, "school", "%").data["Part of the change (percentage points)"].tolist()
    ['*', '*', 6.9]
    """
    moving = ["composition", "performance", "change"]
    words = "percentage points" if unit == "%" else unit
    return reader_table(decomposition, {
        unit_col: labels.GROUP_TYPE_LABELS.get(unit_col, unit_col), "before_n": "Students last year",
        "after_n": "Students this year", "before_value": "Last year", "after_value": "This year",
        "composition": f"Part from who is enrolled where ({words})", "performance": f"Part from how students did ({words})",
        "change": f"Part of the change ({words})",
    }, counts={"after_n": ["after_value", *moving], "before_n": ["before_value", *moving]},
        complementary={unit_col: "Total"}, what=what)
