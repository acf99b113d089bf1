"""The words every finding is made of: figures, changes, differences and groups as people.

A figure for fewer than 11 students is never quoted: every finding looks only at the rows
:func:`shown_rows` keeps, the rows :func:`flp_inquiry.measures.suppression.suppress_small_cells`
leaves visible.  Units: ``"%"`` for rates (changes and gaps then read as percentage points) and
``"points"`` for Distance from Standard (scale-score points).
"""
from __future__ import annotations

import os
from typing import Sequence

import pandas as pd

from flp_inquiry.inquiry import labels
from flp_inquiry.inquiry.prose import Code, Prose, Strong, paragraph
from flp_inquiry.measures.dashboard import round_half_away
from flp_inquiry.measures.metric_meaning import figures_to_hide, hide_figures, table_meaning
from flp_inquiry.measures.suppression import too_small
from flp_inquiry.measures.table_meaning import HIDE_VARIABLE, MEANING_ATTRIBUTE

#: Group types that describe who the students are (said first in a phrase, in this order).
_WHO = ("attendance", "sed", "gender", "ethnicity", "el_status", "years_as_el", "swd", "pathway")
def shown_rows(table: pd.DataFrame, value: str = "value", n: str = "n") -> pd.DataFrame:
    """The rows a reader may see (11 or more students), with ``n`` and ``value`` as numbers.

    >>> t = pd.DataFrame({"school": ["A", "B", "C"], "n": [10, 11, "*"], "value": [50.0, 45.5, "*"]})
    >>> shown_rows(t)[["school", "n", "value"]].to_dict("records")
    [{'school': 'B', 'n': 11.0, 'value': 45.5}]
    """
    if table.empty:
        return table.assign(**{n: pd.Series(dtype=float), value: pd.Series(dtype=float)})
    table = as_published(table, value, n)
    # the rows suppress_small_cells would leave showing, without making the suppressed copy of the table
    values = pd.to_numeric(table[value], errors="coerce")
    shown = ~too_small(table[n]) & values.notna().to_numpy()
    return table[shown].assign(**{n: pd.to_numeric(table.loc[shown, n], errors="coerce").astype(float),
                                  value: values[shown].astype(float)})


def as_published(table: pd.DataFrame, value: str = "value", n: str = "n") -> pd.DataFrame:
    """``table`` with the figures a pack's privacy audit hides in its reports hidden here too (``*``).

    A sentence quotes only what the tables beside it may show: where the audit's protection hides a
    figure (:data:`~flp_inquiry.measures.table_meaning.HIDE_VARIABLE`), a table that says what it
    counts hides it for the sentences as :func:`flp_inquiry.inquiry.tables.reader_table` does for
    its readers.  Outside a pack, or for a table that does not say what it counts, ``table`` itself.

    >>> t = pd.DataFrame({"n": [40], "value": [50.0]})
    >>> as_published(t) is t
    True
    """
    figures = figures_to_hide(os.environ.get(HIDE_VARIABLE))
    info = table.attrs.get(MEANING_ATTRIBUTE)
    if not figures or info is None or n not in table or value not in table:
        return table
    counts = {n: [value]}
    # the metric's own columns: one a sentence added (``el_status="EL"`` to name the group) is no population
    own = [column for column in table.columns if column in info.get("columns", table.columns)]
    meaning = table_meaning(table[own], table[own], info, "", shown_columns=own, counts=counts, decimals=1)
    if meaning is None:
        return table
    hidden = hide_figures(meaning, table[own].astype(object), figures, counts)
    return table.astype(object).assign(**{column: hidden[column] for column in own})[list(table.columns)]


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
    (:func:`flp_inquiry.inquiry.labels.people_label`).  ``capital=False`` gives the words as
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


def scope_sentence(district_name: str, school: str, year: int) -> str:
    """Whom and when a notebook is about.

    >>> scope_sentence("Fresno Unified", "all", 2025)
    'All schools of Fresno Unified, school year 2024-25 (with earlier years for trends).'
    """
    where = f"All schools of {district_name}" if school == "all" else f"{school}, {district_name}"
    return f"{where}, school year {labels.school_year_label(year)} (with earlier years for trends)."


def with_source(claim, source):
    """``claim`` pointing at the table ``source`` (a reader table) its figures can be read in; as is without one.

    The pointer goes before the sentence's last full stop, and is left out when the table shows no rows.

    >>> from flp_inquiry.inquiry.claims import Claim
    >>> class Table:
    ...     caption, table_id, shows_rows = "Math by grade", "t-math-by-grade", True
    >>> with_source(Claim.of("Math rose."), Table())
    'Math rose (table: Math by grade).'
    >>> with_source(Claim.of("Math rose."), None)
    'Math rose.'
    """
    from flp_inquiry.inquiry.claims import Claim, See

    if source is None or not isinstance(claim, str) or not claim:
        return claim
    parts = list(claim.parts) if isinstance(claim, Claim) else [str(claim)]
    last = parts[-1]
    if isinstance(last, str) and last.endswith("."):
        parts[-1:] = [last[:-1], See(source), "."] if last[:-1] else [See(source), "."]
    else:
        parts.append(See(source))
    return Claim(parts, getattr(claim, "kind", "finding"))


def scope_note(inquiry) -> Prose:
    """The line under a report's question: whom and when it is about, the data's date, the ``*`` rule.

    >>> from flp_inquiry.inquiry.session import Inquiry
    >>> print(scope_note(Inquiry("fresno", 2025, "Sample <Oak>", None)).html.replace("1970-01-01", "..."))
    <div class="prose"><p><strong>Sample &lt;Oak&gt;, Fresno Unified, school year 2024-25 (with earlier years for trends).</strong> Data harmonised unknown. Groups of fewer than 11 students are shown as <code>*</code>.</p></div>
    """
    from flp_inquiry.inquiry.findings.held import describe_data_held

    harmonised = inquiry.data_as_of[:10] if inquiry.data is not None else "unknown"
    held = describe_data_held(inquiry)  # a district's data without attendance, courses or outcomes says so here
    return paragraph(Strong(scope_sentence(inquiry.district_name, inquiry.school, inquiry.school_year)),
                     f" Data harmonised {harmonised}. Groups of fewer than 11 students are shown as ", Code("*"), ".",
                     *([" ", held] if held else []))


def value_in(table: pd.DataFrame, year: int) -> float | None:
    """The shown value of a one-group table (``school_year``, ``n``, ``value``) in ``year``; None if hidden or absent.

    >>> t = pd.DataFrame({"school_year": [2024, 2025], "n": [40, 9], "value": [20.0, 30.0]})
    >>> value_in(t, 2024), value_in(t, 2025), value_in(t, 2026)
    (20.0, None, None)
    """
    shown = shown_rows(table)
    shown = shown[shown["school_year"] == year]
    return float(shown["value"].iloc[0]) if len(shown) else None


def as_shown(table: pd.DataFrame, *, parts_of=None, complementary=None, n: str = "n", values=("value",)) -> pd.DataFrame:
    """``table`` as the reader table beside a sentence shows it: the same cells hidden, second ones too.

    A sentence must not quote a figure its table hides to protect another (complementary
    suppression): describe the table this returns, with the same ``parts_of`` or ``complementary``
    the reader table is given.

    >>> t = pd.DataFrame({"school_year": [2025] * 3, "el_status": ["EL", "EO", "TBD"], "n": [40, 20, 3],
    ...                   "value": [10.0, 30.0, 0.0]})
    >>> as_shown(t, parts_of=["school_year"])["value"].tolist()
    [10.0, '*', '*']
    """
    from flp_inquiry.measures.suppression import suppress_small_cells

    return suppress_small_cells(table, n=n, values=[v for v in values if v in table], caution_n=None,
                                parts_of=parts_of, complementary=complementary,
                                keys=list(complementary or ()) or None)
