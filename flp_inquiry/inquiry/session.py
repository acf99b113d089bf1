"""Opening an inquiry: check a notebook's parameters, then load the district's data once.

Every question notebook starts with :func:`start_inquiry`.  A wrong parameter
(an unknown district, a school the district does not have, a year with no
data) stops the notebook at once with a message naming the allowed values,
before any analysis runs.
"""
from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Sequence

import pandas as pd

from flp_inquiry.codes import DISTRICTS, partner_of
from flp_inquiry.errors import FlpInquiryError, ParameterError
from flp_inquiry.ingest import store
from flp_inquiry.inquiry import labels
from flp_inquiry.measures import reference, students
from flp_inquiry.measures.extract_files import PACK_EXTRACTS_VARIABLE
from flp_inquiry.measures.metric_meaning import complete_dimensions, metric_meaning, parts_per_whole
from flp_inquiry.measures.metrics import FUNCTIONS
from flp_inquiry.measures.state_context import state_files_from_environment
from flp_inquiry.measures.table_meaning import MEANING_ATTRIBUTE, NOT_ADDITIVE
from flp_inquiry.memo import Recent

ALL_SCHOOLS = "all"
HARMONISED = Path("build") / "harmonised"
#: The canonical tables each metric function of :mod:`flp_inquiry.measures.metrics` takes, in order.
METRIC_TABLES: dict[str, tuple[str, ...]] = {
    "percent_met": ("assessments", "enrollment"),
    "participation_rate": ("assessments", "enrollment"),
    "distance_from_standard": ("assessments", "enrollment"),
    "distance_from_standard_change": ("assessments", "enrollment"),
    "english_learner_progress": ("assessments", "enrollment"),
    "reclassification_rate": ("enrollment",),
    "long_term_english_learners": ("enrollment",),
    "chronic_absenteeism": ("enrollment",),
    "algebra_by_grade": ("math_courses", "enrollment"),
    "d_or_f_rate": ("math_courses", "enrollment"),
    "graduation_rate": ("outcomes", "enrollment"),
    "a_g_completion_rate": ("outcomes", "enrollment"),
}


def find_data_dir(data_dir: str | Path | None = None, start: Path | None = None) -> Path:
    """The harmonised data folder: ``data_dir`` if given, else ``build/harmonised`` here or above.

    Notebooks run from ``notebooks/`` in JupyterLab and from the project root under
    papermill; looking upwards serves both without a path in the parameters.

    >>> find_data_dir("/tmp/somewhere")
    PosixPath('/tmp/somewhere')
    """
    if data_dir:
        return Path(data_dir)
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / HARMONISED).is_dir():
            return folder / HARMONISED
    raise FlpInquiryError(
        f"no harmonised data found in {here / HARMONISED} or any folder above it: "
        "run `make demo` (sample data) or `flp-inquiry harmonise` first, or set data_dir"
    )


@dataclass(frozen=True)
class Inquiry:
    """One question's scope (district, year, school) and the district's data.

    ``extracts_dir`` is the folder a meeting pack wrote the partner's aggregate extract to
    before its jobs ran (``None`` outside a pack: :func:`flp_inquiry.inquiry.findings.partner_figures`
    then reads an extract beside the data, or works the partner's figures out in memory).
    ``state_files`` are the state's public files a pack was given (``FLP_INQUIRY_STATE_FILES``), for
    California's figures beside the district's (:mod:`flp_inquiry.measures.state_context`).
    """

    district: str
    school_year: int
    school: str
    data: store.DistrictData
    data_dir: Path = HARMONISED
    extracts_dir: Path | None = None
    #: The state's files California's figures come from (a pack's ``state_files``); none: no state figure.
    state_files: tuple[Path, ...] = ()
    #: Whether the data is some of the scope's students only (:meth:`with_rows`): a metric of them is not
    #: the scope's, so its table says nothing of what it counts to the pack's audit.
    part_of_students: bool = False

    @property
    def district_name(self) -> str:
        return labels.district_label(self.district)

    @property
    def year_label(self) -> str:
        return labels.school_year_label(self.school_year)

    @property
    def prior_year(self) -> int:
        return self.school_year - 1

    @property
    def whole_district(self) -> bool:
        return self.school == ALL_SCHOOLS

    @property
    def scope_label(self) -> str:
        """``Fresno Unified`` or ``Sample Oak Elementary (Fresno Unified)``."""
        return self.district_name if self.whole_district else f"{self.school} ({self.district_name})"

    @cached_property
    def enrollment(self) -> pd.DataFrame:
        """Enrollment rows in scope: every school, or the chosen school's students (found once)."""
        rows = self.data.enrollment
        return rows if self.whole_district else rows[rows["school_name"] == self.school]

    @property
    def data_as_of(self) -> str:
        manifest = self.data.manifest
        return str(manifest.get("created_utc", manifest.get("created", "unknown")))

    @property
    def years(self) -> list[int]:
        """School years in the district's data up to the inquiry's year, oldest first."""
        years = self.data.enrollment["school_year"].unique()
        return sorted(int(year) for year in years if year <= self.school_year)

    @property
    def partner(self) -> str:
        """The other district of the partnership (``long_beach`` for ``fresno``)."""
        return partner_of(self.district)

    @property
    def unit_column(self) -> str:
        """What a notebook compares within its scope: schools for a district, grades for one school."""
        return "school" if self.whole_district else "grade"

    def breakdown(self, *groups: str) -> list[str]:
        """Groupings that also tell places apart: ``school`` first for a district, the groups alone for one school.

        >>> Inquiry("fresno", 2025, "all", None).breakdown("grade", "el_status")
        ['school', 'grade', 'el_status']
        >>> Inquiry("fresno", 2025, "Sample Oak", None).breakdown("grade", "el_status")
        ['grade', 'el_status']
        """
        return ["school", *groups] if self.whole_district else list(groups)

    def matched_growth(self, subject: str, by: Sequence[str] = (), from_year: int | None = None) -> pd.DataFrame:
        """Growth of the same students from last year to this (:func:`flp_inquiry.inquiry.cohorts.matched_cohort_growth`).

        Groups (and the school, for one school) are this year's, so grade 7 means
        the students now in grade 7.  ``from_year`` (default last year) follows them
        further back: ``school_year - 3`` for grade 11 from grade 8.  Not suppressed.

        >>> from flp_inquiry.measures.metrics import _example
        >>> assessments, enrollment = _example()
        >>> data = store.DistrictData("fresno", enrollment, assessments, pd.DataFrame(), pd.DataFrame())
        >>> Inquiry("fresno", 2024, "A", data).matched_growth("ela", by=["grade"])[["grade", "n", "dfs_change"]]
           grade  n  dfs_change
        0      4  1         5.0
        """
        from flp_inquiry.inquiry.cohorts import matched_cohort_growth

        by = list(by)
        scoped = not self.whole_district and "school" not in by
        from_year = self.prior_year if from_year is None else int(from_year)
        growth = matched_cohort_growth(self.scoped_data.assessments, self.scoped_data.enrollment, subject, from_year,
                                       self.school_year, by=["school", *by] if scoped else by,
                                       groups_year=self.school_year)
        if not scoped:
            return growth
        return growth[growth["school"] == self.school].drop(columns="school").reset_index(drop=True)

    def growth(self, subject: str, by: Sequence[str] = (), toward: Sequence[str] | None = None) -> pd.DataFrame:
        """Growth against similar students of the district (:mod:`flp_inquiry.measures.growth`), kept to the scope.

        The expected scores are always fitted on the **whole district's** rows
        (:attr:`data`, not :attr:`scoped_data`): a line fitted on one school's students
        would put that school at 0 by construction.  For one school the averages are
        grouped by ``school`` too, each pulled toward the district's mean of the same
        groups, and only the school's rows are kept (without the ``school`` column).
        School years after the inquiry's are left out; without ``school_year`` in ``by``
        the years up to it are pooled.  Not suppressed: see
        :func:`flp_inquiry.measures.growth.suppress_growth`.

        >>> from flp_inquiry.measures.growth import _example
        >>> assessments, enrollment = _example()
        >>> data = store.DistrictData("fresno", enrollment, assessments, pd.DataFrame(), pd.DataFrame())
        >>> Inquiry("fresno", 2024, "A", data).growth("ela", by=["grade"])[["grade", "growth_span", "n"]]
           grade growth_span  n
        0      5         4-8  5
        """
        from flp_inquiry.measures.growth import average_growth, residual_gains

        by = list(by)
        scoped = not self.whole_district and "school" not in by
        gains = residual_gains(self.data.assessments, self.data.enrollment, subject)
        gains = gains[gains["school_year"] <= self.school_year]
        table = average_growth(gains, by=["school", *by] if scoped else by, toward=toward)
        if not scoped:
            return table
        return table[table["school"] == self.school].drop(columns="school").reset_index(drop=True)

    @property
    def scoped_data(self) -> store.DistrictData:
        """The rows the inquiry's figures come from: the district's, or every row of its school's students.

        For one school these are the rows of the students ever counted there
        (``_school_students_data``): any figure about them, kept to the school,
        is the same as from the whole district's rows, for a fraction of the work.
        Functions that take the inquiry's rows apart (:mod:`flp_inquiry.inquiry.explorer`,
        :mod:`flp_inquiry.inquiry.findings`) start from these.
        """
        return self.data if self.whole_district else self._school_students_data

    def with_rows(self, table: str, rows: pd.DataFrame) -> "Inquiry":
        """The same inquiry, with one of its tables replaced by some of its :attr:`scoped_data` rows.

        The explorer splits students this way (chronically absent or not, say) and
        asks each part for a metric.  For one school the new inquiry's rows are
        already its school's students': they are not looked for again, and the
        enrollment stays the same table, so its primary enrollments are not found again.

        >>> from flp_inquiry.measures.metrics import _example
        >>> assessments, enrollment = _example()
        >>> data = store.DistrictData("fresno", enrollment, assessments, pd.DataFrame(), pd.DataFrame())
        >>> school = Inquiry("fresno", 2024, "A", data)
        >>> part = school.with_rows("assessments", school.scoped_data.assessments.head(1))
        >>> len(part.scoped_data.assessments), part.scoped_data.enrollment is school.scoped_data.enrollment
        (1, True)
        """
        rows_data = dataclasses.replace(self.scoped_data, **{table: rows})
        part = dataclasses.replace(self, data=rows_data, part_of_students=True)
        if not self.whole_district:
            part.__dict__["_school_students_data"] = rows_data  # the cached property, already known
        return part

    @cached_property
    def _school_students_data(self) -> store.DistrictData:
        """Every row of the students ever counted at the chosen school (in any year).

        A metric attributes a student's rows to the school of their primary enrollment
        that year, so the school's figures from these rows equal those from the whole
        district, at a fraction of the work: a per-school report no longer grows with
        the size of its district.  A result from the state's score files counts at the
        school it was tested at, so the students tested here (enrolled elsewhere by the
        end of the year) are among them too.
        """
        enrollment = self.data.enrollment
        counted_here = enrollment["primary"].astype(bool) & (enrollment["school_name"] == self.school)
        keys = enrollment.loc[counted_here, "student_key"].unique()
        assessments = self.data.assessments
        if "tested_school_cds" in assessments:
            codes = enrollment.loc[enrollment["school_name"] == self.school, "school_cds"].unique()
            tested_here = assessments.loc[assessments["tested_school_cds"].isin(codes), "student_key"].unique()
            keys = pd.unique(pd.Series([*keys, *tested_here], dtype="object"))
        return store.DistrictData(self.district, **{
            table: frame[frame["student_key"].isin(keys)] if "student_key" in frame else frame
            for table, frame in ((t, getattr(self.data, t)) for t in ("enrollment", "assessments", "math_courses", "outcomes"))
        }, manifest=self.data.manifest)

    def metric(self, name: str, by: Sequence[str] = (), **options) -> pd.DataFrame:
        """A metric of :mod:`flp_inquiry.measures.metrics` over the inquiry's data, kept to its school.

        ``name`` is a metric function (``percent_met``, ``chronic_absenteeism`` ...);
        ``options`` are its other arguments (``subject``, ``grade``, ``year``).  For one
        school the metric is grouped by ``school`` too and only that school's rows
        are kept (without the ``school`` column), so a student counts where the
        state counts them.  The result is not suppressed.

        >>> from flp_inquiry.measures.metrics import _example
        >>> assessments, enrollment = _example()
        >>> empty = store.DistrictData("fresno", enrollment, assessments, pd.DataFrame(), pd.DataFrame())
        >>> Inquiry("fresno", 2024, "A", empty).metric("percent_met", subject="ela", by=["school_year"])
           school_year  n  value
        0         2023  1  100.0
        1         2024  2   50.0
        """
        if name not in METRIC_TABLES:
            raise ParameterError("metric", name, list(METRIC_TABLES))
        by = list(by)
        scoped = not self.whole_district and "school" not in by
        data = self.scoped_data if scoped else self.data
        tables = [getattr(data, table) for table in METRIC_TABLES[name]]
        grouped_by = ["school", *by] if scoped else by

        def computed(grouping: list[str]) -> pd.DataFrame:
            # A notebook (and the explorer at every redraw) asks for the same figures of the same tables again.
            return _recent_metrics.get_or_make(tables, (name, tuple(grouping), tuple(sorted(options.items()))),
                                               lambda: FUNCTIONS[name](*tables, by=grouping, **options))

        table = computed(grouped_by)
        if scoped:
            table = table[table["school"] == self.school].drop(columns="school").reset_index(drop=True)
        else:
            table = table.copy()  # (the caller's to change; what is remembered is not)
        # what the table counts, for the pack's audit (flp_inquiry.measures.table_meaning): the scope, and the
        # groupings whose rows make up their whole (a breakdown may leave out students with no group recorded)
        if self.part_of_students:
            return table
        wholes = {}
        for column in by:
            if column in NOT_ADDITIVE or column not in table:
                continue
            whole = computed([c for c in grouped_by if c != column])
            wholes[column] = (whole[whole["school"] == self.school].drop(columns="school") if scoped else whole)
        meaning = metric_meaning(name, options, {"school": self.school} if scoped else {},
                                 {column: parts_per_whole(table, column) for column in complete_dimensions(table, wholes)}
                                 if wholes else {}, columns=list(table.columns))
        if meaning is not None:
            table.attrs[MEANING_ATTRIBUTE] = meaning
        return table


#: Metric tables are small (one row a group): enough for every figure of a few patterns of the explorer.
_recent_metrics = Recent(size=512)


def start_inquiry(
    district: str, school_year: int, school: str = ALL_SCHOOLS, data_dir: str | Path | None = None,
    tables: Sequence[str] | None = None,
) -> Inquiry:
    """Check the parameters against the harmonised data, then load the district (``tables`` only, if given).

    Raises :class:`~flp_inquiry.errors.ParameterError` naming the allowed values.
    In a meeting pack's kernel, the folder the pack wrote the partner's extract to
    comes from the environment (:data:`flp_inquiry.measures.extract_files.PACK_EXTRACTS_VARIABLE`).

    A district the project does not list (``codes.DISTRICTS``) can be asked for once it is
    harmonised into the data folder (any district from the state's score files).

    >>> start_inquiry("fresnoo", 2025, data_dir="/nonexistent")
    Traceback (most recent call last):
    ...
    flp_inquiry.errors.ParameterError: district = 'fresnoo' is not allowed. Allowed values: fresno, long_beach, toms_valley
    """
    if district not in DISTRICTS:
        from flp_inquiry.ingest.catalog import harmonised_districts

        harmonised = harmonised_districts(Path(data_dir)) if data_dir else []
        if district not in harmonised:
            raise ParameterError("district", district, sorted(set(DISTRICTS) | set(harmonised)))
    folder = find_data_dir(data_dir)
    years = store.list_years(district, folder)
    if int(school_year) not in years:
        raise ParameterError("school_year", school_year, years, reason=f"{labels.district_label(district)} has no data for it")
    if school != ALL_SCHOOLS:
        schools = sorted(store.list_schools(district, folder)["school_name"].unique())
        if school not in schools:
            raise ParameterError("school", school, [ALL_SCHOOLS, *schools])
    data = store.load_district(district, folder, tables=tables)
    from flp_inquiry.inquiry.chart_renderer import use_notebook_renderer

    use_notebook_renderer()  # charts JupyterLab draws offline, not Altair's HTML that fetches Vega from a CDN
    extracts = os.environ.get(PACK_EXTRACTS_VARIABLE)
    return Inquiry(district=district, school_year=int(school_year), school=school, data=data, data_dir=folder,
                   extracts_dir=Path(extracts) if extracts else None,
                   state_files=tuple(state_files_from_environment()))


def warm_up() -> None:
    """Do now what every notebook's first metric, table and chart would otherwise do for itself.

    Reads the reference files and the Dashboard settings, and draws a tiny table
    and chart, so that pandas and Altair load their renderers and templates.  A
    pack's kernel template (:mod:`flp_inquiry.packs.kernels`) calls this once before it
    forks its kernels, so no report pays for it.  It touches no district's data.

    >>> warm_up()
    """
    from flp_inquiry.inquiry import charts, tables
    from flp_inquiry.measures import dashboard

    for subject in students.SUBJECTS:
        reference.level3_minimum_by_grade(subject)
    reference.elpi_split_points()
    for indicator in dashboard.indicator_names():
        dashboard.load_indicator(indicator)
    table = pd.DataFrame({"school_year": [2024, 2025], "el_status": ["EL", "EL"], "n": [40, 8], "value": [-20.5, 3.0]})
    tables.reader_table(table, {"el_status": "Student group", "n": "Students", "value": "Value"}).to_html()
    chart = charts.trend_chart(charts.chart_table(table, ["el_status", "school_year"]), "el_status", x="school_year",
                               title="Warm-up", value_title="Value", series_title="Student group")
    chart._repr_mimebundle_()  # as a notebook's display does

