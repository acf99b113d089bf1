"""Status beside growth: where each school (or each grade of one school) stands, and how much its students grew.

Status (this year's Distance from Standard) says where students are; growth
(:mod:`flp_inquiry.measures.growth`) how much more they grew than students of the district who
scored the same last year.  A school with low status and high growth is one others can learn
from; high status and low growth means students who are not moving.  :func:`status_beside_growth`
gives both for an inquiry's units, with the same students' change in DFS from the matched cohort
beside them, suppressed and ready for a status x growth chart.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from flp_inquiry.errors import ParameterError
from flp_inquiry.measures.assessment import distance_from_standard
from flp_inquiry.measures.students import _check_subject
from flp_inquiry.measures.suppression import CAUTION_N, HIDDEN, suppress_small_cells

#: The growth span beside each Distance from Standard grade span, and how many years back its
#: matched cohort starts (grade 11 from grade 8: three).
SPANS = {"3-8": ("4-8", 1), "11": ("11", 3)}
#: The four corners of a status x growth chart: (status at or above the district's, growth at or above 0).
CORNERS = {(False, True): "low status, typical growth or more", (False, False): "low status, growth below typical",
           (True, True): "high status, typical growth or more", (True, False): "high status, growth below typical"}
#: z of a two-sided 95% interval.
Z_95 = 1.959964
COLUMNS = ["grade_span", "growth_span", "status_n", "status", "district_status", "growth_n", "growth",
           "growth_standard_error", "growth_low", "growth_high", "growth_clear", "corner", "matched_n",
           "matched_dfs_change", "caution"]


def status_beside_growth(inquiry, subject: str, grade_span: str | None = None) -> pd.DataFrame:
    """Each school's status and growth (district-wide), or each grade's (for one school), this school year.

    Parameters
    ----------
    inquiry : Inquiry
        The scope (:class:`flp_inquiry.inquiry.session.Inquiry`): a district, or one school.
    subject : {"ela", "math"}
    grade_span : {"3-8", "11"}, optional
        Status of grades 3-8 beside growth of grades 4-8, or grade 11's beside its growth since
        grade 8 (three years, not a state figure).  Default ``"3-8"``, or ``"11"`` for a scope
        with growth in grade 11 only (a high school).

    Returns
    -------
    DataFrame
        One row per school (``school``) or grade (``grade``) with growth scores, then:

        - ``grade_span``, ``growth_span``: what the figures count;
        - ``status_n``, ``status``: students with a score and their DFS this year;
          ``district_status``: the district's DFS (for one school's grades, the district's in
          the same grade), the line a chart draws status against;
        - ``growth_n``, ``growth``, ``growth_standard_error``: growth scores and the shrunken
          growth with its standard error (:meth:`Inquiry.growth`, fitted on the whole district),
          ``growth_low``, ``growth_high`` its 95% interval, ``growth_clear`` whether that
          interval leaves out 0;
        - ``corner``: one of :data:`CORNERS` (status against ``district_status``, growth against 0);
        - ``matched_n``, ``matched_dfs_change``: the same students' change in DFS since last year
          (since grade 8 for grade 11), grouped by where they are now;
        - ``caution``: status or growth from fewer than 30 students.

        Suppressed: a status of fewer than 11 students is ``*``, and with one hidden the next
        smallest too (the scope's own DFS is shown elsewhere); growth of fewer than 11 scores is
        ``*``; a matched cohort of fewer than 11 is ``*`` (with the next smallest); the corner is
        ``*`` where status or growth is.

    Examples
    --------
    >>> from flp_inquiry.ingest import store
    >>> from flp_inquiry.inquiry.session import Inquiry
    >>> from flp_inquiry.measures.growth import _example
    >>> assessments, enrollment = _example()
    >>> data = store.DistrictData("fresno", enrollment, assessments, pd.DataFrame(), pd.DataFrame())
    >>> table = status_beside_growth(Inquiry("fresno", 2024, "all", data), "ela")
    >>> table[["school", "status_n", "status", "growth_n", "growth", "corner"]]  # five students each: hidden
      school status_n status growth_n growth corner
    0      A        *      *        *      *      *
    1      B        *      *        *      *      *
    """
    subject = _check_subject(subject)
    unit = inquiry.unit_column
    year = inquiry.school_year
    growth = inquiry.growth(subject, by=[unit, "school_year"])
    growth = growth[growth["school_year"] == year]
    if grade_span is None:
        spans = set(growth["growth_span"])
        grade_span = "11" if spans == {"11"} else "3-8"
    if grade_span not in SPANS:
        raise ParameterError("grade_span", grade_span, list(SPANS))
    growth_span, years_back = SPANS[grade_span]
    growth = growth[growth["growth_span"] == growth_span]
    table = pd.DataFrame({unit: growth[unit].to_numpy(), "grade_span": grade_span, "growth_span": growth_span,
                          "growth_n": growth["n"].to_numpy(), "growth": growth["value"].to_numpy(),
                          "growth_standard_error": growth["standard_error"].to_numpy()})
    table = table.merge(_status(inquiry, subject, unit, grade_span), on=unit, how="left")
    district = _district_status(inquiry, subject, unit, grade_span)
    if unit == "grade":  # each grade of the school against the district's same grade
        table = table.merge(district, on="grade", how="left")
    else:
        table = table.assign(district_status=district["district_status"].iloc[0] if len(district) else np.nan)
    matched = inquiry.matched_growth(subject, by=[unit], from_year=year - years_back)
    table = table.merge(matched[[unit, "n", "dfs_change"]].rename(
        columns={"n": "matched_n", "dfs_change": "matched_dfs_change"}), on=unit, how="left")
    return _suppressed(_with_interval_and_corner(table), unit)


def _status(inquiry, subject: str, unit: str, grade_span: str) -> pd.DataFrame:
    """This year's DFS of each unit of the inquiry's scope, in ``grade_span``."""
    dfs = inquiry.metric("distance_from_standard", subject=subject, by=[unit, "school_year"])
    dfs = dfs[(dfs["school_year"] == inquiry.school_year) & (dfs["grade_span"] == grade_span)]
    return dfs[[unit, "n", "value"]].rename(columns={"n": "status_n", "value": "status"})


def _district_status(inquiry, subject: str, unit: str, grade_span: str) -> pd.DataFrame:
    """The district's DFS this year: as a whole, or grade by grade for one school's grades."""
    by = ["grade", "school_year"] if unit == "grade" else ["school_year"]
    dfs = distance_from_standard(inquiry.data.assessments, inquiry.data.enrollment, subject, by=by)
    dfs = dfs[(dfs["school_year"] == inquiry.school_year) & (dfs["grade_span"] == grade_span)]
    return dfs[[*by[:-1], "value"]].rename(columns={"value": "district_status"})


def _with_interval_and_corner(table: pd.DataFrame) -> pd.DataFrame:
    """The growth's 95% interval, whether it leaves out 0, and the corner of a status x growth chart."""
    low = table["growth"] - Z_95 * table["growth_standard_error"]
    high = table["growth"] + Z_95 * table["growth_standard_error"]
    known = table["growth"].notna() & table["status"].notna() & table["district_status"].notna()
    corner = [CORNERS[(bool(s >= d), bool(g >= 0))] if k else None
              for s, d, g, k in zip(table["status"], table["district_status"], table["growth"], known)]
    return table.assign(growth_low=low, growth_high=high,
                        growth_clear=table["growth"].notna() & ((low > 0) | (high < 0)), corner=corner)


def _suppressed(table: pd.DataFrame, unit: str) -> pd.DataFrame:
    """Each part hidden by its own count (see :func:`status_beside_growth`)."""
    counts = {name: pd.to_numeric(table[name], errors="coerce") for name in ("status_n", "growth_n")}
    caution = ((counts["status_n"] < CAUTION_N) | (counts["growth_n"] < CAUTION_N)).to_numpy()
    table = table.assign(matched_n=table["matched_n"].astype("Int64"), status_n=table["status_n"].astype("Int64"))
    table = suppress_small_cells(table, n="status_n", values=["status"], caution_n=None, keys=[unit], parts_of=[])
    growth_figures = ["growth", "growth_standard_error", "growth_low", "growth_high", "growth_clear"]
    table = suppress_small_cells(table, n="growth_n", values=growth_figures, caution_n=None, keys=[unit])
    table = suppress_small_cells(table, n="matched_n", values=["matched_dfs_change"], caution_n=None, keys=[unit],
                                 parts_of=[])
    hidden = (table["status"] == HIDDEN) | (table["growth"] == HIDDEN) | table["corner"].isna()
    table["corner"] = table["corner"].astype(object).where(~hidden, HIDDEN)
    return table.assign(caution=caution)[[unit, *COLUMNS]].reset_index(drop=True)
