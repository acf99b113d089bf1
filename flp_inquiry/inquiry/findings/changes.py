"""Findings about change: from last year to this, which groups moved most, and what the change is made of.

A change is quoted only when both years are shown (11 or more students each).
"""
from __future__ import annotations

from typing import Sequence

import pandas as pd

from flp_inquiry.inquiry import labels
from flp_inquiry.inquiry.claims import Claim, Figure
from flp_inquiry.inquiry.findings.words import group_phrase, shown_rows, with_source

#: A change this many times the typical (median) change of the other groups stands out.
UNUSUAL_CHANGE_RATIO = 3.0
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


def _moved(before: float, after: float, unit: str) -> list:
    """``from A to B (up C)`` as claim parts: the two figures, and the change worked out from them."""
    first, second = Figure.of(before, unit), Figure.of(after, unit)
    return ["from ", first, " to ", second, " (", Figure.change(first, second), ")"]


def summarise_largest_changes(table: pd.DataFrame, keys: Sequence[str], year: int, *, what: str, unit: str,
                              lead: str, count: int = 3, source=None) -> Claim | str:
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
        return describe_largest_change(table, keys, year, what=what, unit=unit, source=source)
    if not changes:
        return ""
    parts = [lead]
    for change in changes:
        parts += [" ", change]
    return with_source(Claim.of(*parts), source)


def describe_largest_changes(table: pd.DataFrame, keys: Sequence[str], year: int, *, what: str, unit: str,
                             count: int = 3) -> list[Claim]:
    """The ``count`` groups whose ``what`` changed most from last year (either way), one sentence each.

    >>> t = pd.DataFrame({"school_year": [2024, 2025] * 3, "school": ["A", "A", "B", "B", "C", "C"],
    ...                   "n": [40, 40, 30, 30, 30, 8], "value": [20.0, 25.0, 30.0, 18.0, 10.0, 60.0]})
    >>> describe_largest_changes(t, ["school"], 2025, what="percent met", unit="%", count=2)
    ['Students at B: from 30.0% to 18.0% (down 12.0 percentage points).', 'Students at A: from 20.0% to 25.0% (up 5.0 percentage points).']
    """
    changes = year_changes(table, keys, year).head(count)
    phrases = group_phrase(changes, keys)
    return [Claim.of(f"{phrase}: ", *_moved(row["prior_value"], row["value"], unit), ".")
            for phrase, (_, row) in zip(phrases, changes.iterrows())]


def describe_largest_change(table: pd.DataFrame, keys: Sequence[str], year: int, *, what: str, unit: str,
                            source=None) -> Claim | str:
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
        row = changes.iloc[0]
        who = group_phrase(changes.iloc[[0]], keys).iloc[0]
        return with_source(Claim.of(f"The largest change in {what} {span}: {who}, ",
                                    *_moved(row["prior_value"], row["value"], unit), "."), source)
    row = changes.iloc[0]
    before, after = Figure.of(row["prior_value"], unit), Figure.of(row["value"], unit)
    of = f" of {group_phrase(changes, keys, capital=False).iloc[0]}" if keys else ""
    last, this = labels.school_year_label(year - 1), labels.school_year_label(year)
    change = Figure.change(before, after)
    if change.text == "unchanged" and before.text == after.text:
        parts = [f"{labels.sentence_start(what)}{of} was ", after, f" in {this}, unchanged from {last}"]
    else:
        parts = [f"{labels.sentence_start(what)}{of} went from ", before, f" in {last} to ", after, f" in {this} (",
                 change, ")"]
    groups = table.loc[table["school_year"].isin([year - 1, year]), list(keys)].drop_duplicates() if keys else table.iloc[:1]
    parts.append(", the only group with 11 or more students in both years." if len(groups) > 1 else ".")
    return with_source(Claim.of(*parts), source)


def describe_unusual_changes(table: pd.DataFrame, keys: Sequence[str], year: int, *, what: str, unit: str,
                             source=None) -> list[Claim]:
    """Changes much bigger than the others' (``UNUSUAL_CHANGE_RATIO`` x the median change): what is surprising.

    >>> t = pd.DataFrame({"school_year": [2024] * 4 + [2025] * 4, "school": list("ABCD") * 2,
    ...                   "n": [40] * 8, "value": [20.0, 22.0, 18.0, 17.0, 21.0, 20.0, 19.0, 45.0]})
    >>> describe_unusual_changes(t, ["school"], 2025, what="chronic absence", unit="%")
    ['At D, chronic absence moved far more than elsewhere: from 17.0% to 45.0% (up 28.0 percentage points), more than three times the typical change of the 4 groups compared.']
    >>> by_grade = t.assign(grade=t["school"].map({"A": 3, "B": 4, "C": 5, "D": 6})).drop(columns="school")
    >>> describe_unusual_changes(by_grade, ["grade"], 2025, what="chronic absence", unit="%")[0][:40]
    'In Grade 6, chronic absence moved far mo'
    """
    changes = year_changes(table, keys, year)
    unusual = unusual_changes(table, keys, year)
    place = group_phrase(unusual, keys, capital=False)
    place = place.str.replace("^students at ", "At ", regex=True).str.replace("^students in ", "In ", regex=True)
    place = place.where(place.str.startswith(("At ", "In ")), "For " + place)
    return [with_source(Claim.of(f"{who}, {what} moved far more than elsewhere: ",
                                 *_moved(r["prior_value"], r["value"], unit),
                                 f", more than three times the typical change of the {len(changes)} groups compared."),
                        source)
            for who, (_, r) in zip(place, unusual.iterrows())]


def unusual_changes(table: pd.DataFrame, keys: Sequence[str], year: int) -> pd.DataFrame:
    """The rows of :func:`year_changes` whose change is over ``UNUSUAL_CHANGE_RATIO`` x the median change (none for fewer than 3).

    >>> t = pd.DataFrame({"school_year": [2024] * 4 + [2025] * 4, "school": list("ABCD") * 2,
    ...                   "n": [40] * 8, "value": [20.0, 22.0, 18.0, 17.0, 21.0, 20.0, 19.0, 45.0]})
    >>> unusual_changes(t, ["school"], 2025)["school"].tolist()
    ['D']
    """
    changes = year_changes(table, keys, year)
    if len(changes) < 3:
        return changes.iloc[:0]
    sizes = changes["change"].abs()
    return changes[sizes > max(UNUSUAL_CHANGE_RATIO * float(sizes.median()), 1.0)].reset_index(drop=True)


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



def describe_decomposition(decomposition: pd.DataFrame, unit_col: str, *, what: str, unit: str,
                           keys: Sequence[str] | None = None, source=None) -> Claim | str:
    """Composition against performance, from :func:`flp_inquiry.inquiry.decomposition.decompose_change`.

    Only the total and units left shown by suppression (a ``*`` in ``performance``
    means hidden; :func:`flp_inquiry.inquiry.tables.decomposition_table` hides them) are quoted.
    ``keys`` (default ``[unit_col]``) name the unit's students, as in :func:`describe_contributions`.
    A unit's part is its share of the total change (weighted by its students), not the change of
    its own figure: the sentence gives both, so it reads with the table's rows.

    >>> d = pd.DataFrame({"school": ["A", "B", "C", "Total"], "before_n": [40, 30, 5, 75], "after_n": [50, 30, 4, 84],
    ...     "before_value": [-30.0, -50.0, "*", -40.0], "after_value": [-50.0, -52.0, "*", -61.5],
    ...     "composition": [1.0, -0.5, "*", 0.5], "performance": [-20.0, -2.0, "*", -22.0], "change": [-19.0, -2.5, "*", -21.5]})
    >>> describe_decomposition(d, "school", what="math distance from standard", unit="points")
    'Since last year, math distance from standard went down 21.5 points: up 0.5 points from who is enrolled where (composition) and down 22.0 points from how students did (performance). The largest part of the performance change is at A: down 20.0 points of it (its own figure went from -30.0 points to -50.0 points).'

    A hidden total (under 11 students in either year) is not taken apart:

    >>> describe_decomposition(d.assign(change=["*"] * 4), "school", what="math distance from standard", unit="points")
    'Fewer than 11 students in one of the two years: the change in math distance from standard cannot be taken apart.'
    """
    total = decomposition.iloc[-1]
    if pd.isna(pd.to_numeric(pd.Series([total["change"]]), errors="coerce").iloc[0]):
        return f"Fewer than 11 students in one of the two years: the change in {what} cannot be taken apart."
    change, composition, performance = (Figure(float(total[c]), unit, "value", _moved_words(float(total[c]), unit))
                                        for c in ("change", "composition", "performance"))
    parts = [f"Since last year, {what} ", "was unchanged" if change.text == "unchanged" else "went ", change,
             ": ", composition, " from who is enrolled where (composition) and ", performance,
             " from how students did (performance)."]
    if change.text == "unchanged":
        parts[2] = ""
    groups = decomposition.iloc[:-1]
    numbers = {c: pd.to_numeric(groups[c], errors="coerce") for c in ("performance", "before_value", "after_value")}
    counts = [pd.to_numeric(groups[n], errors="coerce") for n in ("before_n", "after_n")]
    keep = numbers["performance"].notna() & (counts[0] >= 11) & (counts[1] >= 11)
    shown = groups[keep].assign(**{c: values[keep] for c, values in numbers.items()})
    if not shown.empty:
        top = shown.loc[[shown["performance"].abs().idxmax()]]
        who = group_phrase(top, list(keys) if keys is not None else [unit_col]).iloc[0]
        where = who.removeprefix("Students ") if who.startswith("Students at ") else f"among {_as_words(who)}"
        row = top.iloc[0]
        which = "The only part of the performance change that can be shown" if len(shown) == 1 and len(groups) > 1 \
            else "The largest part of the performance change"
        part = Figure(float(row["performance"]), unit, "value", _moved_words(float(row["performance"]), unit))
        parts += [f" {which} is {where}: ", part, " of it (its own figure went ",
                  *_moved(row["before_value"], row["after_value"], unit)[:4], ")."]
    return with_source(Claim.of(*parts), source)


def _as_words(phrase: str) -> str:
    """A group's phrase inside a sentence: ``Students in Grade 3`` -> ``students in Grade 3``; names keep their capitals."""
    return phrase[:1].lower() + phrase[1:] if phrase.startswith(("Students", "Reclassified", "Initially")) else phrase


def _moved_words(amount: float, unit: str) -> str:
    """A part of a change as it is written: ``up 0.5 points``, ``down 22.0 points``, ``unchanged``."""
    return Figure.change(0.0, amount, unit).text


def describe_matched_growth(growth: pd.DataFrame, *, words: str, source=None) -> Claim | str:
    """Did the same students fall? From :func:`flp_inquiry.inquiry.cohorts.matched_cohort_growth` (one row).

    ``words`` name the students followed, as their groups were when they started.  The change is
    read with its 95% interval: a fall or a rise only when the interval is all on one side of 0.

    >>> g = pd.DataFrame({"n": [25], "dfs_from": [-120.0], "dfs_to": [-160.5], "dfs_change": [-40.5],
    ...                   "dfs_change_low": [-52.1], "dfs_change_high": [-28.9]})
    >>> describe_matched_growth(g, words="English learners in Grade 6 last year")
    'The same students (English learners in Grade 6 last year, tested again this year) went from -120.0 points to -160.5 points (down 40.5 points; 95% interval -52.1 to -28.9): they fell, more than chance would make it.'
    >>> describe_matched_growth(g.assign(dfs_change=[-5.9], dfs_to=[-125.9], dfs_change_low=[-14.0], dfs_change_high=[2.2]),
    ...                         words="English learners in Grade 6 last year").split(": ")[-1]
    'the interval holds 0, so these students may not have changed at all.'
    >>> describe_matched_growth(g.assign(n=[9]), words="English learners in Grade 6 last year")
    'Fewer than 11 English learners in Grade 6 last year were tested again this year: the same students cannot be followed here.'
    """
    shown = shown_rows(growth, value="dfs_change")
    if shown.empty:
        return f"Fewer than 11 {words} were tested again this year: the same students cannot be followed here."
    row = shown.iloc[0]
    moved = _moved(row["dfs_from"], row["dfs_to"], "points")
    low, high = (float(row[c]) if c in row and pd.notna(row[c]) else None for c in ("dfs_change_low", "dfs_change_high"))
    if low is None or high is None:
        return with_source(Claim.of(f"The same students ({words}, tested again this year) went ", *moved, "."), source)
    interval = [f"; 95% interval {Figure.of(low, 'points').text.removesuffix(' points')} to "
                f"{Figure.of(high, 'points').text.removesuffix(' points')})"]
    if low > 0 or high < 0:
        reading = f": they {'rose' if low > 0 else 'fell'}, more than chance would make it."
    else:
        reading = ": the interval holds 0, so these students may not have changed at all."
    return with_source(Claim.of(f"The same students ({words}, tested again this year) went ", *moved[:-1],
                                *interval, reading), source)


def describe_growth_by_grade(growth: pd.DataFrame, subject_words: str, source=None) -> Claim | str:
    """Where the same students gained and lost most, from :meth:`flp_inquiry.inquiry.session.Inquiry.matched_growth` by grade.

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
    if len(shown) == 1:
        return with_source(Claim.of(f"Following the same students from last year: in {subject_words}, those arriving in "
                                    f"{labels.grade_label(worst['grade'])} changed ",
                                    _change_of(worst["dfs_change"]), ", the only grade with 11 or more of them."), source)
    # "lost most ground" only for a fall; when every grade gained, the weakest gained least
    weakest = "lost most ground" if worst["dfs_change"] < 0 else "gained least"
    return with_source(Claim.of(
        f"Following the same students from last year: in {subject_words} they {weakest} arriving in "
        f"{labels.grade_label(worst['grade'])} (", _change_of(worst["dfs_change"]), ") and did best arriving in "
        f"{labels.grade_label(best['grade'])} (", _change_of(best["dfs_change"]), ")."), source)


def _change_of(amount: float) -> Figure:
    """A change the table shows as its own figure (the same students' mean change), written ``up 4.0 points``."""
    return Figure(float(amount), "points", "value", _moved_words(float(amount), "points"))


def changes_table(table: pd.DataFrame, keys: Sequence[str], year: int, *, unit: str, what: str, count: int | None = None,
                  whole: pd.DataFrame | None = None, only=None):
    """The groups whose figures a change sentence quotes, both years side by side: the figures behind the words.

    ``count`` keeps the largest changes (as :func:`describe_largest_changes` quotes them); ``None`` keeps every
    group shown both years (as :func:`describe_unusual_changes` compares them).  Only groups with 11 or more
    students in both years are in it, so nothing is hidden.

    >>> t = pd.DataFrame({"school_year": [2024, 2025] * 2, "grade": [6, 6, 7, 7], "n": [40, 38, 30, 25],
    ...                   "value": [-50.0, -40.0, -60.0, -90.0]})
    >>> changes_table(t, ["grade"], 2025, unit="points", what="math distance from standard").data.to_dict("records")[0]
    {'Who': 'Students in Grade 7', 'Students, 2023-24': 30, '2023-24 (points)': -60.0, 'Students, 2024-25': 25, '2024-25 (points)': -90.0, 'Change (points)': -30.0, 'Note': 'fewer than 30 students: read with caution'}
    """
    from flp_inquiry.inquiry.tables import reader_table

    changes = year_changes(table, keys, year)
    if only is not None:
        changes = changes.merge(only[list(keys)].drop_duplicates(), on=list(keys))
    if count is not None:
        changes = changes.head(count)
    phrases = group_phrase(changes, keys)
    if whole is not None:
        overall = year_changes(whole, [], year)
        changes = pd.concat([overall, changes], ignore_index=True)
        phrases = pd.concat([pd.Series(["All students"] * len(overall)), phrases], ignore_index=True)
    words = "%" if unit == "%" else unit
    change_words = "percentage points" if unit == "%" else unit
    last, this = labels.school_year_label(year - 1), labels.school_year_label(year)
    rows = changes.assign(students=phrases.to_numpy(),
                          prior_n=changes["prior_n"].astype(int), n=changes["n"].astype(int))
    return reader_table(rows, {
        "students": "Who", "prior_n": f"Students, {last}", "prior_value": f"{last} ({words})",
        "n": f"Students, {this}", "value": f"{this} ({words})", "change": f"Change ({change_words})"},
        counts={"n": ["value", "change"], "prior_n": ["prior_value", "change"]},
        what=f"the table of changes in {what}", caption=f"Changes in {what} since last year")
