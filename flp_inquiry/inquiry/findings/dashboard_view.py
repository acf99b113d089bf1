"""The projected Dashboard as a principal reads it: colours with their reasons, the watched groups first.

:func:`flp_inquiry.measures.dashboard_projection.projected_dashboard` works every Dashboard
indicator x student group out from the district's own data.  Here it becomes what a report shows:
the common metrics' status and colour (:func:`dashboard_colours`, so a blank colour always says
why), one sentence on the groups in Red or Orange (:func:`describe_watched`), and the table itself
with its small groups hidden, a second group too where a hidden one could be worked out from a
total (:func:`projection_table`).
"""
from __future__ import annotations

import re

import pandas as pd

from flp_inquiry.inquiry import labels
from flp_inquiry.inquiry.claims import Claim
from flp_inquiry.measures.suppression import CAUTION_N, MIN_N, suppress_small_cells
from flp_inquiry.memo import Recent

#: The Dashboard measure of each common indicator that has one (metric, subject, grade span).
DASHBOARD_MEASURES = {
    ("dfs", "ela", "3-8"): "ela_3_8", ("dfs", "math", "3-8"): "math_3_8",
    ("dfs", "ela", "11"): "ela_11", ("dfs", "math", "11"): "math_11",
    ("elpi", "", ""): "elpi", ("chronic_absence", "", ""): "chronic_absenteeism", ("grad_rate", "", ""): "graduation",
}
NOT_ON_THE_DASHBOARD = "not on the Dashboard"
#: Shorter names of the Dashboard groups for a table (the glossary says what each means).
SHORT_GROUP_NAMES = {"EL": "English learners (Dashboard: EL + RFEP within 4 years)",
                     "ELO": "English learners only", "RFP": "Reclassified within 4 years (RFEP)"}
#: Parts of a total a report shows: one hidden part could be worked out from the others.
_PARTS = ((("ELO", "RFP"), "EL"), (("AA", "AI", "AS", "FI", "HI", "PI", "WH", "MR"), "ALL"))

_recent = Recent(size=4)


def projected_dashboard_for(inquiry) -> pd.DataFrame:
    """The projected Dashboard of the inquiry's year and scope (worked out once per scope)."""
    from flp_inquiry.measures.dashboard_projection import projected_dashboard

    school = None if inquiry.whole_district else inquiry.school
    data = inquiry.data
    return _recent.get_or_make([data.enrollment, data.assessments, data.math_courses, data.outcomes],
                               (data.district, inquiry.school_year, school),
                               lambda: projected_dashboard(data, inquiry.school_year, school))


def dashboard_colours(glance: pd.DataFrame, projection: pd.DataFrame) -> pd.DataFrame:
    """The common metrics with the projection's status and colour for all students, and why a colour is blank.

    ``status`` and ``colour`` come from the projection's *All students* row of the indicator's
    Dashboard measure (``colour`` is ``none`` where a Dashboard indicator has no colour); ``no_colour``
    says why, for the table's *Note*: not on the Dashboard, fewer than 30 students, no figure last
    year, rules not held, not counted in the school's grades (then the row says so itself).

    >>> glance = pd.DataFrame({"metric": ["dfs", "percent_met"], "subject": ["ela", "ela"], "grade_span": ["3-8", ""],
    ...                        "status": ["", ""], "colour": ["", ""]})
    >>> projection = pd.DataFrame({"measure": ["ela_3_8"], "dashboard_group": ["ALL"], "status": ["Low"],
    ...                            "colour_name": [None], "no_colour_reason": ["fewer than 30 students this year"]})
    >>> dashboard_colours(glance, projection)[["status", "colour", "no_colour"]].to_dict("records")
    [{'status': 'Low', 'colour': 'none', 'no_colour': 'no colour: fewer than 30 students this year'}, {'status': '', 'colour': '', 'no_colour': 'not on the Dashboard'}]
    """
    everyone = projection[projection["dashboard_group"].astype(str) == "ALL"].set_index("measure")
    table = glance.copy()
    statuses, colours, reasons = [], [], []
    for row in glance.itertuples():
        measure = DASHBOARD_MEASURES.get((row.metric, row.subject, row.grade_span))
        if getattr(row, "not_counted", ""):  # (a high school's chronic absenteeism: the row says why itself)
            statuses.append("")
            colours.append("")
            reasons.append("")
            continue
        if measure is None or measure not in everyone.index:
            statuses.append("")
            colours.append("")
            reasons.append(NOT_ON_THE_DASHBOARD if measure is None else "no Dashboard figure here")
            continue
        found = everyone.loc[measure]
        statuses.append(found["status"] if isinstance(found["status"], str) else "")
        colour = found["colour_name"] if isinstance(found["colour_name"], str) and found["colour_name"] else ""
        colours.append(colour or "none")
        reasons.append("" if colour else _why_no_colour(found["no_colour_reason"], getattr(row, "n", None)))
    return table.assign(status=statuses, colour=colours, no_colour=reasons)


def _protected(projection: pd.DataFrame) -> pd.DataFrame:
    """The projection with small groups hidden, and a second where one could be worked out from a total.

    English learners only + reclassified within four years make the Dashboard's English learners;
    the ethnicities are parts of all students.  Both years' counts are protected (the change joins them).
    """
    now, before = ["value", "change", "status", "change_name", "colour_name"], ["prior_value", "change", "change_name",
                                                                             "colour_name"]
    hideable = ["n", "prior_n", *dict.fromkeys(now + before)]
    table = projection.astype({column: object for column in hideable})
    for parts, total in _PARTS:
        rows = table["dashboard_group"].astype(str).isin([*parts, total])
        if not rows.any():
            continue
        part = table[rows]
        for count, values in (("n", now), ("prior_n", before)):
            part = suppress_small_cells(part, n=count, values=values, caution_n=None,
                                        complementary={"dashboard_group": total}, keys=["measure", "dashboard_group"])
        for column in hideable:
            table.loc[rows, column] = part[column]
    return table


#: Reasons a whole indicator has no rows: its counts and figures are blank, not ``*``.
_UNWORKED = ("this project holds", "not projected", "no students counted")


def projection_table(projection: pd.DataFrame) -> pd.DataFrame:
    """The projected Dashboard as a report shows it: every indicator x group with students, watched colours first.

    A cell of a group under 11 students is ``*``, and a second group's where the hidden one could
    be worked out from its total; a group under 11 students in both years is left out (the table
    says so beneath: it would be a row of stars).  An indicator not worked out at all keeps one row
    whose ``not_counted`` says why.  ``colour`` reads ``none`` where there is no colour, ``no_colour``
    saying why.  Pass it to :func:`flp_inquiry.inquiry.tables.reader_table` with ``not_counted="not_counted"``.

    >>> p = pd.DataFrame({"title": ["ELA"] * 3 + ["CCI"], "measure": ["ela_3_8"] * 3 + ["cci"],
    ...                   "dashboard_group": ["ALL", "EL", "SWD", "ALL"], "group": ["All", "EL", "SWD", "All"],
    ...                   "n": [40, 12, 5, None], "prior_n": [38, 3, 4, None], "value": [-20.0, -60.0, -90.0, None],
    ...                   "prior_value": [-25.0, -70.0, -80.0, None], "change": [5.0, 10.0, -10.0, None],
    ...                   "status": ["Low", "Very Low", "Very Low", None], "change_name": ["Increased"] * 3 + [None],
    ...                   "colour_name": ["Yellow", None, None, None],
    ...                   "no_colour_reason": ["", "fewer than 30 students this year", "fewer than 30 students this year",
    ...                                        "this project holds the state's rules for this indicator for 2017, not 2025"]}
    ...                  ).astype({"n": "Int64", "prior_n": "Int64"})
    >>> shown = projection_table(p)
    >>> shown[["dashboard_group", "n", "prior_n", "colour", "not_counted"]].to_dict("records")[1:]
    [{'dashboard_group': 'EL', 'n': 12, 'prior_n': '*', 'colour': '*', 'not_counted': ''}, {'dashboard_group': 'ALL', 'n': 0, 'prior_n': 0, 'colour': '', 'not_counted': "this project holds the state's rules for this indicator for 2017, not 2025"}]
    >>> shown.attrs["left_out"]  # students with disabilities: 5 and 4
    1
    """
    unworked = projection["no_colour_reason"].fillna("").str.startswith(_UNWORKED)
    small = (projection["n"].fillna(0) < MIN_N) & (projection["prior_n"].fillna(0) < MIN_N)
    table = _protected(projection)[unworked | ~small].copy()
    unworked = unworked[table.index]
    table["group"] = [SHORT_GROUP_NAMES.get(str(code), name) for code, name in zip(table["dashboard_group"], table["group"])]
    has_colour = table["colour_name"].notna() & (table["colour_name"] != "")
    table["colour"] = table["colour_name"].where(has_colour, "none").where(~unworked, "")
    table["no_colour"] = [_why_no_colour(reason, n) for reason, n in zip(table["no_colour_reason"], table["n"])]
    table["no_colour"] = table["no_colour"].where(~has_colour & ~unworked, "")
    table["indicator_words"] = table["title"].map(_short_title)
    table["not_counted"] = table["no_colour_reason"].where(unworked, "")
    for column in ("status", "change_name"):
        table[column] = table[column].where(table[column].notna(), "")
    for column in ("n", "prior_n"):
        table[column] = table[column].where(table[column].notna() & ~unworked, 0)
    table.attrs = dict(projection.attrs, left_out=int((~unworked.reindex(projection.index, fill_value=False)
                                                       & small).sum()))
    return table.reset_index(drop=True)


def _short_title(title: str) -> str:
    """``ELA, grades 3-8 (Distance from Standard)`` -> ``ELA, grades 3-8``.

    The year of the rules is left out too: beside this year's figures it would read as the data's
    year (the row's note says which year's rules the project holds).

    >>> _short_title("College/Career, Fall 2017 (percent Prepared; status only)")
    'College/Career'
    """
    return re.sub(r", Fall \d{4}$", "", title.split(" (")[0])


#: The state's reason for no colour when a group is small; the table's caution already says "fewer than 30".
_FEWER_THAN_30 = "fewer than 30 students this year"


def _why_no_colour(reason: object, n: object) -> str:
    """The Note's words for a missing colour, not repeating the caution a row of 11-29 students already has.

    >>> _why_no_colour("fewer than 30 students this year", 12), _why_no_colour("fewer than 30 students this year", 40)
    ('so no colour', 'no colour: fewer than 30 students this year')
    >>> _why_no_colour(None, 40)
    'no colour: none given'
    """
    reason = reason if isinstance(reason, str) and reason else "none given"
    small = pd.api.types.is_number(n) and not pd.isna(n) and MIN_N <= n < CAUTION_N
    return "so no colour" if reason == _FEWER_THAN_30 and small else f"no colour: {reason}"


def describe_watched(projection: pd.DataFrame, scope_label: str) -> Claim:
    """One sentence on the groups the projection puts in Red or Orange (what teams watch for state assistance).

    Only groups with 30 or more students have a colour, so none of them is a small group.

    >>> p = pd.DataFrame({"title": ["ELA, grades 3-8 (DFS)", "ELA, grades 3-8 (DFS)", "Chronic absenteeism (K-8)"],
    ...                   "group": ["Students with disabilities", "All students", "All students"],
    ...                   "dashboard_group": ["SWD", "ALL", "ALL"], "n": [88, 630, 971],
    ...                   "colour_name": ["Red", "Green", "Orange"]})
    >>> describe_watched(p, "Fresno Unified")
    'Projected for Fresno Unified, in Red: ELA, grades 3-8 for Students with disabilities. In Orange: Chronic absenteeism for All students.'
    >>> describe_watched(p.assign(colour_name="Green"), "Fresno Unified")
    'Projected for Fresno Unified: no student group in Red or Orange.'
    """
    parts: list[str] = []
    for colour in ("Red", "Orange"):
        rows = projection[(projection["colour_name"] == colour) & (pd.to_numeric(projection["n"]) >= MIN_N)]
        if rows.empty:
            continue
        names = [SHORT_GROUP_NAMES.get(str(code), name) for code, name in zip(rows["dashboard_group"], rows["group"])]
        by_indicator: dict[str, list[str]] = {}
        for title, name in zip(rows["title"], names):
            by_indicator.setdefault(_short_title(title), []).append(name)
        listed = "; ".join(f"{title} for {labels.join_words(groups)}" for title, groups in by_indicator.items())
        parts.append(f"Projected for {scope_label}, in {colour}: {listed}." if not parts else f"In {colour}: {listed}.")
    if not parts:
        return Claim.of(f"Projected for {scope_label}: no student group in Red or Orange.")
    return Claim.of(" ".join(parts))


def projection_notes(table: pd.DataFrame) -> list[str]:
    """What a reader of :func:`projection_table` needs beneath it: rows left out, how a figure differs from the state's.

    >>> t = pd.DataFrame({"title": ["Graduation"], "note": ["four-year rate"]})
    >>> t.attrs["left_out"] = 3
    >>> projection_notes(t)
    ['3 rows of groups with fewer than 11 students in both years are not listed.', 'Graduation: four-year rate.']
    """
    notes = []
    left_out = int(table.attrs.get("left_out", 0))
    if left_out:
        rows = "1 row of a group" if left_out == 1 else f"{left_out} rows of groups"
        notes.append(f"{rows} with fewer than 11 students in both years {'is' if left_out == 1 else 'are'} not listed.")
    for title, note in table[["title", "note"]].drop_duplicates().itertuples(index=False):
        if isinstance(note, str) and note:
            notes.append(f"{title}: {note}.")
    return notes


def projection_columns(year: int) -> dict[str, str]:
    """The projected Dashboard table's headings."""
    return {"indicator_words": "Indicator", "group": "Student group", "n": "Students",
            "value": labels.school_year_label(year), "prior_value": labels.school_year_label(year - 1),
            "change": "Change", "status": "Status", "change_name": "Change level", "colour": "Colour"}
