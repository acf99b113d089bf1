"""What a shown table counts, as data: the cells of every table a report shows, each with its meaning.

A report's tables and charts are written for a principal; an audit of what a reader can
work out from a whole pack needs to know, for every figure, *what it counts* and *of whom*:

- a **measure**: what is counted (``chronic_absence.enrolled``: students enrolled 31+ days in
  grades K-8; ``chronic_absence.absent``: those of them chronically absent; ``math.tested``,
  ``math.met``, ``marks.given``, ``marks.d_or_f`` ...: see :data:`MEASURES`);
- a **population**: the students it counts, as dimensions and values (``school``,
  ``grade``, ``el_status``, ``attendance``, ``course``, ``school_year`` ...); a dimension left
  out means all of its values (``school`` left out: the whole district);
- for a count, the number shown, or why it is hidden (``small``: under 11;
  ``complementary``: hidden so that a small one cannot be worked out);
- for a rate, the percentage shown, how it was rounded (``decimals``; ``None`` for a chart's
  unrounded figure) and its **denominator** (another cell: a measure and a population).

Cells are one long table (:func:`cells_frame`, columns :data:`CELL_COLUMNS`).  The only other
thing a table says is which of its dimensions it shows *completely* (every group of students
in the population is a row, so the rows add up to the whole): :data:`PARTITION_COLUMNS`.

Relations between cells in and across reports then follow from the data (see
:mod:`audit`): the same measure and population anywhere is one number; the groups a table
shows completely add up to their whole; any group is at most its whole; a rate with its
denominator gives its numerator to within rounding.

A table's meaning travels from the kernel as JSON (:meth:`TableMeaning.to_json`) in the
metadata of the display output that shows it (``MIMETYPE``), so the audit reads every
executed notebook of a pack (:func:`meanings_in_notebook`).  A table made by a metric
(:meth:`flp_inquiry.inquiry.session.Inquiry.metric`) carries what it counts in its ``attrs``
(:data:`MEANING_ATTRIBUTE`, :mod:`flp_inquiry.measures.metric_meaning`), which turns that, the table
before and after suppression, into the declaration the reader table shows with it.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Sequence

import pandas as pd

from flp_inquiry.errors import ParameterError

#: Where a table's meaning travels: the metadata of the display output that shows it.
MIMETYPE = "application/vnd.flp-inquiry.table-meaning+json"
#: Where a table that shows counts without saying what they count says so (its id and caption): the audit
#: names it as not read.
UNREAD_MIMETYPE = "application/vnd.flp-inquiry.table-unread+json"
#: Dimensions whose values never add up to a whole (a school year is not a part of anything; a student
#: is in several of the Dashboard's groups).
NOT_ADDITIVE = frozenset({"school_year", "dashboard_group"})
#: The groupings a metric's rows can be split by (:data:`flp_inquiry.measures.students.GROUPINGS`, the course).
DIMENSIONS = ("school", "grade", "el_status", "ethnicity", "sed", "swd", "gender", "school_year", "years_as_el",
              "dashboard_group", "course_title")
#: Columns of words a table may gain after its metric without counting anything else (intervals in words).
WORD_COLUMNS = frozenset({"interval"})
#: Where a metric's table keeps what it counts (``DataFrame.attrs``): see :func:`flp_inquiry.measures.metric_meaning.metric_meaning`.
MEANING_ATTRIBUTE = "flp_inquiry.meaning"
#: The environment variable naming a JSON file of figures to hide beyond the rule (the pack's
#: protection, :mod:`flp_inquiry.measures.audit_protection`): ``[[measure, population], ...]``.
HIDE_VARIABLE = "FLP_INQUIRY_HIDE_FIGURES"
ALL = "all"
#: Values of a dimension that are themselves a sum of others (a span of grades).
SPANS: dict[str, dict[str, frozenset[str]]] = {
    "grade": {"3-8": frozenset(str(g) for g in range(3, 9))},
}
#: Every value a dimension takes for a measure, where the measure's definition says so (a reader knows it
#: too): students are tested in grades 3-8 and 11; chronic absence is counted in grades K-8; the Summative
#: ELPAC is taken in grades K-12.  The parts of such a whole always add up to it.
_TESTED = ("3-8", "11")
UNIVERSES: dict[tuple[str, str], tuple[str, ...]] = {
    **{("grade", f"{subject}.{what}"): _TESTED for subject in ("ela", "math") for what in ("tested", "met")},
    ("grade", "chronic_absence.enrolled"): ("0", "1", "2", "3-8"), ("grade", "chronic_absence.absent"): ("0", "1", "2", "3-8"),
    ("grade", "elpac.tested"): ("0", "1", "2", "3-8", "9", "10", "11", "12"),
}
#: The measures used by the prototype, in words (the metric registry would hold these).
MEASURES = {
    "chronic_absence.enrolled": "students in grades K-8 enrolled 31 days or more",
    "chronic_absence.absent": "of them, chronically absent (10% or more of days)",
    "ela.tested": "students with an ELA score", "ela.met": "of them, level 3 or 4",
    "math.tested": "students with a math score", "math.met": "of them, level 3 or 4",
    "marks.given": "math course marks given", "marks.d_or_f": "of them, D or F",
    "elpi.students": "ELs with a Summative ELPAC score this year and last", "elpi.progressed": "of them, progressed",
    "reclassification.els": "ELs at the start of the year", "reclassification.reclassified": "of them, reclassified",
    "ltel.els": "current ELs", "ltel.long_term": "of them, long-term ELs", "ltel.at_risk": "of them, at risk",
    "algebra_by_8.students": "students in grade 8", "algebra_by_8.completed": "of them, Algebra 1 with C or better",
    "algebra_by_9.students": "students in grade 9", "algebra_by_9.completed": "of them, Algebra 1 with C or better",
    "graduation.cohort": "students in the four-year cohort", "graduation.graduated": "of them, graduated",
    "a_g.completed": "graduates who completed a-g",
    "participation.enrolled": "students enrolled in a tested grade", "participation.tested": "of them, with a score",
    "elpac.tested": "ELs with a Summative ELPAC level",
    "elpac.level3_last_year": "ELs at ELPAC level 3 last year, tested again",
    "elpac.still_level3": "of them, still at level 3", "elpac.reached_level4": "of them, at level 4",
    "matched.tested_both_years": "students tested in math both years",
}

CELL_COLUMNS = ["table", "row", "kind", "measure", "population", "shown", "hidden", "decimals",
                "of_measure", "of_population", "headline"]
#: Rows may carry ``"_truth"``: column -> true count, for checking an audit against the truth in tests
#: and prototypes only (never in a report's metadata); :func:`cells_frame` puts it in a ``truth`` column.
TRUTH = "_truth"
PARTITION_COLUMNS = ["table", "measure", "population", "dimension", "within"]
#: Why a count is hidden: under 11; beside one under 11; hidden before the table saw it (``hidden``: 0 or
#: more, the reason not known); a rate's numerator goes ``with its count`` or alone.
HIDDEN_REASONS = ("small", "complementary", "hidden", "with its count")

def population_key(population: Mapping[str, Any]) -> str:
    """A population as one canonical string: dimensions sorted, values as text, ``all`` left out.

    >>> population_key({"school_year": 2025, "el_status": "EL", "school": "all", "grade": 7})
    'el_status=EL;grade=7;school_year=2025'
    >>> population_key({})
    ''
    """
    items = sorted((str(d), _value_text(v)) for d, v in population.items() if _value_text(v) != ALL)
    return ";".join(f"{d}={v}" for d, v in items)


def parse_population(key: str) -> dict[str, str]:
    """The dimensions of a :func:`population_key`.

    >>> parse_population("el_status=EL;school_year=2025")
    {'el_status': 'EL', 'school_year': '2025'}
    """
    return dict(item.split("=", 1) for item in key.split(";")) if key else {}


def is_total(population: str) -> bool:
    """Whether a population (a :func:`population_key`) is a whole school's or district's: all students, all grades.

    Only the school, the year and a span of grades (all of a measure's grades, or grades 3-8) may be named.

    >>> is_total("school=A;school_year=2025"), is_total("grade=3-8;school_year=2025"), is_total("")
    (True, True, True)
    >>> is_total("el_status=EL;school=A;school_year=2025"), is_total("grade=7;school=A;school_year=2025")
    (False, False)
    """
    dimensions = parse_population(population)
    dimensions.pop("school", None)
    dimensions.pop("school_year", None)
    grade = dimensions.pop("grade", None)
    return not dimensions and (grade is None or grade in SPANS["grade"])


def _value_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


@dataclass(frozen=True)
class Count:
    """A count column: ``column`` holds students (or marks) of ``measure``.

    ``displayed=False``: a denominator the table does not show; it enters only where it is
    hidden (its rates show ``*``, which says it is small).
    """

    column: str
    measure: str
    displayed: bool = True


@dataclass(frozen=True)
class Rate:
    """A rate column: ``100 * numerator / denominator`` rounded to ``decimals`` (``None``: unrounded).

    ``of`` is the count column of the same row holding the denominator; ``of_population``
    changes the denominator's population from the row's (``{"level": "all"}``: the share of
    a grade's ELs at one level has the grade's ELs as denominator).
    """

    column: str
    numerator: str
    of: str
    decimals: int | None = 1
    of_population: Mapping[str, Any] = field(default_factory=dict)


@dataclass
class TableMeaning:
    """What one shown table counts: the declaration a table carries from kernel to audit.

    Parameters
    ----------
    table : str
        Where it is shown: ``"<district>/<notebook>/<scope>#<number>"``.
    population : mapping
        Dimensions the same for every row (``{"school": "Sample Orchard High", "school_year": 2025}``).
    dimensions : sequence of str
        Columns of the rows that are dimensions (``["el_status"]``).
    counts, rates : sequence of Count, Rate
    complete : mapping of str to str
        Dimension -> the value its rows make up completely (``{"el_status": "all"}``: every
        group is a row; ``{"grade": "3-8"}``: every grade of grades 3-8 is).
    rows : list of dict
        The rows as shown: dimension values, counts and rates as numbers, hidden ones
        ``"*"``; ``"hidden"`` maps a hidden count column to why (``small``/``complementary``);
        ``"population"`` and ``"measures"`` override the table's, for a row that counts
        something else (a common-metrics indicator).
    headline : bool
        Whether its figures are a report's headline figures (the common metrics, the figures set
        beside the district, the partner and California): the audit's protection hides them last.

    Examples
    --------
    >>> meaning = TableMeaning("f/attendance/district#2", {"school_year": 2025}, ["el_status"],
    ...     [Count("n", "chronic_absence.enrolled")], [Rate("value", "chronic_absence.absent", "n")],
    ...     {"el_status": "all"},
    ...     [{"el_status": "EL", "n": 261, "value": 28.0},
    ...      {"el_status": "TBD", "n": "*", "value": "*", "hidden": {"n": "small"}}])
    >>> for cell in cells_frame([meaning]).itertuples():
    ...     print(cell.kind, cell.measure, cell.population, cell.shown, repr(cell.hidden))
    count chronic_absence.enrolled el_status=EL;school_year=2025 261.0 ''
    rate chronic_absence.absent el_status=EL;school_year=2025 28.0 ''
    count chronic_absence.enrolled el_status=TBD;school_year=2025 nan 'small'
    rate chronic_absence.absent el_status=TBD;school_year=2025 nan 'with its count'
    >>> TableMeaning.from_json(meaning.to_json()) == meaning
    True
    """

    table: str
    population: Mapping[str, Any]
    dimensions: Sequence[str]
    counts: Sequence[Count]
    rates: Sequence[Rate] = ()
    complete: Mapping[str, str] = field(default_factory=dict)
    rows: list[dict] = field(default_factory=list)
    headline: bool = False

    def to_json(self) -> dict:
        """A JSON-ready dict (the display output's metadata under :data:`MIMETYPE`)."""
        return {
            "table": self.table, "population": {k: _value_text(v) for k, v in self.population.items()},
            "dimensions": list(self.dimensions),
            "counts": [{"column": c.column, "measure": c.measure, "displayed": c.displayed} for c in self.counts],
            "rates": [{"column": r.column, "numerator": r.numerator, "of": r.of, "decimals": r.decimals,
                       "of_population": {k: _value_text(v) for k, v in r.of_population.items()}} for r in self.rates],
            "complete": dict(self.complete), "rows": [_json_row(row) for row in self.rows],
            "headline": self.headline,
        }

    @classmethod
    def from_json(cls, data: Mapping) -> "TableMeaning":
        return cls(data["table"], dict(data["population"]), list(data["dimensions"]),
                   [Count(**c) for c in data["counts"]],
                   [Rate(r["column"], r["numerator"], r["of"], r.get("decimals"), dict(r.get("of_population", {})))
                    for r in data["rates"]],
                   dict(data.get("complete", {})), [dict(row) for row in data["rows"]], bool(data.get("headline", False)))

    def __eq__(self, other) -> bool:
        return isinstance(other, TableMeaning) and self.to_json() == other.to_json()


def _json_row(row: Mapping) -> dict:
    row = {k: v for k, v in row.items() if k != TRUTH}
    def plain(value):
        if isinstance(value, Mapping):
            return {str(k): plain(v) for k, v in value.items()}
        if hasattr(value, "item"):  # numpy scalars
            value = value.item()
        if isinstance(value, float) and math.isnan(value):
            return None
        return value if isinstance(value, (int, float, str, bool)) or value is None else str(value)
    return {str(k): plain(v) for k, v in row.items()}


def _number(value) -> float:
    if value is None or value == "*" or value == "":
        return math.nan
    return float(value)


def cells_frame(meanings: Iterable[TableMeaning]) -> pd.DataFrame:
    """Every cell of ``meanings`` as one long table (:data:`CELL_COLUMNS`).

    A count cell shows its number (``shown``) or is hidden (``hidden`` = ``small`` or
    ``complementary``); ``headline`` says it is in a table of headline figures.  A rate cell shows its percentage, or is hidden ``with its count``: its
    numerator is then a hidden count the audit must protect too.  A row's blank cells (a measure
    not counted in the scope) are left out.
    """
    records = []
    for meaning in meanings:
        for number, row in enumerate(meaning.rows):
            population = {**meaning.population, **{d: row[d] for d in meaning.dimensions if d in row},
                          **row.get("population", {})}
            key = population_key(population)
            measures = row.get("measures", {})
            hidden_as = row.get("hidden", {})
            for count in meaning.counts:
                value = row.get(count.column)
                if value is None or value == "" or (not count.displayed and value != "*"):
                    continue
                reason = hidden_as.get(count.column, "small") if value == "*" else ""
                if reason not in ("", *HIDDEN_REASONS):
                    raise ParameterError("hidden", reason, reason=f"a hidden count is one of {HIDDEN_REASONS}")
                records.append((meaning.table, number, "count", measures.get(count.column, count.measure), key,
                                _number(value), reason, math.nan, None, None, meaning.headline,
                                _number(row.get(TRUTH, {}).get(count.column))))
            for rate in meaning.rates:
                value = row.get(rate.column)
                if value is None or value == "" or rate.column in row.get("not_rates", ()):
                    continue
                numerator = measures.get(rate.column, rate.numerator)
                denominator = measures.get(rate.of, next(c.measure for c in meaning.counts if c.column == rate.of))
                records.append((meaning.table, number, "rate", numerator, key, _number(value),
                                "with its count" if value == "*" else "",
                                math.nan if rate.decimals is None else float(rate.decimals),
                                denominator, population_key({**population, **rate.of_population}), meaning.headline,
                                _number(row.get(TRUTH, {}).get(rate.column))))
    cells = pd.DataFrame.from_records(records, columns=[*CELL_COLUMNS, "truth"])
    return cells if cells["truth"].notna().any() else cells.drop(columns="truth")


def partitions_frame(meanings: Iterable[TableMeaning]) -> pd.DataFrame:
    """Which groups add up to a whole (:data:`PARTITION_COLUMNS`): one row per table, count measure and part.

    ``population`` is the whole's population without the dimension; the rows of the table
    with that population are every group of ``dimension`` within ``within``.
    """
    records = []
    for meaning in meanings:
        for dimension, within in meaning.complete.items():
            others = [d for d in meaning.dimensions if d != dimension]
            wholes = {}
            for row in meaning.rows:
                population = {**meaning.population, **{d: row[d] for d in others if d in row},
                              **{d: v for d, v in row.get("population", {}).items() if d != dimension}}
                measures = row.get("measures", {})
                for count in meaning.counts:
                    if row.get(count.column) not in (None, ""):
                        measure = measures.get(count.column, count.measure)
                        wholes[(measure, population_key(population))] = True
                for rate in meaning.rates:  # numerators add up too
                    if row.get(rate.column) not in (None, ""):
                        wholes[(measures.get(rate.column, rate.numerator), population_key(population))] = True
            for measure, key in wholes:
                records.append((meaning.table, measure, key, dimension, _value_text(within)))
    return pd.DataFrame.from_records(records, columns=PARTITION_COLUMNS).drop_duplicates(
        ["measure", "population", "dimension", "within"], ignore_index=True)


def meanings_in_notebook(notebook) -> list[TableMeaning]:
    """Every table meaning in an executed notebook's display outputs (``nbformat`` node or dict).

    >>> cell = {"cell_type": "code", "outputs": [{"output_type": "display_data", "data": {},
    ...         "metadata": {MIMETYPE: {"table": "t#1", "population": {}, "dimensions": [], "counts": [],
    ...                                 "rates": [], "rows": []}}}]}
    >>> [m.table for m in meanings_in_notebook({"cells": [cell]})]
    ['t#1']
    """
    found = []
    for cell in notebook["cells"]:
        for output in cell.get("outputs", []) if cell.get("cell_type") == "code" else []:
            data = output.get("metadata", {}).get(MIMETYPE)
            if data is not None:
                found.append(TableMeaning.from_json(data if isinstance(data, Mapping) else json.loads(data)))
    return found


def unread_in_notebook(notebook) -> list[str]:
    """What an executed notebook shows with counts that the audit cannot read: tables without a meaning, charts' data.

    A table says so itself (:data:`UNREAD_MIMETYPE`); a chart (Vega-Lite) is one when any of its
    data rows has a count (``n``).

    >>> table = {"output_type": "display_data", "data": {}, "metadata": {UNREAD_MIMETYPE: {"table": "t", "caption": "By school"}}}
    >>> chart = {"output_type": "display_data", "metadata": {}, "data": {"application/vnd.vegalite.v6+json": {
    ...     "title": "Chronic absence", "datasets": {"d": [{"school": "A", "n": 40, "value": 10.0}]}}}}
    >>> unread_in_notebook({"cells": [{"cell_type": "code", "outputs": [table, chart]}]})
    ['table: By school', 'chart: Chronic absence']
    """
    found = []
    for cell in notebook["cells"]:
        for output in cell.get("outputs", []) if cell.get("cell_type") == "code" else []:
            unread = output.get("metadata", {}).get(UNREAD_MIMETYPE)
            if unread is not None:
                found.append(f"table: {unread.get('caption') or unread.get('table')}")
            for mimetype, spec in output.get("data", {}).items():
                if mimetype.startswith("application/vnd.vegalite") and isinstance(spec, Mapping) and _has_counts(spec):
                    found.append(f"chart: {_chart_title(spec)}")
    return found


def _has_counts(spec: Mapping) -> bool:
    rows = [row for rows in spec.get("datasets", {}).values() if isinstance(rows, list) for row in rows]
    return any(isinstance(row, Mapping) and isinstance(row.get("n"), (int, float)) and not isinstance(row.get("n"), bool)
               for row in rows)


def _chart_title(spec: Mapping) -> str:
    title = spec.get("title") or spec.get("description") or "untitled"
    if isinstance(title, Mapping):
        title = title.get("text", "untitled")
    return " ".join(title) if isinstance(title, list) else str(title)
