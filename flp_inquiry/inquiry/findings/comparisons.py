"""Findings that compare groups within one year: highest and lowest, gaps, contributions, funnel limits.

A gap between two groups is a difference, not a cause: the sentences say how far apart the groups
are and whether chance alone could make it (95% intervals), never why.
"""
from __future__ import annotations

from typing import Hashable, Sequence

import pandas as pd

from flp_inquiry.inquiry import labels
from flp_inquiry.inquiry.claims import Claim, Figure
from flp_inquiry.inquiry.findings.words import as_published, group_phrase, shown_rows, with_source
from flp_inquiry.inquiry.intervals import group_gaps
from flp_inquiry.measures.suppression import MIN_N

#: Fewer units than this with 11 or more students: no funnel plot (a funnel of two dots shows nothing).
FUNNEL_MIN_UNITS = 5


def _hidden_beside_others(table: pd.DataFrame, value: str = "value", n: str = "n") -> bool:
    """Whether a group of 11 or more has its figure hidden (beside a smaller group, or by the pack's audit).

    >>> _hidden_beside_others(pd.DataFrame({"n": [40, 5], "value": ["*", "*"]})), _hidden_beside_others(pd.DataFrame({"n": ["*"], "value": ["*"]}))
    (True, False)
    """
    if table.empty or n not in table or value not in table:
        return False
    published = as_published(table, value, n)
    counts = pd.to_numeric(published[n], errors="coerce")
    return bool(((counts >= MIN_N) & pd.to_numeric(published[value], errors="coerce").isna()).any())


def describe_extremes(table: pd.DataFrame, keys: Sequence[str], *, what: str, unit: str, source=None) -> Claim | str:
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
    if shown.empty and _hidden_beside_others(table):
        return (f"{labels.sentence_start(what)}: no group's figure is shown (each has fewer than 11 students or is "
                "hidden so that a smaller group's cannot be worked out).")
    if shown.empty:
        return f"{labels.sentence_start(what)}: no group has 11 or more students."
    phrases = group_phrase(shown, keys)
    top, bottom = shown["value"].idxmax(), shown["value"].idxmin()
    if len(shown) == 1:
        return with_source(Claim.of(f"{labels.sentence_start(what)}: {phrases[top]} (",
                                    Figure.of(shown.at[top, "value"], unit),
                                    "), the only group with 11 or more students."), source)
    return with_source(Claim.of(f"Highest {what}: {phrases[top]} (", Figure.of(shown.at[top, "value"], unit),
                                f"); lowest: {phrases[bottom]} (", Figure.of(shown.at[bottom, "value"], unit), ")."),
                       source)


def describe_biggest_gap(table: pd.DataFrame, group_col: str, reference: Hashable, *, what: str, unit: str,
                         keys: Sequence[str] = (), focus: Hashable | None = None, source=None) -> Claim | str:
    """The biggest gap between a group (``focus``, or any) and the ``reference`` group (within ``keys`` cells).

    For rates (``unit="%"``) the sentence says whether the two groups' 95% Wilson
    intervals overlap (:func:`flp_inquiry.inquiry.intervals.group_gaps`).  With one gap to
    quote, it is "the gap", not "the biggest".

    >>> t = pd.DataFrame({"el_status": ["EL", "RFEP", "EO"], "n": [20, 18, 40], "value": [20.0, 70.0, 60.0]})
    >>> describe_biggest_gap(t, "el_status", "EO", what="percent met", unit="%")
    'The biggest gap in percent met: English learners, 20.0% against 60.0% for English-only students (40.0 percentage points lower; the 95% intervals do not overlap, so chance alone is unlikely to make it).'
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
        why = ("a figure is hidden so that a smaller group's cannot be worked out" if _hidden_beside_others(table)
               else "too few students")
        return f"{what_words}{of_focus} cannot be compared with {reference_words}: {why}."
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
    value, against = Figure.of(row["value"], unit), Figure.of(row["reference_value"], unit)
    chance = ""
    if unit == "%":
        chance = ("; the 95% intervals do not overlap, so chance alone is unlikely to make it"
                  if not bool(row["intervals_overlap"]) else "; the 95% intervals overlap, so it could be chance")
    which = "The gap" if len(gaps) == 1 else "The biggest gap"
    return with_source(Claim.of(f"{which} in {what}: {group_phrase(top, [*keys, group_col]).iloc[0]}, ", value,
                                " against ", against, f" for {reference_words} (", Figure.difference(value, against),
                                f"{chance})."), source)


def describe_contributions(contributions: pd.DataFrame, unit_col: str, *, what: str,
                           keys: Sequence[str] | None = None, unit: str = "points", source=None) -> Claim | str:
    """Who makes up most of a gap, from :func:`flp_inquiry.inquiry.decomposition.contributions_to_gap`.

    ``keys`` (default ``[unit_col]``) are the columns that name the group: with the
    student group's column too, the sentence says who the students are.

    >>> t = pd.DataFrame({"school": ["B", "A", "C"], "n": [300, 100, 6], "value": [40.0, 30.0, 5.0],
    ...                   "share": [0.74, 0.25, 0.01], "difference": [-20.0, -30.0, -55.0],
    ...                   "contribution": [-14.8, -7.5, -0.55], "percent_of_total": [64.8, 32.8, 2.4]})
    >>> describe_contributions(t, "school", what="the gap to the state")
    'Students at B make up most of the gap to the state: 64.8% of it (-14.8 points of the total).'
    >>> describe_contributions(t.assign(el_status="EL"), "school", what="the gap", keys=["school", "el_status"])[:40]
    'English learners at B make up most of th'
    >>> describe_contributions(t.assign(percent_of_total=[44.4, 32.8, 22.8]), "school", what="the gap")[:50]
    'Students at B make up the largest part of the gap:'
    """
    shown = shown_rows(contributions, value="contribution")
    shown = shown.dropna(subset=["percent_of_total"]) if "percent_of_total" in shown else shown
    if shown.empty:
        unit_words = labels.GROUP_TYPE_LABELS.get(unit_col, unit_col).lower()
        return (f"No {unit_words} can be shown on its own (fewer than 11 students, or hidden so that a smaller one "
                f"cannot be worked out from the total): which make up most of {what} cannot be said.")
    top = shown.loc[[shown["percent_of_total"].idxmax()]]
    subject = group_phrase(top, list(keys) if keys is not None else [unit_col]).iloc[0]
    top = top.iloc[0]
    words = "percentage points" if unit == "%" else unit
    share = Figure.of(top["percent_of_total"], "%")
    part = Figure(float(top["contribution"]), unit, "value", f"{Figure.of(top['contribution'], unit).shown:.1f} {words}")
    # "most" only when it is more than half: 44% is the largest part, not most
    verb = "make up most of" if share.shown > 50 else "make up the largest part of"
    return with_source(Claim.of(f"{subject} {verb} {what}: ", share, " of it (", part, " of the total)."), source)


def describe_funnel(limits: pd.DataFrame, unit_col: str, *, what: str, min_units: int = FUNNEL_MIN_UNITS,
                    unit: str = "%", source=None) -> Claim | str:
    """Which units fall outside the 99.8% funnel limits (:func:`flp_inquiry.inquiry.intervals.funnel_limits`).

    ``unit`` is the figure's: ``%`` for a rate, ``points`` for a mean.

    A funnel needs at least ``min_units`` units with 11 or more students to say anything;
    with fewer, the sentence says so (and no plot is drawn).

    >>> t = pd.DataFrame({"school": list("ABCDE"), "n": [100] * 5, "value": [55.0, 70.0, 50.0, 52.0, 58.0],
    ...                   "funnel_zone": ["inside 95%", "outside 99.8%", "inside 95%", "inside 95%", "inside 99.8%"]})
    >>> describe_funnel(t, "school", what="chronic absence")
    'Outside the 99.8% limits for chronic absence (unlikely to be chance alone): B (70.0%).'
    >>> describe_funnel(t.assign(funnel_zone="inside 95%"), "school", what="chronic absence")
    'Every school with 11 or more students is inside the 99.8% limits for chronic absence: the differences could be chance given the numbers of students.'

    Fewer than five units with 11 or more students: no funnel.

    >>> describe_funnel(t.iloc[:2], "school", what="chronic absence")
    'Only 2 schools have 11 or more students for chronic absence: too few to tell whether one stands out by more than chance.'
    >>> describe_funnel(t.assign(n=8), "school", what="chronic absence")
    'No school has 11 or more students for chronic absence, so no school can be set against the others.'
    """
    shown = shown_rows(limits)
    units = labels.GROUP_TYPE_LABELS.get(unit_col, unit_col).lower()
    if shown.empty:
        return f"No {units} has 11 or more students for {what}, so no {units} can be set against the others."
    if len(shown) < min_units:
        have = "has" if len(shown) == 1 else "have"
        return (f"Only {len(shown)} {units}{'s' if len(shown) != 1 else ''} {have} 11 or more students for {what}: "
                "too few to tell whether one stands out by more than chance.")
    outside = shown[shown["funnel_zone"].astype(str).str.startswith("outside")]
    if outside.empty:
        return with_source(Claim.of(f"Every {units} with 11 or more students is inside the 99.8% limits for {what}: "
                                    "the differences could be chance given the numbers of students."), source)
    parts = [f"Outside the 99.8% limits for {what} (unlikely to be chance alone): "]
    for number, (_, row) in enumerate(outside.iterrows()):
        parts += [", " if number else "", f"{labels.group_label(unit_col, row[unit_col])} (", Figure.of(row["value"], unit),
                  ")"]
    return with_source(Claim.of(*parts, "."), source)


def describe_bottleneck(bottleneck: pd.DataFrame, year: int, source=None) -> Claim | str:
    """The ELPAC level-3 bottleneck in words, from :func:`flp_inquiry.inquiry.per_student.level3_bottleneck`.

    >>> t = pd.DataFrame({"school_year": [2025], "n": [80], "value": [72.5], "moved_up": [15.0]})
    >>> describe_bottleneck(t, 2025)
    "Level-3 bottleneck: of last year's 80 English learners at ELPAC level 3 tested again, 72.5% were still at level 3 in 2024-25 and 15.0% reached level 4."
    """
    shown = shown_rows(bottleneck)
    shown = shown[shown["school_year"] == year]
    if shown.empty:
        return f"Fewer than 11 English learners were at ELPAC level 3 last year and tested again in {labels.school_year_label(year)}."
    row = shown.iloc[0]
    return with_source(Claim.of(
        "Level-3 bottleneck: of last year's ", Figure(float(row["n"]), "students", "count", str(int(row["n"]))),
        " English learners at ELPAC level 3 tested again, ", Figure.of(row["value"], "%"),
        f" were still at level 3 in {labels.school_year_label(year)} and ", Figure.of(row["moved_up"], "%"),
        " reached level 4."), source)
