"""The common metrics at a glance: each indicator this year and last, its Dashboard colour, the partner beside it.
"""
from __future__ import annotations

from typing import Sequence

import pandas as pd

from flp_inquiry.inquiry import labels
from flp_inquiry.inquiry.findings.held import DATA_NEEDED, METRIC_DATA, lacks
from flp_inquiry.inquiry.findings.scope import (
    GRADES_COUNTED,
    counted_here,
    grades_words,
)
from flp_inquiry.inquiry.findings.words import format_value, shown_rows
from flp_inquiry.measures.dashboard import round_half_away
from flp_inquiry.measures.suppression import MIN_N
from flp_inquiry.measures.table_meaning import MEANING_ATTRIBUTE
from flp_inquiry.memo import Recent

# ---------------------------------------------------------------------------
# the common metrics at a glance
# ---------------------------------------------------------------------------

#: The partnership's indicators: (metric of :data:`flp_inquiry.measures.metrics.METRICS`, subject, grade span, words, unit).
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


def indicator_rows(inquiry, metric: str, subject: str | None, grade_span: str | None) -> pd.DataFrame:
    """One indicator for the inquiry's scope, every year the metric gives (unsuppressed).

    A notebook shows the indicators at a glance and then as trends: each is worked out once.  It is
    remembered by the scope's tables (not the inquiry), so every inquiry of the same rows finds it: a
    school's report asks for its district's figures (:func:`flp_inquiry.inquiry.findings.context.district_figures`),
    which a pack's kernel template has worked out once for all of them (:mod:`flp_inquiry.inquiry.shared_work`).
    """
    key = (metric, subject, grade_span, inquiry.school_year)
    if not inquiry.whole_district:
        # every school's figures worked out at once from the district's rows, ahead (the same figures as from
        # the school's students' rows: see Inquiry.scoped_data); else only this school's, from its students' rows
        every_school = _recent_indicators.find(_tables(inquiry.data), (*key, EVERY_SCHOOL))
        if every_school is not None:
            return every_school[every_school["school"] == inquiry.school].reset_index(drop=True)
    return _recent_indicators.get_or_make(_tables(inquiry.scoped_data), (*key, inquiry.school),
                                          lambda: _work_out_indicator(inquiry, metric, subject, grade_span))


_recent_indicators = Recent(size=16)
#: The scope of an indicator worked out for every school of a district at once (:func:`every_school_indicator`).
EVERY_SCHOOL = ("every school",)


def every_school_indicator(inquiry, metric: str, subject: str | None, grade_span: str | None) -> pd.DataFrame:
    """One indicator for every school of the inquiry's district, each school's rows as :func:`indicator_rows` gives them.

    A pack's kernel template works these out once per district (:mod:`flp_inquiry.inquiry.shared_work`); a
    school's :func:`indicator_rows` then only takes out its rows.
    """
    return _recent_indicators.get_or_make(
        _tables(inquiry.data), (metric, subject, grade_span, inquiry.school_year, EVERY_SCHOOL),
        lambda: _work_out_indicator(inquiry, metric, subject, grade_span, every_school=True))


def _tables(data) -> list[pd.DataFrame]:
    return [data.enrollment, data.assessments, data.math_courses, data.outcomes]


def _work_out_indicator(inquiry, metric: str, subject: str | None, grade_span: str | None,
                        every_school: bool = False) -> pd.DataFrame:
    from flp_inquiry.measures.metrics import METRICS

    if grade_span is not None:  # one span of the indicator's rows (DFS: grades 3-8 or 11), worked out once for all
        whole = (every_school_indicator if every_school else indicator_rows)(inquiry, metric, subject, None)
        return whole[whole["grade_span"] == grade_span].reset_index(drop=True)
    by = ["school"] if every_school or not inquiry.whole_district else []
    table = METRICS[metric].compute(inquiry.data if every_school else inquiry.scoped_data, inquiry.school_year,
                                    subject, by)
    if by and not every_school:
        table = table[table["school"] == inquiry.school]
    if "school_year" not in table:  # the Dashboard metrics give this year, with last year beside it
        table = table.assign(school_year=inquiry.school_year)
    return table.reset_index(drop=True)


def common_metrics(inquiry, only: set[tuple[str, str]] | None = None) -> pd.DataFrame:
    """Each common indicator this year and last, with the Dashboard's status and colour where it has them.

    ``only`` keeps the indicators of those ``(metric, subject)`` pairs (``""`` for no subject), and
    works out no other.

    Returns
    -------
    DataFrame
        ``indicator, metric, subject, grade_span, unit, n, value, prior_n, prior_value, change,
        status, colour, not_counted`` (unsuppressed; pass through :func:`flp_inquiry.inquiry.tables.reader_table`,
        with ``not_counted="not_counted"``: why a school's indicator is not counted at all, or ``""``).

    Examples
    --------
    >>> from flp_inquiry.measures.metrics import _example
    >>> from flp_inquiry.ingest.schema import columns_of
    >>> from flp_inquiry.inquiry.session import Inquiry
    >>> from flp_inquiry.ingest.store import DistrictData
    >>> assessments, enrollment = _example()
    >>> empty = {t: pd.DataFrame(columns=columns_of(t)) for t in ("math_courses", "outcomes")}
    >>> glance = common_metrics(Inquiry("fresno", 2024, "all", DistrictData("fresno", enrollment, assessments, **empty)))
    >>> glance.loc[glance["metric"] == "chronic_absence", ["n", "value", "prior_n", "prior_value", "change"]].round(1).to_dict("records")
    [{'n': 6, 'value': 0.0, 'prior_n': 3, 'prior_value': 33.3, 'change': -33.3}]

    For one school, an indicator counted in grades it has no students in says so
    (``not_counted``), and Distance from Standard is grade 11's where it has no grades 3-8.
    """
    from flp_inquiry.measures.assessment import dfs_grade_span
    from flp_inquiry.measures.dashboard import level_names

    year, rows = inquiry.school_year, []
    status_names, colour_names = level_names("status"), level_names("colour")
    for metric, subject, grade_span, words, unit in COMMON_INDICATORS:
        if only is not None and (metric, subject or "") not in only:
            continue
        if metric == "dfs" and dfs_grade_span(indicator_rows(inquiry, metric, subject, None)) != grade_span:
            grade_span, words = "11", words.replace("grades 3-8", "grade 11")  # a high school: grade 11's
        table = indicator_rows(inquiry, metric, subject, grade_span)
        topic = _COUNTED_AS.get(metric)
        not_counted = "" if topic is None or counted_here(inquiry, topic) else \
            f"not counted at this school: {grades_words(GRADES_COUNTED[topic][0])} only"
        if metric in METRIC_DATA and lacks(inquiry, METRIC_DATA[metric]):  # nothing of the kind in the district's data
            not_counted = f"not in this district's data: no {DATA_NEEDED[METRIC_DATA[metric]][0].split(' (')[0]}"
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
    # what each row counts (its metric, this year, the scope), for the pack's audit (flp_inquiry.measures.table_meaning)
    glance.attrs[MEANING_ATTRIBUTE] = {"per_row": "metric", "school_year": str(year),
                                       "population": {} if inquiry.whole_district else {"school": inquiry.school}}
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
    'Projected Dashboard colours (Red is the lowest, Blue the highest): Orange for ELA: distance from standard, grades 3-8 and Math: distance from standard, grades 3-8.'
    >>> describe_colours(g.assign(colour=""))
    'No common indicator has a Dashboard colour here (a colour needs 11 or more students this year and last).'
    """
    from flp_inquiry.measures.dashboard import level_names

    rank = {name: number for number, name in level_names("colour").items()}
    coloured = glance[(glance["n"] >= MIN_N) & (glance["prior_n"] >= MIN_N) & glance["colour"].isin(list(rank))]
    if coloured.empty:
        return "No common indicator has a Dashboard colour here (a colour needs 11 or more students this year and last)."
    parts = [f"{colour} for {labels.join_words(list(rows['indicator']))}"
             for colour, rows in sorted(coloured.groupby("colour", sort=False), key=lambda item: rank[item[0]])]
    return f"Projected Dashboard colours (Red is the lowest, Blue the highest): {'; '.join(parts)}."


def indicator_trends(inquiry, indicators: Sequence[str] | None = None) -> pd.DataFrame:
    """The common indicators that are rates, every year up to the inquiry's: ``indicator, school_year, n, value``.

    ``indicators`` names the ones wanted (as the ``indicator`` column words them); default all.

    >>> from flp_inquiry.measures.metrics import _example
    >>> from flp_inquiry.ingest.schema import columns_of
    >>> from flp_inquiry.inquiry.session import Inquiry
    >>> from flp_inquiry.ingest.store import DistrictData
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
        table = indicator_rows(inquiry, metric, subject, grade_span)
        table = table[table["school_year"] <= inquiry.school_year]
        parts.append(table[["school_year", "n", "value"]].assign(indicator=words))
    if not parts:
        return pd.DataFrame(columns=["indicator", "school_year", "n", "value"])
    trends = pd.concat(parts, ignore_index=True)
    return trends[["indicator", "school_year", "n", "value"]]


def partner_figures(inquiry) -> tuple[pd.DataFrame | None, str]:
    """The other district's common indicators (all students) from its aggregate extract, and where they came from.

    The extract (:mod:`flp_inquiry.measures.extract`) is read from the folder a meeting
    pack wrote it to (``inquiry.extracts_dir``), else from ``extracts/`` beside the
    harmonised data (:func:`flp_inquiry.measures.extract_files.extract_folders`); one
    made from older harmonised data than is here is passed over.  Failing both, and
    when the partner's harmonised data is here, its extract is worked out in memory.
    Nothing is ever written: a report needs no write access beside the data.  Only
    the extract's suppressed aggregates are used.

    >>> from pathlib import Path
    >>> from flp_inquiry.inquiry.session import Inquiry
    >>> figures, source = partner_figures(Inquiry("fresno", 2025, "all", None, data_dir=Path("/nonexistent/harmonised")))
    >>> figures is None, source
    (True, 'No aggregate extract from Long Beach Unified for 2024-25 yet.')
    """
    from flp_inquiry.ingest.store import MANIFEST, district_folder
    from flp_inquiry.measures.extract import read_extracts
    from flp_inquiry.measures.extract_files import extract_folders, is_current

    partner, year = inquiry.partner, inquiry.school_year
    name = labels.district_label(partner)
    harmonised_here = (district_folder(partner, inquiry.data_dir) / MANIFEST).is_file()
    for folder in extract_folders(inquiry.data_dir, inquiry.extracts_dir):
        if is_current(partner, year, inquiry.data_dir, folder):
            extract = read_extracts(folder)
            source = (f"{name}'s aggregate extract ({folder.name}/{partner}_{year}.csv: aggregates only, "
                      "small groups hidden).")
            break
    else:
        if not harmonised_here:
            return None, f"No aggregate extract from {name} for {labels.school_year_label(year)} yet."
        extract = _extract_in_memory(partner, year, inquiry.data_dir)
        source = (f"{name}'s harmonised data here, worked out as its aggregate extract would be "
                  "(aggregates only, small groups hidden).")
    extract = extract[(extract["district"] == partner) & (extract["school_year"] == year)]
    overall = extract[extract["group_type"] == "all"]
    figures = overall.assign(subject=overall["subject"].fillna(""), grade_span=overall["grade_span"].fillna(""))
    figures = figures[["metric", "subject", "grade_span", "value"]].astype({"subject": str, "grade_span": str})
    return figures.rename(columns={"value": "partner_value"}).reset_index(drop=True), source


def _extract_in_memory(district: str, year: int, data) -> pd.DataFrame:
    """A district's extract built from its harmonised data and checked as a written one is, but not written.

    Kept for the latest harmonised data (by its manifest's hash), so a notebook run
    again does not build it again.
    """
    import hashlib

    from flp_inquiry.ingest.store import MANIFEST, district_folder, load_district
    from flp_inquiry.measures.extract import build_extract, check_extract

    version = hashlib.sha256((district_folder(district, data) / MANIFEST).read_bytes()).hexdigest()
    key = (district, int(year), str(data), version)
    if key not in _extracts_in_memory:
        extract = build_extract(load_district(district, data), int(year))
        check_extract(extract, f"{district}_{int(year)} (in memory)")
        _extracts_in_memory.clear()  # the partner's latest only: a district's tables are large
        _extracts_in_memory[key] = extract
    return _extracts_in_memory[key]


_extracts_in_memory: dict[tuple, pd.DataFrame] = {}


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
    merged.attrs = dict(glance.attrs)  # (a merge keeps no attrs: the rows still count what they counted)
    return merged


#: The grades by which Algebra 1 / Integrated 1 is followed (the partnership's two measures).
ALGEBRA_GRADES = (8, 9)


def _algebra_indicator(grade: int) -> str:
    return f"By grade {grade}"


def algebra_trends(inquiry) -> pd.DataFrame:
    """Algebra 1 / Integrated 1 (C or better) by grade 8 and by grade 9, every year: ``indicator, school_year, n, value``.

    >>> from flp_inquiry.measures.metrics import _example
    >>> from flp_inquiry.inquiry.session import Inquiry
    >>> from flp_inquiry.ingest.store import DistrictData
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
