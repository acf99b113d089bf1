"""How a hypothesis gets its verdict: tested on a report's own numbers, with the figures behind it.

A hypothesis is an "if ..., then ..." that the data can speak to.  Its verdict is one of
:data:`~flp_inquiry.inquiry.claims.VERDICTS`:

- **supported**: the figures run the way the "then" says, beyond chance (95% intervals apart);
- **not supported**: they run the other way, beyond chance;
- **can't tell**: too few students, hidden cells, no prior year, or intervals that overlap;
  and also when this year supports it but last year's figures ran the other way.

A verdict is about the figures, not about causes: a gap that goes with chronic absence does not
show that absence made it.  Each hypothesis says what would test it further.

Every function takes the (unsuppressed) tables the report shows and keeps to the rows a reader may
see (11 or more students): a hidden cell is never quoted, and leads to "can't tell".
"""
from __future__ import annotations

from typing import Hashable, Sequence

import numpy as np
import pandas as pd

from flp_inquiry.inquiry import labels
from flp_inquiry.inquiry.claims import CANT_TELL, NOT_SUPPORTED, SUPPORTED, Claim, Figure, Hypothesis
from flp_inquiry.inquiry.findings.changes import UNUSUAL_CHANGE_RATIO, year_changes
from flp_inquiry.inquiry.findings.words import group_phrase, shown_rows, with_source
from flp_inquiry.inquiry.intervals import wilson_interval


def _interval_words(low: float, high: float, unit: str) -> str:
    number = (lambda v: f"{Figure.of(v, '%').shown:.1f}%") if unit == "%" else (lambda v: f"{Figure.of(v, unit).shown:.1f}")
    return f"95% interval {number(low)} to {number(high)}"


def with_intervals(table: pd.DataFrame, unit: str) -> pd.DataFrame:
    """``table`` with ``low`` and ``high``: the 95% interval of each rate (Wilson) where the table has none.

    A mean (``unit="points"``) needs its own interval (``low``/``high`` from the students' spread):
    a table without them is returned as is.

    >>> with_intervals(pd.DataFrame({"n": [10], "value": [80.0]}), "%")[["low", "high"]].round(2).to_dict("records")
    [{'low': 49.02, 'high': 94.33}]
    """
    if {"low", "high"} <= set(table) or unit != "%":
        return table
    n = pd.to_numeric(table["n"], errors="coerce").fillna(0).to_numpy(dtype=float)
    value = pd.to_numeric(table["value"], errors="coerce").fillna(0).to_numpy(dtype=float)
    low, high = wilson_interval(value / 100 * n, n)
    return table.assign(low=low, high=high)


def compare(focus: pd.Series, reference: pd.Series, expect_lower: bool) -> str:
    """The verdict of "``focus`` is lower (``expect_lower``) or higher than ``reference``", by their 95% intervals.

    >>> row = lambda value, low, high: pd.Series({"value": value, "low": low, "high": high})
    >>> compare(row(20, 10, 30), row(60, 50, 70), expect_lower=True)
    'supported'
    >>> compare(row(80, 70, 90), row(60, 50, 70.5), expect_lower=True)
    "can't tell"
    >>> compare(row(80, 71, 90), row(60, 50, 70), expect_lower=True)
    'not supported'
    """
    if any(pd.isna(v) for v in (focus.get("low"), focus.get("high"), reference.get("low"), reference.get("high"))):
        return CANT_TELL
    apart_below = focus["high"] < reference["low"]
    apart_above = focus["low"] > reference["high"]
    if (apart_below and expect_lower) or (apart_above and not expect_lower):
        return SUPPORTED
    if apart_below or apart_above:
        return NOT_SUPPORTED
    return CANT_TELL


def group_against_group(table: pd.DataFrame, group_col: str, focus: Hashable, reference: Hashable, *,
                        year: int, expect_lower: bool, unit: str, condition: str, expectation: str, test: str,
                        what: str, focus_words: str, reference_words: str, source=None) -> Hypothesis:
    """One group's figure against another's this year (and last year's, where shown), as a hypothesis.

    ``table`` has ``school_year``, ``group_col``, ``n``, ``value`` and, for means, ``low``/``high``
    (rates get Wilson intervals).  Last year's figures, when both groups are shown, must not run the
    other way: if they do, the verdict is "can't tell".

    >>> t = pd.DataFrame({"school_year": [2025, 2025], "pathway": ["Algebra", "None"], "n": [120, 200],
    ...                   "value": [70.0, 15.0]})
    >>> h = group_against_group(t, "pathway", "None", "Algebra", year=2025, expect_lower=True, unit="%",
    ...     condition="If the math pathway goes with a-g", expectation="graduates without algebra complete a-g less often",
    ...     test="Following one cohort from grade 8 would test it.", what="a-g completion",
    ...     focus_words="graduates without algebra by grade 9", reference_words="those with it")
    >>> h.verdict, str(h.evidence)
    ('supported', 'a-g completion of graduates without algebra by grade 9 was 15.0% (95% interval 10.7% to 20.6%) against 70.0% (95% interval 61.3% to 77.5%) for those with it (55.0 percentage points lower).')

    With one of the two groups under 11 (not shown), the verdict says which:

    >>> h = group_against_group(t.tail(1), "pathway", "None", "Algebra", year=2025, expect_lower=True, unit="%",
    ...     condition="", expectation="", test="", what="a-g completion", focus_words="graduates without algebra",
    ...     reference_words="their classmates")
    >>> h.verdict, str(h.evidence)
    ("can't tell", 'fewer than 11 of their classmates in 2024-25, so the two cannot be compared.')
    """
    shown = with_intervals(shown_rows(table), unit)
    def pick(year_, group):
        rows = shown[(shown["school_year"] == year_) & (shown[group_col] == group)]
        return rows.iloc[0] if len(rows) else None

    now = pick(year, focus), pick(year, reference)
    if now[0] is None or now[1] is None:
        # "fewer than 11 SED students", "fewer than 11 of their classmates"
        missing = focus_words if now[0] is None else f"of {reference_words}"
        evidence = f"fewer than 11 {missing} in {labels.school_year_label(year)}, so the two cannot be compared."
        return Hypothesis(condition, expectation, CANT_TELL, evidence, test)
    verdict = compare(now[0], now[1], expect_lower)
    value, against = Figure.of(now[0]["value"], unit), Figure.of(now[1]["value"], unit)
    evidence = Claim.of(f"{what} of {focus_words} was ", value, f" ({_interval_words(now[0]['low'], now[0]['high'], unit)})"
                        " against ", against, f" ({_interval_words(now[1]['low'], now[1]['high'], unit)}) for "
                        f"{reference_words} (", Figure.difference(value, against), ").")
    before = pick(year - 1, focus), pick(year - 1, reference)
    if before[0] is not None and before[1] is not None:
        earlier = compare(before[0], before[1], expect_lower)
        if verdict == SUPPORTED and earlier == NOT_SUPPORTED:
            verdict = CANT_TELL
            evidence = Claim.of(evidence, f" But in {labels.school_year_label(year - 1)} it ran the other way (",
                                Figure.of(before[0]["value"], unit), " against ", Figure.of(before[1]["value"], unit),
                                "): one year is not a pattern.")
    if verdict == CANT_TELL and compare(now[0], now[1], expect_lower) == CANT_TELL:
        evidence = Claim.of(evidence, " The intervals overlap: chance alone could make a gap this size.")
    return Hypothesis(condition, expectation, verdict, with_source(evidence, source), test)


def share_beyond(table: pd.DataFrame, *, year: int, threshold: float, condition: str, expectation: str, test: str,
                 words: str, count_words: str, source=None) -> Hypothesis:
    """Is a share (``value`` of ``n``, this year) beyond ``threshold`` percent, by its 95% (Wilson) interval?

    >>> t = pd.DataFrame({"school_year": [2025], "n": [80], "value": [72.5]})
    >>> h = share_beyond(t, year=2025, threshold=50, condition="If ELs stall at level 3",
    ...     expectation="most of those at level 3 are at level 3 again a year later", test="",
    ...     words="were still at level 3", count_words="English learners at level 3 last year")
    >>> h.verdict, str(h.evidence)
    ('supported', '72.5% (95% interval 61.9% to 81.1%) of the 80 English learners at level 3 last year were still at level 3: more than half.')
    """
    shown = shown_rows(table)
    shown = shown[shown["school_year"] == year]
    if shown.empty:
        return Hypothesis(condition, expectation, CANT_TELL,
                          f"fewer than 11 {count_words}, so the share cannot be shown for {labels.school_year_label(year)}.",
                          test)
    row = shown.iloc[0]
    low, high = (float(v) for v in wilson_interval(row["value"] / 100 * row["n"], row["n"]))
    half = "more than half" if threshold == 50 else f"more than {threshold:g}%"
    if low > threshold:
        verdict, reading = SUPPORTED, f": {half}."
    elif high < threshold:
        verdict, reading = NOT_SUPPORTED, f": fewer than {'half' if threshold == 50 else f'{threshold:g}%'}."
    else:
        verdict, reading = CANT_TELL, f": the interval holds {threshold:g}%, so chance alone could put it either side."
    evidence = Claim.of(Figure.of(row["value"], "%"), f" ({_interval_words(low, high, '%')}) of the ",
                        Figure.count(row["n"]).text.removesuffix(" students"), f" {count_words} {words}{reading}")
    return Hypothesis(condition, expectation, verdict, with_source(evidence, source), test)


def one_change_stands_out(table: pd.DataFrame, keys: Sequence[str], year: int, *, what: str, unit: str,
                          condition: str, expectation: str, test: str, source=None, compared: str = "group") -> Hypothesis:
    """Did one group's figure move far more than the others' since last year (``UNUSUAL_CHANGE_RATIO`` x the median)?

    ``compared`` names what the rows are (``group``; ``rate`` for the common metrics' rates).

    >>> t = pd.DataFrame({"school_year": [2024] * 4 + [2025] * 4, "school": list("ABCD") * 2,
    ...                   "n": [40] * 8, "value": [20.0, 22.0, 18.0, 17.0, 21.0, 20.0, 19.0, 45.0]})
    >>> h = one_change_stands_out(t, ["school"], 2025, what="chronic absence", unit="%",
    ...     condition="If a rise is local", expectation="one school's rate moves far more than the rest", test="")
    >>> h.verdict, str(h.evidence)
    ('supported', 'Students at D: from 17.0% to 45.0% (up 28.0 percentage points); the typical change of the 4 groups compared was 1.5 percentage points.')
    """
    changes = year_changes(table, keys, year)
    if len(changes) < 3:
        return Hypothesis(condition, expectation, CANT_TELL,
                          f"fewer than three {compared}s with 11 or more students both years to compare {what}.", test)
    sizes = changes["change"].abs()
    typical = float(sizes.median())
    unusual = changes[sizes > max(UNUSUAL_CHANGE_RATIO * typical, 1.0)]
    typical_words = Figure.change(0.0, typical, unit).text.removeprefix("up ").removeprefix("down ")
    if unusual.empty:
        return Hypothesis(condition, expectation, NOT_SUPPORTED,
                          f"no {compared}'s {what} moved more than three times the typical change of the {len(changes)} "
                          f"{compared}s compared ({typical_words}).", test)
    parts = []
    for number, (phrase, (_, row)) in enumerate(zip(group_phrase(unusual, keys), unusual.iterrows())):
        first, second = Figure.of(row["prior_value"], unit), Figure.of(row["value"], unit)
        parts += ["; " if number else "", f"{phrase}: from ", first, " to ", second, " (", Figure.change(first, second), ")"]
    parts.append(f"; the typical change of the {len(changes)} {compared}s compared was {typical_words}.")
    return Hypothesis(condition, expectation, SUPPORTED, with_source(Claim.of(*parts), source), test)


def rises_with_grade(table: pd.DataFrame, *, year: int, grades: Sequence[int], what: str, condition: str,
                     expectation: str, test: str, source=None) -> Hypothesis:
    """Is a rate higher in the last of ``grades`` than in the first (this year, 95% Wilson intervals apart)?

    >>> t = pd.DataFrame({"school_year": [2025] * 3, "grade": [6, 7, 8], "n": [100, 100, 100], "value": [30.0, 45.0, 60.0]})
    >>> h = rises_with_grade(t, year=2025, grades=[6, 7, 8], what="long-term EL share", condition="If it builds up",
    ...                      expectation="the share rises from grade to grade", test="")
    >>> h.verdict, str(h.evidence)
    ('supported', 'the long-term EL share was 30.0% in Grade 6 and 60.0% in Grade 8 (up 30.0 percentage points; 95% intervals 21.9% to 39.6% and 50.2% to 69.1%).')
    """
    shown = shown_rows(table)
    shown = shown[(shown["school_year"] == year) & shown["grade"].isin(list(grades))].sort_values("grade")
    if len(shown) < 2:
        return Hypothesis(condition, expectation, CANT_TELL,
                          f"fewer than two of {labels.join_words([labels.grade_label(g) for g in grades])} have 11 or "
                          f"more students to compare the {what}.", test)
    first, last = with_intervals(shown.iloc[[0, -1]], "%").itertuples(index=False)
    verdict = compare(pd.Series(last._asdict()), pd.Series(first._asdict()), expect_lower=False)
    a, b = Figure.of(first.value, "%"), Figure.of(last.value, "%")
    evidence = Claim.of(f"the {what} was ", a, f" in {labels.grade_label(first.grade)} and ", b,
                        f" in {labels.grade_label(last.grade)} (", Figure.change(a, b),
                        f"; 95% intervals {_interval_words(first.low, first.high, '%').removeprefix('95% interval ')} "
                        f"and {_interval_words(last.low, last.high, '%').removeprefix('95% interval ')}).")
    if verdict == CANT_TELL:
        evidence = Claim.of(evidence, " The intervals overlap: chance alone could make a difference this size.")
    return Hypothesis(condition, expectation, verdict, with_source(evidence, source), test)


def mean_interval(values: pd.Series) -> tuple[float, float]:
    """The 95% interval of a mean (normal approximation: mean +/- 1.96 sd / sqrt(n)); NaN for fewer than two values.

    >>> [round(float(v), 2) for v in mean_interval(pd.Series([1.0, 2.0, 3.0, 4.0]))]
    [1.23, 3.77]
    """
    values = pd.to_numeric(values, errors="coerce").dropna()
    if len(values) < 2:
        return float("nan"), float("nan")
    margin = 1.959963984540054 * float(values.std(ddof=1)) / float(np.sqrt(len(values)))
    return float(values.mean()) - margin, float(values.mean()) + margin


def gap_at_one_unit(table: pd.DataFrame, unit_col: str, group_col: str, focus: Hashable, reference: Hashable, *,
                    year: int, unit: str, condition: str, expectation: str, test: str, what: str, focus_words: str,
                    source=None) -> Hypothesis:
    """Is one unit's (school's) gap between two groups beyond chance while the other units' are not?

    Supported when exactly one unit's two groups are apart (95% intervals) the expected way and no
    other unit's are; not supported when no unit's gap is beyond chance, or when most units' are (then
    the gap is everywhere, not at one school); can't tell with fewer than two units to compare.

    >>> t = pd.DataFrame({"school_year": [2025] * 6, "school": ["A", "A", "B", "B", "C", "C"],
    ...                   "sed": [True, False] * 3, "n": [200, 100, 150, 60, 120, 80],
    ...                   "value": [71.0, 91.0, 90.0, 92.0, 88.0, 90.0]})
    >>> h = gap_at_one_unit(t, "school", "sed", True, False, year=2025, unit="%", condition="If", expectation="then",
    ...                     test="", what="the graduation rate", focus_words="SED students")
    >>> h.verdict, str(h.evidence)
    ('supported', 'At A the graduation rate of SED students was 71.0% against 91.0% for the others (20.0 percentage points lower, beyond chance); at the other 2 schools compared the two are within chance.')
    """
    shown = with_intervals(shown_rows(table), unit)
    shown = shown[shown["school_year"] == year]
    pairs = []
    for name, rows in shown.groupby(unit_col, sort=True):
        a, b = rows[rows[group_col] == focus], rows[rows[group_col] == reference]
        if len(a) and len(b):
            pairs.append((name, a.iloc[0], b.iloc[0], compare(a.iloc[0], b.iloc[0], expect_lower=True)))
    unit_words = labels.GROUP_TYPE_LABELS.get(unit_col, unit_col).lower()
    if len(pairs) < 2:
        return Hypothesis(condition, expectation, CANT_TELL,
                          f"fewer than two {unit_words}s have 11 or more {focus_words} and others to compare.", test)
    apart = [pair for pair in pairs if pair[3] == SUPPORTED]
    if len(apart) == 1:
        name, a, b, _ = apart[0]
        first, second = Figure.of(a["value"], unit), Figure.of(b["value"], unit)
        evidence = Claim.of(f"At {name} {what} of {focus_words} was ", first, " against ", second, " for the others (",
                            Figure.difference(first, second), f", beyond chance); at the other {len(pairs) - 1} "
                            f"{unit_words}s compared the two are within chance.")
        return Hypothesis(condition, expectation, SUPPORTED, with_source(evidence, source), test)
    if not apart:
        return Hypothesis(condition, expectation, NOT_SUPPORTED,
                          f"at none of the {len(pairs)} {unit_words}s compared is the gap beyond chance.", test)
    names = labels.join_words([str(pair[0]) for pair in apart])
    verdict = NOT_SUPPORTED if len(apart) * 2 > len(pairs) else CANT_TELL
    return Hypothesis(condition, expectation, verdict,
                      f"the gap is beyond chance at {len(apart)} of the {len(pairs)} {unit_words}s compared ({names}): "
                      "it is not at one school alone.", test)


def with_interval_words(table: pd.DataFrame, unit: str, column: str = "interval") -> pd.DataFrame:
    """``table`` with its 95% intervals as a column of words (``-120.4 to -89.0``), for a reader table.

    Rates get Wilson intervals (:func:`with_intervals`); means need ``low``/``high`` already.  A row
    without an interval gets ``""``; pass ``column`` as one of the table's values so that it is
    hidden with the row's count.

    >>> with_interval_words(pd.DataFrame({"n": [10, 0], "value": [80.0, None]}), "%")["interval"].tolist()
    ['49.0% to 94.3%', '']
    """
    table = with_intervals(table, unit)
    if not {"low", "high"} <= set(table):
        return table.assign(**{column: ""})
    lows, highs = (pd.to_numeric(table[c], errors="coerce") for c in ("low", "high"))  # (a hidden cell is "*")
    words = [_interval_words(low, high, unit).removeprefix("95% interval ") if pd.notna(low) and pd.notna(high) else ""
             for low, high in zip(lows, highs)]
    return table.assign(**{column: words})
