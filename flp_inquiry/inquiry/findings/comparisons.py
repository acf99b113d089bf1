"""Findings that compare groups within one year: highest and lowest, gaps, contributions, funnel limits.
"""
from __future__ import annotations

from typing import Hashable, Sequence

import pandas as pd

from flp_inquiry.inquiry import labels
from flp_inquiry.inquiry.findings.words import (
    format_difference,
    format_value,
    group_phrase,
    shown_rows,
)
from flp_inquiry.inquiry.intervals import group_gaps


def describe_extremes(table: pd.DataFrame, keys: Sequence[str], *, what: str, unit: str) -> str:
    """Highest and lowest group of a one-year table, in one sentence.

    >>> t = pd.DataFrame({"school": ["A", "B", "C"], "n": [40, 30, 5], "value": [52.5, 31.0, 90.0]})
    >>> describe_extremes(t, ["school"], what="percent met", unit="%")
    'Highest percent met: Students at A (52.5%); lowest: Students at B (31.0%).'
    >>> describe_extremes(t.iloc[[0, 2]], ["school"], what="percent met", unit="%")
    'Percent met: Students at A (52.5%), the only group with 11 or more students.'
    >>> describe_extremes(t.iloc[[2]], ["school"], what="percent met", unit="%")
    'Percent met: no group has 11 or more students.'
    """
    shown = shown_rows(table)
    if shown.empty:
        return f"{what[:1].upper()}{what[1:]}: no group has 11 or more students."
    phrases = group_phrase(shown, keys)
    top, bottom = shown["value"].idxmax(), shown["value"].idxmin()
    if len(shown) == 1:
        return (f"{what[:1].upper()}{what[1:]}: {phrases[top]} ({format_value(shown.at[top, 'value'], unit)}), "
                f"the only group with 11 or more students.")
    return (f"Highest {what}: {phrases[top]} ({format_value(shown.at[top, 'value'], unit)}); "
            f"lowest: {phrases[bottom]} ({format_value(shown.at[bottom, 'value'], unit)}).")


def describe_biggest_gap(table: pd.DataFrame, group_col: str, reference: Hashable, *, what: str, unit: str,
                         keys: Sequence[str] = (), focus: Hashable | None = None) -> str:
    """The biggest gap between a group (``focus``, or any) and the ``reference`` group (within ``keys`` cells).

    For rates (``unit="%"``) the sentence says whether the two groups' 95% Wilson
    intervals overlap (:func:`flp_inquiry.inquiry.intervals.group_gaps`).  With one gap to
    quote, it is "the gap", not "the biggest".

    >>> t = pd.DataFrame({"el_status": ["EL", "RFEP", "EO"], "n": [20, 18, 40], "value": [20.0, 70.0, 60.0]})
    >>> describe_biggest_gap(t, "el_status", "EO", what="percent met", unit="%")
    'The biggest gap in percent met: English learners, 20.0% against 60.0% for English-only students (40.0 percentage points lower; the 95% intervals do not overlap, so chance alone is unlikely).'
    >>> describe_biggest_gap(t.assign(n=[20, 8, 40]), "el_status", "EO", what="percent met", unit="%").split(" (")[0]
    'The gap in percent met: English learners, 20.0% against 60.0% for English-only students'
    """
    shown = shown_rows(table)
    keys = list(keys)
    what_words = labels.sentence_start(what)
    reference_words = labels.people_label(group_col, reference)
    reference_rows = shown[shown[group_col] == reference]
    if reference_rows.empty or len(shown) < 2:
        of_focus = f" of {labels.people_label(group_col, focus)}" if focus is not None else ""
        return f"{what_words}{of_focus} cannot be compared with {reference_words}: too few students."
    if unit == "%":
        gaps = group_gaps(shown, group_col, reference, by=keys)
    else:
        others = reference_rows.drop(columns=group_col).rename(columns={"n": "reference_n", "value": "reference_value"})
        gaps = shown[shown[group_col] != reference]
        gaps = gaps.merge(others[[*keys, "reference_value"]], on=keys) if keys else gaps.merge(
            others[["reference_value"]], how="cross")
        gaps = gaps.assign(gap=gaps["value"] - gaps["reference_value"], intervals_overlap=pd.NA)
    gaps = gaps.dropna(subset=["gap"])
    if focus is not None:
        gaps = gaps[gaps[group_col] == focus]
    if gaps.empty:
        if focus is not None:
            return (f"{what_words} of {labels.people_label(group_col, focus)} cannot be compared with "
                    f"{reference_words}: fewer than 11 students.")
        return f"No group of 11 or more students to compare {what} with {reference_words}."
    top = gaps.loc[[gaps["gap"].abs().idxmax()]]
    row = top.iloc[0]
    chance = ""
    if unit == "%":
        chance = ("; the 95% intervals do not overlap, so chance alone is unlikely" if not bool(row["intervals_overlap"])
                  else "; the 95% intervals overlap, so it could be chance")
    which = "The gap" if len(gaps) == 1 else "The biggest gap"
    return (f"{which} in {what}: {group_phrase(top, [*keys, group_col]).iloc[0]}, "
            f"{format_value(row['value'], unit)} against {format_value(row['reference_value'], unit)} for "
            f"{reference_words} ({format_difference(row['gap'], unit)}{chance}).")


def describe_contributions(contributions: pd.DataFrame, unit_col: str, *, what: str,
                           keys: Sequence[str] | None = None, unit: str = "points") -> str:
    """Who makes up most of a gap, from :func:`flp_inquiry.inquiry.decomposition.contributions_to_gap`.

    ``keys`` (default ``[unit_col]``) are the columns that name the group: with the
    student group's column too, the sentence says who the students are.

    >>> t = pd.DataFrame({"school": ["B", "A", "C"], "n": [300, 100, 6], "value": [40.0, 30.0, 5.0],
    ...                   "share": [0.74, 0.25, 0.01], "difference": [-20.0, -30.0, -55.0],
    ...                   "contribution": [-14.8, -7.5, -0.55], "percent_of_total": [64.8, 32.8, 2.4]})
    >>> describe_contributions(t, "school", what="the gap to the state")
    'Students at B contribute most to the gap to the state: 64.8% of it (-14.8 points of the total).'
    >>> describe_contributions(t.assign(el_status="EL"), "school", what="the gap", keys=["school", "el_status"])[:40]
    'English learners at B contribute most to'
    """
    shown = shown_rows(contributions, value="contribution")
    shown = shown.dropna(subset=["percent_of_total"]) if "percent_of_total" in shown else shown
    if shown.empty:
        unit_words = labels.GROUP_TYPE_LABELS.get(unit_col, unit_col).lower()
        return (f"No {unit_words} can be shown on its own (fewer than 11 students, or hidden so that a smaller one "
                f"cannot be worked out from the total): who contributes most to {what} cannot be said.")
    top = shown.loc[[shown["percent_of_total"].idxmax()]]
    subject = group_phrase(top, list(keys) if keys is not None else [unit_col]).iloc[0]
    top = top.iloc[0]
    words = "percentage points" if unit == "%" else unit
    return (f"{subject} contribute most to {what}: {top['percent_of_total']:.1f}% of it "
            f"({top['contribution']:.1f} {words} of the total).")


def describe_funnel(limits: pd.DataFrame, unit_col: str, *, what: str) -> str:
    """Which units fall outside the 99.8% funnel limits (:func:`flp_inquiry.inquiry.intervals.funnel_limits`).

    >>> t = pd.DataFrame({"school": ["A", "B"], "n": [100, 100], "value": [55.0, 70.0],
    ...                   "funnel_zone": ["inside 95%", "outside 99.8%"]})
    >>> describe_funnel(t, "school", what="chronic absence")
    'Outside the 99.8% limits for chronic absence (unlikely to be chance alone): B (70.0%).'

    One unit with 11 or more students is named:

    >>> describe_funnel(t.assign(n=[100, 8]), "school", what="chronic absence")
    'A, the one school with 11 or more students, is inside the 99.8% limits for chronic absence: the differences could be chance given the numbers of students.'

    With every unit under 11 students (or none at all) there is nothing to compare:

    >>> describe_funnel(t.assign(n=[8, 10]), "school", what="chronic absence")
    'No school has 11 or more students to plot for chronic absence, so no school can be held against the funnel limits.'
    """
    shown = shown_rows(limits)
    unit = labels.GROUP_TYPE_LABELS.get(unit_col, unit_col).lower()
    if shown.empty:
        return (f"No {unit} has 11 or more students to plot for {what}, "
                f"so no {unit} can be held against the funnel limits.")
    outside = shown[shown["funnel_zone"].astype(str).str.startswith("outside")]
    if outside.empty:
        if len(shown) == 1:
            every = f"{labels.group_label(unit_col, shown[unit_col].iloc[0])}, the one {unit} with 11 or more students, is"
        else:
            every = f"Every {unit} with 11 or more students is"
        return (f"{every} inside the 99.8% limits for {what}: "
                "the differences could be chance given the numbers of students.")
    named = ", ".join(f"{labels.group_label(unit_col, r[unit_col])} ({r['value']:.1f}%)" for _, r in outside.iterrows())
    return f"Outside the 99.8% limits for {what} (unlikely to be chance alone): {named}."


def describe_bottleneck(bottleneck: pd.DataFrame, year: int) -> str:
    """The ELPAC level-3 bottleneck in words, from :func:`flp_inquiry.inquiry.per_student.level3_bottleneck`.

    >>> t = pd.DataFrame({"school_year": [2025], "n": [80], "value": [72.5], "moved_up": [15.0]})
    >>> describe_bottleneck(t, 2025)
    "Level-3 bottleneck: of last year's English learners at ELPAC level 3, 72.5% were still at level 3 in 2024-25 and 15.0% reached level 4 (80 students)."
    """
    shown = shown_rows(bottleneck)
    shown = shown[shown["school_year"] == year]
    if shown.empty:
        return f"Fewer than 11 English learners were at ELPAC level 3 last year and tested again in {labels.school_year_label(year)}."
    row = shown.iloc[0]
    return (f"Level-3 bottleneck: of last year's English learners at ELPAC level 3, {format_value(row['value'], '%')} were "
            f"still at level 3 in {labels.school_year_label(year)} and {format_value(row['moved_up'], '%')} reached "
            f"level 4 ({int(row['n'])} students).")
