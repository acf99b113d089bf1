"""The California School Dashboard's student groups, from the canonical enrollment table.

A student is in several Dashboard groups at once (all students, English learners,
socioeconomically disadvantaged, Hispanic, ...), so the groups are not one column of the primary
enrollment: :func:`dashboard_groups` gives one row per student, school year and group, and the
``dashboard_group`` grouping of the metric functions (``by=["dashboard_group"]``) counts each
student-year once in every group it belongs to (:func:`with_dashboard_groups`).

The Dashboard's groups are not the project's own breakdowns.  Above all its "EL" group for the
academic indicator (ELA and mathematics) holds current English learners *and* students reclassified
(RFEP) within the last four years; "ELO" is current English learners only and "RFP" the recently
reclassified, so EL = ELO + RFP (the 2017 grade-11 downloads show it in all 44 entity-subject rows
that have the three groups).  The project's ``el_status`` (EO, IFEP, EL, RFEP, TBD) is kept as it
is, every RFEP whenever reclassified; :data:`PROJECT_EL_STATUS_LABELS` words it so a reader can
tell the two apart.

**Reclassified within the last four years** (:func:`reclassified_within`): the RFEP date falls in
the four school years ending on 30 June of the school year counted, the year of reclassification
being the first: on or after 1 July of ``school_year - 4``.  For 2023-24 (``school_year`` 2024) that
is 2020-07-01 to 2024-06-30: a student reclassified in 2020-21 (three school years before) counts in
EL, one reclassified in 2019-20 (four before) or 2018-19 (five before) does not, and one
reclassified during 2023-24 itself counts (in RFP).  Why: the State Board's definition (January
2017) is students "RFEP for four years or less", and a student reclassified in 2019-20 is in their
fifth school year as RFEP in 2023-24; the reclassification year must count, because a student
reclassified in the spring is RFEP when tested and EL = ELO + RFP needs them in EL.  The aggregate
downloads cannot settle the edge (exactly four school years before); the number of years is a
setting (``el_group_rfep_years`` of an indicator in ``dashboard_indicators.yaml``).

Which EL group an indicator uses is in the YAML too: the academic indicators set
``el_group_rfep_years: 4``; ELPI, chronic absenteeism and graduation set none, and their EL group is
current English learners (``el_status`` EL that year), as no file held shows otherwise.

**Groups not computed** (:data:`GROUPS_NOT_COMPUTED`): foster youth (FOS) and homeless youth (HOM)
need foster and homeless flags, which neither the canonical schema nor either district's export
has (specs/district-exports.md), so they are left out rather than guessed; long-term English
learners (LTEL, a Dashboard group from 2024) is not among these groups either (the project's own
``ltel`` metric counts them).
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from flp_inquiry.codes import DASHBOARD_GROUP_LABELS
from flp_inquiry.errors import ParameterError
from flp_inquiry.measures.dashboard import indicator_for, indicator_names, load_indicator
from flp_inquiry.measures.students import primary_enrollment
from flp_inquiry.measures.suppression import require_columns
from flp_inquiry.memo import Recent

#: Dashboard student groups left out, and why.
GROUPS_NOT_COMPUTED: dict[str, str] = {
    "FOS": "foster youth: the canonical enrollment table has no foster flag (nor does either district's export)",
    "HOM": "homeless youth: the canonical enrollment table has no homeless flag (nor does either district's export)",
    "LTEL": "long-term English learners (a Dashboard group from 2024): not among these groups; see the ltel metric",
}
#: The project's own English-language breakdown (``el_status``), labelled so it is not taken for the Dashboard's.
PROJECT_EL_STATUS_LABELS: dict[str, str] = {
    "EO": "English only",
    "IFEP": "Initially fluent English proficient",
    "EL": "English learners (current; the project's breakdown, not the Dashboard's EL group)",
    "RFEP": "Reclassified fluent English proficient (whenever reclassified; the project's breakdown)",
    "TBD": "English-language status to be determined",
}
#: Dashboard ethnicity groups: the canonical ``ethnicity`` codes that have one (NR, not reported, has none).
ETHNICITY_GROUPS = ("AA", "AI", "AS", "FI", "HI", "PI", "WH", "MR")
#: School years an RFEP student stays in the academic indicator's EL group (Dashboard).
RFEP_YEARS_IN_EL = 4

_NEEDED = ["school_year", "student_key", "ethnicity", "el_status", "rfep_date", "sed", "swd"]


def _july_first(years) -> pd.Series:
    """1 July of each calendar year.

    >>> _july_first(pd.Series([2024, 2020])).dt.strftime("%Y-%m-%d").tolist()
    ['2024-07-01', '2020-07-01']
    """
    years = pd.Series(years)
    # months since 1970-01 as dates: no parsing of text (0.3 s for a district's four years otherwise)
    months = (years.to_numpy(dtype="int64") - 1970) * 12 + (7 - 1)
    return pd.Series(months.astype("datetime64[M]").astype("datetime64[us]"), index=years.index)


def reclassified_within(rfep_date: pd.Series, school_year: pd.Series, years: int = RFEP_YEARS_IN_EL) -> pd.Series:
    """Whether each RFEP date falls in the ``years`` school years ending 30 June of ``school_year``.

    Parameters
    ----------
    rfep_date : Series of datetime
        Reclassification dates (missing: never reclassified, or date unknown).
    school_year : Series of int
        The school year counted (2024 = 2023-24).
    years : int
        How many school years, the one counted included.

    Returns
    -------
    Series of bool

    Examples
    --------
    For 2023-24 the window is 2020-07-01 to 2024-06-30:

    >>> dates = pd.Series(pd.to_datetime(["2021-03-01", "2019-03-01", "2020-07-01", "2020-06-30", "2024-05-01", None]))
    >>> reclassified_within(dates, pd.Series([2024] * 6)).tolist()
    [True, False, True, False, True, False]
    """
    if int(years) < 0:
        raise ParameterError("years", years, reason="a number of school years, 0 or more")
    dates = pd.to_datetime(pd.Series(rfep_date).reset_index(drop=True))
    year = pd.Series(school_year).reset_index(drop=True).astype("int64")
    start = _july_first(year - int(years))
    end = _july_first(year) - pd.Timedelta(days=1)
    inside = dates.notna() & (dates >= start) & (dates <= end)
    index = rfep_date.index if isinstance(rfep_date, pd.Series) else None
    return pd.Series(inside.to_numpy(dtype=bool), index=index)


def group_memberships(students: pd.DataFrame, rfep_years: int | None = RFEP_YEARS_IN_EL) -> pd.DataFrame:
    """Each row's Dashboard groups, from a table of one row per student and year (primary enrollments).

    ALL; EO (``el_status`` EO); SED and SWD from their flags; the ethnicity groups (not NR).  With
    an RFEP window (``rfep_years``): ELO are rows ``el_status`` EL not reclassified by the end of the
    year, RFP rows reclassified (EL or RFEP with an RFEP date up to the year's end) within the window
    (:func:`reclassified_within`), and EL = ELO + RFP.  Without one (``None`` or 0: an indicator
    whose EL group is current English learners), EL = ELO = rows ``el_status`` EL, and no RFP.

    Returns
    -------
    DataFrame
        ``school_year, student_key, dashboard_group`` (categorical, :data:`DASHBOARD_GROUP_LABELS`
        order), in the rows' order, each row's groups in that order.

    Examples
    --------
    >>> e = pd.DataFrame({"school_year": [2024, 2024, 2024], "student_key": ["f:1", "f:2", "f:3"],
    ...     "ethnicity": ["HI", "NR", "WH"], "el_status": ["EL", "RFEP", "RFEP"],
    ...     "rfep_date": pd.to_datetime([None, "2021-03-01", "2019-03-01"]),
    ...     "sed": [True, False, False], "swd": [False, False, True]})
    >>> groups = group_memberships(e)
    >>> groups.groupby("student_key")["dashboard_group"].apply(lambda g: " ".join(g.astype(str))).to_dict()
    {'f:1': 'ALL EL ELO SED HI', 'f:2': 'ALL EL RFP', 'f:3': 'ALL SWD WH'}
    """
    require_columns(students, _NEEDED, "dashboard groups")
    year = students["school_year"].astype("int64")
    rfep_date = pd.to_datetime(students["rfep_date"])
    year_end = _july_first(year).set_axis(students.index) - pd.Timedelta(days=1)
    current_el = (students["el_status"] == "EL").to_numpy()
    membership = {"ALL": np.ones(len(students), dtype=bool), "EO": (students["el_status"] == "EO").to_numpy(),
                  "SED": students["sed"].astype(bool).to_numpy(), "SWD": students["swd"].astype(bool).to_numpy()}
    years = int(rfep_years or 0)
    if years:
        reclassified = (students["el_status"].isin(["EL", "RFEP"]) & rfep_date.notna() & (rfep_date <= year_end)).to_numpy()
        membership["ELO"] = current_el & ~reclassified
        membership["RFP"] = reclassified & reclassified_within(rfep_date, year, years).to_numpy()
        membership["EL"] = membership["ELO"] | membership["RFP"]
    else:
        membership["ELO"] = membership["EL"] = current_el
    for group in ETHNICITY_GROUPS:
        membership[group] = (students["ethnicity"] == group).to_numpy()
    order = [g for g in DASHBOARD_GROUP_LABELS if g in membership]
    table = pd.DataFrame(np.column_stack([membership[g] for g in order]), columns=order)
    rows, groups = np.nonzero(table.to_numpy())  # row-major: each row's groups together, in the Dashboard's order
    codes = np.array([list(DASHBOARD_GROUP_LABELS).index(g) for g in order], dtype="int8")[groups]
    return pd.DataFrame({
        "school_year": students["school_year"].to_numpy()[rows],
        "student_key": students["student_key"].to_numpy()[rows],
        "dashboard_group": pd.Categorical.from_codes(codes, categories=list(DASHBOARD_GROUP_LABELS)),
    })


def dashboard_groups(enrollment: pd.DataFrame, rfep_years: int | None = RFEP_YEARS_IN_EL) -> pd.DataFrame:
    """Each student-year's Dashboard student groups, from its primary enrollment, one row per group.

    Parameters
    ----------
    enrollment : DataFrame
        The canonical enrollment table.
    rfep_years : int or None
        School years a reclassified student stays in EL: 4 for the academic indicator
        (``load_indicator("ela_3_8").el_group_rfep_years``); ``None`` for an indicator whose EL
        group is current English learners (see :func:`group_memberships`).

    Returns
    -------
    DataFrame
        ``school_year, student_key, dashboard_group``; ``attrs["rfep_without_date"]`` counts the
        student-years RFEP with no RFEP date, who cannot be placed in RFP or EL, and
        ``attrs["groups_not_computed"]`` is :data:`GROUPS_NOT_COMPUTED`.

    Examples
    --------
    >>> from flp_inquiry.measures.metrics import _example
    >>> _, enrollment = _example()
    >>> groups = dashboard_groups(enrollment)
    >>> sorted(groups.loc[(groups["school_year"] == 2024) & (groups["dashboard_group"] == "EL"), "student_key"])
    ['f:1', 'f:2', 'f:3']
    """
    def make() -> pd.DataFrame:
        students = primary_enrollment(enrollment)
        groups = group_memberships(students, rfep_years)
        groups.attrs["rfep_without_date"] = int(((students["el_status"] == "RFEP") & students["rfep_date"].isna()).sum())
        groups.attrs["groups_not_computed"] = dict(GROUPS_NOT_COMPUTED)
        return groups

    # every metric of a notebook grouped by Dashboard group starts from the same memberships
    return _recent_groups.get_or_make([enrollment], ("dashboard_groups", rfep_years), make)


_recent_groups = Recent(size=4)


def el_group_rfep_years(measure: str, year: int | None = None) -> int | None:
    """The RFEP window of a measure's EL group: of its rules in ``year``, or of the entry still in force.

    >>> el_group_rfep_years("ela_3_8"), el_group_rfep_years("chronic_absenteeism"), el_group_rfep_years("ela_11", 2017)
    (4, None, 4)
    """
    if year is not None:
        return indicator_for(measure, year).el_group_rfep_years
    entries = [load_indicator(name) for name in indicator_names()]
    current = [e for e in entries if e.measure == measure and e.last_year is None]
    if not current:
        raise ParameterError("measure", measure, sorted({e.measure for e in entries if e.last_year is None}))
    return current[0].el_group_rfep_years


def with_dashboard_groups(rows: pd.DataFrame, enrollment: pd.DataFrame, by: Sequence[str],
                          rfep_years: int | None = RFEP_YEARS_IN_EL, year_column: str = "school_year") -> pd.DataFrame:
    """``rows`` once for each Dashboard group of its student-year, when ``by`` asks for ``dashboard_group``.

    ``rows`` are keyed by ``year_column`` and ``student_key`` (a student-year that has no primary
    enrollment has no groups and is left out); ``by`` without ``dashboard_group`` gives ``rows`` as they are.

    >>> from flp_inquiry.measures.metrics import _example
    >>> _, enrollment = _example()
    >>> rows = pd.DataFrame({"school_year": [2024], "student_key": ["f:2"], "score": [2457]})
    >>> with_dashboard_groups(rows, enrollment, ["dashboard_group"])["dashboard_group"].astype(str).tolist()
    ['ALL', 'EL', 'RFP', 'SED', 'HI']
    """
    if "dashboard_group" not in by:
        return rows
    groups = dashboard_groups(enrollment, rfep_years).rename(columns={"school_year": year_column})
    return rows.drop(columns="dashboard_group", errors="ignore").merge(groups, on=[year_column, "student_key"], how="inner")
