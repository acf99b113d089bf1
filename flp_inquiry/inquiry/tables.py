"""Tables a principal reads: small cells hidden, groups in words, plain headings, nothing shown empty.

Every table a notebook shows goes through :func:`reader_table`, and so through
:func:`flp_inquiry.measures.suppression.suppress_small_cells`.  A table without rows
(:class:`ReaderTable`) shows nothing; the sentence a notebook writes beside it says why.

A table is marked up for a screen reader and for print: a ``<caption>`` (given, or built from
its headings), ``th scope="col"`` on its headings, ``th scope="row"`` on the first (label) cell of
each row, and an ``id`` a sentence can link to, made from the caption, the same on every run
(pandas' own is random).
"""
from __future__ import annotations

import html
import os
import re
import unicodedata
from typing import Mapping, Sequence

import numpy as np
import pandas as pd
from pandas.io.formats.style import Styler

from flp_inquiry.inquiry import labels
from flp_inquiry.inquiry.prose import paragraph
from flp_inquiry.measures.dashboard import round_half_away
from flp_inquiry.measures.metric_meaning import (
    figures_to_hide,
    hide_figures,
    side_by_side,  # noqa: F401  (tables.side_by_side, for the notebooks)
    table_meaning,
)
from flp_inquiry.measures.suppression import (
    CAUTION_N,
    HIDDEN,
    OVERLAPPING,
    OVERLAPPING_ATTRIBUTE,
    suppress_small_cells,
)
from flp_inquiry.measures.table_meaning import HIDE_VARIABLE, MEANING_ATTRIBUTE, MIMETYPE, UNREAD_MIMETYPE

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


# pandas' Styler templates (html_table.tpl, html_style.tpl), with the table's id its own (no random "T_" one),
# scope on every heading, the first cell of each row a row heading, and no empty <style> block
_TABLE_TEMPLATE = """\
{% if exclude_styles %}<table>{% else %}<table id="{{uuid}}"{% if table_attributes %} {{table_attributes}}{% endif %}>{% endif %}
{% if caption and caption is string %}
  <caption>{{caption}}</caption>
{% elif caption and caption is sequence %}
  <caption>{{caption[0]}}</caption>
{% endif %}
  <thead>
{% for r in head %}
    <tr>
{% for c in r %}{% if c.is_visible != False %}
      <th scope="col"{% if c.id is defined and not exclude_styles %} id="{{uuid}}-{{c.id}}"{% endif %}{% if not exclude_styles %} class="{{c.class}}"{% endif %} {{c.attributes}}>{{c.display_value}}</th>
{% endif %}{% endfor %}
    </tr>
{% endfor %}
  </thead>
  <tbody>
{% for r in body %}
    <tr>
{% set row = namespace(first=True) %}
{% for c in r %}{% if c.is_visible != False %}
{% set tag = "th" if row.first else c.type %}
      <{{tag}}{% if row.first %} scope="row"{% endif %}{% if c.id is defined and not exclude_styles %} id="{{uuid}}-{{c.id}}"{% endif %}{% if not exclude_styles %} class="{{c.class}}"{% endif %} {{c.attributes}}>{{c.display_value}}</{{tag}}>
{% set row.first = False %}
{% endif %}{% endfor %}
    </tr>
{% endfor %}
  </tbody>
</table>
"""
_STYLE_TEMPLATE = """\
{% if table_styles or cellstyle or cellstyle_index or cellstyle_columns %}
<style type="text/css">
{% for s in table_styles %}
#{{uuid}} {{s.selector}} {
{% for p,val in s.props %}
  {{p}}: {{val}};
{% endfor %}
}
{% endfor %}
{% for cs in [cellstyle, cellstyle_index, cellstyle_columns] %}
{% for s in cs %}
{% for selector in s.selectors %}{% if not loop.first %}, {% endif %}#{{uuid}}-{{selector}}{% endfor %} {
{% for p,val in s.props %}
  {{p}}: {{val}};
{% endfor %}
}
{% endfor %}
{% endfor %}
</style>
{% endif %}
"""


def heading_caption(headings: Sequence[str]) -> str:
    """A caption built from a table's headings, for a table given none: the figures, by the first column.

    >>> heading_caption(["Student group", "Students tested", "Distance from standard (points)", "Note"])
    'Students tested and distance from standard (points) by student group'
    >>> heading_caption(["Indicator", "Students", "Fresno Unified (district, 2024-25)"])
    'Students and Fresno Unified (district, 2024-25) by indicator'
    >>> heading_caption(["English language status", "ELA: met or exceeded (%)"]), heading_caption(["Course"])
    ('ELA: met or exceeded (%) by English language status', 'Course')
    """
    headings = [str(heading) for heading in headings if str(heading) != "Note"]
    if len(headings) < 2:
        return headings[0] if headings else "Table"
    label, figures = headings[0], [_in_sentence(heading) for heading in headings[1:]]
    return labels.sentence_start(f"{labels.join_words(figures)} by {_in_sentence(label)}")


#: Words written with a capital inside a sentence too; and those that are before a number (``Grade 7``).
_CAPITALISED = {"English", "Spanish", "Algebra", "Integrated", "Smarter"}
_CAPITALISED_BEFORE_A_NUMBER = {"Grade", "Grades", "Level"}


def _in_sentence(heading: str) -> str:
    """A heading as it reads inside a sentence: names, acronyms and numbered grades keep their capitals.

    >>> [_in_sentence(h) for h in ["Students tested", "Grade", "Grade 7 students", "ELA: met", "English learners", "Fresno Unified"]]
    ['students tested', 'grade', 'Grade 7 students', 'ELA: met', 'English learners', 'Fresno Unified']
    """
    words = heading.split()
    first = re.sub(r"[^A-Za-z]", "", words[0]) if words else ""
    numbered = first in _CAPITALISED_BEFORE_A_NUMBER and len(words) > 1 and words[1][:1].isdigit()
    keeps_capitals = (not first or first in _CAPITALISED or numbered or len(first) > 1 and not first[1:].islower()
                      or any(word[:1].isupper() for word in words[1:]))
    return heading if keeps_capitals else heading[:1].lower() + heading[1:]


def caption_id(caption: str) -> str:
    """An ``id`` for a table from its caption: ASCII letters, digits and hyphens, the same on every run.

    >>> caption_id("Students and percent met by English language status"), caption_id("Peñasco's 2024-25 <table>")
    ('table-students-and-percent-met-by-english-language-status', 'table-penascos-2024-25-table')
    """
    ascii_text = unicodedata.normalize("NFKD", caption).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_text.lower().replace("'", ""))
    slug = ""
    for word in words:  # whole words, up to about 60 characters
        if slug and len(slug) + len(word) > 60:
            break
        slug = f"{slug}-{word}" if slug else word
    return f"table-{slug or 'figures'}"


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
    #: What the table counts (:class:`flp_inquiry.measures.table_meaning.TableMeaning`), for a metric's table.
    meaning = None
    #: For a table that shows counts but does not say what they count: its id and caption, so the pack's
    #: audit says it did not read it (never that it passed over it).
    unread = None

    template_html_table = Styler.env.from_string(_TABLE_TEMPLATE)
    template_html_style = Styler.env.from_string(_STYLE_TEMPLATE)

    def __init__(self, data, *args, caption: str | None = None, table_id: str | None = None, **kwargs):
        super().__init__(data, *args, **kwargs)
        #: The caption as text (its HTML is escaped: a heading may hold a school's name).
        self.caption_text = caption or heading_caption(list(self.data.columns))
        self.set_caption(html.escape(self.caption_text))
        self.set_uuid(table_id or caption_id(self.caption_text))

    @property
    def table_id(self) -> str:
        """The table's HTML id, for a sentence's pointer (:class:`flp_inquiry.inquiry.claims.See`)."""
        return self.uuid

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
        # what the table counts travels in the output's metadata (the report never shows it): the pack's audit reads it
        metadata = ({MIMETYPE: self.meaning.to_json()} if self.meaning is not None else
                    {UNREAD_MIMETYPE: self.unread} if self.unread is not None else None)
        display({"text/html": self.to_html(), "text/plain": self.data.to_string(index=False)}, raw=True,
                metadata=metadata)


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
    not_counted: str | None = None, what: str = "", caption: str | None = None, id: str | None = None,
    overlapping: bool = False, note: str | None = None,
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
    hidden shows one sentence instead (``what`` names the table in it).  ``caption`` is
    the table's ``<caption>`` (default: built from its headings, :func:`heading_caption`),
    ``id`` the HTML id a sentence can link to (default: from the caption, :func:`caption_id`;
    two tables of one report need two captions or two ids).  ``overlapping`` marks a table whose rows
    are groups a student can be in several of (the Dashboard's): its rows add up to nothing, and
    :func:`flp_inquiry.measures.privacy.find_derivable_counts` does not add them up.  ``note`` names a
    column of words for the *Note* of rows that are shown (why a Dashboard colour is blank, say); a
    hidden row gets none, as it gets no caution.

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

    Words of one's own for the *Note* of a shown row (``note``), after its caution:

    >>> t = pd.DataFrame({"indicator": ["ELA", "ELPI"], "n": [25, 92], "value": [52.0, 58.7],
    ...                   "colour_note": ["", "no colour: no grid for this year"]})
    >>> reader_table(t, {"indicator": "Indicator", "n": "Students"}, note="colour_note").data["Note"].tolist()
    ['fewer than 30 students: read with caution', 'no colour: no grid for this year']
    """
    counts = dict(counts) if counts is not None else {"n": list(values)}
    hidden = table
    for count, hidden_with in counts.items():
        hidden = suppress_small_cells(hidden, n=count, values=[v for v in hidden_with if v in hidden], caution_n=None,
                                      complementary=complementary, keys=list(complementary or ()) or None,
                                      parts_of=parts_of)
    reasons = (table[not_counted].fillna("").astype(str) if not_counted else pd.Series("", index=table.index))
    counted = reasons == ""
    # what the table counts, shown with it for the pack's audit; and the figures the pack's protection hides
    meaning = table_meaning(table, hidden, table.attrs.get(MEANING_ATTRIBUTE), "", shown_columns=list(columns),
                            counts=counts, decimals=decimals)
    if meaning is not None:
        hidden = hide_figures(meaning, hidden, figures_to_hide(os.environ.get(HIDE_VARIABLE)), counts)
        for row, is_counted in zip(meaning.rows, counted):
            if not is_counted:  # a measure not counted in the scope: no figure, shown blank
                row.update({column: None for column in [*(c.column for c in meaning.counts),
                                                        *(r.column for r in meaning.rates)] if column in row})
                row.pop("hidden", None)
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
    # (nor a row with any count hidden: a second subject's, or one the pack's audit hid, would read as 11-29 too)
    any_hidden = pd.Series(False, index=table.index)
    for column in (c for c in counts if c in hidden):
        any_hidden |= hidden[column] == HIDDEN
    caution = (numbers >= 11) & (numbers < CAUTION_N) & counted & ~any_hidden
    extra = (table[note].fillna("").astype(str).where(hidden[first] != HIDDEN, "") if note
             else pd.Series("", index=table.index))
    if caution.any() or not counted.all() or (extra != "").any():
        notes = reasons.where(~counted, caution.map({True: CAUTION_NOTE, False: ""}))
        notes = notes.where(extra == "", (notes + "; " + extra).str.removeprefix("; "))
        shown["Note"] = notes
    shown = shown.reset_index(drop=True)
    # every cell and heading escaped: a school or course name is text, never markup (pandas' Styler escapes nothing)
    styled = ReaderTable(shown, caption=caption, table_id=id).hide(axis="index")
    if overlapping:
        styled = styled.set_table_attributes(f'{OVERLAPPING_ATTRIBUTE}="{OVERLAPPING}"')
    styled = styled.format(precision=decimals, na_rep="", escape="html")
    styled = styled.format_index(escape="html", axis=1)
    count_columns = [c for c in counts if c in table]
    styled.hidden_note = _every_row_hidden(table.loc[counted, count_columns], hidden.loc[counted, count_columns], what)
    if meaning is not None:
        meaning.table = styled.table_id
        styled.meaning = meaning
    elif any(column in columns for column in counts):
        # (the caption as words: the index escapes it again)
        styled.unread = {"table": styled.table_id, "caption": html.unescape(str(styled.caption or ""))}
    return styled


def decomposition_table(decomposition: pd.DataFrame, unit_col: str, unit: str, what: str = "",
                        caption: str | None = None, id: str | None = None) -> ReaderTable:
    """:func:`flp_inquiry.inquiry.decomposition.decompose_change` for a reader: a unit is hidden when either year is under 11.

    A unit's composition, performance and change are its *parts* of the total change
    (they add up to the Total row), not the change of its own figure: the headings say so.
    With the total shown, one hidden unit could be worked out from the others, so a
    second one is hidden too (here A, beside B's 8 students last year).

    >>> d = pd.DataFrame({"school": ["A", "B", "Total"], "before_n": [40, 8, 48], "after_n": [50, 30, 80],
    ...     "before_share": [0.83, 0.17, 1.0], "after_share": [0.62, 0.38, 1.0], "before_value": [20.0, 30.0, 21.7],
    ...     "after_value": [25.0, 35.0, 28.8], "composition": [-4.7, 6.6, 1.9], "performance": [3.6, 1.4, 5.0],
    ...     "change": [-1.1, 8.0, 6.9]})
    >>> table = decomposition_table(d, "school", "%")
    >>> table.data["Part of the change (percentage points)"].tolist(), table.caption_text
    (['*', '*', 6.9], 'Parts of the change since last year by school: who is enrolled where, and how students did')
    """
    moving = ["composition", "performance", "change"]
    words = "percentage points" if unit == "%" else unit
    return reader_table(decomposition, {
        unit_col: labels.GROUP_TYPE_LABELS.get(unit_col, unit_col), "before_n": "Students last year",
        "after_n": "Students this year", "before_value": "Last year", "after_value": "This year",
        "composition": f"Part from who is enrolled where ({words})", "performance": f"Part from how students did ({words})",
        "change": f"Part of the change ({words})",
    }, counts={"after_n": ["after_value", *moving], "before_n": ["before_value", *moving]},
        complementary={unit_col: "Total"}, what=what, id=id,
        caption=caption or (f"Parts of the change since last year by {_in_sentence(labels.GROUP_TYPE_LABELS.get(unit_col, unit_col))}:"
                            " who is enrolled where, and how students did"))
