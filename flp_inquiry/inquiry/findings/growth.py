"""Findings about growth beside status: which schools (or grades) move their students most, not only start highest.

From :func:`flp_inquiry.inquiry.status_growth.status_beside_growth` (suppressed).  Growth is read
with its 95% interval: a school "grows more than the district's typical" only when the interval is
above 0.  Growth describes scores, not teaching: a school whose students grow more is one to ask,
not proof of what it does.
"""
from __future__ import annotations

import pandas as pd

from flp_inquiry.inquiry import labels
from flp_inquiry.inquiry.claims import Claim, Figure
from flp_inquiry.inquiry.findings.words import with_source


def _shown(table: pd.DataFrame) -> pd.DataFrame:
    numbers = table.assign(**{c: pd.to_numeric(table[c], errors="coerce") for c in ("growth", "growth_low", "status")})
    return numbers.dropna(subset=["growth", "growth_low", "status"])


def describe_status_growth(table: pd.DataFrame, unit_col: str, *, subject_words: str, source=None) -> Claim | str:
    """The units with low status and growth clearly above the district's typical: the ones others can learn from.

    >>> t = pd.DataFrame({"school": ["A", "B", "C"], "status": [-90.0, -40.0, -80.0], "district_status": [-60.0] * 3,
    ...                   "growth": [9.5, 1.0, -2.0], "growth_low": [3.2, -4.0, -7.5], "growth_high": [15.8, 6.0, 3.5],
    ...                   "corner": ["low status, typical growth or more", "high status, typical growth or more", "low status, growth below typical"]})
    >>> describe_status_growth(t, "school", subject_words="math")
    "Low status, growth clearly above the district's typical in math: Students at A (distance from standard -90.0 points, growth up 9.5 points a year). Its students score low but grew more than the district's students who scored as they did last year: a school to ask what it does."
    >>> describe_status_growth(t.assign(growth_low=[-1.0, -4.0, -7.5]), "school", subject_words="math")[:62]
    'No school has low status and growth clearly above the district'
    """
    shown = _shown(table)
    unit = labels.GROUP_TYPE_LABELS[unit_col].lower()
    if shown.empty:
        return f"No {unit} has 11 or more students with growth scores in {subject_words} to set beside its status."
    learn_from = shown[(shown["corner"] == "low status, typical growth or more") & (shown["growth_low"] > 0)]
    if learn_from.empty:
        best = shown.loc[shown["growth"].idxmax()]
        return with_source(Claim.of(
            f"No {unit} has low status and growth clearly above the district's typical in {subject_words} "
            f"(its 95% interval above 0); the highest growth: {labels.group_label(unit_col, best[unit_col])} (",
            _growth(best["growth"]), ")."), source)
    parts = [f"Low status, growth clearly above the district's typical in {subject_words}: "]
    for number, (_, row) in enumerate(learn_from.sort_values("growth", ascending=False).iterrows()):
        who = (f"Students at {row[unit_col]}" if unit_col == "school" else f"Students in {labels.grade_label(row[unit_col])}")
        parts += ["; " if number else "", f"{who} (distance from standard ", Figure.of(row["status"], "points"),
                  ", growth ", _growth(row["growth"]), ")"]
    one = len(learn_from) == 1
    parts.append(f". {'Its' if one else 'Their'} students score low but grew more than the district's students who "
                 f"scored as they did last year: {'a ' + unit if one else unit + 's'} to ask what {'it does' if one else 'they do'}.")
    return with_source(Claim.of(*parts), source)


def _growth(value: float) -> Figure:
    """Growth as written: ``up 9.5 points a year`` (a figure of the table, points above the expected)."""
    amount = float(value)
    words = Figure.change(0.0, amount, "points").text
    return Figure(amount, "points", "value", f"{words} a year" if words != "unchanged" else
                  f"{abs(amount):.1f} points a year: the district's typical growth")
