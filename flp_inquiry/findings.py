"""Plain sentences from metric tables, for the prose of the inquiry notebooks.

Each function takes a tidy metric table (grouping columns, ``n``, ``value``, as
:mod:`flp_inquiry.metrics` returns them, suppressed or not) and says one thing
about it in words a principal reads: the largest change, the biggest gap, who
contributes most, what stands out.  A figure for fewer than 11 students is never
quoted: every function looks only at the rows :func:`shown_rows` keeps, which are
the rows :func:`flp_inquiry.suppression.suppress_small_cells` leaves visible.
A change is quoted only when both years are shown.

Units: ``"%"`` for rates (changes and gaps then read as percentage points) and
``"points"`` for Distance from Standard (scale-score points).
"""
from __future__ import annotations

from typing import Hashable, Sequence

import pandas as pd

from flp_inquiry import labels
from flp_inquiry.dashboard import round_half_away
from flp_inquiry.inquiry import group_gaps
from flp_inquiry.memo import Recent
from flp_inquiry.suppression import MIN_N, too_small

#: Group types that describe who the students are (said first in a phrase, in this order).
_WHO = ("attendance", "sed", "gender", "ethnicity", "el_status", "years_as_el", "swd", "pathway")
#: A change this many times the typical (median) change of the other groups stands out.
UNUSUAL_CHANGE_RATIO = 3.0


def shown_rows(table: pd.DataFrame, value: str = "value", n: str = "n") -> pd.DataFrame:
    """The rows a reader may see (11 or more students), with ``n`` and ``value`` as numbers.

    >>> t = pd.DataFrame({"school": ["A", "B", "C"], "n": [10, 11, "*"], "value": [50.0, 45.5, "*"]})
    >>> shown_rows(t)[["school", "n", "value"]].to_dict("records")
    [{'school': 'B', 'n': 11.0, 'value': 45.5}]
    """
    if table.empty:
        return table.assign(**{n: pd.Series(dtype=float), value: pd.Series(dtype=float)})
    # the rows suppress_small_cells would leave showing, without making the suppressed copy of the table
    values = pd.to_numeric(table[value], errors="coerce")
    shown = ~too_small(table[n]) & values.notna().to_numpy()
    return table[shown].assign(**{n: pd.to_numeric(table.loc[shown, n], errors="coerce").astype(float),
                                  value: values[shown].astype(float)})


def format_value(value: float, unit: str) -> str:
    """A figure as the reader sees it: one decimal (halves away from zero, as the Dashboard), with its unit.

    >>> format_value(45.25, "%"), format_value(-72.44, "points")
    ('45.3%', '-72.4 points')
    """
    value = float(round_half_away([value], 1)[0])
    return f"{value:.1f}%" if unit == "%" else f"{value:.1f} {unit}"


def format_change(change: float, unit: str) -> str:
    """A change in words: up or down, in percentage points for rates.

    >>> format_change(-63.26, "points"), format_change(4.0, "%"), format_change(0.01, "%")
    ('down 63.3 points', 'up 4.0 percentage points', 'unchanged')
    >>> format_change(2.25, "%"), format_change(-2.25, "%")  # halves away from zero, as the Dashboard
    ('up 2.3 percentage points', 'down 2.3 percentage points')
    """
    return _signed(change, unit, "up {}", "down {}", "unchanged")


def format_difference(difference: float, unit: str) -> str:
    """How far one group is above or below another, in words (a gap is not a change over time).

    >>> format_difference(-40.0, "%"), format_difference(12.34, "points"), format_difference(0.04, "points")
    ('40.0 percentage points lower', '12.3 points higher', 'about the same')
    """
    return _signed(difference, unit, "{} higher", "{} lower", "about the same")


def _signed(amount: float, unit: str, above: str, below: str, none: str) -> str:
    """``amount``'s size (one decimal; percentage points for rates) in ``above`` or ``below``, or ``none`` if 0.0."""
    size = abs(float(round_half_away([amount], 1)[0]))
    if size == 0:
        return none
    return (above if amount > 0 else below).format(f"{size:.1f} {'percentage points' if unit == '%' else unit}")


def group_phrase(table: pd.DataFrame, keys: Sequence[str], capital: bool = True) -> pd.Series:
    """Each row's group in words, as people: who the students are, then their grade, then their school.

    Words that say who the students are come first (``chronically absent``,
    ``socioeconomically disadvantaged``), the last one naming them
    (:func:`flp_inquiry.labels.people_label`).  ``capital=False`` gives the words as
    they read inside a sentence.

    >>> t = pd.DataFrame({"school": ["Sample Oak"], "grade": [7], "el_status": ["EL"]})
    >>> group_phrase(t, ["school", "grade", "el_status"]).tolist()
    ['English learners in Grade 7 at Sample Oak']
    >>> group_phrase(t.assign(el_status="RFEP"), ["grade", "el_status"], capital=False).tolist()
    ['reclassified (RFEP) students in Grade 7']
    >>> group_phrase(t, ["grade"]).tolist(), group_phrase(t, []).tolist(), group_phrase(t.assign(grade=0), ["grade"]).tolist()
    (['Students in Grade 7'], ['All students'], ['Students in kindergarten'])
    """
    keys = [k for k in keys if k != "school_year"]
    # who the students are (a describing group before a naming one); then names that are not
    # groupings (an indicator, a course) stand alone
    who = sorted((k for k in keys if k in _WHO or k not in labels.GROUP_TYPE_LABELS),
                 key=lambda k: _WHO.index(k) if k in _WHO else len(_WHO))
    phrase = pd.Series("", index=table.index)
    for position, key in enumerate(who):
        people = table[key].map(lambda value, key=key: labels.people_label(key, value)).astype(str)
        if position < len(who) - 1:  # "socioeconomically disadvantaged" before "English learners"
            people = people.map(_describing)
        phrase = phrase.str.cat(people, sep=" ").str.strip()
    phrase = phrase.mask(phrase == "", "students" if keys else "all students")
    if "grade" in keys:
        phrase = phrase + " in " + table["grade"].map(labels.grade_words).astype(str)  # (str: also when empty)
    if "school" in keys:
        phrase = phrase + " at " + table["school"].astype(str)
    return phrase.map(labels.sentence_start) if capital else phrase


def _describing(people: str) -> str:
    """People words as words describing others: ``chronically absent students`` -> ``chronically absent``."""
    if people.startswith("students not "):
        return people.removeprefix("students ")
    return people.removesuffix(" students")


def year_changes(table: pd.DataFrame, keys: Sequence[str], year: int) -> pd.DataFrame:
    """Groups shown both in ``year`` and the year before, with both values and the change.

    ``table`` is grouped by ``school_year`` and ``keys``.

    Returns
    -------
    DataFrame
        ``*keys, prior_n, prior_value, n, value, change``, largest change (either way) first.

    Examples
    --------
    >>> t = pd.DataFrame({"school_year": [2024, 2025, 2024, 2025], "grade": [6, 6, 7, 7],
    ...                   "n": [40, 38, 30, 9], "value": [-50.0, -40.0, -60.0, -90.0]})
    >>> year_changes(t, ["grade"], 2025).to_dict("records")
    [{'grade': 6, 'prior_n': 40.0, 'prior_value': -50.0, 'n': 38.0, 'value': -40.0, 'change': 10.0}]
    """
    keys = list(keys)
    shown = shown_rows(table)
    now = shown.loc[shown["school_year"] == year, [*keys, "n", "value"]]
    before = shown.loc[shown["school_year"] == year - 1, [*keys, "n", "value"]]
    before = before.rename(columns={"n": "prior_n", "value": "prior_value"})
    both = before.merge(now, on=keys) if keys else pd.concat(
        [before.reset_index(drop=True), now.reset_index(drop=True)], axis=1).dropna()
    both["change"] = both["value"] - both["prior_value"]
    order = both["change"].abs().sort_values(ascending=False, kind="stable").index
    return both.loc[order].reset_index(drop=True)


def summarise_largest_changes(table: pd.DataFrame, keys: Sequence[str], year: int, *, what: str, unit: str,
                              lead: str, count: int = 3) -> str:
    """``lead`` followed by :func:`describe_largest_changes`, or ``""`` (left out of bullets) when there are none.

    With one group to compare, :func:`describe_largest_change` says it (a list of one has no "largest").

    >>> t = pd.DataFrame({"school_year": [2024, 2025], "school": ["A", "A"], "n": [8, 8], "value": [20.0, 25.0]})
    >>> summarise_largest_changes(t, ["school"], 2025, what="percent met", unit="%", lead="The largest changes:")
    ''
    >>> summarise_largest_changes(t.assign(n=11), ["school"], 2025, what="percent met", unit="%", lead="The largest changes:")
    'Percent met of students at A went from 20.0% in 2023-24 to 25.0% in 2024-25 (up 5.0 percentage points).'
    """
    changes = describe_largest_changes(table, keys, year, what=what, unit=unit, count=count)
    if len(changes) == 1:
        return describe_largest_change(table, keys, year, what=what, unit=unit)
    return " ".join([lead, *changes]) if changes else ""


def describe_largest_changes(table: pd.DataFrame, keys: Sequence[str], year: int, *, what: str, unit: str,
                             count: int = 3) -> list[str]:
    """The ``count`` groups whose ``what`` changed most from last year (either way), one sentence each.

    >>> t = pd.DataFrame({"school_year": [2024, 2025] * 3, "school": ["A", "A", "B", "B", "C", "C"],
    ...                   "n": [40, 40, 30, 30, 30, 8], "value": [20.0, 25.0, 30.0, 18.0, 10.0, 60.0]})
    >>> describe_largest_changes(t, ["school"], 2025, what="percent met", unit="%", count=2)
    ['Students at B: from 30.0% to 18.0% (down 12.0 percentage points).', 'Students at A: from 20.0% to 25.0% (up 5.0 percentage points).']
    """
    changes = year_changes(table, keys, year).head(count)
    phrases = group_phrase(changes, keys)
    return [f"{phrase}: from {format_value(row['prior_value'], unit)} to {format_value(row['value'], unit)} "
            f"({format_change(row['change'], unit)})." for phrase, (_, row) in zip(phrases, changes.iterrows())]


def describe_largest_change(table: pd.DataFrame, keys: Sequence[str], year: int, *, what: str, unit: str) -> str:
    """The group whose ``what`` changed most from last year, in one sentence.

    >>> t = pd.DataFrame({"school_year": [2024, 2025, 2024, 2025], "grade": [7, 7, 7, 7],
    ...                   "el_status": ["EL", "EL", "EO", "EO"], "n": [35, 20, 64, 69],
    ...                   "value": [-124.1, -187.4, -57.8, -73.2]})
    >>> describe_largest_change(t, ["grade", "el_status"], 2025, what="math distance from standard", unit="points")
    'The largest change in math distance from standard from 2023-24 to 2024-25: English learners in Grade 7, from -124.1 points to -187.4 points (down 63.3 points).'

    One figure (one group, or one left with 11 or more students both years) is no "largest":

    >>> describe_largest_change(t[t["el_status"] == "EL"], [], 2025, what="math distance from standard", unit="points")
    'Math distance from standard went from -124.1 points in 2023-24 to -187.4 points in 2024-25 (down 63.3 points).'
    >>> describe_largest_change(t.assign(n=[35, 20, 64, 9]), ["grade", "el_status"], 2025, what="math distance from standard", unit="points")
    'Math distance from standard of English learners in Grade 7 went from -124.1 points in 2023-24 to -187.4 points in 2024-25 (down 63.3 points), the only group with 11 or more students in both years.'
    """
    span = f"from {labels.school_year_label(year - 1)} to {labels.school_year_label(year)}"
    changes = year_changes(table, keys, year)
    if changes.empty:
        return f"No group has 11 or more students in both years to compare {what} {span}."
    if len(changes) > 1:
        largest = describe_largest_changes(table, keys, year, what=what, unit=unit, count=1)
        return f"The largest change in {what} {span}: {largest[0].replace(': from', ', from', 1)}"
    row = changes.iloc[0]
    before, after = format_value(row["prior_value"], unit), format_value(row["value"], unit)
    of = f" of {group_phrase(changes, keys, capital=False).iloc[0]}" if keys else ""
    if format_change(row["change"], unit) == "unchanged" and before == after:
        sentence = (f"{labels.sentence_start(what)}{of} was {after} in {labels.school_year_label(year)}, unchanged from "
                    f"{labels.school_year_label(year - 1)}")
    else:
        sentence = (f"{labels.sentence_start(what)}{of} went from {before} in {labels.school_year_label(year - 1)} to "
                    f"{after} in {labels.school_year_label(year)} ({format_change(row['change'], unit)})")
    groups = table.loc[table["school_year"].isin([year - 1, year]), list(keys)].drop_duplicates() if keys else table.iloc[:1]
    return sentence + (", the only group with 11 or more students in both years." if len(groups) > 1 else ".")


def describe_unusual_changes(table: pd.DataFrame, keys: Sequence[str], year: int, *, what: str, unit: str) -> list[str]:
    """Changes much bigger than the others' (``UNUSUAL_CHANGE_RATIO`` x the median change): what is surprising.

    >>> t = pd.DataFrame({"school_year": [2024] * 4 + [2025] * 4, "school": list("ABCD") * 2,
    ...                   "n": [40] * 8, "value": [20.0, 22.0, 18.0, 17.0, 21.0, 20.0, 19.0, 45.0]})
    >>> describe_unusual_changes(t, ["school"], 2025, what="chronic absence", unit="%")
    ['At D, chronic absence moved far more than elsewhere: from 17.0% to 45.0% (up 28.0 percentage points), against a typical change of 1.5 percentage points.']
    >>> by_grade = t.assign(grade=t["school"].map({"A": 3, "B": 4, "C": 5, "D": 6})).drop(columns="school")
    >>> describe_unusual_changes(by_grade, ["grade"], 2025, what="chronic absence", unit="%")[0][:40]
    'In Grade 6, chronic absence moved far mo'
    """
    changes = year_changes(table, keys, year)
    if len(changes) < 3:
        return []
    sizes = changes["change"].abs()
    typical = float(sizes.median())
    unusual = changes[sizes > max(UNUSUAL_CHANGE_RATIO * typical, 1.0)]
    words = "percentage points" if unit == "%" else unit
    place = group_phrase(unusual, keys, capital=False)
    place = place.str.replace("^students at ", "At ", regex=True).str.replace("^students in ", "In ", regex=True)
    place = place.where(place.str.startswith(("At ", "In ")), "For " + place)
    return [f"{who}, {what} moved far more than elsewhere: from {format_value(r['prior_value'], unit)} to "
            f"{format_value(r['value'], unit)} ({format_change(r['change'], unit)}), against a typical change of "
            f"{typical:.1f} {words}."
            for who, (_, r) in zip(place, unusual.iterrows())]


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
    intervals overlap (:func:`flp_inquiry.inquiry.group_gaps`).  With one gap to
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
    """Who makes up most of a gap, from :func:`flp_inquiry.inquiry.contributions_to_gap`.

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
    """Which units fall outside the 99.8% funnel limits (:func:`flp_inquiry.inquiry.funnel_limits`).

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


def as_markdown(heading: str, sentences: Sequence[str], level: int = 2) -> str:
    """A Markdown section: a heading and one bullet per sentence (empty sentences left out).

    >>> print(as_markdown("What the data shows", ["Math rose.", ""]))
    ## What the data shows
    <BLANKLINE>
    - Math rose.
    """
    return f"{'#' * level} {heading}\n\n{bullets(sentences)}"


def bullets(sentences: Sequence[str]) -> str:
    """One Markdown bullet per sentence (empty ones left out).

    >>> print(bullets(["Math rose.", "", "ELA held."]))
    - Math rose.
    - ELA held.
    """
    return "\n".join(f"- {sentence}" for sentence in sentences if sentence)


def largest_change(table: pd.DataFrame, keys: Sequence[str], year: int) -> dict | None:
    """The group (``keys`` values) whose value changed most since last year, among shown groups; None if none.

    >>> t = pd.DataFrame({"school_year": [2024, 2025, 2024, 2025], "grade": [6, 6, 7, 7],
    ...                   "n": [40, 38, 30, 25], "value": [-50.0, -40.0, -60.0, -90.0]})
    >>> largest_change(t, ["grade"], 2025)
    {'grade': 7, 'prior_value': -60.0, 'value': -90.0, 'change': -30.0}
    """
    changes = year_changes(table, keys, year)
    if changes.empty:
        return None
    return changes.iloc[[0]][[*keys, "prior_value", "value", "change"]].to_dict("records")[0]



#: Topics the state counts in some grades only: the grades, and the words that say so.
GRADES_COUNTED = {
    "chronic_absence": (tuple(range(0, 9)), "Chronic absence is counted in grades K-8 only"),
    "graduation": (tuple(range(9, 13)), "Graduation and a-g completion are counted for high-school students (grades 9-12) only"),
    "matched_growth": (tuple(range(4, 9)), "The same students can be followed from last year's test to this year's "
                                          "in grades 4-8 only"),
    "math_courses": (tuple(range(6, 13)), "Algebra 1 / Integrated 1 and math course marks are counted in grades 6-12 only"),
    "algebra_by_8": ((8,), "Algebra 1 / Integrated 1 by grade 8 is counted for grade 8 students only"),
    "state_tests": ((3, 4, 5, 6, 7, 8, 11), "The state tests (Smarter Balanced) are taken in grades 3-8 and 11 only"),
}


def grades_words(grades: Sequence[int]) -> str:
    """Grades in words, runs joined: ``grades K-8``, ``grade 8``, ``grades 3-8 and 11``.

    >>> grades_words(range(0, 9)), grades_words([8]), grades_words([3, 4, 5, 6, 7, 8, 11])
    ('grades K-8', 'grade 8', 'grades 3-8 and 11')
    """
    runs: list[list[int]] = []
    for grade in sorted(grades):
        if runs and grade == runs[-1][-1] + 1:
            runs[-1].append(grade)
        else:
            runs.append([grade])
    name = {-1: "TK", 0: "K"}
    words = [name.get(run[0], str(run[0])) + (f"-{run[-1]}" if len(run) > 1 else "") for run in runs]
    many = len(runs) > 1 or len(runs[0]) > 1
    return ("grades " if many else "grade ") + labels.join_words(words)


def counted_here(inquiry, topic: str) -> bool:
    """Whether the inquiry's scope has students, this school year, in the grades ``topic`` is counted in.

    District-wide always True.  See :data:`GRADES_COUNTED`.

    >>> from flp_inquiry.metrics import _example
    >>> from flp_inquiry.session import Inquiry
    >>> from flp_inquiry.store import DistrictData
    >>> _, enrollment = _example()
    >>> data = DistrictData("fresno", enrollment, pd.DataFrame(), pd.DataFrame(), pd.DataFrame())
    >>> counted_here(Inquiry("fresno", 2024, "A", data), "graduation"), counted_here(Inquiry("fresno", 2024, "B", data), "algebra_by_8")
    (False, True)
    """
    if inquiry.whole_district:
        return True
    enrolled = inquiry.enrollment
    enrolled = enrolled[(enrolled["school_year"] == inquiry.school_year) & enrolled["primary"].astype(bool)
                        & enrolled["grade"].isin(GRADES_COUNTED[topic][0])]
    return not enrolled.empty


def describe_grades_not_counted(inquiry, topic: str) -> str:
    """One sentence when the inquiry's school has no students in the grades ``topic`` is counted in; else ``""``.

    A high school has nothing to show for chronic absence (grades K-8), an
    elementary school for graduation: a report says so plainly rather than
    "too few students".  District-wide the sentence is always ``""``.

    >>> from flp_inquiry.metrics import _example
    >>> from flp_inquiry.session import Inquiry
    >>> from flp_inquiry.store import DistrictData
    >>> _, enrollment = _example()
    >>> data = DistrictData("fresno", enrollment, pd.DataFrame(), pd.DataFrame(), pd.DataFrame())
    >>> describe_grades_not_counted(Inquiry("fresno", 2024, "A", data), "graduation")
    'Graduation and a-g completion are counted for high-school students (grades 9-12) only, and A has no students in those grades in 2023-24: there is nothing to show here.'
    >>> describe_grades_not_counted(Inquiry("fresno", 2024, "B", data), "graduation")
    ''
    """
    if counted_here(inquiry, topic):
        return ""
    words = GRADES_COUNTED[topic][1]
    return (f"{words}, and {inquiry.school} has no students in those grades in {inquiry.year_label}: "
            "there is nothing to show here.")


def where_counted(inquiry, topic: str, sentences: Sequence[str], *, again: bool = False) -> list[str]:
    """``sentences``, or only :func:`describe_grades_not_counted`'s sentence when the school has none of the grades.

    ``again`` for a later section of the same report: a short pointer instead of the
    whole sentence a second time.

    >>> from flp_inquiry.metrics import _example
    >>> from flp_inquiry.session import Inquiry
    >>> from flp_inquiry.store import DistrictData
    >>> where_counted(Inquiry("fresno", 2025, "all", None), "chronic_absence", ["Chronic absence rose."])
    ['Chronic absence rose.']
    >>> _, enrollment = _example()
    >>> elementary = Inquiry("fresno", 2024, "A", DistrictData("fresno", enrollment, pd.DataFrame(), pd.DataFrame(), pd.DataFrame()))
    >>> where_counted(elementary, "graduation", ["Graduation rose."], again=True)
    ['Not counted at A either (see above).']
    """
    note = describe_grades_not_counted(inquiry, topic)
    if note and again:
        return [f"Not counted at {inquiry.school} either (see above)."]
    return [note] if note else list(sentences)


def describe_nothing_drawn(table: pd.DataFrame, *, what: str) -> str:
    """A sentence when no row of a chart's table has 11 or more students (so no chart is drawn); else ``""``.

    >>> t = pd.DataFrame({"grade": [3, 4], "level": [2, 3], "n": [4, 9], "value": [40.0, 60.0]})
    >>> describe_nothing_drawn(t, what="English learners by ELPAC level")
    'No group has 11 or more students to draw English learners by ELPAC level.'
    >>> describe_nothing_drawn(t.assign(n=[4, 12]), what="English learners by ELPAC level")
    ''
    """
    return "" if len(shown_rows(table)) else f"No group has 11 or more students to draw {what}."


def scope_sentence(district_name: str, school: str, year: int) -> str:
    """Whom and when a notebook is about.

    >>> scope_sentence("Fresno Unified", "all", 2025)
    'All schools of Fresno Unified, school year 2024-25 (with earlier years for trends).'
    """
    where = f"All schools of {district_name}" if school == "all" else f"{school}, {district_name}"
    return f"{where}, school year {labels.school_year_label(year)} (with earlier years for trends)."


def describe_decomposition(decomposition: pd.DataFrame, unit_col: str, *, what: str, unit: str,
                           keys: Sequence[str] | None = None) -> str:
    """Composition against performance, from :func:`flp_inquiry.inquiry.decompose_change`.

    Only the total and units left shown by suppression (a ``*`` in ``performance``
    means hidden; :func:`flp_inquiry.charts.decomposition_table` hides them) are quoted.
    ``keys`` (default ``[unit_col]``) name the unit's students, as in :func:`describe_contributions`.

    >>> d = pd.DataFrame({"school": ["A", "B", "C", "Total"], "before_n": [40, 30, 5, 75], "after_n": [50, 30, 4, 84],
    ...     "composition": [1.0, -0.5, "*", 0.5], "performance": [-20.0, -2.0, "*", -22.0], "change": [-19.0, -2.5, "*", -21.5]})
    >>> describe_decomposition(d, "school", what="math distance from standard", unit="points")
    'Since last year, math distance from standard went down 21.5 points: up 0.5 points from who is enrolled where (composition) and down 22.0 points from how students did (performance). The biggest part of the performance change: Students at A (down 20.0 points).'

    A hidden total (under 11 students in either year) is not taken apart:

    >>> describe_decomposition(d.assign(change=["*"] * 4), "school", what="math distance from standard", unit="points")
    'Fewer than 11 students in one of the two years: the change in math distance from standard cannot be taken apart.'
    """
    total = decomposition.iloc[-1]
    if pd.isna(pd.to_numeric(pd.Series([total["change"]]), errors="coerce").iloc[0]):
        return f"Fewer than 11 students in one of the two years: the change in {what} cannot be taken apart."
    moved = format_change(total["change"], unit)
    sentence = (f"Since last year, {what} {'was unchanged' if moved == 'unchanged' else 'went ' + moved}: "
                f"{format_change(total['composition'], unit)} from who is enrolled where (composition) and "
                f"{format_change(total['performance'], unit)} from how students did (performance).")
    groups = decomposition.iloc[:-1]
    performance = pd.to_numeric(groups["performance"], errors="coerce")
    counts = [pd.to_numeric(groups[n], errors="coerce") for n in ("before_n", "after_n")]
    keep = performance.notna() & (counts[0] >= 11) & (counts[1] >= 11)
    shown = groups[keep].assign(performance=performance[keep])
    if not shown.empty:
        top = shown.loc[[shown["performance"].abs().idxmax()]]
        who = group_phrase(top, list(keys) if keys is not None else [unit_col]).iloc[0]
        which = "The only part of the performance change that can be shown" if len(shown) == 1 and len(groups) > 1 \
            else "The biggest part of the performance change"
        sentence += f" {which}: {who} ({format_change(top['performance'].iloc[0], unit)})."
    return sentence


def describe_matched_growth(growth: pd.DataFrame, *, words: str) -> str:
    """Did the same students fall? From :func:`flp_inquiry.inquiry.matched_cohort_growth` (one row).

    ``words`` name the students followed, as their groups were when they started.

    >>> g = pd.DataFrame({"n": [25], "dfs_from": [-120.0], "dfs_to": [-160.5], "dfs_change": [-40.5]})
    >>> describe_matched_growth(g, words="English learners in Grade 6 last year")
    'The same students (English learners in Grade 6 last year, tested again this year) went from -120.0 points to -160.5 points (down 40.5 points): the change is in these students, not only a different cohort.'
    >>> describe_matched_growth(g.assign(n=[9]), words="English learners in Grade 6 last year")
    'Fewer than 11 English learners in Grade 6 last year were tested again this year: the same students cannot be followed here.'
    """
    shown = shown_rows(growth, value="dfs_change")
    if shown.empty:
        return f"Fewer than 11 {words} were tested again this year: the same students cannot be followed here."
    row = shown.iloc[0]
    reading = ("the change is in these students, not only a different cohort" if abs(row["dfs_change"]) >= 10
               else "these students held about steady, so a change between cohorts is about who arrived, not growth")
    return (f"The same students ({words}, tested again this year) went from "
            f"{format_value(row['dfs_from'], 'points')} to {format_value(row['dfs_to'], 'points')} "
            f"({format_change(row['dfs_change'], 'points')}): {reading}.")


def describe_bottleneck(bottleneck: pd.DataFrame, year: int) -> str:
    """The ELPAC level-3 bottleneck in words, from :func:`flp_inquiry.explorer.level3_bottleneck`.

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


# ---------------------------------------------------------------------------
# the common metrics at a glance
# ---------------------------------------------------------------------------

#: The partnership's indicators: (metric of :data:`flp_inquiry.metrics.METRICS`, subject, grade span, words, unit).
COMMON_INDICATORS = (
    ("percent_met", "ela", None, "ELA: percent met or exceeded", "%"),
    ("percent_met", "math", None, "Math: percent met or exceeded", "%"),
    ("dfs", "ela", "3-8", "ELA: distance from standard, grades 3-8", "points"),
    ("dfs", "math", "3-8", "Math: distance from standard, grades 3-8", "points"),
    ("elpi", None, None, "English learner progress (ELPI)", "%"),
    ("reclassification", None, None, "Reclassification rate", "%"),
    ("chronic_absence", None, None, "Chronic absenteeism (grades K-8)", "%"),
    ("algebra_by_8", None, None, "Algebra 1 / Integrated 1 by grade 8 (C or better)", "%"),
    ("grad_rate", None, None, "Four-year graduation rate", "%"),
    ("ag_rate", None, None, "a-g completion (of graduates)", "%"),
)


#: The grades each common indicator is counted in (a topic of :data:`GRADES_COUNTED`).
_COUNTED_AS = {"percent_met": "state_tests", "dfs": "state_tests", "chronic_absence": "chronic_absence",
               "algebra_by_8": "algebra_by_8", "grad_rate": "graduation", "ag_rate": "graduation"}


def _indicator_rows(inquiry, metric: str, subject: str | None, grade_span: str | None) -> pd.DataFrame:
    """One indicator for the inquiry's scope, every year the metric gives (unsuppressed).

    A notebook shows the indicators at a glance and then as trends: each is worked out once.
    """
    return _recent_indicators.get_or_make([inquiry], (metric, subject, grade_span),
                                          lambda: _work_out_indicator(inquiry, metric, subject, grade_span))


_recent_indicators = Recent(size=16)


def _work_out_indicator(inquiry, metric: str, subject: str | None, grade_span: str | None) -> pd.DataFrame:
    from flp_inquiry.metrics import METRICS

    by = [] if inquiry.whole_district else ["school"]
    table = METRICS[metric].compute(inquiry.scoped_data, inquiry.school_year, subject, by)
    if by:
        table = table[table["school"] == inquiry.school]
    if grade_span is not None:
        table = table[table["grade_span"] == grade_span]
    if "school_year" not in table:  # the Dashboard metrics give this year, with last year beside it
        table = table.assign(school_year=inquiry.school_year)
    return table


def common_metrics(inquiry) -> pd.DataFrame:
    """Each common indicator this year and last, with the Dashboard's status and colour where it has them.

    Returns
    -------
    DataFrame
        ``indicator, metric, subject, grade_span, unit, n, value, prior_n, prior_value, change,
        status, colour, not_counted`` (unsuppressed; pass through :func:`flp_inquiry.charts.reader_table`,
        with ``not_counted="not_counted"``: why a school's indicator is not counted at all, or ``""``).

    Examples
    --------
    >>> from flp_inquiry.metrics import _example
    >>> from flp_inquiry.schema import columns_of
    >>> from flp_inquiry.session import Inquiry
    >>> from flp_inquiry.store import DistrictData
    >>> assessments, enrollment = _example()
    >>> empty = {t: pd.DataFrame(columns=columns_of(t)) for t in ("math_courses", "outcomes")}
    >>> glance = common_metrics(Inquiry("fresno", 2024, "all", DistrictData("fresno", enrollment, assessments, **empty)))
    >>> glance.loc[glance["metric"] == "chronic_absence", ["n", "value", "prior_n", "prior_value", "change"]].round(1).to_dict("records")
    [{'n': 6, 'value': 0.0, 'prior_n': 3, 'prior_value': 33.3, 'change': -33.3}]

    For one school, an indicator counted in grades it has no students in says so
    (``not_counted``), and Distance from Standard is grade 11's where it has no grades 3-8.
    """
    from flp_inquiry.dashboard import level_names
    from flp_inquiry.metrics import dfs_grade_span

    year, rows = inquiry.school_year, []
    status_names, colour_names = level_names("status"), level_names("colour")
    for metric, subject, grade_span, words, unit in COMMON_INDICATORS:
        if metric == "dfs" and dfs_grade_span(_indicator_rows(inquiry, metric, subject, None)) != grade_span:
            grade_span, words = "11", words.replace("grades 3-8", "grade 11")  # a high school: grade 11's
        table = _indicator_rows(inquiry, metric, subject, grade_span)
        topic = _COUNTED_AS.get(metric)
        not_counted = "" if topic is None or counted_here(inquiry, topic) else \
            f"not counted at this school: {grades_words(GRADES_COUNTED[topic][0])} only"
        row = {"indicator": words, "metric": metric, "subject": subject or "", "grade_span": grade_span or "",
               "unit": unit, "n": 0, "value": None, "prior_n": 0, "prior_value": None, "change": None,
               "status": "", "colour": "", "not_counted": not_counted}
        now = table[table["school_year"] == year]
        if not now.empty:
            current = now.iloc[0]
            row.update(n=int(current["n"]), value=current["value"])
            if "prior_n" in now:  # the Dashboard metrics come with last year and the change
                row.update(prior_n=int(current["prior_n"]) if pd.notna(current["prior_n"]) else 0,
                           prior_value=current["prior_value"], change=current["change"],
                           status=status_names.get(current.get("status_level"), "") if pd.notna(current.get("status_level")) else "",
                           colour=colour_names.get(current.get("colour"), "") if pd.notna(current.get("colour", None)) else "")
        before = table[table["school_year"] == year - 1]
        if "prior_n" not in table and not before.empty:
            row.update(prior_n=int(before.iloc[0]["n"]), prior_value=before.iloc[0]["value"])
            if row["value"] is not None:
                row["change"] = row["value"] - row["prior_value"]
        rows.append(row)
    glance = pd.DataFrame(rows)
    for column in ("value", "prior_value", "change"):
        glance[column] = pd.to_numeric(glance[column], errors="coerce").astype(float)
    return glance


def describe_colours(glance: pd.DataFrame) -> str:
    """The common indicators' Dashboard colours, lowest first (from :func:`common_metrics`).

    Indicators measure different things, so they are not ranked by their figures;
    the colour is the Dashboard's own reading of each.  A colour needs 11 or more
    students this year and last (the table hides it otherwise).

    >>> g = pd.DataFrame({"indicator": ["ELA: distance from standard, grades 3-8", "English learner progress (ELPI)",
    ...                                 "Math: distance from standard, grades 3-8", "Chronic absenteeism (grades K-8)"],
    ...                   "n": [115, 92, 115, 209], "prior_n": [110, 8, 110, 200], "colour": ["Orange", "Green", "Orange", ""]})
    >>> describe_colours(g)
    'Dashboard colours (Red is the lowest, Blue the highest): Orange for ELA: distance from standard, grades 3-8 and Math: distance from standard, grades 3-8.'
    >>> describe_colours(g.assign(colour=""))
    'No common indicator has a Dashboard colour here (a colour needs 11 or more students this year and last).'
    """
    from flp_inquiry.dashboard import level_names

    rank = {name: number for number, name in level_names("colour").items()}
    coloured = glance[(glance["n"] >= MIN_N) & (glance["prior_n"] >= MIN_N) & glance["colour"].isin(list(rank))]
    if coloured.empty:
        return "No common indicator has a Dashboard colour here (a colour needs 11 or more students this year and last)."
    parts = [f"{colour} for {labels.join_words(list(rows['indicator']))}"
             for colour, rows in sorted(coloured.groupby("colour", sort=False), key=lambda item: rank[item[0]])]
    return f"Dashboard colours (Red is the lowest, Blue the highest): {'; '.join(parts)}."


def indicator_trends(inquiry, indicators: Sequence[str] | None = None) -> pd.DataFrame:
    """The common indicators that are rates, every year up to the inquiry's: ``indicator, school_year, n, value``.

    ``indicators`` names the ones wanted (as the ``indicator`` column words them); default all.

    >>> from flp_inquiry.metrics import _example
    >>> from flp_inquiry.schema import columns_of
    >>> from flp_inquiry.session import Inquiry
    >>> from flp_inquiry.store import DistrictData
    >>> assessments, enrollment = _example()
    >>> empty = {t: pd.DataFrame(columns=columns_of(t)) for t in ("math_courses", "outcomes")}
    >>> trends = indicator_trends(Inquiry("fresno", 2024, "all", DistrictData("fresno", enrollment, assessments, **empty)))
    >>> trends[trends["indicator"] == "Reclassification rate"][["school_year", "n", "value"]].to_dict("records")
    [{'school_year': 2023, 'n': 2, 'value': 50.0}, {'school_year': 2024, 'n': 2, 'value': 0.0}]
    """
    parts = []
    for metric, subject, grade_span, words, unit in COMMON_INDICATORS:
        if unit != "%" or metric == "elpi" or (indicators is not None and words not in indicators):
            continue
        table = _indicator_rows(inquiry, metric, subject, grade_span)
        table = table[table["school_year"] <= inquiry.school_year]
        parts.append(table[["school_year", "n", "value"]].assign(indicator=words))
    if not parts:
        return pd.DataFrame(columns=["indicator", "school_year", "n", "value"])
    trends = pd.concat(parts, ignore_index=True)
    return trends[["indicator", "school_year", "n", "value"]]


def partner_figures(inquiry) -> tuple[pd.DataFrame | None, str]:
    """The other district's common indicators (all students) from its aggregate extract, and where they came from.

    The extract (:mod:`flp_inquiry.extract`) is read from ``extracts/`` beside the
    harmonised data; if there is none but the partner's harmonised data is here,
    the extract is built from it in memory.  Only its suppressed aggregates are used.

    >>> from pathlib import Path
    >>> from flp_inquiry.session import Inquiry
    >>> figures, source = partner_figures(Inquiry("fresno", 2025, "all", None, data_dir=Path("/nonexistent/harmonised")))
    >>> figures is None, source
    (True, 'No aggregate extract from Long Beach Unified for 2024-25 yet.')
    """
    from flp_inquiry.extract import ensure_extract, extract_paths, read_extracts
    from flp_inquiry.store import MANIFEST, district_folder

    partner, year = inquiry.partner, inquiry.school_year
    extracts = inquiry.data_dir.parent / "extracts"
    name = labels.district_label(partner)
    if (district_folder(partner, inquiry.data_dir) / MANIFEST).is_file():
        # the partner's data is here too: its extract is (re)written when its data changed
        ensure_extract(partner, year, data=inquiry.data_dir, out=extracts)
    elif not extract_paths(partner, year, extracts)[0].is_file():
        return None, f"No aggregate extract from {name} for {labels.school_year_label(year)} yet."
    extract = read_extracts(extracts)
    extract = extract[(extract["district"] == partner) & (extract["school_year"] == year)]
    source = f"{name}'s aggregate extract ({extracts.name}/{partner}_{year}.csv: aggregates only, small groups hidden)."
    overall = extract[extract["group_type"] == "all"]
    figures = overall.assign(subject=overall["subject"].fillna(""), grade_span=overall["grade_span"].fillna(""))
    figures = figures[["metric", "subject", "grade_span", "value"]].astype({"subject": str, "grade_span": str})
    return figures.rename(columns={"value": "partner_value"}).reset_index(drop=True), source


def with_partner(glance: pd.DataFrame, figures: pd.DataFrame | None) -> pd.DataFrame:
    """:func:`common_metrics` beside the partner's figures (``partner_value``, rounded; ``*`` stays).

    >>> glance = pd.DataFrame({"metric": ["grad_rate"], "subject": [""], "grade_span": [""], "value": [88.0]})
    >>> partner = pd.DataFrame({"metric": ["grad_rate"], "subject": [""], "grade_span": [""], "partner_value": ["91.27"]})
    >>> with_partner(glance, partner)["partner_value"].tolist()
    [91.3]
    """
    if figures is None:
        return glance.assign(partner_value="")
    merged = glance.merge(figures, on=["metric", "subject", "grade_span"], how="left")
    numbers = pd.to_numeric(merged["partner_value"], errors="coerce")
    rounded = pd.Series(round_half_away(numbers, 1), index=merged.index)
    merged["partner_value"] = rounded.astype(object).where(numbers.notna(), merged["partner_value"].fillna(""))
    return merged


def describe_growth_by_grade(growth: pd.DataFrame, subject_words: str) -> str:
    """Where the same students gained and lost most, from :meth:`flp_inquiry.session.Inquiry.matched_growth` by grade.

    >>> g = pd.DataFrame({"grade": [6, 7, 8], "n": [50, 45, 8], "dfs_change": [-4.0, -21.5, 30.0]})
    >>> describe_growth_by_grade(g, "math")
    'Following the same students from last year: in math they lost most ground arriving in Grade 7 (down 21.5 points) and did best arriving in Grade 6 (down 4.0 points).'
    >>> describe_growth_by_grade(g.assign(dfs_change=[4.0, 0.5, 30.0]), "math")
    'Following the same students from last year: in math they gained least arriving in Grade 7 (up 0.5 points) and did best arriving in Grade 6 (up 4.0 points).'
    """
    shown = shown_rows(growth, value="dfs_change")
    if shown.empty:
        return f"Too few students were tested in {subject_words} both years to follow the same students."
    worst, best = shown.loc[shown["dfs_change"].idxmin()], shown.loc[shown["dfs_change"].idxmax()]
    # "lost most ground" only for a fall; when every grade gained, the weakest gained least
    weakest = "lost most ground" if worst["dfs_change"] < 0 else "gained least"
    return (f"Following the same students from last year: in {subject_words} they {weakest} arriving in "
            f"{labels.grade_label(worst['grade'])} ({format_change(worst['dfs_change'], 'points')}) and did best arriving in "
            f"{labels.grade_label(best['grade'])} ({format_change(best['dfs_change'], 'points')}).")


#: The grades by which Algebra 1 / Integrated 1 is followed (the partnership's two measures).
ALGEBRA_GRADES = (8, 9)


def _algebra_indicator(grade: int) -> str:
    return f"By grade {grade}"


def algebra_trends(inquiry) -> pd.DataFrame:
    """Algebra 1 / Integrated 1 (C or better) by grade 8 and by grade 9, every year: ``indicator, school_year, n, value``.

    >>> from flp_inquiry.metrics import _example
    >>> from flp_inquiry.session import Inquiry
    >>> from flp_inquiry.store import DistrictData
    >>> _, enrollment = _example()
    >>> courses = pd.DataFrame({"school_year": [2024], "student_key": ["f:5"], "course_level": ["algebra_1"], "mark": ["B"]})
    >>> trends = algebra_trends(Inquiry("fresno", 2024, "all", DistrictData("fresno", enrollment, pd.DataFrame(), courses, pd.DataFrame())))
    >>> trends[["indicator", "school_year", "n", "value"]].round(1).to_dict("records")
    [{'indicator': 'By grade 8', 'school_year': 2024, 'n': 3, 'value': 33.3}]
    """
    parts = [inquiry.metric("algebra_by_grade", grade=grade, by=["school_year"]).assign(indicator=_algebra_indicator(grade))
             for grade in ALGEBRA_GRADES]
    trends = pd.concat(parts, ignore_index=True)
    trends = trends[trends["school_year"] <= inquiry.school_year]
    return trends[["indicator", "school_year", "n", "value"]].reset_index(drop=True)


def describe_algebra(trends: pd.DataFrame, year: int) -> str:
    """Algebra 1 / Integrated 1 by grade 8 and by grade 9 in ``year``, in one sentence (from :func:`algebra_trends`).

    Each is a share of its own grade's students, so the two are read side by side, not ranked.

    >>> t = pd.DataFrame({"indicator": ["By grade 8", "By grade 9", "By grade 8"], "school_year": [2025, 2025, 2024],
    ...                   "n": [44, 8, 40], "value": [36.36, 50.0, 30.0]})
    >>> describe_algebra(t, 2025)
    'Completed Algebra 1 / Integrated 1 with C or better: by grade 8, 36.4% of grade 8 students; by grade 9, fewer than 11 grade 9 students to show.'
    >>> describe_algebra(t[t["indicator"] == "By grade 8"], 2025)  # a K-8 school has no grade 9
    'Completed Algebra 1 / Integrated 1 with C or better: by grade 8, 36.4% of grade 8 students.'
    """
    this_year = trends[trends["school_year"] == year]
    shown = shown_rows(this_year)
    parts = []
    for grade in ALGEBRA_GRADES:
        indicator = _algebra_indicator(grade)
        if not (this_year["indicator"] == indicator).any():
            continue  # no students in that grade here (a K-8 school has no grade 9)
        rows = shown[shown["indicator"] == indicator]
        parts.append(f"by grade {grade}, {format_value(rows['value'].iloc[0], '%')} of grade {grade} students" if len(rows)
                     else f"by grade {grade}, fewer than 11 grade {grade} students to show")
    if not parts:
        return f"No students in grade 8 or 9 in {labels.school_year_label(year)} to report Algebra 1 / Integrated 1 for."
    return "Completed Algebra 1 / Integrated 1 with C or better: " + "; ".join(parts) + "."


def value_in(table: pd.DataFrame, year: int) -> float | None:
    """The shown value of a one-group table (``school_year``, ``n``, ``value``) in ``year``; None if hidden or absent.

    >>> t = pd.DataFrame({"school_year": [2024, 2025], "n": [40, 9], "value": [20.0, 30.0]})
    >>> value_in(t, 2024), value_in(t, 2025), value_in(t, 2026)
    (20.0, None, None)
    """
    shown = shown_rows(table)
    shown = shown[shown["school_year"] == year]
    return float(shown["value"].iloc[0]) if len(shown) else None
